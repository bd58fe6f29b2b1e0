// Mutation testing (issue 7). Stryker 9.6.1 with @stryker-mutator/vitest-runner 9.6.1: the newest release line
// that runs on Node 20 (Stryker 10.x requires Node >= 22).
//
// One run mutates one module, chosen by MUTATE_MODULE (scripts/mutate.mjs sets it; `npm run mutate` runs them
// all in turn). Each module has its own incremental file, so a re-run only tests mutants whose code or tests
// changed, and its own reports. Each module is tested by its own unit tests (`testFiles`): the module's tests
// must kill its mutants by themselves, and slow interop or CLI tests stay out of the loop (the tests are chosen
// in stryker.vitest.config.mjs).

/** @type {Record<string, { mutate: string[]; testFiles: string[]; env?: Record<string, string> }>} */
export const MODULES = {
  // The line splitter and the Telnet machine, killed by every test of what is built on them.
  lines: {
    mutate: ["src/lines/**/*.ts"],
    testFiles: [
      "test/lines/**/*.test.ts",
      "test/reply/**/*.test.ts",
      "test/command/**/*.test.ts",
      "test/specs/**/*.test.ts",
      "test/regressions.test.ts",
    ],
    // Property tests run against every mutant (their seed is fixed under Stryker): 25 runs each, not 100.
    env: { FC_RUNS: "25" },
  },
  reply: {
    mutate: ["src/reply/**/*.ts"],
    testFiles: [
      "test/reply/**/*.test.ts",
      "test/specs/**/*.test.ts",
      "test/stream*.test.ts",
      "test/regressions.test.ts",
    ],
    env: { FC_RUNS: "25" },
  },
  command: {
    mutate: ["src/command/**/*.ts"],
    testFiles: ["test/command/**/*.test.ts", "test/specs/**/*.test.ts", "test/regressions.test.ts"],
  },
  codes: {
    mutate: ["src/codes.ts"],
    testFiles: ["test/codes*.test.ts", "test/codes*.test.ts"],
  },
  // The decoders' tests include hostile inputs a megabyte long, which take tens of seconds per mutant under
  // Stryker's instrumentation: FTP_REPLY_MUTATION=1 shrinks them to 16 KiB (still far above any real reply; the
  // linear-cost guarantee is measured by the bench, not by these tests; see test/decode/support.ts), and FC_RUNS
  // lowers the property-test run count. `npm test` runs the full sizes. test/regressions.test.ts is left out: it
  // holds no decoder case (its regressions are the parser's and the stream's).
  decode: {
    mutate: ["src/decode/**/*.ts"],
    testFiles: ["test/decode/**/*.test.ts", "test/decode/**/*.test.ts"],
    env: { FTP_REPLY_MUTATION: "1", FC_RUNS: "25" },
  },
  // The 227/229 path alone (decoders and the number-chain scanner), tested by its own files: a quick check.
  "decode-passive": {
    mutate: ["src/decode/pasv.ts", "src/decode/epsv.ts", "src/decode/numbers.ts"],
    testFiles: ["test/decode/pasv.test.ts", "test/decode/epsv.test.ts", "test/decode/passive-edges.test.ts"],
    env: { FTP_REPLY_MUTATION: "1", FC_RUNS: "25" },
  },
  // The session (pairing, §5.4 rules, what replies teach) and the connection that composes it.
  dialogue: {
    mutate: ["src/connection/*.ts", "src/decode/port.ts"],
    testFiles: ["test/connection/*.test.ts", "test/specs/**/*.test.ts", "test/decode/port.test.ts"],
  },
};

const name = process.env.MUTATE_MODULE ?? "reply";
const module = MODULES[name];
if (module === undefined) {
  throw new Error(`MUTATE_MODULE=${name} is not one of ${Object.keys(MODULES).join(", ")}`);
}
// A module's `env`: test settings for mutation runs, unless set on the command line. Stryker's test-runner
// processes inherit this process's environment, and stryker.vitest.config.mjs loads this file again in each.
for (const [key, setting] of Object.entries(module.env ?? {})) process.env[key] ??= setting;
const sample = process.env.MUTATE_SAMPLE; // e.g. "src/parser.ts:120-180,src/parser.ts:400-460" (CI sample)
const reportDir = `reports/stryker/${name}${sample ? "-sample" : ""}`;

export default {
  testRunner: "vitest",
  // The module's own tests, chosen by stryker.vitest.config.mjs (not `testFiles`: see there why).
  vitest: { configFile: "stryker.vitest.config.mjs", related: false },
  coverageAnalysis: "perTest",
  mutate: sample ? sample.split(",") : module.mutate,
  // Two shared cores: one worker by default; STRYKER_CONCURRENCY=2 on an idle machine.
  concurrency: Number(process.env.STRYKER_CONCURRENCY ?? 1),
  incremental: !sample,
  incrementalFile: `${reportDir}/incremental.json`,
  reporters: ["clear-text", "progress", "json", "html"],
  jsonReporter: { fileName: `${reportDir}/mutation.json` },
  htmlReporter: { fileName: `${reportDir}/mutation.html` },
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0 },
  // The gate of issue 7: a module under 85% fails the run.
  thresholds: { high: 90, low: 85, break: 85 },
  // The machine is shared with other jobs: be generous before calling a slow mutant a timeout.
  timeoutMS: 10_000,
  timeoutFactor: 2,
  dryRunTimeoutMinutes: 20,
  // Not needed by unit tests, and large or changing while Stryker copies the tree into its sandbox.
  ignorePatterns: ["coverage", "dist", "bench", ".fuzz-state", "fuzz", "reports", "*.tgz"],
  tempDirName: ".stryker-tmp",
  cleanTempDir: true,
};
