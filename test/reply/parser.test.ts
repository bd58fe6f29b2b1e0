import { describe, expect, test } from "vitest";
import {
  createReplyParser,
  parseReplies,
  type Reply,
  ReplyParseError,
  type ReplyParserOptions,
  type TelnetCommand,
} from "../../src/index.js";
import type { ReplyLine } from "../../src/reply/parser.js";
import { configureProperties, fc, propertyTest } from "../helpers/properties.js";

configureProperties();

const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface Collected {
  replies: Reply[];
  errors: ReplyParseError[];
  warnings: ReplyParseError[];
  telnet: TelnetCommand[];
  lines: ReplyLine[];
}

/** Feeds `input` cut at `cuts` (sorted offsets), collecting everything the parser reports. */
function run(
  input: Uint8Array | string,
  options: ReplyParserOptions = {},
  cuts: readonly number[] = [],
  withLines = false,
): Collected {
  const bytes = typeof input === "string" ? encoder.encode(input) : input;
  const out: Collected = { replies: [], errors: [], warnings: [], telnet: [], lines: [] };
  const parser = createReplyParser(
    {
      onReply: (reply) => out.replies.push(reply),
      onError: (error) => out.errors.push(error),
      onWarning: (warning) => out.warnings.push(warning),
      onTelnet: (command) => out.telnet.push(command),
      ...(withLines ? { onLine: (line: ReplyLine) => out.lines.push(line) } : {}),
    },
    options,
  );
  let at = 0;
  for (const cut of cuts) {
    parser.feed(bytes.subarray(at, cut));
    at = cut;
  }
  parser.feed(bytes.subarray(at));
  parser.end();
  return out;
}

function byteByByte(input: string | Uint8Array, options: ReplyParserOptions = {}): Collected {
  const bytes = typeof input === "string" ? encoder.encode(input) : input;
  return run(
    bytes,
    options,
    Array.from({ length: Math.max(0, bytes.length - 1) }, (_, i) => i + 1),
  );
}

/** What a reply is, as plain data (for deep comparison across chunkings). */
function shape(reply: Reply) {
  return {
    code: reply.code,
    lines: reply.lines,
    text: reply.text,
    multiline: reply.multiline,
    raw: Array.from(reply.raw),
    offset: reply.offset,
    byteLength: reply.byteLength,
  };
}

function errorShape(error: ReplyParseError) {
  return { type: error.type, offset: error.offset, code: error.code, excerpt: error.excerpt };
}

function summary(c: Collected) {
  return {
    replies: c.replies.map(shape),
    errors: c.errors.map(errorShape),
    warnings: c.warnings.map(errorShape),
    telnet: c.telnet.map((t) => ({ ...t, data: t.data && Array.from(t.data) })),
  };
}

describe("RFC 959 §4.2 framing", () => {
  test("single-line reply `nnn text`", () => {
    const [reply] = parseReplies("220 Service ready for new user.\r\n");
    expect(reply).toMatchObject({
      code: 220,
      lines: ["220 Service ready for new user."],
      text: "Service ready for new user.",
      multiline: false,
      offset: 0,
      byteLength: 33,
    });
    expect(decoder.decode(reply!.raw)).toBe("220 Service ready for new user.\r\n");
  });

  test("bare `nnn` with nothing after it is a single-line reply (several clients hang on it)", () => {
    const replies = parseReplies("200\r\n226\n");
    expect(replies.map((r) => [r.code, r.text, r.lines])).toEqual([
      [200, "", ["200"]],
      [226, "", ["226"]],
    ]);
  });

  test("RFC 959's own multi-line example", () => {
    const input =
      "123-First line\r\nSecond line\r\n  234 A line beginning with numbers\r\n123 The last line\r\n";
    const [reply, ...rest] = parseReplies(input);
    expect(rest).toEqual([]);
    expect(reply).toMatchObject({
      code: 123,
      multiline: true,
      lines: ["123-First line", "Second line", "  234 A line beginning with numbers", "123 The last line"],
      text: "First line\nSecond line\n  234 A line beginning with numbers\nThe last line",
    });
    expect(decoder.decode(reply!.raw)).toBe(input);
  });

  test("inner lines that repeat `nnn-` or `nnn ` with another code, `nnnX`, or the same code with `-` do not close", () => {
    const input = [
      "211-Features:",
      "234 other code with a space",
      "211-same code with a hyphen",
      "211Xno separator",
      "2111 four digits",
      " 211 indented",
      "211 End",
      "",
    ].join("\r\n");
    const [reply, ...rest] = parseReplies(input);
    expect(rest).toEqual([]);
    expect(reply!.lines).toHaveLength(7);
    expect(reply!.text).toBe(
      "Features:\n234 other code with a space\nsame code with a hyphen\n211Xno separator\n2111 four digits\n 211 indented\nEnd",
    );
  });

  test("an inner `ddd ` line does not end the reply (node-ftp ends it there)", () => {
    const replies = parseReplies("250-Listing\r\n226 not the end\r\n250 end\r\n");
    expect(replies).toHaveLength(1);
    expect(replies[0]!.lines).toEqual(["250-Listing", "226 not the end", "250 end"]);
  });

  test("`220Some text` inside a `220-` reply does not close it", () => {
    const replies = parseReplies("220-Hello\r\n220Some text\r\n220 ready\r\n");
    expect(replies).toHaveLength(1);
    expect(replies[0]!.text).toBe("Hello\n220Some text\nready");
  });

  test("a bare `nnn` closes a multi-line reply", () => {
    const replies = parseReplies("211-Status\r\n text\r\n211\r\n200 next\r\n");
    expect(replies.map((r) => [r.code, r.text])).toEqual([
      [211, "Status\n text\n"],
      [200, "next"],
    ]);
  });

  test("inner lines that repeat the reply's own `nnn-`/`nnn ` prefix lose it in `text`", () => {
    const [reply] = parseReplies("230-Welcome\r\n230-Line two\r\n230 Logged in\r\n");
    expect(reply!.text).toBe("Welcome\nLine two\nLogged in");
  });

  test("offsets and byte lengths follow the stream", () => {
    const replies = parseReplies("220 a\r\n331 b\n230-c\r\n230 d\r\n");
    expect(replies.map((r) => [r.offset, r.byteLength])).toEqual([
      [0, 7],
      [7, 6],
      [13, 14],
    ]);
  });

  test("codes with first digit 6 (RFC 2228 protected replies) are replies", () => {
    expect(parseReplies("631 base64data\r\n")[0]!.code).toBe(631);
  });

  test("a code outside 1xx–6xx is not a reply", () => {
    const out = run("000 zero\r\n700 seven\r\n099 x\r\n200 ok\r\n");
    expect(out.replies.map((r) => r.code)).toEqual([200]);
    expect(out.errors.map((e) => [e.type, e.offset])).toEqual([
      ["unexpected-line", 0],
      ["unexpected-line", 10],
      ["unexpected-line", 21],
    ]);
  });

  test("`nnnX` outside a reply is taken as a single-line reply with a warning", () => {
    const out = run("230User logged in\r\n");
    expect(out.replies.map((r) => [r.code, r.text])).toEqual([[230, "User logged in"]]);
    expect(out.warnings.map((w) => [w.type, w.code, w.offset])).toEqual([["missing-space", 230, 0]]);
    expect(out.errors).toEqual([]);
  });
});

