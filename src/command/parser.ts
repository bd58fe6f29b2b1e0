/**
 * The command grammar (RFC 959 §4.1, §5.3), over the lines of the client→server stream: `VERB[ SP argument]`.
 *
 * Same lines as the replies (one splitter, one Telnet machine, one limit): bytes arrive in chunks of any size and
 * the same commands come out whatever the chunking. Telnet commands (the `IAC IP`/`IAC DM` Synch a client sends
 * before ABOR, RFC 959 §4.1.3, option negotiation …) are removed from the command text and kept in `raw`.
 *
 * ```ts
 * const commands = createCommandParser({ onCommand: (c) => console.log(c.verb, c.arg) });
 * commands.feed("USER anonymous\r\nPA");
 * commands.feed("SS guest@\r\n"); // USER anonymous, then PASS guest@
 * commands.end();
 * ```
 */
import { brandError, errorBrand } from "../brand.js";
import { ParseError, traceFromCaller } from "../errors.js";
import { textEncoder } from "../lines/bytes.js";
import { attempt, finish, forEachThen } from "../lines/callbacks.js";
import { RETAINED_BYTES, type RetainsBytes } from "../lines/memory.js";
import { ENDING_TEXT, type Ending, type LineSink, LineSplitter } from "../lines/splitter.js";
import type { TelnetCommand } from "../lines/telnet.js";
import { excerptOf } from "../lines/text.js";

const UPPER_A = 0x41;
const UPPER_Z = 0x5a;
const LOWER_A = 0x61;
const LOWER_Z = 0x7a;

/** One command line sent by the client (RFC 959 §5.3: `VERB[ SP argument] CRLF`). */
export interface Command {
  /** The command code, upper-cased (`USER`, `RETR`, `EPSV` …); `""` for an empty line. */
  readonly verb: string;
  /** Everything after the first space, as sent (may be `""`, may hold further spaces). */
  readonly arg: string;
  /** The whole line as sent, decoded, Telnet commands and the line terminator removed. */
  readonly line: string;
  /** The exact bytes of the line, Telnet commands and terminator included (only the kept prefix when `truncated`). */
  readonly raw: Uint8Array;
  /** Byte offset of the line's first byte in the client→server stream. */
  readonly offset: number;
  /** Number of bytes the line spans in the stream, terminator included. */
  readonly byteLength: number;
  /** True when the line passed `maxLineLength`: `line`, `arg` and `raw` hold only its first bytes. */
  readonly truncated: boolean;
}

/**
 * Every way the command stream can be wrong, as a stable string. The splitter reports each and goes on.
 *
 * - `line-too-long` a line grew past `maxLineLength`; its first `maxLineLength` bytes are still delivered as a
 *                   command with `truncated: true` (the server answers that line too, so pairing stays in step),
 *                   the rest is skipped.
 * - `truncated`     the stream ended inside a line (reported by `end()`); the partial line is not a command.
 * - `invalid-verb`  warning: the command code is not 1+ ASCII letters (RFC 959 §5.3.1), e.g. an empty line or
 *                   `\x16\x03` of a TLS hello sent in clear; the line is still delivered (the server answers it).
 */
export type CommandParseErrorType = "line-too-long" | "truncated" | "invalid-verb";

/** A typed error of the command stream: `type` is stable, `offset` is the byte offset in the whole stream. */
export class CommandParseError extends ParseError {
  override readonly name = "CommandParseError";
  declare readonly layer: "command";
  declare readonly type: CommandParseErrorType;

  constructor(type: CommandParseErrorType, message: string, offset: number, excerpt?: string) {
    // No stack trace (see ParseError): a client's stream of empty lines is a warning a line.
    super("command", type, message, offset, excerpt, undefined);
    brandError(this, "CommandParseError");
  }
}

/** True for a `CommandParseError` of any copy of this library (a brand check, not `instanceof`). */
export function isCommandParseError(value: unknown): value is CommandParseError {
  return errorBrand(value) === "CommandParseError";
}

export interface CommandParserCallbacks {
  /** A complete command line. */
  onCommand(command: Command): void;
  /** A framing error (`line-too-long`, `truncated`); the splitter has already resynced and goes on. */
  onError?(error: CommandParseError): void;
  /** A diagnostic that did not stop a command from being delivered (`invalid-verb`). */
  onWarning?(warning: CommandParseError): void;
  /** Telnet commands removed from the stream (IP, DM, option negotiation …). */
  onTelnet?(command: TelnetCommand): void;
}

export interface CommandParserOptions {
  /** `"utf-8"` (default, RFC 2640), `"auto"` (UTF-8 where valid, else `fallbackEncoding`) or a WHATWG label. */
  encoding?: string | undefined;
  /** Encoding for lines that are not valid UTF-8 in `auto` mode. Default `"windows-1252"`. */
  fallbackEncoding?: string | undefined;
  /** Longest line: its bytes before the LF (a CR and Telnet commands included). Default 64 KiB. */
  maxLineLength?: number | undefined;
  /** Interpret Telnet IAC sequences (RFC 854). Default true; false passes 0xFF bytes through as data. */
  telnet?: boolean | undefined;
}

export interface CommandParser {
  /** Feeds the next chunk of the client→server stream: bytes, or text (encoded as UTF-8). */
  feed(chunk: Uint8Array | string): void;
  /** Ends the stream: an unfinished line is reported as a `truncated` error. The splitter is then reset. */
  end(): void;
  /** Drops any partial state and restarts offsets at 0. */
  reset(): void;
}

/** Commands are short (RFC 959 paths aside); 64 KiB is far above any real client and bounds memory per line. */
export const DEFAULT_MAX_COMMAND_LINE_LENGTH = 64 * 1024;

