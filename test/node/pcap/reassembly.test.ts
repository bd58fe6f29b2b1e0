import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { decodeFrame, LinkType } from "../../../src/node/pcap/decode.js";
import type { CaptureDiagnostic } from "../../../src/node/pcap/errors.js";
import type { CapturedPacket } from "../../../src/node/pcap/reader.js";
import { createTcpReassembler, type FlowDirection } from "../../../src/node/pcap/reassembly.js";
import { ACK, FIN, ipv4Tcp, RST, SYN, type TcpSpec } from "./synthetic.js";

interface Run {
  streams: Map<string, number[]>;
  gaps: Array<[number, FlowDirection, number, number]>;
  closes: Array<[number, string]>;
  diagnostics: CaptureDiagnostic[];
  connections: Array<{ index: number; client: string; server: string; handshake: boolean }>;
  /** Held segments and bytes after each segment. */
  held: Array<[number, number]>;
  /** Each connection's byte counts [client→server, server→client] when it closed. */
  bytes: Array<[number, number]>;
}

/** Asked on each connection's opening and delivery: true ignores the rest of its payload (`ignorePayload`). */
type Ignore = (index: number, on: "open" | "data") => boolean;

const CLIENT = [10, 0, 0, 2];
const SERVER = [10, 0, 0, 1];

/** A segment from the client (port 40000) or the server (port 21); `seq` is relative to the ISNs below. */
function seg(
  from: "c" | "s",
  seq: number,
  payload: string | Uint8Array = "",
  flags = ACK,
  clientPort = 40000,
): TcpSpec {
  const isn = from === "c" ? 1000 : 0xfffffff0; // the server's sequence numbers wrap past 2^32
  return from === "c"
    ? { src: CLIENT, dst: SERVER, sport: clientPort, dport: 21, seq: (isn + seq) >>> 0, flags, payload }
    : { src: SERVER, dst: CLIENT, sport: 21, dport: clientPort, seq: (isn + seq) >>> 0, flags, payload };
}
const handshake = (clientPort = 40000) => [
  seg("c", -1, "", SYN, clientPort),
  seg("s", -1, "", SYN | ACK, clientPort),
  seg("c", 0, "", ACK, clientPort),
];

function run(
  specs: TcpSpec[],
  maxBufferedBytes?: number,
  times?: number[],
  snap?: number,
  ignore: Ignore = () => false,
): Run {
  const result: Run = {
    streams: new Map(),
    gaps: [],
    closes: [],
    diagnostics: [],
    connections: [],
    held: [],
    bytes: [],
  };
  const reassembler = createTcpReassembler(
    {
      onConnection(c) {
        result.connections.push({
          index: c.index,
          client: c.client.text,
          server: c.server.text,
          handshake: c.handshakeSeen,
        });
        if (ignore(c.index, "open")) reassembler.ignorePayload(c);
      },
      onData(c, direction, bytes, position) {
        const key = `${c.index}:${direction}`;
        const stream = result.streams.get(key) ?? [];
        expect(position).toBe(stream.length);
        stream.push(...bytes);
        result.streams.set(key, stream);
        if (ignore(c.index, "data")) reassembler.ignorePayload(c);
      },
      onGap(c, direction, position, missing) {
        result.gaps.push([c.index, direction, position, missing]);
      },
      onClose(c, how) {
        result.closes.push([c.index, how]);
        result.bytes.push([c.bytes[0], c.bytes[1]]);
      },
      onDiagnostic(d) {
        result.diagnostics.push(d);
      },
    },
    maxBufferedBytes === undefined ? {} : { maxBufferedBytes },
  );
  specs.forEach((spec, i) => {
    const whole = ipv4Tcp(spec);
    const frame = snap === undefined ? whole : whole.subarray(0, Math.max(40, whole.length - snap));
    const packet: CapturedPacket = {
      frame: i + 1,
      fileOffset: 0,
      interfaceId: 0,
      linkType: LinkType.Raw,
      seconds: times?.[i] ?? i,
      nanoseconds: 0,
      data: frame,
      originalLength: whole.length,
    };
    reassembler.segment(decodeFrame(LinkType.Raw, frame, whole.length).segment!, packet);
    const stats = reassembler.stats();
    result.held.push([stats.heldSegments, stats.heldBytes]);
  });
  reassembler.finish();
  return result;
}

const text = (bytes: number[] | undefined) => new TextDecoder().decode(new Uint8Array(bytes ?? []));

