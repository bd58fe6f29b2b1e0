/**
 * What every decoder starts from: the reply's code and message text, from a `Reply` or from a string.
 *
 * A string that starts with a three-digit code followed by a space or hyphen (or that is only the code) is a
 * whole reply: its code is checked and its message is taken the way the parser builds `reply.text` (RFC 959
 * §4.2: the code prefix removed from the first and the last line, and from inner lines that repeat the reply's
 * own code). Any other string is the message alone.
 */
import { CR, DIGIT_0, DIGIT_9, HYPHEN, LF, SPACE } from "../lines/bytes.js";
import { closes, innerLineText, openingCode, replyText } from "../reply/grammar.js";
import type { Reply } from "../reply/reply.js";
import {
  excerptAround,
  ReplyRangeError,
  type ReplyRangeErrorType,
  ReplySyntaxError,
  type ReplySyntaxErrorType,
} from "./errors.js";

const TAB = 0x09;

export { CR, DIGIT_0, HYPHEN, LF };
export const QUOTE = 0x22;
export const RIGHT_PAREN = 0x29;
export const PLUS = 0x2b;
export const COMMA = 0x2c;
export const FULL_STOP = 0x2e;
export const EQUALS = 0x3d;
/** RFC 2428 §3: an EPSV delimiter is one of the printable characters 33–126. */
export const EXCLAMATION = 0x21;
export const TILDE = 0x7e;

export function isDigit(c: number): boolean {
  return c >= DIGIT_0 && c <= DIGIT_9;
}

/** Space or tab: the blanks servers put between fields. */
export function isBlank(c: number): boolean {
  return c === SPACE || c === TAB;
}

/** A reply's code and message, ready to decode. */
export interface ReplyMessage {
  readonly decoder: string;
  /** The reply code, or undefined for a message given alone. */
  readonly code: number | undefined;
  /** The message: `reply.text`, or the string with its code prefix removed. */
  readonly text: string;
  /** True for a multi-line reply (`nnn-` … `nnn `), or a message alone of more than one line. */
  readonly multiline: boolean;
}

/** The input every decoder accepts. */
export type ReplyInput = Reply | string;

/** Splits at LF, dropping the CR of a CR LF and the empty line after a final terminator. */
function splitLines(input: string): string[] {
  const lines: string[] = [];
  let start = 0;
  while (start < input.length) {
    let end = input.indexOf("\n", start);
    const next = end === -1 ? input.length : end + 1;
    if (end === -1) end = input.length;
    else if (end > start && input.charCodeAt(end - 1) === CR) end--;
    lines.push(input.slice(start, end));
    start = next;
  }
  if (lines.length === 0) lines.push("");
  return lines;
}

function messageOfString(input: string, decoder: string): ReplyMessage {
  const code = openingCode(input);
  const lines = splitLines(input);
  if (code === -1 || (input.length > 3 && !isReplySeparator(input.charCodeAt(3)))) {
    return { decoder, code: undefined, text: lines.join("\n"), multiline: lines.length > 1 };
  }
  // RFC 959 §4.2 read by the parser's own rules.
  const multiline = input.charCodeAt(3) === HYPHEN;
  const last = lines.length - 1;
  if (multiline && last > 0 && closes(lines[last]!, code)) {
    return { decoder, code, text: replyText(lines, code), multiline };
  }
  // A single-line reply (a message given with LFs of its own keeps them), or a multi-line one given without
  // its closing line: every line after the first is an inner line.
  const prefix = String(code);
  const text = lines
    .map((line, i) =>
      i === 0 ? line.slice(firstTextAt(line)) : multiline ? innerLineText(line, prefix) : line,
    )
    .join("\n");
  return { decoder, code, text, multiline };
}

/** Where the message starts on a reply's first line: after `ddd ` or `ddd-`; a CR or LF after the code stays. */
function firstTextAt(line: string): number {
  const c = line.charCodeAt(3);
  return c === SPACE || c === HYPHEN ? 4 : 3;
}

/** What may follow a reply's code on its first line (RFC 959 §4.2), or the line's end. */
function isReplySeparator(c: number): boolean {
  return c === SPACE || c === HYPHEN || c === CR || c === LF;
}

/**
 * The message of `input`, after checking that its code (when it has one) is one of `codes`.
 * Throws `ReplySyntaxError` `unexpected-code` otherwise.
 */
export function readMessage(input: ReplyInput, decoder: string, codes: readonly number[]): ReplyMessage {
  let message: ReplyMessage;
  if (typeof input === "string") {
    message = messageOfString(input, decoder);
  } else if (
    typeof input === "object" &&
    input !== null &&
    typeof input.code === "number" &&
    typeof input.text === "string"
  ) {
    message = { decoder, code: input.code, text: input.text, multiline: input.multiline === true };
  } else {
    throw new ReplySyntaxError("malformed-value", "expected a Reply or a string", {
      decoder,
      code: undefined,
      offset: 0,
      excerpt: "",
    });
  }
  if (message.code !== undefined && !codes.includes(message.code)) {
    throw new ReplySyntaxError("unexpected-code", `reply code ${message.code} is not ${codes.join(" or ")}`, {
      decoder,
      code: message.code,
      offset: 0,
      excerpt: excerptAround(message.text, 0),
    });
  }
  return message;
}

/** A `ReplySyntaxError` about `message.text` at `offset`. */
export function syntaxError(
  message: ReplyMessage,
  type: ReplySyntaxErrorType,
  what: string,
  offset: number,
): ReplySyntaxError {
  return new ReplySyntaxError(type, what, {
    decoder: message.decoder,
    code: message.code,
    offset,
    excerpt: excerptAround(message.text, offset),
  });
}

/** A `ReplyRangeError` about `message.text` at `offset`. */
export function rangeError(
  message: ReplyMessage,
  type: ReplyRangeErrorType,
  what: string,
  offset: number,
): ReplyRangeError {
  return new ReplyRangeError(type, what, {
    decoder: message.decoder,
    code: message.code,
    offset,
    excerpt: excerptAround(message.text, offset),
  });
}

/** The index after the blanks (spaces, tabs) from `from`. */
export function skipBlanks(text: string, from: number): number {
  let i = from;
  while (i < text.length && isBlank(text.charCodeAt(i))) i++;
  return i;
}

/** The index of the end of `text` once trailing blanks are dropped (never before `from`). */
export function trimmedEnd(text: string, from: number): number {
  let end = text.length;
  while (end > from && isBlank(text.charCodeAt(end - 1))) end--;
  return end;
}
