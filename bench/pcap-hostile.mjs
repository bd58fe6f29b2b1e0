// Issue 15's hostile inputs, rows 1–10: server bytes built to grow the reply parser (a long reply of Telnet-laden
// lines, one of tiny lines, an unclosed Telnet subnegotiation before many replies), captures built to grow
// per-connection state (a SYN flood, 1-byte segments in reverse order, endless PASV announcements, many short
// sessions) or the reader's carry (one huge record in 1-byte chunks), and the CLI itself (`ftp-reply pcap` into a
// reader that pauses, and on /dev/zero). Each is written to a temporary file by the parent and analysed by a child process that resets its peak
// RSS (/proc/self/clear_refs) before reading and reports its throughput and peak RSS (VmHWM), so that the bound
// is measured on a process that holds nothing else. The child runs with a 2 GiB V8 heap: a row that needs more
// reports "out of memory" instead of swapping the machine.
//
// Used by `bench/run.mjs` (section "pcap-hostile"); standalone: node bench/pcap-hostile.mjs [--full] [--dist DIR]
// (a quarter of the sizes unless --full)
// where DIR holds the built `node/index.js` (default dist/).
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** Preloaded into a CLI run: writes its peak RSS at exit (the file named by FTP_REPLY_RSS_FILE). */
const RSS_PRELOAD = join(dirname(fileURLToPath(import.meta.url)), "..", "scripts", "cli-rss.mjs");

const HERE = fileURLToPath(import.meta.url);
const ROOT = resolve(dirname(HERE), "..");
const HEAP_LIMIT_MB = 2048;

// ─── capture writing ─────────────────────────────────────────────────────────────────────────────────────────

const SERVER = [10, 0, 0, 1];
const SYN = 0x02;
const ACK = 0x10;
const FIN = 0x01;
const PSH = 0x08;

/** Writes pcap records in batches of about 1 MiB. */
class PcapWriter {
  constructor(path) {
    this.fd = openSync(path, "w");
    this.buffer = Buffer.alloc(2 * 1024 * 1024);
    this.at = 0;
    this.bytes = 0;
    this.packets = 0;
    this.seconds = 1_700_000_000;
    const header = Buffer.alloc(24);
    header.writeUInt32LE(0xa1b2c3d4, 0);
    header.writeUInt16LE(2, 4);
    header.writeUInt16LE(4, 6);
    header.writeUInt32LE(262144, 16);
    header.writeUInt32LE(1, 20); // Ethernet
    this.raw(header);
  }

  raw(bytes) {
    if (this.at + bytes.length > this.buffer.length) this.flush();
    if (bytes.length > this.buffer.length) {
      writeSync(this.fd, bytes);
    } else {
      bytes.copy ? bytes.copy(this.buffer, this.at) : this.buffer.set(bytes, this.at);
      this.at += bytes.length;
    }
    this.bytes += bytes.length;
  }

  flush() {
    if (this.at > 0) writeSync(this.fd, this.buffer.subarray(0, this.at));
    this.at = 0;
  }

  /** One Ethernet/IPv4/TCP packet. */
  tcp({ src, dst, sport, dport, seq, ack = 0, flags, payload = Buffer.alloc(0), microseconds = 0 }) {
    const length = 14 + 20 + 20 + payload.length;
    if (this.at + 16 + length > this.buffer.length) this.flush();
    const b = this.buffer;
    let at = this.at;
    b.writeUInt32LE(this.seconds, at);
    b.writeUInt32LE(microseconds, at + 4);
    b.writeUInt32LE(length, at + 8);
    b.writeUInt32LE(length, at + 12);
    at += 16;
    b.fill(0, at, at + 12);
    b[at + 5] = 1;
    b[at + 11] = 2;
    b.writeUInt16BE(0x0800, at + 12);
    at += 14;
    b[at] = 0x45;
    b[at + 1] = 0;
    b.writeUInt16BE(20 + 20 + payload.length, at + 2);
    b.writeUInt32BE(0, at + 4);
    b[at + 8] = 64;
    b[at + 9] = 6;
    b.writeUInt16BE(0, at + 10);
    for (let i = 0; i < 4; i++) {
      b[at + 12 + i] = src[i];
      b[at + 16 + i] = dst[i];
    }
    at += 20;
    b.writeUInt16BE(sport, at);
    b.writeUInt16BE(dport, at + 2);
    b.writeUInt32BE(seq >>> 0, at + 4);
    b.writeUInt32BE(ack >>> 0, at + 8);
    b[at + 12] = 5 << 4;
    b[at + 13] = flags;
    b.writeUInt16BE(65535, at + 14);
    b.writeUInt32BE(0, at + 16);
    at += 20;
    payload.copy(b, at);
    at += payload.length;
    this.bytes += at - this.at;
    this.at = at;
    this.packets++;
  }

