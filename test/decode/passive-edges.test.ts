/**
 * Kill tests for the passive-mode decoders and the number-chain scanner (issue 7): RFC 959 227, RFC 1639 228
 * and the 257 byte decoder's Telnet handling, with exact values at the edges of each rule.
 */
import { describe, expect, test } from "vitest";
import {
  parseEpsv,
  parseLpsv,
  parsePasv,
  parsePathnameBytes,
  parseReplies,
  type Reply,
  ReplyRangeError,
  ReplySyntaxError,
  resolvePassiveTarget,
} from "../../src/index.js";

/** `[type, offset]` of the decoder error `run` throws, or the value it returns. */
function outcomeOf(run: () => unknown): unknown {
  try {
    return run();
  } catch (error) {
    if (error instanceof ReplySyntaxError || error instanceof ReplyRangeError)
      return [error.type, error.offset];
    throw error;
  }
}

describe("parsePasv (RFC 959 §4.1.2 227)", () => {
  const cases: [string, string, unknown][] = [
    ["the usual form", "227 Entering Passive Mode (192,168,1,2,4,210).", { host: "192.168.1.2", port: 1234 }],
    ["every byte 255", "227 (255,255,255,255,255,255)", { host: "255.255.255.255", port: 65535 }],
    ["every byte 0 but the port", "227 (0,0,0,0,0,1)", { host: "0.0.0.0", port: 1 }],
    ["port 256", "227 (1,2,3,4,1,0)", { host: "1.2.3.4", port: 256 }],
    ["blanks and tabs around the commas", "227 = 10 , 0 ,\t0,  1 ,4 , 210", { host: "10.0.0.1", port: 1234 }],
    ["a trailing comma", "227 (10,0,0,1,4,210,)", { host: "10.0.0.1", port: 1234 }],
    ["a comma then a letter", "227 10,0,0,1,4,210,x", { host: "10.0.0.1", port: 1234 }],
    [
      "short chains before are skipped",
      "227 at 12:30, 1,2,3 and (10,0,0,1,4,210)",
      { host: "10.0.0.1", port: 1234 },
    ],
    ["a chain of five is skipped", "227 1,2,3,4,5 (10,0,0,1,4,210)", { host: "10.0.0.1", port: 1234 }],
    ["a message alone starting with the chain", "10,0,0,1,4,210", { host: "10.0.0.1", port: 1234 }],
    ["an equals sign before is no sign", "227 =10,0,0,1,4,210", { host: "10.0.0.1", port: 1234 }],
    ["a minus before the chain", "227 -10,0,0,1,4,210", ["malformed-value", 0]],
    ["a plus before the chain", "227 x+10,0,0,1,4,210", ["malformed-value", 1]],
    ["a minus inside the chain ends it", "227 (10,0,0,-1,4,210)", ["missing-value", 0]],
    ["seven numbers", "227 (10,0,0,1,4,210,7)", ["malformed-value", 1]],
    ["eight numbers", "227 (10,0,0,1,4,210,7,8)", ["malformed-value", 1]],
    ["256 fourth", "227 (10,0,0,256,4,210)", ["octet-out-of-range", 8]],
    ["256 fifth", "227 (10,0,0,1,256,210)", ["octet-out-of-range", 10]],
    ["a huge first number", `227 (${"9".repeat(30)},0,0,1,4,210)`, ["octet-out-of-range", 1]],
    ["leading zeros", `227 (${"0".repeat(30)}10,0,0,1,4,210)`, { host: "10.0.0.1", port: 1234 }],
    ["port 0", "227 (10,0,0,1,0,0)", ["port-out-of-range", 10]],
    ["a comma followed by blanks and the end", "227 1,2,3,4,5,6 , ", { host: "1.2.3.4", port: 1286 }],
    ["a comma at the very end of a five chain", "227 1,2,3,4,5,", ["missing-value", 0]],
  ];
  for (const [name, wire, expected] of cases) {
    test(`227: ${name}`, () => {
      expect(outcomeOf(() => parsePasv(wire))).toEqual(expected);
    });
  }
});