describe("line terminators", () => {
  test("CRLF and bare LF end a line; one terminator is removed", () => {
    const replies = parseReplies("220-a\r\n b\n220 c\r\r\n");
    expect(replies[0]!.lines).toEqual(["220-a", " b", "220 c\r"]);
  });

  test("a bare CR is data by default", () => {
    const replies = parseReplies("220 a\rb\r\n");
    expect(replies[0]!.text).toBe("a\rb");
  });

  test("bareCrIsLineEnd makes a bare CR a line end; CR LF stays one terminator", () => {
    const input = "220-a\r b\r\n220 c\r200 d\n226 e\r";
    const expected = [
      [220, ["220-a", " b", "220 c"], "a\n b\nc"],
      [200, ["200 d"], "d"],
      [226, ["226 e"], "e"],
    ];
    const whole = run(input, { bareCrIsLineEnd: true });
    expect(whole.errors).toEqual([]);
    expect(whole.replies.map((r) => [r.code, r.lines, r.text])).toEqual(expected);
    expect(decoder.decode(whole.replies[0]!.raw)).toBe("220-a\r b\r\n220 c\r");
    expect(summary(byteByByte(input, { bareCrIsLineEnd: true }))).toEqual(summary(whole));
  });

  test("a chunk that ends between CR and LF does not matter", () => {
    const input = "220 hello\r\n213 12345\r\n";
    const split = run(input, {}, [10]);
    expect(split.replies.map(shape)).toEqual(parseReplies(input).map(shape));
    expect(split.replies[0]!.lines).toEqual(["220 hello"]);
  });
});

describe("peers' bugs (regressions)", () => {
  test("a single-line reply split inside its line is one reply (basic-ftp: `213 12` + invented `345`)", () => {
    const out = run("213 12345\r\n", {}, [6]);
    expect(out.replies.map((r) => [r.code, r.text])).toEqual([[213, "12345"]]);
    expect(out.errors).toEqual([]);
  });

  test("a multi-line reply split at every byte is one reply", () => {
    const input = "211-Features:\r\n MDTM\r\n SIZE\r\n UTF8\r\n211 End\r\n";
    expect(summary(byteByByte(input))).toEqual(summary(run(input)));
    expect(run(input).replies).toHaveLength(1);
  });
});

describe("Telnet (RFC 854)", () => {
  const IAC = 0xff;
  test("IAC IAC is a 0xFF data byte", () => {
    const bytes = new Uint8Array([...encoder.encode("213 a"), IAC, IAC, ...encoder.encode("b\r\n")]);
    const out = run(bytes, { encoding: "latin1" });
    expect(out.replies[0]!.text).toBe("a\u00ffb");
    expect(Array.from(out.replies[0]!.raw)).toEqual(Array.from(bytes));
  });

  test("option negotiation, commands and subnegotiation are removed from text and reported", () => {
    const bytes = new Uint8Array([
      IAC,
      0xfb, // WILL
      0x01, // ECHO
      ...encoder.encode("220 he"),
      IAC,
      0xf1, // NOP
      ...encoder.encode("llo"),
      IAC,
      0xfa, // SB
      0x18,
      0x00,
      IAC,
      IAC,
      0x0d, // a CR inside a subnegotiation is payload
      IAC,
      0xf0, // SE
      ...encoder.encode("\r\n"),
    ]);
    const whole = run(bytes);
    expect(whole.errors).toEqual([]);
    expect(whole.replies.map((r) => [r.code, r.text])).toEqual([[220, "hello"]]);
    expect(Array.from(whole.replies[0]!.raw)).toEqual(Array.from(bytes));
    expect(whole.telnet.map((t) => [t.name, t.option, t.offset, t.data && Array.from(t.data)])).toEqual([
      ["WILL", 1, 0, undefined],
      ["NOP", undefined, 9, undefined],
      ["SB", 0x18, 14, [0x00, 0xff, 0x0d]],
    ]);
    expect(summary(byteByByte(bytes))).toEqual(summary(whole));
  });

  test("Telnet is line-scoped: an LF ends the line even where a command wanted its option byte", () => {
    // The command parser and every server read lines this way; a command cannot swallow a line end.
    const bytes = new Uint8Array([
      ...encoder.encode("220 a"),
      IAC,
      0xfd,
      0x0a,
      ...encoder.encode("230 b\r\n"),
    ]);
    const out = run(bytes);
    expect(out.replies.map((r) => [r.code, r.text])).toEqual([
      [220, "a"],
      [230, "b"],
    ]);
    expect(out.telnet).toEqual([]);
    expect(summary(byteByByte(bytes))).toEqual(summary(out));
  });

  test("an IAC SB never closed ends with its line: the replies after it are read (RFC 854, hardening row 3)", () => {
    const bytes = new Uint8Array([
      ...encoder.encode("220 hi\r\n"),
      IAC,
      0xfa, // SB
      0x18,
      ...encoder.encode("xterm\r\n331 pw\r\n230 ok\r\n"),
    ]);
    const out = run(bytes);
    expect(out.replies.map((r) => r.code)).toEqual([220, 331, 230]);
    expect(out.errors.map((e) => [e.type, e.offset])).toEqual([["unexpected-line", 8]]);
    expect(summary(byteByByte(bytes))).toEqual(summary(out));
  });

  test("telnet: false passes 0xFF through as data", () => {
    const bytes = new Uint8Array([...encoder.encode("213 "), IAC, 0xfb, ...encoder.encode("\r\n")]);
    const out = run(bytes, { telnet: false, encoding: "latin1" });
    expect(out.replies[0]!.text).toBe("\u00ff\u00fb");
    expect(out.telnet).toEqual([]);
  });

  test("Telnet commands between replies and inside CR LF", () => {
    const bytes = new Uint8Array([
      ...encoder.encode("200 a\r"),
      IAC,
      0xf1,
      ...encoder.encode("\n"),
      IAC,
      0xfe,
      0x03,
      ...encoder.encode("226 b\r\n"),
    ]);
    const whole = run(bytes);
    expect(whole.errors).toEqual([]);
    expect(whole.replies.map((r) => [r.code, r.lines])).toEqual([
      [200, ["200 a"]],
      [226, ["226 b"]],
    ]);
    expect(summary(byteByByte(bytes))).toEqual(summary(whole));
  });
});

