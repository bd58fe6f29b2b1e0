import { type CodeInfo, describeCode } from "./codes.js";

/** One FTP reply (RFC 959 §4.2), single-line or multi-line. */
export interface Reply {
  /** The three-digit reply code, e.g. 227. */
  readonly code: number;
  /**
   * Every physical line exactly as sent (code prefix included, one line terminator removed), decoded to text.
   * With `retainLines: false` only the first and the last line are kept.
   */
  readonly lines: readonly string[];
  /**
   * The message: the code prefix removed from the first and the last line and from inner lines that repeat
   * `nnn-`/`nnn ` with the reply's own code, lines joined by `\n`.
   */
  readonly text: string;
  /** True when the reply opened with `nnn-`. */
  readonly multiline: boolean;
  /** The exact bytes of the reply, line terminators and Telnet commands included. */
  readonly raw: Uint8Array;
  /** Byte offset of the reply's first byte in the stream. */
  readonly offset: number;
  /** Number of bytes the reply spans in the stream (equals `raw.length` unless lines were not retained). */
  readonly byteLength: number;
  /** The documented meaning of the code: a shared frozen entry of the code table. */
  readonly info: CodeInfo;
}

const SPACE = 0x20;

/**
 * The parser's reply. `code`, `text`, `multiline`, `offset` and `byteLength` are plain fields; `raw`, `lines`
 * and `info` are getters made on first read and then kept, because most consumers read only the code and the
 * text: a typed-array view, a line array and a table lookup per reply were most of the parser's cost on short
 * replies. Every instance has the same shape (one hidden class). `toJSON` and Node's inspector show the eight
 * fields of `Reply`; a spread (`{ ...reply }`) or `structuredClone` copies only the plain fields (the private
 * ones are `#` fields: invisible to `Object.keys`, never cloned).
 */
class ParsedReply implements Reply {
  readonly code: number;
  readonly text: string;
  readonly multiline: boolean;
  readonly offset: number;
  readonly byteLength: number;
  /** The lines, or undefined for a single line `ddd text` / `ddd` made again from the code and the text. */
  #lines: readonly string[] | undefined;
  /** The reply's bytes, or the buffer they are a part of (from `rawStart` on, `byteLength` bytes). */
  readonly #rawSource: Uint8Array;
  /** -1 when `rawSource` is `raw` itself. */
  readonly #rawStart: number;
  #raw: Uint8Array | undefined;

  constructor(
    code: number,
    lines: readonly string[] | undefined,
    text: string,
    multiline: boolean,
    rawSource: Uint8Array,
    rawStart: number,
    offset: number,
    byteLength: number,
  ) {
    this.code = code;
    this.text = text;
    this.multiline = multiline;
    this.offset = offset;
    this.byteLength = byteLength;
    this.#lines = lines;
    this.#rawSource = rawSource;
    this.#rawStart = rawStart;
    this.#raw = rawStart < 0 ? rawSource : undefined;
  }

  get raw(): Uint8Array {
    let view = this.#raw;
    if (view === undefined) {
      const source = this.#rawSource;
      view = new Uint8Array(source.buffer, source.byteOffset + this.#rawStart, this.byteLength);
      this.#raw = view;
    }
    return view;
  }

  get lines(): readonly string[] {
    let lines = this.#lines;
    if (lines === undefined) {
      // A single line whose text is all after `ddd ` (or a bare `ddd`): the line is the code, a space, the text.
      const spaced = this.raw[3] === SPACE;
      lines = [spaced ? `${this.code} ${this.text}` : String(this.code)];
      this.#lines = lines;
    }
    return lines;
  }

  get info(): CodeInfo {
    return describeCode(this.code);
  }

  /** The eight fields of `Reply`, for `JSON.stringify` and structured copies. */
  toJSON(): Reply {
    return {
      code: this.code,
      lines: this.lines,
      text: this.text,
      multiline: this.multiline,
      raw: this.raw,
      offset: this.offset,
      byteLength: this.byteLength,
      info: this.info,
    };
  }

  /** Node's `util.inspect` (console.log) shows the same eight fields. */
  [Symbol.for("nodejs.util.inspect.custom")](): Reply {
    return this.toJSON();
  }
}

/** Builds a reply object from its parts (every field given). */
export function createReply(
  code: number,
  lines: readonly string[],
  text: string,
  multiline: boolean,
  raw: Uint8Array,
  offset: number,
  byteLength: number,
): Reply {
  return new ParsedReply(code, lines, text, multiline, raw, -1, offset, byteLength);
}

/**
 * A single-line reply `ddd text` (or bare `ddd`) whose bytes are `byteLength` bytes of `source` from `start`:
 * its view and its line are made only if read.
 */
export function createSingleLineReply(
  code: number,
  text: string,
  source: Uint8Array,
  start: number,
  offset: number,
  byteLength: number,
): Reply {
  return new ParsedReply(code, undefined, text, false, source, start, offset, byteLength);
}

/** A reply whose bytes are `byteLength` bytes of `source` from `start`: its view is made only if read. */
export function createReplyInBuffer(
  code: number,
  lines: readonly string[],
  text: string,
  multiline: boolean,
  source: Uint8Array,
  start: number,
  offset: number,
  byteLength: number,
): Reply {
  return new ParsedReply(code, lines, text, multiline, source, start, offset, byteLength);
}
