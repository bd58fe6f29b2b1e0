#!/usr/bin/env node
/**
 * Mutation testing, one module at a time (issue 7): `npm run mutate` runs Stryker over every module of
 * stryker.config.mjs in turn; `npm run mutate -- parser dialogue` over the named ones. Each run is incremental
 * (reports/stryker/<module>/incremental.json), so a re-run only tests mutants whose code or tests changed;
 * `--force` re-tests everything.
 *
 * `npm run mutate -- --sample [--seed N] [--lines 40] [--windows 2] [modules…]` is the CI sample: a few windows
 * of lines picked from each module by the seed (printed), not incremental, failing under the same 85% gate.
 *
 * After the runs a per-module table (killed, survived, timeout, no coverage, score) and the surviving mutants
 * are printed and written to reports/stryker/summary.json, the raw material of reports/mutation/MUTANTS.md.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MODULES } from "../stryker.config.mjs";

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const value = (name, fallback) => {
  const at = args.indexOf(name);
  return at === -1 ? fallback : args[at + 1];
};
const valueFlags = new Set(["--seed", "--lines", "--windows", "--concurrency"]);
const names = args.filter((a, i) => !a.startsWith("--") && !valueFlags.has(args[i - 1] ?? ""));
const sample = flag("--sample");
// decode-passive is a subset of decode (see stryker.config.mjs): run it by name.
const selected = names.length > 0 ? names : Object.keys(MODULES).filter((name) => name !== "decode-passive");
for (const name of selected) {
  if (!(name in MODULES)) {
    console.error(`unknown module ${name}; one of: ${Object.keys(MODULES).join(", ")}`);
    process.exit(2);
  }
}

/** The files a `mutate` pattern names (`*` within a folder, `**` across folders); Node 20 has no fs.globSync. */
function expand(pattern) {
  if (!pattern.includes("*")) return existsSync(pattern) ? [pattern] : [];
  const base =
    pattern
      .slice(0, pattern.indexOf("*"))
      .replace(/[^/]*$/, "")
      .replace(/\/$/, "") || ".";
  const source = pattern
    .replace(/[.+?^${}()|[\]\\]/g, "\\$&")
    .replace(/\*\*\//g, "\u0000")
    .replace(/\*/g, "[^/]*")
    .replaceAll("\u0000", "(?:.*/)?");
  const matcher = new RegExp(`^${source}$`);
  const found = [];
  const walk = (dir) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (matcher.test(path)) found.push(path);
    }
  };
  walk(base);
  return found;
}

/** A small deterministic generator (mulberry32) for the sample windows. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sampleWindows(files, seed, lines, windows) {
  const next = random(seed);
  const picked = [];
  for (const file of files) {
    const count = readFileSync(file, "utf8").split("\n").length;
    for (let i = 0; i < windows; i++) {
      const start = 1 + Math.floor(next() * Math.max(1, count - lines));
      picked.push(`${file}:${start}-${Math.min(count, start + lines - 1)}`);
    }
  }
  return picked;
}

// One file of explanations per module (scripts/mutation/equivalent-<module>.json), all read together.
const EQUIVALENTS_DIR = "scripts/mutation";
// The run records are build output (reports/ is not committed); the explanations above are source.
const LAST_RUN_FILE = "reports/mutation/last-run.json";
const MUTANTS_FILE = "reports/mutation/MUTANTS.md";

const squeeze = (text) => text.replace(/\s+/g, " ").trim();

/**
 * A surviving mutant is matched to its explanation by file, mutator, original line, the code it replaces (`span`)
 * and its replacement — not by line number, which moves with every edit. The span tells apart mutants of one line
 * with the same replacement (`false` for the whole condition, or for one operand of it).
 */
function keyOf(m) {
  return [
    m.at.split(":")[0],
    m.mutator,
    m.original.trim(),
    squeeze(m.span ?? ""),
    squeeze(m.replacement),
  ].join(" | ");
}

