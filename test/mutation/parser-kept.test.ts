/**
 * The bytes the parser keeps (issue 7): the memory and safety guarantees of `reply.raw`, checked only through the
 * public API and `reply.raw.buffer`.
 *
 * 1. A reply never aliases the caller's input: after `feed` returns the caller may overwrite and reuse its buffer
 *    (Uint8Array, Node Buffer, a view with a byteOffset, a subclass), and every reply already delivered keeps its
 *    bytes, text and lines — for every chunk size class, reply size class, carried or not, with Telnet commands.
 * 2. A slab is never rewritten: kept replies stay intact while thousands more chunks go through.
 * 3. Small copies share 16 KiB slabs, packed back to back: replies of 16 bytes fill a slab exactly, so N of them
 *    use N * 16 / 16384 buffers, whether each came in a chunk of its own, ten to a small chunk, or split over two
 *    chunks; bytes of a small chunk that belong to no reply delivered from it take no slab room.
 * 4. Retained memory is bounded, with the exact bounds of the design: a copy of at most SLAB_MAX_COPY (4 KiB)
 *    lies in a 16 KiB slab, a larger one has a buffer of exactly its length; the general path copies a chunk of
 *    256 bytes or more once, so a reply inside one chunk keeps at most max(16 KiB, that chunk's length); a reply
 *    carried over chunks and longer than 64 KiB is handed the carry buffer, whose capacity doubles from 256 bytes:
 *    the first 256 * 2^k at least its length, so under twice its length — also after a long line was skipped or a
 *    stream was ended inside a long line (a large carry buffer is not kept for the next unit).
 *
 * Existing property tests already pin the bytes, offsets and texts for every chunking; these pin where the bytes
 * live, which they cannot see. The sizes below mirror the parser's design constants (SLAB_SIZE, SLAB_MAX_COPY,
 * CARRY_MIN, CARRY_KEPT = 64 KiB): changing one of them is a memory-design change that must update these bounds.
 * Which mutants of src/parser.ts they kill, and why the others in this code are equivalent, is listed in
 * test/mutation/equivalent-parser.json.
 */
import { Buffer } from "node:buffer";
import { describe, expect, test } from "vitest";
import type { ReplyParseError } from "../../src/errors.js";
import { createReplyParser, type ReplyParserOptions } from "../../src/parser.js";
import type { Reply } from "../../src/reply.js";
import { concatBytes } from "../helpers/bytes.js";

const KIB = 1024;
const SLAB_SIZE = 16 * KIB;
const SLAB_MAX_COPY = 4 * KIB;
const CARRY_MIN = 256;
const IAC = 255;
const NOP = 241;
const encoder = new TextEncoder();

/**
 * Where `actual` first differs from `expected` (-1 when the same bytes): `toEqual` on typed arrays of 100 KiB is
 * slow enough to matter when every mutant runs these tests.
 */
function firstDifference(actual: Uint8Array, expected: Uint8Array): number {
  if (actual.length !== expected.length) return Math.min(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) if (actual[i] !== expected[i]) return i;
  return -1;
}

/** A single-line reply `code text\r\n` of exactly `size` bytes (size >= 6). */
function replyOfSize(code: number, size: number, fill = "x"): Uint8Array {
  const body = fill.repeat(size - 6);
  const out = encoder.encode(`${code} ${body}\r\n`);
  expect(out.length).toBe(size);
  return out;
}

/** The first capacity the doubling carry buffer reaches for `length` bytes: 256 * 2^k >= length. */
function carryCapacity(length: number): number {
  let capacity = CARRY_MIN;
  while (capacity < length) capacity *= 2;
  return capacity;
}

function parser(options: ReplyParserOptions = {}) {
  const replies: Reply[] = [];
  const errors: ReplyParseError[] = [];
  const p = createReplyParser(
    {
      onReply: (r) => replies.push(r),
      onError: (e) => errors.push(e),
      ...(options.retainLines === false ? { onLine: () => {} } : {}),
    },
    options,
  );
  return { p, replies, errors };
}

function feedAll(chunks: readonly Uint8Array[], options: ReplyParserOptions = {}) {
  const out = parser(options);
  for (const c of chunks) out.p.feed(c);
  out.p.end();
  return out;
}

function distinctBuffers(replies: readonly Reply[]): ArrayBufferLike[] {
  return [...new Set(replies.map((r) => r.raw.buffer))];
}

