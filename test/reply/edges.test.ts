/**
 * The reply parser at its edges: the end of the stream in every state (skipped line, skipped reply, open reply
 * kept line by line), the first bytes of a line around Telnet commands and CR, limits at their exact boundary,
 * errors and their excerpts when the line began in an earlier chunk. Each test pins documented behaviour with
 * exact values.
 */
import { describe, expect, test } from "vitest";
import type { ReplyParseError } from "../../src/errors.js";
import {
  createReplyParser,
  type ReplyLine,
  type ReplyParserOptions,
  type TelnetCommand,
} from "../../src/reply/parser.js";
import type { Reply } from "../../src/reply/reply.js";

const IAC = 0xff;
const NOP = 241;
const encoder = new TextEncoder();

function collect(
  chunks: readonly (Uint8Array | string)[],
  options: ReplyParserOptions = {},
  withLines = false,
) {
  const replies: Reply[] = [];
  const errors: ReplyParseError[] = [];
  const warnings: ReplyParseError[] = [];
  const telnet: TelnetCommand[] = [];
  const lines: ReplyLine[] = [];
  const parser = createReplyParser(
    {
      onReply: (r) => replies.push(r),
      onError: (e) => errors.push(e),
      onWarning: (w) => warnings.push(w),
      onTelnet: (t) => telnet.push(t),
      ...(withLines ? { onLine: (l: ReplyLine) => lines.push(l) } : {}),
    },
    options,
  );
  for (const chunk of chunks) parser.feed(chunk);
  parser.end();
  return { replies, errors, warnings, telnet, lines };
}

/** [type, offset, code, message] of each error. */
const errorsOf = (out: { errors: ReplyParseError[] }) =>
  out.errors.map((e) => [e.type, e.offset, e.code, e.message]);

const bytesOf = (...parts: (string | number)[]) =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === "number" ? [p] : Array.from(encoder.encode(p)))));

describe("the end of the stream while skipping (truncated)", () => {
  const long = "x".repeat(20);

  test("an over-long opening line `nnn-`: the stream ending at the next line start is still inside that reply", () => {
    const out = collect([`220-${long}\r\n`], { maxLineLength: 10 });
    expect(errorsOf(out)).toEqual([
      ["line-too-long", 0, undefined, 'line is longer than 10 bytes at byte 0: "220-xxxxxxx"'],
      ["truncated", 26, 220, "stream ended inside a skipped reply at byte 26"],
    ]);
  });

  test("an over-long inner line: the reply is skipped to its close, the stream ending first is reported with its code", () => {
    const out = collect([`211-a\r\n${long}\r\n`], { maxLineLength: 10 });
    expect(errorsOf(out)).toEqual([
      ["line-too-long", 7, 211, 'line is longer than 10 bytes at byte 7: "xxxxxxxxxxx"'],
      ["truncated", 29, 211, "stream ended inside a skipped reply at byte 29"],
    ]);
  });

  test("a reply past maxReplySize: skipped to its close, the stream ending first is reported with its code", () => {
    const out = collect(["211-a\r\n211-b\r\n"], { maxReplySize: 8 });
    expect(errorsOf(out)).toEqual([
      ["reply-too-long", 0, 211, "reply 211 is longer than 8 bytes at byte 0"],
      ["truncated", 14, 211, "stream ended inside a skipped reply at byte 14"],
    ]);
  });

  test("an over-long line outside a reply cut by the end of the stream: truncated without a code", () => {
    const out = collect([long], { maxLineLength: 10 });
    expect(errorsOf(out)).toEqual([
      ["line-too-long", 0, undefined, 'line is longer than 10 bytes at byte 0: "xxxxxxxxxxx"'],
      ["truncated", 0, undefined, "stream ended inside a skipped reply at byte 0"],
    ]);
  });

  test("a skipped line that ends before the stream does: nothing is pending", () => {
    const out = collect([`${long}\r\n`], { maxLineLength: 10 });
    expect(errorsOf(out)).toEqual([
      ["line-too-long", 0, undefined, 'line is longer than 10 bytes at byte 0: "xxxxxxxxxxx"'],
    ]);
  });
});

