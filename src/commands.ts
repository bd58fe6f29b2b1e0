/**
 * The command splitter: client→server control-connection bytes in, commands out (RFC 959 §4.1, §5.3).
 *
 * Same shape and guarantees as the reply parser: bytes arrive in chunks of any size, the splitter jumps from line
 * end to line end with `indexOf`, keeps the bytes of an unfinished line as copied fragments joined once, and
 * delivers the same commands whatever the chunking. Telnet sequences (RFC 854) are removed from the command text:
 * `IAC IAC` is a data byte 0xFF; `IAC IP`, `IAC DM` (the Synch a client sends before ABOR, RFC 959 §4.1.3) and
 * every other Telnet command or negotiation are dropped.
 */
import { pauseStackTraces, resumeStackTraces, traceFromCaller } from "./errors.js";
import type { TelnetCommand } from "./parser.js";
import { DONT, IAC, MAX_SUBNEGOTIATION_KEPT, SB, SE, telnetCommandName, WILL } from "./telnet.js";
import { createTextDecoder, excerptOf, type TextDecodeFunction } from "./text.js";

const LF = 0x0a;
const CR = 0x0d;
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
export class CommandParseError extends Error {
  override readonly name = "CommandParseError";
  readonly type: CommandParseErrorType;
  readonly offset: number;
  readonly excerpt: string;

