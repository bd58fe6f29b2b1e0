/**
 * FTP from a packet capture: finds the control connections, runs each direction through the shared parsers
 * (server→client to the reply parser, client→server to the command splitter) and both into a session tracker
 * with packet timestamps and endpoints; matches the data connections that PASV/EPSV/PORT/EPRT announce.
 *
 * Control connections are found by port (21 unless told otherwise) and by content: a connection whose
 * responder speaks first with `220 `/`220-` (or `120`) is a control connection on any port.
 */

import {
  type ControlConnection as Connection,
  type ConnectionProblem,
  createControlConnection,
} from "../../connection/connection.js";
import type { Exchange, SessionOptions } from "../../connection/index.js";
import { GREETING_REPLIES, TRANSFER_COMMANDS } from "../../connection/rules.js";
import { HYPHEN, SPACE } from "../../lines/bytes.js";
import { openingCode } from "../../reply/grammar.js";
import type { ReplyParserOptions } from "../../reply/parser.js";
import {
  type CaptureStats,
  createTcpCapture,
  type TcpCaptureCallbacks,
  type TcpCaptureOptions,
} from "./capture.js";
import {
  DataConnections,
  type DataOwner,
  type DataState,
  DEFAULT_MAX_PENDING_DATA_CONNECTIONS,
} from "./data-connections.js";
import { type DecodedFrame, formatAddress } from "./decode.js";
import { CaptureFiles, type FileOptions, type TransferredFile, transferFileName } from "./files.js";
import {
  createTlsReader,
  DEFAULT_MAX_TLS_HANDSHAKE_BYTES,
  type TlsHandshake,
  type TlsReader,
} from "./tls.js";
import { decideVerdict, TransferContexts, type TransferVerdict } from "./verdicts.js";
import { hasOddLineBytes } from "./weird.js";

export { DEFAULT_MAX_PENDING_DATA_CONNECTIONS };

import type { CaptureDiagnostic } from "./errors.js";
import type { CapturedPacket } from "./reader.js";
import type { FlowDirection, TcpConnection } from "./reassembly.js";

/** Bytes kept from an unclassified connection's first segments to recognise a greeting. */
const GREETING_PROBE_LENGTH = 4;
/** Segments held while the greeting's first 4 bytes are incomplete (a server sending 1 byte at a time). */
const MAX_HELD_SEGMENTS = 16;

/** A control connection: its TCP connection, seen as FTP client and server. */
export interface ControlConnection {
  /** The TCP connection (index = tshark's `tcp.stream`). */
  readonly tcp: TcpConnection;
  /** How it was recognised: by its server port, or by a greeting on another port. */
  readonly foundBy: "port" | "greeting";
  /**
   * True once the server's bytes have held a NUL, an IAC (0xFF) or an LF without a CR before it (a gap counts as
   * not a CR). While false, no reply's `raw` holds one either: line checks (weird.ts) need not read it.
   */
  readonly serverLineBytesOdd: boolean;
  /** Zeek-style identity for output records. */
  readonly info: {
    uid: string;
    origHost: string;
    origPort: number;
    respHost: string;
    respPort: number;
  };
}

/** A data connection matched to the command that announced it. */
export interface DataConnection {
  readonly tcp: TcpConnection;
  /** The control connection that announced it. */
  readonly control: ControlConnection;
  /** True for PASV/EPSV (the FTP server listened), false for PORT/EPRT (the FTP client listened). */
  readonly passive: boolean;
  /** Payload bytes from the FTP server to the FTP client (a download or a listing). */
  readonly bytesToClient: number;
  /** Payload bytes from the FTP client to the FTP server (an upload). */
  readonly bytesToServer: number;
  /** Bytes the capture lacks in this connection (both directions). */
  readonly missingBytes: number;
  /** The transfer command that used it (RETR, LIST …), when its exchange was seen. */
  readonly exchange?: Exchange;
  /** How the connection ended. */
  readonly closed: "fin" | "rst" | "end";
  /** The file it carried: size, hashes, MIME type, name, extracted copy (files.ts). */
  readonly file: TransferredFile & { readonly name?: string | undefined };
  /** Whether the transfer carried the whole file (verdicts.ts, docs/pcap.md § Transfer verdicts). */
  readonly verdict: TransferVerdict;
}

