/**
 * The parser's decoding work (issue 7): how many times, and in which pieces, the bytes of a stream go through
 * `TextDecoder#decode`. The fast path's whole point is to decode a chunk's complete lines in windows of about
 * 16 KiB, each byte once, instead of one call per reply; a change that silently turns it off (or decodes a window
 * per line, as an IAC flood once made it do) gives the same replies, only many times slower. These tests count the
 * calls and bytes through a spy on `TextDecoder.prototype.decode`, so that such a change fails a test rather than
 * only a benchmark. No timing is measured.
 *
 * The model of the windows (`windowsOf`) is the documented design: a window starts at a line start and ends after
 * the last LF within 16 KiB of it; a line holding a Telnet command ends the window before it.
 */
import { afterEach, describe, expect, test, vi } from "vitest";
import type { ReplyParseError } from "../../src/errors.js";
import { createReplyParser, type ReplyParserOptions, type TelnetCommand } from "../../src/parser.js";
import type { Reply } from "../../src/reply.js";
import { concatBytes } from "../helpers/bytes.js";

const WINDOW = 16 * 1024;
const LF = 0x0a;
const NOP = 241;
const encoder = new TextEncoder();

afterEach(() => {
  vi.restoreAllMocks();
});

/** Bytes from text where each char below 256 is one byte (so "\xff" is the byte 0xFF). */
function latin1(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/** `unit` repeated to exactly `length` bytes. */
function repeatTo(unit: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = unit[i % unit.length]!;
  return out;
}

interface Work {
  replies: Reply[];
  errors: ReplyParseError[];
  telnet: TelnetCommand[];
  /** Byte length of each decode call, in order. */
  calls: number[];
  /** Bytes decoded in total. */
  bytes: number;
  /** The largest single call. */
  largest: number;
}

function decodeWork(chunks: readonly Uint8Array[], options: ReplyParserOptions = {}): Work {
  const replies: Reply[] = [];
  const errors: ReplyParseError[] = [];
  const telnet: TelnetCommand[] = [];
  const parser = createReplyParser(
    {
      onReply: (r) => replies.push(r),
      onError: (e) => errors.push(e),
      onTelnet: (t) => telnet.push(t),
    },
    options,
  );
  const spy = vi.spyOn(TextDecoder.prototype, "decode");
  for (const chunk of chunks) parser.feed(chunk);
  parser.end();
  const calls = spy.mock.calls.map(([input]) => (input as ArrayBufferView | undefined)?.byteLength ?? 0);
  spy.mockRestore();
  // Reading the replies' text after the spy is gone: lazily built fields are not counted.
  return {
    replies,
    errors,
    telnet,
    calls,
    bytes: calls.reduce((a, b) => a + b, 0),
    largest: Math.max(0, ...calls),
  };
}

/** The windows the design cuts `[from, to)` into: each ends after the last LF within WINDOW bytes of its start. */
function windowsOf(bytes: Uint8Array, from = 0, to = bytes.length): number[] {
  const sizes: number[] = [];
  while (from < to) {
    const end = bytes.lastIndexOf(LF, Math.min(to, from + WINDOW) - 1) + 1;
    if (end <= from) throw new Error("model: a line longer than a window");
    sizes.push(end - from);
    from = end;
  }
  return sizes;
}

/** The same replies, fed a byte at a time with no decoding shortcut possible (chunks below 256 bytes). */
function byteByByte(bytes: Uint8Array, options: ReplyParserOptions = {}) {
  const replies: Reply[] = [];
  const errors: ReplyParseError[] = [];
  const parser = createReplyParser(
    { onReply: (r) => replies.push(r), onError: (e) => errors.push(e) },
    options,
  );
  for (let i = 0; i < bytes.length; i++) parser.feed(bytes.subarray(i, i + 1));
  parser.end();
  return { replies, errors };
}

const summary = (replies: readonly Reply[]) =>
  replies.map((r) => [r.code, r.offset, r.byteLength, r.multiline, r.text]);

describe("a chunk of single-line replies is decoded in windows of whole lines, each byte once", () => {
  const line = encoder.encode("200 Command okay.\r\n");
  // 3449 whole lines: 65 531 bytes.
  const chunk = repeatTo(line, line.length * 3449);

  test("64 KiB of 19-byte replies: one call per window of the model, every byte once, none over 16 KiB", () => {
    const work = decodeWork([chunk]);
    expect(work.replies).toHaveLength(3449);
    expect(work.calls).toEqual(windowsOf(chunk));
    expect(work.bytes).toBe(chunk.length);
    expect(work.largest).toBeLessThanOrEqual(WINDOW);
  });

  test.each([["utf-8"], ["UTF-8"], ["  utf8 "], ["Unicode-1-1-UTF-8"]])(
    "the encoding label %j is UTF-8 too: the same windows",
    (encoding) => {
      const work = decodeWork([chunk], { encoding });
      expect(work.replies).toHaveLength(3449);
      expect(work.calls).toEqual(windowsOf(chunk));
    },
  );

  test("windows end at the last LF within 16 KiB, not after it (an LF at byte 16 384 starts the next window)", () => {
    // "200\r\n" is 5 bytes: the 3277th LF is at byte 16 384, one past the window.
    const bare = repeatTo(encoder.encode("200\r\n"), 5 * 6000);
    const work = decodeWork([bare]);
    expect(work.replies).toHaveLength(6000);
    expect(work.calls).toEqual(windowsOf(bare));
    expect(work.calls[0]).toBe(16_380);
  });

  test("a chunk of exactly 256 bytes takes the windows; each later chunk too", () => {
    const small = repeatTo(encoder.encode("200 ok\r\n"), 256);
    const work = decodeWork([small, small, small]);
    expect(work.replies).toHaveLength(96);
    expect(work.calls).toEqual([256, 256, 256]);
  });

  test("a chunk of 255 bytes does not: its 31 whole replies are decoded one by one", () => {
    const small = repeatTo(encoder.encode("200 ok\r\n"), 255);
    const work = decodeWork([small]);
    expect(work.replies).toHaveLength(31);
    // 31 replies, then the 7 bytes of the truncated line, for the error's excerpt.
    expect(work.calls).toEqual([...new Array(31).fill(8), 7]);
  });

  test("replies after a line the fast path declines go on in the same window", () => {
    // Lines that open no reply: code out of 100–699, a non-digit, a space first.
    const bad = ["050 zero first\r\n", "700 seven\r\n", "2x0 letter\r\n", "20x letter\r\n", " 12 space\r\n"];
    const parts: string[] = [];
    for (let i = 0; i < 400; i++)
      parts.push(i % 40 === 7 ? bad[((i / 40) | 0) % bad.length]! : `200 reply ${i}\r\n`);
    const bytes = encoder.encode(parts.join(""));
    const work = decodeWork([bytes]);
    const reference = byteByByte(bytes);
    expect(summary(work.replies)).toEqual(summary(reference.replies));
    expect(work.errors.map((e) => [e.type, e.offset])).toEqual(
      reference.errors.map((e) => [e.type, e.offset]),
    );
    expect(work.errors).toHaveLength(10);
  });
});

describe("replies the general path frames in a chunk of 256 bytes or more still take the window's text", () => {
  test("closeOnAnyCode: multi-line replies framed line by line, their text cut from the window (one call a window)", () => {
    const reply = "211-Features:\r\n MDTM\r\n SIZE\r\n211 End\r\n";
    const chunk = encoder.encode(reply.repeat(900));
    const work = decodeWork([chunk], { closeOnAnyCode: true });
    expect(work.replies).toHaveLength(900);
    expect(work.replies[0]!.lines).toEqual(["211-Features:", " MDTM", " SIZE", "211 End"]);
    expect(work.replies[899]!.text).toBe("Features:\n MDTM\n SIZE\nEnd");
    expect(work.calls).toEqual(windowsOf(chunk));
  });

  test("closeOnAnyCode: a reply that runs past the window's end is cut from a window built at its start", () => {
    // 22-byte replies: the first window ends after an inner line of reply 745, which closes in the next window.
    const reply = "211-F\r\n 1\r\n 2\r\n211 E\r\n";
    const chunk = encoder.encode(reply.repeat(1500));
    const work = decodeWork([chunk], { closeOnAnyCode: true });
    expect(work.replies).toHaveLength(1500);
    for (const r of work.replies) expect(r.lines).toEqual(["211-F", " 1", " 2", "211 E"]);
    expect(work.calls[0]).toBe(16_383);
    // Each window's straddling reply makes one more window: at most two calls a window, no call per reply.
    expect(work.calls.length).toBeLessThanOrEqual(2 * windowsOf(chunk).length);
    expect(work.bytes).toBeLessThanOrEqual(2 * chunk.length);
  });

  test("a multi-line reply stopped by a limit inside the window is left to the general path, not decoded again", () => {
    const before = repeatTo(encoder.encode("200 ok\r\n"), 8 * 500);
    const tooLong = encoder.encode(`211-start\r\n ${"x".repeat(300)}\r\n211 end\r\n`);
    const after = repeatTo(encoder.encode("200 after\r\n"), 11 * 500);
    const chunk = concatBytes([before, tooLong, after]);
    const work = decodeWork([chunk], { maxLineLength: 200 });
    expect(work.errors.map((e) => [e.type, e.offset])).toEqual([["line-too-long", before.length + 11]]);
    expect(work.replies).toHaveLength(1000);
    // Every byte at most once, but the error's excerpt (at most 201 bytes of the long line).
    expect(work.bytes).toBeLessThanOrEqual(chunk.length + 201);
  });

  test("a chunk ending inside a line: its whole lines in windows, the cut line decoded once, when it completes", () => {
    const whole = repeatTo(encoder.encode("200 ok\r\n"), 8 * 100);
    const cut = encoder.encode("226 Transfer comp");
    const first = concatBytes([whole, cut]);
    const second = encoder.encode("lete.\r\n");
    const work = decodeWork([first, second]);
    expect(work.replies).toHaveLength(101);
    expect(work.replies[100]!.text).toBe("Transfer complete.");
    expect(work.calls).toEqual([whole.length, cut.length + second.length]);
  });

  test("a line longer than a window is decoded on its own, and the lines after it again in windows", () => {
    const longLine = `211-${"x".repeat(40_000)}\r\n`;
    const inner = " line after the long one\r\n";
    const bytes = encoder.encode(`211-start\r\n${longLine}${inner.repeat(2000)}211 end\r\n`);
    const work = decodeWork([bytes]);
    expect(work.replies).toHaveLength(1);
    expect(work.replies[0]!.lines).toHaveLength(2003);
    expect(work.replies[0]!.lines[1]).toBe(longLine.slice(0, -2));
    const big = work.calls.filter((n) => n > WINDOW);
    // The long line's own call holds it and the bytes before it in its window, no more.
    expect(big).toHaveLength(1);
    expect(big[0]).toBeLessThanOrEqual(11 + longLine.length);
    expect(work.bytes).toBeLessThanOrEqual(2 * bytes.length);
  });
});

describe("bytes that are not UTF-8, and Telnet commands", () => {
  // Latin-1 "é" (0xE9) in every 7th line: the window's text has U+FFFD, but no IAC is in the chunk.
  const lines: string[] = [];
  for (let i = 0; i < 3000; i++) lines.push(i % 7 === 3 ? `200 caf\xe9 ${i}\r\n` : `200 plain ${i}\r\n`);
  const latinChunk = latin1(lines.join(""));

  test("U+FFFD in the text and no IAC: the chunk is searched once and every window decoded once", () => {
    const work = decodeWork([latinChunk, latinChunk]);
    expect(work.replies).toHaveLength(6000);
    expect(work.calls).toEqual([...windowsOf(latinChunk), ...windowsOf(latinChunk)]);
    expect(work.replies[3]!.text).toBe("caf\ufffd 3");
  });

  test("telnet: false — 0xFF is data, and the windows are not cut before it", () => {
    const withFf = latin1(lines.map((l, i) => (i % 5 === 0 ? l.replace("200 ", "200 \xff") : l)).join(""));
    const work = decodeWork([withFf], { telnet: false });
    expect(work.replies).toHaveLength(3000);
    expect(work.calls).toEqual(windowsOf(withFf));
    expect(work.replies[0]!.text.charCodeAt(0)).toBe(0xfffd);
    expect(work.telnet).toHaveLength(0);
  });

  test("an IAC in the middle: the window ends before its line, the line is read apart, the rest in windows", () => {
    const before = latin1(lines.slice(0, 500).join(""));
    const iacLine = latin1("200 with \xff\xf1nop\r\n");
    const after = latin1(lines.slice(500, 1500).join(""));
    const chunk = concatBytes([before, iacLine, after]);
    const work = decodeWork([chunk]);
    expect(work.replies).toHaveLength(1501);
    expect(work.replies[500]!.text).toBe("with nop");
    expect(work.telnet.map((t) => [t.command, t.offset])).toEqual([[NOP, before.length + 9]]);
    // The first window is decoded whole, found to hold an IAC, and decoded again up to the IAC's line: the only
    // bytes decoded twice. The IAC's line is decoded without its two command bytes.
    const firstWindow = windowsOf(chunk)[0]!;
    expect(before.length).toBeLessThan(firstWindow);
    expect(work.calls).toEqual([firstWindow, ...windowsOf(before), iacLine.length - 2, ...windowsOf(after)]);
  });

  test("an IAC on the first line after a full window: that window is decoded once", () => {
    // The window is cut at its last LF; the IAC opens the very next line, so it lies past the window's end.
    const plain = repeatTo(encoder.encode("200 ok\r\n"), 8 * 2048);
    const iacLine = latin1("\xff\xf1200 nop first\r\n");
    const rest = repeatTo(encoder.encode("200 after\r\n"), 11 * 300);
    const chunk = concatBytes([plain, iacLine, rest]);
    // With a U+FFFD in the first window, the chunk is searched, and the IAC found right at the window's end.
    chunk[4] = 0xe9;
    const work = decodeWork([chunk]);
    expect(work.replies).toHaveLength(2048 + 1 + 300);
    expect(work.replies[2048]!.text).toBe("nop first");
    expect(work.calls).toEqual([plain.length, iacLine.length - 2, ...windowsOf(rest)]);
  });

  test("two IAC lines: the replies between them are decoded as one window, cut before the second", () => {
    const clean = repeatTo(encoder.encode("200 between\r\n"), 13 * 200);
    const iacLine = latin1("200 a\xff\xf1b\r\n");
    const chunk = concatBytes([clean, iacLine, clean, iacLine, clean]);
    const work = decodeWork([chunk]);
    expect(work.replies).toHaveLength(602);
    expect(work.telnet).toHaveLength(2);
    const firstWindow = windowsOf(chunk)[0]!;
    expect(work.calls).toEqual([
      firstWindow,
      clean.length,
      iacLine.length - 2,
      clean.length,
      iacLine.length - 2,
      clean.length,
    ]);
  });

  test("an IAC on a chunk's first line: no window there, the line read apart, the rest in windows", () => {
    const iacLine = latin1("\xff\xf1200 first\r\n");
    const rest = repeatTo(encoder.encode("200 then\r\n"), 10 * 300);
    const chunk = concatBytes([iacLine, rest]);
    const work = decodeWork([chunk]);
    expect(work.replies).toHaveLength(301);
    expect(work.replies[0]!.text).toBe("first");
    expect(work.calls).toEqual([windowsOf(chunk)[0], iacLine.length - 2, ...windowsOf(rest)]);
  });

  test("a U+FFFD second in the window's text still leads to the search (the IAC on the next line is not text)", () => {
    const head = latin1("2\xe9 not a reply\r\n200 a\xff\xf1b\r\n");
    const chunk = concatBytes([head, repeatTo(encoder.encode("200 padding\r\n"), 13 * 30)]);
    const work = decodeWork([chunk]);
    expect(work.errors.map((e) => [e.type, e.offset])).toEqual([["unexpected-line", 0]]);
    expect(work.replies[0]!.text).toBe("ab");
    expect(work.telnet.map((t) => t.command)).toEqual([NOP]);
    expect(work.replies).toHaveLength(31);
  });

  test.each([
    ["200 a\xff\xf1bcdefghijklm\r\n", "a Telnet command in every reply"],
    ["\xff\xf1200 ok\r\n", "every reply opened by IAC NOP"],
    ["\xff\xf1\n", "lines of nothing but IAC NOP"],
  ])("an IAC flood (%j, %s) is not decoded a window per line", (unit) => {
    const chunk = repeatTo(latin1(unit), 65_536);
    const reference = byteByByte(chunk.subarray(0, 4096));
    const work = decodeWork([chunk, chunk]);
    expect(work.replies.length + work.errors.length).toBeGreaterThan(1000);
    expect(summary(work.replies.slice(0, reference.replies.length))).toEqual(summary(reference.replies));
    // Each line is read by the general path (a decode of its own bytes at most), and at most one window per
    // chunk is decoded before the chunk is known to hold IACs.
    expect(work.bytes).toBeLessThanOrEqual(2 * 65_536 + 2 * WINDOW);
  });
});

describe("multi-line replies", () => {
  test("multi-line replies that close inside a window: one call per window", () => {
    const reply = "211-Features:\r\n MDTM\r\n SIZE\r\n UTF8\r\n211 End\r\n";
    const chunk = encoder.encode(reply.repeat(1000));
    const work = decodeWork([chunk]);
    expect(work.replies).toHaveLength(1000);
    expect(work.replies[999]!.lines).toEqual(["211-Features:", " MDTM", " SIZE", " UTF8", "211 End"]);
    expect(work.calls).toEqual(windowsOf(chunk));
  });

  test("a 1 MiB reply in 64 KiB chunks: inner lines walked on windows, the whole decoded once more in windows", () => {
    const inner = " inner line of text, twenty-six bytes\r\n";
    const text = `211-start\r\n${inner.repeat(26_000)}211 end\r\n`;
    const bytes = encoder.encode(text);
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i += 65_536) chunks.push(bytes.subarray(i, i + 65_536));
    const work = decodeWork(chunks);
    expect(work.replies).toHaveLength(1);
    expect(work.replies[0]!.lines).toHaveLength(26_002);
    expect(work.largest).toBeLessThanOrEqual(WINDOW);
    // Walking the inner lines decodes each chunk's lines once; the close decodes the whole reply once more. The
    // lines cut by chunk ends are read by the general path, a few bytes each.
    expect(work.bytes).toBeLessThanOrEqual(2 * bytes.length);
    expect(work.bytes).toBeGreaterThanOrEqual(2 * bytes.length - chunks.length * 2 * inner.length);
    expect(work.calls.length).toBeLessThanOrEqual(
      2 * Math.ceil(bytes.length / (WINDOW - inner.length)) + 2 * chunks.length,
    );
  });

  test("the same with two-byte characters in the inner lines (bytes and characters no longer one to one)", () => {
    const inner = " caf\u00e9 cr\u00e8me br\u00fbl\u00e9e, line of text\r\n";
    const text = `211-start\r\n${inner.repeat(20_000)}211-not the end\r\n 211 nor this\r\n211 end\r\n`;
    const bytes = encoder.encode(text);
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i += 65_536) chunks.push(bytes.subarray(i, i + 65_536));
    const work = decodeWork(chunks);
    expect(work.replies).toHaveLength(1);
    const lines = work.replies[0]!.lines;
    expect(lines).toHaveLength(20_004);
    expect(lines[1]).toBe(" caf\u00e9 cr\u00e8me br\u00fbl\u00e9e, line of text");
    expect(lines.slice(-3)).toEqual(["211-not the end", " 211 nor this", "211 end"]);
    expect(work.replies[0]!.byteLength).toBe(bytes.length);
    const innerBytes = encoder.encode(inner).length;
    expect(work.largest).toBeLessThanOrEqual(WINDOW);
    expect(work.bytes).toBeLessThanOrEqual(2 * bytes.length);
    expect(work.bytes).toBeGreaterThanOrEqual(2 * bytes.length - chunks.length * 2 * innerBytes);
  });

  test("a 40 KiB reply in one chunk is decoded in windows of whole lines, each line once", () => {
    const inner = "211-a line of the reply\r\n";
    const bytes = encoder.encode(`211-start\r\n${inner.repeat(1700)}211 end\r\n`);
    const work = decodeWork([bytes]);
    expect(work.replies).toHaveLength(1);
    expect(work.replies[0]!.lines).toHaveLength(1702);
    expect(work.bytes).toBeLessThanOrEqual(2 * bytes.length);
    expect(work.largest).toBeLessThanOrEqual(WINDOW);
    expect(work.replies[0]!.text.split("\n")[1]).toBe("a line of the reply");
  });
});

