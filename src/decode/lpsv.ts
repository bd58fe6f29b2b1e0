/**
 * 228 Entering Long Passive Mode (RFC 1639 §3, §4): `(af,hal,h1,…,hN,pal,p1,p2)`, every field a decimal byte.
 *
 * `af` is the address family (RFC 1639 §2: the IP version number, 4 or 6), `hal` the number of address bytes
 * (4 or 16), `pal` the number of port bytes (2 for TCP). Other families and lengths are refused as unsupported;
 * the IPv6 host is given in the RFC 5952 canonical text form.
 */
import { formatIPv4, formatIPv6 } from "./address.js";
import { type ReplyInput, type ReplyMessage, rangeError, readMessage, syntaxError } from "./message.js";
import { findNumberChain, type NumberChain, signBefore } from "./numbers.js";

/** An address and TCP port, as a 228 reply gives them. */
export interface LpsvAddress {
  /** The advertised address: dotted IPv4, or IPv6 in RFC 5952 form (`2001:db8::1`). */
  readonly host: string;
  /** The port, p1·256 + p2 (1–65535). */
  readonly port: number;
  /** The address family: 4 or 6. */
  readonly family: 4 | 6;
}

const DECODER = "parseLpsv";
const CODES = [228];
/** af, hal, 16 address bytes, pal, 2 port bytes: the longest chain decoded (IPv6). */
const MAX_FIELDS = 2 + 16 + 1 + 2;
/** af, hal, pal and at least one byte each: no shorter chain can be a long address. */
const MIN_FIELDS = 5;
const TCP_PORT_LENGTH = 2;

/**
 * Decodes a 228 reply (or its message text) to `{ host, port, family }`.
 * Throws `ReplySyntaxError` (`unexpected-code`, `missing-value`, `malformed-value`) or `ReplyRangeError`
 * (`octet-out-of-range`, `unsupported-address`, `port-out-of-range`).
 */
export function parseLpsv(input: ReplyInput): LpsvAddress {
  const message = readMessage(input, DECODER, CODES);
  const text = message.text;
  const chain = findNumberChain(text, MIN_FIELDS, MAX_FIELDS);
  if (chain === undefined) {
    throw syntaxError(message, "missing-value", "no (af,hal,h1,…,pal,p1,p2)", 0);
  }
  if (signBefore(text, chain.start)) {
    throw syntaxError(message, "malformed-value", "a signed number", chain.start - 1);
  }
  const { values, offsets } = chain;
  for (let k = 0; k < values.length; k++) {
    if (values[k]! > 255) {
      throw rangeError(message, "octet-out-of-range", `field ${k + 1} is not 0-255`, offsets[k]!);
    }
  }
  return readLongAddress(message, chain);
}

/**
 * The address of a long-address chain `af,hal,h1,…,hN,pal,p1,p2` whose fields are bytes (RFC 1639 §2), for LPSV's
 * 228 and LPRT's argument: IPv4 (4,4) or IPv6 (6,16) with a 2-byte port; others refused as unsupported.
 */
export function readLongAddress(message: ReplyMessage, chain: NumberChain): LpsvAddress {
  const { values, offsets } = chain;
  const family = values[0]!;
  const hostLength = values[1]!;
  if (!((family === 4 && hostLength === 4) || (family === 6 && hostLength === 16))) {
    throw rangeError(
      message,
      "unsupported-address",
      `address family ${family} with ${hostLength} address bytes (only 4,4 and 6,16)`,
      chain.start,
    );
  }
  const portLengthAt = 2 + hostLength;
  if (chain.count > portLengthAt && values[portLengthAt] !== TCP_PORT_LENGTH) {
    throw rangeError(
      message,
      "unsupported-address",
      `port length ${values[portLengthAt]} (only 2)`,
      offsets[portLengthAt]!,
    );
  }
  const expected = portLengthAt + 1 + TCP_PORT_LENGTH;
  if (chain.count !== expected) {
    throw syntaxError(
      message,
      "malformed-value",
      `${chain.count} comma-separated numbers, not ${expected}`,
      chain.start,
    );
  }
  const port = values[portLengthAt + 1]! * 256 + values[portLengthAt + 2]!;
  if (port === 0) throw rangeError(message, "port-out-of-range", "port 0", offsets[portLengthAt + 1]!);
  return family === 4
    ? { host: formatIPv4(values, 2), port, family: 4 }
    : { host: formatIPv6(values, 2), port, family: 6 };
}
