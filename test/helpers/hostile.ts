/**
 * Worst-case pieces of a control connection's byte streams, for the memory-budget and resync properties: Telnet
 * inside long replies, floods of tiny lines, lines past the limits, unclosed subnegotiations, garbage.
 */
import { fc } from "./properties.js";

const encoder = new TextEncoder();
export const IAC = 0xff;
const NOP = 0xf1;
export const SB = 0xfa;

/** Joins text (UTF-8) and byte parts. */
export function bytes(...parts: (string | readonly number[] | Uint8Array)[]): Uint8Array {
  const arrays = parts.map((p) => (typeof p === "string" ? encoder.encode(p) : Uint8Array.from(p)));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}

/** `piece` `count` times. */
export function repeat(piece: Uint8Array, count: number): Uint8Array {
  const out = new Uint8Array(piece.length * count);
  for (let i = 0; i < count; i++) out.set(piece, i * piece.length);
  return out;
}

/** Short lines whose bytes are not their text, or are nothing but a terminator. */
export const tinyLine = fc.constantFrom(
  bytes("a\r\n"),
  bytes("\n"),
  bytes([IAC, NOP], "\n"),
  bytes("x", [IAC, NOP], "\r\n"),
  bytes([0xe9], "\r\n"),
  bytes("é\n"),
  bytes("\r\n"),
  bytes("211-x\n"),
);

/** `a` + n × IAC NOP + CR LF: the shape of issue 15's row 1. */
export const telnetLadenLine = fc.integer({ min: 1, max: 1500 }).map((n) => {
  const out = new Uint8Array(1 + 2 * n + 2).fill(NOP);
  out[0] = 0x61;
  for (let i = 0; i < n; i++) out[1 + 2 * i] = IAC;
  out.set([0x0d, 0x0a], out.length - 2);
  return out;
});

/** An unclosed `IAC SB` (issue 15's row 3), then text and a line end. */
export const unclosedSubnegotiation = fc.constant(bytes([IAC, SB, 0x18], "xterm\r\n"));

/** Server→client pieces: openings, floods of tiny lines, Telnet, long lines, closings, garbage. */
export const replyPiece = fc.oneof(
  fc.integer({ min: 100, max: 599 }).map((code) => bytes(`${code}-open\r\n`)),
  fc.constant(bytes("211-Features\r\n")),
  fc.tuple(tinyLine, fc.integer({ min: 1, max: 20_000 })).map(([line, n]) => repeat(line, n)),
  telnetLadenLine,
  fc
    .tuple(fc.integer({ min: 1, max: 5000 }), fc.boolean())
    .map(([n, ended]) => bytes("x".repeat(n), ended ? "\r\n" : "")),
  unclosedSubnegotiation,
  fc.constant(bytes("211 End\r\n")),
  fc.constant(bytes("200 ok\r\n")),
  fc.constantFrom(bytes("150 opening\r\n"), bytes("125 go\r\n"), bytes("110 MARK 1 = 2\r\n")),
  fc.constant(bytes("a\rb\r")),
  fc.uint8Array({ maxLength: 200 }),
);

/** Client→server pieces: floods of commands, long lines, Telnet (IP, Synch, SB), garbage. */
export const commandPiece = fc.oneof(
  fc
    .tuple(
      fc.constantFrom("NOOP", "PASV", "RETR f", "USER a", "PASS b", "x\u0016\u0003"),
      fc.integer({ min: 1, max: 2000 }),
    )
    .map(([line, n]) => repeat(bytes(`${line}\r\n`), n)),
  fc.tuple(tinyLine, fc.integer({ min: 1, max: 20_000 })).map(([line, n]) => repeat(line, n)),
  telnetLadenLine,
  fc
    .tuple(fc.integer({ min: 1, max: 5000 }), fc.boolean())
    .map(([n, ended]) => bytes("STOR ", "y".repeat(n), ended ? "\r\n" : "")),
  unclosedSubnegotiation,
  fc.constant(bytes([IAC, 0xf4, IAC, 0xf2], "ABOR\r\n")),
  fc.uint8Array({ maxLength: 200 }),
);

/** Chunk sizes: one byte, a few, a TCP segment, everything at once. */
export const chunkSize = fc.constantFrom(1, 7, 1460, 1 << 20);

/** Limits the resync properties run under (small, so that every limit is reached). */
export interface LineLimits {
  maxLineLength: number;
  maxReplySize: number;
}

/** Random bytes without a line terminator, starting with a byte that is no digit: a line no grammar accepts. */
const garbageLine = fc.uint8Array({ maxLength: 60 }).map((b) =>
  bytes(
    "x",
    Array.from(b, (c) => (c === 0x0a || c === 0x0d ? 0x20 : c)),
    "\r\n",
  ),
);

/**
 * Server→client pieces that each raise an error and end where the next line starts a reply: a line past the limit
 * (with and without a code, or opening a multi-line reply that then closes), a reply past `maxReplySize`, lines
 * with no or a bad code, an unclosed Telnet subnegotiation, lone IACs, garbage.
 */
export function replyErrorPiece(limits: LineLimits) {
  const long = (n: number) => "z".repeat(limits.maxLineLength + n);
  return fc.oneof(
    fc.nat({ max: 50 }).map((n) => bytes(long(n + 1), "\r\n")),
    fc.nat({ max: 50 }).map((n) => bytes(`200 ${long(n)}\r\n`)),
    fc.nat({ max: 50 }).map((n) => bytes(`211-${long(n)}\r\n inner\r\n211 end\r\n`)),
    fc.nat({ max: 50 }).map((n) => bytes("211-a\r\n", ` ${long(n)}\r\n`, "211 end\r\n")),
    fc.constant(
      bytes("211-a\r\n", repeat(bytes(" bb\r\n"), Math.ceil(limits.maxReplySize / 5) + 1), "211 end\r\n"),
    ),
    fc.constantFrom(
      bytes("abc\r\n"),
      bytes("99 x\r\n"),
      bytes("700 x\r\n"),
      bytes("\r\n"),
      bytes("2x0 y\r\n"),
    ),
    fc.constantFrom(
      bytes([IAC, SB, 0x18], "xterm\r\n"),
      bytes([IAC], "\r\n"),
      bytes([IAC, IAC, IAC], "\r\n"),
    ),
    fc.constant(bytes("2x0 ok", [IAC, SB], "\r\n")),
    garbageLine,
  );
}

/** Client→server pieces that each raise an error or a warning: past the limit, no verb, Telnet left open, garbage. */
export function commandErrorPiece(maxLineLength: number) {
  return fc.oneof(
    fc.nat({ max: 50 }).map((n) => bytes("STOR ", "y".repeat(maxLineLength + n), "\r\n")),
    fc.constantFrom(bytes("\r\n"), bytes("123 x\r\n"), bytes("\u0016\u0003\u0001\r\n")),
    fc.constantFrom(
      bytes([IAC, SB, 0x18], "xterm\r\n"),
      bytes([IAC], "\r\n"),
      bytes("NOOP", [IAC, SB], "\r\n"),
    ),
    garbageLine,
  );
}
