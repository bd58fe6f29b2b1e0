/**
 * Kill tests for the decoders (issue 7): the exact typed error of every error path — type, class, offset, excerpt
 * and message — so that a changed message, offset or error type is seen. Each case has its own plain test name:
 * Stryker picks a mutant's tests by name.
 */
import { describe, expect, test } from "vitest";
import {
  parseEpsv,
  parseLpsv,
  parseModifyTime,
  parsePasv,
  parsePathname,
  parsePathnameBytes,
  parseReplies,
  parseRestartMarker,
  parseSize,
  parseSystemType,
  parseTransferSize,
  type Reply,
  ReplyRangeError,
  ReplySyntaxError,
  resolvePassiveTarget,
} from "../../src/index.js";

interface Expected {
  error: typeof ReplySyntaxError | typeof ReplyRangeError;
  type: string;
  code: number | undefined;
  offset: number;
  message: string;
}

/** Runs `run`, and checks the error it throws field by field. */
function expectError(run: () => unknown, expected: Expected): void {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(expected.error);
  const error = thrown as ReplySyntaxError | ReplyRangeError;
  expect(error.type).toBe(expected.type);
  expect(error.code).toBe(expected.code);
  expect(error.offset).toBe(expected.offset);
  expect(error.message).toBe(expected.message);
  expect(error.name).toBe(expected.error.name);
  expect(error.decoder).toBe(expected.message.slice(0, expected.message.indexOf(":")));
}

/** A Reply of code 257 with `wire` as its raw bytes. */
function handMadeReply(wire: string): Reply {
  const replies = parseReplies('257 "x"\r\n');
  return { ...replies[0]!, code: 257, text: wire.slice(4, -2), raw: new TextEncoder().encode(wire) };
}

const S = ReplySyntaxError;
const R = ReplyRangeError;

