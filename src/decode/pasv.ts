/**
 * 227 Entering Passive Mode (RFC 959 §4.1.2, §4.2.2): `h1,h2,h3,h4,p1,p2`.
 *
 * RFC 1123 §4.1.2.6 warns that the 227 text is not standardized, and servers differ: with or without
 * parentheses, after `=`, with blanks around the commas, with a trailing `.`, after any words. So the decoder
 * takes the first run of six comma-separated numbers anywhere in the message (the first number must not have a
 * digit or a sign right before it), and insists that each is a byte: out-of-range values are an error, never
 * masked (`(1216,256,2,127,127,127)` fails).
 */
import { formatIPv4 } from "./address.js";
import { type ReplyInput, rangeError, readMessage, syntaxError } from "./message.js";
import { findNumberChain, signBefore } from "./numbers.js";

/** An IPv4 address and TCP port, as a 227 reply gives them. */
export interface PasvAddress {
  /** The advertised IPv4 address, dotted (`192.168.1.2`). */
  readonly host: string;
  /** The port, p1·256 + p2 (1–65535). */
  readonly port: number;
}

const DECODER = "parsePasv";
const CODES = [227];

/**
 * Decodes a 227 reply (or its message text) to `{ host, port }`.
 * Throws `ReplySyntaxError` (`unexpected-code`, `missing-value`, `malformed-value`) or `ReplyRangeError`
 * (`octet-out-of-range`, `port-out-of-range`).
 */
export function parsePasv(input: ReplyInput): PasvAddress {
  const message = readMessage(input, DECODER, CODES);
  const text = message.text;
  const chain = findNumberChain(text, 6, 7);
  if (chain === undefined) {
    throw syntaxError(message, "missing-value", "no six comma-separated numbers (h1,h2,h3,h4,p1,p2)", 0);
  }
  if (chain.count > 6) {
    throw syntaxError(
      message,
      "malformed-value",
      `${chain.count} comma-separated numbers, not 6`,
      chain.start,
    );
  }
  if (signBefore(text, chain.start)) {
    throw syntaxError(message, "malformed-value", "a signed number", chain.start - 1);
  }
  const values = chain.values;
  for (let k = 0; k < 6; k++) {
    if (values[k]! > 255) {
      throw rangeError(message, "octet-out-of-range", `number ${k + 1} is not 0-255`, chain.offsets[k]!);
    }
  }
  const port = values[4]! * 256 + values[5]!;
  if (port === 0) throw rangeError(message, "port-out-of-range", "port 0", chain.offsets[4]!);
  return { host: formatIPv4(values), port };
}
