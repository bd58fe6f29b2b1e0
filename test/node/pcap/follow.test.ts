/**
 * Our reassembled TCP bytes against tshark's followed streams (`tshark -z follow,tcp,raw,N`), committed beside
 * every recorded capture in fixtures/pcap/: byte-identical per stream and direction.
 */
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readTcpStreams } from "../../../src/node/pcap/capture.js";
import type { CaptureDiagnostic } from "../../../src/node/pcap/errors.js";
import type { TcpConnection } from "../../../src/node/pcap/reassembly.js";
import { readFollowFile } from "./tshark.js";

const FIXTURES = join(import.meta.dirname, "../../../fixtures/pcap");
const captures = existsSync(FIXTURES)
  ? readdirSync(FIXTURES).filter(
      (name) => /\.pcap(ng)?$/.test(name) && statSync(join(FIXTURES, name)).size > 0,
    )
  : [];

interface Ours {
  connections: TcpConnection[];
  bytes: Map<number, [number[], number[]]>;
  gaps: Array<[number, number, number, number]>;
  diagnostics: CaptureDiagnostic[];
}

async function reassemble(path: string, highWaterMark?: number): Promise<Ours> {
  const ours: Ours = { connections: [], bytes: new Map(), gaps: [], diagnostics: [] };
  await readTcpStreams(createReadStream(path, highWaterMark === undefined ? {} : { highWaterMark }), {
    onConnection(c) {
      ours.connections.push(c);
      ours.bytes.set(c.index, [[], []]);
    },
    onData(c, direction, bytes) {
      const target = ours.bytes.get(c.index)![direction];
      for (const b of bytes) target.push(b);
    },
    onGap(c, direction, position, missing) {
      ours.gaps.push([c.index, direction, position, missing]);
    },
    onDiagnostic(d) {
      ours.diagnostics.push(d);
    },
  });
  return ours;
}

/**
 * tshark 4.0 writes a hole into the followed bytes as the text `[N bytes missing in capture file]` and a NUL
 * (measured on vsftpd-gap.pcap); our stream reports it as a gap instead. Rebuild tshark's form from ours.
 */
function withGapMarkers(bytes: number[], gaps: Ours["gaps"], stream: number, direction: 0 | 1): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (const [gapStream, gapDirection, position, missing] of gaps) {
    if (gapStream !== stream || gapDirection !== direction) continue;
    parts.push(
      Buffer.from(bytes.slice(at, position)),
      Buffer.from(`[${missing} bytes missing in capture file]\0`, "latin1"),
    );
    at = position;
  }
  parts.push(Buffer.from(bytes.slice(at)));
  return Buffer.concat(parts);
}

describe("reassembly equals tshark's followed streams", () => {
  it("has recorded captures to compare", () => {
    expect(captures.length).toBeGreaterThanOrEqual(10);
  });

  for (const name of captures) {
    it(name, async () => {
      const path = join(FIXTURES, name);
      const reference = readFollowFile(path.replace(/\.pcap(ng)?$/, ".follow.txt"));
      const ours = await reassemble(path);
      expect(ours.connections.length).toBe(reference.size);
      for (const [index, followed] of reference) {
        const connection = ours.connections[index]!;
        // Node 0/1 are tshark's names for the two endpoints: map them to our client/server.
        const nodeOfClient = followed.nodes.indexOf(connection.client.text);
        expect(
          nodeOfClient,
          `stream ${index}: ${connection.client.text} in ${followed.nodes}`,
        ).toBeGreaterThanOrEqual(0);
        expect(followed.nodes[1 - nodeOfClient]).toBe(connection.server.text);
        for (const direction of [0, 1] as const) {
          const node = direction === 0 ? nodeOfClient : 1 - nodeOfClient;
          const expected = withGapMarkers(ours.bytes.get(index)![direction], ours.gaps, index, direction);
          const label = `stream ${index} ${direction === 0 ? "client→server" : "server→client"}`;
          expect(expected.equals(followed.bytes[node]!), label).toBe(true);
        }
      }
    });
  }

  it("gives the same bytes whatever the read chunk size", async () => {
    const path = join(FIXTURES, "vsftpd-reorder-dup-drop.pcap");
    const whole = await reassemble(path);
    const small = await reassemble(path, 7);
    expect(small.bytes).toEqual(whole.bytes);
    expect(small.gaps).toEqual(whole.gaps);
  });

  it("reports the segment deleted from vsftpd-gap.pcap as a gap, and none in the capture it came from", async () => {
    const gap = await reassemble(join(FIXTURES, "vsftpd-gap.pcap"));
    const intact = await reassemble(join(FIXTURES, "vsftpd-tiny-mtu.pcap"));
    expect(intact.gaps).toEqual([]);
    expect(gap.gaps.length).toBe(1);
    const [stream, direction, position, missing] = gap.gaps[0]!;
    expect(direction).toBe(1);
    // The missing bytes are exactly the difference between the two captures' server→client streams.
    const full = intact.bytes.get(stream)![1];
    const cut = gap.bytes.get(stream)![1];
    expect(full.length - cut.length).toBe(missing);
    expect(cut).toEqual([...full.slice(0, position), ...full.slice(position + missing)]);
  });

  it("sees reordering, duplicates and retransmissions in the NFQUEUE capture, and no gap", async () => {
    const ours = await reassemble(join(FIXTURES, "vsftpd-reorder-dup-drop.pcap"));
    expect(ours.gaps).toEqual([]);
    const control = ours.connections.find((c) => c.server.port === 21)!;
    expect(control.retransmissions[1]).toBeGreaterThan(0);
  });
});

describe("damaged copies of a real capture", () => {
  const path = join(FIXTURES, "vsftpd-curl.pcap");
  const file = existsSync(path) ? readFileSync(path) : Buffer.alloc(0);

  it("a file cut mid-record keeps every stream byte before the cut and reports the record's offset", async () => {
    const cut = Math.floor(file.length * 0.6);
    const full = await reassemble(path);
    async function* source() {
      yield new Uint8Array(file.subarray(0, cut));
    }
    const delivered: number[] = [];
    const error = await readTcpStreams(source(), {
      onData(_c, _d, bytes) {
        delivered.push(bytes.length);
      },
      onGap() {},
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "CaptureFormatError", type: "truncated" });
    const offset = (error as { offset: number }).offset;
    expect(offset).toBeLessThan(cut);
    expect(offset).toBeGreaterThan(cut - 16 - 1600);
    expect((error as Error).message).toContain(`at byte ${offset}`);
    const total = [...full.bytes.values()].reduce((sum, [a, b]) => sum + a.length + b.length, 0);
    expect(delivered.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(delivered.reduce((a, b) => a + b, 0)).toBeLessThan(total);
  });

  it("a wrong magic is reported at byte 0", async () => {
    const damaged = new Uint8Array(file);
    damaged[0] = 0x00;
    async function* source() {
      yield damaged;
    }
    await expect(readTcpStreams(source(), { onData() {}, onGap() {} })).rejects.toMatchObject({
      type: "bad-magic",
      offset: 0,
    });
  });
});
