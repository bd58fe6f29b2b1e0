/**
 * Builders of synthetic capture bytes for unit tests: frames (Ethernet, IPv4/IPv6, TCP) and pcap/pcapng files.
 * Real captures live in fixtures/pcap/; these only reach corners a recording cannot choose (exact sequence
 * numbers, wraparound, damaged files).
 */
import { concatBytes } from "../../helpers/bytes.js";

export interface TcpSpec {
  src?: [number, number, number, number] | number[];
  dst?: [number, number, number, number] | number[];
  sport: number;
  dport: number;
  seq: number;
  ack?: number;
  flags?: number;
  payload?: Uint8Array | string;
}

export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const PSH = 0x08;
export const ACK = 0x10;

const encoder = new TextEncoder();

function bytesOf(payload: Uint8Array | string | undefined): Uint8Array {
  if (payload === undefined) return new Uint8Array(0);
  return typeof payload === "string" ? encoder.encode(payload) : payload;
}

function tcpHeader(spec: TcpSpec): Uint8Array {
  const header = new Uint8Array(20);
  const view = new DataView(header.buffer);
  view.setUint16(0, spec.sport);
  view.setUint16(2, spec.dport);
  view.setUint32(4, spec.seq >>> 0);
  view.setUint32(8, (spec.ack ?? 0) >>> 0);
  header[12] = 5 << 4;
  header[13] = spec.flags ?? ACK;
  view.setUint16(14, 65535);
  return header;
}

/** An IPv4 packet carrying a TCP segment. `options` are IPv4 option bytes (padded to 4 by the caller). */
export function ipv4Tcp(spec: TcpSpec, options: number[] = [], fragment = 0): Uint8Array {
  const payload = bytesOf(spec.payload);
  const tcp = tcpHeader(spec);
  const headerLength = 20 + options.length;
  const total = headerLength + tcp.length + payload.length;
  const packet = new Uint8Array(total);
  const view = new DataView(packet.buffer);
  packet[0] = 0x40 | (headerLength / 4);
  view.setUint16(2, total);
  view.setUint16(4, 0x1234);
  view.setUint16(6, fragment);
  packet[8] = 64;
  packet[9] = 6;
  packet.set(spec.src ?? [10, 0, 0, 2], 12);
  packet.set(spec.dst ?? [10, 0, 0, 1], 16);
  packet.set(options, 20);
  packet.set(tcp, headerLength);
  packet.set(payload, headerLength + tcp.length);
  return packet;
}

