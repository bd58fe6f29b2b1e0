// Captures for bench/pcap.mjs, each written as an Ethernet/IPv4 pcap (µs):
//   - shortSessions: copies of a recorded capture (fixtures/pcap/), the client address rewritten per copy, so each
//     copy is a new set of short FTP sessions (control and data connections);
//   - mix: the same FTP sessions among other traffic, as on a real network: HTTP downloads (port 80), TLS
//     connections (443: a ClientHello, then records of random bytes) and DNS queries and answers (UDP 53),
//     interleaved packet by packet; FTP is about an eighth of the bytes;
//   - longSession: the single long session of bench/ (corpus.mjs `sessionCorpus`: a seeded server→client stream
//     of real-looking replies) in one TCP connection, server side only (a capture that saw one direction), so
//     every reply comes without its command: a flood of dialogue diagnostics.
// The same arguments always give the same bytes (seeded).
import { createWriteStream, readFileSync } from "node:fs";
import { createRandom, sessionCorpus } from "./corpus.mjs";

const SYN = 0x02;
const ACK = 0x10;
const PSH = 0x08;
const FIN = 0x01;
const MSS = 1448;

let clock = 1_795_000_000_000_000;
/** The capture's clock: `step` µs later than the previous packet. */
const tick = (step) => {
  clock += step;
  return clock;
};

/** A pcap writer that batches records and waits for the stream to drain. */
class Pcap {
  constructor(path) {
    this.out = createWriteStream(path);
    this.parts = [];
    this.pending = 0;
    this.bytes = 0;
    this.packets = 0;
    const header = Buffer.alloc(24);
    header.writeUInt32LE(0xa1b2c3d4, 0);
    header.writeUInt16LE(2, 4);
    header.writeUInt16LE(4, 6);
    header.writeUInt32LE(262144, 16);
    header.writeUInt32LE(1, 20);
    this.push(header);
  }
  push(bytes) {
    this.parts.push(bytes);
    this.pending += bytes.length;
    this.bytes += bytes.length;
  }
  /** A record with the time in µs since the epoch. */
  async record(micros, frame) {
    const header = Buffer.alloc(16);
    header.writeUInt32LE(Math.floor(micros / 1e6), 0);
    header.writeUInt32LE(micros % 1e6, 4);
    header.writeUInt32LE(frame.length, 8);
    header.writeUInt32LE(frame.length, 12);
    this.push(header);
    this.push(frame);
    this.packets++;
    if (this.pending > 1 << 20) await this.flush();
  }
  async flush() {
    const data = Buffer.concat(this.parts);
    this.parts = [];
    this.pending = 0;
    if (!this.out.write(data)) await new Promise((resolve) => this.out.once("drain", resolve));
  }
  async close() {
    await this.flush();
    await new Promise((resolve) => this.out.end(resolve));
    return { bytes: this.bytes, packets: this.packets };
  }
}

