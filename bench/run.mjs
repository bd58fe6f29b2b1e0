// `npm run bench`: ftp-reply side by side with basic-ftp, ftp-response-parser, node-ftp, the floor and the limit, plus
// scaling, hostile streams, decoders, peak RSS over 1 GiB and the core's bundle size. Prints Markdown.
//   --quick           fewer rounds, for a fast look
//   --cpu             time with main-thread CPU time (see below) instead of wall time
//   --write           also write bench/RESULTS.md and /tmp/readme-parts/bench-table.md (README table)
//   --only=a,b        sections: throughput, scaling, hostile, pcap-hostile, decoders, rss, bundle
//   FTP_REPLY_DIST    directory of the built library (default ../dist)
// Each throughput cell runs in a process of its own (all contenders interleaved in it; see measureCellInChild).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import v8 from "node:v8";
import vm from "node:vm";
import {
  basicFtpContender,
  floorContender,
  ftpReplyContender,
  ftpResponseParserContender,
  limitContender,
  nodeFtpContender,
} from "./contenders.mjs";
import { fixtureCorpus, listingCorpus, scaleDown, sessionCorpus } from "./corpus.mjs";
import { measureCell, RUN_DEADLINE_MS } from "./throughput.mjs";

const benchDirectory = dirname(fileURLToPath(import.meta.url));
const root = resolve(benchDirectory, "..");
const args = process.argv.slice(2);
const quick = args.includes("--quick");
// Main-thread CPU time instead of wall time: steadier on a shared machine, but it does not count the GC work
// V8 does on helper threads, which flatters allocation-heavy contenders; wall time is the default.
const useCpuTime = args.includes("--cpu");
const write = args.includes("--write");
const onlyArgument = args.find((arg) => arg.startsWith("--only="));
const sections = new Set(
  (onlyArgument?.slice(7) ?? "throughput,scaling,hostile,pcap-hostile,decoders,rss,bundle")
    .split(",")
    .filter(Boolean),
);
const distDirectory = resolve(process.env.FTP_REPLY_DIST ?? join(root, "dist"));
const libraryUrl = pathToFileURL(join(distDirectory, "index.js")).href;
const library = await import(libraryUrl);

v8.setFlagsFromString("--expose-gc");
const collectGarbage = vm.runInNewContext("gc");

const KIB = 1024;
const MIB = 1024 * 1024;
const ROUNDS = quick ? 3 : 5;
const REPEAT_TARGET_MS = quick ? 20 : 50;

const output = [];
function print(line = "") {
  output.push(line);
  process.stdout.write(`${line}\n`);
}
function log(message) {
  process.stderr.write(`${message}\n`);
}

