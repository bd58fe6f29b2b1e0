/**
 * Batches of decoded packets (batch.ts), as a worker thread sends them: unpacked, every packet and segment is the
 * one the reader and decodeFrame give for the same file, and a batch holds at most BATCH_BYTES of frames.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  BATCH_BYTES,
  deliverRow,
  type FileEnd,
  type PacketBatch,
  readPacketBatches,
} from "../../../src/node/pcap/batch.js";
import { type DecodedFrame, decodeFrame } from "../../../src/node/pcap/decode.js";
import { type CapturedPacket, createCaptureReader } from "../../../src/node/pcap/reader.js";
import { ethernet, ipv4Tcp, pcapFile } from "./synthetic.js";

const FIXTURES = join(import.meta.dirname, "../../../fixtures/pcap");

function plain(packet: CapturedPacket, decoded: DecodedFrame) {
  const s = decoded.segment;
  return {
    ...packet,
    data: [...packet.data],
    segment: s && {
      ...s,
      sourceAddress: [...s.sourceAddress],
      destinationAddress: [...s.destinationAddress],
      payload: [...s.payload],
    },
    otherProtocol: decoded.otherProtocol,
    problem: decoded.problem,
  };
}

async function unpacked(path: string) {
  const items: Array<PacketBatch | FileEnd> = [];
  for await (const item of readPacketBatches(path)) items.push(item);
  const packets: unknown[] = [];
  for (const item of items) {
    if ("end" in item) continue;
    for (let row = 0; row < item.count; row++) {
      deliverRow(item, row, {
        packet: (p, d) => packets.push(plain(p, d)),
        diagnostic: () => {},
      });
    }
  }
  return { items, packets };
}

describe("packet batches", () => {
  for (const name of readdirSync(FIXTURES).filter((n) => /\.pcap(ng)?$/.test(n))) {
    it(`${name}: unpacked rows are the reader's packets and decodeFrame's segments`, async () => {
      const expected: unknown[] = [];
      const reader = createCaptureReader({
        onPacket: (p) => expected.push(plain(p, decodeFrame(p.linkType, p.data, p.originalLength))),
        onError: (e) => {
          throw e;
        },
      });
      reader.feed(readFileSync(join(FIXTURES, name)));
      reader.end();
      const { items, packets } = await unpacked(join(FIXTURES, name));
      expect(packets).toEqual(expected);
      expect(items.at(-1)).toMatchObject({ end: true, format: name.endsWith("ng") ? "pcapng" : "pcap" });
    });
  }

  it("small frames: the rows grow as packets come, a batch holds at most 4096, each row is its packet", async () => {
    const dir = mkdtempSync(join(tmpdir(), "batches-"));
    const frames = Array.from({ length: 5000 }, (_, i) => ({
      data: ethernet(ipv4Tcp({ sport: 40000 + (i % 7), dport: 80, seq: i, payload: String(i) })),
    }));
    const path = join(dir, "small.pcap");
    writeFileSync(path, pcapFile(frames));
    const expected: unknown[] = [];
    const reader = createCaptureReader({
      onPacket: (p) => expected.push(plain(p, decodeFrame(p.linkType, p.data, p.originalLength))),
      onError: (e) => {
        throw e;
      },
    });
    reader.feed(readFileSync(path));
    reader.end();
    const { items, packets } = await unpacked(path);
    expect(items.filter((i): i is PacketBatch => !("end" in i)).map((b) => b.count)).toEqual([4096, 904]);
    expect(packets).toEqual(expected);
  });

  it("a batch holds at most BATCH_BYTES of frames (many batches for a large file); the end says the error", async () => {
    const dir = mkdtempSync(join(tmpdir(), "batches-"));
    const payload = "x".repeat(1400);
    const frames = Array.from({ length: 1200 }, (_, i) => ({
      data: ethernet(ipv4Tcp({ sport: 40000, dport: 80, seq: 1 + i * 1400, payload })),
    }));
    const bytes = pcapFile(frames);
    const path = join(dir, "big.pcap");
    // Cut inside the last record: every packet before it, then a truncated error.
    writeFileSync(path, bytes.subarray(0, bytes.length - 10));
    const { items, packets } = await unpacked(path);
    const batches = items.filter((i): i is PacketBatch => !("end" in i));
    expect(batches.length).toBeGreaterThan(2);
    for (const batch of batches) {
      let used = 0;
      for (let row = 0; row < batch.count; row++) {
        deliverRow(batch, row, { packet: (p) => (used += p.data.length), diagnostic: () => {} });
      }
      expect(used).toBeLessThanOrEqual(BATCH_BYTES);
    }
    expect(packets.length).toBe(1199);
    expect(items.at(-1)).toMatchObject({ end: true, error: { type: "truncated" } });
  });
});
