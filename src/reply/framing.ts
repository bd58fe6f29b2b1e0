/**
 * The reply grammar (RFC 959 §4.2), written once, over the lines of the server→client stream. The replies it makes
 * are given by a factory: annotated ones (`reply.info`) for the full entry, plain ones for `ftp-reply/lite`.
 *
 * A reply is a line `ddd text` (or a bare `ddd`), or lines from `ddd-` up to the first line that starts with the
 * same three digits followed by a space or the end of the line. Lines between are free text: other codes, the same
 * code with `-`, `dddX…` — none closes the reply. The first digit is 1–6 (6: RFC 2228 protected replies).
 *
 * ```ts
 * const parser = createReplyParser({ onReply: (r) => console.log(r.code, r.text), onError: console.warn });
 * parser.feed("220-Welcome\r\n220 ready\r");
 * parser.feed("\n"); // 220 "Welcome\nready"
 * parser.end();
 * ```
 */

import type { ReplyEncoding } from "../encoding.js";
import { ReplyParseError, type ReplyParseErrorType, traceFromCaller } from "../errors.js";
import { ByteBuffer, CR, concatBytes, EMPTY, HYPHEN, LF, SPACE, textEncoder } from "../lines/bytes.js";
import { attempt, finish, forEachThen, NO_ERROR } from "../lines/callbacks.js";
import { bytesBytes, RETAINED_BYTES, type RetainsBytes, stringsBytes } from "../lines/memory.js";
import { ENDING_TEXT, type Ending, type LineSink, LineSplitter } from "../lines/splitter.js";
import { IAC, type TelnetCommand } from "../lines/telnet.js";
import { excerptOf } from "../lines/text.js";
import { closes, closesWith, LINE_END, openingCode, replyText, withoutInnerPrefixes } from "./grammar.js";
import type { PlainReply, ReplyFactory } from "./reply.js";

export type { TelnetCommand } from "../lines/telnet.js";

/** One physical line of a reply, delivered by `onLine` as soon as it is complete. */
export interface ReplyLine {
  /** The code of the reply the line belongs to. */
  readonly code: number;
  /** The line as sent, decoded, one line terminator removed. */
  readonly line: string;
  /** Position of the line in its reply (0 for the opening line). */
  readonly index: number;
  /** True for the line that closes the reply. */
  readonly last: boolean;
  /** Byte offset of the line's first byte in the stream. */
  readonly offset: number;
}

export interface ReplyParserCallbacks<R extends PlainReply = PlainReply> {
  /** A complete reply. */
  onReply(reply: R): void;
  /** A framing error; the parser has already resynced and goes on. */
  onError(error: ReplyParseError): void;
  /** A diagnostic that did not stop a reply from being delivered (`missing-space`, `mismatched-close`). */
  onWarning?(warning: ReplyParseError): void;
  /** Every line of every reply as it completes: consume huge replies line by line (see `retainLines`). */
  onLine?(line: ReplyLine): void;
  /** Telnet commands removed from the stream (option negotiation, NOP, subnegotiation …). */
  onTelnet?(command: TelnetCommand): void;
}

export interface ReplyParserOptions {
  /** `"utf-8"` (default, RFC 2640), `"auto"` (UTF-8 where valid, else `fallbackEncoding`) or a WHATWG label. */
  encoding?: ReplyEncoding | undefined;
  /** Encoding for lines that are not valid UTF-8 in `auto` mode. Default `"windows-1252"` (WHATWG's latin1). */
  fallbackEncoding?: ReplyEncoding | undefined;
  /** Longest line: its bytes before the LF (a CR and Telnet commands included). Default 1 MiB. */
  maxLineLength?: number | undefined;
  /** Largest reply in bytes that is held whole. Default 64 MiB. Not applied when `retainLines` is false. */
  maxReplySize?: number | undefined;
  /** Treat a bare CR as a line end too (CR LF still counts as one). Default false: a bare CR is data. */
  bareCrIsLineEnd?: boolean | undefined;
  /** Interpret Telnet IAC sequences (RFC 854). Default true; false passes 0xFF bytes through as data. */
  telnet?: boolean | undefined;
  /**
   * Close a multi-line reply at any line `ddd ` with a valid code, not only its own (glftpd sends `553-` … `150 …`).
   * Default false (RFC 959 §4.2). When it fires, `onWarning` gets a `mismatched-close` and the reply takes the
   * closing line's code.
   */
  closeOnAnyCode?: boolean | undefined;
  /**
   * Keep every line of a multi-line reply in `reply.lines`/`text`/`raw`. Default true. With false, inner lines
   * are only passed to `onLine` and dropped: `lines` holds the opening and closing line, `raw` their bytes, and
   * memory stays bounded by `maxLineLength` whatever the reply's size.
   */
  retainLines?: boolean | undefined;
}