// ─── 1 and 2: no aliasing of the caller's buffer ─────────────────────────────────────────────────────────────

/**
 * A stream with replies of every size class: under 64 B, 64 B..4 KiB, 4..64 KiB, over 64 KiB, single and
 * multi-line, with Telnet commands (IAC NOP, IAC IAC) inside some of them.
 */
function mixedStream(withLarge: boolean): Uint8Array {
  const parts: Uint8Array[] = [];
  const sizes = withLarge ? [7, 63, 64, 2000, 4097, 40_000, 70_000, 140_000] : [7, 63, 64, 4096];
  let n = 0;
  for (const size of sizes) {
    parts.push(replyOfSize(200 + (n++ % 50), size, String.fromCharCode(97 + (n % 26))));
    parts.push(encoder.encode("220 hi\r\n"));
  }
  parts.push(encoder.encode(`211-first\r\n${" inner line\r\n".repeat(300)}211 end\r\n`));
  // Telnet commands inside short and long replies (raw keeps them, text drops them).
  parts.push(concatBytes([encoder.encode("200 a"), Uint8Array.of(IAC, NOP), encoder.encode("b\r\n")]));
  parts.push(
    concatBytes([
      encoder.encode(`230 ${"t".repeat(withLarge ? 5000 : 300)}`),
      Uint8Array.of(IAC, IAC),
      encoder.encode("z\r\n"),
    ]),
  );
  parts.push(
    concatBytes([
      encoder.encode("250-x\r\n"),
      Uint8Array.of(IAC, NOP),
      encoder.encode(`250 ${"u".repeat(withLarge ? 80_000 : 500)}\r\n`),
    ]),
  );
  for (let i = 0; i < 50; i++) parts.push(encoder.encode(`150 small ${i}\r\n`));
  return concatBytes(parts);
}

interface Snapshot {
  code: number;
  offset: number;
  byteLength: number;
  text: string;
  lines: readonly string[];
}

function snapshot(r: Reply): Snapshot {
  return { code: r.code, offset: r.offset, byteLength: r.byteLength, text: r.text, lines: [...r.lines] };
}

type InputKind = "Uint8Array" | "Buffer" | "view with byteOffset" | "subclass";
class Bytes extends Uint8Array {}

/** One reusable input buffer of the given kind, like a socket's read buffer. */
function inputBuffer(kind: InputKind, size: number): Uint8Array {
  switch (kind) {
    case "Uint8Array":
      return new Uint8Array(size);
    case "Buffer":
      return Buffer.alloc(size);
    case "view with byteOffset":
      return new Uint8Array(new ArrayBuffer(size + 40), 24, size);
    default:
      return new Bytes(size);
  }
}

describe("a reply's bytes never alias the caller's input (README: raw stays valid after feed returns)", () => {
  const big = mixedStream(true);
  const small = mixedStream(false);
  const modes: [string, ReplyParserOptions][] = [
    ["UTF-8 (fast path for big chunks)", {}],
    ["latin1 (general path)", { encoding: "latin1" }],
    ["per line (onLine, retainLines false)", { retainLines: false }],
  ];
  const kinds: InputKind[] = ["Uint8Array", "Buffer", "view with byteOffset", "subclass"];
  // Chunks under 256 B, 256 B..4 KiB, over 4 KiB, over 64 KiB; byte by byte only on the stream without the
  // largest replies (the same code paths, fewer calls).
  const plans: [Uint8Array, number, readonly InputKind[]][] = [
    [small, 1, ["Uint8Array"]],
    [small, 7, ["Buffer"]],
    [big, 100, kinds],
    [big, 256, ["Uint8Array"]],
    [big, 1000, kinds],
    [big, 4097, ["view with byteOffset"]],
    [big, 9000, kinds],
    [big, 70_000, kinds],
    [big, 1 << 20, kinds],
  ];

  for (const [mode, options] of modes) {
    const references = new Map<Uint8Array, Snapshot[]>();
    const referenceErrors: ReplyParseError[] = [];
    for (const stream of [small, big]) {
      // The reference: the whole stream fed at once from a buffer nobody touches.
      const reference = feedAll([stream.slice()], options);
      referenceErrors.push(...reference.errors);
      references.set(stream, reference.replies.map(snapshot));
    }
    test(`${mode}: the reference parses have every reply and no error`, () => {
      expect(referenceErrors).toEqual([]);
      expect(references.get(big)!.length).toBe(8 * 2 + 1 + 3 + 50);
      expect(references.get(small)!.length).toBe(4 * 2 + 1 + 3 + 50);
    });
    for (const [stream, size, planKinds] of plans) {
      for (const kind of planKinds) {
        const label = stream === big ? "all reply sizes" : "replies up to 4 KiB";
        test(`${mode}, ${label}: a ${kind} reused for chunks of ${size} B, overwritten after every feed`, () => {
          const { p, replies, errors } = parser(options);
          const input = inputBuffer(kind, Math.min(size, stream.length));
          for (let at = 0; at < stream.length; at += size) {
            const n = Math.min(size, stream.length - at);
            input.set(stream.subarray(at, at + n));
            p.feed(n === input.length ? input : input.subarray(0, n));
            input.fill(0x21);
          }
          p.end();
          expect(errors).toEqual([]);
          // Read only now, after every overwrite and every later chunk (raw and lines are made on first read).
          expect(replies.map(snapshot)).toEqual(references.get(stream));
          for (const r of replies) {
            if (options.retainLines === false && r.multiline) continue;
            expect(firstDifference(r.raw, stream.subarray(r.offset, r.offset + r.byteLength))).toBe(-1);
          }
        });
      }
    }
  }
});

