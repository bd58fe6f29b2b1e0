/**
 * The data endpoints a client names in its commands: PORT (RFC 959 §4.1.2), EPRT (RFC 2428 §2) and LPRT
 * (RFC 1639 §2) — the active twins of the 227, 229 and 228 replies that pasv.ts, epsv.ts and lpsv.ts read.
 *
 * Each decoder takes the command's argument (`command.arg`) and returns the shape its passive twin returns, or
 * throws `ReplySyntaxError` / `ReplyRangeError` with `code` undefined and `offset` an index into the argument.
 * Blanks around the argument are ignored. Unlike a reply's text, which RFC 1123 §4.1.2.6 leaves free, an argument
 * is written by a program to the RFC's grammar: it must be the address and nothing else — no words around it, no
 * blanks between the numbers, no sign.
 */
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from "./address.js";
import { ReplySyntaxError } from "./errors.js";
import { type LpsvAddress, readLongAddress } from "./lpsv.js";
import {
  COMMA,
  DIGIT_0,
  EXCLAMATION,
  isDigit,
  type ReplyMessage,
  rangeError,
  syntaxError,
  TILDE,
} from "./message.js";
import { type NumberChain, readNumberChain } from "./numbers.js";
import type { PasvAddress } from "./pasv.js";

/** An IPv4 address and TCP port, as a PORT argument gives them: what `parsePasv` returns for a 227. */
export type PortAddress = PasvAddress;

/** An address, TCP port and address family (4 or 6), as an EPRT argument gives them: the shape of `parseLpsv`. */
export type EprtAddress = LpsvAddress;

/** An address, TCP port and address family (4 or 6), as an LPRT argument gives them: what `parseLpsv` returns. */
export type LprtAddress = LpsvAddress;

/** h1,h2,h3,h4,p1,p2 (RFC 959 §4.1.2). */
const PORT_FIELDS = 6;
/** af, hal, 16 address bytes, pal, 2 port bytes: the longest LPRT argument decoded (IPv6). */
const LPRT_MAX_FIELDS = 2 + 16 + 1 + 2;
/** af, hal, pal and at least one byte each: no shorter argument can be a long address. */
const LPRT_MIN_FIELDS = 5;
/**
 * The most digits read in one number of a PORT or LPRT argument. A byte needs 3; leading zeros are allowed up to
 * this bound (`0000000001` is 1), past it the argument is refused, as the session has always done.
 */
const MAX_NUMBER_DIGITS = 10;
/** RFC 2428 §2: the port is a decimal TCP port, 1–65535, so at most 5 digits. */
const MAX_PORT_DIGITS = 5;
const MAX_PORT = 65535;

/** An argument ready to decode: its text as a message (for the error helpers) and its span without blanks. */
interface Argument {
  readonly message: ReplyMessage;
  /** Index of the first character that is not white space. */
  readonly start: number;
  /** Index after the last character that is not white space. */
  readonly end: number;
}

/** Checks that `arg` is a string and finds its span once surrounding white space is dropped (as `trim()` does). */
function readArgument(arg: string, decoder: string): Argument {
  if (typeof arg !== "string") {
    throw new ReplySyntaxError("malformed-value", "expected the command's argument as a string", {
      decoder,
      code: undefined,
      offset: 0,
      excerpt: "",
    });
  }
  const start = arg.length - arg.trimStart().length;
  const end = Math.max(start, arg.trimEnd().length);
  return { message: { decoder, code: undefined, text: arg, multiline: false }, start, end };
}

/**
 * The argument as one chain of comma-separated decimal numbers filling it whole, with at most `maxKept` kept.
 * Throws `missing-value` for an empty argument, `malformed-value` for anything else than digits and single commas.
 */
function readNumberList(argument: Argument, maxKept: number, form: string): NumberChain {
  const { message, start, end } = argument;
  const text = message.text;
  if (start === end) throw syntaxError(message, "missing-value", `no ${form}`, 0);
  if (!isDigit(text.charCodeAt(start))) {
    throw syntaxError(message, "malformed-value", `not ${form}: no number first`, start);
  }
  const chain = readNumberChain(text, start, maxKept);
  // The chain reader allows blanks around commas (227 replies have them); an argument may not.
  let digits = 0;
  for (let i = start; i < chain.end; i++) {
    const c = text.charCodeAt(i);
    if (c === COMMA) {
      digits = 0;
    } else if (!isDigit(c)) {
      throw syntaxError(message, "malformed-value", "a blank between the numbers", i);
    } else if (++digits > MAX_NUMBER_DIGITS) {
      throw syntaxError(
        message,
        "malformed-value",
        `a number of more than ${MAX_NUMBER_DIGITS} digits`,
        i - MAX_NUMBER_DIGITS,
      );
    }
  }
  if (chain.end !== end) {
    throw syntaxError(message, "malformed-value", `text after ${form}`, chain.end);
  }
  return chain;
}

/** Throws `octet-out-of-range` for the first kept number above 255. */
function checkBytes(message: ReplyMessage, chain: NumberChain): void {
  for (let k = 0; k < chain.values.length; k++) {
    if (chain.values[k]! > 255) {
      throw rangeError(message, "octet-out-of-range", `number ${k + 1} is not 0-255`, chain.offsets[k]!);
    }
  }
}

/**
 * Decodes a PORT argument, `h1,h2,h3,h4,p1,p2` (RFC 959 §4.1.2), to `{ host, port }`.
 * Throws `ReplySyntaxError` (`missing-value`, `malformed-value`) or `ReplyRangeError` (`octet-out-of-range`,
 * `port-out-of-range`).
 */