describe("recoverable errors", () => {
  test("lines outside any reply (banner without code, blank line) are reported; parsing resumes", () => {
    const out = run("Welcome banner\r\n\r\n220 ready\r\n");
    expect(out.replies.map((r) => r.code)).toEqual([220]);
    expect(out.errors.map((e) => [e.type, e.offset, e.excerpt])).toEqual([
      ["unexpected-line", 0, "Welcome banner"],
      ["unexpected-line", 16, ""],
    ]);
    expect(out.errors[0]).toBeInstanceOf(ReplyParseError);
    expect(out.errors[0]!.message).toContain("at byte 0");
  });

  test("end() reports an unfinished line and an unfinished multi-line reply as truncated, with their bytes", () => {
    const line = run("220 read");
    expect(line.replies).toEqual([]);
    expect(line.errors.map((e) => [e.type, e.offset, e.excerpt])).toEqual([["truncated", 0, "220 read"]]);
    expect(decoder.decode(line.errors[0]!.raw)).toBe("220 read");

    const multi = run("200 ok\r\n211-a\r\n b\r\n");
    expect(multi.replies.map((r) => r.code)).toEqual([200]);
    expect(multi.errors.map((e) => [e.type, e.offset, e.code])).toEqual([["truncated", 8, 211]]);
    expect(decoder.decode(multi.errors[0]!.raw)).toBe("211-a\r\n b\r\n");
  });

  test("replies complete before an error are delivered; parseReplies throws the first error", () => {
    let thrown: unknown;
    try {
      parseReplies("220 ok\r\nnoise\r\n230 in\r\n");
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ReplyParseError);
    expect((thrown as ReplyParseError).type).toBe("unexpected-line");
    expect((thrown as ReplyParseError & { replies: Reply[] }).replies.map((r) => r.code)).toEqual([220]);
  });

  test("closeOnAnyCode closes a multi-line reply at another code's `ddd ` line (glftpd) with a warning", () => {
    const input = "553-Permission denied\r\n553-more\r\n150 Opening\r\n226 done\r\n";
    const strict = run(input);
    expect(strict.replies.map((r) => r.code)).toEqual([]);
    expect(strict.errors.map((e) => e.type)).toEqual(["truncated"]);

    const lenient = run(input, { closeOnAnyCode: true });
    expect(lenient.replies.map((r) => [r.code, r.text])).toEqual([
      [150, "Permission denied\nmore\nOpening"],
      [226, "done"],
    ]);
    expect(lenient.warnings.map((w) => [w.type, w.code, w.offset])).toEqual([["mismatched-close", 150, 33]]);
  });
});

describe("limits", () => {
  test("a line past maxLineLength: typed error, the line (and its reply) skipped, parsing resumes", () => {
    const long = "x".repeat(50);
    const input = `220 ok\r\n${long}\r\n211-${long}\r\n inner\r\n211 end\r\n200 after\r\n`;
    for (const cuts of [[], [20], [10, 11, 12, 40, 70]]) {
      const out = run(input, { maxLineLength: 20 }, cuts);
      expect(out.replies.map((r) => [r.code, r.text])).toEqual([
        [220, "ok"],
        [200, "after"],
      ]);
      expect(out.errors.map((e) => [e.type, e.offset, e.code])).toEqual([
        ["line-too-long", 8, undefined],
        ["line-too-long", 60, undefined],
      ]);
    }
  });

  test("a reply past maxReplySize is skipped up to its closing line", () => {
    const input = `213 small\r\n211-a\r\n${" line\r\n".repeat(20)}211 end\r\n200 after\r\n`;
    const out = run(input, { maxReplySize: 64 });
    expect(out.replies.map((r) => r.code)).toEqual([213, 200]);
    expect(out.errors.map((e) => [e.type, e.offset, e.code])).toEqual([["reply-too-long", 11, 211]]);
    expect(summary(byteByByte(input, { maxReplySize: 64 }))).toEqual(summary(out));
  });

  test("an over-long single-line reply is skipped; one that exceeds maxReplySize too", () => {
    const out = run("213 12345678901234567890\r\n200 x\r\n", { maxReplySize: 10 });
    expect(out.replies.map((r) => r.code)).toEqual([200]);
    expect(out.errors.map((e) => [e.type, e.code])).toEqual([["reply-too-long", 213]]);
  });

  test("an endless line holds no more than the limit: the truncated error carries nothing past it", () => {
    const parser = run(`220 ${"a".repeat(10_000)}`, { maxLineLength: 100 }, [1000, 2000, 5000]);
    expect(parser.errors.map((e) => e.type)).toEqual(["line-too-long", "truncated"]);
    expect(parser.errors[1]!.raw).toBeUndefined();
  });

  test("invalid limits and encodings are RangeErrors at creation", () => {
    const callbacks = { onReply() {}, onError() {} };
    expect(() => createReplyParser(callbacks, { maxLineLength: 0 })).toThrow(RangeError);
    expect(() => createReplyParser(callbacks, { maxReplySize: Number.NaN })).toThrow(RangeError);
    expect(() => createReplyParser(callbacks, { encoding: "no-such-encoding" })).toThrow(RangeError);
    expect(() => createReplyParser(callbacks, { encoding: "utf-16le" })).toThrow(RangeError);
  });
});

