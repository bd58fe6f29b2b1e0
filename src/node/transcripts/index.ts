/**
 * Reads a captured FTP session from a log and turns it into the dialogue: the format is recognised from the
 * first lines (or given), the format's reader turns each log line into the protocol line one side sent, server
 * lines go through the reply parser, client lines through the command splitter, and both into a session that
 * pairs commands with replies. Everything streams: memory is bounded by the longest line, not the log's size.
 */

import { brandError, errorBrand } from "../../brand.js";
import {
  type ControlConnection,
  type ControlConnectionOptions,
  createControlConnection,
} from "../../connection/connection.js";
import type { Exchange } from "../../connection/index.js";
import { concatBytes } from "../../lines/bytes.js";
import type { Problem, ProblemLayer } from "../../problem.js";
import type { ConnectionInfo, TransferRecord } from "../../records.js";
import {
  createLineSplitter,
  DEFAULT_MAX_LOG_LINE_LENGTH,
  excerpt,
  maskSecrets,
  startsWithReplyCode,
} from "./bytes.js";
import { curlTraceAsciiFormat } from "./curl-trace-ascii.js";
import { curlVerboseFormat } from "./curl-verbose.js";
import { dialogueFormat } from "./dialogue.js";
import { ftpSrvFormat } from "./ftp-srv.js";
import { ftplibFormat } from "./ftplib.js";
import { lftpFormat } from "./lftp.js";
import { compileLogFormat, LogFormatError } from "./log-format.js";
import { proftpdFormat } from "./proftpd.js";
import { proftpdTraceFormat } from "./proftpd-trace.js";
import { pureFtpdFormat } from "./pure-ftpd.js";
import type {
  SessionBoundary,
  TranscriptEvent,
  TranscriptFormat,
  TranscriptFormatName,
  TranscriptReaderContext,
  TranscriptSink,
} from "./types.js";
import { vsftpdFormat } from "./vsftpd.js";
import { xferlogFormat } from "./xferlog.js";

export type * from "./types.js";

/** Every line-based format, in the order auto-detection prefers on a tie. */
export const TRANSCRIPT_FORMATS: readonly TranscriptFormat[] = [
  curlTraceAsciiFormat,
  curlVerboseFormat,
  ftplibFormat,
  lftpFormat,
  vsftpdFormat,
  proftpdFormat,
  proftpdTraceFormat,
  pureFtpdFormat,
  ftpSrvFormat,
  xferlogFormat,
  dialogueFormat,
];

/** All format names `--input-format` accepts: the line-based ones and `raw` (server→client bytes). */
export const INPUT_FORMAT_NAMES: readonly TranscriptFormatName[] = [
  "raw",
  ...TRANSCRIPT_FORMATS.map((format) => format.name),
];

/** Bytes of a log's start that make its uids differ from another log's. */
const UID_SEED_BYTES = 256;
/** How much of the start of a log auto-detection looks at. */
const DETECT_BYTES = 64 * 1024;
const DETECT_LINES = 64;
/** The share of the first non-blank lines the chosen format must recognise (curl -v's own notes count for none). */
const MIN_DETECTED_SHARE = 0.25;

const latin1 = new TextDecoder("latin1");

/**
 * Recognises a log's format from its first bytes: the line-based format that recognises most of the first
 * lines, else `raw` when the data starts with a reply code, else undefined.
 */
