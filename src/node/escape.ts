/**
 * Output safety: text from the input (reply lines, command lines, diagnostics' excerpts, file names, hosts) must
 * not drive the terminal that shows it. A server in a capture could otherwise clear the screen (`ESC [2J`),
 * retitle the window (`ESC ]0;… BEL`), hide text, or reorder what is shown with bidi overrides (U+202E).
 *
 * The rules, one home for every format:
 * - pretty (and every line the CLI writes to stderr): `escapeText` — C0 controls but TAB (so CR, LF, ESC, BEL …),
 *   DEL and C1 (U+0080–U+009F) become `\xNN`; the bidi controls (U+061C, U+200E/F, U+202A–U+202E,
 *   U+2066–U+2069) become `\uNNNN`. Everything else, Chinese and other printable text included, is unchanged; a
 *   backslash is not doubled (readability: `C:\dir` stays as it is), so an escape in the output is a hint, not a
 *   reversible encoding (use json for that).
 * - json/ndjson: `escapeJson` over `JSON.stringify`'s output — JSON.stringify already escapes C0 (`\u001b`), `"`,
 *   `\` and lone surrogates; DEL, C1, the bidi controls and U+2028/U+2029 become `\uNNNN` too. The result is the
 *   same JSON value, still valid JSON, and has no raw control character.
 * - zeek: `escapeZeekString` (src/records.ts) writes `\xNN` for C0, DEL, backslash and C1 (as their UTF-8 bytes),
 *   the way Zeek escapes non-printable bytes.
 */

import { Buffer } from "node:buffer";

/** What `escapeText` changes: C0 but TAB, DEL, C1, and the bidi controls. */
const UNSAFE_TEXT = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const UNSAFE_TEXT_ALL = new RegExp(UNSAFE_TEXT.source, "g");

/** What `escapeJson` changes in JSON text (C0 is JSON.stringify's job): DEL, C1, bidi, U+2028/U+2029. */
const UNSAFE_JSON_ALL = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

function hex(c: number, digits: number): string {
  return c.toString(16).padStart(digits, "0");
}

function textEscape(char: string): string {
  const c = char.charCodeAt(0);
  return c < 0x100 ? `\\x${hex(c, 2)}` : `\\u${hex(c, 4)}`;
}

function jsonEscape(char: string): string {
  return `\\u${hex(char.charCodeAt(0), 4)}`;
}

/**
 * `text` with every character that could drive a terminal made a visible escape: `\x1b`, `\x07`, `\x0d`,
 * `\x7f`, `\x9b`, `\u202e` … TAB is kept. Text without such characters is returned as it is (no copy).
 */
export function escapeText(text: string): string {
  if (!UNSAFE_TEXT.test(text)) return text;
  return text.replace(UNSAFE_TEXT_ALL, textEscape);
}

/**
 * JSON text (from `JSON.stringify`) with DEL, C1, the bidi controls and U+2028/U+2029 written as `\uNNNN`. Such
 * characters can only stand inside JSON strings (JSON's own syntax is ASCII), where `\uNNNN` means the same
 * character: the value is unchanged.
 */
export function escapeJson(json: string): string {
  // Most records are ASCII, which a UTF-8 length equal to the string's proves (counted natively, several times
  // faster than the expression's scan); then DEL is the only character above that can be in it.
  if (Buffer.byteLength(json, "utf8") === json.length && json.indexOf("\u007f") === -1) return json;
  return json.replace(UNSAFE_JSON_ALL, jsonEscape);
}

/**
 * What makes a string's JSON more than the string between quotes: what `JSON.stringify` escapes (`"`, `\`, C0,
 * lone surrogates; any surrogate is sent the slow way) and what `escapeJson` escapes after it.
 */
const NOT_PLAIN_JSON =
  /["\\\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]/;

/**
 * `escapeJson(JSON.stringify(text))` for one string, as a writer puts it inside a record it builds itself: a string
 * with nothing to escape (most reply lines) is only quoted — several times faster than `JSON.stringify`'s setup
 * for a string of a few dozen characters, which is a server-only capture's ndjson most of its time.
 */
export function jsonString(text: string): string {
  if (!NOT_PLAIN_JSON.test(text)) return `"${text}"`;
  return escapeJson(JSON.stringify(text));
}

/** How much of an argument a message quotes. */
export const MAX_QUOTED_ARGUMENT = 200;

/**
 * An argument (a file name, an option, a value) as a message quotes it: at most 200 characters, then `…` (never
 * half a surrogate pair). A 100 000-character path makes a one-line message, not a 100 KB one. Not escaped: the
 * CLI escapes each whole message it prints (`escapeText`), or use `quoteArgument`.
 */
export function cutArgument(argument: string): string {
  if (argument.length <= MAX_QUOTED_ARGUMENT) return argument;
  const last = argument.charCodeAt(MAX_QUOTED_ARGUMENT - 1);
  const end = last >= 0xd800 && last <= 0xdbff ? MAX_QUOTED_ARGUMENT - 1 : MAX_QUOTED_ARGUMENT;
  return `${argument.slice(0, end)}…`;
}

/** `cutArgument`, escaped: ready to put in a line of output. */
export function quoteArgument(argument: string): string {
  return escapeText(cutArgument(argument));
}