describe("line-by-line consumption", () => {
  test("onLine delivers every line as it completes, and retainLines: false keeps only the ends", () => {
    const inner = Array.from({ length: 1000 }, (_, i) => ` file${i}`);
    const input = `211-Status\r\n${inner.join("\r\n")}\r\n211 End\r\n`;
    const retained = run(input, {}, [], true);
    expect(retained.lines).toHaveLength(1002);
    expect(retained.lines[0]).toEqual({ code: 211, line: "211-Status", index: 0, last: false, offset: 0 });
    expect(retained.lines[1001]).toMatchObject({ line: "211 End", index: 1001, last: true });
    expect(retained.replies[0]!.lines).toHaveLength(1002);
    expect(shape(retained.replies[0]!)).toEqual(shape(parseReplies(input)[0]!));

    const streamed = run(input, { retainLines: false, maxReplySize: 100 }, [], true);
    expect(streamed.errors).toEqual([]);
    expect(streamed.lines.map((l) => l.line)).toEqual(retained.lines.map((l) => l.line));
    const reply = streamed.replies[0]!;
    expect(reply.lines).toEqual(["211-Status", "211 End"]);
    expect(reply.text).toBe("Status\nEnd");
    expect(decoder.decode(reply.raw)).toBe("211-Status\r\n211 End\r\n");
    expect(reply.byteLength).toBe(encoder.encode(input).length);
  });
});

describe("text decoding", () => {
  test("UTF-8 by default (RFC 2640), a character split across chunks decodes right", () => {
    const input = '257 "/目录" created\r\n';
    const bytes = encoder.encode(input);
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(run(bytes, {}, [cut]).replies[0]!.text).toBe('"/目录" created');
    }
  });

  test("a WHATWG label: gb18030, shift_jis, latin1", () => {
    const gbk = new Uint8Array([...encoder.encode("257 "), 0xc4, 0xbf, 0xc2, 0xbc, 0x0d, 0x0a]); // 目录
    expect(parseReplies(gbk, { encoding: "gb18030" })[0]!.text).toBe("目录");
    const sjis = new Uint8Array([...encoder.encode("250 "), 0x83, 0x65, 0x0d, 0x0a]); // テ
    expect(parseReplies(sjis, { encoding: "shift_jis" })[0]!.text).toBe("テ");
    const latin = new Uint8Array([...encoder.encode("250 caf"), 0xe9, 0x0a]);
    expect(parseReplies(latin, { encoding: "latin1" })[0]!.text).toBe("café");
    expect(Array.from(parseReplies(latin, { encoding: "latin1" })[0]!.raw)).toEqual(Array.from(latin));
  });

  test("auto: UTF-8 where valid, else the fallback, line by line", () => {
    const bytes = new Uint8Array([
      ...encoder.encode("211-UTF-8 目录\r\n"),
      ...encoder.encode(" caf"),
      0xe9,
      ...encoder.encode("\r\n211 end\r\n"),
    ]);
    expect(parseReplies(bytes, { encoding: "auto" })[0]!.text).toBe("UTF-8 目录\n café\nend");
    expect(parseReplies(bytes)[0]!.text).toBe("UTF-8 目录\n caf\ufffd\nend");
  });

  test("strings and Buffers are accepted; raw is a copy", () => {
    const chunk = new Uint8Array(encoder.encode("213 42\r\n"));
    const out = run(chunk);
    chunk.fill(0);
    expect(decoder.decode(out.replies[0]!.raw)).toBe("213 42\r\n");
    const { Buffer } = globalThis as unknown as { Buffer: { from(s: string): Uint8Array } };
    const buffer = Buffer.from("213 42\r\n");
    const fromBuffer = run(buffer);
    buffer.fill(0);
    expect(decoder.decode(fromBuffer.replies[0]!.raw)).toBe("213 42\r\n");
    expect(Object.getPrototypeOf(fromBuffer.replies[0]!.raw)).toBe(Uint8Array.prototype);
  });
});

describe("reset", () => {
  test("reset() drops partial state and restarts offsets", () => {
    const replies: Reply[] = [];
    const errors: ReplyParseError[] = [];
    const parser = createReplyParser({ onReply: (r) => replies.push(r), onError: (e) => errors.push(e) });
    parser.feed("211-partial\r\n inner\r\n");
    parser.reset();
    parser.feed("200 fresh\r\n");
    parser.end();
    expect(replies.map((r) => [r.code, r.offset])).toEqual([[200, 0]]);
    expect(errors).toEqual([]);
  });
});

// ─── properties ───────────────────────────────────────────────────────────────────────────────────────────────

/** Text of a line: printable ASCII and some UTF-8, no CR/LF, no IAC (UTF-8 text never holds 0xFF). */
const lineText = fc.string({
  unit: fc.oneof(
    fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789 -_.,()\"/'=!\t"),
    fc.constantFrom("目", "录", "é", "ü", "✓"),
  ),
  maxLength: 30,
});

interface ReplySpec {
  code: number;
  lines: string[];
  terminators: string[];
}

const replySpec: fc.Arbitrary<ReplySpec> = fc
  .record({
    code: fc.integer({ min: 100, max: 659 }),
    first: lineText,
    inner: fc.array(lineText, { maxLength: 5 }),
    last: lineText,
    multiline: fc.boolean(),
    terminators: fc.array(fc.constantFrom("\r\n", "\n"), { minLength: 8, maxLength: 8 }),
  })
  .map(({ code, first, inner, last, multiline, terminators }) => {
    const c = String(code);
    if (!multiline) return { code, lines: [first === "" ? c : `${c} ${first}`], terminators };
    // An inner line that would close the reply (same code + space, or bare code) is not an inner line.
    const safeInner = inner.map((line) => (line.startsWith(c) ? `x${line}` : line));
    return { code, lines: [`${c}-${first}`, ...safeInner, `${c} ${last}`], terminators };
  });

function format(specs: readonly ReplySpec[]): string {
  return specs.map((s) => s.lines.map((line, i) => line + s.terminators[i % 8]).join("")).join("");
}