describe("parseLpsv (RFC 1639 228)", () => {
  const v6 = "6,16,32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,1";
  const cases: [string, string, unknown][] = [
    [
      "IPv4",
      "228 Entering Long Passive Mode (4,4,10,0,0,1,2,4,210)",
      { host: "10.0.0.1", port: 1234, family: 4 },
    ],
    [
      "IPv6",
      `228 Entering Long Passive Mode (${v6},2,4,210)`,
      { host: "2001:db8::1", port: 1234, family: 6 },
    ],
    ["IPv6 port 1", `228 (${v6},2,0,1)`, { host: "2001:db8::1", port: 1, family: 6 }],
    ["IPv4 port 65535", "228 (4,4,1,2,3,4,2,255,255)", { host: "1.2.3.4", port: 65535, family: 4 }],
    [
      "a chain of four is skipped",
      "228 1,2,3,4 (4,4,1,2,3,4,2,0,21)",
      { host: "1.2.3.4", port: 21, family: 4 },
    ],
    ["the shortest chain read", "228 (4,4,1,2,3)", ["malformed-value", 1]],
    ["family 4 with 16 bytes", `228 (4,16,${"1,".repeat(16)}2,0,21)`, ["unsupported-address", 1]],
    ["family 6 with 4 bytes", "228 (6,4,1,2,3,4,2,0,21)", ["unsupported-address", 1]],
    ["family 4 with 5 bytes", "228 (4,5,1,2,3,4,5,2,0,21)", ["unsupported-address", 1]],
    ["a chain that ends at the port length", "228 (4,4,1,2,3,4)", ["malformed-value", 1]],
    ["a chain that ends at the port length byte", "228 (4,4,1,2,3,4,2)", ["malformed-value", 1]],
    ["a chain with one port byte", "228 (4,4,1,2,3,4,2,0)", ["malformed-value", 1]],
    ["port length 1", "228 (4,4,1,2,3,4,1,21)", ["unsupported-address", 13]],
    ["IPv6 port length 3", `228 (${v6},3,0,0,21)`, ["unsupported-address", 42]],
    ["IPv6 with 22 numbers", `228 (${v6},2,4,210,7)`, ["malformed-value", 1]],
    ["IPv6 with a byte above 255 at field 21", `228 (${v6},2,4,256)`, ["octet-out-of-range", 46]],
    ["IPv6 port 0", `228 (${v6},2,0,0)`, ["port-out-of-range", 44]],
    // Only the 21 fields an IPv6 reply can have are kept: a 22nd, even above 255, is a count error.
    ["IPv6 with a 22nd number above 255", `228 (${v6},2,4,210,300)`, ["malformed-value", 1]],
    ["a plus before", "228 +4,4,1,2,3,4,2,0,21", ["malformed-value", 0]],
    ["family 256", "228 (256,4,1,2,3,4,2,0,21)", ["octet-out-of-range", 1]],
  ];
  for (const [name, wire, expected] of cases) {
    test(`228: ${name}`, () => {
      expect(outcomeOf(() => parseLpsv(wire))).toEqual(expected);
    });
  }
});