describe("a slab is never rewritten", () => {
  test("replies kept from the first chunks stay intact while 5000 more small chunks are fed", () => {
    const { p, replies } = parser();
    const input = new Uint8Array(64);
    const sent: Uint8Array[] = [];
    for (let i = 0; i < 5000; i++) {
      const bytes = encoder.encode(`2${String(i % 100).padStart(2, "0")} kept ${i}\r\n`);
      sent.push(bytes);
      // Every other reply is split over two chunks (the carried path), the others come whole.
      const parts = i % 2 === 0 ? [bytes] : [bytes.subarray(0, 5), bytes.subarray(5)];
      for (const part of parts) {
        input.set(part);
        p.feed(input.subarray(0, part.length));
        input.fill(0);
      }
    }
    p.end();
    expect(replies.length).toBe(5000);
    replies.forEach((r, i) => {
      expect(firstDifference(r.raw, sent[i]!)).toBe(-1);
      expect(r.text).toBe(`kept ${i}`);
    });
  });
});

// ─── 3: small copies share slabs ─────────────────────────────────────────────────────────────────────────────

describe("small copies share 16 KiB slabs, packed back to back", () => {
  /** `count` replies of exactly 16 bytes, all different. */
  function sixteenByteReplies(count: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let i = 0; i < count; i++) out.push(encoder.encode(`200 r${String(i).padStart(9, "0")}\r\n`));
    expect(out[0]!.length).toBe(16);
    return out;
  }

  function expectPacked(replies: readonly Reply[], sent: readonly Uint8Array[]): void {
    expect(replies.length).toBe(sent.length);
    replies.forEach((r, i) => {
      expect(firstDifference(r.raw, sent[i]!)).toBe(-1);
    });
    // 16 * 1024 = 16384: a slab holds exactly 1024 of them, so 2048 use exactly two slabs.
    const buffers = distinctBuffers(replies);
    expect(buffers.length).toBe((sent.length * 16) / SLAB_SIZE);
    for (const b of buffers) expect(b.byteLength).toBe(SLAB_SIZE);
    replies.forEach((r, i) => {
      expect(r.raw.buffer).toBe(replies[i - (i % 1024)]!.raw.buffer);
      expect(r.raw.byteOffset).toBe((i % 1024) * 16);
    });
  }

  test("2048 replies of 16 B, one per chunk, fill exactly 2 slabs of 16 KiB", () => {
    const sent = sixteenByteReplies(2048);
    expectPacked(feedAll(sent).replies, sent);
  });

  test("2048 replies of 16 B split 8 + 8 over chunk pairs (carried) fill exactly 2 slabs of 16 KiB", () => {
    const sent = sixteenByteReplies(2048);
    const chunks = sent.flatMap((r) => [r.subarray(0, 8), r.subarray(8)]);
    expectPacked(feedAll(chunks).replies, sent);
  });

  test("2048 replies of 16 B, ten to a 160 B chunk, fill exactly 2 slabs (each reply takes its own 16 B)", () => {
    const sent = sixteenByteReplies(2048);
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < sent.length; i += 10) chunks.push(concatBytes(sent.slice(i, i + 10)));
    expectPacked(feedAll(chunks).replies, sent);
  });

  test("a small chunk's bytes that belong to no reply delivered from it take no slab room: at most ceil(reply bytes / 16 KiB) + 1 slabs", () => {
    // Each pair: chunk A = a 16 B reply + the first 184 B of a 200 B reply, chunk B = its last 16 B.
    const small = encoder.encode("200 abcdefghij\r\n");
    const long = replyOfSize(226, 200);
    const chunks: Uint8Array[] = [];
    const pairs = 500;
    for (let i = 0; i < pairs; i++) {
      chunks.push(concatBytes([small, long.subarray(0, 184)]), long.subarray(184));
    }
    const { replies, errors } = feedAll(chunks);
    expect(errors).toEqual([]);
    expect(replies.length).toBe(2 * pairs);
    const replyBytes = pairs * (16 + 200);
    const buffers = distinctBuffers(replies);
    expect(buffers.length).toBeLessThanOrEqual(Math.ceil(replyBytes / SLAB_SIZE) + 1);
    for (const b of buffers) expect(b.byteLength).toBe(SLAB_SIZE);
  });

  test("one slab serves replies split over chunks and whole ones alike: 1024 of each, 16 B, in 2 slabs", () => {
    const sent = sixteenByteReplies(2048);
    const chunks = sent.flatMap((r, i) => (i % 2 === 0 ? [r] : [r.subarray(0, 3), r.subarray(3)]));
    expectPacked(feedAll(chunks).replies, sent);
  });
});

