/**
 * The CLI as a process, fuzzed: random server bytes, random log lines, random captures and random arguments given
 * to `ftp-reply`, whose run must end with exit 0, 1 or 2, without "internal error", without a stack trace, without
 * a raw control character in its output, and within a bounded heap. Shared by test/cli/process-fuzz.test.ts (a
 * few runs in every test run) and scripts/fuzz.mjs (`cli.process`, the long campaign).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The heap the CLI is given (`--max-old-space-size`, MiB): going past it ends the run with a crash, not exit 2. */
export const CLI_HEAP_MIB = 96;
/** The peak resident set a run may reach (MiB): the heap, the code, the buffers of a 256 KiB read, the output. */
export const CLI_RSS_MIB = 256;
const RSS_PRELOAD = fileURLToPath(new URL("./cli-rss.mjs", import.meta.url));

/** C0 but TAB and LF, DEL, C1: raw in no output. */
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
/** The bidi controls: raw in no output but zeek's (Zeek keeps text beyond ASCII as it is). */
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
/** The palette's own colours (`--color`): the only ESC the output may hold. */
const SGR = /\u001b\[\d+m/g;

/**
 * What one run is: a command, its arguments, and what stdin holds.
 *
 * @param {typeof import("fast-check").default} fc
 */
export function cliRunArbitrary(fc) {
  const hostileChar = fc.oneof(
    fc.constantFrom("\u001b", "\u0007", "\u0000", "\r", "\n", "\t", "\u007f", "\u0085", "\u009b", "\u202e"),
    fc.constantFrom("\u2066", "\\", '"', "中", " ", "-", "=", "%", "/"),
    fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
    fc.string({ unit: "binary-ascii", minLength: 1, maxLength: 1 }),
  );
  const hostileText = fc.string({ unit: hostileChar, maxLength: 30 });
  const format = fc.constantFrom("pretty", "json", "ndjson", "zeek");
  const argument = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.constantFrom("--summary", "--strict", "--show-passwords", "--no-color", "--color"),
    },
    {
      weight: 4,
      arbitrary: fc.constantFrom("-s", "-h", "-V", "--", "-", "-f", "--lang", "zh", "en", "--format"),
    },
    {
      weight: 4,
      arbitrary: fc.constantFrom("--encoding", "auto", "latin1", "gbk", "utf-16le", "replacement"),
    },
    { weight: 3, arbitrary: fc.constantFrom("--input-format", "dialogue", "raw", "curl", "--json", "--all") },
    { weight: 3, arbitrary: fc.constantFrom("--port", "21", "2121,21", "0", "--no-detect", "--no-data") },
    {
      weight: 3,
      arbitrary: fc.constantFrom("fixtures", "package.json/x", "/nonexistent/file", "227", "999"),
    },
    { weight: 4, arbitrary: format.map((f) => `--format=${f}`) },
    { weight: 3, arbitrary: hostileText.map((t) => `--${t}`) },
    { weight: 3, arbitrary: hostileText },
    { weight: 1, arbitrary: fc.integer({ min: 201, max: 100_000 }).map((n) => "a".repeat(n)) },
  );
  const code = fc.integer({ min: 100, max: 699 });
  const logLine = fc.oneof(
    fc.tuple(code, hostileText).map(([c, t]) => `S: ${c} ${t}`),
    fc
      .tuple(fc.constantFrom("USER", "PASS", "RETR", "CWD", "PASV", "QUIT", "x"), hostileText)
      .map(([verb, t]) => `C: ${verb} ${t}`),
    hostileText,
  );
  const stdin = fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc.array(logLine, { maxLength: 12 }).map((lines) => lines.join("\n")),
    fc
      .array(fc.tuple(code, hostileText), { maxLength: 8 })
      .map((replies) => replies.map(([c, t]) => `${c} ${t}\r\n`).join("")),
    // A pcap header with random bytes after it.
    fc
      .uint8Array({ maxLength: 200 })
      .map((rest) =>
        Uint8Array.from([
          0xd4,
          0xc3,
          0xb2,
          0xa1,
          2,
          0,
          4,
          0,
          0,
          0,
          0,
          0,
          0,
          0,
          0,
          0,
          0xff,
          0xff,
          0,
          0,
          1,
          0,
          0,
          0,
          ...rest,
        ]),
      ),
  );
  return fc.record({
    command: fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom("parse", "log", "pcap", "explain") },
      { weight: 1, arbitrary: fc.constantFrom("-V", "--help", "help") },
      { weight: 1, arbitrary: hostileText },
    ),
    args: fc.array(argument, { maxLength: 6 }),
    stdin,
  });
}

/**
 * Runs the CLI at `cli` (a built dist/cli/main.js) on one run, in the repository `cwd`.
 *
 * @param {string} cli
 * @param {string} cwd
 * @param {{ command: string, args: string[], stdin: string | Uint8Array }} run
 */
export function runCli(cli, cwd, run) {
  // An argument cannot hold NUL (C strings): it becomes SOH, a control character all the same.
  const argv = [run.command, ...run.args].map((arg) => arg.replaceAll("\u0000", "\u0001"));
  const scratch = mkdtempSync(join(tmpdir(), "cli-fuzz-"));
  const rssFile = join(scratch, "rss");
  try {
    const result = spawnSync(
      process.execPath,
      [`--max-old-space-size=${CLI_HEAP_MIB}`, "--import", RSS_PRELOAD, cli, ...argv],
      {
        cwd,
        input: run.stdin,
        encoding: "utf8",
        env: { PATH: process.env.PATH ?? "", LANG: "C.UTF-8", FTP_REPLY_RSS_FILE: rssFile },
        timeout: 20_000,
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    let rss;
    try {
      rss = Number(readFileSync(rssFile, "utf8"));
    } catch {}
    return {
      status: result.status,
      signal: result.signal,
      stdout: result.stdout,
      stderr: result.stderr,
      rss,
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * What is wrong with a run's result: an empty list when nothing is.
 *
 * @param {{ status: number | null, signal: string | null, stdout: string, stderr: string, rss?: number }} result
 * @param {{ command: string, args: string[] }} run
 */
export function cliRunProblems(result, run) {
  const problems = [];
  // Exit codes (docs/cli.md): 0, 1, 2; and 3 for `pcap`, a capture read to its end without FTP.
  const allowed = run.command === "pcap" ? [0, 1, 2, 3] : [0, 1, 2];
  if (result.status === null || !allowed.includes(result.status))
    problems.push(`exit ${result.status} (signal ${result.signal})`);
  if (result.stderr.includes("internal error")) problems.push("internal error");
  if (/\n\s+at /.test(result.stderr) || /^\s+at /m.test(result.stderr)) problems.push("a stack trace");
  const stdout = result.stdout.replace(SGR, "");
  if (RAW_CONTROL.test(stdout)) problems.push("a raw control character in stdout");
  if (RAW_CONTROL.test(result.stderr)) problems.push("a raw control character in stderr");
  if (BIDI.test(result.stderr)) problems.push("a raw bidi control in stderr");
  const zeek = [run.command, ...run.args].some((arg) => arg.includes("zeek"));
  if (!zeek && BIDI.test(stdout)) problems.push("a raw bidi control in stdout");
  if (result.rss !== undefined && result.rss > CLI_RSS_MIB * 1024 * 1024)
    problems.push(`peak RSS ${(result.rss / 2 ** 20).toFixed(0)} MiB over ${CLI_RSS_MIB} MiB`);
  if (result.stderr.split("\n").some((line) => line.length > 2000))
    problems.push("a stderr line over 2000 characters");
  return problems;
}