describe("parsePathnameBytes: Telnet (RFC 854) and line ends", () => {
  const IAC = 0xff;
  const encoder = new TextEncoder();
  /** A 257 Reply whose raw bytes are `parts` (strings as UTF-8, numbers as bytes), built by hand. */
  function replyOf(...parts: (string | number[])[]): Reply {
    const chunks = parts.map((p) => (typeof p === "string" ? encoder.encode(p) : Uint8Array.from(p)));
    const raw = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) {
      raw.set(c, at);
      at += c.length;
    }
    const base = parseReplies('257 "x"\r\n')[0]!;
    return { ...base, code: 257, raw };
  }
  const bytes = (...values: (string | number)[]) =>
    Array.from(values.flatMap((v) => (typeof v === "string" ? [...encoder.encode(v)] : [v])));

  const cases: [string, Reply, unknown][] = [
    ["a plain path", replyOf('257 "/a" ok\r\n'), bytes("/a")],
    ["no line end", replyOf('257 "/a"'), bytes("/a")],
    ["LF only", replyOf('257 "/a"\n'), bytes("/a")],
    ["doubled quotes", replyOf('257 "a""b"\r\n'), bytes('a"b')],
    // IAC IAC is a 0xFF data byte, refused in a path (sent back, it is IAC): at the first IAC of the pair.
    ["IAC IAC is a 0xFF byte, refused", replyOf('257 "a', [IAC, IAC], 'b"\r\n'), ["forbidden-character", 6]],
    ["IAC IAC after the path is not in it", replyOf('257 "a"', [IAC, IAC], "b\r\n"), bytes("a")],
    ["IAC WILL option is skipped", replyOf('257 "a', [IAC, 251, 1], 'b"\r\n'), bytes("ab")],
    ["IAC DONT option is skipped", replyOf('257 "a', [IAC, 254, 1], 'b"\r\n'), bytes("ab")],
    ["IAC DO option is skipped", replyOf('257 "a', [IAC, 253, 34], 'b"\r\n'), bytes("ab")],
    ["IAC NOP is skipped alone", replyOf('257 "a', [IAC, 241], 'b"\r\n'), bytes("ab")],
    ["IAC GA is skipped alone", replyOf('257 "a', [IAC, 249], 'b"\r\n'), bytes("ab")],
    [
      "IAC SB ... IAC SE is skipped",
      replyOf('257 "a', [IAC, 250, 1, 2, IAC, IAC, 3, IAC, 240], 'b"\r\n'),
      bytes("ab"),
    ],
    [
      "IAC SB with an IAC then not SE stays in the subnegotiation",
      replyOf('257 "a', [IAC, 250, IAC, 1, 34, IAC, 240], 'b"\r\n'),
      bytes("ab"),
    ],
    ["an option byte that is a quote is skipped", replyOf('257 "a', [IAC, 251, 0x22], 'b"\r\n'), bytes("ab")],
    ["Telnet before the quote", replyOf("257 ", [IAC, 251, 0x22], '"/a"\r\n'), bytes("/a")],
    [
      "a quote after IAC IAC opens nothing more",
      replyOf('257 "', [IAC, IAC], '"\r\n'),
      ["forbidden-character", 5],
    ],
    ["a quote after IAC NOP closes the path", replyOf('257 "a', [IAC, 241], '" x\r\n'), bytes("a")],
    [
      "a bare SE inside a subnegotiation does not end it",
      replyOf('257 "a', [IAC, 250, 1, 240], "x", [IAC, 240], 'b"\r\n'),
      bytes("ab"),
    ],
    ["an IAC quote is not a quote", replyOf('257 "a', [IAC, 0x22], 'b"\r\n'), bytes("ab")],
  ];
  for (const [name, reply, expected] of cases) {
    test(`257 bytes: ${name}`, () => {
      const result = outcomeOf(() => parsePathnameBytes(reply));
      expect(result instanceof Uint8Array ? Array.from(result) : result).toEqual(expected);
    });
  }

  /** The excerpt of the error parsePathnameBytes throws on `reply`. */
  function excerptOf(reply: Reply): string {
    let thrown: unknown;
    try {
      parsePathnameBytes(reply);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ReplySyntaxError);
    return (thrown as ReplySyntaxError).excerpt;
  }

  test("257 bytes: with telnet off, 0xFF bytes are path bytes, and so the path is refused", () => {
    const reply = replyOf('257 "a', [IAC, 251], 'b"\r\n');
    expect(outcomeOf(() => parsePathnameBytes(reply, { telnet: false }))).toEqual(["forbidden-character", 6]);
    // With telnet on (the default), IAC WILL takes the next byte as its option: `b` is not data.
    expect(Array.from(parsePathnameBytes(reply, {}))).toEqual(bytes("a"));
  });

  test("257 bytes: a quote at the end of the raw bytes, before the line end, closes the path", () => {
    expect(Array.from(parsePathnameBytes(replyOf('257 "ab"\r\n')))).toEqual(bytes("ab"));
    expect(outcomeOf(() => parsePathnameBytes(replyOf('257 "ab\r\n')))).toEqual(["malformed-value", 4]);
    expect(outcomeOf(() => parsePathnameBytes(replyOf('257 "ab\r')))).toEqual(["malformed-value", 4]);
    expect(outcomeOf(() => parsePathnameBytes(replyOf('257 "ab\n')))).toEqual(["malformed-value", 4]);
  });

  test("257 bytes: a string input is the UTF-8 of the path", () => {
    expect(Array.from(parsePathnameBytes('257 "/ü"'))).toEqual([0x2f, 0xc3, 0xbc]);
  });

  // A bug found here: the excerpt of parsePathnameBytes marked neither cut with `…` (errors.ts documents `…` as
  // marking a cut, as every other decoder's excerpt does).
  test("257 bytes: the excerpt is decoded from a window of raw bytes around the offset", () => {
    const reply = replyOf(`257 "${"a".repeat(40)}`, [0], `${"b".repeat(80)}"\r\n`);
    let thrown: unknown;
    try {
      parsePathnameBytes(reply);
    } catch (error) {
      thrown = error;
    }
    const error = thrown as ReplySyntaxError;
    expect(error.offset).toBe(45);
    expect(error.excerpt).toBe(`…${"a".repeat(16)}\u0000${"b".repeat(47)}…`);
    expect(error.message).toBe(
      `parsePathnameBytes: NUL in the pathname at 45: "…${"a".repeat(16)}\\u0000${"b".repeat(47)}…"`,
    );
    // Near the start: no cut before; near the end: no cut after.
    expect(excerptOf(replyOf('257 "a', [0], 'b"\r\n'))).toBe('257 "a\u0000b"\r\n');
    expect(excerptOf(replyOf(`257 "${"a".repeat(70)}`, [0], 'b"\r\n'))).toBe(
      `…${"a".repeat(16)}\u0000b"\r\n`,
    );
    expect(excerptOf(replyOf('257 "a', [0], `${"b".repeat(70)}"\r\n`))).toBe(
      `257 "a\u0000${"b".repeat(57)}…`,
    );
  });
});