describe("the end of the stream inside a reply kept line by line", () => {
  test("retainLines: false — the truncated error carries the opening line and the open line, not the inner ones", () => {
    const out = collect(["211-a\r\nb\r\nc"], { retainLines: false });
    expect(errorsOf(out)).toEqual([
      ["truncated", 0, 211, 'stream ended inside multi-line reply 211 at byte 0: "211-a\\r\\nc"'],
    ]);
    expect(new TextDecoder().decode(out.errors[0]?.raw)).toBe("211-a\r\nc");
  });

  test("with onLine — the truncated error carries every line so far, in order", () => {
    const out = collect(["211-a\r\nb\r\nc"], {}, true);
    expect(new TextDecoder().decode(out.errors[0]?.raw)).toBe("211-a\r\nb\r\nc");
    expect(out.errors[0]?.excerpt).toBe("211-a\r\nb\r\nc");
    expect(out.lines.map((l) => [l.line, l.index, l.last, l.offset, l.code])).toEqual([
      ["211-a", 0, false, 0, 211],
      ["b", 1, false, 7, 211],
    ]);
  });

  test("with onLine — the open line may be empty: the error carries the lines before it", () => {
    const out = collect(["211-a\r\nb\r\n"], {}, true);
    expect(new TextDecoder().decode(out.errors[0]?.raw)).toBe("211-a\r\nb\r\n");
    expect(out.errors[0]?.offset).toBe(0);
  });
});

describe("the first bytes of a line", () => {
  test("a blank line is told apart on the very first line and after a reply", () => {
    expect(errorsOf(collect(["\n220 x\r\n"]))).toEqual([
      ["unexpected-line", 0, undefined, 'blank line outside a reply at byte 0: ""'],
    ]);
    expect(errorsOf(collect(["220 a\r\n\n"]))).toEqual([
      ["unexpected-line", 7, undefined, 'blank line outside a reply at byte 7: ""'],
    ]);
  });

  test("CR, a Telnet command, then LF: the CR still belongs to the terminator (`220` is a bare reply)", () => {
    const out = collect([bytesOf("220\r", IAC, NOP, "\n")]);
    expect(out.replies.map((r) => [r.code, r.text, r.lines])).toEqual([[220, "", ["220"]]]);
    expect(out.warnings).toEqual([]);
    expect(out.telnet.map((t) => [t.command, t.offset])).toEqual([[NOP, 4]]);
  });
});

describe("a skipped reply ends only at its own closing line (RFC 959 §4.2)", () => {
  const long = "x".repeat(20);
  const after = (inner: string) =>
    collect([`220-${long}\r\n${inner}\r\n220 end\r\n226 ok\r\n`], { maxLineLength: 10 });

  test.each([
    // The bytes a short line does not have are not taken from the line before (`120 y` leaves `20 ` behind;
    // LF alone ends the short line, so no CR takes the third place).
    ["a line of two digits after `120 y`", "120 y\r\n22\n"],
    ["a line of one digit after `120 y`", "120 y\r\n2\n"],
    ["the own code with a hyphen", "220-more"],
    ["the own code followed by a letter", "220x"],
    ["a third byte that is not a digit, with the same value (`21:` = 2·100 + 1·10 + 10)", "21: x"],
    ["a second byte that is not a digit, with the same value (`1<0` = 1·100 + 12·10 + 0)", "1<0 x"],
  ])("%s does not close it", (_, inner) => {
    const out = after(inner);
    expect(out.replies.map((r) => [r.code, r.offset])).toEqual([[226, 26 + inner.length + 2 + 9]]);
    expect(out.errors.map((e) => e.type)).toEqual(["line-too-long"]);
  });

  test("a bare `220` or `220 x` closes it", () => {
    for (const close of ["220", "220 x"]) {
      const out = collect([`220-${long}\r\ninner\r\n${close}\r\n226 ok\r\n`], { maxLineLength: 10 });
      expect(out.replies.map((r) => [r.code, r.offset])).toEqual([[226, 33 + close.length + 2]]);
    }
  });

  test.each([
    ["`100-`", "100-"],
    ["`600-`", "600-"],
    ["`199-`", "199-"],
    ["`650-`", "650-"],
  ])("an over-long opening line %s (first digit 1–6) skips its reply", (_, head) => {
    const code = head.slice(0, 3);
    const out = collect([`${head}${long}\r\ninner\r\n${code} end\r\n226 ok\r\n`], { maxLineLength: 10 });
    expect(out.replies.map((r) => r.code)).toEqual([226]);
    expect(out.errors.map((e) => [e.type, e.offset])).toEqual([["line-too-long", 0]]);
  });

  test.each([
    ["`22a-`", "22a-"],
    ["`2a0-`", "2a0-"],
    ["`a20-`", "a20-"],
    ["`2:0-`", "2:0-"],
    ["`22:-`", "22:-"],
    ["`700-`", "700-"],
    ["`099-`", "099-"],
  ])("an over-long line %s opens no reply: only the line is skipped", (_, head) => {
    const out = collect([`${head}${long}\r\n226 ok\r\n`], { maxLineLength: 10 });
    expect(out.replies.map((r) => [r.code, r.offset])).toEqual([[226, 26]]);
    expect(out.errors.map((e) => [e.type, e.offset])).toEqual([["line-too-long", 0]]);
  });
});