export function detectTranscriptFormat(
  head: Uint8Array,
  context?: Pick<TranscriptReaderContext, "logFormat">,
): TranscriptFormatName | undefined {
  const text = latin1.decode(head.subarray(0, DETECT_BYTES));
  const lines = text
    .split("\n", DETECT_LINES)
    .map((line) => (line.endsWith("\r") ? line.slice(0, -1) : line));
  let best: TranscriptFormat | undefined;
  let bestScore = 0;
  for (const format of TRANSCRIPT_FORMATS) {
    const score = format.detect(lines, context);
    if (score > bestScore) {
      best = format;
      bestScore = score;
    }
  }
  // A format must explain a fair share of the lines, not a stray one: a log mostly of something else (a
  // transfer log, program output) is refused rather than read as a dialogue it does not hold.
  const nonBlank = lines.filter((line) => line.trim() !== "").length;
  if (best !== undefined && bestScore >= nonBlank * MIN_DETECTED_SHARE) return best.name;
  if (best !== undefined) return undefined;
  const first = lines.find((line) => line.length > 0);
  if (first !== undefined && startsWithReplyCode(new TextEncoder().encode(first.slice(0, 4)))) return "raw";
  return undefined;
}

/** A problem found while reading: in the log (line number), or in the protocol bytes. */
export interface TranscriptProblem extends Problem {
  /** The layer that found it: the log reader (`log`), or the parsers of the protocol lines it read. */
  layer: ProblemLayer;
  type: string;
  message: string;
  /** 1-based line number in the log (line-based formats). */
  line?: number | undefined;
  /** Byte offset in the input (`raw`). */
  offset?: number | undefined;
  /** The session it belongs to, when it belongs to one. */
  uid?: string | undefined;
}

export interface ReadTranscriptOptions {
  /** The format, or `auto` (default) to recognise it from the first lines. */
  format?: TranscriptFormatName | "auto";
  /** Text encoding of the protocol lines (`utf-8` default, `auto`, or a WHATWG label). */
  encoding?: string;
  /**
   * Keep PASS arguments: `false` (default) masks every one, `true` keeps them, `"guest"` keeps those of
   * anonymous users only (Zeek's rule).
   */
  recordPasswords?: boolean | "guest" | undefined;
  /** The reply parser's limits and framing options for the protocol lines. */
  replies?: ControlConnectionOptions["replies"];
  /** The command parser's limit. */
  commands?: ControlConnectionOptions["commands"];
  /** Longest log line kept (default 1 MiB). */
  maxLineLength?: number;
  /**
   * The server's own format of its log lines, where it is configurable: ProFTPD's `LogFormat` string
   * (`%t %a %u "%r" %s`) for its ExtendedLog, or several (each line is read with the first that matches it).
   * Default: the formats docs/logs.md lists.
   */
  logFormat?: string | readonly string[] | undefined;
  /** Called once the format is known (before any other callback). */
  onFormat?(format: TranscriptFormatName): void;
  /** Each command with its replies, with the connection it belongs to. */
  onExchange(exchange: Exchange, conn: ConnectionInfo): void;
  /**
   * Each transfer a transfer log (xferlog) records, with the session it belongs to. Such logs have no dialogue:
   * this is all they give.
   */
  onTransfer?(transfer: TransferRecord, conn: ConnectionInfo): void;
  /** Each session as it starts (before its first exchange), with its uid, key, endpoints and start time. */
  onSessionStart?(conn: ConnectionInfo): void;
  /** Each session as it ends (after its last exchange): its close line, its key's next session, the log's end. */
  onSessionEnd?(conn: ConnectionInfo): void;
  /**
   * The year of dates a log writes without one (syslog's `Nov 24 11:51:39`). Default: from `referenceTime`.
   */
  year?: number | undefined;
  /**
   * When the log was last written (seconds since the Unix epoch; the CLI gives the file's mtime, else now):
   * a yearless date takes this time's year, or the year before when its month is later than this time's month
   * (a log from December read in January), as syslog readers do.
   */
  referenceTime?: number | undefined;
  /** How many sessions may be open at once (default 1024); past it the least recently active one is ended. */
  maxSessions?: number;
  /** Each problem: unknown lines, framing errors. The dialogue's own findings are in `exchange.diagnostics`. */
  onProblem?(problem: TranscriptProblem): void;
  /** Called after each chunk is processed; awaited (lets a caller wait for its output to drain). */
  onChunk?(): Promise<void> | void;
}