export function parsePort(arg: string): PortAddress {
  const argument = readArgument(arg, "parsePort");
  const message = argument.message;
  const chain = readNumberList(argument, PORT_FIELDS, "h1,h2,h3,h4,p1,p2");
  if (chain.count !== PORT_FIELDS) {
    throw syntaxError(
      message,
      "malformed-value",
      `${chain.count} comma-separated numbers, not ${PORT_FIELDS}`,
      chain.start,
    );
  }
  checkBytes(message, chain);
  const { values, offsets } = chain;
  const port = values[4]! * 256 + values[5]!;
  if (port === 0) throw rangeError(message, "port-out-of-range", "port 0", offsets[4]!);
  return { host: formatIPv4(values), port };
}

/**
 * Decodes an LPRT argument, `af,hal,h1,…,hN,pal,p1,p2` (RFC 1639 §2, every field a decimal byte), to
 * `{ host, port, family }`. As for LPSV, only IPv4 (af 4, hal 4) and IPv6 (af 6, hal 16) with a 2-byte port are
 * read; the IPv6 host is given in RFC 5952 form.
 * Throws `ReplySyntaxError` (`missing-value`, `malformed-value`) or `ReplyRangeError` (`octet-out-of-range`,
 * `unsupported-address`, `port-out-of-range`).
 */
export function parseLprt(arg: string): LprtAddress {
  const argument = readArgument(arg, "parseLprt");
  const message = argument.message;
  const chain = readNumberList(argument, LPRT_MAX_FIELDS, "af,hal,h1,…,pal,p1,p2");
  if (chain.count < LPRT_MIN_FIELDS) {
    throw syntaxError(
      message,
      "malformed-value",
      `${chain.count} comma-separated numbers, too few for af,hal,h1,…,pal,p1,p2`,
      chain.start,
    );
  }
  checkBytes(message, chain);
  return readLongAddress(message, chain);
}

/**
 * RFC 2428 §2 address families (IANA "Address Family Numbers"): 1 is IPv4, 2 is IPv6. Others are refused as
 * unsupported, like LPRT's.
 */
const EPRT_FAMILIES: Readonly<Record<string, 4 | 6>> = { "1": 4, "2": 6 };

/**
 * Decodes an EPRT argument, `<d><af><d><addr><d><port><d>` (RFC 2428 §2), to `{ host, port, family }`.
 *
 * The delimiter `<d>` is any printable character 33–126 but a digit (`|` is the usual one); `af` is 1 (IPv4, a
 * strict dotted quad) or 2 (IPv6, any text form: the host is given back in RFC 5952 form); the port is 1–65535 in
 * at most 5 digits.
 * Throws `ReplySyntaxError` (`missing-value`, `malformed-value`) or `ReplyRangeError` (`unsupported-address`,
 * `port-out-of-range`).
 */
export function parseEprt(arg: string): EprtAddress {
  const { message, start, end } = readArgument(arg, "parseEprt");
  const text = message.text;
  if (start === end) throw syntaxError(message, "missing-value", "no <d><af><d><addr><d><port><d>", 0);
  const d = text.charCodeAt(start);
  if (!(d >= EXCLAMATION && d <= TILDE) || isDigit(d)) {
    throw syntaxError(
      message,
      "malformed-value",
      "the delimiter is not a printable character but a digit",
      start,
    );
  }
  const delimiter = text[start]!;
  // Each search starts after the last: every character is looked at once.
  const afEnd = text.indexOf(delimiter, start + 1);
  const addressEnd = afEnd === -1 ? -1 : text.indexOf(delimiter, afEnd + 1);
  const portEnd = addressEnd === -1 ? -1 : text.indexOf(delimiter, addressEnd + 1);
  if (portEnd === -1) {
    throw syntaxError(message, "malformed-value", "fewer than four delimiters", start);
  }
  if (portEnd + 1 !== end) {
    throw syntaxError(message, "malformed-value", "text after the last delimiter", portEnd + 1);
  }

  const af = text.slice(start + 1, afEnd);
  if (af === "") throw syntaxError(message, "missing-value", "no address family", start + 1);
  const family = Object.hasOwn(EPRT_FAMILIES, af) ? EPRT_FAMILIES[af] : undefined;
  if (family === undefined) {
    throw rangeError(
      message,
      "unsupported-address",
      `address family ${af} (only 1, IPv4, and 2, IPv6)`,
      start + 1,
    );
  }

  const hostText = text.slice(afEnd + 1, addressEnd);
  if (hostText === "") throw syntaxError(message, "missing-value", "no address", afEnd + 1);
  const bytes = family === 4 ? parseIPv4(hostText) : parseIPv6(hostText);
  if (bytes === undefined) {
    throw syntaxError(message, "malformed-value", `not an IPv${family} address`, afEnd + 1);
  }

  const portStart = addressEnd + 1;
  if (portStart === portEnd) throw syntaxError(message, "missing-value", "no port", portStart);
  let port = 0;
  for (let i = portStart; i < portEnd; i++) {
    const c = text.charCodeAt(i);
    if (!isDigit(c)) throw syntaxError(message, "malformed-value", "a port that is not decimal digits", i);
    if (port <= MAX_PORT) port = port * 10 + (c - DIGIT_0);
  }
  if (port === 0 || port > MAX_PORT) {
    throw rangeError(message, "port-out-of-range", "port is not 1-65535", portStart);
  }
  if (portEnd - portStart > MAX_PORT_DIGITS) {
    throw syntaxError(message, "malformed-value", `a port of more than ${MAX_PORT_DIGITS} digits`, portStart);
  }
  return { host: family === 4 ? formatIPv4(bytes) : formatIPv6(bytes), port, family };
}