describe("limits in bare-CR mode", () => {
  test("a CR at a chunk's end is the line's terminator, not one of its bytes", () => {
    const out = collect(["220 a\r", "\n226 b\r"], { bareCrIsLineEnd: true, maxLineLength: 5 });
    expect(out.errors).toEqual([]);
    expect(out.replies.map((r) => [r.code, r.text, r.offset])).toEqual([
      [220, "a", 0],
      [226, "b", 7],
    ]);
    const over = collect(["220 ab\r", "\n"], { bareCrIsLineEnd: true, maxLineLength: 5 });
    expect(over.errors.map((e) => [e.type, e.offset])).toEqual([["line-too-long", 0]]);
  });
});

/** Every way to cut `bytes` into two chunks, into three around each pair of places, and byte by byte. */
function splits(bytes: Uint8Array): Uint8Array[][] {
  const out: Uint8Array[][] = [[bytes]];
  for (let i = 1; i < bytes.length; i++) {
    out.push([bytes.subarray(0, i), bytes.subarray(i)]);
    for (let j = i + 1; j < bytes.length; j++) {
      out.push([bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)]);
    }
  }
  out.push(Array.from(bytes, (b) => Uint8Array.of(b)));
  return out;
}

describe("Telnet commands inside a reply, wherever the chunks are cut (RFC 854, RFC 959 §4.2)", () => {
  const WILL = 251;
  // `211-a` NOP `b` / `c` WILL 1 `d` / `211 e` IAC IAC `f`: the commands leave the text, IAC IAC is one 0xFF.
  const input = bytesOf("211-a", IAC, NOP, "b\r\nc", IAC, WILL, 1, "d\r\n211 e", IAC, IAC, "f\r\n");

  test("the reply's lines and text lose the commands, its raw bytes keep them", () => {
    for (const chunks of splits(input)) {
      const out = collect(chunks, { encoding: "latin1" });
      expect(out.errors).toEqual([]);
      expect(out.replies.map((r) => [r.code, r.lines, r.text, r.offset, r.byteLength])).toEqual([
        [211, ["211-ab", "cd", "211 eÿf"], "ab\ncd\neÿf", 0, input.length],
      ]);
      expect(Array.from(out.replies[0]?.raw ?? [])).toEqual(Array.from(input));
      expect(out.telnet.map((t) => [t.command, t.offset, t.option])).toEqual([
        [NOP, 5, undefined],
        [WILL, 11, 1],
      ]);
    }
  });

  test("line by line (onLine, retainLines: false) the same", () => {
    for (const retainLines of [true, false]) {
      for (const chunks of splits(input)) {
        const out = collect(chunks, { encoding: "latin1", retainLines }, true);
        expect(out.lines.map((l) => [l.line, l.index, l.last, l.offset])).toEqual([
          ["211-ab", 0, false, 0],
          ["cd", 1, false, 10],
          ["211 eÿf", 2, true, 17],
        ]);
        const reply = out.replies[0];
        expect(reply?.text).toBe(retainLines ? "ab\ncd\neÿf" : "ab\neÿf");
        expect(new TextDecoder("latin1").decode(reply?.raw)).toBe(
          new TextDecoder("latin1").decode(
            retainLines ? input : Uint8Array.from([...input.subarray(0, 10), ...input.subarray(17)]),
          ),
        );
      }
    }
  });

  test("a line outside a reply: the excerpt loses the commands", () => {
    const line = bytesOf("ab", IAC, NOP, "c", IAC, WILL, 3, "d\r\n220 x\r\n");
    for (const chunks of splits(line)) {
      const out = collect(chunks);
      expect(out.errors.map((e) => [e.type, e.offset, e.excerpt])).toEqual([["unexpected-line", 0, "abcd"]]);
      expect(out.replies.map((r) => [r.code, r.offset, r.text])).toEqual([[220, 11, "x"]]);
    }
  });
});

