import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import type { CaptureFormatError } from "../../../src/node/pcap/errors.js";
import {
  type CapturedPacket,
  type CaptureInterface,
  createCaptureReader,
  readCapture,
} from "../../../src/node/pcap/reader.js";
import { chunksAt, concat, ethernet, ipv4Tcp, pcapFile, pcapngWriter } from "./synthetic.js";

interface Result {
  packets: Array<Omit<CapturedPacket, "data"> & { data: number[] }>;
  interfaces: CaptureInterface[];
  skipped: Array<[number, number]>;
  error: CaptureFormatError | undefined;
}

function read(chunks: Uint8Array[], maxBlockSize?: number): Result {
  const result: Result = { packets: [], interfaces: [], skipped: [], error: undefined };
  const reader = createCaptureReader(
    {
      onPacket(p) {
        result.packets.push({ ...p, data: [...p.data] });
      },
      onInterface(i) {
        result.interfaces.push(i);
      },
      onSkippedBlock(type, offset) {
        result.skipped.push([type, offset]);
      },
      onError(e) {
        result.error = e;
      },
    },
    maxBlockSize === undefined ? {} : { maxBlockSize },
  );
  for (const chunk of chunks) reader.feed(chunk);
  reader.end();
  return result;
}

const frameA = ethernet(ipv4Tcp({ sport: 21, dport: 40000, seq: 1, payload: "220 ready\r\n" }));
const frameB = ethernet(ipv4Tcp({ sport: 40000, dport: 21, seq: 1, payload: "USER a\r\n" }));

describe("pcap", () => {
  it("reads little-endian microsecond files with exact timestamps", () => {
    const file = pcapFile([
      { seconds: 1_700_000_000, fraction: 123_456, data: frameA },
      { seconds: 1_700_000_001, fraction: 999_999, data: frameB, originalLength: 1000 },
    ]);
    const { packets, error, interfaces } = read([file]);
    expect(error).toBeUndefined();
    expect(interfaces).toEqual([{ interfaceId: 0, linkType: 1, snapLength: 262144 }]);
    expect(packets.map((p) => [p.frame, p.fileOffset, p.seconds, p.nanoseconds, p.originalLength])).toEqual([
      [1, 24, 1_700_000_000, 123_456_000, frameA.length],
      [2, 24 + 16 + frameA.length, 1_700_000_001, 999_999_000, 1000],
    ]);
    expect(packets[0]!.data).toEqual([...frameA]);
  });

  it("reads big-endian nanosecond files", () => {
    const file = pcapFile([{ seconds: 4_000_000_000, fraction: 999_999_999, data: frameA }], {
      nano: true,
      bigEndian: true,
      linkType: 1,
    });
    expect(file[0]).toBe(0xa1);
    const { packets, error } = read([file]);
    expect(error).toBeUndefined();
    expect(packets[0]!.seconds).toBe(4_000_000_000);
    expect(packets[0]!.nanoseconds).toBe(999_999_999);
    expect(packets[0]!.data).toEqual([...frameA]);
  });

  it("keeps only the link type from the FCS-flagged link-type field", () => {
    const file = pcapFile([{ data: frameA }], { linkType: 0x1000_0001 });
    expect(read([file]).packets[0]!.linkType).toBe(1);
  });

  it("reports wrong magic at offset 0", () => {
    const { error, packets } = read([new TextEncoder().encode("220 hello, this is a transcript\r\n")]);
    expect(packets).toEqual([]);
    expect(error?.type).toBe("bad-magic");
    expect(error?.offset).toBe(0);
    expect(error?.message).toMatch(/magic 0x32323020.*at byte 0/);
  });

  it("reports an empty file", () => {
    expect(read([]).error?.type).toBe("truncated");
  });

  it("delivers every packet before a record cut short, then reports where it starts", () => {
    const file = pcapFile([{ data: frameA }, { data: frameB }]);
    const secondRecord = 24 + 16 + frameA.length;
    for (const cut of [secondRecord + 3, secondRecord + 16, file.length - 1]) {
      const { packets, error } = read([file.subarray(0, cut)]);
      expect(packets.length).toBe(1);
      expect(error?.type).toBe("truncated");
      expect(error?.offset).toBe(secondRecord);
    }
    const header = read([file.subarray(0, 10)]);
    expect(header.error?.type).toBe("truncated");
    expect(header.error?.offset).toBe(0);
  });

  it("refuses a record longer than maxBlockSize instead of buffering it", () => {
    const file = pcapFile([{ data: frameA }, { data: new Uint8Array(5000) }]);
    const { packets, error } = read([file], 1000);
    expect(packets.length).toBe(1);
    expect(error?.type).toBe("block-too-large");
    expect(error?.offset).toBe(24 + 16 + frameA.length);
  });

  it("detects a lost framing from an impossible time fraction", () => {
    const file = pcapFile([{ data: frameA }, { data: frameB }]);
    const damaged = file.slice();
    new DataView(damaged.buffer).setUint32(24 + 16 + frameA.length + 4, 2_000_000, true);
    const { packets, error } = read([damaged]);
    expect(packets.length).toBe(1);
    expect(error?.type).toBe("bad-record-length");
  });

  test.prop([fc.array(fc.nat(400), { maxLength: 12 })])(
    "gives the same packets however the file is chunked",
    (cuts) => {
      const file = pcapFile([
        { seconds: 1, fraction: 2, data: frameA },
        { seconds: 3, fraction: 4, data: frameB },
        { seconds: 5, fraction: 6, data: frameA },
      ]);
      const whole = read([file]);
      const chunked = read(chunksAt(file, cuts));
      expect(chunked).toEqual(whole);
      expect(whole.packets.length).toBe(3);
    },
  );
});

