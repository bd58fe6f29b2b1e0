/**
 * Small byte helpers the readers share: ASCII comparisons on a line's bytes without decoding it, and a
 * streaming line splitter with a bounded line length.
 */

import { CR, DIGIT_0, DIGIT_9, SPACE } from "../../lines/bytes.js";
import { ENDING_TEXT, LineSplitter } from "../../lines/splitter.js";
import { openingCode } from "../../reply/grammar.js";

export { CR, DIGIT_0, SPACE };

const latin1 = new TextDecoder("latin1");
export const QUOTE = 0x22;

function isDigit(byte: number | undefined): boolean {
  return byte !== undefined && byte >= DIGIT_0 && byte <= DIGIT_9;
}

/** Whether `bytes` holds the ASCII text `prefix` at `at`. */
export function startsWithAscii(bytes: Uint8Array, prefix: string, at = 0): boolean {
  if (at + prefix.length > bytes.length) return false;
  for (let i = 0; i < prefix.length; i++) {
    if (bytes[at + i] !== prefix.charCodeAt(i)) return false;
  }
  return true;
}

/** First index of the ASCII text `needle` in `bytes` from `from`, or -1. */
export function indexOfAscii(bytes: Uint8Array, needle: string, from = 0): number {
  const first = needle.charCodeAt(0);
  const last = bytes.length - needle.length;
  let at = bytes.indexOf(first, from);
  while (at !== -1 && at <= last) {
    if (startsWithAscii(bytes, needle, at)) return at;
    at = bytes.indexOf(first, at + 1);
  }
  return -1;
}

/** Last index of the byte `byte` in `bytes` before `end`, or -1. */
export function lastIndexOfByte(bytes: Uint8Array, byte: number, end = bytes.length): number {
  for (let i = end - 1; i >= 0; i--) if (bytes[i] === byte) return i;
  return -1;
}

/** Reads `count` ASCII digits at `at` as a number, or -1 when they are not all digits. */
export function readDigits(bytes: Uint8Array, at: number, count: number): number {
  if (at + count > bytes.length) return -1;
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const b = bytes[i];
    if (!isDigit(b)) return -1;
    value = value * 10 + (b! - DIGIT_0);
  }
  return value;
}

/**
 * The bytes as ISO 8859-1 text: one character per byte, so indexes in the text are offsets in the bytes and
 * `latin1Bytes` gives the same bytes back (the WHATWG "latin1" label is windows-1252, which maps 0x80-0x9F
 * elsewhere).
 */
export function decodeLatin1(bytes: Uint8Array): string {
  let text = "";
  for (let at = 0; at < bytes.length; at += 8192)
    text += String.fromCharCode.apply(null, bytes.subarray(at, at + 8192) as unknown as number[]);
  return text;
}

