/**
 * RFC 959 §4.2, the rules themselves, written once: which line opens a reply, which closes a multi-line one, and
 * what a reply's message is. The reply parser frames the stream with them; the decoders read a reply given as a
 * string with them.
 */
import { DIGIT_0, DIGIT_1, DIGIT_6, DIGIT_9, HYPHEN, SPACE } from "../lines/bytes.js";

function isDigit(c: number): boolean {
  return c >= DIGIT_0 && c <= DIGIT_9;
}

/** The code of a line that may open a reply — `ddd` with the first digit 1–6, not followed by a fourth digit — or -1. */
export function openingCode(line: string): number {
  const d0 = line.charCodeAt(0);
  const d1 = line.charCodeAt(1);
  const d2 = line.charCodeAt(2);
  if (!(d0 >= DIGIT_1 && d0 <= DIGIT_6) || !isDigit(d1) || !isDigit(d2)) return -1;
  if (line.length > 3 && isDigit(line.charCodeAt(3))) return -1;
  return (d0 - DIGIT_0) * 100 + (d1 - DIGIT_0) * 10 + (d2 - DIGIT_0);
}

/** The fourth character of a line that has only three: `closesWith`'s `fourth` for a line that ends there. */
export const LINE_END = -1;

/** RFC 959 §4.2: the line closes the multi-line reply `code` — the same three digits, then a space or nothing. */
export function closes(line: string, code: number): boolean {
  return closesWith(
    line.charCodeAt(0),
    line.charCodeAt(1),
    line.charCodeAt(2),
    line.length === 3 ? LINE_END : line.charCodeAt(3),
    code,
  );
}

/**
 * `closes` on a line's first four characters (`fourth`: `LINE_END` when the line has three), for a reader that
 * has the line's bytes and not yet its text.
 */
export function closesWith(c0: number, c1: number, c2: number, fourth: number, code: number): boolean {
  return (
    c0 === DIGIT_0 + ((code / 100) | 0) &&
    c1 === DIGIT_0 + (((code / 10) | 0) % 10) &&
    c2 === DIGIT_0 + (code % 10) &&
    (fourth === LINE_END || fourth === SPACE)
  );
}

/** An inner line's part of the message: without the reply's own `ddd-` prefix (`prefix` is the code as text). */
export function innerLineText(line: string, prefix: string): string {
  // Only `ddd-` can repeat the reply's own code here: an inner line `ddd ` would have closed the reply.
  return line.charCodeAt(3) === HYPHEN && line.startsWith(prefix) ? line.slice(4) : line;
}

/**
 * The message part of inner lines joined by "\n" (`text` starts inside the first inner line's text): each line that
 * begins with the reply's own `ddd-` loses it, as `innerLineText` does line by line.
 */
export function withoutInnerPrefixes(text: string, code: number): string {
  return text.replaceAll(`\n${code}-`, "\n");
}

/** RFC 959 §4.2: the message is the lines with the code prefix removed where the reply's own code repeats. */
export function replyText(lines: readonly string[], code: number): string {
  const prefix = String(code);
  const parts: string[] = new Array(lines.length);
  parts[0] = lines[0]!.slice(4);
  const lastIndex = lines.length - 1;
  for (let i = 1; i < lastIndex; i++) parts[i] = innerLineText(lines[i]!, prefix);
  const last = lines[lastIndex]!;
  parts[lastIndex] = last.length > 4 ? last.slice(4) : "";
  return parts.join("\n");
}