export class TranscriptFormatError extends Error {
  override readonly name = "TranscriptFormatError";

  constructor(message: string) {
    super(message);
    brandError(this, "TranscriptFormatError");
  }
}

/** True for a `TranscriptFormatError` from any copy of this library (a brand check, not `instanceof`). */
export function isTranscriptFormatError(value: unknown): value is TranscriptFormatError {
  return errorBrand(value) === "TranscriptFormatError";
}

const CRLF = new Uint8Array([0x0d, 0x0a]);
const textEncoder = new TextEncoder();

/** The options of a log's control connections, from the reader's options. */
function connectionOptions(options: ReadTranscriptOptions): ControlConnectionOptions {
  return {
    encoding: options.encoding ?? "utf-8",
    replies: options.replies,
    commands: options.commands,
    // A log shows what was said in clear: a log of an FTPS session is the client's or server's own decrypted view.
    encryptedAfterAuth: false,
  };
}

/** How many sessions a log may have open at once before the least recently active one is ended. */
export const DEFAULT_MAX_LIVE_SESSIONS = 1024;

/**
 * A 64-bit FNV-1a hash of strings (each UTF-16 unit's low byte is the FNV byte; a high byte, rare here, is folded
 * into the upper half), as two 32-bit halves without BigInt. Not cryptographic: only a stable, well-spread id.
 */
function fnv1a64(parts: readonly string[]): [number, number] {
  // Offset basis 0xcbf29ce484222325; prime 0x100000001b3 = 2^40 + 0x1b3.
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (const part of parts) {
    for (let i = 0; i <= part.length; i++) {
      const code = i === part.length ? 0 : part.charCodeAt(i); // a NUL between parts
      lo ^= code & 0xff;
      if (code > 0xff) hi ^= code >>> 8;
      // (hi, lo) * prime mod 2^64
      const loTimes = lo * 0x1b3;
      const carry = Math.floor(loTimes / 0x100000000);
      const newLo = loTimes >>> 0;
      hi = (hi * 0x1b3 + carry + ((lo << 8) >>> 0)) >>> 0;
      lo = newLo;
    }
  }
  return [hi >>> 0, lo >>> 0];
}

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/**
 * A Zeek-style connection uid (`C` and base62 characters), deterministic: the same log gives the same uids on
 * every run, whatever the chunking. Made from the log's first line, the session's key and the line it starts on.
 */
export function sessionUid(logSeed: string, key: string, startLine: number): string {
  const [hi, lo] = fnv1a64([logSeed, key, String(startLine)]);
  let out = "";
  // 64 bits as 12 base62 digits: hi and lo as two 6-digit halves (62^6 > 2^32).
  for (let value of [hi, lo]) {
    for (let i = 0; i < 6; i++) {
      out += BASE62[value % 62];
      value = Math.floor(value / 62);
    }
  }
  return `C${out}`;
}

interface LiveSession {
  readonly key: string;
  readonly conn: ConnectionInfo;
  readonly connection: ControlConnection;
  lineNumber: number;
  ts: number | undefined;
}

/**
 * The log layer's sessions, for the line-based formats: one control connection per live session key, so
 * interleaved sessions (a server log of concurrent clients) are told apart and sequential ones are separated.
 * A session starts at its reader's connection line or at its key's first line, and ends at its close line, at
 * the next connection line of the same key, or at the end of the log. Events without a key share the key "".
 */
class SessionDemux {
  private readonly live = new Map<string, LiveSession>();
  private readonly max: number;
  /** The first line of the log: what makes uids differ between logs. */
  seed = "";

  constructor(
    private readonly options: ReadTranscriptOptions,
    private readonly expectGreeting: boolean,
  ) {
    this.max = Math.max(1, options.maxSessions ?? DEFAULT_MAX_LIVE_SESSIONS);
  }