describe("pcapng", () => {
  for (const bigEndian of [false, true]) {
    it(`reads sections, interfaces, enhanced and simple packets (${bigEndian ? "big" : "little"}-endian)`, () => {
      const w = pcapngWriter(bigEndian);
      // 1_700_000_000.123456789 s in ns units (if_tsresol 9) on interface 0, µs (default) on interface 1.
      const ns = 1_700_000_000_123_456_789n;
      const file = concat(
        w.section(),
        w.interface(1, { tsresol: 9, name: "veth-cli" }),
        w.interface(113),
        w.enhanced(0, ns, frameA),
        w.other(4, new Uint8Array(8)), // name resolution block: skipped
        w.enhanced(1, 1_700_000_001_000_002n, new Uint8Array(17), 60),
        w.simple(frameB),
      );
      const { packets, interfaces, skipped, error } = read([file]);
      expect(error).toBeUndefined();
      expect(interfaces).toEqual([
        { interfaceId: 0, linkType: 1, snapLength: 0, name: "veth-cli" },
        { interfaceId: 1, linkType: 113, snapLength: 0 },
      ]);
      expect(skipped.length).toBe(1);
      expect(skipped[0]![0]).toBe(4);
      expect(packets.map((p) => [p.frame, p.interfaceId, p.linkType, p.seconds, p.nanoseconds])).toEqual([
        [1, 0, 1, 1_700_000_000, 123_456_789],
        [2, 1, 113, 1_700_000_001, 2000],
        [3, 0, 1, 0, 0],
      ]);
      expect(packets[0]!.data).toEqual([...frameA]);
      expect(packets[1]!.originalLength).toBe(60);
      expect(packets[2]!.data).toEqual([...frameB]);
    });
  }

  it("takes each section's byte order and forgets the previous section's interfaces", () => {
    const le = pcapngWriter(false);
    const be = pcapngWriter(true);
    const file = concat(
      le.section(),
      le.interface(1),
      le.enhanced(0, 5_000_001n, frameA),
      be.section(),
      be.interface(101),
      be.enhanced(0, 7_000_000n, frameB),
      be.enhanced(1, 7_000_000n, frameB), // interface 1 exists only in the first section
    );
    const { packets, error } = read([file]);
    expect(packets.map((p) => [p.linkType, p.seconds, p.nanoseconds])).toEqual([
      [1, 5, 1000],
      [101, 7, 0],
    ]);
    expect(error?.type).toBe("unknown-interface");
    expect(error?.offset).toBe(file.length - (12 + 20 + frameB.length + ((4 - (frameB.length % 4)) % 4)));
  });

  it("converts binary (2^-n) time resolutions exactly", () => {
    const w = pcapngWriter();
    const file = concat(
      w.section(),
      w.interface(1, { tsresol: 0x80 | 20 }),
      w.enhanced(0, (10n << 20n) + (1n << 19n), frameA),
    );
    const { packets } = read([file]);
    expect([packets[0]!.seconds, packets[0]!.nanoseconds]).toEqual([10, 500_000_000]);
  });

  it("reports a trailing block length that differs from the leading one", () => {
    const w = pcapngWriter();
    const good = w.enhanced(0, 1n, frameA);
    const bad = w.enhanced(0, 2n, frameB);
    new DataView(bad.buffer).setUint32(bad.length - 4, bad.length + 4, true);
    const head = concat(w.section(), w.interface(1), good);
    const { packets, error } = read([concat(head, bad)]);
    expect(packets.length).toBe(1);
    expect(error?.type).toBe("bad-block-length");
    expect(error?.offset).toBe(head.length);
  });

  it("reports a block length that is not a multiple of 4 or too small", () => {
    const w = pcapngWriter();
    const head = concat(w.section(), w.interface(1));
    for (const length of [6, 13, 30]) {
      const bad = w.enhanced(0, 1n, frameA);
      new DataView(bad.buffer).setUint32(4, length, true);
      const { error } = read([concat(head, bad)]);
      expect(error?.type).toBe("bad-block-length");
      expect(error?.offset).toBe(head.length);
    }
  });

  it("reports a packet block before any interface", () => {
    const w = pcapngWriter();
    const { error } = read([concat(w.section(), w.enhanced(0, 1n, frameA))]);
    expect(error?.type).toBe("unknown-interface");
  });

  it("reports a block cut mid-way after delivering the ones before", () => {
    const w = pcapngWriter();
    const head = concat(w.section(), w.interface(1), w.enhanced(0, 1n, frameA));
    const file = concat(head, w.enhanced(0, 2n, frameB));
    const { packets, error } = read([file.subarray(0, file.length - 5)]);
    expect(packets.length).toBe(1);
    expect(error?.type).toBe("truncated");
    expect(error?.offset).toBe(head.length);
  });

  it("reports a bad byte-order magic", () => {
    const w = pcapngWriter();
    const section = w.section();
    section[8] = 0x00;
    expect(read([section]).error?.type).toBe("bad-byte-order");
  });

  test.prop([fc.array(fc.nat(300), { maxLength: 15 }), fc.boolean()])(
    "gives the same packets however the file is chunked",
    (cuts, bigEndian) => {
      const w = pcapngWriter(bigEndian);
      const file = concat(
        w.section(),
        w.interface(1, { tsresol: 9 }),
        w.enhanced(0, 123_456_789_012n, frameA),
        w.other(5, new Uint8Array(12)),
        w.enhanced(0, 223_456_789_012n, frameB),
      );
      const whole = read([file]);
      expect(whole.packets.length).toBe(2);
      expect(read(chunksAt(file, cuts))).toEqual(whole);
    },
  );
});