function expectedText(spec: ReplySpec): string {
  const c = String(spec.code);
  if (spec.lines.length === 1) return spec.lines[0]!.length > 3 ? spec.lines[0]!.slice(4) : "";
  return spec.lines
    .map((line, i) =>
      i === 0 || i === spec.lines.length - 1 || (line.startsWith(c) && (line[3] === "-" || line[3] === " "))
        ? line.slice(4)
        : line,
    )
    .join("\n");
}

const cutsFor = (length: number) =>
  fc
    .uniqueArray(fc.integer({ min: 1, max: Math.max(1, length - 1) }), { maxLength: 20 })
    .map((c) => c.filter((x) => x < length).sort((a, b) => a - b));

// The window fast path (chunks of 256 bytes and more) against the general path, case by case: each case is fed
// whole, padded past the small-chunk threshold with replies of its own, and must give what the general path gives
// (`onLine` forces it) and the values written out here.
describe("the window fast path, case by case", () => {
  const padding = "200 x\r\n".repeat(37); // 259 bytes: every case is fed as one chunk of 256 bytes or more
  function both(body: string | Uint8Array, options: ReplyParserOptions = {}, cuts: readonly number[] = []) {
    const head = encoder.encode(padding);
    const middle = typeof body === "string" ? encoder.encode(body) : body;
    // Padding after the case too, so that a chunk cut inside the case is big as well.
    const input = new Uint8Array(head.length + middle.length + head.length);
    input.set(head);
    input.set(middle, head.length);
    input.set(head, head.length + middle.length);
    const fast = run(input, options, cuts);
    expect(summary(fast)).toEqual(summary(run(input, options, cuts, true)));
    return {
      replies: fast.replies.slice(37, fast.replies.length - 37),
      errors: fast.errors,
      warnings: fast.warnings,
      start: head.length,
    };
  }

  test("a line of exactly maxLineLength bytes is a reply; one byte more is line-too-long", () => {
    const ok = both("200 abcd\r\n", { maxLineLength: 9 }); // 9 bytes before the LF: "200 abcd\r"
    expect(ok.replies.map((r) => r.text)).toEqual(["abcd"]);
    const over = both("200 abcde\r\n", { maxLineLength: 9 });
    expect(over.replies).toEqual([]);
    expect(over.errors.map((e) => [e.type, e.offset])).toEqual([["line-too-long", over.start]]);
  });

  test("a reply of exactly maxReplySize bytes is delivered; one byte more is reply-too-long", () => {
    const single = both("200 abc\r\n", { maxReplySize: 9 });
    expect(single.replies.map((r) => r.byteLength)).toEqual([9]);
    const singleOver = both("200 abcd\r\n", { maxReplySize: 9 });
    expect(singleOver.replies).toEqual([]);
    expect(singleOver.errors.map((e) => [e.type, e.offset, e.code])).toEqual([
      ["reply-too-long", singleOver.start, 200],
    ]);
    const multiOk = both("211-a\r\n b\r\n211 c\r\n", { maxReplySize: 18 });
    expect(multiOk.replies.map((r) => [r.code, r.byteLength])).toEqual([[211, 18]]);
    const multiOver = both("211-a\r\n b\r\n211 cd\r\n", { maxReplySize: 18 });
    expect(multiOver.replies).toEqual([]);
    expect(multiOver.errors.map((e) => [e.type, e.offset, e.code])).toEqual([
      ["reply-too-long", multiOver.start, 211],
    ]);
  });

  test("what closes a multi-line reply and what does not (RFC 959 §4.2), in one chunk or continued", () => {
    const body =
      "211-open\r\n211-inner\r\n211x not\r\n2110 not\r\n211\r\r\n212 other\r\n 211 indented\r\n211\r\n" +
      "212-b\n212 \n" +
      "213-c\r\n213 closes\r\n" +
      "214-d\r\n214\n" +
      // Lines that would close the replies above if their own closing lines were missed.
      "250-e\r\n211 late\r\n212 late\r\n214 late\r\n250 end\r\n";
    // Cut after each opening line: the inner lines are then walked by the continuation path.
    for (const cut of [0, 10, 21, 70, 78, 84, 96, 115]) {
      const { replies } = both(body, {}, cut === 0 ? [] : [259 + cut]);
      expect(replies.map((r) => [r.code, r.lines.length, r.multiline])).toEqual([
        [211, 8, true],
        [212, 2, true],
        [213, 2, true],
        [214, 2, true],
        [250, 5, true],
      ]);
      expect(replies[0]!.text).toBe("open\ninner\n211x not\n2110 not\n211\r\n212 other\n 211 indented\n");
      expect(replies[1]!.text).toBe("b\n");
      expect(replies[2]!.lines).toEqual(["213-c", "213 closes"]);
    }
  });

  test("single lines the fast path leaves to the general one: warnings and errors", () => {
    const { replies, errors, warnings } = both("200\r\n200x\r\n2000 y\r\n700 z\r\n20\r\n\r\n230 ok\r\n");
    expect(replies.map((r) => [r.code, r.text])).toEqual([
      [200, ""],
      [200, "x"],
      [230, "ok"],
    ]);
    expect(warnings.map((w) => w.type)).toEqual(["missing-space"]);
    expect(errors.map((e) => e.type)).toEqual([
      "unexpected-line",
      "unexpected-line",
      "unexpected-line",
      "unexpected-line",
    ]);
  });

  test("closeOnAnyCode: a multi-line reply in a big chunk closes at another code's line", () => {
    const { replies, warnings } = both("553-a\r\n b\r\n150 Opening\r\n226 done\r\n", {
      closeOnAnyCode: true,
    });
    expect(replies.map((r) => [r.code, r.lines.length])).toEqual([
      [150, 3],
      [226, 1],
    ]);
    expect(warnings.map((w) => [w.type, w.code])).toEqual([["mismatched-close", 150]]);
  });

  test("a Telnet command in a big chunk: replies before and after it, and inside a multi-line reply", () => {
    const body = new Uint8Array([
      ...encoder.encode("220 a\r\n"),
      0xff,
      0xf1, // IAC NOP between replies
      ...encoder.encode("230 b\r\n211-c\r\n"),
      0xff,
      0xfb,
      0x01, // IAC WILL ECHO inside the multi-line reply
      ...encoder.encode(" d\r\n211 e\r\n250 f\r\n"),
    ]);
    const { replies } = both(body);
    expect(replies.map((r) => [r.code, r.text])).toEqual([
      [220, "a"],
      [230, "b"],
      [211, "c\n d\ne"],
      [250, "f"],
    ]);
    expect(replies[2]!.raw.length).toBe(21); // 211-c CR LF, IAC WILL ECHO, " d" CR LF, 211 e CR LF
  });

  test("non-ASCII and invalid UTF-8 before, inside and after replies (windows not one byte a character)", () => {
    const body = new Uint8Array([
      ...encoder.encode('257 "/数据" created\r\n211-é\r\n'),
      0xc3,
      0x0a, // a truncated sequence alone on an inner line
      ...encoder.encode("211 ü end\r\n"),
      0x80,
      0x0d,
      0x0a, // a lone continuation byte: an unexpected line
      ...encoder.encode("226 ok\r\n"),
    ]);
    const { replies, errors } = both(body);
    expect(replies.map((r) => [r.code, r.text])).toEqual([
      [257, '"/数据" created'],
      [211, "é\n\ufffd\nü end"],
      [226, "ok"],
    ]);
    expect(errors.map((e) => e.type)).toEqual(["unexpected-line"]);
    expect(replies[2]!.offset).toBe(replies[1]!.offset + replies[1]!.byteLength + 3);
  });

  test("multi-line replies across a 16 KiB decode window, and longer than one", () => {
    const inner = (count: number, tag: string) =>
      Array.from({ length: count }, (_, i) => ` ${tag} ${i} ${"x".repeat(40)}\r\n`).join("");
    // The first reply ends near a window's end, so the second starts inside one window and ends in the next.
    const body = `213-a\r\n${inner(330, "a")}213 end\r\n214-b\r\n${inner(40, "b")}214 end\r\n215-c\r\n${inner(800, "c")}215 end\r\n`;
    for (const cuts of [[], [20_000], [9000, 30_000]]) {
      const { replies } = both(body, {}, cuts);
      expect(replies.map((r) => [r.code, r.lines.length])).toEqual([
        [213, 332],
        [214, 42],
        [215, 802],
      ]);
      expect(replies[2]!.text.endsWith(` c 799 ${"x".repeat(40)}\nend`)).toBe(true);
    }
  });

  test("inner lines walked on the window stop at the limits, in ASCII and non-ASCII windows", () => {
    const inner = Array.from({ length: 100 }, (_, i) => ` é line ${i}\r\n`).join("");
    const body = `211-open\r\n${inner}211 end\r\n230 after\r\n`;
    // Cut so that the reply is open when the big second chunk comes.
    const cut = [259 + 12];
    for (const options of [{ maxReplySize: 900 }, { maxReplySize: 1500 }, { maxLineLength: 14 }, {}]) {
      both(body, options, cut);
      both(body.replaceAll("é", "e"), options, cut);
    }
    const { replies } = both(body, {}, cut);
    expect(replies.map((r) => [r.code, r.lines.length])).toEqual([
      [211, 102],
      [230, 1],
    ]);
    // Over maxReplySize inside the walked lines: the reply is skipped from there (nothing more is held), so a
    // stream that ends inside it reports a skipped reply, without its bytes.
    const open = both(`211-open\r\n${inner}`, { maxReplySize: 900 }, cut);
    expect(open.errors.map((e) => [e.type, e.code, e.raw?.length])).toEqual([
      ["reply-too-long", 211, undefined],
      ["truncated", 211, undefined],
    ]);
    // A walked line over maxLineLength: 14 bytes (" é line 10" CR is 12 characters, 13 bytes; 15 bytes below).
    const long = both(
      `211-open\r\n${inner.replace(" é line 50\r\n", " é line 50 éé\r\n")}211 end\r\n230 after\r\n`,
      {
        maxLineLength: 14,
      },
      cut,
    );
    expect(long.errors.map((e) => [e.type, e.code])).toEqual([["line-too-long", 211]]);
    expect(long.replies.map((r) => r.code)).toEqual([230]);
    // Characters within the limit, bytes over it: " é line 99" CR is 11 characters and 12 bytes.
    const bytesOver = both(body, { maxLineLength: 11 }, cut);
    expect(bytesOver.errors.map((e) => e.type)).toEqual(["line-too-long"]);
    expect(bytesOver.replies.map((r) => r.code)).toEqual([230]);
  });
});