function fixed(value, digits = 1) {
  if (value === undefined) return "–";
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(digits);
  return value.toPrecision(2);
}
function thousands(value) {
  if (value === undefined) return "–";
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)} M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(0)} k`;
  return value.toFixed(0);
}
function bytes(value) {
  if (value >= MIB) return `${(value / MIB).toFixed(1)} MiB`;
  if (value >= KIB) return `${(value / KIB).toFixed(1)} KiB`;
  return `${value} B`;
}

function machine() {
  const cpus = os.cpus();
  const load = os.loadavg();
  return {
    cpu: `${cpus[0]?.model ?? "unknown"} × ${cpus.length}`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    v8: process.versions.v8,
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    load: load.map((value) => value.toFixed(2)).join(" / "),
  };
}

// ─── throughput ──────────────────────────────────────────────────────────────────────────────────────────────

const CHUNKINGS = [
  { label: "whole", size: Number.POSITIVE_INFINITY, scaleTo: undefined },
  { label: "64 KiB", size: 64 * KIB, scaleTo: undefined },
  { label: "1460 B", size: 1460, scaleTo: undefined },
  { label: "64 B", size: 64, scaleTo: 512 * KIB },
  { label: "1 B", size: 1, scaleTo: 128 * KIB },
];

/** The throughput corpora (seeded: the same bytes in every process), or only the one named `only`. */
function corpora(only) {
  const wanted = (name) => only === undefined || only === name;
  const list = [];
  if (wanted("session mix"))
    list.push({ name: "session mix", description: "", corpus: sessionCorpus(2 * MIB) });
  const fixtures = wanted("real servers") ? fixtureCorpus(root, 2 * MIB, library) : undefined;
  if (fixtures !== undefined) list.push({ name: "real servers", description: "", corpus: fixtures });
  if (wanted("STAT listings")) {
    list.push({ name: "STAT listings", description: "", corpus: listingCorpus(2 * MIB) });
  }
  for (const entry of list) {
    const { corpus } = entry;
    const perReply = corpus.data.length / corpus.replies;
    entry.description = `${bytes(corpus.data.length)}, ${corpus.replies} replies (${fixed(perReply)} B a reply), ${corpus.lines} lines`;
    if (corpus.sources !== undefined) {
      entry.description += `; ${bytes(corpus.recordedBytes)} recorded from real servers, repeated (${corpus.sources.join(", ")})`;
    }
  }
  return list;
}

function peerCell(result, expected) {
  if (result.timedOut) {
    const rate = result.partial.fedBytes / 1e6 / (result.partial.elapsedMs / 1000);
    const earlier =
      result.mbPerSecond === undefined ? "" : `${fixed(result.mbPerSecond)} in the rounds before; `;
    return `timed out (> ${RUN_DEADLINE_MS / 1000} s; ${earlier}${fixed(rate)} MB/s until then)`;
  }
  const wrong = wrongIn(result, expected);
  return `${fixed(result.mbPerSecond)}${wrong === "count" ? " ≠" : wrong === "text" ? " ≠ text" : ""}`;
}

/** What a contender got wrong: the reply count, else a text (the text check, where the corpus has one), else "". */
function wrongIn(result, expected) {
  if (result.check?.replies !== undefined && result.check.replies !== expected) return "count";
  if (result.check?.textsWrong > 0) return "text";
  return "";
}

function throughputContenders() {
  return [
    ftpReplyContender(library),
    basicFtpContender(),
    ftpResponseParserContender(),
    nodeFtpContender(),
    floorContender(),
    limitContender(),
  ];
}

/**
 * One cell (corpus × chunking), all contenders interleaved in one process — a process of its own: on the listings
 * the quadratic peers allocate gigabytes of garbage strings, after which V8's heap stays large and its GC slows
 * every contender of the cells that follow (ftp-reply, which holds a listing's lines until the reply closes, 5×
 * on the next cell).
 */
function measureCellInChild(corpusName, chunkingLabel) {
  const child = spawnSync(
    process.execPath,
    [
      fileURLToPath(import.meta.url),
      `--cell=${corpusName}|${chunkingLabel}`,
      ...(quick ? ["--quick"] : []),
    ].concat(useCpuTime ? ["--cpu"] : []),
    { encoding: "utf8", maxBuffer: 64 * MIB, env: { ...process.env, FTP_REPLY_DIST: distDirectory } },
  );
  if (child.status !== 0) throw new Error(`cell ${corpusName} / ${chunkingLabel} failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split("\n").at(-1));
}