describe("readCapture", () => {
  it("streams from an async source and rejects with the framing error after the readable packets", async () => {
    const file = pcapFile([{ data: frameA }, { data: frameB }]);
    async function* source() {
      yield file.subarray(0, 30);
      yield file.subarray(30, file.length - 2);
    }
    const frames: number[] = [];
    await expect(readCapture(source(), { onPacket: (p) => frames.push(p.frame) })).rejects.toMatchObject({
      type: "truncated",
      offset: 24 + 16 + frameA.length,
    });
    expect(frames).toEqual([1]);
  });
});

describe("pcapng corners", () => {
  const w = pcapngWriter();
  const head = concat(w.section(), w.interface(1, { snapLength: 10 }));

  it("reads the obsolete Packet Block (interface u16 + drops u16)", () => {
    const body = new Uint8Array(20 + frameA.length);
    const view = new DataView(body.buffer);
    view.setUint16(0, 0, true);
    view.setUint16(2, 5, true);
    view.setUint32(8, 3_000_000, true); // 3 s in µs
    view.setUint32(12, frameA.length, true);
    view.setUint32(16, frameA.length, true);
    body.set(frameA, 20);
    const { packets, error } = read([concat(head, w.other(2, body))]);
    expect(error).toBeUndefined();
    expect(packets.map((p) => [p.seconds, p.data.length])).toEqual([[3, frameA.length]]);
  });

  it("cuts a simple packet to the interface's snap length", () => {
    const { packets } = read([concat(head, w.simple(frameA))]);
    expect(packets[0]!.data.length).toBe(10);
    expect(packets[0]!.originalLength).toBe(frameA.length);
  });

  it("applies if_tsoffset and resolutions finer than nanoseconds", () => {
    const option = (code: number, value: Uint8Array) => {
      const out = new Uint8Array(4 + ((value.length + 3) & ~3));
      new DataView(out.buffer).setUint16(0, code, true);
      new DataView(out.buffer).setUint16(2, value.length, true);
      out.set(value, 4);
      return out;
    };
    const offset = new Uint8Array(8);
    new DataView(offset.buffer).setBigInt64(0, 100n, true);
    const idb = concat(
      new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0]),
      option(9, new Uint8Array([12])),
      option(14, offset),
      new Uint8Array(4),
    );
    const file = concat(w.section(), w.other(1, idb), w.enhanced(0, 5_000_000_000_123n, frameA));
    const { packets, error } = read([file]);
    expect(error).toBeUndefined();
    expect([packets[0]!.seconds, packets[0]!.nanoseconds]).toEqual([105, 0]);
  });

  it("reports blocks too short for their type and a captured length past the block", () => {
    expect(read([concat(w.section(), w.other(1, new Uint8Array(4)))]).error?.type).toBe("bad-block-length");
    expect(read([concat(head, w.other(6, new Uint8Array(8)))]).error?.type).toBe("bad-block-length");
    expect(read([concat(head, w.other(3, new Uint8Array(0)))]).error?.type).toBe("bad-block-length");
    const epb = w.enhanced(0, 1n, frameA);
    new DataView(epb.buffer).setUint32(8 + 12, 5000, true);
    expect(read([concat(head, epb)]).error?.type).toBe("bad-record-length");
  });

  it("refuses a block larger than maxBlockSize before buffering it", () => {
    const { error } = read([concat(head, w.enhanced(0, 1n, new Uint8Array(4000)))], 1000);
    expect(error?.type).toBe("block-too-large");
    expect(error?.offset).toBe(head.length);
  });

  it("ignores input after a fatal error", () => {
    const errors: unknown[] = [];
    const reader = createCaptureReader({ onPacket() {}, onError: (e) => errors.push(e) });
    reader.feed(new Uint8Array([1, 2, 3, 4]));
    reader.feed(new Uint8Array([5]));
    reader.end();
    expect(reader.failed).toBe(true);
    expect(errors.length).toBe(1);
  });
});
