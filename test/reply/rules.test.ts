/**
 * The reply parser's details: Telnet command names and the kept subnegotiation size, error messages and excerpts,
 * option validation, and the chunk edges (empty chunks, a CR at a chunk's end in bare-CR mode).
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
    // No LF in the payload: Telnet is line-scoped, an LF ends the line and the subnegotiation with it.
    const payload = Array.from({ length: 300 }, (_, i) => 11 + (i % 200));
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

/** The replies and errors of `text` as [kind, code or type, offset] triples. */
function outline(text: string, options: ReplyParserOptions = {}) {
  const out = collect([text], options);
  return {
    replies: out.replies.map((r) => [r.code, r.offset, r.text]),
    errors: out.errors.map((e) => [e.type, e.offset]),
    warnings: out.warnings.map((w) => [w.type, w.offset]),
  };
}

describe("what is a reply code (RFC 959 §4.2: three digits, first 1–6)", () => {
  test.each(["a20 x", "2a0 x", "22a x", "2:0 x", "22/ x"])("`%s` outside a reply is not a reply", (line) => {
    expect(outline(`${line}\r\n220 ok\r\n`)).toEqual({
      replies: [[220, line.length + 2, "ok"]],
      errors: [["unexpected-line", 0]],
      warnings: [],
    });
  });

  test.each(["099 x", "700 x", "000 x"])("`%s`: a first digit outside 1–6 is not a reply", (line) => {
    expect(outline(`${line}\r\n`).errors).toEqual([["unexpected-line", 0]]);
  });

  test.each(["100 x", "699 x", "600 x"])("`%s` is a reply", (line) => {
    expect(outline(`${line}\r\n`).replies).toEqual([[Number(line.slice(0, 3)), 0, "x"]]);
  });

  test("a fourth digit means no code (`2200 x`); `220` alone is a bare reply", () => {
    expect(outline("2200 x\r\n220\r\n")).toEqual({
      replies: [[220, 8, ""]],
      errors: [["unexpected-line", 0]],
      warnings: [],
    });
  });

  test("inner lines whose code is not three digits never close a reply, even with closeOnAnyCode", () => {
    const text = "220-a\r\n2a0 b\r\n22a c\r\na20 d\r\n1a0 e\r\n700 f\r\n099 g\r\n220 end\r\n";
    for (const closeOnAnyCode of [false, true]) {
      const out = collect([text], { closeOnAnyCode });
      expect(out.replies.map((r) => [r.code, r.lines.length])).toEqual([[220, 8]]);
      expect(out.warnings).toEqual([]);
    }
  });

  test("closeOnAnyCode closes at a 1xx–6xx `ddd ` or bare `ddd` line", () => {
    const close = (line: string) =>
      collect([`553-a\r\n${line}\r\n`], { closeOnAnyCode: true }).replies.map((r) => [
        r.code,
        r.lines.length,
      ]);
    expect(close("150 b")).toEqual([[150, 2]]);
    expect(close("600 b")).toEqual([[600, 2]]);
    expect(close("199")).toEqual([[199, 2]]);
    expect(close("150-b")).toEqual([]);
    expect(close("150b")).toEqual([]);
  });

  test("the byte after a line's code is read from that line, never from the line before", () => {
    // `abc-` leaves a hyphen as the 4th byte; a bare `220` after it is still a single-line reply, no warning.
    expect(outline("abc-\r\n220\r\n")).toEqual({
      replies: [[220, 6, ""]],
      errors: [["unexpected-line", 0]],
      warnings: [],
    });
    expect(outline("abcd\r\n220\r\n226 x\r\n").warnings).toEqual([]);
    // Inside a reply a bare own code closes it whatever the line before held at that place.
    expect(outline("220-a\r\nxyz-\r\n220\r\n").replies).toEqual([[220, 0, "a\nxyz-\n"]]);
  });
});