/** The data connection of a transfer command as far as seen when its exchange completes (ftp.log's `fuid`). */
export interface TransferInProgress {
  readonly fuid: string;
  readonly mimeType?: string | undefined;
}

export interface FtpCaptureCallbacks {
  /** Each command with its replies (or greeting …), as soon as it is complete. */
  onExchange(exchange: Exchange, control: ControlConnection, transfer?: TransferInProgress): void;
  /**
   * A data connection, once it is closed and its transfer command (if any) has completed, so that it can be
   * shown right after that command.
   */
  onDataConnection?(data: DataConnection): void;
  /** A new control connection. */
  onControlConnection?(control: ControlConnection): void;
  /** Capture, stream, parser and dialogue problems. */
  onDiagnostic?(diagnostic: CaptureDiagnostic): void;
  /** Every problem of a control connection's layers as found, dialogue ones included (for weird.log). */
  onControlProblem?(problem: ConnectionProblem, control: ControlConnection): void;
  /** The TLS handshake read after 234 to AUTH, once its control connection has ended. */
  onTls?(handshake: TlsHandshake, control: ControlConnection): void;
  /** A control connection ended (FIN, RST or the end of the capture): none of its exchanges come after this. */
  onControlEnd?(control: ControlConnection): void;
  /**
   * Called after each chunk of the capture was analysed; `analyzeFtpCapture` awaits it before reading the next
   * chunk, so a consumer that waits for its output to drain holds the reading back (back-pressure).
   */
  onChunk?(): void | Promise<void>;
}

export interface FtpCaptureOptions extends TcpCaptureOptions {
  /** Server ports of control connections. Default [21]. */
  ports?: readonly number[];
  /** Also find control connections on other ports by their greeting. Default true. */
  detectByGreeting?: boolean;
  /** Text encoding of replies and commands (see the reply parser). */
  encoding?: string;
  /** Options for the reply parser (limits, Telnet …). */
  replyParser?: Omit<ReplyParserOptions, "encoding">;
  /** Session options (passwords …); callbacks and endpoints are set here. */
  session?: Omit<SessionOptions, "onExchange" | "onDiagnostic" | "endpoints" | "expectGreeting">;
  /**
   * Per control connection, each of: data endpoints announced (PASV, PORT …) and not yet connected to,
   * transfers waiting for their data connection, data connections waiting for their transfer. Beyond, the
   * oldest is dropped (`state-dropped`, `pending-data-connection`). Default 64.
   */
  maxPendingDataConnections?: number;
  /** Bytes of TLS handshake read per direction after 234 to AUTH (see tls.ts). 0: not read. Default 65536. */
  maxTlsHandshakeBytes?: number;
  /** Hashes and extraction of the files on data connections (default: SHA-256, no extraction). */
  files?: FileOptions;
}

/** Counts over the whole capture. */
export interface FtpCaptureResult {
  stats: CaptureStats;
  controlConnections: number;
  dataConnections: number;
  /** TCP connections that were neither control nor matched data connections. */
  otherConnections: number;
}

export interface FtpCaptureAnalyzer {
  feed(chunk: Uint8Array): void;
  /** One packet read elsewhere (several files, worker threads: see files.ts) instead of `feed`. */
  packet(packet: CapturedPacket, decoded?: DecodedFrame): void;
  /** Ends packet input given by `packet()`; the counts, as `end()` gives them. */
  finish(): FtpCaptureResult;
  /** True once the capture's framing is lost: stop reading, then call `end()`. */
  readonly failed: boolean;
  /** Data-connection announcements waiting for their connection, all control connections (tests, benches). */
  readonly pendingExpectations: number;
  /** Ends the capture; the framing error of a damaged file is in `result.error`. */
  end(): FtpCaptureResult & { error: Error | undefined };
}

/** A control connection as the analyzer keeps it: `serverLineBytesOdd` is set as its bytes come. */
type MutableControl = { -readonly [K in keyof ControlConnection]: ControlConnection[K] };

