/**
 * The CLI as a process, on random server bytes, log lines, captures and arguments (scripts/cli-fuzz.mjs has the
 * generator and the checks; `npm run fuzz -- --only cli.process` runs many more): exit 0, 1 or 2 (3: `pcap`
 * of a capture without FTP), never "internal
 * error", never a stack trace, no raw control character in stdout or stderr, within a bounded heap. 30 runs here,
 * a few seconds.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, expect, test } from "vitest";
import { cliRunArbitrary, cliRunProblems, runCli } from "../../scripts/cli-fuzz.mjs";
import { configureProperties, fc } from "../helpers/properties.js";

configureProperties();

const REPO = join(import.meta.dirname, "../..");
const CLI = process.env.FTP_REPLY_CLI ?? join(REPO, "dist/cli/main.js");
const RUNS = Number(process.env.CLI_FUZZ_RUNS ?? 30);

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npm run build)`);
});

test(`the CLI as a process: ${RUNS} random runs end cleanly`, () => {
  fc.assert(
    fc.property(cliRunArbitrary(fc), (run) => {
      const problems = cliRunProblems(runCli(CLI, REPO, run), run);
      expect(
        problems,
        JSON.stringify({ command: run.command, args: run.args.map((a) => a.slice(0, 80)) }),
      ).toEqual([]);
    }),
    { numRuns: RUNS },
  );
}, 120_000);

test("a run reports its peak RSS", () => {
  const result = runCli(CLI, REPO, { command: "parse", args: [], stdin: "220 hi\r\n" });
  expect(result.status).toBe(0);
  expect(result.rss).toBeGreaterThan(10 * 2 ** 20);
  expect(result.rss).toBeLessThan(256 * 2 ** 20);
});

test("the checks catch what they are for", () => {
  const run = { command: "parse", args: [] };
  const clean = { status: 0, signal: null, stdout: "S: 220 \\x1b[2J\n", stderr: "" };
  expect(cliRunProblems(clean, run)).toEqual([]);
  expect(cliRunProblems({ ...clean, status: 134 }, run)).toHaveLength(1);
  expect(cliRunProblems({ ...clean, status: 3 }, run)).toHaveLength(1);
  expect(cliRunProblems({ ...clean, status: 3 }, { command: "pcap", args: [] })).toEqual([]);
  expect(cliRunProblems({ ...clean, rss: 600 * 2 ** 20 }, run)).toEqual(["peak RSS 600 MiB over 256 MiB"]);
  expect(cliRunProblems({ ...clean, rss: 90 * 2 ** 20 }, run)).toEqual([]);
  expect(cliRunProblems({ ...clean, stderr: "ftp-reply: internal error: x\n" }, run)).toEqual([
    "internal error",
  ]);
  expect(cliRunProblems({ ...clean, stderr: "Error: x\n    at main (a.js:1:1)\n" }, run)).toEqual([
    "a stack trace",
  ]);
  expect(cliRunProblems({ ...clean, stdout: "S: 220 \u001b]0;x\u0007\n" }, run)).toEqual([
    "a raw control character in stdout",
  ]);
  expect(cliRunProblems({ ...clean, stdout: "\u001b[32m220\u001b[39m \u202e\n" }, run)).toEqual([
    "a raw bidi control in stdout",
  ]);
  expect(
    cliRunProblems({ ...clean, stdout: "220 \u202e\n" }, { command: "parse", args: ["--format=zeek"] }),
  ).toEqual([]);
});