describe("reply lines, however the reply's text is decoded", () => {
  test("a reply larger than a decoding window (16 KiB), with a line longer than a window and multi-byte characters", () => {
    // Lines of 1000 bytes with a 3-byte `€` at every 997th byte (so windows cut near characters), then one line of
    // 40 000 bytes, LF-only and CR LF terminators mixed.
    const inner = Array.from(
      { length: 40 },
      (_, i) => `${"€".padStart(998, String.fromCharCode(97 + (i % 26)))}`,
    );
    const huge = "é".repeat(20_000);
    const lines = ["211-start", ...inner, huge, "211 end"];
    const text = lines.map((line, i) => `${line}${i % 2 === 0 ? "\r\n" : "\n"}`).join("");
    for (const chunks of [[text], [text.slice(0, 5000), text.slice(5000)]]) {
      const out = collect(chunks);
      expect(out.errors).toEqual([]);
      expect(out.replies).toHaveLength(1);
      const reply = out.replies[0]!;
      expect(reply.lines).toEqual(lines);
      expect(reply.text).toBe(["start", ...inner, huge, "end"].join("\n"));
      expect(reply.byteLength).toBe(encoder.encode(text).length);
    }
  });

  test.each([
    ["CR only", "211-a\rb\r\r211 c\r", ["211-a", "b", "", "211 c"]],
    ["LF only", "211-a\nb\n\n211 c\n", ["211-a", "b", "", "211 c"]],
    ["CR LF, then CR, then LF", "211-a\r\nb\rc\n211 d\r\n", ["211-a", "b", "c", "211 d"]],
    ["LF CR: two line ends", "211-a\n\rb\n211 c\r", ["211-a", "", "b", "211 c"]],
  ])("bare-CR mode, %s", (_, text, lines) => {
    for (const chunks of [[text], Array.from(text)]) {
      const out = collect(chunks, { bareCrIsLineEnd: true });
      expect(out.errors).toEqual([]);
      expect(out.replies.map((r) => [r.code, r.lines, r.byteLength])).toEqual([[211, lines, text.length]]);
    }
  });
});

describe("replies kept line by line, one after another", () => {
  test.each([{ retainLines: true }, { retainLines: false }])(
    "the second multi-line reply holds only its own lines and bytes (%o, onLine)",
    (options) => {
      const first = "211-a\r\n b\r\n211 c\r\n";
      const second = "212-d\r\n e\r\n212 f\r\n";
      const out = collect([first + second], options, true);
      expect(out.errors).toEqual([]);
      const kept = (text: string) => (options.retainLines ? text : text.replace(/\r\n [be]\r\n/, "\r\n"));
      expect(out.replies.map((r) => [r.code, r.lines, new TextDecoder().decode(r.raw), r.offset])).toEqual([
        [211, options.retainLines ? ["211-a", " b", "211 c"] : ["211-a", "211 c"], kept(first), 0],
        [
          212,
          options.retainLines ? ["212-d", " e", "212 f"] : ["212-d", "212 f"],
          kept(second),
          first.length,
        ],
      ]);
      expect(out.lines.map((l) => [l.code, l.index, l.last])).toEqual([
        [211, 0, false],
        [211, 1, false],
        [211, 2, true],
        [212, 0, false],
        [212, 1, false],
        [212, 2, true],
      ]);
    },
  );
});