export interface ReplyParser {
  /** Feeds the next chunk of the stream: bytes, or text (encoded as UTF-8). */
  feed(chunk: Uint8Array | string): void;
  /** Ends the stream: an unfinished line or reply is reported as a `truncated` error. The parser is then reset. */
  end(): void;
  /** Drops any partial state and restarts offsets at 0 (e.g. for a new connection or after a gap). */
  reset(): void;
}

export const DEFAULT_MAX_LINE_LENGTH = 1024 * 1024;
export const DEFAULT_MAX_REPLY_SIZE = 64 * 1024 * 1024;
/** Lines of a long reply held one by one before they are joined into a block: more than a listing usually has. */
const LINES_PER_BLOCK = 8192;
/** Bytes kept of a line past the limit: enough to see its code (and `-`) through Telnet commands. */
const KEPT_OF_LONG_LINE = 320;

/** Where the grammar stands (RFC 959 §4.2). */
const enum ReplyState {
  /** Between replies: the next line must open one. */
  BetweenReplies = 0,
  /** Inside a multi-line reply opened by `ddd-`. */
  InMultiline = 1,
  /** A line outside a reply passed the limit: its head tells whether it opened a reply to skip. */
  SkippingLine = 2,
  /** A reply passed a limit: its lines are dropped up to its closing line. */
  SkippingReply = 3,
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(value > 0) || !Number.isFinite(value))
    throw new RangeError(`${name} must be a positive number, got ${value}`);
  return value;
}

/** The reply grammar over lines: a `LineSink` that delivers replies. */
class ReplyFramer<R extends PlainReply> implements LineSink {
  readonly #callbacks: ReplyParserCallbacks<R>;
  readonly #make: ReplyFactory<R>;
  readonly #maxLineLength: number;
  readonly #maxReplySize: number;
  readonly #closeOnAnyCode: boolean;
  readonly #retainLines: boolean;

  #state = ReplyState.BetweenReplies;
  /** The open multi-line reply: its code, first byte, bytes so far and lines (all, or the first when not retained). */
  #code = 0;
  #start = 0;
  #bytes = 0;
  #count = 0;
  #lines: string[] = [];
  /**
   * Lines of a long reply before `#lines`, joined by "\n" a block at a time: a string per line would cost some 30
   * bytes of overhead for a 4-byte line (a 63 MiB reply of short lines held 1.3 GB).
   */
  #blocks: string[] = [];
  /** The terminator every line so far ended with, while every line is its text in UTF-8; then the lines' bytes. */
  #ending = "";
  #raw: ByteBuffer | undefined = undefined;
  /** The reply being skipped (after a limit), to its closing line. */
  #skipCode = 0;

  constructor(make: ReplyFactory<R>, callbacks: ReplyParserCallbacks<R>, options: ReplyParserOptions) {
    this.#make = make;
    this.#callbacks = callbacks;
    this.#maxLineLength = positive(options.maxLineLength, DEFAULT_MAX_LINE_LENGTH, "maxLineLength");
    this.#maxReplySize = positive(options.maxReplySize, DEFAULT_MAX_REPLY_SIZE, "maxReplySize");
    this.#closeOnAnyCode = options.closeOnAnyCode ?? false;
    this.#retainLines = options.retainLines ?? true;
    // A client answering Telnet option negotiation (`onTelnet`) hears of each command as its line completes.
    this.#deferNone =
      callbacks.onLine !== undefined ||
      callbacks.onTelnet !== undefined ||
      this.#closeOnAnyCode ||
      !this.#retainLines;
  }