  close() {
    this.flush();
    closeSync(this.fd);
  }
}

/** A client address and port for connection number i (distinct 4-tuples). */
function clientOf(i) {
  return { address: [10, 1 + ((i >> 16) & 0x7f), (i >> 8) & 0xff, i & 0xff], port: 1024 + (i % 60000) };
}

/** Server bytes written in batches of about 1 MiB: the `bytes` count is what `file` reports. */
function serverBytes(path, write) {
  const fd = openSync(path, "w");
  let bytes = 0;
  write((chunk) => {
    writeSync(fd, chunk);
    bytes += chunk.length;
  });
  closeSync(fd);
  return { bytes };
}

/** `line` repeated `floor(size / line.length)` times, written a MiB at a time. */
function repeatedLines(out, line, size) {
  const total = Math.floor(size / line.length) * line.length;
  const perBatch = Math.max(1, Math.floor((1024 * 1024) / line.length));
  const batch = Buffer.alloc(perBatch * line.length);
  for (let i = 0; i < perBatch; i++) line.copy(batch, i * line.length);
  for (let written = 0; written < total; written += batch.length)
    out(batch.subarray(0, Math.min(batch.length, total - written)));
}

/** Row 1: `211-x`, lines of `a` + IAC NOP × 1000, `211 End`. */
function telnetLadenReply(path, size) {
  const line = Buffer.alloc(2003, 0xf1);
  line[0] = 0x61;
  for (let i = 1; i < 2001; i += 2) line[i] = 0xff;
  line.write("\r\n", 2001, "latin1");
  return serverBytes(path, (out) => {
    out(Buffer.from("211-x\r\n"));
    repeatedLines(out, line, size);
    out(Buffer.from("211 End\r\n"));
  });
}

/** Row 2: one multi-line reply of `ab` lines. */
function tinyLineReply(path, size) {
  return serverBytes(path, (out) => {
    out(Buffer.from("211-x\r\n"));
    repeatedLines(out, Buffer.from("ab\r\n"), size);
    out(Buffer.from("211 End\r\n"));
  });
}

/** Row 3: a greeting, an unclosed `IAC SB`, then `count` valid replies (all must be read). */
function unclosedSubnegotiation(path, count) {
  return serverBytes(path, (out) => {
    out(Buffer.from("220 hi\r\n"));
    out(Buffer.from([0xff, 0xfa, 0x18, ...Buffer.from("xterm\r\n")]));
    repeatedLines(out, Buffer.from("331 pw\r\n230 ok\r\n"), count * 16);
  });
}

/** Row 4: `count` SYNs to port 21, each from a new client. */
function synFlood(path, count) {
  const w = new PcapWriter(path);
  for (let i = 0; i < count; i++) {
    const c = clientOf(i);
    w.tcp({ src: c.address, dst: SERVER, sport: c.port, dport: 21, seq: i * 7919, flags: SYN });
  }
  w.close();
  return w;
}

/** Row 5: one connection whose server sends `count` 1-byte segments in reverse order, then the first one. */
function reverseSegments(path, count) {
  const w = new PcapWriter(path);
  const c = [10, 0, 0, 2];
  w.tcp({ src: c, dst: SERVER, sport: 40000, dport: 21, seq: 999, flags: SYN });
  w.tcp({ src: SERVER, dst: c, sport: 21, dport: 40000, seq: 4999, ack: 1000, flags: SYN | ACK });
  w.tcp({ src: c, dst: SERVER, sport: 40000, dport: 21, seq: 1000, ack: 5000, flags: ACK });
  const byte = Buffer.from("x");
  for (let i = count - 1; i >= 0; i--) {
    w.tcp({
      src: SERVER,
      dst: c,
      sport: 21,
      dport: 40000,
      seq: 5000 + i,
      ack: 1000,
      flags: ACK,
      payload: byte,
    });
  }
  w.close();
  return w;
}

