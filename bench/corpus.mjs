// Seeded, deterministic corpora of server→client control-channel bytes for the benchmarks.
// The same seed always yields the same bytes, so runs on different days compare like with like.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/** mulberry32: a tiny, fast, well-distributed 32-bit PRNG; good enough for shaping test data. */
export function createRandom(seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min, max) => min + Math.floor(next() * (max - min + 1));
  const pick = (items) => items[Math.floor(next() * items.length)];
  return { next, int, pick };
}

const encoder = new TextEncoder();

const GREETINGS = [
  ["220 (vsFTPd 3.0.5)"],
  ["220 ProFTPD Server (Debian) [::ffff:127.0.0.1]"],
  ["220-FileZilla Server 1.8.1", "220-Please visit https://filezilla-project.org/", "220 Welcome."],
  [
    "220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------",
    "220-You are user number 1 of 50 allowed.",
    "220-Local time is now 12:00. Server port: 21.",
    "220-This is a private system - No anonymous login",
    "220 You will be disconnected after 15 minutes of inactivity.",
  ],
];
const FEATURES = [
  "211-Features:",
  " EPRT",
  " EPSV",
  " MDTM",
  " PASV",
  " REST STREAM",
  " SIZE",
  " TVFS",
  " UTF8",
  " MLST type*;size*;modify*;perm*;unique*;",
  "211 End",
];
const NAMES = [
  "report",
  "photo",
  "backup",
  "data",
  "notes",
  "résumé",
  "数据",
  "archive",
  "build",
  "übersicht",
];
const EXTENSIONS = [".txt", ".tar.gz", ".csv", ".jpg", ".iso", ".log", ".pdf"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function fileName(random) {
  return `${random.pick(NAMES)}-${random.int(1, 99999)}${random.pick(EXTENSIONS)}`;
}

/** One FTP session's replies (tens of bytes each): greeting, login, FEAT, PWD, transfers, errors, goodbye. */
function sessionReplies(random) {
  const replies = [random.pick(GREETINGS)];
  replies.push(["331 Please specify the password."], ["230 Login successful."], FEATURES);
  replies.push(
    [`257 "/home/user${random.int(1, 999)}" is the current directory`],
    ["200 Switching to Binary mode."],
  );
  const operations = random.int(8, 30);
  for (let i = 0; i < operations; i++) {
    const kind = random.int(0, 9);
    if (kind <= 2) {
      const port = random.int(1024, 65535);
      replies.push(
        random.next() < 0.5
          ? [`227 Entering Passive Mode (127,0,0,1,${port >> 8},${port & 255}).`]
          : [`229 Entering Extended Passive Mode (|||${port}|)`],
      );
      const name = fileName(random);
      const size = random.int(0, 2 ** 31);
      replies.push(
        random.next() < 0.5
          ? ["150 Here comes the directory listing."]
          : [`150 Opening BINARY mode data connection for ${name} (${size} bytes).`],
      );
      replies.push(
        random.next() < 0.9 ? ["226 Transfer complete."] : ["426 Failure writing network stream."],
      );
    } else if (kind === 3) {
      replies.push([`213 ${random.int(0, 2 ** 40)}`]);
    } else if (kind === 4) {
      replies.push([`213 2024${String(random.int(10, 12))}${String(random.int(10, 28))}120000`]);
    } else if (kind === 5) {
      replies.push(["250 Directory successfully changed."]);
    } else if (kind === 6) {
      replies.push([
        random.pick(["550 Failed to open file.", "550 Permission denied.", "553 Could not create file."]),
      ]);
    } else if (kind === 7) {
      replies.push([
        random.pick([
          "500 Unknown command.",
          "425 Use PORT or PASV first.",
          "530 Please login with USER and PASS.",
        ]),
      ]);
    } else if (kind === 8) {
      replies.push(["350 Ready for RNTO."], ["250 Rename successful."]);
    } else {
      replies.push(["200 NOOP ok."]);
    }
  }
  replies.push(["221 Goodbye."]);
  return replies;
}

/** A `STAT <dir>` reply: `213-` opener, thousands of `ls -l` lines, `213 ` closer (RFC 959 §4.2 multi-line). */
function listingReply(random, lineCount) {
  const lines = ["213-Status follows:"];
  for (let i = 0; i < lineCount; i++) {
    const directory = random.next() < 0.15;
    const size = directory ? 4096 : random.int(0, 2 ** 32);
    const date = `${random.pick(MONTHS)} ${String(random.int(1, 28)).padStart(2, " ")} ${String(random.int(0, 23)).padStart(2, "0")}:${String(random.int(0, 59)).padStart(2, "0")}`;
    lines.push(
      `${directory ? "drwxr-xr-x" : "-rw-r--r--"}    1 1000     1000     ${String(size).padStart(12, " ")} ${date} ${fileName(random)}`,
    );
  }
  lines.push("213 End of status");
  return lines;
}

function encodeReplies(replies) {
  let text = "";
  for (const reply of replies) text += `${reply.join("\r\n")}\r\n`;
  return encoder.encode(text);
}

/**
 * Builds replies until `targetBytes` is reached. Returns the bytes, the exact reply count and line count
 * (the ground truth every contender's count is checked against) and the byte offsets where replies end
 * (so a smaller copy can be cut on a reply boundary).
 */
function buildCorpus(makeReplies, targetBytes) {
  const replies = [];
  let bytes = 0;
  while (bytes < targetBytes) {
    for (const reply of makeReplies()) {
      replies.push(reply);
      for (const line of reply) bytes += encoder.encode(line).length + 2;
    }
  }
  return fromReplies(replies);
}

function fromReplies(replies) {
  const data = encodeReplies(replies);
  let lines = 0;
  for (const reply of replies) lines += reply.length;
  return { data, replies: replies.length, lines, replyList: replies };
}

/** Cuts a corpus down to about `targetBytes`, on a reply boundary (for the slow 1-byte and 64-byte runs). */
export function scaleDown(corpus, targetBytes) {
  if (corpus.data.length <= targetBytes) return corpus;
  if (corpus.replyList === undefined) {
    // Fixture corpora: cut on the last LF before the target that ends a reply (known offsets).
    const ends = corpus.replyEnds;
    let end = ends[0];
    for (const candidate of ends) {
      if (candidate > targetBytes) break;
      end = candidate;
    }
    const count = ends.filter((candidate) => candidate <= end).length;
    const data = corpus.data.subarray(0, end);
    let lines = 0;
    for (let i = data.indexOf(10); i !== -1; i = data.indexOf(10, i + 1)) lines++;
    return { ...corpus, data, replies: count, lines, replyEnds: ends.slice(0, count) };
  }
  const kept = [];
  let bytes = 0;
  for (const reply of corpus.replyList) {
    let size = 0;
    for (const line of reply) size += encoder.encode(line).length + 2;
    if (kept.length > 0 && bytes + size > targetBytes) break;
    kept.push(reply);
    bytes += size;
  }
  return fromReplies(kept);
}

export function sessionCorpus(targetBytes, seed = 959) {
  const random = createRandom(seed);
  return buildCorpus(() => sessionReplies(random), targetBytes);
}

export function listingCorpus(targetBytes, seed = 4242, linesPerReply = [2000, 4000]) {
  const random = createRandom(seed);
  return buildCorpus(
    () => [listingReply(random, random.int(linesPerReply[0], linesPerReply[1]))],
    targetBytes,
  );
}

/** Ports of the control connections in the captures (ftp-srv listens on 2121 there). */
const CONTROL_PORTS = new Set([21, 2121]);

/**
 * The server→client bytes of the control connections in a `tshark -z follow,tcp,raw` output: in each stream the
 * node on port 21 (or 2121) is the server, and tshark indents the second node's data with a tab.
 */
function serverBytesFromFollow(text) {
  const streams = [];
  for (const block of text.split("===================================================================")) {
    const nodes = [...block.matchAll(/^Node ([01]): .*:(\d+)$/gm)].map((match) => Number(match[2]));
    if (nodes.length !== 2) continue;
    const serverNode = CONTROL_PORTS.has(nodes[1]) ? 1 : CONTROL_PORTS.has(nodes[0]) ? 0 : -1;
    if (serverNode === -1) continue;
    let hex = "";
    for (const line of block.split("\n")) {
      if (!/^\t?[0-9a-f]+$/.test(line)) continue;
      const indented = line.startsWith("\t");
      if (indented === (serverNode === 1)) hex += line.trim();
    }
    if (hex.length > 0) streams.push(Uint8Array.from(hex.match(/../g), (pair) => Number.parseInt(pair, 16)));
  }
  return streams;
}

/** End offsets of the replies `library` finds in `data`, or undefined on any error or warning. */
function findReplyEnds(library, data) {
  const ends = [];
  let failed = false;
  const parser = library.createReplyParser({
    onReply(reply) {
      ends.push(reply.offset + reply.byteLength);
    },
    onError() {
      failed = true;
    },
    onWarning() {
      failed = true;
    },
  });
  parser.feed(data);
  parser.end();
  return failed ? undefined : ends;
}

/**
 * Real server bytes from the repository's fixtures: raw recordings (fixtures/servers/<server>/*.bin|raw,
 * fixtures/logs/raw/*.bin) and the server side of the control connections in the tshark follow outputs of
 * fixtures/pcap. Only recordings that parse cleanly and end on a reply boundary are taken (so that repeating
 * them makes a valid stream); they are concatenated and repeated up to `targetBytes`.
 * `library` is the built ftp-reply that cuts them into replies.
 */
export function fixtureCorpus(root, targetBytes, library) {
  const replyEndsOf = (data) => findReplyEnds(library, data);
  const candidates = [];
  const servers = join(root, "fixtures", "servers");
  if (existsSync(servers)) {
    for (const server of readdirSync(servers).sort()) {
      const directory = join(servers, server);
      if (!statSync(directory).isDirectory()) continue;
      for (const file of readdirSync(directory).sort()) {
        if (/\.(bin|raw)$/.test(file) && !/client|c2s|command/.test(file)) {
          candidates.push({
            source: `servers/${server}/${file}`,
            bytes: readFileSync(join(directory, file)),
          });
        }
      }
    }
  }
  const raw = join(root, "fixtures", "logs", "raw");
  if (existsSync(raw)) {
    for (const file of readdirSync(raw).sort()) {
      if (/server.*\.bin$/.test(file))
        candidates.push({ source: `logs/raw/${file}`, bytes: readFileSync(join(raw, file)) });
    }
  }
  const pcap = join(root, "fixtures", "pcap");
  if (existsSync(pcap)) {
    for (const file of readdirSync(pcap).sort()) {
      if (!file.endsWith(".follow.txt")) continue;
      for (const bytes of serverBytesFromFollow(readFileSync(join(pcap, file), "latin1"))) {
        candidates.push({ source: `pcap/${file}`, bytes });
      }
    }
  }
  const parts = [];
  const sources = new Set();
  for (const candidate of candidates) {
    const bytes = new Uint8Array(candidate.bytes);
    const ends = bytes.length === 0 ? undefined : replyEndsOf(bytes);
    if (ends === undefined || ends.length === 0 || ends[ends.length - 1] !== bytes.length) continue;
    parts.push(bytes);
    sources.add(candidate.source);
  }
  if (parts.length === 0) return undefined;
  let total = 0;
  for (const part of parts) total += part.length;
  const copies = Math.max(1, Math.ceil(targetBytes / total));
  const data = new Uint8Array(total * copies);
  let offset = 0;
  for (let copy = 0; copy < copies; copy++) {
    for (const part of parts) {
      data.set(part, offset);
      offset += part.length;
    }
  }
  const replyEnds = replyEndsOf(data);
  let lines = 0;
  for (let i = data.indexOf(10); i !== -1; i = data.indexOf(10, i + 1)) lines++;
  return { data, replies: replyEnds.length, lines, replyEnds, sources: [...sources], recordedBytes: total };
}

/** Splits `data` into chunks of `size` bytes (views, no copies); `Infinity` means one chunk. */
export function chunk(data, size, asBuffer) {
  const chunks = [];
  const step = Number.isFinite(size) ? size : data.length;
  for (let start = 0; start < data.length; start += step) {
    const end = Math.min(start + step, data.length);
    chunks.push(
      asBuffer ? Buffer.from(data.buffer, data.byteOffset + start, end - start) : data.subarray(start, end),
    );
  }
  return chunks;
}