/** Child mode (`--cell=<corpus>|<chunking>`): measure that cell, print its results as JSON, exit. */
function measureOneCell(cell) {
  const [corpusName, chunkingLabel] = cell.split("|");
  const { corpus } = corpora(corpusName)[0];
  const chunking = CHUNKINGS.find((candidate) => candidate.label === chunkingLabel);
  const cellCorpus = chunking.scaleTo === undefined ? corpus : scaleDown(corpus, chunking.scaleTo);
  const results = measureCell({
    corpus: cellCorpus,
    chunkSize: chunking.size,
    contenders: throughputContenders(),
    rounds: ROUNDS,
    repeatTargetMs: REPEAT_TARGET_MS,
    collectGarbage,
    useCpuTime,
  });
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

function throughputSection(summary) {
  const contenders = throughputContenders();
  const peers = contenders.filter(
    (contender) => contender.name !== "ftp-reply" && contender.limit !== true && contender.floor !== true,
  );
  print("## Throughput");
  print();
  print(
    `Every contender parses the same bytes in the same process, interleaved round-robin; median of ${ROUNDS} rounds ` +
      `of ${useCpuTime ? "main-thread CPU time (--cpu)" : "wall time"} ` +
      `(each round repeats a pass for about ${REPEAT_TARGET_MS} ms). MB/s = 10^6 bytes of input a second. ` +
      "Every contender reads `code` and `text` of every reply. Since all parse the same corpus, a ratio of MB/s " +
      "is also the ratio of replies/s. `≠` marks a peer whose reply count differs from the corpus's (see findings). " +
      "64 B and 1 B chunkings run on a reply-aligned prefix of the corpus (size in the row).",
  );
  const findings = [];
  const overCap = new Map();
  for (const { name, description, corpus } of corpora()) {
    print();
    print(`### ${name} — ${description}`);
    print();
    print(
      `| chunking | ftp-reply MB/s | ftp-reply replies/s | ${peers.map((peer) => `${peer.name} MB/s`).join(" | ")} | floor MB/s | × floor | limit MB/s | × best peer | % of limit |`,
    );
    print(`|---|${"---:|".repeat(peers.length + 7)}`);
    for (const chunking of CHUNKINGS) {
      const cellCorpus = chunking.scaleTo === undefined ? corpus : scaleDown(corpus, chunking.scaleTo);
      log(`throughput: ${name}, ${chunking.label} (${bytes(cellCorpus.data.length)})`);
      const results = measureCellInChild(name, chunking.label);
      const ours = results[0];
      const limit = results.find((result) => result.limit);
      const floor = results.find((result) => result.floor);
      const peerResults = results.filter((result) => result !== ours && result !== limit && result !== floor);
      const timesFloor =
        ours.mbPerSecond === undefined || floor.mbPerSecond === undefined
          ? undefined
          : ours.mbPerSecond / floor.mbPerSecond;
      const measuredPeers = peerResults.filter((result) => result.mbPerSecond !== undefined);
      const fastest = (results) =>
        results.reduce(
          (best, result) => (best === undefined || result.mbPerSecond > best.mbPerSecond ? result : best),
          undefined,
        );
      const bestPeer = fastest(measuredPeers);
      const bestRightPeer = fastest(
        measuredPeers.filter((result) => wrongIn(result, cellCorpus.replies) === ""),
      );
      const timesBestPeer =
        bestPeer === undefined || ours.mbPerSecond === undefined
          ? undefined
          : ours.mbPerSecond / bestPeer.mbPerSecond;
      const ofLimit =
        ours.mbPerSecond === undefined || limit.mbPerSecond === undefined
          ? undefined
          : (100 * ours.mbPerSecond) / limit.mbPerSecond;
      const rowLabel =
        chunking.scaleTo === undefined
          ? chunking.label
          : `${chunking.label} (${bytes(cellCorpus.data.length)})`;
      print(
        `| ${rowLabel} | ${fixed(ours.mbPerSecond)} | ${thousands(ours.repliesPerSecond)} | ${peerResults
          .map((result) => peerCell(result, cellCorpus.replies))
          .join(" | ")} | ${fixed(floor.mbPerSecond)} | ${
          timesFloor === undefined ? "–" : `${timesFloor.toFixed(2)}×`
        } | ${fixed(limit.mbPerSecond)} | ${
          timesBestPeer === undefined
            ? "– (no peer finished)"
            : `${timesBestPeer.toFixed(2)}× ${bestPeer.name}${
                { count: " (≠)", text: " (≠ text)", "": "" }[wrongIn(bestPeer, cellCorpus.replies)]
              }`
        } | ${ofLimit === undefined ? "–" : `${ofLimit.toFixed(0)} %`} |`,
      );
      summary.push({
        corpus: name,
        chunking: chunking.label,
        rowLabel,
        timesBestPeer,
        bestPeer: bestPeer?.name,
        bestPeerMbPerSecond: bestPeer?.mbPerSecond,
        bestPeerWrong: bestPeer === undefined ? "" : wrongIn(bestPeer, cellCorpus.replies),
        bestRightPeer: bestRightPeer?.name,
        bestRightPeerMbPerSecond: bestRightPeer?.mbPerSecond,
        timesBestRightPeer:
          bestRightPeer === undefined || ours.mbPerSecond === undefined
            ? undefined
            : ours.mbPerSecond / bestRightPeer.mbPerSecond,
        oursMbPerSecond: ours.mbPerSecond,
        oursRepliesPerSecond: ours.repliesPerSecond,
        limitMbPerSecond: limit.mbPerSecond,
        ofLimit,
        floorMbPerSecond: floor.mbPerSecond,
        timesFloor,
      });
      if (ours.check !== undefined && ours.check.replies !== cellCorpus.replies) {
        findings.push(
          `**ftp-reply** counted ${ours.check.replies} replies on ${name} / ${chunking.label}, expected ${cellCorpus.replies}.`,
        );
      }
      if (ours.check?.textsWrong !== 0 && cellCorpus.replyList !== undefined) {
        findings.push(
          `**ftp-reply** gave ${ours.check?.textsWrong ?? "?"} texts that differ from the replies sent on ${name} / ${chunking.label}: ${JSON.stringify(ours.check?.firstWrong)}.`,
        );
      }
      if (ours.check !== undefined && ours.check.errors > 0) {
        findings.push(`ftp-reply reported ${ours.check.errors} errors on ${name} / ${chunking.label}.`);
      }
      for (const result of peerResults) {
        if (result.check?.replies !== undefined && result.check.replies !== cellCorpus.replies) {
          findings.push(
            `${result.name} on ${name} / ${chunking.label}: ${result.check.replies} replies, expected ${cellCorpus.replies}.`,
          );
        }
        if (result.check?.textsWrong > 0 && result.check.replies === cellCorpus.replies) {
          const first = result.check.firstWrong;
          findings.push(
            `${result.name} on ${name} / ${chunking.label}: ${result.check.textsWrong} of ${cellCorpus.replies} texts differ from the replies sent (first: reply ${first.reply}, sent ${JSON.stringify(first.sent)}, got ${JSON.stringify(first.got)}).`,
          );
        }
        if (result.check?.overCap) {
          const key = `${result.name} on ${name}`;
          overCap.set(key, [...(overCap.get(key) ?? []), chunking.label]);
        }
        if (result.timedOut) {
          findings.push(
            `${result.name} on ${name} / ${chunking.label}: stopped after ${RUN_DEADLINE_MS / 1000} s, ` +
              `${bytes(result.partial.fedBytes)} of ${bytes(cellCorpus.data.length)} fed.`,
          );
        }
      }
      if (limit.check !== undefined && limit.check.lines !== cellCorpus.lines) {
        findings.push(
          `limit counted ${limit.check.lines} LFs on ${name} / ${chunking.label}, expected ${cellCorpus.lines}.`,
        );
      }
      if (chunking.size === 1 && ours.seconds !== undefined && limit.seconds !== undefined) {
        const calls = cellCorpus.data.length;
        perCall.push({
          corpus: name,
          ours: (ours.seconds / calls) * 1e9,
          limit: (limit.seconds / calls) * 1e9,
        });
        findings.push(
          `per-call cost at 1-byte chunks on ${name}: ftp-reply ${((ours.seconds / calls) * 1e9).toFixed(0)} ns a feed(), ` +
            `limit ${((limit.seconds / calls) * 1e9).toFixed(0)} ns a chunk (indexOf + decode call).`,
        );
      }
    }
  }
  for (const [key, labels] of overCap) {
    findings.push(
      `${key} (${labels.join(", ")}): \`rest + chunk\` passed basic-ftp's 64 KiB cap (maxControlResponseLength); ` +
        "FtpContext would close the connection there. The bench measures its parser on regardless.",
    );
  }
  print();
  print("Findings:");
  print();
  for (const finding of findings) print(`- ${finding}`);
  print();
  print(
    "Why the peers lose replies or time out: basic-ftp's `parseControlResponse` takes any line that starts " +
      "`ddd ` as a complete reply, so a chunk that ends inside a single-line reply yields a truncated reply and " +
      "the line's rest is dropped as noise (and a chunk ending after `2` loses the reply entirely); it also re-splits " +
      "the whole open multi-line reply (`rest + chunk`) on every chunk — quadratic in the reply's size. node-ftp runs " +
      "its end-of-reply regex over the whole buffered text on every write (quadratic while a multi-line reply is " +
      "open). ftp-response-parser re-splits only the unfinished line, so it stays linear on these corpora.",
  );
  print();
}

// ─── scaling: never quadratic ────────────────────────────────────────────────────────────────────────────────

function scalingSection() {
  print("## Scaling (linear cost whatever the chunking)");
  print();
  print(
    "ftp-reply's MB/s at a fixed chunking as the input grows. Flat rows mean linear cost; a quadratic parser's MB/s " +
      "halves each time the size doubles. The giant reply is one multi-line `213` reply of that many bytes.",
  );
  print();
  const contenders = [ftpReplyContender(library)];
  const sizes = quick ? [64 * KIB, 256 * KIB, MIB] : [64 * KIB, 256 * KIB, MIB, 4 * MIB];
  const cases = [];
  for (const [chunkLabel, chunkSize] of [
    ["1 B", 1],
    ["64 B", 64],
    ["1460 B", 1460],
  ]) {
    cases.push({
      label: `session mix, ${chunkLabel} chunks`,
      chunkSize,
      corpora: sizes.map((size) => sessionCorpus(size, 7)),
    });
    cases.push({
      label: `one giant reply, ${chunkLabel} chunks`,
      chunkSize,
      corpora: sizes.map((size) => {
        const lines = Math.ceil(size / 66);
        return listingCorpus(1, 8, [lines, lines]);
      }),
    });
  }
  print(`| input | ${sizes.map((size) => bytes(size)).join(" | ")} |`);
  print(`|---|${"---:|".repeat(sizes.length)}`);
  for (const scalingCase of cases) {
    log(`scaling: ${scalingCase.label}`);
    const cells = scalingCase.corpora.map((corpus) => {
      const [ours] = measureCell({
        corpus,
        chunkSize: scalingCase.chunkSize,
        contenders,
        rounds: 5,
        repeatTargetMs: 30,
        collectGarbage,
        useCpuTime,
      });
      const countOk = ours.check?.replies === corpus.replies;
      return `${fixed(ours.mbPerSecond)} MB/s${countOk ? "" : " (count ≠)"}`;
    });
    print(`| ${scalingCase.label} | ${cells.join(" | ")} |`);
  }
  print();
}

// ─── hostile streams ──────────────────────────────────────────────────────────────────────────────────────────

/** `unit` (a latin1 string: one char a byte) repeated to `size` bytes. */
function repeatedCorpus(unit, size) {
  const pattern = Uint8Array.from(unit, (c) => c.charCodeAt(0));
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = pattern[i % pattern.length];
  return { data, replies: undefined, lines: undefined };
}

/**
 * Measured before the other sections (and printed after the scaling table): the peers' quadratic runs leave the
 * process with a heap of gigabytes, which slows every later measurement (see the throughput notes).
 */
function measureHostile() {
  const contenders = [ftpReplyContender(library)];
  const size = quick ? 512 * KIB : 2 * MIB;
  const cases = [
    ["session mix (for comparison)", sessionCorpus(size, 7)],
    ["IAC NOP inside every reply: `200 a IAC NOP b`", repeatedCorpus("200 a\xff\xf1bcdefghijklm\r\n", size)],
    ["every reply opened by IAC NOP", repeatedCorpus("\xff\xf1200 ok\r\n", size)],
    ["lines of nothing but IAC NOP", repeatedCorpus("\xff\xf1\n", size)],
    ["IAC IAC (0xFF data) in every reply", repeatedCorpus("200 \xff\xffxyz\r\n", size)],
    ["lines that are no reply: `xx`", repeatedCorpus("xx\r\n", size)],
    ["empty lines (CR LF storm)", repeatedCorpus("\r\n", size)],
    ["one endless line of digits and commas", repeatedCorpus("227 (1,2,3,4,5,6),", size)],
  ];
  return cases.map(([label, corpus]) => {
    log(`hostile: ${label}`);
    const counts = contenders[0].run([corpus.data], Number.POSITIVE_INFINITY);
    corpus.replies = counts.replies;
    const cells = [65536, 1460].map((chunkSize) => {
      const [ours] = measureCell({
        corpus,
        chunkSize,
        contenders,
        rounds: 3,
        repeatTargetMs: 30,
        collectGarbage,
        useCpuTime,
      });
      return fixed(ours.mbPerSecond);
    });
    return `| ${label} | ${cells.join(" | ")} | ${counts.replies} | ${counts.errors} |`;
  });
}

function hostileSection(rows) {
  print("## Hostile streams");
  print();
  print(
    "ftp-reply's MB/s on 2 MiB of what a hostile or broken server may send, against the session mix at the same " +
      "chunking: Telnet commands in every line (each such line leaves the fast path), lines that are no reply " +
      "(one typed error each), empty lines, and one endless line (reported once at `maxLineLength`, then skipped). " +
      "Replies and errors are counted on one pass. Measured first, before the peers' runs bloat the heap.",
  );
  print();
  print("| input | 64 KiB MB/s | 1460 B MB/s | replies | errors |");
  print("|---|---:|---:|---:|---:|");
  for (const row of rows) print(row);
  print();
}

/**
 * Hostile captures (`ftp-reply pcap`): each row grows one kind of per-connection state or the reader's carry, and is
 * analysed in a child process that reports its throughput and peak RSS (bench/pcap-hostile.mjs).
 */
async function pcapHostileSection() {
  const { pcapHostileBenchmarks, pcapHostileTable } = await import("./pcap-hostile.mjs");
  print("## Hostile captures");
  print();
  print(
    "`analyzeFtpCapture` (row 10: `createCaptureReader`) on captures built to grow state, each in a child process " +
      "with a 2 GiB heap that resets its peak RSS before reading: a SYN flood to port 21 (half-open connections), " +
      "1-byte server segments in reverse order (held segments, also with every segment held), endless PASV/RETR " +
      "without data connections (pending expectations), many short closed sessions (lingering connections), and one " +
      "16 MiB record fed 1 byte at a time (the reader's carry). Caps and bounds: docs/pcap-limits.md.",
  );
  print();
  const libraryUrl = pathToFileURL(join(distDirectory, "node/index.js")).href;
  for (const line of pcapHostileTable(pcapHostileBenchmarks({ quick, log, libraryUrl }))) print(line);
  print();
}

// ─── decoders ────────────────────────────────────────────────────────────────────────────────────────────────

async function decodersSection() {
  const { decoderBenchmarks } = await import("./decoders.mjs");
  print("## Decoders");
  print();
  const rows = decoderBenchmarks(library, { quick, collectGarbage, log });
  if (rows.length === 0) {
    print("No decoders exported by the build (src/decode not built yet): skipped.");
    print();
    return;
  }
  print(
    "Replies decoded a second (typical inputs), and the cost of hostile inputs of growing size: the time per " +
      "byte must stay flat (linear cost), whatever the decoder answers (a value or a typed error).",
  );
  print();
  print("| decoder | input | size | decodes/s | MB/s | ns/byte | result |");
  print("|---|---|---:|---:|---:|---:|---|");
  for (const row of rows) {
    print(
      `| ${row.decoder} | ${row.input} | ${bytes(row.size)} | ${thousands(row.perSecond)} | ${fixed(row.mbPerSecond)} | ${row.nsPerByte.toFixed(2)} | ${row.result} |`,
    );
  }
  print();
}

// ─── RSS ─────────────────────────────────────────────────────────────────────────────────────────────────────

function rssSection(summary) {
  const total = quick ? 256 * MIB : 1024 * MIB;
  print(`## Peak RSS streaming ${bytes(total)}`);
  print();
  print(
    "A child process reads a 4 MiB block (session mix + STAT listings of 2000–4000 lines a reply, the largest " +
      "about 260 KB) written by the bench, resets the peak (`/proc/self/clear_refs`), feeds the block " +
      "repeatedly in 64 KiB chunks (every reply's `code` and `text` read) and reports the peak RSS while streaming " +
      "(VmHWM) and, for reference, the lifetime `process.resourceUsage().maxRSS`. The target is the first row " +
      "(Node's defaults). The last row is there to show how much of the peak is V8's young generation, which in " +
      "any process that allocates steadily grows to two 16 MiB semi-spaces: the same run with them capped at 8 MiB.",
  );
  print();
  print(
    "| options | streamed | MB/s | replies | RSS before streaming | peak RSS while streaming (VmHWM) | lifetime maxRSS |",
  );
  print("|---|---:|---:|---:|---:|---:|---:|");
  const session = sessionCorpus(2 * MIB, 11);
  const listing = listingCorpus(2 * MIB, 12);
  const block = new Uint8Array(session.data.length + listing.data.length);
  block.set(session.data, 0);
  block.set(listing.data, session.data.length);
  const blockFile = join(os.tmpdir(), `ftp-reply-bench-block-${process.pid}.bin`);
  writeFileSync(blockFile, block);
  // The last row is not the target's (that is Node's defaults): it shows how much of the peak is V8's young
  // generation, which grows to two 16 MiB semi-spaces in any process that allocates steadily.
  const configurations = [
    { retain: "true", flags: [] },
    { retain: "false", flags: [] },
    { retain: "true", flags: ["--max-semi-space-size=8"] },
  ];
  for (const { retain, flags } of configurations) {
    const label = `retainLines: ${retain}${retain === "true" && flags.length === 0 ? " (default)" : ""}${flags.length > 0 ? `, node ${flags.join(" ")}` : ""}`;
    log(`rss: ${label}`);
    const child = spawnSync(
      process.execPath,
      [
        ...flags,
        "--expose-gc",
        join(benchDirectory, "rss-child.mjs"),
        libraryUrl,
        blockFile,
        String(session.replies + listing.replies),
        String(total),
        retain,
      ],
      { encoding: "utf8", maxBuffer: 16 * MIB },
    );
    if (child.status !== 0) {
      print(`| ${label} | failed: ${child.stderr.trim().split("\n").slice(-3).join(" ")} | | | | | |`);
      continue;
    }
    const result = JSON.parse(child.stdout);
    const countNote =
      result.replies === result.expectedReplies ? "" : ` (expected ${result.expectedReplies})`;
    const peak = result.hwmReset && result.vmHwm !== undefined ? result.vmHwm : result.lifetimeMaxRss;
    print(
      `| ${label} | ${bytes(result.streamed)} | ${fixed(result.streamed / 1e6 / result.seconds)} | ${result.replies}${countNote} | ${bytes(result.rssBefore)} | ${bytes(peak)} (${(peak / 1e6).toFixed(1)} MB) | ${bytes(result.lifetimeMaxRss)} |`,
    );
    if (flags.length === 0) summary.push({ rss: peak, retain });
  }
  rmSync(blockFile, { force: true });
  print();
}

// ─── bundle size ─────────────────────────────────────────────────────────────────────────────────────────────

async function bundleSection() {
  const { measureBundleSizes } = await import("./bundle-size.mjs");
  print("## Bundle size of the core");
  print();
  print(
    "esbuild, `platform: neutral` (a `node:` import would fail the build), minified; gzip -9 via node:zlib.",
  );
  print();
  print("| entry | minified | gzipped |");
  print("|---|---:|---:|");
  try {
    for (const row of await measureBundleSizes(root)) {
      print(`| ${row.what} | ${bytes(row.minified)} | ${bytes(row.gzipped)} |`);
    }
  } catch (error) {
    print(`| failed | ${String(error.message).split("\n")[0]} | |`);
  }
  print();
}

// ─── main ────────────────────────────────────────────────────────────────────────────────────────────────────

const cellArgument = args.find((arg) => arg.startsWith("--cell="));
if (cellArgument !== undefined) {
  measureOneCell(cellArgument.slice("--cell=".length));
  process.exit(0);
}

const started = machine();
const startTime = performance.now();
let commit = "unknown";
try {
  commit = execFileSync("git", ["-C", root, "rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
} catch {}
print("# ftp-reply benchmarks");
print();
print(`- machine: ${started.cpu}, ${started.memory} RAM, ${started.os}`);
print(`- Node ${started.node} (V8 ${started.v8}); commit ${commit}; library from ${distDirectory}`);
print(`- date: ${started.date}; load average at start (1/5/15 min): ${started.load}`);
print(`- command: \`npm run bench${args.length > 0 ? ` -- ${args.join(" ")}` : ""}\``);
print();
const summary = [];
const rssSummary = [];
/** 1-byte chunks: ns a feed() for ftp-reply and ns a chunk for the limit, per corpus. */
const perCall = [];
const hostileRows = sections.has("hostile") ? measureHostile() : undefined;
if (sections.has("throughput")) throughputSection(summary);
if (sections.has("scaling")) scalingSection();
if (hostileRows !== undefined) hostileSection(hostileRows);
if (sections.has("pcap-hostile")) await pcapHostileSection();
if (sections.has("decoders")) await decodersSection();
if (sections.has("rss")) rssSection(rssSummary);
if (sections.has("bundle")) await bundleSection();

if (summary.length > 0) {
  print("## Targets");
  print();
  const worst = summary.reduce((min, row) =>
    row.timesBestPeer !== undefined &&
    (min.timesBestPeer === undefined || row.timesBestPeer < min.timesBestPeer)
      ? row
      : min,
  );
  const below3 = summary.filter((row) => row.timesBestPeer !== undefined && row.timesBestPeer < 3);
  print(
    `- ≥ 3× the fastest peer on every corpus and chunking: ${below3.length === 0 ? "met" : `missed on ${below3.map((row) => `${row.corpus} / ${row.chunking} (${row.timesBestPeer.toFixed(2)}×)`).join(", ")}`}; ` +
      `lowest ${worst.timesBestPeer?.toFixed(1)}× (${worst.corpus} / ${worst.chunking}, vs ${worst.bestPeer}).`,
  );
  for (const corpus of ["session mix", "STAT listings"]) {
    const row = summary.find((entry) => entry.corpus === corpus && entry.chunking === "1460 B");
    if (row?.ofLimit !== undefined) {
      print(
        `- ≥ 50 % of the limit on ${corpus} at 1460 B: ${row.ofLimit >= 50 ? "met" : "missed"} (${row.ofLimit.toFixed(0)} %).`,
      );
    }
  }
}
for (const row of perCall) {
  print(
    `- 1-byte chunks, ${row.corpus}: ftp-reply ${row.ours.toFixed(0)} ns a \`feed()\` against the limit's ` +
      `${row.limit.toFixed(0)} ns a chunk (one \`indexOf\` + one \`decode\` call): ${row.ours <= row.limit ? "within" : `${(row.ours / row.limit).toFixed(1)}× over`} the per-call cost.`,
  );
}
for (const row of rssSummary) {
  print(
    `- peak RSS < 100 MB streaming (retainLines: ${row.retain}): ${row.rss < 100e6 ? "met" : "missed"} (${(row.rss / 1e6).toFixed(1)} MB).`,
  );
}
const ended = machine();
print();
print(
  `Finished in ${((performance.now() - startTime) / 1000).toFixed(0)} s; load average at end: ${ended.load}.`,
);

if (write) {
  // The hand-written analysis (profile findings, parser changes, targets) follows the generated tables.
  const analysisFile = join(benchDirectory, "analysis.md");
  const analysis = existsSync(analysisFile) ? `\n${readFileSync(analysisFile, "utf8")}` : "";
  writeFileSync(join(benchDirectory, "RESULTS.md"), `${output.join("\n")}\n${analysis}`);
  log("wrote bench/RESULTS.md");
  if (summary.length > 0) {
    mkdirSync("/tmp/readme-parts", { recursive: true });
    writeFileSync("/tmp/readme-parts/bench-table.md", `${readmeTable(summary, started).join("\n")}\n`);
    log("wrote /tmp/readme-parts/bench-table.md");
  }
}

/** The compact table for the README: ftp-reply, the fastest peer and the limit, per corpus and chunking. */
function readmeTable(rows, machineInfo) {
  const lines = [
    `Measured ${machineInfo.date.slice(0, 10)} on ${machineInfo.cpu}, Node ${machineInfo.node} (load average at start ${machineInfo.load}); full tables in [bench/RESULTS.md](bench/RESULTS.md).`,
    "",
    "| corpus | chunks | ftp-reply MB/s | ftp-reply replies/s | fastest peer MB/s | × fastest peer | × fastest right peer | floor MB/s | × floor | limit MB/s | % of limit |",
    "|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|",
  ];
  for (const row of rows) {
    const peer =
      row.bestPeer === undefined
        ? "– (none finished)"
        : `${fixed(row.bestPeerMbPerSecond)} (${row.bestPeer}${row.bestPeerWrong === "" ? "" : `, wrong ${row.bestPeerWrong}`})`;
    lines.push(
      `| ${row.corpus} | ${row.rowLabel} | ${fixed(row.oursMbPerSecond)} | ${thousands(row.oursRepliesPerSecond)} | ${peer} | ${
        row.timesBestPeer === undefined ? "–" : `${row.timesBestPeer.toFixed(2)}×`
      } | ${
        row.timesBestRightPeer === undefined
          ? "– (none right)"
          : row.bestRightPeer === row.bestPeer
            ? `${row.timesBestRightPeer.toFixed(2)}×`
            : `${row.timesBestRightPeer.toFixed(2)}× (${row.bestRightPeer})`
      } | ${fixed(row.floorMbPerSecond)} | ${row.timesFloor === undefined ? "–" : `${row.timesFloor.toFixed(2)}×`} | ${fixed(row.limitMbPerSecond)} | ${row.ofLimit === undefined ? "–" : `${row.ofLimit.toFixed(0)} %`} |`,
    );
  }
  return lines;
}