/** A control-connection conversation writer with sequence numbers. */
function conversation(w, client, clientPort) {
  let clientSeq = 1000;
  let serverSeq = 5000;
  const send = (fromClient, flags, text = "") => {
    const payload = Buffer.from(text, "latin1");
    if (fromClient) {
      w.tcp({
        src: client,
        dst: SERVER,
        sport: clientPort,
        dport: 21,
        seq: clientSeq,
        ack: serverSeq,
        flags,
        payload,
      });
      clientSeq += payload.length + ((flags & (SYN | FIN)) !== 0 ? 1 : 0);
    } else {
      w.tcp({
        src: SERVER,
        dst: client,
        sport: 21,
        dport: clientPort,
        seq: serverSeq,
        ack: clientSeq,
        flags,
        payload,
      });
      serverSeq += payload.length + ((flags & (SYN | FIN)) !== 0 ? 1 : 0);
    }
  };
  return {
    open() {
      clientSeq--;
      send(true, SYN);
      serverSeq--;
      send(false, SYN | ACK);
      send(true, ACK);
    },
    c: (text) => send(true, PSH | ACK, text),
    s: (text) => send(false, PSH | ACK, text),
    close() {
      send(true, FIN | ACK);
      send(false, FIN | ACK);
    },
  };
}

/** Row 6: one control connection with `count` × (PASV → 227, RETR → 150, 226) and no data connection. */
function pendingAnnouncements(path, count) {
  const w = new PcapWriter(path);
  const control = conversation(w, [10, 0, 0, 2], 40000);
  control.open();
  control.s("220 hi\r\n");
  for (let i = 0; i < count; i++) {
    const port = 1024 + (i % 64000);
    // Each announcement names a new endpoint (address and port), as an attacker would.
    const host = `10,${1 + ((i >> 16) & 0xff)},0,1`;
    control.c("PASV\r\n");
    control.s(`227 Entering Passive Mode (${host},${port >> 8},${port & 0xff}).\r\n`);
    control.c(`RETR f${i}\r\n`);
    control.s("150 Opening data connection\r\n");
    control.s("226 Transfer complete\r\n");
  }
  control.close();
  w.close();
  return w;
}

/** Row 8: `count` short FTP sessions one after the other, each closed (they linger after their close). */
function shortSessions(path, count) {
  const w = new PcapWriter(path);
  for (let i = 0; i < count; i++) {
    const c = clientOf(i);
    const session = conversation(w, c.address, c.port);
    session.open();
    session.s("220 hi\r\n");
    session.c("USER anonymous\r\n");
    session.s("331 pass\r\n");
    session.c("PASS x\r\n");
    session.s("230 ok\r\n");
    session.c("QUIT\r\n");
    session.s("221 bye\r\n");
    session.close();
    if (i % 1000 === 999) w.seconds++; // 1000 sessions a second: all within the 240 s linger time
  }
  w.close();
  return w;
}

/** Row 10: a pcap with one record of `size` bytes (fed in 1-byte chunks by the child). */
function hugeRecord(path, size) {
  const w = new PcapWriter(path);
  const record = Buffer.alloc(16 + size);
  record.writeUInt32LE(w.seconds, 0);
  record.writeUInt32LE(size, 8);
  record.writeUInt32LE(size, 12);
  w.raw(record);
  w.close();
  return w;
}

// ─── child: analyse one file, report throughput and peak RSS ────────────────────────────────────────────────

function status(field) {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync("/proc/self/status", "utf8"));
  return match === null ? undefined : Number(match[1]) * 1024;
}

async function child([libraryUrl, kind, path, optionsJson]) {
  const library = await import(libraryUrl);
  const options = JSON.parse(optionsJson);
  globalThis.gc?.();
  let hwmReset = false;
  try {
    writeFileSync("/proc/self/clear_refs", "5");
    hwmReset = true;
  } catch {}
  const rssBefore = status("VmRSS");
  const start = performance.now();
  const counts = { exchanges: 0, diagnostics: 0, dropped: 0, packets: 0 };
  if (kind === "replies") {
    // Server bytes through the reply parser in 64 KiB chunks, as a client on a socket reads them.
    const core = await import(libraryUrl.replace(/node\/index\.js$/, "index.js"));
    const parser = core.createReplyParser({
      onReply() {
        counts.exchanges++;
      },
      onError() {
        counts.diagnostics++;
      },
    });
    const { createReadStream } = await import("node:fs");
    for await (const chunk of createReadStream(path, { highWaterMark: 64 * 1024 })) {
      counts.packets += chunk.length;
      parser.feed(chunk);
    }
    parser.end();
    counts.replies = counts.exchanges;
    counts.exchanges = 0;
  } else if (kind === "one-byte-chunks") {
    const file = readFileSync(path);
    const reader = library.createCaptureReader(
      {
        onPacket() {
          counts.packets++;
        },
        onError(error) {
          counts.error = error.type;
        },
      },
      options,
    );
    for (let i = 0; i < file.length; i++) reader.feed(file.subarray(i, i + 1));
    reader.end();
  } else {
    const { createReadStream } = await import("node:fs");
    const result = await library.analyzeFtpCapture(
      createReadStream(path, { highWaterMark: 256 * 1024 }),
      {
        onExchange() {
          counts.exchanges++;
        },
        onDiagnostic(d) {
          counts.diagnostics++;
          if (d.type === "state-dropped") counts.dropped = d.dropped;
        },
      },
      options,
    );
    counts.packets = result.stats.packets;
    counts.droppedTotal = result.stats.dropped;
  }
  const seconds = (performance.now() - start) / 1000;
  process.stdout.write(
    JSON.stringify({
      seconds,
      counts,
      rssBefore,
      peak: hwmReset ? status("VmHWM") : process.resourceUsage().maxRSS * 1024,
    }),
  );
}