function isLetter(code: number): boolean {
  return (code >= UPPER_A && code <= UPPER_Z) || (code >= LOWER_A && code <= LOWER_Z);
}

/** The command grammar over lines: a `LineSink` that delivers commands. */
class CommandFramer implements LineSink {
  readonly #callbacks: CommandParserCallbacks;
  readonly #max: number;

  constructor(callbacks: CommandParserCallbacks, max: number) {
    this.#callbacks = callbacks;
    this.#max = max;
  }

  line(
    text: string,
    offset: number,
    byteLength: number,
    ending: Ending,
    bytes: Uint8Array | undefined,
  ): void {
    const raw = bytes === undefined ? textEncoder.encode(text + ENDING_TEXT[ending]) : bytes.slice();
    this.#deliver(text, raw, offset, byteLength, false);
  }

  longLine(offset: number, excerpt: Uint8Array): void {
    this.#callbacks.onError?.(
      new CommandParseError(
        "line-too-long",
        `command line longer than ${this.#max} bytes`,
        offset,
        excerptOf(excerpt),
      ),
    );
  }

  /** A line past the limit is still a command (the server answers it too, so pairing stays in step). */
  cutLine(head: string, offset: number, byteLength: number, headBytes: Uint8Array): void {
    this.#deliver(head, headBytes, offset, byteLength, true);
  }

  telnet(commands: readonly TelnetCommand[]): void {
    const onTelnet = this.#callbacks.onTelnet;
    if (onTelnet !== undefined) forEachThen(commands, onTelnet);
  }

  end(offset: number, partial: Uint8Array, cut: boolean): void {
    if (partial.length === 0 && !cut) return;
    this.#callbacks.onError?.(
      new CommandParseError("truncated", "stream ended inside a command line", offset, excerptOf(partial)),
    );
  }

  #deliver(line: string, raw: Uint8Array, offset: number, byteLength: number, truncated: boolean): void {
    // RFC 959 §5.3: the command code is separated from its argument by one space.
    const space = line.indexOf(" ");
    const verb = space === -1 ? line : line.slice(0, space);
    const arg = space === -1 ? "" : line.slice(space + 1);
    // RFC 959 §5.3.1: command codes are alphabetic.
    let letters = verb.length > 0;
    for (let i = 0; letters && i < verb.length; i++) letters = isLetter(verb.charCodeAt(i));
    const command = { verb: verb.toUpperCase(), arg, line, raw, offset, byteLength, truncated };
    if (letters) {
      this.#callbacks.onCommand(command);
      return;
    }
    // The warning, then the command even when the warning's callback throws.
    const warning = new CommandParseError(
      "invalid-verb",
      "command code is not made of letters",
      offset,
      excerptOf(raw),
    );
    const failure = attempt(() => this.#callbacks.onWarning?.(warning));
    finish(failure, () => this.#callbacks.onCommand(command));
  }
}

/** The command parser with what a control connection needs besides: `skip` over bytes missing from the stream. */
export interface CommandReader extends CommandParser, RetainsBytes {
  /** `missing` bytes are not in the stream here (a capture's hole): drop the partial line, read on. */
  skip(missing: number): void;
  /** Decodes the lines after the current one in another encoding (see `LineSplitter.setEncoding`). */
  setEncoding(encoding: string, fallbackEncoding?: string): void;
}

export function createCommandReader(
  callbacks: CommandParserCallbacks,
  options: CommandParserOptions = {},
): CommandReader {
  const max = options.maxLineLength ?? DEFAULT_MAX_COMMAND_LINE_LENGTH;
  if (!Number.isInteger(max) || max < 1)
    throw new RangeError(`maxLineLength must be a positive integer: ${max}`);
  const lines = new LineSplitter(new CommandFramer(callbacks, max), {
    encoding: options.encoding,
    fallbackEncoding: options.fallbackEncoding,
    maxLineLength: max,
    telnet: options.telnet,
    keepOfLongLine: max,
  });
  return {
    feed: (chunk) => lines.feed(chunk),
    end: () => lines.end(),
    reset: () => lines.reset(),
    skip: (missing) => {
      lines.skip(missing);
    },
    setEncoding: (encoding, fallbackEncoding) => lines.setEncoding(encoding, fallbackEncoding),
    [RETAINED_BYTES]: () => lines[RETAINED_BYTES](),
  };
}

/**
 * Creates a streaming command parser for the client→server direction.
 *
 * ```ts
 * const commands = createCommandParser({ onCommand: (c) => console.log(c.verb, c.arg) });
 * commands.feed("USER anonymous\r\nPA");
 * commands.feed("SS guest@\r\n"); // USER anonymous, then PASS guest@
 * commands.end();
 * ```
 */
export function createCommandParser(
  callbacks: CommandParserCallbacks,
  options: CommandParserOptions = {},
): CommandParser {
  const reader = createCommandReader(callbacks, options);
  // The memory accounting rides along (a test hook under a symbol, see lines/memory.ts).
  const parser: CommandParser & RetainsBytes = {
    feed: reader.feed,
    end: reader.end,
    reset: reader.reset,
    [RETAINED_BYTES]: reader[RETAINED_BYTES],
  };
  return parser;
}

/** Splits a whole client→server stream into commands. Throws the first framing error (warnings are ignored). */
export function parseCommands(input: Uint8Array | string, options: CommandParserOptions = {}): Command[] {
  const commands: Command[] = [];
  let first: CommandParseError | undefined;
  const splitter = createCommandParser(
    {
      onCommand: (command) => commands.push(command),
      onError: (error) => {
        first ??= error;
      },
    },
    options,
  );
  splitter.feed(input);
  splitter.end();
  if (first !== undefined) {
    traceFromCaller(first, parseCommands);
    throw first;
  }
  return commands;
}
