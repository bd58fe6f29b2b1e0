/**
 * 110 Restart marker reply (RFC 959 §4.2.2): the text is exact, `MARK yyyy = mmmm`, where `yyyy` is the user
 * process's data-stream marker and `mmmm` the server's (note the spaces around `=`).
 */
import {
  EQUALS,
  isBlank,
  type ReplyInput,
  readMessage,
  skipBlanks,
  syntaxError,
  trimmedEnd,
} from "./message.js";

/** The two markers of a 110 reply, as sent. */
export interface RestartMarker {
  /** `yyyy`: the user-process data-stream marker. */
  readonly userMarker: string;
  /** `mmmm`: the server's equivalent marker. */
  readonly serverMarker: string;
}

const DECODER = "parseRestartMarker";
const CODES = [110];

/**
 * Decodes a 110 reply (or its message text) to `{ userMarker, serverMarker }`. `MARK` is matched in any case;
 * blanks around `=` may be one or more (or none). Throws `ReplySyntaxError` (`unexpected-code`, `missing-value`,
 * `malformed-value`).
 */
export function parseRestartMarker(input: ReplyInput): RestartMarker {
  const message = readMessage(input, DECODER, CODES);
  const text = message.text;
  const start = skipBlanks(text, 0);
  const end = trimmedEnd(text, start);
  if (start === end) throw syntaxError(message, "missing-value", "no MARK yyyy = mmmm", 0);
  if (end - start < 4 || text.slice(start, start + 4).toUpperCase() !== "MARK") {
    throw syntaxError(message, "malformed-value", "does not start with MARK", start);
  }
  const userStart = skipBlanks(text, start + 4);
  if (userStart === start + 4)
    throw syntaxError(message, "malformed-value", "no space after MARK", userStart);
  let userEnd = userStart;
  while (userEnd < end && !isBlank(text.charCodeAt(userEnd)) && text.charCodeAt(userEnd) !== EQUALS)
    userEnd++;
  if (userEnd === userStart) throw syntaxError(message, "malformed-value", "no user marker", userStart);
  const equals = skipBlanks(text, userEnd);
  if (text.charCodeAt(equals) !== EQUALS) throw syntaxError(message, "malformed-value", "no '='", equals);
  const serverStart = skipBlanks(text, equals + 1);
  let serverEnd = serverStart;
  while (serverEnd < end && !isBlank(text.charCodeAt(serverEnd))) serverEnd++;
  if (serverEnd === serverStart)
    throw syntaxError(message, "malformed-value", "no server marker", serverStart);
  if (serverEnd !== end) {
    throw syntaxError(message, "malformed-value", "unexpected text after the server marker", serverEnd);
  }
  return { userMarker: text.slice(userStart, userEnd), serverMarker: text.slice(serverStart, serverEnd) };
}
