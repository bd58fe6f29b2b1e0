/**
 * The capture entries' memory budgets (docs/memory.md) under worst cases, as properties: the reader's carry stays
 * within the record being read (≤ maxBlockSize) and copies each byte O(1) times whatever the chunking; the
 * reassembler's connections and out-of-order hold stay within every cap, whatever the order, the number of
 * connections and the segments' sizes.
 */
import { describe, expect } from "vitest";
import { decodeFrame, LinkType } from "../../../src/node/pcap/decode.js";
import { type CapturedPacket, createCaptureReader } from "../../../src/node/pcap/reader.js";
import { createTcpReassembler, type ReassemblyOptions } from "../../../src/node/pcap/reassembly.js";
import { chunkSize } from "../../helpers/hostile.js";
import { chunksOf } from "../../helpers/memory.js";
import { configureProperties, fc, propertyTest } from "../../helpers/properties.js";
import { ACK, FIN, ipv4Tcp, pcapFile, SYN } from "./synthetic.js";

configureProperties();

describe("capture reader: the carry is bounded by the record, whatever the chunking", () => {
  const MAX_BLOCK = 8 * 1024;
  propertyTest.prop([
    fc.array(fc.oneof(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: MAX_BLOCK + 100 })), {
      minLength: 1,
      maxLength: 6,
    }),
    chunkSize,
  ])(
    "carry ≤ the record in progress ≤ maxBlockSize; each byte copied at most twice",
    (sizes, size) => {
      const file = pcapFile(sizes.map((n) => ({ data: new Uint8Array(n).fill(0x41) })));
      const reader = createCaptureReader({ onPacket() {}, onError() {} }, { maxBlockSize: MAX_BLOCK });
      let read = 0;
      let peak = 0;
      for (const chunk of chunksOf(file, size)) {
        reader.feed(chunk);
        read += chunk.length;
        peak = Math.max(peak, reader.stats().carryCapacity);
        if (reader.failed) break;
      }
      expect(peak).toBeLessThanOrEqual(MAX_BLOCK);
      expect(reader.stats().bytesCopied).toBeLessThanOrEqual(2 * read);
      reader.end();
    },
    60_000,
  );
});

describe("reassembler: every cap holds under storms of connections and reordering", () => {
  const caps: Required<
    Pick<
      ReassemblyOptions,
      | "maxBufferedBytes"
      | "maxHeldSegments"
      | "maxTotalBufferedBytes"
      | "maxTotalHeldSegments"
      | "maxHalfOpenConnections"
      | "maxConnections"
      | "maxLingeringConnections"
    >
  > = {
    maxBufferedBytes: 4096,
    maxHeldSegments: 32,
    maxTotalBufferedBytes: 16_384,
    maxTotalHeldSegments: 96,
    maxHalfOpenConnections: 8,
    maxConnections: 16,
    maxLingeringConnections: 8,
  };
  const CLIENT = [10, 0, 0, 2];
  const SERVER = [10, 0, 0, 1];

  /** A connection's segments: handshake (or not), server data in pieces of any size, FIN (or not). */
  const connection = fc.record({
    handshake: fc.boolean(),
    pieces: fc.array(fc.integer({ min: 1, max: 1500 }), { maxLength: 40 }),
    close: fc.boolean(),
  });

  propertyTest.prop([
    fc.array(connection, { minLength: 1, maxLength: 60 }),
    fc.array(fc.nat(), { maxLength: 600 }),
    fc.constantFrom(1, 8, 1000),
  ])(
    "after every segment: connections, half-open, lingering, held segments and bytes within their caps",
    (connections, swaps, window) => {
      const segments: { spec: Parameters<typeof ipv4Tcp>[0]; seconds: number }[] = [];
      connections.forEach((c, i) => {
        const port = 20_000 + i;
        const client = { src: CLIENT, dst: SERVER, sport: port, dport: 21 };
        const server = { src: SERVER, dst: CLIENT, sport: 21, dport: port };
        if (c.handshake) {
          segments.push({ spec: { ...client, seq: 999, flags: SYN }, seconds: i });
          segments.push({ spec: { ...server, seq: 4999, flags: SYN | ACK }, seconds: i });
        }
        let seq = 5000;
        for (const length of c.pieces) {
          segments.push({ spec: { ...server, seq, flags: ACK, payload: "x".repeat(length) }, seconds: i });
          seq += length;
        }
        if (c.close) segments.push({ spec: { ...server, seq, flags: FIN | ACK }, seconds: i + 1 });
      });
      // A reordering storm: segments swapped with one up to `window` places later.
      for (let k = 0; k < swaps.length && segments.length > 1; k++) {
        const a = swaps[k]! % segments.length;
        const b = Math.min(segments.length - 1, a + 1 + (swaps[(k + 1) % swaps.length]! % window));
        [segments[a], segments[b]] = [segments[b]!, segments[a]!];
      }
      const reassembler = createTcpReassembler({ onData() {}, onGap() {}, onDiagnostic() {} }, caps);
      let frame = 0;
      for (const { spec, seconds } of segments) {
        const data = ipv4Tcp(spec);
        const packet: CapturedPacket = {
          frame: ++frame,
          fileOffset: 0,
          interfaceId: 0,
          linkType: LinkType.Raw,
          seconds,
          nanoseconds: 0,
          data,
          originalLength: data.length,
        };
        reassembler.segment(decodeFrame(LinkType.Raw, data, data.length).segment!, packet);
        const stats = reassembler.stats();
        expect(stats.openConnections).toBeLessThanOrEqual(caps.maxConnections);
        expect(stats.halfOpenConnections).toBeLessThanOrEqual(caps.maxHalfOpenConnections);
        expect(stats.lingeringConnections).toBeLessThanOrEqual(caps.maxLingeringConnections);
        expect(stats.heldSegments).toBeLessThanOrEqual(caps.maxTotalHeldSegments);
        expect(stats.heldBytes).toBeLessThanOrEqual(caps.maxTotalBufferedBytes);
      }
      reassembler.finish();
      expect(reassembler.stats().heldBytes).toBe(0);
    },
    60_000,
  );
});