describe("big chunks (the fast paths) around Telnet commands", () => {
  // A multi-line reply whose first line holds a command, then enough inner lines to make the chunk big (≥ 256 bytes).
  const inner = Array.from({ length: 12 }, (_, i) => `line ${String(i).padStart(2, "0")} ${"x".repeat(20)}`);
  const input = bytesOf(
    "211-a",
    IAC,
    NOP,
    "b\r\n",
    inner.map((l) => `${l}\r\n`).join(""),
    "211 end\r\n226 ok\r\n",
  );

  test("the reply's lines and text are those of the general path", () => {
    expect(input.length).toBeGreaterThan(256);
    for (const cut of [0, 4, 6, 9, 40, input.length - 12]) {
      const chunks = cut === 0 ? [input] : [input.subarray(0, cut), input.subarray(cut)];
      for (const options of [{}, { retainLines: false }]) {
        const out = collect(chunks, options);
        expect(out.errors).toEqual([]);
        const lines = "retainLines" in options ? ["211-ab", "211 end"] : ["211-ab", ...inner, "211 end"];
        expect(out.replies.map((r) => [r.code, r.lines, r.offset])).toEqual([
          [211, lines, 0],
          [226, ["226 ok"], input.length - 8],
        ]);
        expect(out.telnet.map((t) => [t.command, t.offset])).toEqual([[NOP, 5]]);
      }
    }
  });
});

describe("one terminator is removed: LF or CR LF (RFC 959 §4.1.3), nothing more", () => {
  test("lines ended by LF alone keep their last character, line by line and in excerpts", () => {
    const out = collect(["211-ab\nc\n211 de\nxyz\n"], {}, true);
    expect(out.lines.map((l) => l.line)).toEqual(["211-ab", "c", "211 de"]);
    expect(out.replies.map((r) => [r.lines, r.text])).toEqual([[["211-ab", "c", "211 de"], "ab\nc\nde"]]);
    expect(out.errors.map((e) => [e.type, e.excerpt])).toEqual([["unexpected-line", "xyz"]]);
  });

  test("only the CR right before LF goes: `a\\r\\r\\n` keeps one CR", () => {
    const out = collect(["211-a\r\r\nb\r\r\n211 c\r\r\nx\r\r\n"], {}, true);
    expect(out.lines.map((l) => l.line)).toEqual(["211-a\r", "b\r", "211 c\r"]);
    expect(out.errors.map((e) => [e.type, e.excerpt])).toEqual([["unexpected-line", "x\r"]]);
  });
});

describe("a single-byte encoding is decoded as itself, in big chunks and big replies", () => {
  // Latin-1 `é` is the byte 0xE9, which is not UTF-8: any UTF-8 decoding of these bytes would give U+FFFD.
  const latin1 = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));

  test("a multi-line reply in a chunk of ≥ 256 bytes", () => {
    const inner = Array.from({ length: 12 }, (_, i) => `é${i} ${"x".repeat(20)}`);
    const text = `211-é\r\n${inner.map((l) => `${l}\r\n`).join("")}211 fin é\r\n`;
    const out = collect([latin1(text)], { encoding: "latin1" });
    expect(text.length).toBeGreaterThan(256);
    expect(out.replies.map((r) => [r.code, r.lines])).toEqual([[211, ["211-é", ...inner, "211 fin é"]]]);
  });

  test("a multi-line reply larger than a decoding window (16 KiB)", () => {
    const inner = Array.from({ length: 30 }, (_, i) => `${i} ${"é".repeat(1000)}`);
    const text = `211-é\r\n${inner.map((l) => `${l}\r\n`).join("")}211 fin\r\n`;
    const out = collect([latin1(text)], { encoding: "latin1" });
    expect(out.replies.map((r) => [r.code, r.lines])).toEqual([[211, ["211-é", ...inner, "211 fin"]]]);
  });
});