  constructor(type: CommandParseErrorType, message: string, offset: number, excerpt?: string) {
    // No stack trace (see pauseStackTraces): a client's stream of empty lines is a warning a line.
    const limit = pauseStackTraces();
    super(`${message} at byte ${offset}${excerpt === undefined ? "" : `: ${JSON.stringify(excerpt)}`}`);
    resumeStackTraces(limit);
    this.type = type;
    this.offset = offset;
    this.excerpt = excerpt ?? "";
  }
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
  encoding?: string;
  /** Encoding for lines that are not valid UTF-8 in `auto` mode. Default `"windows-1252"`. */
  fallbackEncoding?: string;
  /** Longest line in bytes (Telnet commands included, terminator excluded). Default 64 KiB. */
  maxLineLength?: number;
  /** Interpret Telnet IAC sequences (RFC 854). Default true; false passes 0xFF bytes through as data. */
  telnet?: boolean;
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

/** Where the Telnet layer stands (RFC 854): in data, or inside a command. */
const enum TelnetState {
  Data = 0,
  Iac = 1,
  Option = 2,
  Subnegotiation = 3,
  SubnegotiationIac = 4,
}

const textEncoder = new TextEncoder();

function concat(parts: readonly Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function isLetter(code: number): boolean {
  return (code >= UPPER_A && code <= UPPER_Z) || (code >= LOWER_A && code <= LOWER_Z);
}

class CommandSplitter implements CommandParser {
  private readonly callbacks: CommandParserCallbacks;
  private readonly decode: TextDecodeFunction;
  private readonly maxLineLength: number;
  /** Bytes of a line kept at most: the limit plus a CR LF terminator. */
  private readonly maxKept: number;
  private readonly telnet: boolean;

  /** Stream offset of the current line's first byte. */
  private lineStart = 0;
  /** Bytes of the current line kept so far (copies, at most `maxKept` in all), and their total length. */
  private carry: Uint8Array[] = [];
  private carryLength = 0;
  /** Bytes of the current line seen so far, kept or not. */
  private lineLength = 0;
  /** The last byte seen of the current line is a CR (tells whether a CR precedes the LF of a long line). */
  private lastWasCr = false;

  constructor(callbacks: CommandParserCallbacks, options: CommandParserOptions) {
    this.callbacks = callbacks;
    this.decode = createTextDecoder(options.encoding, options.fallbackEncoding);
    const max = options.maxLineLength ?? DEFAULT_MAX_COMMAND_LINE_LENGTH;
    if (!Number.isInteger(max) || max < 1)
      throw new RangeError(`maxLineLength must be a positive integer: ${max}`);
    this.maxLineLength = max;
    this.maxKept = max + 2;
    this.telnet = options.telnet ?? true;
  }

  feed(chunk: Uint8Array | string): void {
    const bytes = typeof chunk === "string" ? textEncoder.encode(chunk) : chunk;
    const length = bytes.length;
    let start = 0;
    while (start < length) {
      const lf = bytes.indexOf(LF, start);
      const end = lf === -1 ? length : lf + 1;
      this.take(bytes, start, end);
      if (lf !== -1) this.finishLine();
      start = end;
    }
  }

  end(): void {
    if (this.lineLength > 0) {
      const kept = concat(this.carry, this.carryLength);
      this.callbacks.onError?.(
        new CommandParseError(
          "truncated",
          "stream ended inside a command line",
          this.lineStart,
          excerptOf(kept),
        ),
      );
    }
    this.reset();
  }

  reset(): void {
    this.lineStart = 0;
    this.clearLine();
  }

  private clearLine(): void {
    this.carry = [];
    this.carryLength = 0;
    this.lineLength = 0;
    this.lastWasCr = false;
  }

  /** Adds `bytes[start, end)` (a LF, if any, only as the last byte) to the current line. */
  private take(bytes: Uint8Array, start: number, end: number): void {
    const count = end - start;
    this.lineLength += count;
    // Remember whether the byte before the LF (or the last byte, when the line goes on in the next chunk) is a CR.
    if (bytes[end - 1] !== LF) this.lastWasCr = bytes[end - 1] === CR;
    else if (count >= 2) this.lastWasCr = bytes[end - 2] === CR;
    const keep = Math.min(count, this.maxKept - this.carryLength);
    if (keep > 0) {
      // Copy: the caller may reuse its buffer after feed() returns.
      this.carry.push(bytes.slice(start, start + keep));
      this.carryLength += keep;
    }
  }

  private finishLine(): void {
    const offset = this.lineStart;
    const byteLength = this.lineLength;
    // RFC 959 §4.1.3 / RFC 854: lines end with CR LF; a bare LF is accepted, as servers do.
    const contentLength = byteLength - (this.lastWasCr ? 2 : 1);
    const kept = concat(this.carry, this.carryLength);
    this.lineStart += byteLength;
    this.clearLine();

    const truncated = contentLength > this.maxLineLength;
    const content = kept.subarray(0, truncated ? this.maxLineLength : contentLength);
    const raw = truncated ? content : kept;
    if (truncated) {
      this.callbacks.onError?.(
        new CommandParseError(
          "line-too-long",
          `command line longer than ${this.maxLineLength} bytes`,
          offset,
          excerptOf(content),
        ),
      );
    }
    // A LF ends the line even inside a Telnet sequence, as servers read lines (vsftpd, ProFTPD and Pure-FTPd do
    // not interpret Telnet): an unfinished sequence ends with its line, so a stray `IAC SB` cannot swallow the
    // commands after it.
    const needsTelnet = this.telnet && content.indexOf(IAC) !== -1;
    const text = this.decode(needsTelnet ? this.removeTelnet(content, offset) : content);
    this.deliver(text, raw, offset, byteLength, truncated);
  }

  /** Removes Telnet sequences from one line (RFC 854). `IAC IAC` becomes one 0xFF data byte. */
  private removeTelnet(bytes: Uint8Array, offset: number): Uint8Array {
    const out = new Uint8Array(bytes.length);
    let n = 0;
    let state = TelnetState.Data;
    let command = 0;
    let commandOffset = 0;
    let subnegotiation: number[] = [];
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      switch (state) {
        case TelnetState.Data:
          if (b === IAC) {
            state = TelnetState.Iac;
            commandOffset = offset + i;
          } else out[n++] = b;
          break;
        case TelnetState.Iac:
          if (b === IAC) {
            out[n++] = IAC;
            state = TelnetState.Data;
          } else if (b >= WILL && b <= DONT) {
            command = b;
            state = TelnetState.Option;
          } else if (b === SB) {
            subnegotiation = [];
            state = TelnetState.Subnegotiation;
          } else {
            // IP, DM (the Synch before ABOR, RFC 959 §4.1.3), NOP, AO …: removed from the command text.
            this.emitTelnet(b, commandOffset, undefined, undefined);
            state = TelnetState.Data;
          }
          break;
        case TelnetState.Option:
          this.emitTelnet(command, commandOffset, b, undefined);
          state = TelnetState.Data;
          break;
        case TelnetState.Subnegotiation:
          if (b === IAC) state = TelnetState.SubnegotiationIac;
          else if (subnegotiation.length < MAX_SUBNEGOTIATION_KEPT) subnegotiation.push(b);
          break;
        case TelnetState.SubnegotiationIac:
          if (b === SE) {
            const [option, ...data] = subnegotiation;
            this.emitTelnet(SB, commandOffset, option, Uint8Array.from(data));
            state = TelnetState.Data;
          } else {
            if (b === IAC && subnegotiation.length < MAX_SUBNEGOTIATION_KEPT) subnegotiation.push(IAC);
            state = TelnetState.Subnegotiation;
          }
          break;
      }
    }
    return out.subarray(0, n);
  }

  private emitTelnet(
    command: number,
    offset: number,
    option: number | undefined,
    data: Uint8Array | undefined,
  ): void {
    const onTelnet = this.callbacks.onTelnet;
    if (onTelnet === undefined) return;
    const event: { command: number; name: string; offset: number; option?: number; data?: Uint8Array } = {
      command,
      name: telnetCommandName(command),
      offset,
    };
    if (option !== undefined) event.option = option;
    if (data !== undefined) event.data = data;
    onTelnet(event);
  }

  private deliver(
    line: string,
    raw: Uint8Array,
    offset: number,
    byteLength: number,
    truncated: boolean,
  ): void {
    // RFC 959 §5.3: the command code is separated from its argument by one space.
    const space = line.indexOf(" ");
    const verbText = space === -1 ? line : line.slice(0, space);
    const arg = space === -1 ? "" : line.slice(space + 1);
    // RFC 959 §5.3.1: command codes are alphabetic.
    let letters = verbText.length > 0;
    for (let i = 0; letters && i < verbText.length; i++) letters = isLetter(verbText.charCodeAt(i));
    if (!letters) {
      this.callbacks.onWarning?.(
        new CommandParseError("invalid-verb", "command code is not made of letters", offset, excerptOf(raw)),
      );
    }
    this.callbacks.onCommand({ verb: verbText.toUpperCase(), arg, line, raw, offset, byteLength, truncated });
  }
}

/**
 * Creates a streaming command splitter for the client→server direction.
 *
 * ```ts
 * const splitter = createCommandParser({ onCommand: (c) => console.log(c.verb, c.arg) });
 * splitter.feed("USER anonymous\r\nPA");
 * splitter.feed("SS guest@\r\n"); // USER anonymous, then PASS guest@
 * splitter.end();
 * ```
 */
export function createCommandParser(
  callbacks: CommandParserCallbacks,
  options: CommandParserOptions = {},
): CommandParser {
  return new CommandSplitter(callbacks, options);
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