function mutantsMarkdown(record) {
  const rows = Object.entries(record.modules)
    .map(
      ([name, m]) =>
        `| ${name} | ${m.date.slice(0, 16).replace("T", " ")} UTC | ${m.Killed} | ${m.Timeout} | ${m.Survived} | ${m.NoCoverage} | ${m.score.toFixed(2)}% | ${m.minutes ?? "?"} |`,
    )
    .join("\n");
  const cell = (text) => `\`${text.replace(/\s+/g, " ").replaceAll("|", "\\|").slice(0, 140)}\``;
  const sections = Object.entries(record.modules)
    .map(([name, m]) => {
      if (m.survivors.length === 0) return `### ${name}\n\nNo surviving mutant.\n`;
      const list = m.survivors
        .map(
          (s) =>
            `| ${s.at} | ${s.status} | ${s.mutator} | ${cell(s.original)} | ${cell(s.span ?? "")} | ${cell(s.replacement)} | ${(s.reason ?? "**not explained yet: kill it or explain it**").replaceAll("|", "\\|")} |`,
        )
        .join("\n");
      return `### ${name}\n\n| where | status | mutator | original line | code replaced | replacement | why it is equivalent |\n|---|---|---|---|---|---|---|\n${list}\n`;
    })
    .join("\n");
  return `# Surviving mutants

Generated by \`npm run mutate\` (scripts/mutate.mjs) from reports/mutation/last-run.json (the last full run of each
module) and scripts/mutation/equivalent-<module>.json (why each surviving mutant is equivalent). Do not edit by hand: explain
a mutant in equivalent-<module>.json, or kill it with a test (the module's tests), then re-run \`npm run mutate\`.

Stryker 9.6.1 with @stryker-mutator/vitest-runner 9.6.1 (the newest line that runs on Node 20; 10.x needs
Node 22), \`coverageAnalysis: "perTest"\`, each module tested by its own unit tests only (see stryker.config.mjs).
Score = (killed + timeout) / (killed + timeout + survived + no coverage).

| module | run finished | killed | timeout | survived | no coverage | score | minutes |
|---|---|---:|---:|---:|---:|---:|---:|
${rows}

${record.notes ? `## Notes on the figures\n\n${record.notes}\n\n` : ""}## Survivors

${sections}`;
}

const seed = Number(value("--seed", String(Date.now() % 2 ** 31)));
const summary = { date: new Date().toISOString(), sample: sample ? { seed } : undefined, modules: {} };
let failed = false;

for (const name of selected) {
  const module = MODULES[name];
  const files = module.mutate.flatMap(expand).sort();
  if (files.length === 0) {
    console.log(`\n── ${name}: no files yet (${module.mutate.join(", ")}), skipped`);
    continue;
  }
  const env = { ...process.env, MUTATE_MODULE: name };
  if (value("--concurrency")) env.STRYKER_CONCURRENCY = value("--concurrency");
  if (sample) {
    env.MUTATE_SAMPLE = sampleWindows(
      files,
      seed + name.length,
      Number(value("--lines", "40")),
      Number(value("--windows", "2")),
    ).join(",");
    console.log(`\n── ${name}: sample seed ${seed}: ${env.MUTATE_SAMPLE}`);
  } else {
    console.log(`\n── ${name}: ${files.join(", ")}`);
  }
  const strykerArgs = ["stryker", "run", "stryker.config.mjs"];
  if (flag("--force")) strykerArgs.push("--force");
  const started = Date.now();
  const run = flag("--report-only")
    ? { status: 0 }
    : spawnSync("node_modules/.bin/stryker", strykerArgs.slice(1), { stdio: "inherit", env });
  const minutes = (Date.now() - started) / 60_000;
  if (run.status !== 0) failed = true;
  if (flag("--report-only")) console.log("(--report-only: the last report is summarized, nothing is run)");
  const reportFile = `reports/stryker/${name}${sample ? "-sample" : ""}/mutation.json`;
  if (!existsSync(reportFile)) {
    summary.modules[name] = { error: `no report (exit ${run.status})` };
    continue;
  }
  const reportOnly = flag("--report-only");
  summary.modules[name] = {
    ...summarize(JSON.parse(readFileSync(reportFile, "utf8"))),
    // The run's end: the report's time (with --report-only the run is the one that wrote it, its length unknown).
    reportDate: statSync(reportFile).mtime.toISOString(),
    minutes: reportOnly ? null : +minutes.toFixed(1),
  };
}

/** Counts of the mutation-testing-elements JSON report, and the mutants that lived. */
function summarize(report) {
  const counts = {
    Killed: 0,
    Survived: 0,
    Timeout: 0,
    NoCoverage: 0,
    CompileError: 0,
    RuntimeError: 0,
    Ignored: 0,
  };
  const survivors = [];
  for (const [file, result] of Object.entries(report.files)) {
    const lines = result.source.split("\n");
    for (const mutant of result.mutants) {
      counts[mutant.status] = (counts[mutant.status] ?? 0) + 1;
      if (mutant.status === "Survived" || mutant.status === "NoCoverage") {
        const { start, end } = mutant.location;
        const line = start.line;
        const spanLines = lines.slice(start.line - 1, end.line);
        spanLines[spanLines.length - 1] = spanLines.at(-1).slice(0, end.column - 1);
        spanLines[0] = spanLines[0].slice(start.column - 1);
        survivors.push({
          id: mutant.id,
          status: mutant.status,
          at: `${file}:${line}:${start.column}`,
          mutator: mutant.mutatorName,
          original: (lines[line - 1] ?? "").trim(),
          span: squeeze(spanLines.join("\n")).slice(0, 200),
          replacement: mutant.replacement,
        });
      }
    }
  }
  const detected = counts.Killed + counts.Timeout;
  const valid = detected + counts.Survived + counts.NoCoverage;
  const covered = detected + counts.Survived;
  return {
    ...counts,
    score: valid === 0 ? 100 : +((100 * detected) / valid).toFixed(2),
    scoreCovered: covered === 0 ? 100 : +((100 * detected) / covered).toFixed(2),
    survivors,
  };
}

mkdirSync("reports/stryker", { recursive: true });
writeFileSync(
  `reports/stryker/summary${sample ? "-sample" : ""}.json`,
  `${JSON.stringify(summary, null, 2)}\n`,
);

// The committed record: the last full result of each module, merged (running one module updates its entry).
const equivalents = readdirSync(EQUIVALENTS_DIR)
  .filter((file) => /^equivalent-.+\.json$/.test(file))
  .flatMap((file) => JSON.parse(readFileSync(join(EQUIVALENTS_DIR, file), "utf8")));
const reasonOf = (s) => equivalents.find((e) => keyOf(e) === keyOf(s))?.reason;
let unexplained = 0;
for (const m of Object.values(summary.modules)) {
  for (const s of m.survivors ?? []) {
    s.reason = reasonOf(s);
    if (s.reason === undefined) unexplained++;
  }
}
if (!sample) {
  const record = existsSync(LAST_RUN_FILE)
    ? JSON.parse(readFileSync(LAST_RUN_FILE, "utf8"))
    : { modules: {} };
  for (const [name, m] of Object.entries(summary.modules)) {
    if (!m.error)
      record.modules[name] = {
        date: m.reportDate ?? summary.date,
        ...m,
        // --report-only re-reads the last report: keep the length of the run that wrote it.
        minutes: m.minutes ?? record.modules[name]?.minutes ?? null,
      };
  }
  mkdirSync("reports/mutation", { recursive: true });
  writeFileSync(LAST_RUN_FILE, `${JSON.stringify(record, null, 2)}\n`);
  writeFileSync(MUTANTS_FILE, mutantsMarkdown(record));
}

console.log(`\nmutation testing ${summary.date}${sample ? ` (sample, seed ${seed})` : ""}`);
console.log("module     killed survived timeout nocov  score  minutes");
for (const [name, m] of Object.entries(summary.modules)) {
  if (m.error) {
    console.log(`${name.padEnd(10)} ${m.error}`);
    continue;
  }
  console.log(
    `${name.padEnd(10)} ${String(m.Killed).padStart(6)} ${String(m.Survived).padStart(8)} ${String(m.Timeout).padStart(7)} ${String(m.NoCoverage).padStart(5)} ${m.score.toFixed(2).padStart(6)}% ${String(m.minutes ?? "?").padStart(7)}`,
  );
  for (const s of m.survivors) {
    if (s.reason === undefined)
      console.log(`  unexplained ${s.status} ${s.at} ${s.mutator}: ${s.original}  →  ${s.replacement}`);
  }
}
if (unexplained > 0) {
  console.log(
    `\n${unexplained} surviving mutant(s) neither killed nor explained in ${EQUIVALENTS_DIR}/equivalent-<module>.json`,
  );
  if (flag("--strict") || sample) failed = true;
}
process.exit(failed ? 1 : 0);
