/**
 * The command encoder: verb + argument → the bytes of one command line (RFC 959 §4.1, §5.3).
 *
 * A command line ends at CRLF, so an argument holding CR, LF or NUL would end the line early and start another
 * command (a URL path `x%0D%0ADELE%20file` becomes two commands): such an argument is refused with a
 * `CommandEncodeError` before any byte exists. A 0xFF byte is doubled (RFC 854: `IAC IAC` is a data byte 0xFF),
 * so that no argument can inject a Telnet command either.
 */
import { CR, LF, SPACE } from "../lines/bytes.js";
import { IAC } from "../lines/telnet.js";
import { CommandEncodeError } from "./errors.js";

/** An argument as text (encoded in the connection's encoding) or as the exact bytes to send. */
export type CommandArgument = string | Uint8Array;

/**
 * How text becomes bytes: `"utf-8"` (RFC 2640, the default), `"latin1"` (one byte per character up to U+00FF,
 * for legacy servers), or a function for any other encoding.
 */
export type CommandEncoding = "utf-8" | "latin1" | ((text: string) => Uint8Array);

const NUL = 0x00;
const MAX_VERB_LENGTH = 16;

const utf8 = new TextEncoder();

function forbiddenName(code: number): string {
  return code === CR ? "CR" : code === LF ? "LF" : "NUL";
}

function isForbidden(code: number): boolean {
  return code === CR || code === LF || code === NUL;
}

function checkVerb(verb: string): void {
  const ok = verb.length > 0 && verb.length <= MAX_VERB_LENGTH && /^[A-Za-z]+$/.test(verb);
  if (!ok) {
    throw new CommandEncodeError(
      "invalid-verb",
      verb,
      `the command verb ${JSON.stringify(verb)} is not 1–${MAX_VERB_LENGTH} ASCII letters (RFC 959 §5.3.1)`,
    );
  }
}

function refuse(verb: string, code: number, index: number, what: string): never {
  throw new CommandEncodeError(
    "forbidden-byte",
    verb,
    `the argument of ${verb.toUpperCase()} holds ${forbiddenName(code)} at ${what} ${index}: it would end the command line (RFC 959 §4.1)`,
    index,
  );
}

function latin1(verb: string, text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0xff) {
      throw new CommandEncodeError(
        "unencodable",
        verb,
        `the argument of ${verb.toUpperCase()} holds U+${code.toString(16).toUpperCase().padStart(4, "0")} at character ${i}, which latin1 cannot encode`,
        i,
      );
    }
    bytes[i] = code;
  }
  return bytes;
}

/** The argument's bytes before IAC doubling, checked for CR, LF and NUL (as text, then as bytes). */
function argumentBytes(verb: string, arg: CommandArgument, encoding: CommandEncoding): Uint8Array {
  if (typeof arg === "string") {
    for (let i = 0; i < arg.length; i++) {
      const code = arg.charCodeAt(i);
      if (isForbidden(code)) refuse(verb, code, i, "character");
    }
  }
  const bytes =
    typeof arg !== "string"
      ? arg
      : encoding === "utf-8"
        ? utf8.encode(arg)
        : encoding === "latin1"
          ? latin1(verb, arg)
          : encoding(arg);
  // Bytes given by the caller, or made by a custom encoding, are checked as bytes too.
  for (let i = 0; i < bytes.length; i++) {
    const code = bytes[i]!;
    if (isForbidden(code)) refuse(verb, code, i, "byte");
  }
  return bytes;
}

/**
 * The bytes of the command line `VERB[ SP argument] CRLF`: the verb upper-cased, the argument encoded, every 0xFF
 * doubled. An absent or empty argument sends the verb alone. Throws `CommandEncodeError` for an argument holding
 * CR, LF or NUL, a verb that is not 1–16 ASCII letters, or text the encoding cannot represent.
 *
 * ```ts
 * encodeCommand("RETR", "a\r\nDELE b"); // throws CommandEncodeError { type: "forbidden-byte", index: 1 }
 * encodeCommand("CWD", new Uint8Array([0x63, 0xff])); // CWD c<FF><FF>\r\n
 * ```
 */
export function encodeCommand(
  verb: string,
  arg?: CommandArgument,
  encoding: CommandEncoding = "utf-8",
): Uint8Array {
  checkVerb(verb);
  const upper = verb.toUpperCase();
  const body = arg === undefined ? undefined : argumentBytes(upper, arg, encoding);
  let extra = 0;
  if (body !== undefined) for (let i = 0; i < body.length; i++) if (body[i] === IAC) extra++;
  const hasArgument = body !== undefined && body.length > 0;
  const line = new Uint8Array(upper.length + (hasArgument ? 1 + body.length + extra : 0) + 2);
  let at = 0;
  for (let i = 0; i < upper.length; i++) line[at++] = upper.charCodeAt(i);
  if (hasArgument) {
    line[at++] = SPACE;
    for (let i = 0; i < body.length; i++) {
      const byte = body[i]!;
      line[at++] = byte;
      if (byte === IAC) line[at++] = IAC;
    }
  }
  line[at++] = CR;
  line[at] = LF;
  return line;
}

/** Whether an argument would be refused by `encodeCommand` for holding CR, LF or NUL. */
export function hasForbiddenBytes(arg: CommandArgument): boolean {
  if (typeof arg === "string") return /[\r\n\0]/.test(arg);
  for (let i = 0; i < arg.length; i++) if (isForbidden(arg[i]!)) return true;
  return false;
}
