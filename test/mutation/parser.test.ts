/**
 * Tests that kill mutants the parser's own tests let live (issue 7): the Telnet command names and the kept
 * subnegotiation size, error messages and excerpts, option validation, and the chunk edges (empty chunks, a CR at
 * a chunk's end in bare-CR mode).
 */
import { describe, expect, test } from "vitest";
import {
  createReplyParser,
  parseReplies,
  type Reply,
  ReplyParseError,
  type ReplyParserOptions,
  type TelnetCommand,
} from "../../src/index.js";

const IAC = 0xff;

function collect(chunks: readonly (Uint8Array | string)[], options: ReplyParserOptions = {}) {
  const replies: Reply[] = [];
  const errors: ReplyParseError[] = [];
  const warnings: ReplyParseError[] = [];
  const telnet: TelnetCommand[] = [];
  const parser = createReplyParser(
    {
      onReply: (r) => replies.push(r),
      onError: (e) => errors.push(e),
      onWarning: (w) => warnings.push(w),
      onTelnet: (t) => telnet.push(t),
    },
    options,
  );
  for (const chunk of chunks) parser.feed(chunk);
  parser.end();
  return { replies, errors, warnings, telnet };
}

describe("Telnet commands (RFC 854)", () => {
  const NAMES: [number, string][] = [
    [240, "SE"],
    [241, "NOP"],
    [242, "DM"],
    [243, "BRK"],
    [244, "IP"],
    [245, "AO"],
    [246, "AYT"],
    [247, "EC"],
    [248, "EL"],
    [249, "GA"],
  ];
  test.each(NAMES)("IAC %i is reported as %s, without an option", (command, name) => {
    const out = collect([Uint8Array.of(0x32, 0x32, 0x30, 0x20, IAC, command, 0x41, 0x0d, 0x0a)]);
    expect(out.telnet).toEqual([{ command, name, offset: 4 }]);
    expect(out.replies.map((r) => r.text)).toEqual(["A"]);
  });

  test.each([
    [251, "WILL"],
    [252, "WONT"],
    [253, "DO"],
    [254, "DONT"],
  ])("IAC %i x is reported as %s with its option", (command, name) => {
    const out = collect([Uint8Array.of(IAC, command, 0x01, 0x32, 0x32, 0x30, 0x20, 0x41, 0x0d, 0x0a)]);
    expect(out.telnet).toEqual([{ command, name, option: 1, offset: 0 }]);
    expect(out.replies.map((r) => [r.code, r.text])).toEqual([[220, "A"]]);
  });

  test("a command byte outside the table is UNKNOWN", () => {
    const out = collect([Uint8Array.of(IAC, 0x80, 0x32, 0x32, 0x30, 0x0d, 0x0a)]);
    expect(out.telnet).toEqual([{ command: 0x80, name: "UNKNOWN", offset: 0 }]);
    expect(out.replies.map((r) => r.code)).toEqual([220]);
  });

  test("a subnegotiation keeps its first 256 payload bytes and skips the rest; IAC IAC inside is one 0xFF", () => {
    const payload = Array.from({ length: 300 }, (_, i) => i % 200);
    const bytes = Uint8Array.of(
      IAC,
      0xfa,
      24,
      ...payload,
      IAC,
      IAC,
      IAC,
      0xf0,
      ...new TextEncoder().encode("220 x\r\n"),
    );
    const out = collect([bytes]);
    expect(out.telnet).toHaveLength(1);
    const sb = out.telnet[0]!;
    expect(sb).toMatchObject({ command: 0xfa, name: "SB", option: 24, offset: 0 });
    // 256 bytes kept: the option byte and 255 bytes of payload.
    expect(Array.from(sb.data ?? [])).toEqual(payload.slice(0, 255));
    expect(out.replies.map((r) => r.text)).toEqual(["x"]);

    const short = collect([Uint8Array.of(IAC, 0xfa, 24, 1, IAC, IAC, 2, IAC, 0xf0, 0x32, 0x32, 0x30, 0x0a)]);
    expect(Array.from(short.telnet[0]?.data ?? [])).toEqual([1, 0xff, 2]);
  });

  test("Telnet commands are not interpreted with telnet: false", () => {
    const out = collect([Uint8Array.of(0x32, 0x32, 0x30, 0x20, IAC, 241, 0x0d, 0x0a)], {
      telnet: false,
      encoding: "latin1",
    });
    expect(out.telnet).toEqual([]);
    expect(out.replies.map((r) => r.text)).toEqual(["ÿñ"]);
  });
});

