/**
 * Every failure the fuzz campaign (scripts/fuzz.mjs) found, fixed as a test with the seed that found it.
 * Replay a case with `npm run fuzz -- --replay <property> <seed> <path>`.
 */
import { afterEach, describe, expect, test } from "vitest";
import { createReplyParser, type ReplyParserOptions, readReplies } from "../src/index.js";
import { readTranscript } from "../src/node/index.js";

interface Event {
  kind: string;
  type?: string;
  offset: number;
  code?: number;
}

function run(input: Uint8Array, cuts: readonly number[], options: ReplyParserOptions) {
  const replies: Event[] = [];
  const errors: Event[] = [];
  const telnet: Event[] = [];
  const parser = createReplyParser(
    {
      onReply: (r) => replies.push({ kind: "reply", code: r.code, offset: r.offset }),
      onError: (e) => errors.push({ kind: "error", type: e.type, offset: e.offset }),
      onTelnet: (t) => telnet.push({ kind: "telnet", code: t.command, offset: t.offset }),
    },
    options,
  );
  let at = 0;
  for (const cut of cuts) {
    parser.feed(input.subarray(at, cut));
    at = cut;
  }
  parser.feed(input.subarray(at));
  parser.end();
  return { replies, errors, telnet };
}

describe("fuzz regressions: reply parser", () => {
  // parser.hostile-chunking, batch seed 1771587154 (campaign seed 1), path 3:2:4:6:9:…: a line that passes
  // maxLineLength inside a Telnet subnegotiation. Fed whole, the command is reported before the error; cut inside
  // the command, the error comes first (it is found at the chunk's end). Both are reported, at the same offsets,
  // whatever the chunking; only their relative order follows the chunk boundaries.
  const subnegotiation = Uint8Array.of(0xff, 0xfa, 0x00, 0xff, 0xf0); // IAC SB 0 IAC SE

  test.each([[[]], [[1]], [[2]], [[3]], [[4]], [[1, 2, 3, 4]]])(
    "seed 1771587154: IAC SB … IAC SE past maxLineLength 1, cut at %j: same error and command",
    (cuts) => {
      const out = run(subnegotiation, cuts, { maxLineLength: 1 });
      expect(out.errors).toEqual([
        { kind: "error", type: "line-too-long", offset: 0 },
        { kind: "error", type: "truncated", offset: 0 },
      ]);
      // Telnet is line-scoped: the commands of a line that never ends go with its bytes (`truncated`), whatever
      // the chunking.
      expect(out.telnet).toEqual([]);
      expect(out.replies).toEqual([]);
    },
  );

  // parser.roundtrip, batch seed -1066196543 (campaign seed 1): found a generator bug, not a parser bug — in
  // bare-CR mode `100 \r` followed by an empty line `\n` is one CR LF terminator, not two lines. Kept as the rule.
  test("seed -1066196543: bare-CR mode, `nnn \\r` then `\\n` is one CR LF terminator", () => {
    const out = run(new TextEncoder().encode("100 \r\n"), [], { bareCrIsLineEnd: true });
    expect(out.replies).toEqual([{ kind: "reply", code: 100, offset: 0 }]);
    expect(out.errors).toEqual([]);
  });
});

describe("fuzz regressions: stream adapters", () => {
  // parser.adapters, batch seed 695383278 (campaign seed 3): `220 \n\r\r\n`. readReplies calls onError while the
  // parser runs, and yields the replies of a chunk once the chunk is parsed: the error of the blank line is seen
  // before the reply that precedes it in the stream is pulled. Replies and errors are each in stream order.
  test("seed 695383278: readReplies delivers replies and errors each in stream order", async () => {
    const input = Uint8Array.of(50, 50, 48, 32, 10, 13, 13, 10);
    async function* source() {
      yield input;
    }
    const errors: string[] = [];
    const replies: string[] = [];
    for await (const reply of readReplies(source(), {
      onError: (e) => errors.push(`${e.type}@${e.offset}`),
    })) {
      replies.push(`${reply.code}@${reply.offset}`);
    }
    expect(replies).toEqual(["220@0"]);
    expect(errors).toEqual(["unexpected-line@5"]);
    // Without onError the error ends the iteration, after the reply before it.
    const seen: number[] = [];
    await expect(async () => {
      for await (const reply of readReplies(source())) seen.push(reply.code);
    }).rejects.toMatchObject({ type: "unexpected-line", offset: 5 });
    expect(seen).toEqual([220]);
  });
});

