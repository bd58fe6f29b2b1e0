// pcap throughput: `ftp-reply`'s capture analysis (pcap reader → TCP reassembly → reply parser, command splitter
// and session) beside tshark on the same file, plus our peak memory on a file 8× larger (constant memory).
//
// The input is built from a real recorded capture (fixtures/pcap/, see its README): its packets are written again
// and again, each copy with the client's address rewritten (10.22.x.y) and the time shifted, so every copy is a
// new set of TCP connections — a long capture of many FTP sessions. Results go to bench/PCAP-RESULTS.md.
//
// usage: node bench/pcap.mjs [--mb 64] [--source vsftpd-curl.pcap] [--rounds 3] [--no-tshark]
import { execFileSync, spawnSync } from "node:child_process";
import {
  createReadStream,
  createWriteStream,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "..");
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at === -1 ? fallback : args[at + 1];
};
const targetMb = Number(option("mb", "64"));
const sourceName = option("source", "vsftpd-curl.pcap");
const rounds = Number(option("rounds", "3"));
const withTshark = !args.includes("--no-tshark");

// Child mode: analyse one file under a small heap limit and print the peak memory (the constant-memory check).
if (args[0] === "--child") {
  const { analyzeFtpCapture } = await import(pathToFileURL(args[1]).href);
  let peakRss = 0;
  let peakHeap = 0;
  const sample = () => {
    const usage = process.memoryUsage();
    peakRss = Math.max(peakRss, usage.rss);
    peakHeap = Math.max(peakHeap, usage.heapUsed);
  };
  const timer = setInterval(sample, 10);
  let exchanges = 0;
  await analyzeFtpCapture(createReadStream(args[2], { highWaterMark: 256 * 1024 }), {
    onExchange() {
      exchanges++;
    },
  });
  clearInterval(timer);
  sample();
  console.log(JSON.stringify({ peakRss, peakHeap, exchanges }));
  process.exit(0);
}

const work = mkdtempSync(join(tmpdir(), "pcap-bench-"));

// Bundle the library's pcap module from source (no build of the whole package needed).
const bundle = join(work, "pcap.mjs");
execFileSync(
  join(ROOT, "node_modules/.bin/esbuild"),
  [
    join(ROOT, "src/node/pcap/index.ts"),
    "--bundle",
    "--platform=node",
    "--format=esm",
    `--outfile=${bundle}`,
  ],
  { stdio: "inherit" },
);
const { analyzeFtpCapture } = await import(pathToFileURL(bundle).href);

/** Writes a pcap of about `mb` MiB made of rewritten copies of the source capture's packets. */
async function makeCapture(path, mb) {
  const source = readFileSync(join(ROOT, "fixtures/pcap", sourceName));
  const view = new DataView(source.buffer, source.byteOffset, source.byteLength);
  if (view.getUint32(0, true) !== 0xa1b2c3d4 || view.getUint32(20, true) !== 1) {
    throw new Error(`${sourceName}: expected a little-endian microsecond Ethernet pcap`);
  }
  const records = [];
  for (let at = 24; at < source.length; ) {
    const length = view.getUint32(at + 8, true);
    records.push(source.subarray(at, at + 16 + length));
    at += 16 + length;
  }
  const out = createWriteStream(path);
  const write = (bytes) => (out.write(bytes) ? Promise.resolve() : new Promise((r) => out.once("drain", r)));
  await write(source.subarray(0, 24));
  let written = 24;
  const target = mb * 1024 * 1024;
  const firstSeconds = view.getUint32(24, true);
  for (let copy = 0; written < target; copy++) {
    const batch = [];
    for (const record of records) {
      const r = Buffer.from(record);
      r.writeUInt32LE(firstSeconds + copy, 0);
      // Ethernet + IPv4: rewrite the client address 10.21.0.2 wherever it is source or destination.
      if (r.length >= 16 + 34 && r[16 + 12] === 0x08 && r[16 + 13] === 0x00) {
        for (const offset of [16 + 14 + 12, 16 + 14 + 16]) {
          if (r[offset] === 10 && r[offset + 1] === 21 && r[offset + 2] === 0 && r[offset + 3] === 2) {
            r[offset + 1] = 22;
            r[offset + 2] = (copy >> 8) & 0xff;
            r[offset + 3] = copy & 0xff;
          }
        }
      }
      batch.push(r);
      written += r.length;
    }
    await write(Buffer.concat(batch));
  }
  await new Promise((resolve) => out.end(resolve));
  return written;
}

