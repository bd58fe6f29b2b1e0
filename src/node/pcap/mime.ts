/**
 * The MIME type of a file from its first bytes: a small table of magic numbers with Zeek's MIME names (Zeek's
 * scripts/base/frameworks/files/magic/*.sig), so `mime_type` in our ftp.log and files.log reads as Zeek's would.
 * No libmagic: a prefix (or a fixed offset) per type, then a text test.
 */
import { CR, LF, SPACE } from "../../lines/bytes.js";

/** One magic number: `bytes` at `offset` in the file means `mime`. */
export interface MagicNumber {
  readonly mime: string;
  readonly offset: number;
  readonly bytes: readonly number[];
}

const ascii = (text: string): number[] => Array.from(text, (c) => c.charCodeAt(0));

/**
 * Magic numbers, most specific first (the first match wins). Names as Zeek's signatures give them: gzip is
 * `application/x-gzip` (archive.sig), ELF `application/x-executable` (executable.sig).
 */
export const MAGIC_NUMBERS: readonly MagicNumber[] = [
  { mime: "image/png", offset: 0, bytes: [0x89, ...ascii("PNG\r\n"), 0x1a, 0x0a] },
  { mime: "image/jpeg", offset: 0, bytes: [0xff, 0xd8, 0xff] },
  { mime: "image/gif", offset: 0, bytes: ascii("GIF8") },
  { mime: "image/tiff", offset: 0, bytes: [0x4d, 0x4d, 0x00, 0x2a] },
  { mime: "image/tiff", offset: 0, bytes: [0x49, 0x49, 0x2a, 0x00] },
  { mime: "image/bmp", offset: 0, bytes: ascii("BM") },
  { mime: "application/pdf", offset: 0, bytes: ascii("%PDF-") },
  { mime: "application/x-gzip", offset: 0, bytes: [0x1f, 0x8b] },
  { mime: "application/x-bzip2", offset: 0, bytes: ascii("BZh") },
  { mime: "application/x-xz", offset: 0, bytes: [0xfd, ...ascii("7zXZ"), 0x00] },
  { mime: "application/x-7z-compressed", offset: 0, bytes: [...ascii("7z"), 0xbc, 0xaf, 0x27, 0x1c] },
  { mime: "application/zip", offset: 0, bytes: [...ascii("PK"), 0x03, 0x04] },
  { mime: "application/x-rar", offset: 0, bytes: ascii("Rar!\x1a\x07") },
  { mime: "application/x-tar", offset: 257, bytes: ascii("ustar") },
  { mime: "application/x-executable", offset: 0, bytes: [0x7f, ...ascii("ELF")] },
  { mime: "application/x-dosexec", offset: 0, bytes: ascii("MZ") },
  { mime: "application/xml", offset: 0, bytes: ascii("<?xml ") },
  { mime: "text/html", offset: 0, bytes: ascii("<!DOCTYPE html") },
  { mime: "text/html", offset: 0, bytes: ascii("<html") },
];

/** Bytes of a file's beginning the sniffer looks at (the tar magic ends at 262). */
export const MIME_SNIFF_LENGTH = 512;
/** Zeek's plain-text signature wants 10 text characters before it says `text/plain`. */
const MIN_TEXT_LENGTH = 10;
const TAB = 0x09;
const TILDE = 0x7e;

function matches(bytes: Uint8Array, magic: MagicNumber): boolean {
  if (bytes.length < magic.offset + magic.bytes.length) return false;
  for (let i = 0; i < magic.bytes.length; i++) {
    if (bytes[magic.offset + i] !== magic.bytes[i]) return false;
  }
  return true;
}

/** Printable ASCII or white space (Zeek's `[[:space:]\x20-\x7E]`), or a byte of a UTF-8 sequence. */
function isTextByte(byte: number): boolean {
  return (byte >= SPACE && byte <= TILDE) || byte === TAB || (byte >= LF && byte <= CR) || byte >= 0x80;
}

/** True when the first bytes read as text: at least 10, no NUL nor other C0 control but TAB, LF, VT, FF, CR. */
function looksLikeText(bytes: Uint8Array): boolean {
  if (bytes.length < MIN_TEXT_LENGTH) return false;
  let ascii = 0;
  for (const byte of bytes) {
    if (!isTextByte(byte) || byte === 0x7f) return false;
    if (byte < 0x80) ascii++;
  }
  // Mostly high bytes is binary more often than it is text in a non-Latin script without a BOM.
  return ascii * 2 >= bytes.length || (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf);
}

/**
 * The MIME type of a file from its first bytes (up to `MIME_SNIFF_LENGTH`), or undefined when nothing in the
 * table matches and the bytes are not text (or too few to tell).
 */
export function sniffMimeType(firstBytes: Uint8Array): string | undefined {
  for (const magic of MAGIC_NUMBERS) if (matches(firstBytes, magic)) return magic.mime;
  return looksLikeText(firstBytes.subarray(0, MIME_SNIFF_LENGTH)) ? "text/plain" : undefined;
}