describe("properties", () => {
  propertyTest.prop([
    fc.array(replySpec, { maxLength: 8 }).chain((specs) => {
      const bytes = encoder.encode(format(specs));
      return fc.tuple(fc.constant(specs), fc.constant(bytes), cutsFor(bytes.length));
    }),
  ])("any reply sequence, fed in any split, parses back to the same replies", ([specs, bytes, cuts]) => {
    const out = run(bytes, {}, cuts);
    expect(out.errors).toEqual([]);
    expect(
      out.replies.map((r) => ({ code: r.code, lines: r.lines, text: r.text, multiline: r.multiline })),
    ).toEqual(
      specs.map((s) => ({
        code: s.code,
        lines: s.lines,
        text: expectedText(s),
        multiline: s.lines.length > 1,
      })),
    );
    let offset = 0;
    for (const reply of out.replies) {
      expect(reply.offset).toBe(offset);
      expect(Array.from(reply.raw)).toEqual(Array.from(bytes.subarray(offset, offset + reply.byteLength)));
      offset += reply.byteLength;
    }
    expect(offset).toBe(bytes.length);
  });

  // Big chunks of UTF-8 take the parser's window fast path (one decode for many replies); with `onLine` every line
  // goes the general way. Both must give the same replies, errors and warnings.
  propertyTest.prop([
    fc.array(fc.oneof(replySpec, replySpec, fc.constantFrom("noise line", "", "2a0 x", "211Xy", "99 z")), {
      minLength: 10,
      maxLength: 60,
    }),
    fc.constantFrom(256, 300, 1460, 65536),
  ])("the fast path for big chunks gives what the general path gives", (items, chunkSize) => {
    const input = encoder.encode(
      items.map((item) => (typeof item === "string" ? `${item}\r\n` : format([item]))).join(""),
    );
    const cuts: number[] = [];
    for (let at = chunkSize; at < input.length; at += chunkSize) cuts.push(at);
    const fast = run(input, {}, cuts);
    const general = run(input, {}, cuts, true);
    expect(summary(fast)).toEqual(summary(general));
  });

  // The same on hostile material and options: invalid UTF-8 (windows that are not one byte a character), Telnet
  // commands (windows cut before them), bare CRs, lines that almost close a reply, multi-line replies longer than
  // a 16 KiB window or cut by a chunk, and limits that fire inside what the fast path would take.
  const awkwardLine = fc.constantFrom(
    "211 closes 211",
    "211",
    "211\r",
    "211x no close",
    "212 other code",
    "211-inner",
    "21",
    "\u00e9t\u00e9 accented",
    "",
    "2000 four digits",
    "700 out of range",
    "211\ttab",
  );
  const rawPiece = fc.oneof(
    { weight: 6, arbitrary: replySpec.map((spec) => encoder.encode(format([spec]))) },
    { weight: 2, arbitrary: awkwardLine.map((line) => encoder.encode(`${line}\r\n`)) },
    {
      weight: 1,
      // `211-` … `211 `: an open multi-line reply whose inner lines are awkward ones, closed or not.
      arbitrary: fc
        .tuple(fc.array(awkwardLine, { maxLength: 6 }), fc.boolean())
        .map(([inner, close]) =>
          encoder.encode(`211-open\r\n${inner.map((l) => `${l}\n`).join("")}${close ? "211 end\r\n" : ""}`),
        ),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        new Uint8Array([0x32, 0x30, 0x30, 0x20, 0x80, 0xc3, 0x0d, 0x0a]), // invalid UTF-8 in the text
        new Uint8Array([0x32, 0x30, 0x30, 0x20, 0xe7, 0x9b, 0xae, 0x0a]), // a CJK character
        new Uint8Array([0xff, 0xf1, 0x32, 0x32, 0x30, 0x20, 0x78, 0x0d, 0x0a]), // IAC NOP before a reply
        new Uint8Array([0x32, 0x32, 0x30, 0x20, 0xff, 0xff, 0x0d, 0x0a]), // IAC IAC in the text
        new Uint8Array([0x32, 0x32, 0x30, 0x20, 0x61, 0x0d, 0x62, 0x0a]), // a bare CR inside a line
        new Uint8Array([0xc3, 0x0a]), // a truncated sequence alone on a line
      ),
    },
    {
      weight: 1,
      // A multi-line reply of 17–40 KiB: longer than a decode window.
      arbitrary: fc.integer({ min: 300, max: 700 }).map((count) => {
        const inner = Array.from({ length: count }, (_, i) => ` line ${i} ${"x".repeat(50)}\r\n`).join("");
        return encoder.encode(`213-big\r\n${inner}213 end\r\n`);
      }),
    },
  );
  const joinPieces = (pieces: readonly Uint8Array[]) => {
    const out = new Uint8Array(pieces.reduce((sum, p) => sum + p.length, 0));
    let at = 0;
    for (const piece of pieces) {
      out.set(piece, at);
      at += piece.length;
    }
    return out;
  };
  propertyTest.prop([
    fc.array(rawPiece, { minLength: 5, maxLength: 60 }),
    fc.oneof(fc.constantFrom(256, 1460, 16 * 1024, 65536, 1 << 20), fc.integer({ min: 256, max: 5000 })),
    fc.record(
      {
        telnet: fc.boolean(),
        closeOnAnyCode: fc.boolean(),
        maxLineLength: fc.oneof(fc.integer({ min: 1, max: 80 }), fc.constant(1 << 20)),
        maxReplySize: fc.oneof(fc.integer({ min: 1, max: 2000 }), fc.constant(1 << 26)),
      },
      { requiredKeys: [] },
    ),
  ])("the fast path equals the general path on hostile input and options", (pieces, chunkSize, options) => {
    const input = joinPieces(pieces);
    const cuts: number[] = [];
    for (let at = chunkSize; at < input.length; at += chunkSize) cuts.push(at);
    expect(summary(run(input, options, cuts))).toEqual(summary(run(input, options, cuts, true)));
  });

  // Found by the property above while the inner-line fast path was written: a reply longer than a decode window,
  // whose inner lines were walked on a window begun inside it, was then located in that window (its text came out
  // cut to the window's part, and the next reply took the rest).
  test("a reply longer than a decode window, amid other replies and non-ASCII text, reads whole", () => {
    const inner = Array.from({ length: 300 }, (_, i) => ` line ${i} ${"x".repeat(50)}\r\n`).join("");
    const input = encoder.encode(`100\r\n100\r\n213-big\r\n${inner}213 end\r\n100\r\nété\r\n`);
    const fast = run(input, {}, []);
    expect(summary(fast)).toEqual(summary(run(input, {}, [], true)));
    const big = fast.replies[2]!;
    expect(big.lines.length).toBe(302);
    expect(big.text).toBe(`big\n${inner.replaceAll("\r\n", "\n")}end`);
    expect(fast.replies[3]!.text).toBe("");
  });

  propertyTest.prop([fc.array(replySpec, { maxLength: 4 })])(
    "byte-by-byte feeding equals whole feeding",
    (specs) => {
      const input = format(specs);
      expect(summary(byteByByte(input))).toEqual(summary(run(input)));
    },
  );

  const hostileByte = fc.oneof(
    fc.integer({ min: 0, max: 255 }),
    fc.constantFrom(0x0a, 0x0d, 0xff, 0x2d, 0x20, 0x32, 0x31, 0x30, 0xfa, 0xf0, 0xfb),
  );
  const options = fc.record(
    {
      bareCrIsLineEnd: fc.boolean(),
      telnet: fc.boolean(),
      closeOnAnyCode: fc.boolean(),
      retainLines: fc.boolean(),
      maxLineLength: fc.integer({ min: 1, max: 64 }),
      maxReplySize: fc.integer({ min: 1, max: 256 }),
      encoding: fc.constantFrom("utf-8", "auto", "latin1"),
    },
    { requiredKeys: [] },
  );

  propertyTest.prop([
    fc.uint8Array({ maxLength: 300 }).chain((bytes) => fc.tuple(fc.constant(bytes), cutsFor(bytes.length))),
    fc.array(hostileByte, { maxLength: 200 }),
    options,
  ])(
    "arbitrary bytes never throw, and chunking never changes what is reported",
    ([bytes, cuts], extra, opts) => {
      const input = new Uint8Array([...bytes, ...extra]);
      const whole = run(input, opts);
      expect(
        summary(
          run(
            input,
            opts,
            cuts.filter((c) => c < input.length),
          ),
        ),
      ).toEqual(summary(whole));
      for (const reply of whole.replies) {
        expect(Array.from(reply.raw)).toEqual(
          Array.from(input.subarray(reply.offset, reply.offset + reply.raw.length)),
        );
      }
    },
  );

  propertyTest.prop([fc.array(replySpec, { minLength: 1, maxLength: 5 }), fc.uint8Array({ maxLength: 200 })])(
    "garbage after complete replies never loses them",
    (specs, garbage) => {
      const input = new Uint8Array([...encoder.encode(format(specs)), ...garbage]);
      const out = run(input);
      expect(out.replies.slice(0, specs.length).map((r) => r.lines)).toEqual(specs.map((s) => s.lines));
    },
  );

  propertyTest.prop([
    fc.integer({ min: 1, max: 200 }),
    fc.integer({ min: 1, max: 400 }),
    fc.constantFrom("line", "reply", "iac"),
    fc.integer({ min: 1, max: 97 }),
  ])(
    "limits hold on adversarial input: nothing held past the limits",
    (maxLineLength, maxReplySize, kind, step) => {
      let unit: Uint8Array;
      if (kind === "line") unit = encoder.encode("2".repeat(37));
      else if (kind === "reply") unit = encoder.encode("211-x\r\n");
      else unit = new Uint8Array([0xff, 0xf1, 0x41]);
      const total = new Uint8Array(unit.length * 300);
      for (let i = 0; i < 300; i++) total.set(unit, i * unit.length);
      const cuts: number[] = [];
      for (let at = step; at < total.length; at += step) cuts.push(at);
      const out = run(total, { maxLineLength, maxReplySize }, cuts);
      for (const error of out.errors) {
        if (error.raw !== undefined)
          expect(error.raw.length).toBeLessThanOrEqual(maxLineLength + maxReplySize + 2);
      }
      expect(out.errors.at(-1)?.type).toBe("truncated");
    },
  );
});

