/**
 * The reassembler's bounds: out-of-order segments cost O(log n) each whatever their order, and each cap on
 * per-connection state (held segments, half-open connections, open connections, closed connections kept for
 * their linger time) holds, with a typed diagnostic when it drops state.
 */
import { describe, expect, it } from "vitest";
import { decodeFrame, LinkType } from "../../../src/node/pcap/decode.js";
import type { CaptureDiagnostic } from "../../../src/node/pcap/errors.js";
import type { CapturedPacket } from "../../../src/node/pcap/reader.js";
import {
  createTcpReassembler,
  DEFAULT_MAX_HALF_OPEN_CONNECTIONS,
  DEFAULT_MAX_LINGERING_CONNECTIONS,
  type ReassemblyOptions,
  type TcpReassembler,
} from "../../../src/node/pcap/reassembly.js";
import { ACK, FIN, ipv4Tcp, SYN, type TcpSpec } from "./synthetic.js";

const CLIENT = [10, 0, 0, 2];
const SERVER = [10, 0, 0, 1];

interface Harness {
  reassembler: TcpReassembler;
  send(spec: TcpSpec, seconds?: number): void;
  /** Bytes delivered per `connection:direction`. */
  streams: Map<string, number[]>;
  diagnostics: CaptureDiagnostic[];
  closes: Array<[number, string]>;
  gaps: number;
}

function harness(options: ReassemblyOptions = {}): Harness {
  const h: Harness = {
    streams: new Map(),
    diagnostics: [],
    closes: [],
    gaps: 0,
    reassembler: undefined as unknown as TcpReassembler,
    send(spec, seconds = 0) {
      const frame = ipv4Tcp(spec);
      frames++;
      const packet: CapturedPacket = {
        frame: frames,
        fileOffset: 0,
        interfaceId: 0,
        linkType: LinkType.Raw,
        seconds,
        nanoseconds: 0,
        data: frame,
        originalLength: frame.length,
      };
      h.reassembler.segment(decodeFrame(LinkType.Raw, frame, frame.length).segment!, packet);
    },
  };
  let frames = 0;
  h.reassembler = createTcpReassembler(
    {
      onData(c, direction, bytes) {
        const key = `${c.index}:${direction}`;
        const stream = h.streams.get(key) ?? [];
        for (const byte of bytes) stream.push(byte);
        h.streams.set(key, stream);
      },
      onGap() {
        h.gaps++;
      },
      onClose(c, how) {
        h.closes.push([c.index, how]);
      },
      onDiagnostic(d) {
        h.diagnostics.push(d);
      },
    },
    options,
  );
  return h;
}

const fromClient = (port: number, seq: number, flags: number, payload = ""): TcpSpec => ({
  src: CLIENT,
  dst: SERVER,
  sport: port,
  dport: 21,
  seq,
  flags,
  payload,
});
const fromServer = (
  port: number,
  seq: number,
  flags: number,
  payload: string | Uint8Array = "",
): TcpSpec => ({
  src: SERVER,
  dst: CLIENT,
  sport: 21,
  dport: port,
  seq,
  flags,
  payload,
});

/** A full handshake on client port `port` (client ISN 1000, server ISN 5000). */
function handshake(h: Harness, port: number, seconds = 0): void {
  h.send(fromClient(port, 999, SYN), seconds);
  h.send(fromServer(port, 4999, SYN | ACK), seconds);
  h.send(fromClient(port, 1000, ACK), seconds);
}

const dropped = (h: Harness, what: string) =>
  h.diagnostics.filter((d) => d.type === "state-dropped" && d.what === what);

