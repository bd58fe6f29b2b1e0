/**
 * 215 NAME system type (RFC 959 §4.2.2, §5.3.1 SYST): `NAME` is a system name from the Assigned Numbers list
 * (`UNIX`, `Windows_NT`, `MVS`, `OS/400` …), often followed by more words (`UNIX Type: L8`).
 */
import { isBlank, LF, type ReplyInput, readMessage, skipBlanks, syntaxError, trimmedEnd } from "./message.js";

/** The system a 215 reply names. */
export interface SystemType {
  /** The first word, as sent (`UNIX`, `Windows_NT`, `OS/400`); compare it case-insensitively. */
  readonly name: string;
  /** The rest of the message after the name and its blanks (`Type: L8`), or `""`. */
  readonly details: string;
}

const DECODER = "parseSystemType";
const CODES = [215];

/**
 * Decodes a 215 reply (or its message text) to `{ name, details }`. Throws `ReplySyntaxError`
 * (`unexpected-code`, `missing-value` for an empty message).
 */
export function parseSystemType(input: ReplyInput): SystemType {
  const message = readMessage(input, DECODER, CODES);
  const text = message.text;
  const start = skipBlanks(text, 0);
  const end = trimmedEnd(text, start);
  if (start === end) throw syntaxError(message, "missing-value", "no system name", 0);
  let nameEnd = start;
  while (nameEnd < end) {
    const c = text.charCodeAt(nameEnd);
    if (isBlank(c) || c === LF) break;
    nameEnd++;
  }
  return { name: text.slice(start, nameEnd), details: text.slice(skipBlanks(text, nameEnd), end) };
}