describe("each event goes out in the feed that completes its line", () => {
  /**
   * Replies built from their lines, fed in small chunks (the path where inner lines may wait to be decoded
   * together): after each feed, exactly the replies whose closing line is complete are out, and with `onLine` or
   * `onTelnet` every complete line's events. Where each reply and line ends is known from how the input was built.
   */
  function fedInSmallChunks(
    lines: readonly (string | Uint8Array)[],
    options: ReplyParserOptions,
    size: number,
    listen: { lines?: boolean; telnet?: boolean } = {},
  ) {
    const parts = lines.map((line) => (typeof line === "string" ? encoder.encode(line) : line));
    const input = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
    const lineEnds: number[] = [];
    let at = 0;
    for (const part of parts) {
      input.set(part, at);
      at += part.length;
      lineEnds.push(at);
    }
    let replies = 0;
    let lineEvents = 0;
    let telnetEvents = 0;
    const parser = createReplyParser(
      {
        onReply: () => replies++,
        ...(listen.lines ? { onLine: () => lineEvents++ } : {}),
        ...(listen.telnet ? { onTelnet: () => telnetEvents++ } : {}),
        onError: () => {},
      },
      options,
    );
    const seen: Array<{ fed: number; replies: number; lines: number; telnet: number }> = [];
    for (let from = 0; from < input.length; from += size) {
      parser.feed(input.subarray(from, Math.min(input.length, from + size)));
      seen.push({
        fed: Math.min(input.length, from + size),
        replies,
        lines: lineEvents,
        telnet: telnetEvents,
      });
    }
    return { seen, lineEnds };
  }

  const IAC_NOP = [0xff, 0xf1];
  const closingLines: Array<[string, string | Uint8Array]> = [
    ["code alone, CR LF", "226\r\n"],
    ["code alone, LF", "226\n"],
    ["code and text", "226 done\r\n"],
    ["an IAC NOP before the code", Uint8Array.of(...IAC_NOP, ...encoder.encode("226 done\r\n"))],
    ["an IAC NOP inside the code", Uint8Array.of(0x32, ...IAC_NOP, ...encoder.encode("26 done\r\n"))],
    [
      "an IAC NOP after the code",
      Uint8Array.of(...encoder.encode("226"), ...IAC_NOP, ...encoder.encode(" done\r\n")),
    ],
  ];
  for (const [name, closing] of closingLines) {
    test(`a reply closed by ${name} is out as soon as its last byte is fed`, () => {
      for (const size of [1, 2, 3, 5, 7, 16]) {
        const { seen, lineEnds } = fedInSmallChunks(
          ["226-first\r\n", "inner\r\n", "226-x\r\n", closing],
          {},
          size,
        );
        const end = lineEnds.at(-1)!;
        for (const { fed, replies } of seen)
          expect(replies, `${size}-byte chunks, ${fed} fed`).toBe(fed >= end ? 1 : 0);
      }
    });
  }

  test("with onLine, each line is told as it completes; with onTelnet, its Telnet commands", () => {
    const lines = [
      "211-a\r\n",
      "b\r\n",
      Uint8Array.of(...encoder.encode("inner"), ...IAC_NOP, 0x0d, 0x0a),
      "d\r\n",
      "211 e\r\n",
    ];
    const withLines = fedInSmallChunks(lines, {}, 3, { lines: true });
    for (const { fed, lines: told } of withLines.seen) {
      expect(told, `${fed} fed`).toBe(withLines.lineEnds.filter((end) => end <= fed).length);
    }
    const withTelnet = fedInSmallChunks(lines, {}, 3, { telnet: true });
    for (const { fed, telnet } of withTelnet.seen) {
      expect(telnet, `${fed} fed`).toBe(fed >= withTelnet.lineEnds[2]! ? 1 : 0);
    }
  });

  test("closeOnAnyCode: an inner line that closes by any code closes the reply at once", () => {
    const { seen, lineEnds } = fedInSmallChunks(
      ["211-a\r\n", "b\r\n", "250 other\r\n"],
      { closeOnAnyCode: true },
      2,
    );
    for (const { fed, replies } of seen) expect(replies, `${fed} fed`).toBe(fed >= lineEnds[2]! ? 1 : 0);
  });
});
