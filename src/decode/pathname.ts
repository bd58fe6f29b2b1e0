/**
 * 257 "PATHNAME" created / is the current directory (RFC 959 §4.2 and Appendix II).
 *
 * The path is the first quoted string of the message; a quote inside it is doubled (`257 "/""hello"""` names
 * `/"hello"`). A path holding CR, LF or NUL is refused: a client that sends it back in a later `CWD` would let
 * the server smuggle a command into the control connection.
 *
 * `parsePathname` gives the path as text. `parsePathnameBytes` gives the bytes as the server sent them, taken from
 * `reply.raw` (Telnet commands removed): use them to send a path back that is not valid in the encoding the reply
 * was decoded with. A path with a 0xFF byte (`IAC IAC` on the wire, or any 0xFF with `telnet: false`) is refused
 * there like CR, LF and NUL: sent back as it is, 0xFF is IAC, and `/a<0xFF><0xF4>` in a `CWD` would be read as
 * Telnet IP (Interrupt Process) followed by `CWD /a` — by this library's own command splitter too.
 */

import { DONT, IAC, SB, SE, WILL } from "../lines/telnet.js";
import type { Reply } from "../reply/reply.js";
import { ReplySyntaxError } from "./errors.js";
import { CR, LF, QUOTE, type ReplyInput, type ReplyMessage, readMessage, syntaxError } from "./message.js";

const DECODER = "parsePathname";
const BYTES_DECODER = "parsePathnameBytes";
const CODES = [257];
const NUL = 0x00;

function isForbidden(c: number): boolean {
  return c === CR || c === LF || c === NUL;
}

function describeForbidden(c: number): string {
  return c === CR ? "CR" : c === LF ? "LF" : "NUL";
}

/**
 * Decodes a 257 reply (or its message text) to its path, `""` unescaped.
 * Throws `ReplySyntaxError`: `unexpected-code`, `missing-value` (no quote), `malformed-value` (no closing quote,
 * or an empty path), `forbidden-character` (CR, LF or NUL in the path).
 */
export function parsePathname(input: ReplyInput): string {
  return pathOf(readMessage(input, DECODER, CODES));
}

/** Code units turned into a string per call: small enough for `String.fromCharCode.apply`'s argument limit. */
const CHUNK = 8192;

/**
 * `text[from, to)` with every `""` made one `"`. A code-unit copy, then strings of 8 Ki units joined once: a path
 * of a megabyte of quotes costs one pass (`replaceAll` is several times slower there), and lone surrogates of a
 * string input are kept exactly.
 */
function unescapeQuotes(text: string, from: number, to: number): string {
  const units = new Uint16Array(to - from);
  let length = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    units[length++] = c;
    if (c === QUOTE) i++; // the second quote of the pair
  }
  const chunks: string[] = [];
  for (let start = 0; start < length; start += CHUNK) {
    const end = start + CHUNK < length ? start + CHUNK : length;
    chunks.push(String.fromCharCode.apply(null, units.subarray(start, end) as unknown as number[]));
  }
  return chunks.join("");
}

function pathOf(message: ReplyMessage): string {
  const text = message.text;
  const open = text.indexOf('"');
  if (open === -1) throw syntaxError(message, "missing-value", "no quoted pathname", 0);
  // RFC 959 Appendix II: an embedded quote is doubled. Find the closing quote (one not followed by another)
  // with indexOf alone, then unescape the whole path at once: no allocation per quote.
  let close = text.indexOf('"', open + 1);
  let escaped = false;
  while (close !== -1 && text.charCodeAt(close + 1) === QUOTE) {
    escaped = true;
    close = text.indexOf('"', close + 2);
  }
  const end = close === -1 ? text.length : close;
  for (let i = open + 1; i < end; i++) {
    const c = text.charCodeAt(i);
    if (isForbidden(c)) {
      throw syntaxError(message, "forbidden-character", `${describeForbidden(c)} in the pathname`, i);
    }
  }
  if (close === -1) throw syntaxError(message, "malformed-value", "unterminated quoted pathname", open);
  const path = escaped ? unescapeQuotes(text, open + 1, close) : text.slice(open + 1, close);
  if (path.length === 0) throw syntaxError(message, "malformed-value", "empty pathname", open);
  return path;
}

/** Where the byte scan of `reply.raw` stands. */
const enum PathState {
  BeforeQuote = 0,
  InQuote = 1,
  /** A quote inside the path: a second one makes it a literal quote, anything else ends the path. */
  QuoteSeen = 2,
  Done = 3,
}

/** Where the Telnet layer stands (RFC 854). */
const enum TelnetState {
  Data = 0,
  Iac = 1,
  Option = 2,
  Subnegotiation = 3,
  SubnegotiationIac = 4,
}

