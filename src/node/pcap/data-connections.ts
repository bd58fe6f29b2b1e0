/**
 * Data connections of a capture, matched to the control connection that announced them: a 227/229/228 reply or a
 * PORT/EPRT/LPRT names the listening endpoint (RFC 959 §3.2, RFC 2428, RFC 1639), the next TCP connection
 * to it is that data connection, and it carries the transfer (RETR, STOR, LIST …) of its control connection that
 * has no data connection yet. What waits is capped per control connection (`maxPendingDataConnections`), as Zeek
 * caps `max_expected_data_channels`.
 */
import type { Command } from "../../command/parser.js";
import { ACTIVE_COMMANDS, PASSIVE_COMMANDS, TRANSFER_COMMANDS } from "../../connection/rules.js";
import { announcedEndpoint } from "../../connection/session.js";
import type { DataChannel, Exchange } from "../../connection/types.js";
import { formatIPv6, parseIPv6 } from "../../decode/address.js";
import { type CaptureDiagnostic, isReportedDrop } from "./errors.js";
import type { ControlConnection, DataConnection } from "./ftp.js";
import type { TcpConnection } from "./reassembly.js";

/** Data-connection announcements, transfers and data connections waiting for their match, per control connection. */
export const DEFAULT_MAX_PENDING_DATA_CONNECTIONS = 64;

/** What a control connection keeps for its data connections. */
export interface DataOwner {
  readonly control: ControlConnection;
  /** Data connections matched to this control connection waiting for their transfer exchange. */
  readonly unpairedData: DataState[];
  /** Transfer exchanges waiting for their data connection. */
  readonly unpairedTransfers: Exchange[];
  /** Endpoints this connection announced, oldest first (for its cap). */
  readonly expected: Set<string>;
  /** The control connection has ended (FIN, RST or the end of the capture). */
  ended: boolean;
}

export interface DataState {
  readonly tcp: TcpConnection;
  readonly owner: DataOwner;
  readonly passive: boolean;
  exchange: Exchange | undefined;
  closed: "fin" | "rst" | "end" | undefined;
  reported: boolean;
  /** Dropped from the owner's wait list by its cap: reported without a transfer once closed. */
  orphaned: boolean;
}

interface Expectation {
  readonly owner: DataOwner;
  readonly passive: boolean;
}