describe("reassembly: out-of-order segments in any order", () => {
  it("1-byte server segments in reverse order: all bytes in order, O(n log n) comparisons", () => {
    const n = 16000; // under the default maxHeldSegments (16384)
    const h = harness();
    handshake(h, 40000);
    const bytes = Uint8Array.from({ length: n }, (_, i) => i & 0xff);
    for (let i = n - 1; i >= 1; i--) h.send(fromServer(40000, 5000 + i, ACK, bytes.subarray(i, i + 1)));
    expect(h.reassembler.stats().heldSegments).toBe(n - 1);
    expect(h.reassembler.stats().heldBytes).toBe(n - 1);
    h.send(fromServer(40000, 5000, ACK, bytes.subarray(0, 1)));
    expect(h.streams.get("0:1")).toEqual([...bytes]);
    const stats = h.reassembler.stats();
    expect(stats.heldSegments).toBe(0);
    expect(stats.heldBytes).toBe(0);
    // A sorted array costs n²/2 = 1.3·10^8 comparisons or moves here; a heap about 3·n·log2(n) ≈ 6.7·10^5.
    expect(stats.heldComparisons).toBeLessThanOrEqual(4 * n * Math.log2(n));
    expect(h.gaps).toBe(0);
  });

  it("keeps the first copy of a held duplicate and reports a copy that differs", () => {
    const h = harness();
    handshake(h, 40000);
    h.send(fromServer(40000, 5003, ACK, "def"));
    h.send(fromServer(40000, 5003, ACK, "dXf"));
    h.send(fromServer(40000, 5000, ACK, "abc"));
    expect(String.fromCharCode(...h.streams.get("0:1")!)).toBe("abcdef");
    expect(h.diagnostics.map((d) => d.type)).toEqual(["overlap-mismatch"]);
  });

  it("holds at most maxHeldSegments per direction, then skips the hole with buffer-overflow", () => {
    const h = harness({ maxHeldSegments: 1000 });
    handshake(h, 40000);
    let peak = 0;
    for (let i = 5000; i >= 1; i--) {
      h.send(fromServer(40000, 5000 + i, ACK, "x"));
      peak = Math.max(peak, h.reassembler.stats().heldSegments);
    }
    expect(peak).toBeLessThanOrEqual(1000);
    expect(h.diagnostics.some((d) => d.type === "buffer-overflow" && /maxHeldSegments/.test(d.message))).toBe(
      true,
    );
  });
});

describe("reassembly: out-of-order segments of all connections together", () => {
  it("holds at most maxTotalHeldSegments and maxTotalBufferedBytes over all connections", () => {
    const h = harness({ maxTotalHeldSegments: 500, maxTotalBufferedBytes: 4000 });
    let peakSegments = 0;
    let peakBytes = 0;
    for (let c = 0; c < 100; c++) {
      handshake(h, 40000 + c);
      // Each connection holds 10 segments of 10 bytes behind a hole: well under its own allowance.
      for (let i = 10; i >= 1; i--) h.send(fromServer(40000 + c, 5000 + i * 10, ACK, "0123456789"));
      const stats = h.reassembler.stats();
      peakSegments = Math.max(peakSegments, stats.heldSegments);
      peakBytes = Math.max(peakBytes, stats.heldBytes);
    }
    expect(peakBytes).toBeLessThanOrEqual(4000);
    expect(peakSegments).toBeLessThanOrEqual(500);
    expect(
      h.diagnostics.some((d) => d.type === "buffer-overflow" && /maxTotalBufferedBytes/.test(d.message)),
    ).toBe(true);
  });
});

