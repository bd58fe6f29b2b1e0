/**
 * 229 Entering Extended Passive Mode (RFC 2428 §3): `(<d><d><d><tcp-port><d>)`.
 *
 * The delimiter `<d>` is any printable character 33–126 (§2; IBM i and z/OS send `!`), the same four times; the
 * network-protocol and address fields must be empty (EPSV names only a port, the host is the control
 * connection's peer). Text after the `)` is allowed (Serv-U adds a `.`). A digit is refused as the delimiter:
 * it would run into the port.
 */
import {
  DIGIT_0,
  EXCLAMATION,
  isDigit,
  type ReplyInput,
  RIGHT_PAREN,
  rangeError,
  readMessage,
  syntaxError,
  TILDE,
} from "./message.js";

/** The port a 229 reply names. */
export interface EpsvPort {
  /** The TCP port, 1–65535. */
  readonly port: number;
}

const DECODER = "parseEpsv";
const CODES = [229];
const MAX_PORT = 65535;

/**
 * Decodes a 229 reply (or its message text) to `{ port }`.
 * Throws `ReplySyntaxError` (`unexpected-code`, `missing-value`, `malformed-value`) or `ReplyRangeError`
 * (`port-out-of-range`).
 */
export function parseEpsv(input: ReplyInput): EpsvPort {
  const message = readMessage(input, DECODER, CODES);
  const text = message.text;
  let firstParen = -1;
  // Try each `(` in turn. An attempt reads at most 3 delimiters, one digit run and 2 more characters, and a
  // digit run holds no `(`: every character is read a bounded number of times.
  for (let open = text.indexOf("("); open !== -1; open = text.indexOf("(", open + 1)) {
    if (firstParen === -1) firstParen = open;
    const d = text.charCodeAt(open + 1);
    if (!(d >= EXCLAMATION && d <= TILDE) || isDigit(d)) continue;
    if (text.charCodeAt(open + 2) !== d || text.charCodeAt(open + 3) !== d) continue;
    let i = open + 4;
    let port = 0;
    while (i < text.length && isDigit(text.charCodeAt(i))) {
      if (port <= MAX_PORT) port = port * 10 + (text.charCodeAt(i) - DIGIT_0);
      i++;
    }
    if (i === open + 4 || text.charCodeAt(i) !== d || text.charCodeAt(i + 1) !== RIGHT_PAREN) continue;
    if (port === 0 || port > MAX_PORT) {
      throw rangeError(message, "port-out-of-range", "port is not 1-65535", open + 4);
    }
    return { port };
  }
  if (firstParen === -1) {
    throw syntaxError(message, "missing-value", "no (<d><d><d>port<d>)", 0);
  }
  throw syntaxError(message, "malformed-value", "not (<d><d><d>port<d>) with one delimiter", firstParen);
}