async function runOurs(path) {
  let exchanges = 0;
  let dataConnections = 0;
  let peakRss = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 20);
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  const result = await analyzeFtpCapture(createReadStream(path, { highWaterMark: 256 * 1024 }), {
    onExchange() {
      exchanges++;
    },
    onDataConnection() {
      dataConnections++;
    },
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  clearInterval(timer);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return { seconds, cpuSeconds, exchanges, dataConnections, packets: result.stats.packets, peakRss };
}

/** Runs tshark under bash, whose `times` builtin reports the CPU time (user + system) of its children. */
function runTshark(path, tsharkArgs) {
  const quoted = ["tshark", "-r", path, ...tsharkArgs]
    .map((a) => `'${a.replaceAll("'", "'\\''")}'`)
    .join(" ");
  const start = process.hrtime.bigint();
  const child = spawnSync("bash", ["-c", `${quoted} 2>/dev/null | wc -l; times`], { encoding: "utf8" });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (child.status !== 0) throw new Error(`tshark ${tsharkArgs.join(" ")} failed: ${child.stderr}`);
  const lines = child.stdout.trim().split("\n");
  // `times` prints the shell's own user/system times, then its children's: "0m5.123s 0m0.456s".
  const parts = /(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s/.exec(lines.at(-1));
  const cpuSeconds = Number(parts[1]) * 60 + Number(parts[2]) + Number(parts[3]) * 60 + Number(parts[4]);
  return { seconds, cpuSeconds, rows: Number(lines[0]) };
}

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];

const file = join(work, "bench.pcap");
const size = await makeCapture(file, targetMb);
const mb = size / 1024 / 1024;
console.log(`capture: ${mb.toFixed(1)} MiB from ${sourceName}`);

const ours = [];
for (let i = 0; i < rounds; i++) ours.push(await runOurs(file));
const oursSeconds = median(ours.map((r) => r.seconds));
const oursCpu = median(ours.map((r) => r.cpuSeconds));
console.log(`ftp-reply: ${(mb / oursCpu).toFixed(1)} MiB per CPU-second, ${ours[0].exchanges} exchanges`);

const tsharkRuns = [];
let tsharkVersion = "not run";
if (withTshark) {
  tsharkVersion = execFileSync("tshark", ["--version"]).toString().split("\n")[0].replace(/\.$/, "");
  const fields = ["-Y", "ftp", "-T", "fields", "-e", "ftp.request.command", "-e", "ftp.response.code"];
  const variants = [
    ["FTP dissector fields (`-Y ftp -T fields -e ftp.request.command -e ftp.response.code`)", fields],
    ["TCP conversation table, every packet dissected to TCP (`-q -z conv,tcp`)", ["-q", "-z", "conv,tcp"]],
    ["no output (`-q`)", ["-q"]],
  ];
  for (const [label, tsharkArgs] of variants) {
    const runs = [];
    for (let i = 0; i < rounds; i++) runs.push(runTshark(file, tsharkArgs));
    const cpuSeconds = median(runs.map((r) => r.cpuSeconds));
    tsharkRuns.push({ label, seconds: median(runs.map((r) => r.seconds)), cpuSeconds, rows: runs[0].rows });
    console.log(`tshark ${label}: ${(mb / cpuSeconds).toFixed(1)} MiB per CPU-second`);
  }
}

// Constant memory: the same analysis on the file and on one 8× larger, each in a child process whose V8 heap is
// capped at HEAP_LIMIT_MB: a file that needed memory in proportion to its size would crash the larger run.
const HEAP_LIMIT_MB = 32;
const bigFile = join(work, "big.pcap");
const bigSize = await makeCapture(bigFile, targetMb * 8);
const memory = [];
for (const [path, bytes] of [
  [file, size],
  [bigFile, bigSize],
]) {
  const child = spawnSync(
    process.execPath,
    [`--max-old-space-size=${HEAP_LIMIT_MB}`, fileURLToPath(import.meta.url), "--child", bundle, path],
    { encoding: "utf8" },
  );
  if (child.status !== 0) throw new Error(`memory run on ${bytes} bytes failed: ${child.stderr.slice(-500)}`);
  memory.push({ bytes, ...JSON.parse(child.stdout) });
  const m = memory.at(-1);
  console.log(
    `${(bytes / 1048576).toFixed(0)} MiB: peak heap ${(m.peakHeap / 1048576).toFixed(1)} MiB, RSS ${(m.peakRss / 1048576).toFixed(0)} MiB`,
  );
}

const lines = [
  "# pcap throughput: ftp-reply beside tshark",
  "",
  `Measured by \`node bench/pcap.mjs --mb ${targetMb} --source ${sourceName} --rounds ${rounds}\` on ${new Date().toISOString().slice(0, 10)}:`,
  `Node ${process.version}, ${tsharkVersion}, ${cpus().length} cores (${cpus()[0]?.model ?? "?"}) shared with other work,`,
  "so absolute numbers move between runs. Throughput is per CPU-second (user + system time of the process, steadier",
  "than wall time on a shared machine); wall time is shown too. Median of the rounds.",
  "",
  `Input: ${mb.toFixed(1)} MiB pcap, ${ours[0].packets} packets — copies of the real capture \`fixtures/pcap/${sourceName}\``,
  "with the client address rewritten per copy, so each copy is a new set of FTP sessions (control and data).",
  "",
  "| tool | what it does | CPU time (s) | wall time (s) | MiB per CPU-second |",
  "|---|---|---:|---:|---:|",
  `| ftp-reply (\`analyzeFtpCapture\`) | read, reassemble every TCP stream, parse replies and commands, pair them, match data connections (${ours[0].exchanges} exchanges, ${ours[0].dataConnections} data connections) | ${oursCpu.toFixed(2)} | ${oursSeconds.toFixed(2)} | ${(mb / oursCpu).toFixed(1)} |`,
  ...tsharkRuns.map(
    (t) =>
      `| tshark | ${t.label} (${t.rows} output lines) | ${t.cpuSeconds.toFixed(2)} | ${t.seconds.toFixed(2)} | ${(mb / t.cpuSeconds).toFixed(1)} |`,
  ),
  "",
  ...(tsharkRuns.length > 0
    ? [
        `Per CPU-second ftp-reply gets through ${(tsharkRuns[0].cpuSeconds / oursCpu).toFixed(1)}× as much capture as tshark printing its FTP dissector fields, ${(tsharkRuns[1].cpuSeconds / oursCpu).toFixed(1)}× as much as tshark building its TCP conversation table, and ${(tsharkRuns[2].cpuSeconds / oursCpu).toFixed(1)}× as much as tshark reading it with no output at all.`,
        "",
      ]
    : []),
  "## Memory",
  "",
  `Each file analysed in a child process with the V8 heap capped at ${HEAP_LIMIT_MB} MiB (\`--max-old-space-size\`):`,
  "",
  "| input | exchanges | peak heap used | peak RSS |",
  "|---|---:|---:|---:|",
  ...memory.map(
    (m) =>
      `| ${(m.bytes / 1048576).toFixed(0)} MiB | ${m.exchanges} | ${(m.peakHeap / 1048576).toFixed(1)} MiB | ${(m.peakRss / 1048576).toFixed(0)} MiB |`,
  ),
  "",
  "The reader keeps at most one unfinished record, reassembly only out-of-order bytes and the state of open",
  "connections (closed ones are forgotten 240 capture-seconds after their close, at most 65 536 kept), so memory",
  "does not grow with the file; it grows with the number of connections open at the same time.",
  "",
];
writeFileSync(join(HERE, "PCAP-RESULTS.md"), lines.join("\n"));
console.log(`wrote ${join(HERE, "PCAP-RESULTS.md")}`);
rmSync(work, { recursive: true, force: true });
statSync(join(HERE, "PCAP-RESULTS.md"));