  private open(key: string, info: ConnectionInfo, lineNumber: number, ts: number | undefined): LiveSession {
    if (this.live.size >= this.max) {
      // Map order is activity order (see touch): the first is the least recently active.
      const [oldest] = this.live.values();
      this.options.onProblem?.({
        layer: "log",
        type: "too-many-sessions",
        message: `more than ${this.max} sessions open at once: session ${oldest!.conn.uid} (${JSON.stringify(oldest!.key)}) is ended here`,
        line: lineNumber,
      });
      this.finish(oldest!, lineNumber);
    }
    const options = this.options;
    const conn: ConnectionInfo = {
      ...info,
      uid: sessionUid(this.seed, key, lineNumber),
      sessionKey: key === "" ? undefined : key,
      sessionStart: ts,
    };
    const session: LiveSession = {
      key,
      conn,
      lineNumber,
      ts,
      connection: createControlConnection({
        ...connectionOptions(options),
        session: { recordPasswords: options.recordPasswords ?? false, expectGreeting: this.expectGreeting },
        onExchange: (exchange) => options.onExchange(exchange, conn),
        onProblem: (problem) => {
          // The dialogue's own findings are in `exchange.diagnostics`; a log line number says where the rest are.
          if (problem.layer !== "dialogue")
            options.onProblem?.({
              layer: problem.layer,
              type: problem.type,
              message: problem.message,
              line: session.lineNumber,
              uid: conn.uid,
            });
        },
      }),
    };
    this.live.set(key, session);
    options.onSessionStart?.(conn);
    return session;
  }

  private finish(session: LiveSession, lineNumber: number): void {
    this.live.delete(session.key);
    session.lineNumber = lineNumber;
    session.connection.end(session.ts);
    this.options.onSessionEnd?.(session.conn);
  }

  /** The live session of `key`, moved to the end of the activity order (for the cap), or undefined. */
  private touch(key: string): LiveSession | undefined {
    const session = this.live.get(key);
    if (session !== undefined && this.live.size > 1) {
      this.live.delete(key);
      this.live.set(key, session);
    }
    return session;
  }

  event(event: TranscriptEvent): void {
    const key = event.session ?? "";
    const session = this.touch(key) ?? this.open(key, {}, event.lineNumber, event.ts);
    if (session.conn.sessionStart === undefined && event.ts !== undefined)
      session.conn.sessionStart = event.ts;
    session.lineNumber = event.lineNumber;
    if (event.ts !== undefined) session.ts = event.ts;
    const line = typeof event.line === "string" ? textEncoder.encode(event.line) : event.line;
    if (event.direction === "server") {
      session.connection.fromServer(line, event.ts);
      session.connection.fromServer(CRLF, event.ts);
    } else {
      session.connection.fromClient(line, event.ts);
      session.connection.fromClient(CRLF, event.ts);
    }
  }

  /** A transfer record, in its key's session (opened with `info` when none is live). */
  transfer(record: TransferRecord, boundary: SessionBoundary, info: ConnectionInfo): void {
    const key = boundary.session ?? "";
    const session = this.touch(key) ?? this.open(key, info, boundary.lineNumber, boundary.ts);
    session.lineNumber = boundary.lineNumber;
    if (boundary.ts !== undefined) session.ts = boundary.ts;
    this.options.onTransfer?.(record, session.conn);
  }

  connection(info: ConnectionInfo, boundary: SessionBoundary): void {
    const key = boundary.session ?? "";
    const previous = this.live.get(key);
    if (previous !== undefined) this.finish(previous, boundary.lineNumber);
    this.open(key, info, boundary.lineNumber, boundary.ts);
  }

  close(boundary: SessionBoundary): void {
    const session = this.live.get(boundary.session ?? "");
    if (session !== undefined) this.finish(session, boundary.lineNumber);
  }

  /** The end of the log: every live session ends, in the order they were last active. */
  finishAll(lineNumber: number): void {
    for (const session of [...this.live.values()]) this.finish(session, lineNumber);
  }
}