/** The listening endpoint a data channel names, as `host:port` text in our endpoint format. */
function endpointText(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Normalises a host the session reports (IPv6 may be written uncompressed) to our address format. */
function normaliseHost(host: string): string {
  if (!host.includes(":")) return host;
  const bytes = parseIPv6(host);
  return bytes === undefined ? host : formatIPv6(bytes);
}

export class DataConnections {
  /** Announced data endpoints (`host:port` of the listener), most recent announcement wins. */
  readonly #expectations = new Map<string, Expectation>();
  readonly #maxPending: number;
  readonly #onDataConnection: (data: Omit<DataConnection, "file" | "verdict">) => void;
  readonly #diagnostic: (d: CaptureDiagnostic) => void;
  /** Where in the capture we are, for diagnostics. */
  readonly #where: () => { frame: number; fileOffset: number };
  #dropped = 0;
  /** Data connections matched so far. */
  count = 0;

  /** Items dropped by the cap so far. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Endpoints announced and not yet connected to. */
  get pending(): number {
    return this.#expectations.size;
  }

  constructor(
    maxPending: number,
    onDataConnection: (data: Omit<DataConnection, "file" | "verdict">) => void,
    diagnostic: (d: CaptureDiagnostic) => void,
    where: () => { frame: number; fileOffset: number },
  ) {
    this.#maxPending = maxPending;
    this.#onDataConnection = onDataConnection;
    this.#diagnostic = diagnostic;
    this.#where = where;
  }

  /**
   * A command as the client sent it: a PORT/EPRT/LPRT names where the client listens, and the server may connect
   * there before it replies (pyftpdlib sends its 200 once connected), so the endpoint is expected from now on.
   */
  command(owner: DataOwner, command: Command): void {
    if (!ACTIVE_COMMANDS.has(command.verb)) return;
    const channel = announcedEndpoint(command.verb, command.arg);
    if (channel !== undefined) this.#expect(owner, this.#activeKey(channel), { owner, passive: false });
  }

  /** A control connection's exchange: an announced endpoint to expect, or a transfer to pair with its data. */
  exchange(owner: DataOwner, exchange: Exchange): void {
    const channel = exchange.dataChannel;
    const verb = exchange.command?.verb;
    const accepted = exchange.final !== undefined && exchange.final.code < 300;
    // PASV/EPSV replies announce where the next data connection goes.
    if (channel !== undefined && verb !== undefined && PASSIVE_COMMANDS.has(verb) && accepted) {
      const expectation = { owner, passive: true };
      const serverHost = owner.control.info.respHost;
      const host = normaliseHost(channel.host ?? serverHost);
      this.#expect(owner, endpointText(host, channel.port), expectation);
      // A server behind NAT names its private address in 227: the client still connects to the address it
      // reached the server on, so expect that too.
      if (host !== serverHost) this.#expect(owner, endpointText(serverHost, channel.port), expectation);
    }
    // A refused PORT/EPRT (4xx/5xx) announces nothing: the server will not connect there.
    if (
      channel !== undefined &&
      verb !== undefined &&
      ACTIVE_COMMANDS.has(verb) &&
      exchange.final !== undefined
    ) {
      if (!accepted) this.#withdraw(owner, this.#activeKey(channel));
    }
    if (verb === undefined || !TRANSFER_COMMANDS.has(verb)) return;
    const data = owner.unpairedData.shift();
    if (data !== undefined) {
      data.exchange = exchange;
      this.report(data);
    } else if (exchange.final === undefined || exchange.final.code < 400 || exchange.preliminary.length > 0) {
      owner.unpairedTransfers.push(exchange);
      if (owner.unpairedTransfers.length > this.#maxPending) {
        owner.unpairedTransfers.shift();
        this.#dropPending(owner, "transfers waiting for their data connection");
      }
    }
  }

  /** The data connection a new TCP connection is, when a control connection announced its endpoint. */
  match(tcp: TcpConnection): DataState | undefined {
    const expectation = this.#expectations.get(tcp.server.text);
    if (expectation === undefined) return undefined;
    this.#expectations.delete(tcp.server.text);
    const owner = expectation.owner;
    owner.expected.delete(tcp.server.text);
    const data: DataState = {
      tcp,
      owner,
      passive: expectation.passive,
      exchange: owner.unpairedTransfers.shift(),
      closed: undefined,
      reported: false,
      orphaned: false,
    };
    if (data.exchange === undefined) this.#queue(owner, data);
    this.count++;
    return data;
  }

  /** A control connection ended: no data connection will come for its announcements; its waiting ones are reported. */
  ended(owner: DataOwner): void {
    for (const key of owner.expected) {
      if (this.#expectations.get(key)?.owner === owner) this.#expectations.delete(key);
    }
    owner.expected.clear();
    for (const data of owner.unpairedData) this.report(data);
  }

  /** A data connection closed: reported once paired, or when nothing will pair it any more. */
  closed(data: DataState, how: "fin" | "rst" | "end"): void {
    data.closed = how;
    if (data.exchange !== undefined || data.owner.ended || data.orphaned) this.report(data);
  }

  /** Reports a data connection once it is closed (and, unless its control connection ended, paired). */
  report(data: DataState): void {
    if (data.reported || data.closed === undefined) return;
    data.reported = true;
    const tcp = data.tcp;
    // The TCP responder listened: the FTP server for passive mode, the FTP client for active mode.
    this.#onDataConnection({
      tcp,
      control: data.owner.control,
      passive: data.passive,
      bytesToClient: data.passive ? tcp.bytes[1] : tcp.bytes[0],
      bytesToServer: data.passive ? tcp.bytes[0] : tcp.bytes[1],
      missingBytes: tcp.missing[0] + tcp.missing[1],
      ...(data.exchange === undefined ? {} : { exchange: data.exchange }),
      closed: data.closed,
    });
  }

  /** The endpoint text a PORT/EPRT/LPRT names (the client's address when the command names none). */
  #activeKey(channel: DataChannel): string {
    return endpointText(normaliseHost(channel.host ?? ""), channel.port);
  }

  /** Forgets an announcement of `owner` not connected to yet. */
  #withdraw(owner: DataOwner, key: string): void {
    if (this.#expectations.get(key)?.owner !== owner) return;
    this.#expectations.delete(key);
    owner.expected.delete(key);
  }

  /** Announces a data endpoint for `owner`, dropping its oldest announcement beyond the cap. */
  #expect(owner: DataOwner, key: string, expectation: Expectation): void {
    const previous = this.#expectations.get(key);
    if (previous !== undefined) previous.owner.expected.delete(key);
    this.#expectations.set(key, expectation);
    owner.expected.add(key);
    if (owner.expected.size <= this.#maxPending) return;
    const oldest = owner.expected.values().next().value!;
    owner.expected.delete(oldest);
    this.#expectations.delete(oldest);
    this.#dropPending(owner, "announced data connections never connected to");
  }

  /** A data connection waits for its transfer exchange; beyond the cap the oldest stops waiting. */
  #queue(owner: DataOwner, data: DataState): void {
    owner.unpairedData.push(data);
    if (owner.unpairedData.length <= this.#maxPending) return;
    const oldest = owner.unpairedData.shift()!;
    oldest.orphaned = true;
    this.report(oldest);
    this.#dropPending(owner, "data connections waiting for their transfer command");
  }

  /** A pending item of a control connection was dropped by `maxPendingDataConnections`. */
  #dropPending(owner: DataOwner, what: string): void {
    this.#dropped++;
    if (!isReportedDrop(this.#dropped)) return;
    const index = owner.control.tcp.index;
    this.#diagnostic({
      layer: "capture",
      type: "state-dropped",
      message: `stream ${index}: more than ${this.#maxPending} ${what} (maxPendingDataConnections): the oldest is dropped (${this.#dropped} pending-data-connection states dropped so far)`,
      ...this.#where(),
      stream: index,
      what: "pending-data-connection",
      dropped: this.#dropped,
    });
  }
}