interface ControlState extends DataOwner {
  readonly control: MutableControl;
  /** The server's last byte so far (-1 at the start and after a gap), for `hasOddLineBytes`. */
  lastServerByte: number;
  /** The FTP control connection: commands, replies and their pairing. */
  readonly connection: Connection;
  /** Timestamp of the last packet processed. */
  ts: number;
  /** The TLS handshake after 234 to AUTH, once its bytes came. */
  tls?: TlsReader;
  /** REST offsets and SIZE replies, for the verdicts of its transfers. */
  readonly contexts: TransferContexts;
}

const enum Role {
  Unknown = 0,
  Control = 1,
  Data = 2,
  Other = 3,
}

interface ConnectionRole {
  role: Role;
  control?: ControlState;
  data?: DataState;
  /** Unclassified: the responder's first bytes so far (up to GREETING_PROBE_LENGTH). */
  probe?: Uint8Array | undefined;
  /** Unclassified: held bytes per direction with their packets, replayed once it is classified as control. */
  held?: Array<[FlowDirection, Uint8Array, CapturedPacket]> | undefined;
}

function secondsOf(packet: CapturedPacket): number {
  return packet.seconds + packet.nanoseconds / 1e9;
}

function looksLikeGreeting(bytes: Uint8Array): boolean {
  if (bytes.length < GREETING_PROBE_LENGTH) return false;
  // The first four bytes as Latin-1 characters: digits, space and hyphen read alike in any ASCII-compatible encoding.
  const head = String.fromCharCode(bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!);
  const separator = head.charCodeAt(3);
  return (separator === SPACE || separator === HYPHEN) && GREETING_REPLIES.has(openingCode(head));
}

/** What the first bytes of an unclassified connection say. */
const enum Probe {
  /** Not enough bytes yet. */
  Wait = 0,
  /** Its responder spoke first with a greeting: a control connection. */
  Control = 1,
  /** Not FTP control. */
  Other = 2,
}

/**
 * An unclassified connection's segment: held (to replay once it is classified) and, from the responder, added to
 * the probe. A control connection's server speaks first with a greeting (RFC 959 §5.4: 120, 220 or 421).
 */
function probeGreeting(
  role: ConnectionRole,
  direction: FlowDirection,
  bytes: Uint8Array,
  packet: CapturedPacket,
): Probe {
  const probe = role.probe!;
  if (direction === 0 && probe.length === 0) return Probe.Other;
  role.held!.push([direction, bytes.slice(), packet]);
  if (role.held!.length > MAX_HELD_SEGMENTS) return Probe.Other;
  if (direction === 1) {
    const grown = new Uint8Array(Math.min(GREETING_PROBE_LENGTH, probe.length + bytes.length));
    grown.set(probe.subarray(0, grown.length));
    grown.set(bytes.subarray(0, grown.length - probe.length), probe.length);
    role.probe = grown;
  }
  if (role.probe!.length < GREETING_PROBE_LENGTH) return Probe.Wait;
  return looksLikeGreeting(role.probe!) ? Probe.Control : Probe.Other;
}

/** A control connection's problem as a capture diagnostic: where it is in the file and in its TCP stream. */
function captureDiagnosticOf(
  problem: ConnectionProblem,
  tcp: TcpConnection,
  packet: CapturedPacket,
): CaptureDiagnostic {
  const direction = problem.direction === "server" ? "server-to-client" : "client-to-server";
  const at = {
    layer: "capture",
    frame: packet.frame,
    fileOffset: packet.fileOffset,
    stream: tcp.index,
    direction,
  } as const;
  if (problem.type === "encrypted")
    return { type: "encrypted", message: `stream ${tcp.index}: ${problem.message}`, ...at };
  // Parser offsets are stream positions: a gap skips its missing bytes, it does not restart the count.
  const streamOffset = problem.offset ?? 0;
  const where = `${problem.direction === "server" ? "server→client" : "client→server"} byte ${streamOffset}`;
  return {
    type: "ftp",
    message: `stream ${tcp.index}, ${where}: ${problem.type}: ${problem.message.replace(/ at byte \d+/, "")}`,
    ...at,
    streamOffset,
  };
}

/** The transfer's data connection, when it is already matched (it is the first one waiting for its command). */
function transferInProgress(
  state: ControlState,
  exchange: Exchange,
  files: CaptureFiles,
): TransferInProgress | undefined {
  const verb = exchange.command?.verb;
  const waiting = state.unpairedData[0];
  if (verb === undefined || !TRANSFER_COMMANDS.has(verb) || waiting === undefined) return undefined;
  return { fuid: CaptureFiles.fuidOf(waiting.tcp), mimeType: files.mimeTypeOf(waiting.tcp) };
}