/** Feeds server→client bytes (the `raw` format) straight to a control connection: byte offsets are the file's. */
function rawDialogue(options: ReadTranscriptOptions, conn: ConnectionInfo): ControlConnection {
  return createControlConnection({
    ...connectionOptions(options),
    session: { recordPasswords: options.recordPasswords ?? false },
    // Server bytes alone have no commands: every reply after the greeting is "unmatched" by nature, which is
    // no finding worth reporting, so that diagnostic is left out here.
    onExchange: (exchange) =>
      options.onExchange(
        exchange.diagnostics.some((d) => d.type === "unmatched-reply")
          ? { ...exchange, diagnostics: exchange.diagnostics.filter((d) => d.type !== "unmatched-reply") }
          : exchange,
        conn,
      ),
    onProblem: (problem) => {
      if (problem.layer !== "dialogue")
        options.onProblem?.({
          layer: problem.layer,
          type: problem.type,
          message: problem.message,
          offset: problem.offset,
        });
    },
  });
}

/** Collects the first bytes of a stream for detection, then hands everything on. */
async function* withHead(
  source: AsyncIterable<Uint8Array>,
  onHead: (head: Uint8Array) => void,
): AsyncGenerator<Uint8Array> {
  const held: Uint8Array[] = [];
  let heldBytes = 0;
  let headDone = false;
  const release = (): Uint8Array[] => {
    const head = new Uint8Array(heldBytes);
    let at = 0;
    for (const part of held) {
      head.set(part, at);
      at += part.length;
    }
    onHead(head);
    headDone = true;
    return held.splice(0);
  };
  for await (const chunk of source) {
    if (headDone) {
      yield chunk;
      continue;
    }
    held.push(chunk);
    heldBytes += chunk.length;
    if (heldBytes >= DETECT_BYTES) yield* release();
  }
  if (!headDone) yield* release();
}

/**
 * Reads a whole log and reports its dialogue through the callbacks.
 *
 * @throws TranscriptFormatError when `format` is `auto` and the log is in no known format.
 */
