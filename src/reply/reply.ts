import type { CodeInfo } from "../codes.js";
import { textEncoder } from "../lines/bytes.js";

/** One FTP reply (RFC 959 §4.2), single-line or multi-line, without its code's meaning (`ftp-reply/lite`). */
export interface PlainReply {
  /** The three-digit reply code, e.g. 227. */
  readonly code: number;
  /**
   * Every physical line exactly as sent (code prefix included, one line terminator removed), decoded to text.
   * With `retainLines: false` only the first and the last line are kept.
   */
  readonly lines: readonly string[];
  /**
   * The message: the code prefix removed from the first and the last line and from inner lines that repeat
   * `nnn-` with the reply's own code, lines joined by `\n`.
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
}

/** One FTP reply (RFC 959 §4.2), with the documented meaning of its code. */
export interface Reply extends PlainReply {
  /** The documented meaning of the code: a shared frozen entry of the code table. */
  readonly info: CodeInfo;
}

/**
 * How the parser makes its replies: `lines` is an array, or a string (the one line of a single-line reply, every
 * line joined by "\n" for a multi-line one); `raw` is the reply's own bytes, or the terminator that makes them.
 */
export type ReplyFactory<R extends PlainReply> = (
  code: number,
  lines: string | readonly string[],
  text: string,
  multiline: boolean,
  raw: Uint8Array | string,
  offset: number,
  byteLength: number,
) => R;

/** The class of the parser's replies, and the function that makes one. */
export interface ReplyClass {
  new (
    code: number,
    lines: string | readonly string[],
    text: string,
    multiline: boolean,
    raw: Uint8Array | string,
    offset: number,
    byteLength: number,
  ): PlainReply & { toJSON(): PlainReply };
}

/**
 * The parser's reply without annotation. `code`, `text`, `multiline`, `offset` and `byteLength` are plain fields;
 * `raw` and `lines` are getters made on first read and then kept, because most consumers read only the code and
 * the text. A reply holds only what is its own: its lines as text and, where they are not that text encoded again
 * (Telnet commands, bytes that are not UTF-8, another encoding, mixed terminators), a copy of its bytes — never the
 * chunk it came in. `toJSON` and Node's inspector show every field; a spread or `structuredClone` copies only the
 * plain ones.
 *
 * Made inside a function marked pure: a bundler keeps a top-level class whose definition calls a function (the
 * inspector's symbol), and with it whatever the module imports. Each call makes a class of its own: the annotated
 * reply is one more, with `info` on its prototype, not a subclass (constructing a subclass cost twice as much).
 */
export function defineReplyClass(): ReplyClass {
  class ParsedReply implements PlainReply {
    readonly code: number;
    readonly text: string;
    readonly multiline: boolean;
    readonly offset: number;
    readonly byteLength: number;
    /** The lines: an array, or a string — the one line, or (multi-line) every line joined by "\n". */
    #lines: string | readonly string[];
    /** The bytes, or the terminator that makes them from the lines. */
    #raw: Uint8Array | string;

    constructor(
      code: number,
      lines: string | readonly string[],
      text: string,
      multiline: boolean,
      raw: Uint8Array | string,
      offset: number,
      byteLength: number,
    ) {
      this.code = code;
      this.text = text;
      this.multiline = multiline;
      this.offset = offset;
      this.byteLength = byteLength;
      this.#lines = lines;
      this.#raw = raw;
    }

    get raw(): Uint8Array {
      const raw = this.#raw;
      if (typeof raw !== "string") return raw;
      // Every line was its text in UTF-8 and every terminator the same: the bytes are made again, exactly.
      const lines = this.#lines;
      let text: string;
      if (typeof lines !== "string") text = lines.join(raw);
      // One line, or (multi-line) every line joined by "\n" (no line holds an LF).
      else text = !this.multiline || raw === "\n" ? lines : lines.replaceAll("\n", raw);
      const bytes = textEncoder.encode(text + raw);
      this.#raw = bytes;
      return bytes;
    }

    get lines(): readonly string[] {
      const lines = this.#lines;
      if (typeof lines !== "string") return lines;
      const array = this.multiline ? lines.split("\n") : [lines];
      this.#lines = array;
      return array;
    }

    /** Every field, for `JSON.stringify` and Node's inspector. */
    toJSON(): PlainReply {
      return {
        code: this.code,
        lines: this.lines,
        text: this.text,
        multiline: this.multiline,
        raw: this.raw,
        offset: this.offset,
        byteLength: this.byteLength,
      };
    }
  }
  // Node's `util.inspect` (console.log) shows the same fields as `toJSON`.
  Object.defineProperty(ParsedReply.prototype, Symbol.for("nodejs.util.inspect.custom"), {
    value(this: ParsedReply): PlainReply {
      return this.toJSON();
    },
  });
  return ParsedReply;
}

const PlainReplyClass: ReplyClass = /* @__PURE__ */ defineReplyClass();

/** Makes a reply without annotation (`ftp-reply/lite`). */
export const makePlainReply: ReplyFactory<PlainReply> = (
  code,
  lines,
  text,
  multiline,
  raw,
  offset,
  byteLength,
) => new PlainReplyClass(code, lines, text, multiline, raw, offset, byteLength);