describe("the parser after end() and reset()", () => {
  test("it starts afresh: offsets from 0, no line end left over from the last stream", () => {
    const replies: [number, number][] = [];
    const errors: string[] = [];
    const parser = createReplyParser({
      onReply: (r) => replies.push([r.code, r.offset]),
      onError: (e) => errors.push(`${e.type}@${e.offset}`),
    });
    parser.feed("220 a\r\n");
    parser.end();
    parser.feed("221 b\r\n");
    parser.end();
    parser.feed("230 c\r\n23");
    parser.reset();
    parser.feed("250 d\r\n");
    parser.end();
    parser.end();
    expect(replies).toEqual([
      [220, 0],
      [221, 0],
      [230, 0],
      [250, 0],
    ]);
    expect(errors).toEqual([]);
  });

  test("in bare-CR mode too, after a stream that ended on a CR", () => {
    const out: string[] = [];
    const parser = createReplyParser(
      {
        onReply: (r) => out.push(`${r.code}@${r.offset}`),
        onError: (e) => out.push(`${e.type}@${e.offset}`),
      },
      { bareCrIsLineEnd: true },
    );
    parser.feed("220 a\r");
    parser.end();
    parser.feed("\n221 b\r");
    parser.reset();
    parser.feed("\n230 c\r\n");
    parser.end();
    // `\n` at the start of a new stream is a blank line of its own, not the end of the last stream's CR.
    expect(out).toEqual(["220@0", "unexpected-line@0", "unexpected-line@0", "230@1"]);
  });
});

describe("inside a multi-line reply, only the reply's own code closes it (RFC 959 §4.2)", () => {
  test.each(["120 x", "210 x", "221 x", "320 x"])("`%s` is an inner line of reply 220", (line) => {
    const out = collect([`220-a\r\n${line}\r\n220 end\r\n`]);
    expect(out.replies.map((r) => [r.code, r.lines])).toEqual([[220, ["220-a", line, "220 end"]]]);
    expect(out.warnings).toEqual([]);
  });

  test("a line shorter than a code does not borrow the bytes of the line before (`120 y` then `2`)", () => {
    const out = collect(["220-a\r\n120 y\r\n2\n22\n220 end\r\n"]);
    expect(out.replies.map((r) => [r.code, r.lines])).toEqual([
      [220, ["220-a", "120 y", "2", "22", "220 end"]],
    ]);
  });

  test("a bare code after a line whose fourth byte was `-` is a single-line reply (LF-only lines)", () => {
    const out = collect(["abc-\n220\n226 x\n"]);
    expect(out.replies.map((r) => [r.code, r.lines, r.offset])).toEqual([
      [220, ["220"], 5],
      [226, ["226 x"], 9],
    ]);
    expect(out.errors.map((e) => [e.type, e.offset])).toEqual([["unexpected-line", 0]]);
  });
});

