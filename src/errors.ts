import { brandError, errorBrand } from "./brand.js";
import type { Problem } from "./problem.js";
import type { Reply } from "./reply/reply.js";

/**
 * Every way the reply stream can be wrong, as a stable string. The parser reports each through `onError`
 * (or `onWarning` for the diagnostics marked so) and goes on: nothing parsed before is lost.
 *
 * - `line-too-long`   a line grew past `maxLineLength`; the rest of it (and of its reply) is skipped.
 * - `reply-too-long`  a reply grew past `maxReplySize`; the rest of it is skipped up to its closing line.
 * - `unexpected-line` a line outside any reply that does not start with a reply code (a banner without a
 *                     code, a blank line, `1234 …`); it is skipped.
 * - `truncated`       the stream ended inside a line or a multi-line reply (reported by `end()`).
 * - `missing-space`   warning: a line outside a reply starts `nnnX…` (no space or hyphen after the code); it
 *                     is taken as a single-line reply.
 * - `mismatched-close` warning: with `closeOnAnyCode`, a multi-line reply was closed by a line with another
 *                     code (glftpd sends `553-` … `150 …`).
 */
export type ReplyParseErrorType =
  | "line-too-long"
  | "reply-too-long"
  | "unexpected-line"
  | "truncated"
  | "missing-space"
  | "mismatched-close";

export interface ReplyParseErrorInit {
  /** Byte offset in the stream of the start of the offending line or reply. */
  offset: number;
  /** Up to 80 characters of the offending bytes, for messages. */
  excerpt?: string;
  /** The reply code the error belongs to, when one is known. */
  code?: number;
  /** For `truncated`: the unfinished bytes, so that nothing is dropped silently. */
  raw?: Uint8Array;
}

/** V8's (Node, Deno, Chromium) error settings; other engines have neither, and are left alone. */
const V8Error = Error as ErrorConstructor & {
  stackTraceLimit?: number;
  captureStackTrace?(target: object, constructorOpt?: (...args: never) => unknown): void;
};

/**
 * Stream errors are made without a stack trace: they describe bytes, not code (a trace would only show the
 * parser's own frames), and capturing one cost five times what parsing the line did — a stream of nothing but
 * bad lines was read at a sixth of the speed. Call before `super()`, and give the result to `resumeStackTraces`.
 */
export function pauseStackTraces(): number | undefined {
  const limit = V8Error.stackTraceLimit;
  if (limit !== undefined) V8Error.stackTraceLimit = 0;
  return limit;
}

export function resumeStackTraces(limit: number | undefined): void {
  if (limit !== undefined) V8Error.stackTraceLimit = limit;
}

/** Gives an error about to be thrown to the caller the stack of that call (where V8 can), above `caller`. */
export function traceFromCaller(error: Error, caller: (...args: never) => unknown): void {
  V8Error.captureStackTrace?.(error, caller);
}

/**
 * A problem found in one direction of a control connection, as an error: the shared `Problem` shape (a stable
 * `type`, the `layer` that found it, the byte `offset` in the whole stream, an `excerpt`). The one class the
 * one-shot functions (`parseReplies`, `parseCommands`) throw; `ReplyParseError` and `CommandParseError` are its
 * two kinds. Made without a stack trace (see `pauseStackTraces`).
 */
export class ParseError extends Error implements Problem {
  readonly layer: "reply" | "command";
  readonly type: string;
  readonly offset: number;
  readonly excerpt: string;
  readonly code: number | undefined;

  constructor(
    layer: "reply" | "command",
    type: string,
    message: string,
    offset: number,
    excerpt: string | undefined,
    code: number | undefined,
  ) {
    const limit = pauseStackTraces();
    super(`${message} at byte ${offset}${excerpt === undefined ? "" : `: ${JSON.stringify(excerpt)}`}`);
    resumeStackTraces(limit);
    this.layer = layer;
    this.type = type;
    this.offset = offset;
    this.excerpt = excerpt ?? "";
    this.code = code;
  }
}

/** True for a `ReplyParseError` or a `CommandParseError` of any copy of this library (a brand check). */
export function isParseError(value: unknown): value is ParseError {
  const brand = errorBrand(value);
  return brand === "ReplyParseError" || brand === "CommandParseError";
}

/** A typed error of the reply stream: `type` is stable, `offset` is the byte offset in the whole stream. */
export class ReplyParseError extends ParseError {
  override readonly name = "ReplyParseError";
  declare readonly layer: "reply";
  declare readonly type: ReplyParseErrorType;
  readonly raw: Uint8Array | undefined;
  /**
   * Only on the error `parseReplies` throws: the replies parsed before it (set there, absent on the errors given
   * to `onError`).
   */
  declare readonly replies?: readonly Reply[] | undefined;

  constructor(type: ReplyParseErrorType, message: string, init: ReplyParseErrorInit) {
    super("reply", type, message, init.offset, init.excerpt, init.code);
    this.raw = init.raw;
    brandError(this, "ReplyParseError");
  }
}

/**
 * True for a `ReplyParseError` from any copy of this library (its ESM and CJS builds, another version, another
 * realm): a brand check, where `instanceof` would fail across copies.
 */
export function isReplyParseError(value: unknown): value is ReplyParseError {
  return errorBrand(value) === "ReplyParseError";
}