describe("reply text (RFC 959 §4.2)", () => {
  test.each([
    ["220", ""],
    ["220 ", ""],
    ["220 a", "a"],
    ["220  a ", " a "],
  ])("single-line `%s` has text %j", (line, text) => {
    expect(collect([`${line}\r\n`]).replies[0]?.text).toBe(text);
  });

  test("`220x` (missing space) has text `x`", () => {
    expect(collect(["220x\r\n"]).replies[0]?.text).toBe("x");
  });

  test.each([
    ["220", ""],
    ["220 ", ""],
    ["220 z", "z"],
  ])("multi-line closed by `%s`: last text %j", (last, text) => {
    expect(collect([`220-a\r\nb\r\n${last}\r\n`]).replies[0]?.text).toBe(`a\nb\n${text}`);
  });

  test("inner lines lose only their own `nnn-`/`nnn ` prefix", () => {
    const out = collect(["220-a\r\n220-b\r\n220x c\r\n221-d\r\n22-e\r\n 220-f\r\n220 end\r\n"]);
    expect(out.replies[0]?.text).toBe("a\nb\n220x c\n221-d\n22-e\n 220-f\nend");
    expect(out.replies[0]?.lines).toEqual(["220-a", "220-b", "220x c", "221-d", "22-e", " 220-f", "220 end"]);
  });

  test("a CR inside a line is data (not bare-CR mode); only the CR of CR LF is removed", () => {
    const out = collect(["220-a\rb\r\nc\r\r\n220 d\r\n"]);
    expect(out.replies[0]?.lines).toEqual(["220-a\rb", "c\r", "220 d"]);
    expect(out.replies[0]?.text).toBe("a\rb\nc\r\nd");
  });

  test("bare-CR mode: CR, LF and CR LF each end a line of a multi-line reply", () => {
    const out = collect(["220-a\rb\nc\r\n\r220 d\r"], { bareCrIsLineEnd: true });
    expect(out.replies[0]?.lines).toEqual(["220-a", "b", "c", "", "220 d"]);
    expect(out.replies[0]?.text).toBe("a\nb\nc\n\nd");
    expect(out.errors).toEqual([]);
  });

  test("IAC IAC is one 0xFF byte in the text", () => {
    const bytes = Uint8Array.of(0x32, 0x32, 0x30, 0x20, 0x61, IAC, IAC, 0x62, 0x0d, 0x0a);
    const out = collect([bytes], { encoding: "latin1" });
    expect(out.replies[0]?.text).toBe("aÿb");
    expect(Array.from(out.replies[0]?.raw ?? [])).toEqual(Array.from(bytes));
  });
});

describe("limits at their exact boundary", () => {
  test("a line of exactly maxLineLength bytes (CR included) passes; one more byte fails", () => {
    for (const cut of [0, 3, 9]) {
      const feed = (text: string) => (cut === 0 ? [text] : [text.slice(0, cut), text.slice(cut)]);
      expect(collect(feed("220 12345\r\n"), { maxLineLength: 10 }).errors).toEqual([]);
      expect(collect(feed("220 123456\r\n"), { maxLineLength: 10 }).errors.map((e) => e.type)).toEqual([
        "line-too-long",
      ]);
    }
  });

  test("an unterminated line of exactly maxLineLength bytes at a chunk's end is not too long yet", () => {
    const out = collect(["220 1234", "5\r\n"], { maxLineLength: 9 });
    expect(out.errors.map((e) => e.type)).toEqual(["line-too-long"]);
    const fits = collect(["220 12345", "\r\n"], { maxLineLength: 10 });
    expect(fits.errors).toEqual([]);
    expect(fits.replies.map((r) => r.text)).toEqual(["12345"]);
  });

  test("a reply of exactly maxReplySize bytes passes, one byte more is too long — wherever it starts", () => {
    const reply = "211-ab\r\n211 cd\r\n"; // 16 bytes
    for (const before of ["", "226 previous\r\n"]) {
      expect(collect([before + reply], { maxReplySize: 16 }).errors).toEqual([]);
      const over = collect([before + reply], { maxReplySize: 15 });
      expect(over.errors.map((e) => [e.type, e.offset, e.code])).toEqual([
        ["reply-too-long", before.length, 211],
      ]);
      expect(over.errors[0]?.message).toBe(`reply 211 is longer than 15 bytes at byte ${before.length}`);
    }
    // A single-line reply counts too, after a reply that fits.
    expect(collect(["226 p\r\n220 ab\r\n"], { maxReplySize: 8 }).errors).toEqual([]);
    expect(
      collect(["226 p\r\n220 abc\r\n"], { maxReplySize: 8 }).errors.map((e) => [e.type, e.offset]),
    ).toEqual([["reply-too-long", 7]]);
  });

  test("the defaults are 1 MiB per line and 64 MiB per reply", async () => {
    const { DEFAULT_MAX_LINE_LENGTH, DEFAULT_MAX_REPLY_SIZE } = await import("../../src/index.js");
    expect(DEFAULT_MAX_LINE_LENGTH).toBe(1024 * 1024);
    expect(DEFAULT_MAX_REPLY_SIZE).toBe(64 * 1024 * 1024);
    const atLimit = `220 ${"x".repeat(1024 * 1024 - 5)}\r\n`;
    expect(collect([atLimit]).errors).toEqual([]);
    expect(collect([`220 ${"x".repeat(1024 * 1024 - 4)}\r\n`]).errors.map((e) => e.type)).toEqual([
      "line-too-long",
    ]);
  });

  test("an over-long line that opens a reply (`nnn-`) skips that reply to its close; other lines skip themselves", () => {
    const long = "x".repeat(20);
    expect(outline(`220-${long}\r\ninner\r\n220 end\r\n226 ok\r\n`, { maxLineLength: 10 })).toEqual({
      replies: [[226, 42, "ok"]],
      errors: [["line-too-long", 0]],
      warnings: [],
    });
    for (const head of ["099-", "700-", "2a0-", "abc-", "220 "]) {
      expect(outline(`${head}${long}\r\n226 ok\r\n`, { maxLineLength: 10 })).toEqual({
        replies: [[226, 26, "ok"]],
        errors: [["line-too-long", 0]],
        warnings: [],
      });
    }
    // Only the reply's own code closes it: `2a0 ` and `221 ` do not, a bare `220` does.
    expect(
      outline(`220-${long}\r\n2a0 x\r\n221 y\r\n220\r\n226 ok\r\n`, { maxLineLength: 10 }).replies,
    ).toEqual([[226, 45, "ok"]]);
  });

  test("the excerpt of line-too-long is the line's first maxLineLength + 1 bytes, wherever the chunks were cut", () => {
    const line = `220 ${"abcdefghij".repeat(3)}\r\n`;
    for (const cuts of [[], [2], [15], [2, 7, 12]]) {
      const chunks: string[] = [];
      let at = 0;
      for (const cut of cuts) {
        chunks.push(`226 x\r\n${line}`.slice(at, cut + 7));
        at = cut + 7;
      }
      chunks.push(`226 x\r\n${line}`.slice(at));
      const out = collect(chunks, { maxLineLength: 9 });
      expect(out.errors.map((e) => [e.type, e.offset, e.excerpt])).toEqual([
        ["line-too-long", 7, "220 abcdef"],
      ]);
    }
  });

  test("errors carry raw bytes only for truncated", () => {
    const out = collect(["oops\r\n220 x"]);
    expect(out.errors.map((e) => [e.type, e.raw === undefined ? undefined : Array.from(e.raw)])).toEqual([
      ["unexpected-line", undefined],
      ["truncated", Array.from(new TextEncoder().encode("220 x"))],
    ]);
  });
});