/** A data connection as reported: with its file (named after its transfer command) and its verdict. */
function withFile(reported: Omit<DataConnection, "file" | "verdict">, files: CaptureFiles): DataConnection {
  const name = transferFileName(reported.exchange);
  const file = { ...files.report(reported.tcp, reported.passive, name), name };
  const verdict = decideVerdict({
    exchange: reported.exchange,
    context: TransferContexts.of(reported.exchange),
    carried: file.size + file.missingBytes,
    closed: reported.closed,
  });
  return { ...reported, file, verdict };
}

/**
 * The analysis of one capture: what each TCP connection is (control, data, other, not known yet), and where its
 * bytes go. The TCP capture calls its methods; each handles one event.
 */
class CaptureAnalysis implements TcpCaptureCallbacks {
  readonly files: CaptureFiles;
  readonly data: DataConnections;
  controlCount = 0;
  otherCount = 0;
  readonly #callbacks: FtpCaptureCallbacks;
  readonly #options: FtpCaptureOptions;
  readonly #ports: ReadonlySet<number>;
  readonly #roles = new Map<number, ConnectionRole>();
  /** Tells the reassembly that a connection's payload is not needed (it is not FTP). */
  readonly #ignorePayload: (tcp: TcpConnection) => void;
  #packet: CapturedPacket | undefined;