describe("maxReplySize is checked at every line, at its exact boundary (line by line with onLine)", () => {
  test("an opening line alone past the limit: no line is delivered", () => {
    const out = collect(["211-abcdefghij\r\n211 x\r\n226 ok\r\n"], { maxReplySize: 12 }, true);
    expect(errorsOf(out)).toEqual([
      ["reply-too-long", 0, 211, "reply 211 is longer than 12 bytes at byte 0"],
    ]);
    expect(out.lines.map((l) => l.line)).toEqual(["226 ok"]);
    expect(out.replies.map((r) => r.code)).toEqual([226]);
  });

  test("an opening line of exactly the limit is delivered; the close past it is the error", () => {
    const out = collect(["211-abcdef\r\n211 x\r\n"], { maxReplySize: 12 }, true);
    expect(out.lines.map((l) => l.line)).toEqual(["211-abcdef"]);
    expect(errorsOf(out)).toEqual([
      ["reply-too-long", 0, 211, "reply 211 is longer than 12 bytes at byte 0"],
    ]);
  });

  test("an inner line that brings the reply to exactly the limit is delivered", () => {
    const out = collect(["211-a\r\nbcdef\r\n211 x\r\n"], { maxReplySize: 14 }, true);
    expect(out.lines.map((l) => l.line)).toEqual(["211-a", "bcdef"]);
    expect(errorsOf(out)).toEqual([
      ["reply-too-long", 0, 211, "reply 211 is longer than 14 bytes at byte 0"],
    ]);
  });

  test("a single-line reply past the limit: its message names the code and the limit", () => {
    const out = collect(["226 p\r\n220 abc\r\n"], { maxReplySize: 8 });
    expect(errorsOf(out)).toEqual([["reply-too-long", 7, 220, "reply 220 is longer than 8 bytes at byte 7"]]);
  });
});

describe("limits in big chunks (≥ 256 bytes, where the fast paths frame the replies)", () => {
  // 40 short replies first, so that the chunk is big and the fast path is already framing when the case comes.
  const prefix = "226 ok\r\n".repeat(40);
  const at = prefix.length;
  const big = (text: string, options: ReplyParserOptions) => {
    const out = collect([`${prefix}${text}250 done\r\n${"226 ok\r\n".repeat(10)}`], options);
    return {
      errors: out.errors.map((e) => [e.type, e.offset - at, e.code]),
      replies: out.replies.slice(40, -10).map((r) => [r.code, r.offset - at, r.lines]),
    };
  };

  test("a single-line reply of exactly maxLineLength passes, one byte more is line-too-long", () => {
    expect(big("220 12345\r\n", { maxLineLength: 10 })).toEqual({
      errors: [],
      replies: [
        [220, 0, ["220 12345"]],
        [250, 11, ["250 done"]],
      ],
    });
    expect(big("220 123456\r\n", { maxLineLength: 10 })).toEqual({
      errors: [["line-too-long", 0, undefined]],
      replies: [[250, 12, ["250 done"]]],
    });
  });

  test("a multi-line reply's opening, inner and closing lines at maxLineLength and one byte past it", () => {
    expect(big("211-12345\r\n123456789\r\n211 12345\r\n", { maxLineLength: 10 }).errors).toEqual([]);
    expect(big("211-123456\r\nx\r\n211 end\r\n", { maxLineLength: 10 })).toEqual({
      errors: [["line-too-long", 0, undefined]],
      replies: [[250, 24, ["250 done"]]],
    });
    expect(big("211-a\r\n1234567890\r\n211 end\r\n", { maxLineLength: 10 })).toEqual({
      errors: [["line-too-long", 7, 211]],
      replies: [[250, 28, ["250 done"]]],
    });
    // An over-long closing line still closes the reply it ends (skipped, not waited for).
    expect(big("211-a\r\n211 1234567\r\n", { maxLineLength: 10 })).toEqual({
      errors: [["line-too-long", 7, 211]],
      replies: [[250, 20, ["250 done"]]],
    });
  });

  test("a reply of exactly maxReplySize passes, one byte more is reply-too-long", () => {
    // The 40 `226 ok` replies are 8 bytes each: the limit is above them.
    expect(big("220 123456\r\n", { maxReplySize: 12 }).errors).toEqual([]);
    expect(big("220 1234567\r\n", { maxReplySize: 12 })).toEqual({
      errors: [["reply-too-long", 0, 220]],
      replies: [[250, 13, ["250 done"]]],
    });
    expect(big("211-a\r\n211 b\r\n", { maxReplySize: 14 }).errors).toEqual([]);
    expect(big("211-a\r\n211 bc\r\n", { maxReplySize: 14 })).toEqual({
      errors: [["reply-too-long", 0, 211]],
      replies: [[250, 15, ["250 done"]]],
    });
    expect(big("211-a\r\nb\r\nc\r\n211 d\r\n", { maxReplySize: 14 })).toEqual({
      errors: [["reply-too-long", 0, 211]],
      replies: [[250, 20, ["250 done"]]],
    });
  });
});

