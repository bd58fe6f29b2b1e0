/**
 * The capture reader's bounds: the carry of a record split across chunks is one buffer of the record's size
 * (each byte copied O(1) times, whatever the chunking), a fatal error stops the reading of the source, and
 * timestamps out of the representable range give a diagnostic and a sane time.
 */
import { describe, expect, it } from "vitest";
import type { CaptureDiagnostic, CaptureFormatError } from "../../../src/node/pcap/errors.js";
import { analyzeFtpCapture } from "../../../src/node/pcap/ftp.js";
import { type CapturedPacket, createCaptureReader } from "../../../src/node/pcap/reader.js";
import { concat, ethernet, ipv4Tcp, pcapFile, pcapngWriter } from "./synthetic.js";

describe("capture reader: carry of a record split across chunks", () => {
  it("holds a 4 MiB record fed 1 byte at a time in one record-sized buffer, copying each byte at most twice", () => {
    const payload = new Uint8Array(4 * 1024 * 1024).fill(0x41);
    const file = pcapFile([{ data: payload }]);
    const packets: CapturedPacket[] = [];
    let error: CaptureFormatError | undefined;
    const reader = createCaptureReader(
      {
        onPacket: (p) => packets.push(p),
        onError: (e) => {
          error = e;
        },
      },
      { maxBlockSize: 8 * 1024 * 1024 },
    );
    let peakCapacity = 0;
    for (let i = 0; i < file.length; i++) {
      reader.feed(file.subarray(i, i + 1));
      if ((i & 0xffff) === 0) peakCapacity = Math.max(peakCapacity, reader.stats().carryCapacity);
    }
    reader.end();
    expect(error).toBeUndefined();
    expect(packets).toHaveLength(1);
    expect(packets[0]!.data.length).toBe(payload.length);
    const stats = reader.stats();
    // The record (header + data) is the largest buffer ever held …
    expect(peakCapacity).toBeLessThanOrEqual(16 + payload.length);
    // … each byte is copied into it O(1) times (headers twice when their size reveals the record's) …
    expect(stats.bytesCopied).toBeLessThanOrEqual(2 * file.length);
    // … and the buffers are a handful, not one per chunk.
    expect(stats.buffersAllocated).toBeLessThanOrEqual(8);
    expect(stats.carriedBytes).toBe(0);
  });

  it("delivers the same packets whatever the chunking (carry across every cut point)", () => {
    const frames = [1, 2, 3].map((n) =>
      ethernet(ipv4Tcp({ sport: 40000, dport: 21, seq: n, payload: "x".repeat(n * 7) })),
    );
    const file = pcapFile(frames.map((data, i) => ({ data, seconds: i })));
    for (const size of [1, 2, 3, 5, 16, 17, 100]) {
      const seen: number[] = [];
      const reader = createCaptureReader({ onPacket: (p) => seen.push(p.data.length), onError: () => {} });
      for (let at = 0; at < file.length; at += size) reader.feed(file.subarray(at, at + size));
      reader.end();
      expect(seen).toEqual(frames.map((f) => f.length));
    }
  });
});

describe("capture reader: a fatal error stops the reading", () => {
  it("analyzeFtpCapture pulls no chunk after a bad magic (an endless source of zeros ends)", async () => {
    let pulled = 0;
    const zeros = new Uint8Array(65536);
    const endless = (async function* () {
      for (;;) {
        pulled++;
        yield zeros;
      }
    })();
    await expect(analyzeFtpCapture(endless, { onExchange: () => {} })).rejects.toMatchObject({
      type: "bad-magic",
    });
    expect(pulled).toBe(1);
  });
});

describe("capture reader: timestamps out of range", () => {
  const w = pcapngWriter();
  const frame = ethernet(ipv4Tcp({ sport: 40000, dport: 21, seq: 1, payload: "x" }));

  // Units per second for each if_tsresol below (at 10^-9, 2^64−1 is in 2554: a valid time).
  const unitsOf: Record<number, bigint> = { 0: 1n, 3: 1000n, 6: 1_000_000n, 128: 1n };
  for (const tsresol of [0, 3, 6, 0x80]) {
    it(`if_tsresol=${tsresol} with a 2^64−1 timestamp: a diagnostic and the previous packet's time`, () => {
      const file = concat(
        w.section(),
        w.interface(1, { tsresol }),
        w.enhanced(0, 1_700_000_000n * unitsOf[tsresol]!, frame),
        w.enhanced(0, 0xffff_ffff_ffff_ffffn, frame),
      );
      const packets: CapturedPacket[] = [];
      const diagnostics: CaptureDiagnostic[] = [];
      const reader = createCaptureReader({
        onPacket: (p) => packets.push(p),
        onError: () => {},
        onDiagnostic: (d) => diagnostics.push(d),
      });
      reader.feed(file);
      reader.end();
      expect(packets).toHaveLength(2);
      expect(packets[1]!.seconds).toBe(packets[0]!.seconds);
      expect(packets[1]!.nanoseconds).toBe(packets[0]!.nanoseconds);
      expect(Number.isSafeInteger(packets[1]!.seconds)).toBe(true);
      expect(diagnostics.map((d) => [d.type, d.frame])).toEqual([["timestamp-out-of-range", 2]]);
    });
  }

  it("a first packet out of range gets time 0; repeats are reported on the 1st, 2nd, 4th … with the count", () => {
    const file = concat(
      w.section(),
      w.interface(1, { tsresol: 0 }),
      ...Array.from({ length: 9 }, () => w.enhanced(0, 0xffff_ffff_ffff_ffffn, frame)),
    );
    const packets: CapturedPacket[] = [];
    const diagnostics: CaptureDiagnostic[] = [];
    const reader = createCaptureReader({
      onPacket: (p) => packets.push(p),
      onError: () => {},
      onDiagnostic: (d) => diagnostics.push(d),
    });
    reader.feed(file);
    reader.end();
    expect(packets.map((p) => p.seconds)).toEqual(new Array(9).fill(0));
    expect(diagnostics.map((d) => d.frame)).toEqual([1, 2, 4, 8]);
    expect(diagnostics[3]!.message).toContain("8 such packets");
  });
});