  constructor(
    callbacks: FtpCaptureCallbacks,
    options: FtpCaptureOptions,
    ignorePayload: (tcp: TcpConnection) => void,
  ) {
    this.#callbacks = callbacks;
    this.#ignorePayload = ignorePayload;
    this.#options = options;
    this.#ports = new Set(options.ports ?? [21]);
    this.files = new CaptureFiles(options.files ?? {}, (problem) =>
      this.onDiagnostic({ layer: "capture", ...problem, ...this.#where() }),
    );
    this.data = new DataConnections(
      options.maxPendingDataConnections ?? DEFAULT_MAX_PENDING_DATA_CONNECTIONS,
      (reported) => callbacks.onDataConnection?.(withFile(reported, this.files)),
      (diagnostic) => this.onDiagnostic(diagnostic),
      () => this.#where(),
    );
  }

  /** The packet being read, for a diagnostic. */
  #where(): { frame: number; fileOffset: number } {
    return { frame: this.#packet?.frame ?? 0, fileOffset: this.#packet?.fileOffset ?? 0 };
  }

  onDiagnostic(diagnostic: CaptureDiagnostic): void {
    this.#callbacks.onDiagnostic?.(diagnostic);
  }

  onPacket(packet: CapturedPacket): void {
    this.#packet = packet;
  }

  onConnection(tcp: TcpConnection, packet: CapturedPacket): void {
    const role = this.#classify(tcp, packet);
    this.#roles.set(tcp.index, role);
    if (role.role === Role.Other) this.#other(tcp);
  }

  /** Not FTP: counted, and its bytes are no longer reassembled (nothing of it is read). */
  #other(tcp: TcpConnection): void {
    this.otherCount++;
    this.#ignorePayload(tcp);
  }

  onData(
    tcp: TcpConnection,
    direction: FlowDirection,
    bytes: Uint8Array,
    _position: number,
    packet: CapturedPacket,
  ): void {
    const role = this.#roles.get(tcp.index);
    if (role === undefined) return;
    if (role.role === Role.Control) this.#feedControl(role.control!, direction, bytes, packet);
    else if (role.role === Role.Data) this.files.data(tcp, direction, bytes, secondsOf(packet));
    else if (role.role === Role.Unknown) this.#probe(tcp, role, direction, bytes, packet);
  }

  onGap(tcp: TcpConnection, direction: FlowDirection, position: number, missingBytes: number): void {
    this.onDiagnostic({
      layer: "capture",
      type: "gap",
      message: `stream ${tcp.index}: ${missingBytes} bytes ${direction === 0 ? "client→server" : "server→client"} missing from the capture at byte ${position}; parser resynced`,
      ...this.#where(),
      stream: tcp.index,
      streamOffset: position,
      missingBytes,
      direction: direction === 0 ? "client-to-server" : "server-to-client",
    });
    const role = this.#roles.get(tcp.index);
    if (role?.role === Role.Data) this.files.gap(tcp, direction, missingBytes);
    if (role?.role === Role.Control) {
      // The bytes after a hole start mid-line: drop the partial state and resync on the next line.
      const state = role.control!;
      state.connection.gap(direction === 1 ? "server" : "client", missingBytes, state.ts);
      if (direction === 1) state.lastServerByte = -1;
    }
  }

  onClose(tcp: TcpConnection, how: "fin" | "rst" | "end"): void {
    const role = this.#roles.get(tcp.index);
    if (role === undefined) return;
    if (role.role === Role.Control) this.#endControl(role.control!);
    else if (role.role === Role.Data) {
      this.files.close(tcp);
      this.data.closed(role.data!, how);
    } else if (role.role === Role.Unknown) this.otherCount++;
    this.#roles.delete(tcp.index);
  }

  #classify(tcp: TcpConnection, packet: CapturedPacket): ConnectionRole {
    const ports = this.#ports;
    if (ports.has(tcp.server.port))
      return { role: Role.Control, control: this.#startControl(tcp, "port", packet) };
    const matched = this.data.match(tcp);
    if (matched !== undefined) return { role: Role.Data, data: matched };
    if (ports.has(tcp.client.port) && !tcp.handshakeSeen) {
      // The capture missed the SYN and the first packet came from the server: swap nothing, but treat it as
      // control (the session then sees the server's bytes as direction 0). Rare; reported.
      this.onDiagnostic({
        layer: "capture",
        type: "missing-handshake",
        message: `stream ${tcp.index}: control connection seen from the server side first; not analysed`,
        frame: packet.frame,
        fileOffset: packet.fileOffset,
        stream: tcp.index,
      });
      return { role: Role.Other };
    }
    return (this.#options.detectByGreeting ?? true)
      ? { role: Role.Unknown, probe: new Uint8Array(0), held: [] }
      : { role: Role.Other };
  }

  /** A connection not known yet: its first bytes say whether it opens with a greeting (then its held bytes are read). */
  #probe(
    tcp: TcpConnection,
    role: ConnectionRole,
    direction: FlowDirection,
    bytes: Uint8Array,
    packet: CapturedPacket,
  ): void {
    const seen = probeGreeting(role, direction, bytes, packet);
    if (seen === Probe.Wait) return;
    const held = role.held!;
    role.held = undefined;
    if (seen === Probe.Other) {
      role.role = Role.Other;
      this.#other(tcp);
      return;
    }
    role.role = Role.Control;
    role.control = this.#startControl(tcp, "greeting", packet);
    for (const [heldDirection, heldBytes, heldPacket] of held) {
      this.#feedControl(role.control, heldDirection, heldBytes, heldPacket);
    }
  }

  #startControl(tcp: TcpConnection, foundBy: "port" | "greeting", packet: CapturedPacket): ControlState {
    const control: MutableControl = {
      tcp,
      foundBy,
      serverLineBytesOdd: false,
      info: {
        uid: `tcp${tcp.index}`,
        origHost: formatAddress(tcp.client.address),
        origPort: tcp.client.port,
        respHost: formatAddress(tcp.server.address),
        respPort: tcp.server.port,
      },
    };
    const state: ControlState = {
      control,
      lastServerByte: -1,
      connection: this.#connectionOf(control, () => state, packet),
      ts: secondsOf(packet),
      unpairedData: [],
      unpairedTransfers: [],
      expected: new Set(),
      ended: false,
      contexts: new TransferContexts(),
    };
    this.controlCount++;
    this.#callbacks.onControlConnection?.(control);
    return state;
  }