export async function readTranscript(
  source: AsyncIterable<Uint8Array>,
  given: ReadTranscriptOptions,
): Promise<{ format: TranscriptFormatName; lines: number }> {
  // Problems quote the log (excerpts, a parser's view of a line): what looks like a password is masked unless
  // passwords are kept.
  const report = given.onProblem;
  const options: ReadTranscriptOptions =
    given.recordPasswords === true || report === undefined
      ? given
      : { ...given, onProblem: (problem) => report({ ...problem, message: maskSecrets(problem.message) }) };
  const shown = (text: string): string => (given.recordPasswords === true ? text : maskSecrets(text));
  const logFormats: readonly string[] =
    options.logFormat === undefined
      ? []
      : typeof options.logFormat === "string"
        ? [options.logFormat]
        : options.logFormat;
  for (const logFormat of logFormats) {
    try {
      compileLogFormat(logFormat);
    } catch (error) {
      if (error instanceof LogFormatError)
        throw new TranscriptFormatError(
          `cannot use the LogFormat ${JSON.stringify(logFormat)}: ${error.message}`,
        );
      throw error;
    }
  }
  let format: TranscriptFormatName | undefined = options.format === "auto" ? undefined : options.format;
  let chosen = format !== undefined;
  const stream = chosen
    ? source
    : withHead(source, (head) => {
        format = detectTranscriptFormat(head, { logFormat: options.logFormat });
        chosen = true;
      });

  let raw: ControlConnection | undefined;
  /** The one session of server bytes: its uid comes from the first bytes. */
  const rawConn: ConnectionInfo = {};
  const rawHead: Uint8Array[] = [];
  let rawHeadBytes = 0;
  const startRaw = (connection: ControlConnection): void => {
    const head = concatBytes(rawHead);
    rawHead.length = 0;
    rawConn.uid = sessionUid(latin1.decode(head.subarray(0, UID_SEED_BYTES)), "", 0);
    options.onSessionStart?.(rawConn);
    if (head.length > 0) connection.fromServer(head);
  };
  let builder: SessionDemux | undefined;
  let splitter: ReturnType<typeof createLineSplitter> | undefined;
  let reader: ReturnType<TranscriptFormat["createReader"]> | undefined;

  const setUp = (name: TranscriptFormatName): void => {
    options.onFormat?.(name);
    if (name === "raw") {
      raw = rawDialogue(options, rawConn);
      return;
    }
    const spec = TRANSCRIPT_FORMATS.find((candidate) => candidate.name === name);
    if (spec === undefined) throw new TranscriptFormatError(`unknown input format ${JSON.stringify(name)}`);
    const dialogue = new SessionDemux(options, spec.hasGreeting);
    builder = dialogue;
    const sink: TranscriptSink = {
      event: (event) => dialogue.event(event),
      diagnostic: (d) =>
        options.onProblem?.({
          layer: "log",
          type: d.type,
          message: `${d.message}: ${JSON.stringify(shown(d.excerpt))}`,
          line: d.lineNumber,
        }),
      connection: (info, boundary) => dialogue.connection(info, boundary),
      close: (boundary) => dialogue.close(boundary),
      transfer: (record, boundary, info) => dialogue.transfer(record, boundary, info),
    };
    const reference = new Date((options.referenceTime ?? Date.now() / 1000) * 1000);
    const yearOf = (month: number): number =>
      options.year ?? reference.getUTCFullYear() - (month > reference.getUTCMonth() ? 1 : 0);
    const lineReader = spec.createReader(sink, {
      yearOf,
      logFormat: options.logFormat,
      recordPasswords: options.recordPasswords,
    });
    reader = lineReader;
    splitter = createLineSplitter(
      (line, lineNumber, cut, terminated) => {
        if (cut) {
          options.onProblem?.({
            layer: "log",
            type: "line-too-long",
            message: `log line longer than ${options.maxLineLength ?? DEFAULT_MAX_LOG_LINE_LENGTH} bytes: only its start is read: ${JSON.stringify(shown(excerpt(line)))}`,
            line: lineNumber,
          });
        }
        if (!terminated) {
          options.onProblem?.({
            layer: "log",
            type: "truncated",
            message: "the log ends without a line terminator (cut off?)",
            line: lineNumber,
          });
        }
        if (lineNumber === 1) dialogue.seed = latin1.decode(line.subarray(0, UID_SEED_BYTES));
        lineReader.line(line, lineNumber);
      },
      { maxLineLength: options.maxLineLength ?? DEFAULT_MAX_LOG_LINE_LENGTH },
    );
  };

  if (format !== undefined) setUp(format);
  let ready = format !== undefined;
  for await (const chunk of stream) {
    if (!ready) {
      if (format === undefined) {
        throw new TranscriptFormatError(
          "cannot read this log: its first lines are in no format this reader knows (a transfer log, or program output?); give --input-format to read it as one anyway",
        );
      }
      setUp(format);
      ready = true;
    }
    if (raw !== undefined) {
      if (rawConn.uid === undefined) {
        // The uid comes from the first 256 bytes of the stream, whatever its chunking: they wait until then.
        rawHead.push(chunk.slice());
        rawHeadBytes += chunk.length;
        if (rawHeadBytes >= UID_SEED_BYTES) startRaw(raw);
      } else raw.fromServer(chunk);
    } else splitter!.feed(chunk);
    await options.onChunk?.();
  }
  if (!ready) {
    // An empty input: nothing to read, whatever the format.
    return { format: format ?? "raw", lines: 0 };
  }
  let lines = 0;
  if (raw !== undefined) {
    if (rawConn.uid === undefined) startRaw(raw);
    raw.end();
    options.onSessionEnd?.(rawConn);
  } else {
    lines = splitter!.end();
    reader!.end(lines);
    builder!.finishAll(lines);
  }
  return { format: format!, lines };
}