describe("parseEpsv (RFC 2428 §3 229)", () => {
  const cases: [string, string, unknown][] = [
    ["the RFC form", "229 Entering Extended Passive Mode (|||6446|)", { port: 6446 }],
    ["delimiter ! (33, the first printable)", "229 (!!!6446!)", { port: 6446 }],
    ["delimiter ~ (126, the last printable)", "229 (~~~6446~)", { port: 6446 }],
    ["delimiter / (before the digits)", "229 (///6446/)", { port: 6446 }],
    ["delimiter : (after the digits)", "229 (:::6446:)", { port: 6446 }],
    ["a space is no delimiter", "229 (   6446 )", ["malformed-value", 0]],
    ["DEL is no delimiter", "229 (\u007f\u007f\u007f6446\u007f)", ["malformed-value", 0]],
    ["a digit is no delimiter", "229 (11164461)", ["malformed-value", 0]],
    ["port 65535", "229 (|||65535|)", { port: 65535 }],
    ["port 1", "229 (|||1|)", { port: 1 }],
    ["port 65536", "229 (|||65536|)", ["port-out-of-range", 4]],
    ["port 655350", "229 (|||655350|)", ["port-out-of-range", 4]],
    ["port 65535 and more digits", "229 (|||6553500000|)", ["port-out-of-range", 4]],
    ["port 0", "229 (|||0|)", ["port-out-of-range", 4]],
    ["leading zeros", "229 (|||000000000000006446|)", { port: 6446 }],
    ["a second delimiter differs", "229 (|!|6446|)", ["malformed-value", 0]],
    ["a third delimiter differs", "229 (||!6446|)", ["malformed-value", 0]],
    ["the closing delimiter differs", "229 (|||6446!)", ["malformed-value", 0]],
    ["no digits", "229 (||||)", ["malformed-value", 0]],
    ["no closing parenthesis", "229 (|||6446|", ["malformed-value", 0]],
    ["another character for the parenthesis", "229 (|||6446|]", ["malformed-value", 0]],
    ["text after the parenthesis", "229 x (|||6446|).", { port: 6446 }],
    ["the second parenthesis holds the port", "229 (a) (|||6446|)", { port: 6446 }],
    ["a failed group before a port", "229 x (|||x|) (|||21|)", { port: 21 }],
    ["the first parenthesis is the malformed offset", "229 ab (x) (y)", ["malformed-value", 3]],
    ["a parenthesis at the end", "229 ab (", ["malformed-value", 3]],
    ["no parenthesis", "229 |||6446|", ["missing-value", 0]],
  ];
  for (const [name, wire, expected] of cases) {
    test(`229: ${name}`, () => {
      expect(outcomeOf(() => parseEpsv(wire))).toEqual(expected);
    });
  }
});