  /** The one control connection composition (connection.ts), with the capture's endpoints and hooks. */
  #connectionOf(control: ControlConnection, state: () => ControlState, packet: CapturedPacket): Connection {
    const options = this.#options;
    const maxTlsBytes = options.maxTlsHandshakeBytes ?? DEFAULT_MAX_TLS_HANDSHAKE_BYTES;
    return createControlConnection({
      encoding: options.encoding,
      replies: options.replyParser,
      session: {
        ...options.session,
        // A capture that begins mid-connection misses the greeting.
        expectGreeting: control.tcp.handshakeSeen,
        endpoints: { clientHost: control.info.origHost, serverHost: control.info.respHost },
      },
      onExchange: (exchange) => this.#exchange(state(), exchange),
      onEncrypted(chunk, direction) {
        if (maxTlsBytes <= 0) return;
        const current = state();
        current.tls ??= createTlsReader(maxTlsBytes);
        if (!current.tls.done) current.tls.feed(direction, chunk);
      },
      onCommand: (command) => this.data.command(state(), command),
      onProblem: (problem) => {
        this.#callbacks.onControlProblem?.(problem, control);
        // The dialogue's own findings are on its exchanges.
        if (problem.layer === "dialogue") return;
        this.onDiagnostic(captureDiagnosticOf(problem, control.tcp, this.#packet ?? packet));
      },
    });
  }

  #exchange(state: ControlState, exchange: Exchange): void {
    state.contexts.exchange(exchange);
    this.#callbacks.onExchange(exchange, state.control, transferInProgress(state, exchange, this.files));
    this.data.exchange(state, exchange);
  }

  #feedControl(
    state: ControlState,
    direction: FlowDirection,
    bytes: Uint8Array,
    packet: CapturedPacket,
  ): void {
    const ts = secondsOf(packet);
    state.ts = ts;
    if (direction === 0) {
      state.connection.fromClient(bytes, ts);
      return;
    }
    // Before the parser, so that the flag covers every reply these bytes complete.
    if (!state.control.serverLineBytesOdd && bytes.length > 0) {
      state.control.serverLineBytesOdd = hasOddLineBytes(bytes, state.lastServerByte);
      state.lastServerByte = bytes[bytes.length - 1]!;
    }
    state.connection.fromServer(bytes, ts);
  }

  #endControl(state: ControlState): void {
    const ts = this.#packet === undefined ? state.ts : secondsOf(this.#packet);
    state.ts = ts;
    state.connection.end(ts);
    state.ended = true;
    if (state.tls !== undefined) this.#callbacks.onTls?.(state.tls.handshake, state.control);
    this.#callbacks.onControlEnd?.(state.control);
    this.data.ended(state);
  }
}

/** Creates a push analyzer: feed it the capture file's bytes. */
export function createFtpCaptureAnalyzer(
  callbacks: FtpCaptureCallbacks,
  options: FtpCaptureOptions = {},
): FtpCaptureAnalyzer {
  const analysis = new CaptureAnalysis(callbacks, options, (tcp) => capture.ignorePayload(tcp));
  const capture = createTcpCapture(analysis, options);
  const counts = (): FtpCaptureResult => {
    const data = analysis.data;
    if (data.dropped > 0) capture.stats.dropped["pending-data-connection"] = data.dropped;
    return {
      stats: capture.stats,
      controlConnections: analysis.controlCount,
      dataConnections: data.count,
      otherConnections: analysis.otherCount,
    };
  };
  return {
    feed: (chunk) => capture.feed(chunk),
    get failed() {
      return capture.error !== undefined;
    },
    get pendingExpectations() {
      return analysis.data.pending;
    },
    packet: (packet, decoded) => capture.packet(packet, decoded),
    finish() {
      capture.finish();
      return counts();
    },
    end() {
      const error = capture.end();
      return { ...counts(), error };
    },
  };
}

/**
 * Analyses a capture read from an async source of chunks (e.g. `fs.createReadStream(path)`). Resolves with the
 * counts; a damaged file rejects with its `CaptureFormatError` after everything before the damage was reported.
 */
export async function analyzeFtpCapture(
  source: AsyncIterable<Uint8Array>,
  callbacks: FtpCaptureCallbacks,
  options: FtpCaptureOptions = {},
): Promise<FtpCaptureResult> {
  const analyzer = createFtpCaptureAnalyzer(callbacks, options);
  for await (const chunk of source) {
    analyzer.feed(chunk);
    // A lost framing makes the rest unreadable: stop reading (a source like /dev/zero never ends).
    if (analyzer.failed) break;
    await callbacks.onChunk?.();
  }
  const { error, ...result } = analyzer.end();
  if (error !== undefined) throw error;
  return result;
}
