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
import type { ConnectionInfo } from "../../records.js";
import { createLineSplitter, DEFAULT_MAX_LOG_LINE_LENGTH, excerpt, startsWithReplyCode } from "./bytes.js";
import { curlTraceAsciiFormat } from "./curl-trace-ascii.js";
import { curlVerboseFormat } from "./curl-verbose.js";
import { dialogueFormat } from "./dialogue.js";
import { ftplibFormat } from "./ftplib.js";
import { lftpFormat } from "./lftp.js";
import { proftpdFormat } from "./proftpd.js";
import { pureFtpdFormat } from "./pure-ftpd.js";
import type { TranscriptEvent, TranscriptFormat, TranscriptFormatName, TranscriptSink } from "./types.js";
import { vsftpdFormat } from "./vsftpd.js";

export type * from "./types.js";

/** Every line-based format, in the order auto-detection prefers on a tie. */
export const TRANSCRIPT_FORMATS: readonly TranscriptFormat[] = [
  curlTraceAsciiFormat,
  curlVerboseFormat,
  ftplibFormat,
  lftpFormat,
  vsftpdFormat,
  proftpdFormat,
  pureFtpdFormat,
  dialogueFormat,
];

/** All format names `--input-format` accepts: the line-based ones and `raw` (server→client bytes). */
export const INPUT_FORMAT_NAMES: readonly TranscriptFormatName[] = [
  "raw",
  ...TRANSCRIPT_FORMATS.map((format) => format.name),
];

/** How much of the start of a log auto-detection looks at. */
const DETECT_BYTES = 64 * 1024;
const DETECT_LINES = 64;

const latin1 = new TextDecoder("latin1");

/**
 * Recognises a log's format from its first bytes: the line-based format that recognises most of the first
 * lines, else `raw` when the data starts with a reply code, else undefined.
 */
export function detectTranscriptFormat(head: Uint8Array): TranscriptFormatName | undefined {
  const text = latin1.decode(head.subarray(0, DETECT_BYTES));
  const lines = text
    .split("\n", DETECT_LINES)
    .map((line) => (line.endsWith("\r") ? line.slice(0, -1) : line));
  let best: TranscriptFormat | undefined;
  let bestScore = 0;
  for (const format of TRANSCRIPT_FORMATS) {
    const score = format.detect(lines);
    if (score > bestScore) {
      best = format;
      bestScore = score;
    }
  }
  if (best !== undefined) return best.name;
  const first = lines.find((line) => line.length > 0);
  if (first !== undefined && startsWithReplyCode(new TextEncoder().encode(first.slice(0, 4)))) return "raw";
  return undefined;
}

/** A problem found while reading: in the log (line number), or in the protocol bytes. */
export interface TranscriptProblem {
  type: string;
  message: string;
  /** 1-based line number in the log (line-based formats). */
  line?: number | undefined;
  /** Byte offset in the input (`raw`). */
  offset?: number | undefined;
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
  /** Called once the format is known (before any other callback). */
  onFormat?(format: TranscriptFormatName): void;
  /** Each command with its replies, with the connection it belongs to. */
  onExchange(exchange: Exchange, conn: ConnectionInfo): void;
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

/** One control connection at a time, for the line-based formats: each log line goes in as a line of its side. */
class DialogueBuilder {
  private connection!: ControlConnection;
  private lineNumber = 0;
  private ts: number | undefined;
  private busy = false;

  constructor(
    private readonly options: ReadTranscriptOptions,
    private readonly expectGreeting: boolean,
  ) {
    this.start({});
  }

  private start(conn: ConnectionInfo): void {
    this.busy = false;
    const options = this.options;
    this.connection = createControlConnection({
      ...connectionOptions(options),
      session: { recordPasswords: options.recordPasswords ?? false, expectGreeting: this.expectGreeting },
      onExchange: (exchange) => options.onExchange(exchange, conn),
      onProblem: (problem) => {
        // The dialogue's own findings are in `exchange.diagnostics`; a log line number says where the rest are.
        if (problem.layer !== "dialogue") this.problem(problem.type, problem.message, this.lineNumber);
      },
    });
  }