/** Text made of `decodeLatin1` output → its bytes. */
export function latin1Bytes(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/**
 * How many sessions a reader keeps its own state for. Past it the one started longest ago is forgotten, so a log
 * of endless sessions that never close cannot grow a reader's memory (the log layer has ended that session long
 * before: it keeps 1024 open).
 */
export const MAX_READER_SESSIONS = 4096;

/** `map.set(key, value)`, forgetting the oldest entry first when the map is full. */
export function setBounded<K, V>(map: Map<K, V>, key: K, value: V, max = MAX_READER_SESSIONS): void {
  if (!map.has(key) && map.size >= max) map.delete(map.keys().next().value as K);
  map.set(key, value);
}

/**
 * Whether `bytes[at..]` starts a reply line: a code the parser would open a reply with (`openingCode`, RFC 959
 * §4.2), then a space, a hyphen, or the end.
 */
export function startsWithReplyCode(bytes: Uint8Array, at = 0): boolean {
  const head = latin1.decode(bytes.subarray(at, at + 4));
  if (openingCode(head) === -1) return false;
  return head.length === 3 || head.charCodeAt(3) === SPACE || head.charCodeAt(3) === 0x2d;
}

/** Up to `max` characters of a line for messages (bytes shown 1:1, so never throws). */
export function excerpt(bytes: Uint8Array, max = 80): string {
  const text = latin1.decode(bytes.subarray(0, max));
  return bytes.length > max ? `${text}…` : text;
}

const SECRETS: readonly [RegExp, string][] = [
  // ftp://user:password@host
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:)[^/\s@]*@/gi, "$1<hidden>@"],
  // PASS secret (a command line anywhere in the text), Pure-FTPd's `Command [pass] [secret]`
  [/(\bPASS )[^"'\s]+/g, "$1<hidden>"],
  [/(\[pass\] \[)[^\]]+/gi, "$1<hidden>"],
  // vsftpd's `anon password "x"`, `password=x`, `password: x`
  [/(\bpassword(?: ?[:=] ?| "))[^"'\s]+/gi, "$1<hidden>"],
];

/**
 * Masks what looks like a secret in text taken from a log for a message: credentials in URLs, a PASS argument,
 * a `password "…"`. Used for every excerpt and problem message unless passwords are to be shown.
 */
export function maskSecrets(text: string): string {
  let out = text;
  for (const [pattern, replacement] of SECRETS) out = out.replace(pattern, replacement);
  return out;
}

/** The seconds since the Unix epoch of a UTC date (month 0–11). */
export function utcSeconds(
  year: number,
  month: number,
  day: number,
  h: number,
  m: number,
  s: number,
): number {
  return Date.UTC(year, month, day, h, m, s) / 1000;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** `Nov` → 10; -1 when not a month abbreviation. */
export function monthIndex(bytes: Uint8Array, at: number): number {
  for (let m = 0; m < 12; m++) if (startsWithAscii(bytes, MONTHS[m]!, at)) return m;
  return -1;
}

/** `HH:MM:SS` at `at` → seconds since midnight, or -1. */
export function readClock(bytes: Uint8Array, at: number): number {
  const h = readDigits(bytes, at, 2);
  const m = readDigits(bytes, at + 3, 2);
  const s = readDigits(bytes, at + 6, 2);
  if (h < 0 || m < 0 || s < 0 || bytes[at + 2] !== 0x3a || bytes[at + 5] !== 0x3a) return -1;
  return h * 3600 + m * 60 + s;
}

export interface LineSplitterOptions {
  /** Longest line kept, in bytes; longer lines are cut (and reported). Default 1 MiB. */
  maxLineLength?: number;
}

export interface LogLineSplitter {
  feed(chunk: Uint8Array): void;
  /** Delivers an unterminated last line, and returns the number of the last line. */
  end(): number;
}

export const DEFAULT_MAX_LOG_LINE_LENGTH = 1024 * 1024;

/**
 * A log's lines (LF or CR LF), numbered from 1, as bytes, whatever the chunking: the control connection's own
 * `LineSplitter` (one line splitter in the project) without decoding or Telnet. A line longer than the limit keeps
 * only its first bytes (`cut`), so memory stays bounded by the limit whatever the input. A line inside the chunk
 * fed is a view of it; one joined across chunks is a copy.
 */
export function createLineSplitter(
  onLine: (line: Uint8Array, lineNumber: number, cut: boolean, terminated: boolean) => void,
  options: LineSplitterOptions = {},
): LogLineSplitter {
  const max = options.maxLineLength ?? DEFAULT_MAX_LOG_LINE_LENGTH;
  let lineNumber = 0;
  let chunk: Uint8Array = new Uint8Array(0);
  // The splitter's views of its own buffer are valid during the call only: readers may keep a line.
  const owned = (bytes: Uint8Array): Uint8Array => (bytes.buffer === chunk.buffer ? bytes : bytes.slice());
  const splitter = new LineSplitter(
    {
      line(_text, _offset, byteLength, ending, bytes) {
        const content = bytes!.subarray(0, byteLength - ENDING_TEXT[ending]!.length);
        onLine(owned(content), ++lineNumber, false, true);
      },
      longLine() {},
      cutLine(_head, _offset, _byteLength, headBytes) {
        onLine(headBytes.slice(), ++lineNumber, true, true);
      },
      telnet() {},
      end(_offset, partial, cut) {
        if (partial.length > 0 || cut) onLine(partial, ++lineNumber, cut, false);
      },
    },
    { encoding: "latin1", telnet: false, decode: false, maxLineLength: max, keepOfLongLine: max },
  );
  return {
    feed(bytes) {
      chunk = bytes;
      splitter.feed(bytes);
    },
    end() {
      splitter.end();
      return lineNumber;
    },
  };
}
