/**
 * The line splitter's held lines: complete lines a sink lets wait (`deferrable`: a multi-line reply's inner lines)
 * are decoded later with the lines after them, and still reach the sink in order, with their offsets, before any
 * line after them, a long line, the end or a hole — whatever the chunking, and when a callback throws.
 */
import { describe, expect, test } from "vitest";
import { type Ending, type LineSink, LineSplitter } from "../../src/lines/splitter.js";

const encoder = new TextEncoder();
const SPACE = 0x20;

/** A sink that records every event; with `wait`, it lets lines starting with a space wait. */
function recorder(wait: boolean, onLine?: (text: string) => void) {
  const events: string[] = [];
  const sink: LineSink = {
    line(text: string, offset: number, byteLength: number, ending: Ending) {
      events.push(`line ${JSON.stringify(text)} @${offset}+${byteLength} ${ending}`);
      onLine?.(text);
    },
    longLine: (offset) => events.push(`long @${offset}`),
    cutLine: (head, offset, byteLength) =>
      events.push(`cut ${JSON.stringify(head)} @${offset}+${byteLength}`),
    telnet: (commands) => events.push(`telnet ${commands.length}`),
    end: (offset, partial, cut) => events.push(`end @${offset} ${partial.length} ${cut}`),
  };
  if (wait) sink.deferrable = (bytes, start) => bytes[start] === SPACE;
  return { events, sink };
}

function split(sink: LineSink, chunks: readonly (string | Uint8Array)[], maxLineLength = 1000): LineSplitter {
  const splitter = new LineSplitter(sink, { maxLineLength, keepOfLongLine: 8 });
  for (const chunk of chunks) splitter.feed(chunk);
  return splitter;
}

function chunked(input: Uint8Array, size: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < input.length; at += size) chunks.push(input.subarray(at, at + size));
  return chunks;
}

const MIXED = encoder.encode(
  [
    "211-open",
    " one",
    " two é",
    "",
    " three\r",
    "211 close",
    " four",
    ` ${"x".repeat(40)}`,
    "five",
    " six",
    ` ${"y".repeat(30)}`,
  ].join("\r\n") + "\r\n tail",
);

