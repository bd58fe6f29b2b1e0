import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { readMessage } from "../../src/decode/message.js";
import * as library from "../../src/index.js";
import {
  isReplyDecodeError,
  parseEpsv,
  parseFeatures,
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
import { configureProperties, HOSTILE_LENGTH, hostileOf, propertyTest } from "./support.js";

configureProperties();

type Decoder = (input: Reply | string) => unknown;

const decoders: [string, Decoder, number][] = [
  ["parsePasv", parsePasv, 227],
  ["parseEpsv", parseEpsv, 229],
  ["parseLpsv", parseLpsv, 228],
  ["parsePathname", parsePathname, 257],
  ["parsePathnameBytes", (x) => parsePathnameBytes(x), 257],
  ["parseTransferSize", parseTransferSize, 150],
  ["parseSize", parseSize, 213],
  ["parseModifyTime", parseModifyTime, 213],
  ["parseFeatures", parseFeatures, 211],
  ["parseRestartMarker", parseRestartMarker, 110],
  ["parseSystemType", parseSystemType, 215],
  [
    "resolvePassiveTarget",
    (x) => resolvePassiveTarget(x, { controlHost: "203.0.113.7", policy: "nat" }),
    227,
  ],
];

/** Runs `decode`; fails the test if it throws anything but a decoder error. */
function totally(decode: Decoder, input: Reply | string): void {
  try {
    decode(input);
  } catch (error) {
    if (!isReplyDecodeError(error)) throw error;
    expect(error.message.length).toBeLessThan(400);
  }
}

// Characters the decoders look for, so random text hits their paths often.
const interesting = fc.constantFrom(
  "0",
  "1",
  "9",
  "255",
  "256",
  ",",
  ", ",
  "(",
  ")",
  "|",
  "!",
  '"',
  '""',
  " ",
  "\t",
  "\r",
  "\n",
  "\r\n",
  "=",
  ".",
  "-",
  "+",
  "\u0000",
  "\u00ff",
  "MARK ",
  " bytes",
  "bytes)",
  "4,4,",
  "6,16,",
  "2",
  "227 ",
  "229 ",
  "228 ",
  "257 ",
  "213 ",
  "211-",
  "211 ",
  "110 ",
  "215 ",
  "150 ",
  "ü",
  "\ud800",
);
const hostileText = fc
  .array(fc.oneof(interesting, fc.string({ maxLength: 4 })), { maxLength: 60 })
  .map((p) => p.join(""));

describe("every decoder", () => {
  test("is exported from the package entry", () => {
    for (const name of [
      "parsePasv",
      "parseEpsv",
      "parseLpsv",
      "parsePathname",
      "parsePathnameBytes",
      "parseTransferSize",
      "parseSize",
      "parseModifyTime",
      "parseFeatures",
      "parseRestartMarker",
      "parseSystemType",
      "resolvePassiveTarget",
      "addressScope",
      "isReplyDecodeError",
      "ReplySyntaxError",
      "ReplyRangeError",
    ]) {
      expect(typeof (library as Record<string, unknown>)[name]).toBe("function");
    }
  });

  test.each(decoders)("%s rejects a reply of another code with its typed error", (name, decode, code) => {
    const other = code === 500 ? 200 : 500;
    for (const input of [`${other} Nope`, parseReplies(`${other} Nope\r\n`)[0]!]) {
      let thrown: unknown;
      try {
        decode(input);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ReplySyntaxError);
      expect((thrown as ReplySyntaxError).type).toBe("unexpected-code");
      expect((thrown as ReplySyntaxError).code).toBe(other);
      expect((thrown as ReplySyntaxError).decoder).toBe(name);
    }
  });

  test.each(decoders)(
    "%s refuses what is neither a Reply nor a string with its typed error",
    (_name, decode) => {
      for (const bad of [undefined, null, 42, {}, { code: "227", text: 1 }]) {
        let thrown: unknown;
        try {
          decode(bad as never);
        } catch (error) {
          thrown = error;
        }
        expect(isReplyDecodeError(thrown)).toBe(true);
      }
    },
  );

  propertyTest.prop([hostileText])("random text never throws anything but a decoder error", (text) => {
    for (const [, decode] of decoders) totally(decode, text);
  });

  propertyTest.prop([fc.constantFrom(...decoders.map((d) => d[2])), hostileText])(
    "random text after the right code, as a string and as a parsed Reply",
    (code, text) => {
      const wire = `${code} ${text.replace(/[\r\n]/g, " ")}\r\n`;
      const reply = parseReplies(wire)[0]!;
      for (const [, decode] of decoders) {
        totally(decode, wire);
        totally(decode, reply);
      }
    },
  );

  propertyTest.prop([fc.uint8Array({ maxLength: 80 }), fc.constantFrom(...decoders.map((d) => d[2]))])(
    "random bytes in a Reply (raw included) never throw anything but a decoder error",
    (body, code) => {
      const bytes = new Uint8Array(body.length + 6);
      bytes.set(new TextEncoder().encode(`${code} `));
      bytes.set(
        body.map((b) => (b === 0x0a ? 0x20 : b)),
        4,
      );
      bytes.set([0x0d, 0x0a], body.length + 4);
      let replies: Reply[] = [];
      try {
        replies = parseReplies(bytes, { encoding: "auto" });
      } catch {
        return; // an unterminated Telnet command: no reply to decode
      }
      for (const reply of replies) for (const [, decode] of decoders) totally(decode, reply);
    },
  );

  // HOSTILE_LENGTH characters of each hostile pattern, after every decoder's own code: each call returns or throws a typed
  // error with a short message (the per-decoder tests check the exact outcome of the patterns that matter there).
  const patterns = [
    "9",
    ",",
    "1,",
    "(",
    "(|||",
    '"',
    '""',
    " ",
    "\n ",
    "=",
    ".",
    "0",
    "(1 bytes)",
    "MARK 1 = ",
  ];
  test.each(decoders)("%s on hostile text far longer than any reply", (_name, decode, code) => {
    for (const pattern of patterns) {
      totally(decode, `${code} ${hostileOf(pattern)}`);
      totally(decode, `${code}-${hostileOf(pattern)}\r\n${code} End`);
    }
  });
});

describe("decoder errors", () => {
  test("are SyntaxError / RangeError subclasses with a stable type and a short, escaped quote", () => {
    let syntax: unknown;
    try {
      parsePathname(`257 "${"x".repeat(HOSTILE_LENGTH / 2)}\u0000\r\n"\r\n`);
    } catch (error) {
      syntax = error;
    }
    expect(syntax).toBeInstanceOf(SyntaxError);
    expect(syntax).toBeInstanceOf(ReplySyntaxError);
    const e = syntax as ReplySyntaxError;
    expect(e.name).toBe("ReplySyntaxError");
    expect(e.type).toBe("forbidden-character");
    expect(e.offset).toBe(HOSTILE_LENGTH / 2 + 1);
    expect(e.excerpt.length).toBeLessThanOrEqual(66);
    expect(e.message).toContain("\\u0000");
    expect(e.message).not.toContain("\u0000");
    expect(e.message).toBe(
      `parsePathname: NUL in the pathname at ${HOSTILE_LENGTH / 2 + 1}: "…${"x".repeat(16)}\\u0000\\n\\""`,
    );

    let range: unknown;
    try {
      parsePasv("227 Entering Passive Mode (1216,256,2,127,127,127)");
    } catch (error) {
      range = error;
    }
    expect(range).toBeInstanceOf(RangeError);
    expect(range).toBeInstanceOf(ReplyRangeError);
    expect((range as ReplyRangeError).name).toBe("ReplyRangeError");
    expect((range as ReplyRangeError).message).toBe(
      'parsePasv: number 1 is not 0-255 at 23: "…g Passive Mode (1216,256,2,127,127,127)"',
    );
    expect(isReplyDecodeError(new Error("x"))).toBe(false);
    expect(isReplyDecodeError(new SyntaxError("x"))).toBe(false);
  });
});

describe("string input", () => {
  test("a code prefix is checked and removed the way the parser builds reply.text", () => {
    const wire = "211-Features:\r\n211-MDTM\r\n SIZE\r\n211 End\r\n";
    expect(parseFeatures(wire)).toEqual(parseFeatures(parseReplies(wire)[0]!));
    expect(parsePasv("227-x\r\n227 (10,0,0,1,4,210)")).toEqual({ host: "10.0.0.1", port: 1234 });
    expect(parseSize("213\r\n".replace("\r\n", " 5"))).toBe(5);
  });

  test("text that does not start with `ddd ` or `ddd-` is the message alone", () => {
    expect(parseSize("2130")).toBe(2130);
    expect(parsePasv("192,168,1,2,4,210")).toEqual({ host: "192.168.1.2", port: 1234 });
    expect(parseModifyTime("20240102030405").getTime()).toBe(Date.UTC(2024, 0, 2, 3, 4, 5));
  });
});

describe("string input normalisation", () => {
  propertyTest.prop([
    fc.constantFrom("", "211", "211 ", "211-", "211\n", "211\r\n", "Features"),
    fc.array(fc.constantFrom("a", " ", "\n", "\r\n", "211 ", "211-", " MDTM", "END"), { maxLength: 12 }),
  ])(
    "CR LF and LF line ends give the same message (the CR-free fast path agrees with the line path)",
    (head, body) => {
      const withCrLf = `${head}${body.join("")}`;
      const withLf = withCrLf.replaceAll("\r\n", "\n");
      const a = readMessage(withCrLf, "test", [211]);
      const b = readMessage(withLf, "test", [211]);
      expect(b).toEqual(a);
      expect(parseFeatures(withLf)).toEqual(parseFeatures(withCrLf));
    },
  );
});

describe("string input and reply.text agree", () => {
  propertyTest.prop([
    fc.constantFrom(211, 227, 257),
    fc.array(fc.constantFrom("a", " ", "\r", "211 ", "227-", "257-", '"', "(1,2,3,4,5,6)", " MDTM"), {
      maxLength: 10,
    }),
    fc.array(fc.array(fc.constantFrom("a", " ", "\r", '"', " SIZE", "211-", "227 "), { maxLength: 5 }), {
      maxLength: 3,
    }),
  ])("a string gives the message the parser gives as reply.text", (code, first, inner) => {
    const innerLines = inner.map((parts) => `${parts.join("")}\r\n`);
    const wire =
      innerLines.length === 0
        ? `${code} ${first.join("")}\r\n`
        : `${code}-${first.join("")}\r\n${innerLines.join("")}${code} End\r\n`;
    let replies: Reply[];
    try {
      replies = parseReplies(wire);
    } catch {
      return; // an inner line that closed the reply early: not one reply
    }
    if (replies.length !== 1) return;
    const message = readMessage(wire, "test", [code]);
    expect(message.text).toBe(replies[0]!.text);
    expect(message.multiline).toBe(replies[0]!.multiline);
  });
});