function checksum(bytes, start, end) {
  let sum = 0;
  for (let i = start; i < end; i += 2) sum += (bytes[i] << 8) | (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Ethernet + IPv4 + (TCP or UDP) frame. */
function frame(src, dst, protocol, l4) {
  const f = Buffer.alloc(14 + 20 + l4.length);
  f.writeUInt16BE(0x0800, 12);
  f[14] = 0x45;
  f.writeUInt16BE(20 + l4.length, 16);
  f[22] = 64;
  f[23] = protocol;
  Buffer.from(src).copy(f, 26);
  Buffer.from(dst).copy(f, 30);
  f.writeUInt16BE(checksum(f, 14, 34), 24);
  l4.copy(f, 34);
  return f;
}

function tcp(src, dst, sport, dport, seq, ack, flags, payload = Buffer.alloc(0)) {
  const t = Buffer.alloc(20 + payload.length);
  t.writeUInt16BE(sport, 0);
  t.writeUInt16BE(dport, 2);
  t.writeUInt32BE(seq >>> 0, 4);
  t.writeUInt32BE(ack >>> 0, 8);
  t[12] = 5 << 4;
  t[13] = flags;
  t.writeUInt16BE(65535, 14);
  payload.copy(t, 20);
  return frame(src, dst, 6, t);
}

function udp(src, dst, sport, dport, payload) {
  const u = Buffer.alloc(8 + payload.length);
  u.writeUInt16BE(sport, 0);
  u.writeUInt16BE(dport, 2);
  u.writeUInt16BE(8 + payload.length, 4);
  payload.copy(u, 8);
  return frame(src, dst, 17, u);
}

/**
 * The packets of one TCP connection: handshake, the client's request, the server's answer in MSS segments with
 * an ACK every two, FIN both ways. A generator of frames, so that connections can be interleaved.
 */
function* tcpConnection(client, server, clientPort, serverPort, request, answer) {
  let c = 1000;
  let s = 5000;
  yield tcp(client, server, clientPort, serverPort, c, 0, SYN);
  yield tcp(server, client, serverPort, clientPort, s, c + 1, SYN | ACK);
  c++;
  s++;
  yield tcp(client, server, clientPort, serverPort, c, s, ACK);
  yield tcp(client, server, clientPort, serverPort, c, s, PSH | ACK, request);
  c += request.length;
  for (let at = 0, n = 0; at < answer.length; at += MSS, n++) {
    const piece = answer.subarray(at, at + MSS);
    yield tcp(server, client, serverPort, clientPort, s, c, ACK, piece);
    s += piece.length;
    if (n % 2 === 1) yield tcp(client, server, clientPort, serverPort, c, s, ACK);
  }
  yield tcp(server, client, serverPort, clientPort, s, c, FIN | ACK);
  yield tcp(client, server, clientPort, serverPort, c, s + 1, FIN | ACK);
  yield tcp(server, client, serverPort, clientPort, s + 1, c + 1, ACK);
}

function* dnsExchange(random, client, resolver, id) {
  const name = Buffer.from(`\x03www\x07example${random.int(0, 999)}\x03com\x00`, "latin1");
  const query = Buffer.concat([
    Buffer.from([id >> 8, id & 255, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]),
    name,
    Buffer.from([0, 1, 0, 1]),
  ]);
  const answer = Buffer.concat([
    Buffer.from([id >> 8, id & 255, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0]),
    name,
    Buffer.from([0, 1, 0, 1, 0xc0, 12, 0, 1, 0, 1, 0, 0, 1, 0, 0, 4, 93, 184, 216, random.int(1, 254)]),
  ]);
  const port = 30000 + (id % 30000);
  yield udp(client, resolver, port, 53, query);
  yield udp(resolver, client, 53, port, answer);
}

/** The recorded capture's packets (Ethernet, little-endian µs pcap), each a Buffer of the frame and its time. */
function recordedPackets(path) {
  const source = readFileSync(path);
  if (source.readUInt32LE(0) !== 0xa1b2c3d4 || source.readUInt32LE(20) !== 1) {
    throw new Error(`${path}: expected a little-endian microsecond Ethernet pcap`);
  }
  const packets = [];
  for (let at = 24; at < source.length; ) {
    const length = source.readUInt32LE(at + 8);
    const micros = source.readUInt32LE(at) * 1e6 + source.readUInt32LE(at + 4);
    packets.push({ micros, frame: source.subarray(at + 16, at + 16 + length) });
    at += 16 + length;
  }
  return packets;
}

/** The recorded FTP sessions, copy number `copy`: the client 10.21.0.2 becomes 10.22.x.y. */
function ftpCopy(packets, copy) {
  return packets.map(({ frame: original }) => {
    const f = Buffer.from(original);
    if (f[12] === 0x08 && f[13] === 0x00) {
      for (const offset of [26, 30]) {
        if (f[offset] === 10 && f[offset + 1] === 21 && f[offset + 2] === 0 && f[offset + 3] === 2) {
          f[offset + 1] = 22;
          f[offset + 2] = (copy >> 8) & 0xff;
          f[offset + 3] = copy & 0xff;
        }
      }
    }
    return f;
  });
}

/** Copies of the recorded FTP sessions up to about `mb` MiB. */
export async function shortSessions(path, mb, source) {
  const packets = recordedPackets(source);
  const out = new Pcap(path);
  for (let copy = 0; out.bytes < mb * 1048576; copy++) {
    for (const f of ftpCopy(packets, copy)) await out.record(tick(50), f);
  }
  return out.close();
}

/** FTP sessions among HTTP, TLS and DNS traffic, about `mb` MiB. */
export async function mix(path, mb, source) {
  const random = createRandom(1952);
  const packets = recordedPackets(source);
  const out = new Pcap(path);
  const server = [10, 30, 0, 1];
  const resolver = [10, 30, 0, 53];
  // Open flows, each a generator of frames; one packet of a random flow at a time (interleaved, as on a link).
  const flows = [];
  let copy = 0;
  let id = 0;
  const newFlow = () => {
    const client = [10, 40, random.int(0, 255), random.int(1, 254)];
    const port = random.int(1024, 65000);
    const kind = random.next();
    if (kind < 0.1) return ftpCopy(packets, copy++)[Symbol.iterator]();
    if (kind < 0.45) {
      const request = Buffer.from(
        `GET /file${random.int(0, 9999)}.html HTTP/1.1\r\nHost: example.com\r\n\r\n`,
      );
      const body = Buffer.alloc(random.int(2000, 120000), random.int(65, 90));
      const answer = Buffer.concat([
        Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`),
        body,
      ]);
      return tcpConnection(client, server, port, 80, request, answer);
    }
    if (kind < 0.8) {
      const hello = Buffer.alloc(517);
      hello.set([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]);
      const records = Buffer.alloc(random.int(750, 50000) * 4);
      for (let i = 0; i < records.length; i += 4) records.writeUInt32LE((random.next() * 2 ** 32) >>> 0, i);
      records.set([0x16, 0x03, 0x03]);
      return tcpConnection(client, server, port, 443, hello, records);
    }
    return dnsExchange(random, client, resolver, id++);
  };
  while (out.bytes < mb * 1048576) {
    while (flows.length < 24) flows.push(newFlow());
    const at = random.int(0, flows.length - 1);
    const next = flows[at].next();
    if (next.done) flows.splice(at, 1);
    else await out.record(tick(20), next.value);
  }
  // Finish the open flows (no connection cut mid-way).
  for (const flow of flows) for (const f of flow) await out.record(tick(20), f);
  return out.close();
}

/** The long server→client session, server side only, about `mb` MiB. */
export async function longSession(path, mb) {
  const corpus = sessionCorpus(mb * 1048576);
  const out = new Pcap(path);
  const client = [10, 50, 0, 2];
  const server = [10, 50, 0, 1];
  let s = 5000;
  // The handshake's server half, then only the server's segments (the capture saw one direction).
  await out.record(tick(10), tcp(server, client, 21, 40000, s, 1001, SYN | ACK));
  s++;
  const data = Buffer.from(corpus.data.buffer, corpus.data.byteOffset, corpus.data.byteLength);
  for (let at = 0; at < data.length; at += MSS) {
    const piece = data.subarray(at, at + MSS);
    await out.record(tick(10), tcp(server, client, 21, 40000, s, 1001, ACK | PSH, piece));
    s += piece.length;
  }
  await out.record(tick(10), tcp(server, client, 21, 40000, s, 1001, FIN | ACK));
  return { ...(await out.close()), replies: corpus.replies };
}