describe("fuzz regressions: linear cost", () => {
  /** Counts the bytes `Uint8Array#indexOf` is asked to scan: a cost measure that does not depend on timing. */
  function scannedBytes(run: () => void): number {
    const original = Uint8Array.prototype.indexOf;
    let scanned = 0;
    Uint8Array.prototype.indexOf = function (this: Uint8Array, value: number, from?: number) {
      const start = from === undefined ? 0 : from < 0 ? Math.max(0, this.length + from) : from;
      // The bytes a forward search really reads: up to the match, or to the end when there is none.
      const found = original.call(this, value, from);
      scanned += found === -1 ? Math.max(0, this.length - start) : found - start + 1;
      return found;
    };
    try {
      run();
    } finally {
      Uint8Array.prototype.indexOf = original;
    }
    return scanned;
  }

  afterEach(() => {
    expect(Uint8Array.prototype.indexOf.name).toBe("indexOf");
  });

  // parser.endless, batch seed -1725942455 (campaign seed 416804338), path 8:1:0:1:1:0:0:1:1:1:0:4:7:0:0:4:5:
  // 560 643 bytes of `IAC NOP A` in 64 KiB chunks took 10.7 s. Minimal form: n × `IAC NOP` in one chunk, no LF.
  // feed() looks for the next LF again after every Telnet command, from the command to the chunk's end, so a chunk
  // of n commands costs O(n²): 400 KB of `IAC NOP` took 11 s here, 200 KB 2.8 s (time × 4 when the size doubles).
  // Fixed: feed() keeps the next LF's position across Telnet commands, as it keeps the next IAC's.
  test("seed -1725942455: a chunk of n Telnet commands is scanned in O(n), not O(n²)", () => {
    const n = 20_000;
    const chunk = new Uint8Array(n * 2);
    for (let i = 0; i < n; i++) chunk.set([0xff, 0xf1], 2 * i); // IAC NOP
    const scanned = scannedBytes(() => {
      const parser = createReplyParser({ onReply: () => {}, onError: () => {} });
      parser.feed(chunk);
      parser.feed("220 ok\r\n");
      parser.end();
    });
    expect(scanned).toBeLessThan(8 * chunk.length);
  });

  test("plain data without Telnet commands is scanned in O(n)", () => {
    const chunk = new TextEncoder().encode(`220 ${"x".repeat(40_000)}\r\n`);
    const scanned = scannedBytes(() => {
      const parser = createReplyParser({ onReply: () => {}, onError: () => {} }, { maxLineLength: 100 });
      parser.feed(chunk);
      parser.end();
    });
    expect(scanned).toBeLessThan(8 * chunk.length);
  });
});

describe("fuzz regressions: log readers", () => {
  // logs.detect, batch seed -853743814 (campaign seed 168220362): server bytes read as `raw` took their session uid
  // from the first chunk, so the same log cut differently had another uid (an empty first chunk gave the uid of
  // no bytes). The uid is made from the stream's first 256 bytes, whatever the chunking.
  test("seed -853743814: the uid of a raw log does not depend on its chunking", async () => {
    const log = new TextEncoder().encode(`220 ready\r\n${"211-x\r\n 1\r\n211 end\r\n".repeat(20)}`);
    const uidOf = async (cuts: number[]): Promise<string[]> => {
      const chunks: Uint8Array[] = [];
      let at = 0;
      for (const cut of [...cuts, log.length]) {
        chunks.push(log.subarray(at, cut));
        at = cut;
      }
      async function* source() {
        yield* chunks;
      }
      const uids: string[] = [];
      await readTranscript(source(), { format: "raw", onExchange: (_, conn) => uids.push(conn.uid ?? "-") });
      return uids;
    };
    const whole = await uidOf([]);
    expect(whole.length).toBe(21);
    expect(new Set(whole).size).toBe(1);
    for (const cuts of [[0], [1], [3, 100], [255], [256, 300]]) expect(await uidOf(cuts)).toEqual(whole);
  });
});
