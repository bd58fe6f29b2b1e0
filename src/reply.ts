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

/** Builds a reply object. Every reply has the same shape (one hidden class), which keeps consumers fast. */
export function createReply(
  code: number,
  lines: readonly string[],
  text: string,
  multiline: boolean,
  raw: Uint8Array,
  offset: number,
  byteLength: number,
): Reply {
  return { code, lines, text, multiline, raw, offset, byteLength, info: describeCode(code) };
}
