import { type CodeInfo, describeCode } from "../codes.js";
import { textEncoder } from "../lines/bytes.js";

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
  /** The documented meaning of the code: a shared frozen entry of the code table. */
  readonly info: CodeInfo;
}

/**
 * The parser's reply. `code`, `text`, `multiline`, `offset` and `byteLength` are plain fields; `raw`, `lines`
 * and `info` are getters made on first read and then kept, because most consumers read only the code and the
 * text. A reply holds only what is its own: its lines as text and, where they are not that text encoded again
 * (Telnet commands, bytes that are not UTF-8, another encoding), a copy of its bytes — never the chunk it came in.
 * `toJSON` and Node's inspector show the eight fields of `Reply`; a spread or `structuredClone` copies only the
 * plain fields.
 */
const ParsedReply = /* @__PURE__ */ (() => {
  class ParsedReply implements Reply {
    readonly code: number;
    readonly text: string;
    readonly multiline: boolean;
    readonly offset: number;
    readonly byteLength: number;
    /** The lines: one line as a string, or several. */
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
      const bytes = textEncoder.encode(typeof lines === "string" ? lines + raw : lines.join(raw) + raw);
      this.#raw = bytes;
      return bytes;
    }

    get lines(): readonly string[] {
      const lines = this.#lines;
      if (typeof lines !== "string") return lines;
      const array = [lines];
      this.#lines = array;
      return array;
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
  }

  // Node's `util.inspect` (console.log) shows the same eight fields. Set inside a pure factory, not as a computed
  // class member: a bundler keeps a class whose definition calls a function, and with it the code table.
  Object.defineProperty(ParsedReply.prototype, Symbol.for("nodejs.util.inspect.custom"), {
    value(this: ParsedReply): Reply {
      return this.toJSON();
    },
  });
  return ParsedReply;
})();

/**
 * A reply made by the parser. `raw` is the reply's own bytes (a copy), or the line terminator (`"\r\n"`, `"\n"`,
 * `"\r"`) that, after each line in UTF-8, makes them.
 */
export function makeReply(
  code: number,
  lines: string | readonly string[],
  text: string,
  multiline: boolean,
  raw: Uint8Array | string,
  offset: number,
  byteLength: number,
): Reply {
  return new ParsedReply(code, lines, text, multiline, raw, offset, byteLength);
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
  return new ParsedReply(code, lines, text, multiline, raw, offset, byteLength);
}
