/**
 * Small byte helpers the readers share: ASCII comparisons on a line's bytes without decoding it, and a
 * streaming line splitter with a bounded line length.
 */

import { ByteBuffer } from "../../lines/bytes.js";

const LF = 0x0a;
export const CR = 0x0d;
export const SPACE = 0x20;
export const QUOTE = 0x22;
export const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

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

/** Whether `bytes[at..]` starts with a reply code: three digits then a space, a hyphen, or the end. */
export function startsWithReplyCode(bytes: Uint8Array, at = 0): boolean {
  if (readDigits(bytes, at, 3) === -1) return false;
  const next = bytes[at + 3];
  return next === undefined || next === SPACE || next === 0x2d;
}

const latin1 = new TextDecoder("latin1");

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

export interface LineSplitter {
  feed(chunk: Uint8Array): void;
  /** Delivers an unterminated last line, and returns the number of the last line. */
  end(): number;
}

export const DEFAULT_MAX_LOG_LINE_LENGTH = 1024 * 1024;

/**
 * Splits a byte stream into lines (LF or CR LF) with `indexOf`, whatever the chunking. A line cut across chunks
 * is kept as copied parts joined once; a line longer than the limit keeps only its first bytes, so memory stays
 * bounded by the limit whatever the input.
 */
export function createLineSplitter(
  onLine: (line: Uint8Array, lineNumber: number, cut: boolean, terminated: boolean) => void,
  options: LineSplitterOptions = {},
): LineSplitter {
  const max = options.maxLineLength ?? DEFAULT_MAX_LOG_LINE_LENGTH;
  // The start of an unfinished line, in one buffer: a piece per chunk cost some 200 bytes of typed array each (a
  // line fed 3 bytes at a time held 70 MB for its 1 MiB).
  let held = new ByteBuffer();
  let cut = false;
  let lineNumber = 0;

  const finish = (last: Uint8Array | undefined, terminated: boolean): void => {
    let line: Uint8Array;
    if (held.length === 0) line = last ?? new Uint8Array(0);
    else {
      if (last !== undefined) held.push(last);
      line = held.concat();
    }
    let end = line.length;
    if (terminated && end > 0 && line[end - 1] === CR) end--;
    lineNumber++;
    const wasCut = cut;
    if (held.length > 0) held = new ByteBuffer();
    cut = false;
    onLine(end === line.length ? line : line.subarray(0, end), lineNumber, wasCut, terminated);
  };

  const keep = (bytes: Uint8Array, start: number, end: number): Uint8Array | undefined => {
    const room = max - held.length;
    if (room <= 0) {
      if (end > start) cut = true;
      return undefined;
    }
    const keepEnd = end - start > room ? start + room : end;
    if (keepEnd < end) cut = true;
    return bytes.subarray(start, keepEnd);
  };

  return {
    feed(chunk) {
      let start = 0;
      while (start < chunk.length) {
        const lf = chunk.indexOf(LF, start);
        if (lf === -1) {
          const part = keep(chunk, start, chunk.length);
          // Copied (the caller may reuse its buffer).
          if (part !== undefined) held.push(part);
          return;
        }
        finish(keep(chunk, start, lf), true);
        start = lf + 1;
      }
    },
    end() {
      if (held.length > 0 || cut) finish(undefined, false);
      return lineNumber;
    },
  };
}