// ─── parent ──────────────────────────────────────────────────────────────────────────────────────────────────

/** The rows: [label, writer, size, child kind, library options]. */
function cases(quick) {
  const k = quick ? 0.25 : 1;
  return [
    [
      "1: a reply of lines of `a` + IAC NOP × 1000",
      telnetLadenReply,
      Math.round(60_000_000 * k),
      "replies",
      {},
      "bytes",
    ],
    ["2: a reply of `ab` lines", tinyLineReply, Math.round(63 * 1024 * 1024 * k), "replies", {}, "bytes"],
    [
      "3: an unclosed `IAC SB` after the greeting, then replies",
      unclosedSubnegotiation,
      Math.round(200_000 * k),
      "replies",
      {},
      "reply pairs",
    ],
    ["4: SYN flood to port 21", synFlood, Math.round(1_200_000 * k), "analyze", {}, "SYNs"],
    [
      "5: 1-byte server segments in reverse order",
      reverseSegments,
      Math.round(200_000 * k),
      "analyze",
      {},
      "segments",
    ],
    [
      "5: the same, all held (`maxHeldSegments`, `maxTotalHeldSegments` 2^20)",
      reverseSegments,
      Math.round(200_000 * k),
      "analyze",
      { maxHeldSegments: 1 << 20, maxTotalHeldSegments: 1 << 20 },
      "segments",
    ],
    [
      "6: PASV→227, RETR→150/226 without data connections",
      pendingAnnouncements,
      Math.round(300_000 * k),
      "analyze",
      {},
      "pairs",
    ],
    [
      "7: `ftp-reply pcap` into a reader that pauses 10 s",
      shortSessions,
      Math.round(200_000 * k),
      "cli-slow-reader",
      {},
      "sessions",
    ],
    [
      "8: short closed FTP sessions (linger)",
      shortSessions,
      Math.round(200_000 * k),
      "analyze",
      {},
      "sessions",
    ],
    ["9: `ftp-reply pcap /dev/zero`", undefined, 0, "cli-dev-zero", {}, "bytes"],
    [
      "10: one 16 MiB record in 1-byte chunks",
      hugeRecord,
      Math.round(16 * 1024 * 1024 * k),
      "one-byte-chunks",
      { maxBlockSize: 16 * 1024 * 1024 + 16 },
      "bytes",
    ],
  ];
}

/**
 * Measures every row; returns table rows `{ label, size, unit, fileBytes, seconds, mbPerSecond, peak, note }`.
 * `libraryUrl` is the built `node/index.js` to measure (so a previous build can be compared).
 */