// ─── 4: retained memory is bounded ───────────────────────────────────────────────────────────────────────────

describe("a copy of at most SLAB_MAX_COPY (4 KiB) lies in a 16 KiB slab, a larger one has a buffer of its own", () => {
  test("a chunk of exactly 4096 B (one reply) is copied into a slab, one of 4097 B into a buffer of 4097 B", () => {
    const at = feedAll([replyOfSize(200, SLAB_MAX_COPY)]).replies;
    expect(at.map((r) => [r.byteLength, r.raw.buffer.byteLength])).toEqual([[SLAB_MAX_COPY, SLAB_SIZE]]);
    const over = feedAll([replyOfSize(200, SLAB_MAX_COPY + 1)]).replies;
    expect(over.map((r) => [r.byteLength, r.raw.buffer.byteLength])).toEqual([
      [SLAB_MAX_COPY + 1, SLAB_MAX_COPY + 1],
    ]);
  });

  test("a reply of exactly 4096 B carried over two chunks is copied into a slab, one of 4097 B into a buffer of 4097 B", () => {
    for (const [size, bufferLength] of [
      [SLAB_MAX_COPY, SLAB_SIZE],
      [SLAB_MAX_COPY + 1, SLAB_MAX_COPY + 1],
      [60_000, 60_000],
    ] as const) {
      const reply = replyOfSize(200, size);
      const { replies } = feedAll([reply.subarray(0, 2048), reply.subarray(2048)]);
      expect(replies.map((r) => [r.byteLength, r.raw.buffer.byteLength, r.raw.byteOffset])).toEqual([
        [size, bufferLength, 0],
      ]);
      expect(firstDifference(replies[0]!.raw, reply)).toBe(-1);
    }
  });
});

describe("the general path copies a chunk of 256 B or more once: a reply inside one chunk keeps at most max(16 KiB, that chunk's length)", () => {
  test("16 replies of 512 B in one 8 KiB chunk (latin1) share one buffer of exactly 8 KiB", () => {
    const chunk = concatBytes(Array.from({ length: 16 }, (_, i) => replyOfSize(200 + i, 512)));
    expect(chunk.length).toBe(8 * KIB);
    const { replies } = feedAll([chunk], { encoding: "latin1" });
    expect(replies.length).toBe(16);
    const buffers = distinctBuffers(replies);
    expect(buffers.map((b) => b.byteLength)).toEqual([8 * KIB]);
    expect(replies.map((r) => r.raw.byteOffset)).toEqual(replies.map((r) => r.offset));
  });

  for (const options of [{ encoding: "latin1" }, { retainLines: false }] as ReplyParserOptions[]) {
    test(`a 70 000 B reply in a 100 KiB chunk keeps at most the chunk's copy, 102 400 B (${JSON.stringify(options)})`, () => {
      const big = replyOfSize(213, 70_000);
      // 70 000 + 324 * 100 = 102 400 bytes.
      const fillers = Array.from({ length: 324 }, (_, i) => replyOfSize(200 + (i % 50), 100));
      const chunk = concatBytes([big, ...fillers]);
      expect(chunk.length).toBe(100 * KIB);
      const { replies, errors } = feedAll([chunk], options);
      expect(errors).toEqual([]);
      expect(replies.length).toBe(1 + fillers.length);
      for (const r of replies) {
        expect(r.raw.buffer.byteLength).toBeLessThanOrEqual(Math.max(SLAB_SIZE, chunk.length));
      }
      expect(firstDifference(replies[0]!.raw, big)).toBe(-1);
    });
  }
});