describe("errors: type, message, offset, excerpt, code", () => {
  test("unexpected-line: a blank line and a line without a code are told apart", () => {
    const out = collect(["\r\nhello\r\n220 ok\r\n"]);
    expect(out.errors.map((e) => [e.type, e.offset, e.excerpt, e.code])).toEqual([
      ["unexpected-line", 0, "", undefined],
      ["unexpected-line", 2, "hello", undefined],
    ]);
    expect(out.errors[0]?.message).toBe('blank line outside a reply at byte 0: ""');
    expect(out.errors[1]?.message).toBe(
      'line outside a reply does not start with a reply code at byte 2: "hello"',
    );
    expect(out.errors[0]).toBeInstanceOf(ReplyParseError);
    expect(out.errors[0]?.name).toBe("ReplyParseError");
  });

  test("excerpts are cut at 80 characters with an ellipsis", () => {
    const line = "x".repeat(100);
    const out = collect([`${line}\r\n`]);
    expect(out.errors[0]?.excerpt).toBe(`${"x".repeat(80)}…`);
    const exact = collect([`${"y".repeat(80)}\r\n`]);
    expect(exact.errors[0]?.excerpt).toBe("y".repeat(80));
  });

  test("truncated: a line, a multi-line reply, a skipped reply — each with its message, offset and code", () => {
    const line = collect(["220 ok\r\n230 half"]);
    expect(line.errors.map((e) => [e.type, e.offset, e.code])).toEqual([["truncated", 8, undefined]]);
    expect(line.errors[0]?.message).toMatch(/^stream ended inside a line at byte 8/);
    expect(line.errors[0]?.excerpt).toBe("230 half");

    const multi = collect(["220 ok\r\n211-a\r\nb\r\n"]);
    expect(multi.errors.map((e) => [e.type, e.offset, e.code])).toEqual([["truncated", 8, 211]]);
    expect(multi.errors[0]?.message).toMatch(/^stream ended inside multi-line reply 211 at byte 8/);
    expect(multi.errors[0]?.excerpt).toBe("211-a\r\nb\r\n");

    const skipped = collect(["211-a\r\nbbbbbbbbbbbbbbbbbbbb\r\nc\r\n"], { maxLineLength: 10 });
    expect(skipped.errors.map((e) => [e.type, e.offset, e.code])).toEqual([
      ["line-too-long", 7, 211],
      // At the end the skipped reply's current line is the empty one after `c`.
      ["truncated", 32, 211],
    ]);
    expect(skipped.errors[1]?.message).toMatch(/^stream ended inside a skipped reply/);
  });

  test("nothing pending at end(): no error", () => {
    expect(collect(["220 ok\r\n"]).errors).toEqual([]);
    expect(collect([]).errors).toEqual([]);
  });

  test("line-too-long and reply-too-long carry the limit in their message and the reply code", () => {
    const long = collect([`220 ${"x".repeat(20)}\r\n226 ok\r\n`], { maxLineLength: 10 });
    // Outside a reply the code is not given (with a tiny limit it may not have arrived yet).
    expect(long.errors.map((e) => [e.type, e.offset, e.code])).toEqual([["line-too-long", 0, undefined]]);
    expect(long.errors[0]?.message).toMatch(/^line is longer than 10 bytes at byte 0/);
    expect(long.replies.map((r) => r.code)).toEqual([226]);

    const big = collect(["211-a\r\n211-b\r\n211-c\r\n211 end\r\n226 ok\r\n"], { maxReplySize: 12 });
    expect(big.errors.map((e) => [e.type, e.offset, e.code])).toEqual([["reply-too-long", 0, 211]]);
    expect(big.errors[0]?.message).toMatch(/^reply 211 is longer than 12 bytes at byte 0/);
    expect(big.replies.map((r) => r.code)).toEqual([226]);
  });

  test("warnings: missing-space and mismatched-close, with messages and codes", () => {
    const out = collect(["220x\r\n553-a\r\n150 b\r\n"], { closeOnAnyCode: true });
    expect(out.warnings.map((w) => [w.type, w.offset, w.code])).toEqual([
      ["missing-space", 0, 220],
      ["mismatched-close", 13, 150],
    ]);
    expect(out.warnings[0]?.message).toBe("reply code 220 is not followed by a space at byte 0");
    expect(out.warnings[1]?.message).toBe("multi-line reply 553 closed by a line with code 150 at byte 13");
    expect(out.replies.map((r) => r.code)).toEqual([220, 150]);
  });
});