export function pcapHostileBenchmarks({ quick = false, log = () => {}, libraryUrl } = {}) {
  const url = libraryUrl ?? pathToFileURL(join(ROOT, "dist/node/index.js")).href;
  const work = mkdtempSync(join(tmpdir(), "pcap-hostile-"));
  const rows = [];
  try {
    for (const [label, writeCapture, size, kind, options, unit] of cases(quick)) {
      log(`pcap hostile: ${label} (${size} ${unit})`);
      const path = join(work, "capture.pcap");
      const written = writeCapture === undefined ? { bytes: 0 } : writeCapture(path, size);
      if (kind.startsWith("cli")) {
        rows.push(cliRow({ label, size, unit, kind, path, written, url, work }));
        rmSync(path, { force: true });
        continue;
      }
      const run = spawnSync(
        process.execPath,
        [
          `--max-old-space-size=${HEAP_LIMIT_MB}`,
          "--expose-gc",
          HERE,
          "--child",
          url,
          kind,
          path,
          JSON.stringify(options),
        ],
        { encoding: "utf8", maxBuffer: 1 << 20, timeout: 15 * 60 * 1000 },
      );
      rmSync(path, { force: true });
      if (run.status !== 0) {
        const oom = /heap out of memory|Allocation failed/.test(run.stderr);
        rows.push({
          label,
          size,
          unit,
          fileBytes: written.bytes,
          note: oom ? `out of memory (${HEAP_LIMIT_MB} MiB heap)` : `failed: ${run.signal ?? run.status}`,
        });
        continue;
      }
      const result = JSON.parse(run.stdout);
      rows.push({
        label,
        size,
        unit,
        fileBytes: written.bytes,
        seconds: result.seconds,
        mbPerSecond: written.bytes / 1e6 / result.seconds,
        peak: result.peak,
        note: noteOf(result.counts),
      });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return rows;
}

function noteOf(counts) {
  if (counts.replies !== undefined) return `${counts.replies} replies, ${counts.diagnostics} errors`;
  const dropped = Object.entries(counts.droppedTotal ?? {})
    .map(([what, n]) => `${what} ${n}`)
    .join(", ");
  if (counts.error !== undefined) return `error ${counts.error}`;
  return [
    `${counts.packets} packets`,
    counts.exchanges > 0 ? `${counts.exchanges} exchanges` : "",
    dropped === "" ? "" : `dropped: ${dropped}`,
  ]
    .filter(Boolean)
    .join("; ");
}

/**
 * A row measured on the CLI as users run it (dist/cli/main.js next to the library): `cli-slow-reader` pipes
 * `ftp-reply pcap` into a reader that reads nothing for 10 s, then everything; `cli-dev-zero` runs it on /dev/zero.
 * Peak RSS comes from a preload (scripts/cli-rss.mjs); MB/s is the file over the whole run, the pause included.
 */
function cliRow({ label, size, unit, kind, path, written, url, work }) {
  const cli = fileURLToPath(url.replace(/node\/index\.js$/, "cli/main.js"));
  const rssFile = join(work, "rss");
  const node = `${JSON.stringify(process.execPath)} --import ${JSON.stringify(RSS_PRELOAD)} ${JSON.stringify(cli)}`;
  const command =
    kind === "cli-slow-reader"
      ? `${node} pcap --format ndjson ${JSON.stringify(path)} | (sleep 10; cat > /dev/null)`
      : `${node} pcap /dev/zero; echo "exit $?" >&2`;
  const start = performance.now();
  const run = spawnSync("sh", ["-c", command], {
    encoding: "utf8",
    env: { ...process.env, FTP_REPLY_RSS_FILE: rssFile },
    timeout: 5 * 60 * 1000,
  });
  const seconds = (performance.now() - start) / 1000;
  let peak;
  try {
    peak = Number(readFileSync(rssFile, "utf8"));
  } catch {}
  rmSync(rssFile, { force: true });
  const exit = /exit (\d+)/.exec(run.stderr ?? "")?.[1];
  const note =
    run.status === null
      ? `did not end within ${run.signal === "SIGTERM" ? "5 min" : run.signal}`
      : kind === "cli-dev-zero"
        ? `exit ${exit}: ${(run.stderr ?? "").split("\n")[0]}`
        : "pause of 10 s in the reader";
  return {
    label,
    size,
    unit,
    fileBytes: written.bytes,
    seconds,
    mbPerSecond: written.bytes > 0 ? written.bytes / 1e6 / seconds : undefined,
    peak,
    note,
  };
}

/** Markdown lines of the table. */
export function pcapHostileTable(rows) {
  const mb = (value) => `${(value / 1e6).toFixed(1)} MB`;
  const lines = ["| input | size | file | MB/s | peak RSS | notes |", "|---|---:|---:|---:|---:|---|"];
  for (const row of rows) {
    lines.push(
      `| ${row.label} | ${row.size.toLocaleString("en-US")} ${row.unit} | ${mb(row.fileBytes)} | ${row.mbPerSecond === undefined ? "–" : row.mbPerSecond.toFixed(1)} | ${row.peak === undefined ? "–" : mb(row.peak)} | ${row.note} |`,
    );
  }
  return lines;
}

if (process.argv[2] === "--child") {
  await child(process.argv.slice(3));
} else if (process.argv[1] === HERE) {
  const args = process.argv.slice(2);
  const distAt = args.indexOf("--dist");
  const libraryUrl =
    distAt === -1 ? undefined : pathToFileURL(join(resolve(args[distAt + 1]), "node/index.js")).href;
  const rows = pcapHostileBenchmarks({
    // Short sizes unless --full (the sizes: 60 MB, 63 MiB, 1.2 M SYNs …).
    quick: !args.includes("--full"),
    log: (message) => process.stderr.write(`${message}\n`),
    libraryUrl,
  });
  for (const line of pcapHostileTable(rows)) console.log(line);
}