describe("held lines", () => {
  test("lines the sink lets wait are not decoded with their chunk: they go out with the next line it wants", () => {
    const { events, sink } = recorder(true);
    const splitter = split(sink, [" a\r\n", " b\r\n"]);
    expect(events).toEqual([]);
    splitter.feed("c\r\n");
    expect(events).toEqual(['line " a" @0+4 0', 'line " b" @4+4 0', 'line "c" @8+3 0']);
  });

  test.each([1, 2, 3, 5, 7, 13, 64, 511])(
    "chunks of %i bytes: the same events, in the same order, as the whole input read without holding",
    (size) => {
      const whole = recorder(false);
      split(whole.sink, [MIXED]).end();
      const held = recorder(true);
      split(held.sink, chunked(MIXED, size)).end();
      expect(held.events).toEqual(whole.events);
    },
  );

  test("every split of the input into three chunks gives the events of the whole", () => {
    const whole = recorder(false);
    split(whole.sink, [MIXED]).end();
    for (let i = 1; i < MIXED.length; i += 3) {
      for (let j = i; j < MIXED.length; j += 5) {
        const held = recorder(true);
        split(held.sink, [MIXED.subarray(0, i), MIXED.subarray(i, j), MIXED.subarray(j)]).end();
        expect(held.events).toEqual(whole.events);
      }
    }
  });

  test("at most one decode batch (4 KiB) is held, whatever is fed", () => {
    let delivered = 0;
    const sink: LineSink = {
      ...recorder(true).sink,
      line(_text, offset, byteLength) {
        delivered = offset + byteLength;
      },
    };
    const splitter = new LineSplitter(sink, { maxLineLength: 1000, keepOfLongLine: 8 });
    const line = encoder.encode(` ${"z".repeat(37)}\r\n`);
    let fed = 0;
    let mostHeld = 0;
    for (let i = 0; i < 2000; i++) {
      for (const piece of chunked(line, 30)) {
        splitter.feed(piece);
        fed += piece.length;
        mostHeld = Math.max(mostHeld, fed - delivered);
      }
    }
    expect(delivered).toBeGreaterThan(fed - 4096 - line.length);
    expect(mostHeld).toBeLessThanOrEqual(4096 + line.length);
  });

  test("end(), a line over the limit and a hole each deliver the held lines first", () => {
    const ended = recorder(true);
    split(ended.sink, [" a\r\n", " b\r\n unfinished"]).end();
    expect(ended.events).toEqual(['line " a" @0+4 0', 'line " b" @4+4 0', "end @8 11 false"]);

    const long = recorder(true);
    split(long.sink, [" a\r\n", " bbbbbbbbbbbbbbbbbbbb"], 10);
    expect(long.events).toEqual(['line " a" @0+4 0', "long @4"]);

    const hole = recorder(true);
    const splitter = split(hole.sink, [" a\r\n", " b\r\n par"]);
    const dropped = splitter.skip(100);
    splitter.feed("c\r\n");
    expect(new TextDecoder().decode(dropped)).toBe(" par");
    expect(hole.events).toEqual(['line " a" @0+4 0', 'line " b" @4+4 0', 'line "c" @112+3 0']);
  });

  test("a throwing callback while held lines go out: each line once, in order, with its offset", () => {
    let thrown = 0;
    const { events, sink } = recorder(true, (text) => {
      if ((text === " b" || text === "x") && thrown < 2) {
        thrown++;
        throw new Error(`boom ${text}`);
      }
    });
    const splitter = new LineSplitter(sink, { maxLineLength: 1000, keepOfLongLine: 8 });
    for (const piece of chunked(encoder.encode(" a\r\n b\r\n c\r\n"), 4)) splitter.feed(piece);
    expect(events).toEqual([]);
    expect(() => splitter.feed("x\r\n")).toThrow("boom  b");
    expect(() => splitter.feed("y\r\n")).toThrow("boom x");
    splitter.feed(" d\r\nz\r\n");
    splitter.end();
    expect(events).toEqual([
      'line " a" @0+4 0',
      'line " b" @4+4 0',
      'line " c" @8+4 0',
      'line "x" @12+3 0',
      'line "y" @15+3 0',
      'line " d" @18+4 0',
      'line "z" @22+3 0',
      "end @25 0 false",
    ]);
  });

  test("a throw while held lines go out before a big chunk: the rest stays held, nothing is lost or repeated", () => {
    let thrown = false;
    const long = (name: string) => ` ${name}${"-".repeat(150)}`;
    const { events, sink } = recorder(true, (text) => {
      if (text === long("b") && !thrown) {
        thrown = true;
        throw new Error("boom");
      }
    });
    const splitter = new LineSplitter(sink, { maxLineLength: 1000, keepOfLongLine: 8 });
    for (const piece of chunked(encoder.encode(`${long("a")}\r\n${long("b")}\r\n${long("c")}\r\n`), 60)) {
      splitter.feed(piece);
    }
    expect(events).toEqual([]);
    // A chunk of 512 bytes or more takes the other path: the held lines go out first.
    const big = encoder.encode(`x\r\n${"y".repeat(600)}\r\n`);
    expect(() => splitter.feed(big)).toThrow("boom");
    splitter.feed("z\r\n");
    splitter.end();
    expect(events).toEqual([
      `line ${JSON.stringify(long("a"))} @0+154 0`,
      `line ${JSON.stringify(long("b"))} @154+154 0`,
      `line ${JSON.stringify(long("c"))} @308+154 0`,
      'line "x" @462+3 0',
      `line ${JSON.stringify("y".repeat(600))} @465+602 0`,
      'line "z" @1067+3 0',
      "end @1070 0 false",
    ]);
  });
});
