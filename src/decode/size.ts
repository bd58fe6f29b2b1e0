/**
 * Sizes: the `(N bytes)` a server may put in the 150/125 reply that opens a transfer, and the 213 reply to SIZE
 * (RFC 3659 §4).
 */
import {
  DIGIT_0,
  isDigit,
  type ReplyInput,
  RIGHT_PAREN,
  rangeError,
  readMessage,
  skipBlanks,
  syntaxError,
  trimmedEnd,
} from "./message.js";

const TRANSFER_DECODER = "parseTransferSize";
const TRANSFER_CODES = [150, 125];
const SIZE_DECODER = "parseSize";
const SIZE_CODES = [213];

/**
 * The value of the decimal digits from `start` to `end`, or -1 as soon as it passes `Number.MAX_SAFE_INTEGER`
 * (never an imprecise number). Leading zeros are allowed.
 */
function decimalValue(text: string, start: number, end: number): number {
  let value = 0;
  for (let i = start; i < end; i++) {
    value = value * 10 + (text.charCodeAt(i) - DIGIT_0);
    if (value > Number.MAX_SAFE_INTEGER) return -1;
  }
  return value;
}

const BYTES_WORD = "bytes";
/** ASCII letters differ from their lower case by this bit. */
const CASE_BIT = 0x20;

/** True when `text` has `bytes` (any case) at `at`. Compares codes: no string made per candidate. */
function bytesWordAt(text: string, at: number): boolean {
  if (at + BYTES_WORD.length > text.length) return false;
  for (let k = 0; k < BYTES_WORD.length; k++) {
    if ((text.charCodeAt(at + k) | CASE_BIT) !== BYTES_WORD.charCodeAt(k)) return false;
  }
  return true;
}

/**
 * The transfer size a 150 (or 125) reply announces, `(N bytes)` as vsftpd, ProFTPD and wu-ftpd send it
 * (`150 Opening BINARY mode data connection for a.bin (1048576 bytes).`), or undefined when the reply names none
 * (IIS, FileZilla Server, Pure-FTPd). When the text holds several, the last one counts: it follows the file name,
 * which may itself hold such text. Throws `ReplyRangeError` `number-out-of-range` above
 * `Number.MAX_SAFE_INTEGER`, `ReplySyntaxError` `unexpected-code` for another reply.
 */
export function parseTransferSize(input: ReplyInput): number | undefined {
  const message = readMessage(input, TRANSFER_DECODER, TRANSFER_CODES);
  const text = message.text;
  let lastStart = -1;
  let lastEnd = -1;
  // Each `(` is tried once; the digit run it reads holds no `(`, so the scan is linear.
  for (let open = text.indexOf("("); open !== -1; open = text.indexOf("(", open + 1)) {
    let i = open + 1;
    while (i < text.length && isDigit(text.charCodeAt(i))) i++;
    if (i === open + 1) continue;
    const word = skipBlanks(text, i);
    if (!bytesWordAt(text, word)) continue;
    const close = skipBlanks(text, word + BYTES_WORD.length);
    if (text.charCodeAt(close) !== RIGHT_PAREN) continue;
    lastStart = open + 1;
    lastEnd = i;
  }
  if (lastStart === -1) return undefined;
  const value = decimalValue(text, lastStart, lastEnd);
  if (value === -1) {
    throw rangeError(message, "number-out-of-range", "size above 2^53-1", lastStart);
  }
  return value;
}

/**
 * Decodes a 213 reply to SIZE (RFC 3659 §4.2: `213 <decimal size>`) to a number of bytes. Blanks around the
 * number are allowed, nothing else. Throws `ReplySyntaxError` (`unexpected-code`, `missing-value`,
 * `malformed-value`) or `ReplyRangeError` `number-out-of-range` above `Number.MAX_SAFE_INTEGER`.
 */
export function parseSize(input: ReplyInput): number {
  const message = readMessage(input, SIZE_DECODER, SIZE_CODES);
  const text = message.text;
  const start = skipBlanks(text, 0);
  const end = trimmedEnd(text, start);
  if (start === end) throw syntaxError(message, "missing-value", "no size", 0);
  for (let i = start; i < end; i++) {
    if (!isDigit(text.charCodeAt(i))) {
      throw syntaxError(message, "malformed-value", "size is not a decimal number", i);
    }
  }
  const value = decimalValue(text, start, end);
  if (value === -1) throw rangeError(message, "number-out-of-range", "size above 2^53-1", start);
  return value;
}