describe("reassembly: caps on connections", () => {
  it("a SYN flood keeps at most maxHalfOpenConnections, the oldest dropped with state-dropped", () => {
    const h = harness();
    const n = 20000;
    let peak = 0;
    for (let i = 0; i < n; i++) {
      h.send({ ...fromClient(1024 + (i % 60000), 999, SYN), src: [10, 1, i >> 8, i & 0xff] });
      peak = Math.max(peak, h.reassembler.stats().halfOpenConnections);
    }
    expect(peak).toBe(DEFAULT_MAX_HALF_OPEN_CONNECTIONS);
    const stats = h.reassembler.stats();
    expect(stats.openConnections).toBe(DEFAULT_MAX_HALF_OPEN_CONNECTIONS);
    expect(stats.dropped["half-open-connection"]).toBe(n - DEFAULT_MAX_HALF_OPEN_CONNECTIONS);
    // Reported on the 1st, 2nd, 4th … drop: 14 diagnostics for 15 904 drops, none silent (the count is given).
    const reports = dropped(h, "half-open-connection");
    expect(reports.map((d) => d.dropped)).toEqual(Array.from({ length: 14 }, (_, i) => 2 ** i));
    // Every dropped connection was closed (its consumer could free its state), the oldest first.
    expect(h.closes.slice(0, 3)).toEqual([
      [0, "end"],
      [1, "end"],
      [2, "end"],
    ]);
  });

  it("an answered connection is not half-open: a flood does not evict it", () => {
    const h = harness({ maxHalfOpenConnections: 10 });
    handshake(h, 40000);
    for (let i = 0; i < 100; i++) h.send(fromClient(50000 + i, 999, SYN));
    h.send(fromServer(40000, 5000, ACK, "220 hi\r\n"));
    expect(h.streams.get("0:1")?.length).toBe(8);
    expect(h.reassembler.stats().halfOpenConnections).toBe(10);
    expect(h.closes.some(([index]) => index === 0)).toBe(false);
  });

  it("keeps at most maxConnections open, closing the least recently active", () => {
    const h = harness({ maxConnections: 50 });
    handshake(h, 40000);
    for (let i = 0; i < 1000; i++) {
      handshake(h, 41000 + i);
      // The first connection stays active: it must survive the eviction of idle ones.
      if (i % 10 === 0) h.send(fromServer(40000, 5000 + i / 10, ACK, "a"));
    }
    const stats = h.reassembler.stats();
    expect(stats.openConnections).toBeLessThanOrEqual(50);
    expect(stats.dropped.connection).toBeGreaterThanOrEqual(950);
    expect(h.closes.some(([index]) => index === 0)).toBe(false);
    expect(h.streams.get("0:1")?.length).toBe(100);
    expect(dropped(h, "connection").length).toBeGreaterThan(0);
  });

  it("a connection closed early for a cap or forgotten is not found again: its next segment opens a new stream", () => {
    const h = harness({ maxConnections: 4 });
    const opened: number[] = [];
    handshake(h, 40000);
    for (let i = 1; i <= 8; i++) handshake(h, 40000 + i); // 40000 is the least recently active: evicted
    h.send(fromServer(40000, 5000, ACK, "x"));
    // Forgotten after its linger time (240 capture-seconds after its close).
    handshake(h, 50000, 1000);
    h.send(fromClient(50000, 1000, FIN | ACK), 1000);
    h.send(fromServer(50000, 5000, FIN | ACK), 1000);
    handshake(h, 50001, 2000);
    h.send(fromServer(50000, 5001, ACK, "y"), 2000);
    for (const [key] of h.streams) opened.push(Number(key.split(":")[0]));
    // Stream 0 (evicted) and stream 10 (forgotten) got no late bytes: new streams 9 and 12 did.
    expect(h.streams.get("0:1")).toBeUndefined();
    expect(h.streams.get("10:1")).toBeUndefined();
    expect(h.reassembler.connectionCount).toBe(13);
    expect(opened.sort((a, b) => a - b)).toEqual([9, 12]);
  });

  it("remembers at most maxLingeringConnections closed connections, the oldest forgotten with state-dropped", () => {
    const h = harness();
    const n = 10000;
    let peak = 0;
    for (let i = 0; i < n; i++) {
      const port = 1024 + (i % 60000);
      const client = { src: [10, 2, i >> 8, i & 0xff] };
      h.send({ ...fromClient(port, 999, SYN), ...client });
      h.send({ ...fromServer(port, 4999, SYN | ACK), dst: client.src });
      h.send({ ...fromClient(port, 1000, FIN | ACK), ...client });
      h.send({ ...fromServer(port, 5000, FIN | ACK), dst: client.src });
      peak = Math.max(peak, h.reassembler.stats().lingeringConnections);
    }
    // The cap is checked when the next packet comes: one over it at most between two packets.
    expect(peak).toBeLessThanOrEqual(DEFAULT_MAX_LINGERING_CONNECTIONS + 1);
    expect(h.reassembler.stats().openConnections).toBe(0);
    expect(h.reassembler.stats().dropped["lingering-connection"]).toBeGreaterThanOrEqual(
      n - DEFAULT_MAX_LINGERING_CONNECTIONS - 1,
    );
    expect(dropped(h, "lingering-connection").length).toBeGreaterThan(0);
  });

  it("forgets closed connections after their linger time without a diagnostic", () => {
    const h = harness();
    for (let i = 0; i < 10; i++) {
      handshake(h, 40000 + i, i * 1000);
      h.send(fromClient(40000 + i, 1000, FIN | ACK), i * 1000);
      h.send(fromServer(40000 + i, 5000, FIN | ACK), i * 1000);
    }
    expect(h.reassembler.stats().lingeringConnections).toBe(1);
    expect(h.diagnostics).toEqual([]);
  });
});