describe("a reply carried over chunks and longer than 64 KiB keeps the carry buffer: 256 * 2^k >= its length, < 2x", () => {
  const cases: [string, number, number[]][] = [
    ["70 000 B in two chunks", 70_000, [35_000]],
    ["exactly 128 KiB, 1000 B then the rest", 128 * KIB, [1000]],
    ["exactly 128 KiB in four chunks of 32 KiB", 128 * KIB, [32 * KIB, 64 * KIB, 96 * KIB]],
    ["exactly 64 KiB + 1 in 1 KiB chunks", 64 * KIB + 1, Array.from({ length: 64 }, (_, i) => (i + 1) * KIB)],
    ["200 000 B, 100 B then 199 900 B", 200_000, [100]],
  ];
  for (const [name, size, cuts] of cases) {
    test(`${name}: raw.buffer.byteLength is ${carryCapacity(size)}`, () => {
      const reply = replyOfSize(250, size);
      const bounds = [0, ...cuts, size];
      const chunks = bounds.slice(1).map((end, i) => reply.subarray(bounds[i]!, end));
      const { replies } = feedAll(chunks);
      expect(replies.length).toBe(1);
      const r = replies[0]!;
      expect(firstDifference(r.raw, reply)).toBe(-1);
      expect(r.raw.byteOffset).toBe(0);
      expect(r.raw.buffer.byteLength).toBe(carryCapacity(size));
      expect(r.raw.buffer.byteLength).toBeLessThan(2 * size);
    });
  }

  test("after a skipped 300 000 B line (maxLineLength 200 000), a 70 000 B carried reply keeps a buffer < 2x its length", () => {
    const { p, replies, errors } = parser({ maxLineLength: 200_000 });
    const line = new Uint8Array(100_000).fill(0x61);
    // Three chunks of one line: the limit fires after the carry grew to 256 KiB.
    p.feed(line);
    p.feed(line);
    p.feed(line);
    p.feed("\r\n");
    const reply = replyOfSize(200, 70_000);
    p.feed(reply.subarray(0, 1000));
    p.feed(reply.subarray(1000));
    p.end();
    expect(errors.map((e) => e.type)).toEqual(["line-too-long"]);
    expect(replies.length).toBe(1);
    expect(firstDifference(replies[0]!.raw, reply)).toBe(-1);
    expect(replies[0]!.raw.buffer.byteLength).toBe(carryCapacity(70_000));
  });

  test("after end() inside a 200 000 B line, a 70 000 B carried reply keeps a buffer < 2x its length", () => {
    const { p, replies, errors } = parser();
    const line = new Uint8Array(100_000).fill(0x61);
    p.feed(line);
    p.feed(line);
    p.end();
    expect(errors.map((e) => [e.type, e.raw?.length])).toEqual([["truncated", 200_000]]);
    const reply = replyOfSize(200, 70_000);
    p.feed(reply.subarray(0, 1000));
    p.feed(reply.subarray(1000));
    p.end();
    expect(replies.length).toBe(1);
    expect(firstDifference(replies[0]!.raw, reply)).toBe(-1);
    expect(replies[0]!.raw.buffer.byteLength).toBe(carryCapacity(70_000));
  });

  test("a small reply after a 200 000 B carried reply lies in a 16 KiB slab, not in a 256 KiB carry buffer", () => {
    const big = replyOfSize(200, 200_000);
    const small = replyOfSize(220, 50);
    const { replies } = feedAll([
      big.subarray(0, 100_000),
      big.subarray(100_000),
      small.subarray(0, 20),
      small.subarray(20),
    ]);
    expect(replies.map((r) => [r.byteLength, r.raw.buffer.byteLength])).toEqual([
      [200_000, carryCapacity(200_000)],
      [50, SLAB_SIZE],
    ]);
  });
});
