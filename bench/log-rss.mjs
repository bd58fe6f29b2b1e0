// Constant memory of `ftp-reply log` (issue 4): builds a large vsftpd protocol log by repeating the real fixture
// (fixtures/logs/vsftpd/vsftpd.log) with rising PIDs, runs the built CLI on it in a child process with its output
// thrown away, and reports the child's peak RSS for several log sizes. Flat peaks = memory does not grow with
// the log. Run: `npm run build && node bench/log-rss.mjs [MiB ...]` (default 16 64 256).
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const fixture = readFileSync(join(root, "fixtures/logs/vsftpd/vsftpd.log"), "utf8");
const sizes = (process.argv.slice(2).length > 0 ? process.argv.slice(2) : ["16", "64", "256"]).map(Number);
const dir = mkdtempSync(join(tmpdir(), "ftp-reply-log-rss-"));
const probe = join(dir, "rss.cjs");
// Prints the peak RSS of the process it is preloaded into when that process exits.
const probeSource = `process.on("exit", () => process.stderr.write("maxRSS " + process.resourceUsage().maxRSS + "\\n"));`;
writeSync(openSync(probe, "w"), probeSource);

console.log("| log size | commands + replies lines | peak RSS | time |");
console.log("|---:|---:|---:|---:|");
try {
  for (const mib of sizes) {
    const file = join(dir, `vsftpd-${mib}.log`);
    const fd = openSync(file, "w");
    let written = 0;
    let lines = 0;
    let copy = 0;
    const fixtureLines = fixture.split("\n").length - 1;
    while (written < mib * 1024 * 1024) {
      // A distinct [pid N] per copy: each copy is a session of its own, as in a real server's log.
      const block = fixture.replace(/\[pid (\d+)\]/g, (_, pid) => `[pid ${Number(pid) + copy * 7}]`);
      written += writeSync(fd, block);
      lines += fixtureLines;
      copy++;
    }
    closeSync(fd);
    const started = process.hrtime.bigint();
    const child = spawnSync(
      process.execPath,
      ["--require", probe, join(root, "dist/cli/main.js"), "log", file, "--format", "ndjson"],
      { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const match = /maxRSS (\d+)/.exec(child.stderr);
    const rssMiB = match === null ? Number.NaN : Number(match[1]) / 1024;
    console.log(
      `| ${mib} MiB | ${lines.toLocaleString("en")} | ${rssMiB.toFixed(1)} MiB | ${seconds.toFixed(1)} s |`,
    );
    rmSync(file);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