describe("options", () => {
  test.each([
    ["maxLineLength", 0],
    ["maxLineLength", -1],
    ["maxLineLength", Number.NaN],
    ["maxLineLength", Number.POSITIVE_INFINITY],
    ["maxReplySize", 0],
    ["maxReplySize", Number.NaN],
  ])("%s %d is a RangeError naming the option", (name, value) => {
    expect(() => createReplyParser({ onReply() {}, onError() {} }, { [name]: value })).toThrow(
      new RangeError(`${name} must be a positive number, got ${value}`),
    );
  });

  test("a limit of 1 is valid", () => {
    // CR LF counts: `2\r` is 2 bytes, one over the limit; `2\n` is 1.
    expect(collect(["2\r\n"], { maxLineLength: 1 }).errors.map((e) => e.type)).toEqual(["line-too-long"]);
    expect(collect(["2\n"], { maxLineLength: 1, maxReplySize: 1 }).errors.map((e) => e.type)).toEqual([
      "unexpected-line",
    ]);
  });
});

describe("chunk edges", () => {
  test("an empty chunk between CR and LF in bare-CR mode does not split CR LF", () => {
    const out = collect(["220 ok\r", "", new Uint8Array(0), "\n226 done\r\n"], { bareCrIsLineEnd: true });
    expect(out.errors).toEqual([]);
    expect(out.replies.map((r) => [r.code, r.offset, r.byteLength])).toEqual([
      [220, 0, 8],
      [226, 8, 10],
    ]);
  });

  test("bare-CR mode: a CR at the very end of the stream ends the line", () => {
    const out = collect(["220 ok\r"], { bareCrIsLineEnd: true });
    expect(out.errors).toEqual([]);
    expect(out.replies.map((r) => [r.code, r.text, r.byteLength])).toEqual([[220, "ok", 7]]);
  });

  test("empty chunks anywhere change nothing", () => {
    const text = "211-a\r\n b\r\n211 c\r\n";
    const plain = collect([text]);
    const withEmpty = collect(["", "211-a\r", "", "\n b", "", "\r\n211 c\r\n", ""]);
    expect(withEmpty.replies.map((r) => [r.code, r.lines, r.offset])).toEqual(
      plain.replies.map((r) => [r.code, r.lines, r.offset]),
    );
  });

  test("parseReplies attaches the replies before the first error to it", () => {
    let thrown: unknown;
    try {
      parseReplies("220 a\r\n230 b\r\noops\r\n250 c\r\n");
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ReplyParseError);
    const replies = (thrown as { replies?: Reply[] }).replies;
    expect(replies?.map((r) => r.code)).toEqual([220, 230]);
  });
});