  /** Every line is wanted as it comes (see `deferrable`). */
  readonly #deferNone: boolean;

  get maxLineLength(): number {
    return this.#maxLineLength;
  }

  /**
   * An inner line that cannot close the open reply, read on its bytes (the complete line from `bytes[start]`), may
   * reach `line` later, decoded with the lines after it: nothing is told of it before the reply closes. Not when
   * each line is wanted at once (`onLine`, `onTelnet`), nor with `closeOnAnyCode`, nor when an IAC in the first
   * four bytes may hide the closing digits (Telnet is removed from the text, not from these bytes).
   */
  deferrable(bytes: Uint8Array, start: number): boolean {
    if (this.#state !== ReplyState.InMultiline || this.#deferNone) return false;
    // The fourth character, or the line's end: LF, or CR LF (RFC 959 §4.1.3). The line is complete, so the bytes
    // read are its own up to its LF; past a short line's LF the digits have failed already.
    const c3 = bytes[start + 3]!;
    const fourth = c3 === LF || (c3 === CR && bytes[start + 4] === LF) ? LINE_END : c3;
    const c0 = bytes[start]!;
    const c1 = bytes[start + 1]!;
    const c2 = bytes[start + 2]!;
    if (c0 === IAC || c1 === IAC || c2 === IAC || c3 === IAC) return false;
    return !closesWith(c0, c1, c2, fourth, this.#code);
  }

  line(
    text: string,
    offset: number,
    byteLength: number,
    ending: Ending,
    bytes: Uint8Array | undefined,
  ): void {
    switch (this.#state) {
      case ReplyState.BetweenReplies:
        this.#open(text, offset, byteLength, ending, bytes);
        return;
      case ReplyState.InMultiline:
        this.#inner(text, offset, byteLength, ending, bytes);
        return;
      default:
        if (closes(text, this.#skipCode)) this.#state = ReplyState.BetweenReplies;
    }
  }

  #open(
    text: string,
    offset: number,
    byteLength: number,
    ending: Ending,
    bytes: Uint8Array | undefined,
  ): void {
    const code = openingCode(text);
    if (code < 0) {
      const message =
        text.length === 0
          ? "blank line outside a reply"
          : "line outside a reply does not start with a reply code";
      this.#error("unexpected-line", message, offset, undefined, text);
      return;
    }
    const separator = text.charCodeAt(3);
    if (separator === HYPHEN) {
      this.#state = ReplyState.InMultiline;
      this.#code = code;
      this.#start = offset;
      this.#bytes = byteLength;
      this.#count = 1;
      if (this.#tooLong()) return;
      this.#lines = [text];
      this.#raw = undefined;
      this.#ending = ENDING_TEXT[ending]!;
      if (bytes !== undefined) {
        this.#raw = new ByteBuffer();
        this.#raw.push(bytes);
      }
      this.#callbacks.onLine?.({ code, line: text, index: 0, last: false, offset });
      return;
    }
    // Each callback runs even when one before it throws (see callbacks.ts).
    let failure: unknown = NO_ERROR;
    if (text.length > 3 && separator !== SPACE) {
      failure = attempt(() =>
        this.#warning("missing-space", `reply code ${code} is not followed by a space`, offset, code),
      );
    }
    if (byteLength > this.#maxReplySize && this.#retainLines) {
      const message = `reply ${code} is longer than ${this.#maxReplySize} bytes`;
      finish(failure, () => this.#error("reply-too-long", message, offset, code));
      return;
    }
    const line = text;
    const message = line.length > 3 ? line.slice(separator === SPACE ? 4 : 3) : "";
    const raw = bytes === undefined ? ENDING_TEXT[ending]! : bytes.slice();
    const onLine = this.#callbacks.onLine;
    if (onLine !== undefined) {
      const error = attempt(() => onLine({ code, line, index: 0, last: true, offset }));
      if (failure === NO_ERROR) failure = error;
    }
    const reply = this.#make(code, line, message, false, raw, offset, byteLength);
    if (failure === NO_ERROR) this.#callbacks.onReply(reply);
    else finish(failure, () => this.#callbacks.onReply(reply));
  }

  #inner(
    text: string,
    offset: number,
    byteLength: number,
    ending: Ending,
    bytes: Uint8Array | undefined,
  ): void {
    const code = this.#code;
    const own = closes(text, code);
    const closing =
      own ||
      (this.#closeOnAnyCode && openingCode(text) > 0 && (text.length === 3 || text.charCodeAt(3) === SPACE));
    this.#count++;
    this.#bytes += byteLength;
    if (!closing) {
      if (this.#tooLong()) return;
      const index = this.#count - 1;
      if (this.#retainLines) {
        this.#lines.push(text);
        this.#keepRaw(text, ending, bytes);
        if (this.#lines.length >= LINES_PER_BLOCK) this.#flushBlock();
      }
      this.#callbacks.onLine?.({ code, line: text, index, last: false, offset });
      return;
    }
    if (this.#bytes > this.#maxReplySize && this.#retainLines) {
      this.#state = ReplyState.BetweenReplies;
      this.#clear();
      this.#error(
        "reply-too-long",
        `reply ${code} is longer than ${this.#maxReplySize} bytes`,
        this.#start,
        code,
      );
      return;
    }
    let closingCode = code;
    let failure: unknown = NO_ERROR;
    if (!own) {
      closingCode = openingCode(text);
      const message = `multi-line reply ${code} closed by a line with code ${closingCode}`;
      failure = attempt(() => this.#warning("mismatched-close", message, offset, closingCode));
    }
    const lines = this.#lines;
    lines.push(text);
    this.#keepRaw(text, ending, bytes);
    const raw = this.#raw === undefined ? this.#ending : this.#raw.concat();
    let kept: string | string[] = lines;
    let message: string;
    if (this.#blocks.length === 0) message = replyText(lines, code);
    else {
      // A long reply: its lines as one string ("\n" between them), made into an array only if read; its message
      // is that string without the opening `ddd-`, the inner lines' own `ddd-` and the closing line's prefix.
      const before = this.#joined(1);
      message = `${withoutInnerPrefixes(before.slice(4), code)}\n${text.length > 4 ? text.slice(4) : ""}`;
      kept = `${before}\n${text}`;
    }
    const start = this.#start;
    const total = this.#bytes;
    const index = this.#count - 1;
    this.#state = ReplyState.BetweenReplies;
    this.#clear();
    const onLine = this.#callbacks.onLine;
    if (onLine !== undefined) {
      const error = attempt(() => onLine({ code: closingCode, line: text, index, last: true, offset }));
      if (failure === NO_ERROR) failure = error;
    }
    const reply = this.#make(closingCode, kept, message, true, raw, start, total);
    finish(failure, () => this.#callbacks.onReply(reply));
  }

  /** What the open reply holds: its lines, blocks and bytes (see lines/memory.ts). */
  [RETAINED_BYTES](): number {
    return stringsBytes(this.#lines) + stringsBytes(this.#blocks) + bytesBytes(this.#raw?.bytes ?? EMPTY);
  }

  /** Moves the lines held one by one into a block (the first block starts with the opening line). */
  #flushBlock(): void {
    this.#blocks.push(this.#lines.join("\n"));
    this.#lines = [];
  }

  /** Every line held so far (the last `drop` left out), joined by "\n". */
  #joined(drop = 0): string {
    const lines = drop === 0 ? this.#lines : this.#lines.slice(0, this.#lines.length - drop);
    if (this.#blocks.length === 0) return lines.join("\n");
    return lines.length === 0 ? this.#blocks.join("\n") : `${this.#blocks.join("\n")}\n${lines.join("\n")}`;
  }

  /** The bytes of the lines held so far, made again from their text (every one ended with `#ending`). */
  #rebuilt(drop = 0): Uint8Array {
    const joined = this.#joined(drop);
    const ending = this.#ending;
    return textEncoder.encode((ending === "\n" ? joined : joined.replaceAll("\n", ending)) + ending);
  }

  /** Keeps what makes a kept line's bytes: nothing while they are its text in UTF-8 with the same terminator. */
  #keepRaw(text: string, ending: Ending, bytes: Uint8Array | undefined): void {
    const terminator = ENDING_TEXT[ending]!;
    let raw = this.#raw;
    if (raw === undefined) {
      if (bytes === undefined && terminator === this.#ending) return;
      // From here on the reply keeps bytes: those of the lines before are their text encoded again.
      raw = this.#raw = new ByteBuffer();
      raw.push(this.#rebuilt(1));
    }
    raw.push(bytes ?? textEncoder.encode(text + terminator));
  }

  /** A multi-line reply passed `maxReplySize`: reported, then skipped up to its closing line. */
  #tooLong(): boolean {
    if (this.#bytes <= this.#maxReplySize || !this.#retainLines) return false;
    const code = this.#code;
    this.#state = ReplyState.SkippingReply;
    this.#skipCode = code;
    this.#clear();
    this.#error(
      "reply-too-long",
      `reply ${code} is longer than ${this.#maxReplySize} bytes`,
      this.#start,
      code,
    );
    return true;
  }

  #clear(): void {
    this.#lines = [];
    if (this.#blocks.length > 0) this.#blocks = [];
    this.#raw = undefined;
    this.#count = 0;
    this.#bytes = 0;
  }

  longLine(offset: number, excerpt: Uint8Array): void {
    let code: number | undefined;
    switch (this.#state) {
      case ReplyState.BetweenReplies:
        // Outside a reply the line's code is not given: with a tiny limit it may not have arrived yet.
        this.#state = ReplyState.SkippingLine;
        break;
      case ReplyState.InMultiline:
        code = this.#code;
        this.#state = ReplyState.SkippingReply;
        this.#skipCode = code;
        this.#clear();
        break;
      default:
        // Already skipping: the line is dropped with its reply, no second error.
        return;
    }
    this.#error(
      "line-too-long",
      `line is longer than ${this.#maxLineLength} bytes`,
      offset,
      code,
      excerptOf(excerpt),
    );
  }

  cutLine(head: string): void {
    if (this.#state === ReplyState.SkippingLine) {
      // The skipped line opened a multi-line reply (`ddd-`): skip to that reply's closing line.
      const code = openingCode(head);
      if (code > 0 && head.charCodeAt(3) === HYPHEN) {
        this.#state = ReplyState.SkippingReply;
        this.#skipCode = code;
      } else this.#state = ReplyState.BetweenReplies;
    } else if (this.#state === ReplyState.SkippingReply && closes(head, this.#skipCode)) {
      this.#state = ReplyState.BetweenReplies;
    }
  }

  telnet(commands: readonly TelnetCommand[]): void {
    const onTelnet = this.#callbacks.onTelnet;
    if (onTelnet !== undefined) forEachThen(commands, onTelnet);
  }

  end(offset: number, partial: Uint8Array, cut: boolean): void {
    const state = this.#state;
    const code = this.#code;
    const start = this.#start;
    const skipCode = this.#skipCode;
    let raw: Uint8Array | undefined;
    if (state === ReplyState.InMultiline) {
      raw = concatBytes([this.#raw?.concat() ?? this.#rebuilt(), partial]);
    }
    this.reset();
    if (state === ReplyState.SkippingLine || state === ReplyState.SkippingReply || cut) {
      if (partial.length > 0 || cut || state === ReplyState.SkippingReply) {
        const skipped = state === ReplyState.SkippingReply ? skipCode : undefined;
        this.#error("truncated", "stream ended inside a skipped reply", offset, skipped);
      }
    } else if (raw !== undefined) {
      this.#error("truncated", `stream ended inside multi-line reply ${code}`, start, code, undefined, raw);
    } else if (partial.length > 0) {
      this.#error("truncated", "stream ended inside a line", offset, undefined, undefined, partial);
    }
  }

  /** Back between replies; true when a reply was open. */
  reset(): boolean {
    const open = this.#state === ReplyState.InMultiline;
    this.#state = ReplyState.BetweenReplies;
    this.#code = 0;
    this.#skipCode = 0;
    this.#clear();
    return open;
  }

  #error(
    type: ReplyParseErrorType,
    message: string,
    offset: number,
    code?: number,
    excerpt?: string,
    raw?: Uint8Array,
  ): void {
    const init: { offset: number; excerpt?: string; code?: number; raw?: Uint8Array } = { offset };
    const text = excerpt ?? (raw !== undefined && raw.length > 0 ? excerptOf(raw) : undefined);
    if (text !== undefined) init.excerpt = text.length > 80 ? `${text.slice(0, 80)}…` : text;
    if (code !== undefined) init.code = code;
    if (raw !== undefined && raw.length > 0) init.raw = raw;
    this.#callbacks.onError(new ReplyParseError(type, message, init));
  }

  #warning(type: ReplyParseErrorType, message: string, offset: number, code: number): void {
    this.#callbacks.onWarning?.(new ReplyParseError(type, message, { offset, code }));
  }
}

/** The reply parser with what a control connection needs besides: `skip` over bytes missing from the stream. */
export interface ReplyReader extends ReplyParser, RetainsBytes {
  /**
   * `missing` bytes are not in the stream here (a capture's hole): drop the partial line and reply, read on.
   * Returns the code of a single-line reply the hole cut (lost: nothing after the hole will close it), else -1. A
   * multi-line reply cut by a hole is not lost: its closing line comes after the hole and is read as a reply.
   */
  skip(missing: number): number;
  /** Decodes the lines after the current one in another encoding (see `LineSplitter.setEncoding`). */
  setEncoding(encoding: ReplyEncoding, fallbackEncoding?: ReplyEncoding): void;
}

/** A reply parser making its replies with `make`: one line splitter feeding one reply grammar. */
export function createReplyReaderWith<R extends PlainReply>(
  make: ReplyFactory<R>,
  callbacks: ReplyParserCallbacks<R>,
  options: ReplyParserOptions = {},
): ReplyReader {
  const framer = new ReplyFramer(make, callbacks, options);
  const lines = new LineSplitter(framer, {
    encoding: options.encoding,
    fallbackEncoding: options.fallbackEncoding,
    maxLineLength: framer.maxLineLength,
    bareCrIsLineEnd: options.bareCrIsLineEnd,
    telnet: options.telnet,
    keepOfLongLine: KEPT_OF_LONG_LINE,
  });
  return {
    feed: (chunk) => lines.feed(chunk),
    end: () => lines.end(),
    reset: () => {
      lines.reset();
      framer.reset();
    },
    setEncoding: (encoding, fallbackEncoding) => lines.setEncoding(encoding, fallbackEncoding),
    [RETAINED_BYTES]: () => lines[RETAINED_BYTES]() + framer[RETAINED_BYTES](),
    skip: (missing) => {
      const dropped = lines.skip(missing);
      if (framer.reset() || dropped.length < 3) return -1;
      const head = String.fromCharCode(...dropped.subarray(0, 4));
      const code = openingCode(head);
      return code > 0 && (head.length === 3 || head.charCodeAt(3) === SPACE) ? code : -1;
    },
  };
}

/** What a reply reader shows as a `ReplyParser`: feed, end, reset, and the memory accounting (lines/memory.ts). */
export function publicParser(reader: ReplyReader): ReplyParser & RetainsBytes {
  return {
    feed: reader.feed,
    end: reader.end,
    reset: reader.reset,
    [RETAINED_BYTES]: reader[RETAINED_BYTES],
  };
}

/** The whole input at once. Throws the first `ReplyParseError` (replies before it are on `error.replies`). */
export function parseRepliesWith<R extends PlainReply>(
  make: ReplyFactory<R>,
  input: Uint8Array | string,
  options: ReplyParserOptions,
  caller: (...args: never) => unknown,
): R[] {
  const replies: R[] = [];
  let first: ReplyParseError | undefined;
  const parser = createReplyReaderWith(
    make,
    {
      onReply: (reply) => {
        if (first === undefined) replies.push(reply);
      },
      onError: (error) => {
        first ??= error;
      },
    },
    options,
  );
  parser.feed(input);
  parser.end();
  if (first !== undefined) {
    (first as unknown as { replies: R[] }).replies = replies;
    traceFromCaller(first, caller);
    throw first;
  }
  return replies;
}