describe("what the windows decode is what the lines hold", () => {
  test("a BOM opening inner lines of a reply longer than a window is kept, whichever window it opens", () => {
    // The replies' text keeps a BOM as data (ignoreBOM), also where a line holding one starts a decoding window.
    const inner = "\ufeffline with a BOM\r\n";
    const bytes = encoder.encode(`211-start\r\n${inner.repeat(2000)}211 end\r\n`);
    for (const chunks of [[bytes], [bytes.subarray(0, 30_000), bytes.subarray(30_000)]]) {
      const work = decodeWork(chunks);
      expect(work.replies).toHaveLength(1);
      const lines = work.replies[0]!.lines;
      expect(lines).toHaveLength(2002);
      expect(lines.filter((l) => l === "\ufeffline with a BOM")).toHaveLength(2000);
    }
  });

  test("a BOM opening a chunk of single-line replies is not a reply, and is kept in the error's excerpt", () => {
    const chunk = encoder.encode(`\ufeff200 first\r\n${"200 ok\r\n".repeat(40)}`);
    const work = decodeWork([chunk]);
    expect(work.errors.map((e) => [e.type, e.offset, e.excerpt])).toEqual([
      ["unexpected-line", 0, "\ufeff200 first"],
    ]);
    expect(work.replies).toHaveLength(40);
  });

  test("inner lines repeating the reply's own code lose it in text, others keep theirs (RFC 959 §4.2)", () => {
    const reply =
      "211-first\r\n211-own with hyphen\r\n212-other code\r\n212 other, space\r\n2110 no separator\r\n plain\r\n211 last\r\n";
    for (const input of [encoder.encode(reply), encoder.encode(reply.repeat(20))]) {
      const work = decodeWork([input]);
      expect(work.replies[0]!.text).toBe(
        "first\nown with hyphen\n212-other code\n212 other, space\n2110 no separator\n plain\nlast",
      );
    }
  });

  test("bare-CR mode: a multi-line reply whose lines end with CR, CR LF and LF", () => {
    const text = "211-a\r211-b\r\n211-c\n211 d\r";
    for (const input of [encoder.encode(text), encoder.encode(`${text}\n`.repeat(30))]) {
      const work = decodeWork([input], { bareCrIsLineEnd: true });
      expect(work.replies[0]!.lines).toEqual(["211-a", "211-b", "211-c", "211 d"]);
      expect(work.replies[0]!.text).toBe("a\nb\nc\nd");
    }
  });
});