describe("TCP reassembly", () => {
  it("delivers both directions in order and tells client from server by the SYN", () => {
    const r = run([
      ...handshake(),
      seg("s", 0, "220 ready\r\n"),
      seg("c", 0, "USER a\r\n"),
      seg("s", 11, "331 pass?\r\n"),
      seg("c", 8, "", FIN | ACK),
      seg("s", 22, "", FIN | ACK),
    ]);
    expect(r.connections).toEqual([
      { index: 0, client: "10.0.0.2:40000", server: "10.0.0.1:21", handshake: true },
    ]);
    expect(text(r.streams.get("0:1"))).toBe("220 ready\r\n331 pass?\r\n");
    expect(text(r.streams.get("0:0"))).toBe("USER a\r\n");
    expect(r.gaps).toEqual([]);
    expect(r.closes).toEqual([[0, "fin"]]);
  });

  it("takes the SYN-ACK's receiver as client when the SYN is missing", () => {
    const r = run([seg("s", -1, "", SYN | ACK), seg("s", 0, "220 x\r\n")]);
    expect(r.connections[0]?.client).toBe("10.0.0.2:40000");
  });

  it("reorders out-of-order segments and delivers a duplicate once", () => {
    const r = run([
      ...handshake(),
      seg("s", 10, "second\r\n"),
      seg("s", 0, "220 first"),
      seg("s", 0, "220 first"),
      seg("s", 9, "\r"),
      seg("s", 10, "second\r\n"),
    ]);
    expect(text(r.streams.get("0:1"))).toBe("220 first\rsecond\r\n");
    expect(r.gaps).toEqual([]);
  });

  it("delivers the new part of an overlapping retransmission", () => {
    const r = run([
      ...handshake(),
      seg("s", 0, "220 he"),
      seg("s", 3, " hello\r\n"),
      seg("s", 0, "220 hello\r\n"),
    ]);
    expect(text(r.streams.get("0:1"))).toBe("220 hello\r\n");
  });

  it("reports a held duplicate whose bytes differ, keeping the first", () => {
    const r = run([...handshake(), seg("s", 5, "AAAA"), seg("s", 5, "BBBB"), seg("s", 0, "220 x")]);
    expect(text(r.streams.get("0:1"))).toBe("220 xAAAA");
    expect(r.diagnostics.map((d) => d.type)).toContain("overlap-mismatch");
  });

  it("reports a hole that never fills at the end and delivers what follows it", () => {
    const r = run([...handshake(), seg("s", 0, "220 a\r\n"), seg("s", 12, "230 b\r\n")]);
    expect(text(r.streams.get("0:1"))).toBe("220 a\r\n230 b\r\n");
    expect(r.gaps).toEqual([[0, 1, 7, 5]]);
    expect(r.closes).toEqual([[0, "end"]]);
  });

  it("reports a hole as soon as the peer acknowledges past it (the capture missed it; no retransmission comes)", () => {
    const r = run([
      ...handshake(),
      seg("s", 0, "220 a\r\n"),
      seg("s", 12, "230 b\r\n"),
      { ...seg("c", 0, "", ACK), ack: (0xfffffff0 + 19) >>> 0 },
      seg("s", 19, "331 c\r\n"),
    ]);
    expect(r.gaps).toEqual([[0, 1, 7, 5]]);
    expect(text(r.streams.get("0:1"))).toBe("220 a\r\n230 b\r\n331 c\r\n");
    expect(r.closes).toEqual([[0, "end"]]);
  });

  it("keeps waiting for a hole while the peer acknowledges only the bytes before it", () => {
    const r = run([
      ...handshake(),
      seg("s", 0, "220 a\r\n"),
      seg("s", 12, "230 b\r\n"),
      { ...seg("c", 0, "", ACK), ack: (0xfffffff0 + 7) >>> 0 },
      seg("s", 7, "xxxxx"),
    ]);
    expect(r.gaps).toEqual([]);
    expect(text(r.streams.get("0:1"))).toBe("220 a\r\nxxxxx230 b\r\n");
  });

  it("reports a hole at a RST", () => {
    const r = run([...handshake(), seg("c", 4, "LIST\r\n"), seg("c", 10, "", RST)]);
    expect(r.gaps).toEqual([[0, 0, 0, 4]]);
    expect(text(r.streams.get("0:0"))).toBe("LIST\r\n");
    expect(r.closes).toEqual([[0, "rst"]]);
  });

  it("closes on a FIN that carries the last bytes, with no gap", () => {
    const r = run([...handshake(), seg("s", 0, "data", FIN | ACK), seg("c", 0, "", FIN | ACK)]);
    expect(text(r.streams.get("0:1"))).toBe("data");
    expect(r.gaps).toEqual([]);
    expect(r.closes).toEqual([[0, "fin"]]);
  });

  it("reports bytes lost before a FIN", () => {
    const r = run([
      ...handshake(),
      seg("s", 0, "220 a\r\n"),
      seg("s", 20, "", FIN | ACK),
      seg("c", 0, "", FIN | ACK),
    ]);
    expect(r.gaps).toEqual([[0, 1, 7, 13]]);
  });

  it("skips ahead when more out-of-order bytes wait than allowed", () => {
    const r = run([...handshake(), seg("s", 4, "abcd"), seg("s", 8, "efgh"), seg("s", 12, "ijkl")], 10);
    expect(r.gaps).toEqual([[0, 1, 0, 4]]);
    expect(text(r.streams.get("0:1"))).toBe("abcdefghijkl");
    expect(r.diagnostics.map((d) => d.type)).toEqual(["buffer-overflow"]);
  });

  it("starts a stream without a handshake at the first segment and says so", () => {
    const r = run([seg("s", 100, "226 done\r\n"), seg("c", 50, "QUIT\r\n"), seg("s", 110, "221 bye\r\n")]);
    expect(r.connections[0]).toMatchObject({ client: "10.0.0.1:21", handshake: false });
    expect(text(r.streams.get("0:0"))).toBe("226 done\r\n221 bye\r\n");
    expect(r.diagnostics.filter((d) => d.type === "missing-handshake").length).toBe(2);
  });

  it("keeps concurrent connections apart", () => {
    const r = run([
      ...handshake(40000),
      ...handshake(40001),
      seg("s", 0, "220 one\r\n", ACK, 40000),
      seg("s", 0, "220 two\r\n", ACK, 40001),
      seg("c", 0, "USER one\r\n", ACK, 40000),
      seg("c", 0, "USER two\r\n", ACK, 40001),
    ]);
    expect(r.connections.map((c) => c.client)).toEqual(["10.0.0.2:40000", "10.0.0.2:40001"]);
    expect(text(r.streams.get("0:1"))).toBe("220 one\r\n");
    expect(text(r.streams.get("1:1"))).toBe("220 two\r\n");
    expect(text(r.streams.get("1:0"))).toBe("USER two\r\n");
  });

  it("opens a new connection for a new SYN on a closed 4-tuple", () => {
    const r = run([
      ...handshake(),
      seg("c", 0, "", RST),
      { ...seg("c", 5000, "", SYN), seq: 77 },
      { ...seg("c", 5000, "QUIT\r\n"), seq: 78 },
    ]);
    expect(r.connections.map((c) => c.index)).toEqual([0, 1]);
    expect(text(r.streams.get("1:0"))).toBe("QUIT\r\n");
  });

  it("forgets a closed connection after the linger time: later packets start a new one", () => {
    const specs = [...handshake(), seg("c", 0, "", RST), seg("s", 0, "late\r\n")];
    expect(run(specs, undefined, [0, 0, 0, 1, 100]).connections.length).toBe(1);
    const late = run(specs, undefined, [0, 0, 0, 1, 1000]);
    expect(late.connections.length).toBe(2);
    expect(late.connections[1]).toMatchObject({ handshake: false, client: "10.0.0.1:21" });
  });

  it("reports payload bytes cut by the snapshot length", () => {
    const r = run([...handshake(), seg("s", 0, "220 a long greeting line\r\n")], undefined, undefined, 4);
    expect(r.diagnostics.map((d) => d.type)).toContain("snapped-packet");
    expect(text(r.streams.get("0:1"))).toBe("220 a long greeting li");
  });

  it("counts a held segment overtaken by a longer one as a retransmission", () => {
    const r = run([...handshake(), seg("s", 5, "fgh"), seg("s", 0, "abcdefghij")]);
    expect(text(r.streams.get("0:1"))).toBe("abcdefghij");
    expect(r.gaps).toEqual([]);
  });

  test.prop([
    fc.uint8Array({ minLength: 1, maxLength: 300 }),
    fc.array(fc.nat(299), { maxLength: 20 }),
    fc.array(fc.nat(), { maxLength: 40 }),
    fc.array(fc.nat(), { maxLength: 10 }),
    fc.array(fc.nat(), { maxLength: 5 }),
  ])(
    "any segmentation, order and duplication gives the bytes back; lost segments are gaps",
    (bytes, cuts, order, dups, drops) => {
      const points = [...new Set([0, ...cuts.filter((c) => c < bytes.length), bytes.length])].sort(
        (a, b) => a - b,
      );
      const pieces: Array<[number, Uint8Array]> = [];
      for (let i = 0; i + 1 < points.length; i++)
        pieces.push([points[i]!, bytes.subarray(points[i]!, points[i + 1]!)]);
      const dropped = new Set(drops.map((d) => d % pieces.length));
      if (dropped.size === pieces.length) dropped.delete(0);
      const kept = pieces.filter((_, i) => !dropped.has(i));
      // Shuffle by the order array, then duplicate some.
      const shuffled = kept.slice();
      order.forEach((o, i) => {
        const a = i % shuffled.length;
        const b = o % shuffled.length;
        [shuffled[a], shuffled[b]] = [shuffled[b]!, shuffled[a]!];
      });
      for (const d of dups) shuffled.splice(d % (shuffled.length + 1), 0, shuffled[d % shuffled.length]!);
      const r = run([...handshake(), ...shuffled.map(([at, piece]) => seg("s", at, piece))]);
      const expected: number[] = [];
      for (const [, piece] of kept) expected.push(...piece);
      expect(r.streams.get("0:1") ?? []).toEqual(expected);
      // A hole is visible only before the last byte that arrived: a dropped tail is not a gap.
      const lastEnd = Math.max(...kept.map(([at, piece]) => at + piece.length));
      const holes = pieces
        .filter(([at], i) => dropped.has(i) && at < lastEnd)
        .reduce((sum, [, p]) => sum + p.length, 0);
      expect(r.gaps.reduce((sum, g) => sum + g[3], 0)).toBe(holes);
    },
  );
});