describe("parsePathnameBytes on Reply objects not made by the parser", () => {
  // A bug found here: a Reply without `raw` bytes threw a TypeError (the error's excerpt read `reply.raw`), where
  // every decoder throws only its typed errors; the decoder already read such a reply as no bytes.
  test("257 bytes: a Reply without raw bytes is a typed missing-value error", () => {
    const reply = { code: 257, text: '"/a"', multiline: false } as unknown as Reply;
    expect(outcomeOf(() => parsePathnameBytes(reply))).toEqual(["missing-value", 0]);
  });
});

describe("parsePathnameBytes stops at the closing quote", () => {
  test("257 bytes: quotes after the closing one are not read", () => {
    const base = parseReplies('257 "x"\r\n')[0]!;
    const raw = new TextEncoder().encode('257 "a" x"y"z\r\n');
    expect(Array.from(parsePathnameBytes({ ...base, raw }))).toEqual([0x61]);
    const pair = new TextEncoder().encode('257 "a" ""\r\n');
    expect(Array.from(parsePathnameBytes({ ...base, raw: pair }))).toEqual([0x61]);
  });
});

describe("resolvePassiveTarget nat never trusts an unspecified or reserved address", () => {
  const cases: [string, string][] = [
    ["224.0.0.1", "224.0.0.2"],
    ["255.255.255.255", "240.0.0.1"],
    ["0.0.0.0", "0.0.0.1"],
  ];
  for (const [advertised, controlHost] of cases) {
    test(`nat: advertised ${advertised} with control peer ${controlHost} in the same scope`, () => {
      const wire = `227 Entering Passive Mode (${advertised.replaceAll(".", ",")},4,210)`;
      expect(resolvePassiveTarget(wire, { controlHost, policy: "nat" })).toEqual({
        host: controlHost,
        port: 1234,
        advertisedHost: advertised,
        policy: "nat",
        decidedBy: "control",
        code: 227,
      });
    });
  }

  test("nat: a 228 IPv4 reply from a private peer in the same scope is trusted", () => {
    expect(
      resolvePassiveTarget("228 (4,4,10,0,0,5,2,4,210)", { controlHost: "10.0.0.1", policy: "nat" }),
    ).toEqual({
      host: "10.0.0.5",
      port: 1234,
      advertisedHost: "10.0.0.5",
      policy: "nat",
      decidedBy: "advertised",
      code: 228,
    });
  });

  test("control: a 228 reply keeps the control peer", () => {
    expect(resolvePassiveTarget("228 (4,4,10,0,0,5,2,4,210)", { controlHost: "10.0.0.1" })).toEqual({
      host: "10.0.0.1",
      port: 1234,
      advertisedHost: "10.0.0.5",
      policy: "control",
      decidedBy: "control",
      code: 228,
    });
  });

  test("a 229 reply under nat connects to the control peer", () => {
    expect(resolvePassiveTarget("229 (|||21|)", { controlHost: "10.0.0.1", policy: "nat" })).toEqual({
      host: "10.0.0.1",
      port: 21,
      advertisedHost: undefined,
      policy: "nat",
      decidedBy: "control",
      code: 229,
    });
  });
});