  problem(type: string, message: string, line: number | undefined, offset?: number): void {
    this.options.onProblem?.({ type, message, line, offset });
  }

  event(event: TranscriptEvent): void {
    this.busy = true;
    this.lineNumber = event.lineNumber;
    this.ts = event.ts;
    const line = typeof event.line === "string" ? textEncoder.encode(event.line) : event.line;
    if (event.direction === "server") {
      this.connection.fromServer(line, event.ts);
      this.connection.fromServer(CRLF, event.ts);
    } else {
      this.connection.fromClient(line, event.ts);
      this.connection.fromClient(CRLF, event.ts);
    }
  }

  newConnection(conn: ConnectionInfo, lineNumber: number): void {
    if (this.busy) this.finish(lineNumber);
    this.start(conn);
  }

  finish(lineNumber: number): void {
    this.lineNumber = lineNumber;
    this.connection.end(this.ts);
  }
}

/** Feeds server→client bytes (the `raw` format) straight to a control connection: byte offsets are the file's. */
function rawDialogue(options: ReadTranscriptOptions): ControlConnection {
  const conn: ConnectionInfo = {};
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
        options.onProblem?.({ type: problem.type, message: problem.message, offset: problem.offset });
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
  options: ReadTranscriptOptions,
): Promise<{ format: TranscriptFormatName; lines: number }> {
  let format: TranscriptFormatName | undefined = options.format === "auto" ? undefined : options.format;
  let chosen = format !== undefined;
  const stream = chosen
    ? source
    : withHead(source, (head) => {
        format = detectTranscriptFormat(head);
        chosen = true;
      });

  let raw: ControlConnection | undefined;
  let builder: DialogueBuilder | undefined;
  let splitter: ReturnType<typeof createLineSplitter> | undefined;
  let reader: ReturnType<TranscriptFormat["createReader"]> | undefined;

  const setUp = (name: TranscriptFormatName): void => {
    options.onFormat?.(name);
    if (name === "raw") {
      raw = rawDialogue(options);
      return;
    }
    const spec = TRANSCRIPT_FORMATS.find((candidate) => candidate.name === name);
    if (spec === undefined) throw new TranscriptFormatError(`unknown input format ${JSON.stringify(name)}`);
    const dialogue = new DialogueBuilder(options, spec.hasGreeting);
    builder = dialogue;
    const sink: TranscriptSink = {
      event: (event) => dialogue.event(event),
      diagnostic: (d) =>
        options.onProblem?.({
          type: d.type,
          message: `${d.message}: ${JSON.stringify(d.excerpt)}`,
          line: d.lineNumber,
        }),
      connection: (info) => {
        const { lineNumber, ...conn } = info;
        dialogue.newConnection(conn, lineNumber);
      },
    };
    const lineReader = spec.createReader(sink);
    reader = lineReader;
    splitter = createLineSplitter(
      (line, lineNumber, cut, terminated) => {
        if (cut) {
          options.onProblem?.({
            type: "line-too-long",
            message: `log line longer than ${options.maxLineLength ?? DEFAULT_MAX_LOG_LINE_LENGTH} bytes: only its start is read: ${JSON.stringify(excerpt(line))}`,
            line: lineNumber,
          });
        }
        if (!terminated) {
          options.onProblem?.({
            type: "truncated",
            message: "the log ends without a line terminator (cut off?)",
            line: lineNumber,
          });
        }
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
          "cannot tell the log's format from its first lines (give one with --input-format)",
        );
      }
      setUp(format);
      ready = true;
    }
    if (raw !== undefined) raw.fromServer(chunk);
    else splitter!.feed(chunk);
    await options.onChunk?.();
  }
  if (!ready) {
    // An empty input: nothing to read, whatever the format.
    return { format: format ?? "raw", lines: 0 };
  }
  let lines = 0;
  if (raw !== undefined) raw.end();
  else {
    lines = splitter!.end();
    reader!.end(lines);
    builder!.finish(lines);
  }
  return { format: format!, lines };
}