describe("a connection whose payload is ignored", () => {
  it("holds and delivers nothing, reports no hole, and closes at the FINs even with a hole before them", () => {
    const r = run(
      [
        ...handshake(),
        seg("c", 0, "GET / HTTP/1.1\r\n"),
        seg("s", 100, "after a hole"),
        seg("s", 0, "x".repeat(50)),
        seg("s", 112, "", FIN | ACK),
        seg("c", 16, "", FIN | ACK),
      ],
      undefined,
      undefined,
      undefined,
      () => true,
    );
    expect(r.streams.size).toBe(0);
    expect(r.held.every(([segments, bytes]) => segments === 0 && bytes === 0)).toBe(true);
    expect(r.gaps).toEqual([]);
    expect(r.closes).toEqual([[0, "fin"]]);
    expect(r.bytes).toEqual([[0, 0]]);
    // The same segments not ignored: the hole is held for, and reported.
    const kept = run(
      [...handshake(), seg("s", 100, "after a hole"), seg("s", 0, "x".repeat(50))],
      undefined,
      undefined,
      undefined,
      () => false,
    );
    expect(kept.held[3]).toEqual([1, 12]);
    expect(kept.gaps).toEqual([[0, 1, 50, 50]]);
  });

  it("lets go of what it held when it is ignored from a delivery, without a gap", () => {
    const r = run(
      [
        ...handshake(),
        seg("s", 10, "later"),
        seg("s", 20, "later still"),
        seg("s", 0, "first"),
        seg("s", 40, "more"),
      ],
      undefined,
      undefined,
      undefined,
      (_index, on) => on === "data",
    );
    expect(text(r.streams.get("0:1"))).toBe("first");
    expect(r.held.map(([segments]) => segments)).toEqual([0, 0, 0, 1, 2, 0, 0]);
    expect(r.held.at(-1)).toEqual([0, 0]);
    expect(r.gaps).toEqual([]);
    expect(r.bytes).toEqual([[0, 5]]);
    expect(r.closes).toEqual([[0, "end"]]);
  });

  it("closes at a RST, and stops reporting cut payload and differing copies", () => {
    const r = run(
      [...handshake(), seg("s", 5, "AAAA"), seg("s", 5, "BBBB"), seg("c", 0, "", RST)],
      undefined,
      undefined,
      undefined,
      () => true,
    );
    expect(r.closes).toEqual([[0, "rst"]]);
    expect(r.diagnostics).toEqual([]);
    expect(r.gaps).toEqual([]);
  });

  it("still numbers a reused 4-tuple as a new connection (after a FIN, and after a new ISN on a live one)", () => {
    const r = run(
      [
        ...handshake(),
        seg("c", 0, "GET /\r\n"),
        seg("c", 7, "", FIN | ACK),
        seg("s", 0, "", FIN | ACK),
        // Same ISN, but after the FINs: a new connection (tshark: a new tcp.stream).
        ...handshake(),
        seg("c", 0, "GET /again\r\n"),
        // A SYN with another ISN while that one is open: a third.
        { ...seg("c", -1, "", SYN), seq: 77777 },
      ],
      undefined,
      undefined,
      undefined,
      (index) => index < 2,
    );
    expect(r.connections.map((c) => c.index)).toEqual([0, 1, 2]);
    expect(r.closes).toEqual([
      [0, "fin"],
      [1, "rst"],
      [2, "end"],
    ]);
    expect(r.streams.size).toBe(0);
  });

  it("ends a reused connection as closed by FIN when only one FIN of it was seen", () => {
    const r = run(
      [
        ...handshake(),
        seg("c", 0, "GET /\r\n"),
        seg("c", 7, "", FIN | ACK),
        // The server's FIN is not captured; the client's port is used again.
        { ...seg("c", -1, "", SYN), seq: 77777 },
      ],
      undefined,
      undefined,
      undefined,
      () => true,
    );
    expect(r.closes).toEqual([
      [0, "fin"],
      [1, "end"],
    ]);
  });
});