describe("optional callbacks and state between replies", () => {
  test("a parser without onWarning, onLine or onTelnet takes every path without calling them", () => {
    const replies: number[] = [];
    const parser = createReplyParser(
      { onReply: (r) => replies.push(r.code), onError: () => {} },
      { retainLines: false, closeOnAnyCode: true },
    );
    parser.feed(Uint8Array.of(0xff, 0xf1));
    parser.feed("220x\r\n553-a\r\nb\r\n150 c\r\n");
    parser.end();
    expect(replies).toEqual([220, 150]);
  });

  test("Telnet events have no option or data key unless the command carries one", () => {
    const out = collect([Uint8Array.of(IAC, 241, IAC, 251, 1, 0x32, 0x32, 0x30, 0x0a)]);
    expect(Object.keys(out.telnet[0]!).sort()).toEqual(["command", "name", "offset"]);
    expect(Object.keys(out.telnet[1]!).sort()).toEqual(["command", "name", "offset", "option"]);
  });

  test("a Telnet option byte CR right before LF is not the CR of CR LF", () => {
    // `220 ok` IAC WILL CR LF: the line is `220 ok`, its terminator a bare LF.
    const out = collect([Uint8Array.of(0x32, 0x32, 0x30, 0x20, 0x6f, 0x6b, IAC, 251, 0x0d, 0x0a)]);
    expect(out.replies.map((r) => [r.code, r.text])).toEqual([[220, "ok"]]);
    const bare = collect([Uint8Array.of(0x32, 0x32, 0x30, IAC, 251, 0x0d, 0x0a)]);
    expect(bare.replies.map((r) => [r.code, r.text])).toEqual([[220, ""]]);
    expect(bare.errors).toEqual([]);
  });

  test.each([{ retainLines: true }, { retainLines: false }])(
    "a reply abandoned at a limit leaves nothing behind for the next one (%o, line by line)",
    (options) => {
      const lines: string[] = [];
      const replies: Reply[] = [];
      const parser = createReplyParser(
        { onReply: (r) => replies.push(r), onError: () => {}, onLine: (l) => lines.push(l.line) },
        { ...options, maxLineLength: 12 },
      );
      parser.feed(
        "211-first\r\n211-second\r\nthis line is far too long\r\n211 end\r\n226-a\r\nb\r\n226 c\r\n",
      );
      parser.end();
      expect(replies.map((r) => [r.code, r.lines, r.text])).toEqual([
        [
          226,
          options.retainLines ? ["226-a", "b", "226 c"] : ["226-a", "226 c"],
          options.retainLines ? "a\nb\nc" : "a\nc",
        ],
      ]);
      expect(lines).toEqual(["211-first", "211-second", "226-a", "b", "226 c"]);
    },
  );
});
