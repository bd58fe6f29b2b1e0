/**
 * The two typed errors every decoder throws, and nothing else: a `SyntaxError` subclass when the text is not the
 * reply the decoder reads, a `RangeError` subclass when it is, but a value in it is out of range. The decoders of
 * command arguments (PORT, EPRT, LPRT in port.ts) throw the same two, with no reply code.
 *
 * The text comes from a server, so it can be megabytes long: messages quote a short window of it around the
 * problem, JSON-escaped (control characters and quotes cannot break a log line).
 */

import { brandError, errorBrand } from "../brand.js";

/**
 * Why the text could not be read.
 * - `unexpected-code`      the reply's code is not one this decoder reads (`parsePathname` on a `250`).
 * - `missing-value`        the value is not in the text at all (no six numbers in a 227, no quote in a 257).
 * - `malformed-value`      the value is there but broken (an unterminated quote, seven numbers, 15-digit time).
 * - `forbidden-character`  a pathname holds CR, LF or NUL (or, for `parsePathnameBytes`, a 0xFF byte: IAC when
 *                          sent back).
 */
export type ReplySyntaxErrorType =
  | "unexpected-code"
  | "missing-value"
  | "malformed-value"
  | "forbidden-character";

/**
 * Which value was out of range.
 * - `octet-out-of-range`   an address or port byte above 255.
 * - `port-out-of-range`    a port of 0 or above 65535.
 * - `number-out-of-range`  a size above `Number.MAX_SAFE_INTEGER`.
 * - `date-out-of-range`    an impossible date or time (month 13, 31 April, 24:00 …).
 * - `unsupported-address`  an LPSV/LPRT address family or length other than IPv4 (4,4) / IPv6 (6,16) with a 2-byte
 *                          port, or an EPRT address family other than 1 (IPv4) / 2 (IPv6).
 * - `invalid-option`       `resolvePassiveTarget` was given an unknown policy or an empty control host.
 */
export type ReplyRangeErrorType =
  | "octet-out-of-range"
  | "port-out-of-range"
  | "number-out-of-range"
  | "date-out-of-range"
  | "unsupported-address"
  | "invalid-option";

/** What both decoder errors carry besides the message. */
export interface ReplyDecodeErrorInit {
  /** The decoder that threw, e.g. `"parsePasv"`. */
  decoder: string;
  /** The reply code, when the input had one (never for a command argument). */
  code: number | undefined;
  /**
   * Where the problem is: an index (UTF-16 code units) into the reply's message text — `reply.text`, or the
   * string given with its code prefix removed — or into the command argument given. For `parsePathnameBytes` on a
   * `Reply`, a byte offset into `reply.raw`.
   */
  offset: number;
  /** A short window of the text around `offset` (at most ~64 characters, `…` marks a cut). */
  excerpt: string;
}

const EXCERPT_BEFORE = 16;
const EXCERPT_LENGTH = 64;

/** Up to 64 characters of `text` around `offset`, with `…` where it was cut. Never copies more than that. */
export function excerptAround(text: string, offset: number): string {
  const start = Math.max(0, Math.min(offset, text.length) - EXCERPT_BEFORE);
  const end = Math.min(text.length, start + EXCERPT_LENGTH);
  return `${start > 0 ? "…" : ""}${text.slice(start, end)}${end < text.length ? "…" : ""}`;
}

function messageOf(what: string, init: ReplyDecodeErrorInit): string {
  return `${init.decoder}: ${what} at ${init.offset}: ${JSON.stringify(init.excerpt)}`;
}

/** The text is not the reply this decoder reads. `type` is stable; `message` quotes the offending text. */
export class ReplySyntaxError extends SyntaxError {
  override readonly name = "ReplySyntaxError";
  readonly type: ReplySyntaxErrorType;
  readonly decoder: string;
  readonly code: number | undefined;
  readonly offset: number;
  readonly excerpt: string;

  constructor(type: ReplySyntaxErrorType, what: string, init: ReplyDecodeErrorInit) {
    super(messageOf(what, init));
    this.type = type;
    this.decoder = init.decoder;
    this.code = init.code;
    this.offset = init.offset;
    this.excerpt = init.excerpt;
    brandError(this, "ReplySyntaxError");
  }
}

/** A value in the reply is out of range (never masked). `type` is stable; `message` quotes the offending text. */
export class ReplyRangeError extends RangeError {
  override readonly name = "ReplyRangeError";
  readonly type: ReplyRangeErrorType;
  readonly decoder: string;
  readonly code: number | undefined;
  readonly offset: number;
  readonly excerpt: string;

  constructor(type: ReplyRangeErrorType, what: string, init: ReplyDecodeErrorInit) {
    super(messageOf(what, init));
    this.type = type;
    this.decoder = init.decoder;
    this.code = init.code;
    this.offset = init.offset;
    this.excerpt = init.excerpt;
    brandError(this, "ReplyRangeError");
  }
}

/** Either decoder error. */
export type ReplyDecodeError = ReplySyntaxError | ReplyRangeError;

/**
 * True for the errors the decoders throw, from any copy of this library (its ESM and CJS builds, another version,
 * another realm): a brand check, where `instanceof` would fail across copies.
 */
export function isReplyDecodeError(value: unknown): value is ReplyDecodeError {
  const brand = errorBrand(value);
  return brand === "ReplySyntaxError" || brand === "ReplyRangeError";
}

/** True for a `ReplySyntaxError` from any copy of this library (a brand check, not `instanceof`). */
export function isReplySyntaxError(value: unknown): value is ReplySyntaxError {
  return errorBrand(value) === "ReplySyntaxError";
}

/** True for a `ReplyRangeError` from any copy of this library (a brand check, not `instanceof`). */
export function isReplyRangeError(value: unknown): value is ReplyRangeError {
  return errorBrand(value) === "ReplyRangeError";
}