/** An IPv6 packet carrying a TCP segment, behind the given extension headers (each [type, bytes]). */
export function ipv6Tcp(spec: TcpSpec, extensions: Array<[number, Uint8Array]> = []): Uint8Array {
  const payload = bytesOf(spec.payload);
  const tcp = tcpHeader(spec);
  let extensionLength = 0;
  for (const [, bytes] of extensions) extensionLength += bytes.length;
  const packet = new Uint8Array(40 + extensionLength + tcp.length + payload.length);
  const view = new DataView(packet.buffer);
  packet[0] = 0x60;
  view.setUint16(4, extensionLength + tcp.length + payload.length);
  packet[6] = extensions[0]?.[0] ?? 6;
  packet[7] = 64;
  const src = spec.src ?? [0xfd, 0x21, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];
  const dst = spec.dst ?? [0xfd, 0x21, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
  packet.set(src, 8);
  packet.set(dst, 24);
  let at = 40;
  extensions.forEach(([, bytes], i) => {
    const copy = bytes.slice();
    copy[0] = extensions[i + 1]?.[0] ?? 6; // next header
    packet.set(copy, at);
    at += copy.length;
  });
  packet.set(tcp, at);
  packet.set(payload, at + tcp.length);
  return packet;
}

export function ethernet(
  ip: Uint8Array,
  etherType = ip[0]! >> 4 === 6 ? 0x86dd : 0x0800,
  vlans: number[] = [],
) {
  const frame = new Uint8Array(14 + vlans.length * 4 + ip.length);
  frame.set([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2], 0);
  let at = 12;
  for (const vlan of vlans) {
    frame.set([0x81, 0x00, vlan >> 8, vlan & 0xff], at);
    at += 4;
  }
  frame.set([etherType >> 8, etherType & 0xff], at);
  frame.set(ip, at + 2);
  return frame;
}

export interface SyntheticPacket {
  seconds?: number;
  fraction?: number;
  data: Uint8Array;
  originalLength?: number;
}

/** A pcap file. `nano` writes the nanosecond magic; `bigEndian` the big-endian byte order. */
export function pcapFile(
  packets: SyntheticPacket[],
  { linkType = 1, nano = false, bigEndian = false, snapLength = 262144 } = {},
): Uint8Array {
  let size = 24;
  for (const p of packets) size += 16 + p.data.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  const le = !bigEndian;
  view.setUint32(0, nano ? 0xa1b23c4d : 0xa1b2c3d4, le);
  view.setUint16(4, 2, le);
  view.setUint16(6, 4, le);
  view.setUint32(16, snapLength, le);
  view.setUint32(20, linkType, le);
  let at = 24;
  for (const p of packets) {
    view.setUint32(at, p.seconds ?? 0, le);
    view.setUint32(at + 4, p.fraction ?? 0, le);
    view.setUint32(at + 8, p.data.length, le);
    view.setUint32(at + 12, p.originalLength ?? p.data.length, le);
    out.set(p.data, at + 16);
    at += 16 + p.data.length;
  }
  return out;
}

/** Builders for pcapng blocks in one byte order. */
export function pcapngWriter(bigEndian = false) {
  const le = !bigEndian;
  const block = (type: number, body: Uint8Array): Uint8Array => {
    const padded = (body.length + 3) & ~3;
    const length = 12 + padded;
    const out = new Uint8Array(length);
    const view = new DataView(out.buffer);
    view.setUint32(0, type, le);
    view.setUint32(4, length, le);
    out.set(body, 8);
    view.setUint32(length - 4, length, le);
    return out;
  };
  const option = (code: number, value: Uint8Array): Uint8Array => {
    const out = new Uint8Array(4 + ((value.length + 3) & ~3));
    const view = new DataView(out.buffer);
    view.setUint16(0, code, le);
    view.setUint16(2, value.length, le);
    out.set(value, 4);
    return out;
  };
  return {
    section(): Uint8Array {
      const body = new Uint8Array(16);
      const view = new DataView(body.buffer);
      view.setUint32(0, 0x1a2b3c4d, le);
      view.setUint16(4, 1, le);
      view.setBigInt64(8, -1n, le);
      return block(0x0a0d0d0a, body);
    },
    interface(
      linkType: number,
      { tsresol, name, snapLength = 0 }: { tsresol?: number; name?: string; snapLength?: number } = {},
    ) {
      const options: Uint8Array[] = [];
      if (name !== undefined) options.push(option(2, encoder.encode(name)));
      if (tsresol !== undefined) options.push(option(9, new Uint8Array([tsresol])));
      if (options.length > 0) options.push(new Uint8Array(4));
      let size = 8;
      for (const o of options) size += o.length;
      const body = new Uint8Array(size);
      const view = new DataView(body.buffer);
      view.setUint16(0, linkType, le);
      view.setUint32(4, snapLength, le);
      let at = 8;
      for (const o of options) {
        body.set(o, at);
        at += o.length;
      }
      return block(1, body);
    },
    enhanced(interfaceId: number, ticks: bigint, data: Uint8Array, originalLength = data.length): Uint8Array {
      const body = new Uint8Array(20 + data.length);
      const view = new DataView(body.buffer);
      view.setUint32(0, interfaceId, le);
      view.setUint32(4, Number(ticks >> 32n), le);
      view.setUint32(8, Number(ticks & 0xffffffffn), le);
      view.setUint32(12, data.length, le);
      view.setUint32(16, originalLength, le);
      body.set(data, 20);
      return block(6, body);
    },
    simple(data: Uint8Array): Uint8Array {
      const body = new Uint8Array(4 + data.length);
      new DataView(body.buffer).setUint32(0, data.length, le);
      body.set(data, 4);
      return block(3, body);
    },
    other(type: number, body: Uint8Array): Uint8Array {
      return block(type, body);
    },
  };
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  return concatBytes(parts);
}

/** Splits bytes into chunks at the given cut points (sorted, deduplicated, within range). */
export function chunksAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.filter((c) => c > 0 && c < bytes.length))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const point of points) {
    chunks.push(bytes.slice(start, point));
    start = point;
  }
  chunks.push(bytes.slice(start));
  return chunks;
}

/** Builds a capture of TCP conversations, tracking sequence numbers. */
export class Capture {
  readonly packets: SyntheticPacket[] = [];
  private time = 1_700_000_000;

  conversation(client: number[], clientPort: number, server: number[], serverPort: number) {
    let clientSeq = 1000;
    let serverSeq = 5000;
    const emit = (fromClient: boolean, flags: number, payload: Uint8Array | string = "", skip = 0) => {
      const bytes = typeof payload === "string" ? new TextEncoder().encode(payload) : payload;
      const spec = fromClient
        ? {
            src: client,
            dst: server,
            sport: clientPort,
            dport: serverPort,
            seq: clientSeq,
            ack: serverSeq,
            flags,
            payload: bytes,
          }
        : {
            src: server,
            dst: client,
            sport: serverPort,
            dport: clientPort,
            seq: serverSeq,
            ack: clientSeq,
            flags,
            payload: bytes,
          };
      if (fromClient) clientSeq += skip;
      else serverSeq += skip;
      spec.seq = fromClient ? clientSeq : serverSeq;
      const ip = client.length === 4 ? ipv4Tcp(spec) : ipv6Tcp(spec);
      this.packets.push({ seconds: this.time++, fraction: 0, data: ethernet(ip) });
      const advance = bytes.length + ((flags & (SYN | FIN)) !== 0 ? 1 : 0);
      if (fromClient) clientSeq += advance;
      else serverSeq += advance;
    };
    return {
      handshake() {
        emit(true, SYN);
        emit(false, SYN | ACK);
        emit(true, ACK);
        return this;
      },
      c(text: string, skip = 0) {
        emit(true, ACK, text, skip);
        return this;
      },
      s(text: string | Uint8Array, skip = 0) {
        emit(false, ACK, text, skip);
        return this;
      },
      close() {
        emit(true, FIN | ACK);
        emit(false, FIN | ACK);
        return this;
      },
      reset() {
        emit(false, RST);
        return this;
      },
    };
  }

  bytes(): Uint8Array {
    return pcapFile(this.packets);
  }
}