describe("what the fast paths must leave to the general path (big chunks)", () => {
  const prefix = "226 ok\r\n".repeat(40);
  const codes = (text: string, options: ReplyParserOptions = {}) => {
    const out = collect([`${prefix}${text}`], options);
    return {
      replies: out.replies.slice(40).map((r) => [r.code, r.offset - prefix.length, r.lines]),
      errors: out.errors.map((e) => [e.type, e.offset - prefix.length]),
      warnings: out.warnings.map((w) => [w.type, w.offset - prefix.length]),
    };
  };

  test("lines that open no reply are errors, not replies", () => {
    expect(codes("hello\r\n0 x\r\n700 x\r\n22 x\r\n220 ok\r\n")).toEqual({
      replies: [[220, 25, ["220 ok"]]],
      errors: [
        ["unexpected-line", 0],
        ["unexpected-line", 7],
        ["unexpected-line", 12],
        ["unexpected-line", 19],
      ],
      warnings: [],
    });
  });

  test("inner lines with another code do not close a multi-line reply", () => {
    const lines = ["220-a", "120 x", "210 x", "221 x", "2", "22", "220-b", "220 end"];
    expect(codes(`${lines.join("\r\n")}\r\n`)).toEqual({
      replies: [[220, 0, lines]],
      errors: [],
      warnings: [],
    });
    // The same after an open reply's first lines came in an earlier chunk (the inner-line fast path).
    const out = collect([`${prefix}220-a\r\n`, `${lines.slice(1).join("\r\n")}\r\n${prefix}`]);
    expect(out.replies.map((r) => r.lines).filter((l) => l.length > 1)).toEqual([lines]);
  });

  test("LF-only lines keep their last character", () => {
    const lines = ["211-ab", "cd", "e", "", "211 fg"];
    expect(codes(`${lines.join("\n")}\n220 x\n`).replies).toEqual([
      [211, 0, lines],
      [220, 20, ["220 x"]],
    ]);
  });

  test("bare-CR mode: CR alone ends the lines", () => {
    const out = collect([`${"226 ok\r".repeat(40)}211-a\rb\r211 c\r220 x\r`], { bareCrIsLineEnd: true });
    expect(out.errors).toEqual([]);
    expect(out.replies.slice(40).map((r) => [r.code, r.lines])).toEqual([
      [211, ["211-a", "b", "211 c"]],
      [220, ["220 x"]],
    ]);
  });

  test("a multi-line reply across the end of a 16 KiB decoding window", () => {
    // Short replies up to about 16 KiB, then a reply of 2 KiB that the first window cuts.
    const many = "226 ok\r\n".repeat(2000);
    const inner = Array.from({ length: 40 }, (_, i) => `line ${i} ${"é".repeat(20)}`);
    const lines = ["211-start", ...inner, "211 end"];
    const text = `${many}${lines.join("\r\n")}\r\n220 after\r\n`;
    const out = collect([text]);
    expect(out.errors).toEqual([]);
    expect(out.replies).toHaveLength(2002);
    expect(out.replies[2000]?.lines).toEqual(lines);
    expect(out.replies[2000]?.offset).toBe(many.length);
    expect(out.replies[2001]?.lines).toEqual(["220 after"]);
  });
});

describe("an over-long line of just a code", () => {
  test("`220` made long by Telnet commands skips only itself (its 4th byte is not taken from the line before)", () => {
    const nops = Array.from({ length: 6 }, () => [IAC, NOP]).flat();
    const out = collect([bytesOf("abc-\n220", ...nops, "\n226 ok\n")], { maxLineLength: 6 });
    expect(out.errors.map((e) => [e.type, e.offset])).toEqual([
      ["unexpected-line", 0],
      ["line-too-long", 5],
    ]);
    expect(out.replies.map((r) => [r.code, r.offset])).toEqual([[226, 21]]);
  });
});