// [test name, run, error class, type, code, offset, message]
const cases: [string, () => unknown, Expected][] = [
  // RFC 959 §4.1.2 227
  [
    "227 without six numbers",
    () => parsePasv("227 Entering Passive Mode"),
    {
      error: S,
      type: "missing-value",
      code: 227,
      offset: 0,
      message: 'parsePasv: no six comma-separated numbers (h1,h2,h3,h4,p1,p2) at 0: "Entering Passive Mode"',
    },
  ],
  [
    "227 with seven numbers",
    () => parsePasv("227 Entering (1,2,3,4,5,6,7)"),
    {
      error: S,
      type: "malformed-value",
      code: 227,
      offset: 10,
      message: 'parsePasv: 7 comma-separated numbers, not 6 at 10: "Entering (1,2,3,4,5,6,7)"',
    },
  ],
  [
    "227 with a minus sign",
    () => parsePasv("227 (-1,2,3,4,5,6)"),
    {
      error: S,
      type: "malformed-value",
      code: 227,
      offset: 1,
      message: 'parsePasv: a signed number at 1: "(-1,2,3,4,5,6)"',
    },
  ],
  [
    "227 with a plus sign",
    () => parsePasv("(+1,2,3,4,5,6)"),
    {
      error: S,
      type: "malformed-value",
      code: undefined,
      offset: 1,
      message: 'parsePasv: a signed number at 1: "(+1,2,3,4,5,6)"',
    },
  ],
  [
    "227 with the sixth number above 255",
    () => parsePasv("227 (1,2,3,4,5,256)"),
    {
      error: R,
      type: "octet-out-of-range",
      code: 227,
      offset: 11,
      message: 'parsePasv: number 6 is not 0-255 at 11: "(1,2,3,4,5,256)"',
    },
  ],
  [
    "227 with the first number above 255",
    () => parsePasv("227 (256,2,3,4,5,6)"),
    {
      error: R,
      type: "octet-out-of-range",
      code: 227,
      offset: 1,
      message: 'parsePasv: number 1 is not 0-255 at 1: "(256,2,3,4,5,6)"',
    },
  ],
  [
    "227 with port 0",
    () => parsePasv("227 (1,2,3,4,0,0)"),
    {
      error: R,
      type: "port-out-of-range",
      code: 227,
      offset: 9,
      message: 'parsePasv: port 0 at 9: "(1,2,3,4,0,0)"',
    },
  ],
  // RFC 2428 §3 229
  [
    "229 without a parenthesis",
    () => parseEpsv("229 Entering"),
    {
      error: S,
      type: "missing-value",
      code: 229,
      offset: 0,
      message: 'parseEpsv: no (<d><d><d>port<d>) at 0: "Entering"',
    },
  ],
  [
    "229 with mixed delimiters",
    () => parseEpsv("229 x (|x|6446|)"),
    {
      error: S,
      type: "malformed-value",
      code: 229,
      offset: 2,
      message: 'parseEpsv: not (<d><d><d>port<d>) with one delimiter at 2: "x (|x|6446|)"',
    },
  ],
  [
    "229 with port 0",
    () => parseEpsv("229 (|||0|)"),
    {
      error: R,
      type: "port-out-of-range",
      code: 229,
      offset: 4,
      message: 'parseEpsv: port is not 1-65535 at 4: "(|||0|)"',
    },
  ],
  [
    "229 with port 65536",
    () => parseEpsv("229 ab (|||65536|)"),
    {
      error: R,
      type: "port-out-of-range",
      code: 229,
      offset: 7,
      message: 'parseEpsv: port is not 1-65535 at 7: "ab (|||65536|)"',
    },
  ],
  // RFC 1639 228
  [
    "228 without numbers",
    () => parseLpsv("228 x"),
    {
      error: S,
      type: "missing-value",
      code: 228,
      offset: 0,
      message: 'parseLpsv: no (af,hal,h1,…,pal,p1,p2) at 0: "x"',
    },
  ],
  [
    "228 with a minus sign",
    () => parseLpsv("228 (-4,4,1,2,3,4,2,0,21)"),
    {
      error: S,
      type: "malformed-value",
      code: 228,
      offset: 1,
      message: 'parseLpsv: a signed number at 1: "(-4,4,1,2,3,4,2,0,21)"',
    },
  ],
  [
    "228 with a host byte above 255",
    () => parseLpsv("228 (4,4,1,2,3,256,2,0,21)"),
    {
      error: R,
      type: "octet-out-of-range",
      code: 228,
      offset: 11,
      message: 'parseLpsv: field 6 is not 0-255 at 11: "(4,4,1,2,3,256,2,0,21)"',
    },
  ],
  [
    "228 with family 5",
    () => parseLpsv("228 (5,4,1,2,3,4,2,0,21)"),
    {
      error: R,
      type: "unsupported-address",
      code: 228,
      offset: 1,
      message:
        'parseLpsv: address family 5 with 4 address bytes (only 4,4 and 6,16) at 1: "(5,4,1,2,3,4,2,0,21)"',
    },
  ],
  [
    "228 with port length 3",
    () => parseLpsv("228 (4,4,1,2,3,4,3,0,0,21)"),
    {
      error: R,
      type: "unsupported-address",
      code: 228,
      offset: 13,
      message: 'parseLpsv: port length 3 (only 2) at 13: "(4,4,1,2,3,4,3,0,0,21)"',
    },
  ],
  [
    "228 with one number too many",
    () => parseLpsv("228 (4,4,1,2,3,4,2,0,21,5)"),
    {
      error: S,
      type: "malformed-value",
      code: 228,
      offset: 1,
      message: 'parseLpsv: 10 comma-separated numbers, not 9 at 1: "(4,4,1,2,3,4,2,0,21,5)"',
    },
  ],
  [
    "228 with port 0",
    () => parseLpsv("228 (4,4,1,2,3,4,2,0,0)"),
    {
      error: R,
      type: "port-out-of-range",
      code: 228,
      offset: 15,
      message: 'parseLpsv: port 0 at 15: "(4,4,1,2,3,4,2,0,0)"',
    },
  ],
  // RFC 959 Appendix II 257
  [
    "257 without a quote",
    () => parsePathname("257 created"),
    {
      error: S,
      type: "missing-value",
      code: 257,
      offset: 0,
      message: 'parsePathname: no quoted pathname at 0: "created"',
    },
  ],
  [
    "257 with an unterminated quote",
    () => parsePathname('257 x "abc'),
    {
      error: S,
      type: "malformed-value",
      code: 257,
      offset: 2,
      message: 'parsePathname: unterminated quoted pathname at 2: "x \\"abc"',
    },
  ],
  [
    "257 with an empty path",
    () => parsePathname('257 x "" created'),
    {
      error: S,
      type: "malformed-value",
      code: 257,
      offset: 2,
      message: 'parsePathname: empty pathname at 2: "x \\"\\" created"',
    },
  ],
  [
    "257 with CR in the path",
    () => parsePathname('257 "a\rb"'),
    {
      error: S,
      type: "forbidden-character",
      code: 257,
      offset: 2,
      message: 'parsePathname: CR in the pathname at 2: "\\"a\\rb\\""',
    },
  ],
  [
    "257 with LF in the path",
    () => parsePathname('257 "a\nb"'),
    {
      error: S,
      type: "forbidden-character",
      code: 257,
      offset: 2,
      message: 'parsePathname: LF in the pathname at 2: "\\"a\\nb\\""',
    },
  ],
  [
    "257 with NUL in the path",
    () => parsePathname('257 "ab\u0000"'),
    {
      error: S,
      type: "forbidden-character",
      code: 257,
      offset: 3,
      message: 'parsePathname: NUL in the pathname at 3: "\\"ab\\u0000\\""',
    },
  ],
  [
    "257 bytes without a quote",
    () => parsePathnameBytes(parseReplies("257 created\r\n")[0]!),
    {
      error: S,
      type: "missing-value",
      code: 257,
      offset: 0,
      message: 'parsePathnameBytes: no quoted pathname at 0: "257 created\\r\\n"',
    },
  ],
  [
    "257 bytes with an unterminated quote",
    () => parsePathnameBytes(parseReplies('257 "abc\r\n')[0]!),
    {
      error: S,
      type: "malformed-value",
      code: 257,
      offset: 4,
      message: 'parsePathnameBytes: unterminated quoted pathname at 4: "257 \\"abc\\r\\n"',
    },
  ],
  [
    "257 bytes with an empty path",
    () => parsePathnameBytes(parseReplies('257 "" x\r\n')[0]!),
    {
      error: S,
      type: "malformed-value",
      code: 257,
      offset: 4,
      message: 'parsePathnameBytes: empty pathname at 4: "257 \\"\\" x\\r\\n"',
    },
  ],
  [
    "257 bytes with CR in the path",
    () => parsePathnameBytes(parseReplies('257 "a\rb"\r\n')[0]!),
    {
      error: S,
      type: "forbidden-character",
      code: 257,
      offset: 6,
      message: 'parsePathnameBytes: CR in the pathname at 6: "257 \\"a\\rb\\"\\r\\n"',
    },
  ],
  [
    "257 bytes with LF in the path",
    // A reply whose raw bytes hold a bare LF inside the quotes (built by hand: the parser ends a line there).
    () => parsePathnameBytes(handMadeReply('257 "a\nb"\r\n')),
    {
      error: S,
      type: "forbidden-character",
      code: 257,
      offset: 6,
      message: 'parsePathnameBytes: LF in the pathname at 6: "257 \\"a\\nb\\"\\r\\n"',
    },
  ],
  [
    "257 bytes with NUL in the path",
    () => parsePathnameBytes(parseReplies('257 "a\u0000b"\r\n')[0]!),
    {
      error: S,
      type: "forbidden-character",
      code: 257,
      offset: 6,
      message: 'parsePathnameBytes: NUL in the pathname at 6: "257 \\"a\\u0000b\\"\\r\\n"',
    },
  ],
  // RFC 3659 §4 213 SIZE, and 150 sizes
  [
    "213 SIZE of blanks only",
    () => parseSize("213 \t "),
    { error: S, type: "missing-value", code: 213, offset: 0, message: 'parseSize: no size at 0: "\\t "' },
  ],
  [
    "213 SIZE with a letter",
    () => parseSize("213 12x"),
    {
      error: S,
      type: "malformed-value",
      code: 213,
      offset: 2,
      message: 'parseSize: size is not a decimal number at 2: "12x"',
    },
  ],
  [
    "213 SIZE of 2^53",
    () => parseSize("213  9007199254740992"),
    {
      error: R,
      type: "number-out-of-range",
      code: 213,
      offset: 1,
      message: 'parseSize: size above 2^53-1 at 1: " 9007199254740992"',
    },
  ],
  [
    "150 size of 2^53",
    () => parseTransferSize("150 x (9007199254740992 bytes)"),
    {
      error: R,
      type: "number-out-of-range",
      code: 150,
      offset: 3,
      message: 'parseTransferSize: size above 2^53-1 at 3: "x (9007199254740992 bytes)"',
    },
  ],
  // RFC 3659 §3 213 MDTM
  [
    "213 MDTM empty",
    () => parseModifyTime("213 "),
    {
      error: S,
      type: "missing-value",
      code: 213,
      offset: 0,
      message: 'parseModifyTime: no time value at 0: ""',
    },
  ],
  [
    "213 MDTM of 13 digits",
    () => parseModifyTime("213  2024010203040"),
    {
      error: S,
      type: "malformed-value",
      code: 213,
      offset: 1,
      message: 'parseModifyTime: time value is not 14 digits (YYYYMMDDHHMMSS) at 1: " 2024010203040"',
    },
  ],
  [
    "213 MDTM with a letter after",
    () => parseModifyTime("213 20240102030405x"),
    {
      error: S,
      type: "malformed-value",
      code: 213,
      offset: 14,
      message: 'parseModifyTime: unexpected text after the time value at 14: "20240102030405x"',
    },
  ],
  [
    "213 MDTM with a bare full stop",
    () => parseModifyTime("213 20240102030405."),
    {
      error: S,
      type: "malformed-value",
      code: 213,
      offset: 14,
      message: "parseModifyTime: no digits after '.' at 14: \"20240102030405.\"",
    },
  ],
  [
    "213 MDTM with a letter after the fraction",
    () => parseModifyTime("213 20240102030405.1x"),
    {
      error: S,
      type: "malformed-value",
      code: 213,
      offset: 16,
      message: 'parseModifyTime: unexpected text after the time value at 16: "20240102030405.1x"',
    },
  ],
  [
    "213 MDTM year 999",
    () => parseModifyTime("213 09990102030405"),
    {
      error: R,
      type: "date-out-of-range",
      code: 213,
      offset: 0,
      message: 'parseModifyTime: year before 1000 at 0: "09990102030405"',
    },
  ],
  [
    "213 MDTM month 13",
    () => parseModifyTime("213 20241302030405"),
    {
      error: R,
      type: "date-out-of-range",
      code: 213,
      offset: 4,
      message: 'parseModifyTime: month is not 01-12 at 4: "20241302030405"',
    },
  ],
  [
    "213 MDTM month 00",
    () => parseModifyTime("213 20240002030405"),
    {
      error: R,
      type: "date-out-of-range",
      code: 213,
      offset: 4,
      message: 'parseModifyTime: month is not 01-12 at 4: "20240002030405"',
    },
  ],
  [
    "213 MDTM 29 February 2023",
    () => parseModifyTime("213 20230229030405"),
    {
      error: R,
      type: "date-out-of-range",
      code: 213,
      offset: 6,
      message: 'parseModifyTime: day is not 01-28 at 6: "20230229030405"',
    },
  ],
  [
    "213 MDTM 31 April",
    () => parseModifyTime("213 20240431030405"),
    {
      error: R,
      type: "date-out-of-range",
      code: 213,
      offset: 6,
      message: 'parseModifyTime: day is not 01-30 at 6: "20240431030405"',
    },
  ],
  [
    "213 MDTM 30 February 2024",
    () => parseModifyTime("213 20240230030405"),
    {
      error: R,
      type: "date-out-of-range",
      code: 213,
      offset: 6,
      message: 'parseModifyTime: day is not 01-29 at 6: "20240230030405"',
    },
  ],
  [
    "213 MDTM hour 24",
    () => parseModifyTime("213 20240102240405"),
    {
      error: R,
      type: "date-out-of-range",
      code: 213,
      offset: 8,
      message: 'parseModifyTime: hour is not 00-23 at 8: "20240102240405"',
    },
  ],
  [
    "213 MDTM minute 60",
    () => parseModifyTime("213 20240102036005"),
    {
      error: R,
      type: "date-out-of-range",
      code: 213,
      offset: 10,
      message: 'parseModifyTime: minute is not 00-59 at 10: "20240102036005"',
    },
  ],
  [
    "213 MDTM second 60 before 23:59",
    () => parseModifyTime("213 20240102030460"),
    {
      error: R,
      type: "date-out-of-range",
      code: 213,
      offset: 12,
      message: 'parseModifyTime: second is not 00-59 (60 only at 23:59) at 12: "20240102030460"',
    },
  ],
  // RFC 959 §4.2.2 110
  [
    "110 empty",
    () => parseRestartMarker("110 "),
    {
      error: S,
      type: "missing-value",
      code: 110,
      offset: 0,
      message: 'parseRestartMarker: no MARK yyyy = mmmm at 0: ""',
    },
  ],
  [
    "110 without MARK",
    () => parseRestartMarker("110  MARX 1 = 2"),
    {
      error: S,
      type: "malformed-value",
      code: 110,
      offset: 1,
      message: 'parseRestartMarker: does not start with MARK at 1: " MARX 1 = 2"',
    },
  ],
  [
    "110 with no space after MARK",
    () => parseRestartMarker("110 MARK1 = 2"),
    {
      error: S,
      type: "malformed-value",
      code: 110,
      offset: 4,
      message: 'parseRestartMarker: no space after MARK at 4: "MARK1 = 2"',
    },
  ],
  [
    "110 without a user marker",
    () => parseRestartMarker("110 MARK =2"),
    {
      error: S,
      type: "malformed-value",
      code: 110,
      offset: 5,
      message: 'parseRestartMarker: no user marker at 5: "MARK =2"',
    },
  ],
  [
    "110 without an equals sign",
    () => parseRestartMarker("110 MARK 1 2"),
    {
      error: S,
      type: "malformed-value",
      code: 110,
      offset: 7,
      message: "parseRestartMarker: no '=' at 7: \"MARK 1 2\"",
    },
  ],
  [
    "110 without a server marker",
    () => parseRestartMarker("110 MARK 1 = "),
    {
      error: S,
      type: "malformed-value",
      code: 110,
      offset: 9,
      message: 'parseRestartMarker: no server marker at 9: "MARK 1 = "',
    },
  ],
  [
    "110 with text after the server marker",
    () => parseRestartMarker("110 MARK 1 = 2 3"),
    {
      error: S,
      type: "malformed-value",
      code: 110,
      offset: 10,
      message: 'parseRestartMarker: unexpected text after the server marker at 10: "MARK 1 = 2 3"',
    },
  ],
  // RFC 959 §4.2.2 215
  [
    "215 of blanks only",
    () => parseSystemType("215  "),
    {
      error: S,
      type: "missing-value",
      code: 215,
      offset: 0,
      message: 'parseSystemType: no system name at 0: " "',
    },
  ],
  // Codes and inputs
  [
    "a 250 given to parseSize",
    () => parseSize("250 ok"),
    {
      error: S,
      type: "unexpected-code",
      code: 250,
      offset: 0,
      message: 'parseSize: reply code 250 is not 213 at 0: "ok"',
    },
  ],
  [
    "a 250 given to parseTransferSize",
    () => parseTransferSize(parseReplies("250 ok\r\n")[0]!),
    {
      error: S,
      type: "unexpected-code",
      code: 250,
      offset: 0,
      message: 'parseTransferSize: reply code 250 is not 150 or 125 at 0: "ok"',
    },
  ],
  [
    "a number given to parseSize",
    () => parseSize(42 as never),
    {
      error: S,
      type: "malformed-value",
      code: undefined,
      offset: 0,
      message: 'parseSize: expected a Reply or a string at 0: ""',
    },
  ],
  [
    "null given to parseSize",
    () => parseSize(null as never),
    {
      error: S,
      type: "malformed-value",
      code: undefined,
      offset: 0,
      message: 'parseSize: expected a Reply or a string at 0: ""',
    },
  ],
  [
    "undefined given to parseSize",
    () => parseSize(undefined as never),
    {
      error: S,
      type: "malformed-value",
      code: undefined,
      offset: 0,
      message: 'parseSize: expected a Reply or a string at 0: ""',
    },
  ],
  [
    "an object without text given to parseSize",
    () => parseSize({ code: 213 } as never),
    {
      error: S,
      type: "malformed-value",
      code: undefined,
      offset: 0,
      message: 'parseSize: expected a Reply or a string at 0: ""',
    },
  ],
  [
    "an object with a string code given to parseSize",
    () => parseSize({ code: "213", text: "5" } as never),
    {
      error: S,
      type: "malformed-value",
      code: undefined,
      offset: 0,
      message: 'parseSize: expected a Reply or a string at 0: ""',
    },
  ],
  // resolvePassiveTarget options
  [
    "an empty controlHost",
    () => resolvePassiveTarget("227 (1,2,3,4,5,6)", { controlHost: "" }),
    {
      error: R,
      type: "invalid-option",
      code: undefined,
      offset: 0,
      message:
        'resolvePassiveTarget: controlHost must be the control connection\'s peer address at 0: "string"',
    },
  ],
  [
    "no options",
    () => resolvePassiveTarget("227 (1,2,3,4,5,6)", undefined as never),
    {
      error: R,
      type: "invalid-option",
      code: undefined,
      offset: 0,
      message:
        'resolvePassiveTarget: controlHost must be the control connection\'s peer address at 0: "undefined"',
    },
  ],
  [
    "null options",
    () => resolvePassiveTarget("227 (1,2,3,4,5,6)", null as never),
    {
      error: R,
      type: "invalid-option",
      code: undefined,
      offset: 0,
      message:
        'resolvePassiveTarget: controlHost must be the control connection\'s peer address at 0: "undefined"',
    },
  ],
  [
    "a numeric controlHost",
    () => resolvePassiveTarget("227 (1,2,3,4,5,6)", { controlHost: 7 as never }),
    {
      error: R,
      type: "invalid-option",
      code: undefined,
      offset: 0,
      message:
        'resolvePassiveTarget: controlHost must be the control connection\'s peer address at 0: "number"',
    },
  ],
  [
    "an unknown policy",
    () => resolvePassiveTarget("227 (1,2,3,4,5,6)", { controlHost: "a", policy: "x".repeat(70) as never }),
    {
      error: R,
      type: "invalid-option",
      code: undefined,
      offset: 0,
      message: `resolvePassiveTarget: policy must be "control", "advertised" or "nat" at 0: "${"x".repeat(64)}"`,
    },
  ],
  [
    "a numeric policy",
    () => resolvePassiveTarget("227 (1,2,3,4,5,6)", { controlHost: "a", policy: 3 as never }),
    {
      error: R,
      type: "invalid-option",
      code: undefined,
      offset: 0,
      message: 'resolvePassiveTarget: policy must be "control", "advertised" or "nat" at 0: "number"',
    },
  ],
  [
    "a passive reply without its code",
    () => resolvePassiveTarget("(1,2,3,4,5,6)", { controlHost: "a" }),
    {
      error: S,
      type: "unexpected-code",
      code: undefined,
      offset: 0,
      message:
        'resolvePassiveTarget: no reply code: 227, 228 or 229 is needed to decode it at 0: "(1,2,3,4,5,6)"',
    },
  ],
  [
    "a 226 given to resolvePassiveTarget",
    () => resolvePassiveTarget("226 done", { controlHost: "a" }),
    {
      error: S,
      type: "unexpected-code",
      code: 226,
      offset: 0,
      message: 'resolvePassiveTarget: reply code 226 is not 227 or 228 or 229 at 0: "done"',
    },
  ],
];

describe("decoder errors, exactly", () => {
  for (const [name, run, expected] of cases) {
    test(name, () => expectError(run, expected));
  }
});
