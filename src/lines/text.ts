/**
 * Byte → text decoding for lines. UTF-8 is the default (RFC 2640 §2.2); any WHATWG encoding label that
 * keeps ASCII bytes as ASCII may be named; `auto` decodes each line as UTF-8 where it is valid UTF-8 and with a
 * fallback encoding (windows-1252 by default) where it is not, for servers that mix encodings.
 */

import { LF } from "./bytes.js";

/** Decodes a complete run of bytes (whole lines) to text. */
export type TextDecodeFunction = (bytes: Uint8Array) => string;

/** Encodings whose bytes are not a superset of ASCII: line framing on bytes would be wrong for them. */
const NOT_ASCII_COMPATIBLE = new Set(["utf-16le", "utf-16be", "replacement"]);

function makeDecoder(label: string, fatal: boolean): TextDecoder {
  let decoder: TextDecoder;
  try {
    // ignoreBOM: a byte-order mark is data here, not a signature: `lines` must be the bytes as sent.
    decoder = new TextDecoder(label, { fatal, ignoreBOM: true });
  } catch {
    throw new RangeError(`unknown text encoding: ${JSON.stringify(label)}`);
  }
  if (NOT_ASCII_COMPATIBLE.has(decoder.encoding)) {
    throw new RangeError(
      `encoding ${JSON.stringify(label)} is not ASCII-compatible; FTP lines cannot be framed in it`,
    );
  }
  return decoder;
}

/**
 * Creates the decoding function for an `encoding` option: `"utf-8"` (default), `"auto"`, or a WHATWG label
 * (`"latin1"`, `"gb18030"`, `"shift_jis"` …). Throws `RangeError` for an unknown or non-ASCII-compatible label.
 */
export function createTextDecoder(encoding = "utf-8", fallbackEncoding = "windows-1252"): TextDecodeFunction {
  if (encoding.toLowerCase() !== "auto") {
    const decoder = makeDecoder(encoding, false);
    return (bytes) => decoder.decode(bytes);
  }
  const strict = makeDecoder("utf-8", true);
  const fallback = makeDecoder(fallbackEncoding, false);
  const decodeLine = (line: Uint8Array): string => {
    try {
      return strict.decode(line);
    } catch {
      return fallback.decode(line);
    }
  };
  return (bytes) => {
    try {
      return strict.decode(bytes);
    } catch {
      // Some line is not UTF-8: decide line by line. Cutting at LF is safe in both encodings (an ASCII byte is
      // never inside a multi-byte UTF-8 sequence, nor a trail byte of an ASCII-compatible single-byte encoding).
      const parts: string[] = [];
      let start = 0;
      while (start < bytes.length) {
        let end = bytes.indexOf(LF, start);
        end = end === -1 ? bytes.length : end + 1;
        parts.push(decodeLine(bytes.subarray(start, end)));
        start = end;
      }
      return parts.join("");
    }
  };
}

const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

/** Up to this many bytes, a range is decoded by the engine's range decoder where there is one (see `decodeUtf8`). */
const SHORT_RANGE = 1024;

type RangeDecoder = (this: Uint8Array, start: number, end: number) => string;

/**
 * Node's and Bun's `Buffer.prototype.utf8Slice`, found at run time (nothing is imported; other runtimes have
 * none), and used only if it decodes as `TextDecoder` does on a check of the cases that differ most often.
 */
function findRangeDecoder(): RangeDecoder | undefined {
  const slice = (globalThis as { Buffer?: { prototype?: { utf8Slice?: unknown } } }).Buffer?.prototype
    ?.utf8Slice;
  if (typeof slice !== "function") return undefined;
  // A BOM, a 3-byte character, a surrogate's encoding, a lone trail byte, 0xFF, a cut 4-byte sequence.
  const probe = Uint8Array.of(
    0x20,
    0xef,
    0xbb,
    0xbf,
    0xe2,
    0x82,
    0xac,
    0xed,
    0xa0,
    0x80,
    0x80,
    0xff,
    0xf0,
    0x9f,
    0x98,
  );
  try {
    const decoder = slice as RangeDecoder;
    return decoder.call(probe, 1, probe.length) === utf8.decode(probe.subarray(1)) ? decoder : undefined;
  } catch {
    return undefined;
  }
}

const rangeDecoder = /* @__PURE__ */ findRangeDecoder();

/**
 * Decodes UTF-8 `bytes[start, end)` exactly as `new TextDecoder("utf-8", { ignoreBOM: true })` does. On a short
 * range the call costs more than the decoding, and the subarray a `TextDecoder` needs about as much again (64-byte
 * chunks: +13–19 % for the whole parser): where the engine has a decoder that takes a range, short ranges go to it.
 * A property test holds the two to the same characters for any bytes.
 */
export function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  if (rangeDecoder !== undefined && end - start <= SHORT_RANGE) return rangeDecoder.call(bytes, start, end);
  return utf8.decode(bytes.subarray(start, end));
}

/** Decodes bytes for an error excerpt: at most `max` characters, never throws. */
export function excerptOf(bytes: Uint8Array, max = 80): string {
  const text = utf8.decode(bytes.subarray(0, max * 4));
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** True for the labels of UTF-8 (the default): the only encoding whose text maps line ends one to one to bytes. */
export function isUtf8Label(encoding: string | undefined): boolean {
  if (encoding === undefined) return true;
  const label = encoding.trim().toLowerCase();
  return label === "utf-8" || label === "utf8" || label === "unicode-1-1-utf-8";
}