export interface PathnameBytesOptions {
  /**
   * Whether `reply.raw` holds Telnet commands to skip (RFC 854), as the parser's own `telnet` option. Default
   * true; with false, 0xFF bytes are path bytes (and so the path is refused: see `parsePathnameBytes`).
   */
  telnet?: boolean;
}

const EXCERPT_BYTES_BEFORE = 16;
const EXCERPT_BYTES = 64;

function bytesError(
  reply: Reply,
  raw: Uint8Array,
  type: "missing-value" | "malformed-value" | "forbidden-character",
  what: string,
  offset: number,
): ReplySyntaxError {
  // The same window as the text decoders' excerpts (errors.ts), in bytes, with `…` where it cuts `reply.raw`.
  const from = Math.max(0, offset - EXCERPT_BYTES_BEFORE);
  const to = Math.min(raw.length, from + EXCERPT_BYTES);
  const window = new TextDecoder().decode(raw.subarray(from, to));
  return new ReplySyntaxError(type, what, {
    decoder: BYTES_DECODER,
    code: reply.code,
    offset,
    excerpt: `${from > 0 ? "…" : ""}${window}${to < raw.length ? "…" : ""}`,
  });
}

const textEncoder = new TextEncoder();

/**
 * The bytes of the path in a 257 reply, as sent: from `reply.raw` for a `Reply` (Telnet commands skipped unless
 * `telnet: false`), the UTF-8 encoding of the path for a string. The same rules as `parsePathname` apply (CR,
 * LF, NUL refused; `""` is one quote byte), and a 0xFF path byte is refused too (`forbidden-character`): the
 * bytes are meant to be sent back, where a lone 0xFF is a Telnet IAC that would turn the next byte into a
 * command. Error offsets are byte offsets into `reply.raw` (for `IAC IAC`, the first IAC).
 */
export function parsePathnameBytes(input: ReplyInput, options: PathnameBytesOptions = {}): Uint8Array {
  if (typeof input === "string") return textEncoder.encode(pathOf(readMessage(input, BYTES_DECODER, CODES)));
  readMessage(input, BYTES_DECODER, CODES); // checks the code
  const raw = input.raw instanceof Uint8Array ? input.raw : new Uint8Array(0);
  const telnet = options.telnet ?? true;
  const out = new Uint8Array(raw.length);
  let length = 0;
  let state = PathState.BeforeQuote;
  let telnetState = TelnetState.Data;
  let openAt = -1;
  // The reply's own final line end is not part of any path: a quote still open there is unterminated.
  let end = raw.length;
  if (end > 0 && raw[end - 1] === LF) end--;
  if (end > 0 && raw[end - 1] === CR) end--;
  for (let i = 0; i < end && state !== PathState.Done; i++) {
    let b = raw[i]!;
    // Where the data byte `b` starts on the wire: one byte back for the 0xFF of an `IAC IAC`.
    let at = i;
    if (telnet) {
      if (telnetState !== TelnetState.Data) {
        switch (telnetState) {
          case TelnetState.Iac:
            if (b === IAC) {
              telnetState = TelnetState.Data; // IAC IAC is one data byte 0xFF
              break;
            }
            telnetState =
              b >= WILL && b <= DONT
                ? TelnetState.Option
                : b === SB
                  ? TelnetState.Subnegotiation
                  : TelnetState.Data;
            continue;
          case TelnetState.Option:
            telnetState = TelnetState.Data;
            continue;
          case TelnetState.Subnegotiation:
            if (b === IAC) telnetState = TelnetState.SubnegotiationIac;
            continue;
          default:
            telnetState = b === SE ? TelnetState.Data : TelnetState.Subnegotiation;
            continue;
        }
        b = IAC;
        at = i - 1;
      } else if (b === IAC) {
        telnetState = TelnetState.Iac;
        continue;
      }
    }
    switch (state) {
      case PathState.BeforeQuote:
        if (b === QUOTE) {
          state = PathState.InQuote;
          openAt = i;
        }
        break;
      case PathState.InQuote:
        if (b === QUOTE) state = PathState.QuoteSeen;
        else if (isForbidden(b))
          throw bytesError(input, raw, "forbidden-character", `${describeForbidden(b)} in the pathname`, i);
        else if (b === IAC)
          throw bytesError(input, raw, "forbidden-character", "IAC (0xFF) in the pathname", at);
        else out[length++] = b;
        break;
      default:
        // QuoteSeen
        if (b === QUOTE) {
          out[length++] = QUOTE;
          state = PathState.InQuote;
        } else {
          state = PathState.Done;
        }
    }
  }
  if (state === PathState.BeforeQuote) throw bytesError(input, raw, "missing-value", "no quoted pathname", 0);
  if (state === PathState.InQuote)
    throw bytesError(input, raw, "malformed-value", "unterminated quoted pathname", openAt);
  if (length === 0) throw bytesError(input, raw, "malformed-value", "empty pathname", openAt);
  return out.slice(0, length);
}
