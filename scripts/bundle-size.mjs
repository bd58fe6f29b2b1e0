#!/usr/bin/env node
// Bundle sizes of the built package, as an app ships it: for each import below, a one-line app that uses it is
// bundled for the browser by esbuild, by Rollup (with @rollup/plugin-node-resolve; Rollup has no minifier of its
// own, so its output is minified by esbuild's) and by Vite's production build; the size is the minified JS, and
// that gzipped (-9). Each row has a budget, checked against every bundler.
//
//   node scripts/bundle-size.mjs                  print the table
//   node scripts/bundle-size.mjs --write          also write it into README.md and docs/package.md (between the
//                                                 `<!-- bundle-size:start -->` and `<!-- bundle-size:end -->` marks)
//   node scripts/bundle-size.mjs --check          exit 1 when a row is over its budget
//   --package-dir DIR                             the package to measure (default: this repository, built);
//                                                 the package tests pass the unpacked tarball
//   --json                                        print the measurements as JSON
//
// A row whose entry the package does not export yet is "pending": it is printed with its reason and skipped,
// never silently dropped.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const KIB = 1024;

/**
 * What an app imports, and what it may cost. `names: "*"` keeps the whole namespace. Budgets are minified and
 * gzipped bytes, for every bundler.
 */
export const ROWS = [
  {
    id: "decoders",
    from: "ftp-reply",
    names: ["parsePasv", "parseEpsv"],
    budget: { minified: 5 * KIB, gzipped: 2.5 * KIB },
  },
  {
    id: "passive-target",
    from: "ftp-reply",
    names: ["resolvePassiveTarget"],
    budget: { minified: 10 * KIB, gzipped: 4 * KIB },
  },
  {
    id: "error-guards",
    from: "ftp-reply",
    names: ["isReplyParseError", "isReplyDecodeError"],
    budget: { minified: 1 * KIB, gzipped: 1 * KIB },
  },
  {
    id: "lite-parser",
    from: "ftp-reply/lite",
    names: ["createReplyParser"],
    // 16/6 until issue 15: bounded long-reply bytes (a growing byte buffer) and the throw-safe splitter cost ~0.5 KiB;
    // 17/6.5 until issue 14's speed work: held inner lines and the range decoder (+15–60 % at 64-byte chunks) cost
    // ~1.3 KiB.
    budget: { minified: 18 * KIB, gzipped: 7 * KIB },
  },
  {
    id: "parser",
    from: "ftp-reply",
    names: ["createReplyParser"],
    // 15 KiB gzipped until issue 15 (and the retained-bytes accounting the memory properties read).
    budget: { minified: 48 * KIB, gzipped: 16 * KIB },
  },
  {
    id: "stream",
    from: "ftp-reply",
    names: ["readReplies", "ReplyParserStream"],
    budget: { minified: 48 * KIB, gzipped: 16 * KIB },
  },
  {
    id: "codes",
    from: "ftp-reply",
    names: ["describeCode", "formatCode"],
    budget: { minified: 34 * KIB, gzipped: 10 * KIB },
  },
  {
    id: "session",
    from: "ftp-reply",
    names: ["createReplyParser", "createCommandParser", "createSession"],
    budget: { minified: 84 * KIB, gzipped: 26 * KIB },
  },
  {
    id: "everything",
    from: "ftp-reply",
    names: "*",
    // 100/32 until issue 19's scored pairing and issue 15's session caps and accounting joined the core.
    budget: { minified: 104 * KIB, gzipped: 35 * KIB },
  },
];

export const BUNDLERS = ["esbuild", "rollup", "vite"];

function entrySource(row) {
  if (row.names === "*") return `import * as all from "${row.from}";\nglobalThis.__ftpReplyKeep = all;\n`;
  return `import { ${row.names.join(", ")} } from "${row.from}";\nglobalThis.__ftpReplyKeep = [${row.names.join(", ")}];\n`;
}

function importText(row) {
  return row.names === "*"
    ? `import * as all from "${row.from}"`
    : `import { ${row.names.join(", ")} } from "${row.from}"`;
}

/** True when the package's `exports` has the subpath `from` names. */
function exportsEntry(packageJson, from) {
  const subpath = from === packageJson.name ? "." : `.${from.slice(packageJson.name.length)}`;
  return packageJson.exports !== undefined && Object.hasOwn(packageJson.exports, subpath);
}

function sizes(code) {
  const bytes = typeof code === "string" ? Buffer.from(code) : Buffer.from(code);
  return { minified: bytes.length, gzipped: gzipSync(bytes, { level: 9 }).length };
}

async function bundleEsbuild(entry) {
  const { build } = await import("esbuild");
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "silent",
  });
  return sizes(result.outputFiles[0].contents);
}

async function bundleRollup(entry) {
  const { rollup } = await import("rollup");
  const { nodeResolve } = await import("@rollup/plugin-node-resolve");
  const { transform } = await import("esbuild");
  const bundle = await rollup({
    input: entry,
    plugins: [nodeResolve({ browser: true })],
    logLevel: "silent",
  });
  try {
    const { output } = await bundle.generate({ format: "es" });
    const code = output
      .filter((chunk) => chunk.type === "chunk")
      .map((chunk) => chunk.code)
      .join("\n");
    const minified = await transform(code, { minify: true, format: "esm", target: "es2022", loader: "js" });
    return sizes(minified.code);
  } finally {
    await bundle.close();
  }
}

async function bundleVite(entry, root) {
  const { build } = await import("vite");
  const result = await build({
    root,
    configFile: false,
    logLevel: "silent",
    build: {
      write: false,
      minify: true,
      target: "es2022",
      modulePreload: false,
      reportCompressedSize: false,
      rollupOptions: { input: entry },
    },
  });
  const outputs = Array.isArray(result) ? result : [result];
  const code = outputs
    .flatMap((out) => out.output)
    .filter((chunk) => chunk.type === "chunk")
    .map((chunk) => chunk.code)
    .join("\n");
  return sizes(code);
}

const BUNDLE = { esbuild: bundleEsbuild, rollup: bundleRollup, vite: bundleVite };

/**
 * Measures every row with every bundler. Returns `{ rows: [{ ...row, import, status, results, over }] }`:
 * `status` is "ok", "over" or "pending"; `results[bundler]` is `{ minified, gzipped }`; `over` lists the failures.
 */
export async function measure(packageDir = ROOT) {
  const packageJson = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8"));
  const work = mkdtempSync(join(tmpdir(), "ftp-reply-size-"));
  try {
    mkdirSync(join(work, "node_modules"), { recursive: true });
    symlinkSync(resolve(packageDir), join(work, "node_modules", packageJson.name), "dir");
    writeFileSync(join(work, "package.json"), '{ "name": "size-app", "private": true, "type": "module" }\n');
    const rows = [];
    for (const row of ROWS) {
      const base = { id: row.id, import: importText(row), budget: row.budget };
      if (!exportsEntry(packageJson, row.from)) {
        rows.push({ ...base, status: "pending", reason: row.pendingReason ?? `${row.from} is not exported` });
        continue;
      }
      const entry = join(work, `${row.id}.js`);
      writeFileSync(entry, entrySource(row));
      const results = {};
      const over = [];
      for (const bundler of BUNDLERS) {
        const result = await BUNDLE[bundler](entry, work);
        results[bundler] = result;
        for (const key of ["minified", "gzipped"]) {
          if (result[key] > row.budget[key]) {
            over.push(`${bundler} ${key} ${result[key]} B > budget ${row.budget[key]} B`);
          }
        }
      }
      rows.push({ ...base, status: over.length > 0 ? "over" : "ok", results, over });
    }
    return { rows };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function kib(bytes) {
  return `${(bytes / KIB).toFixed(1)} KiB`;
}

/** The markdown table (without the marks). */
export function formatTable({ rows }) {
  const lines = [
    "| import | esbuild min / gzip | Rollup min / gzip | Vite min / gzip | budget min / gzip |",
    "| --- | --- | --- | --- | --- |",
  ];
  for (const row of rows) {
    const budget = `${kib(row.budget.minified)} / ${kib(row.budget.gzipped)}`;
    const cells =
      row.status === "pending"
        ? BUNDLERS.map(() => "pending")
        : BUNDLERS.map((b) => `${kib(row.results[b].minified)} / ${kib(row.results[b].gzipped)}`);
    const mark = row.status === "over" ? " **over budget**" : "";
    lines.push(`| \`${row.import}\` | ${cells.join(" | ")} | ${budget}${mark} |`);
  }
  const pending = rows.filter((row) => row.status === "pending");
  for (const row of pending) lines.push("", `Pending: \`${row.import}\`: ${row.reason}.`);
  return lines.join("\n");
}

const START = "<!-- bundle-size:start -->";
const END = "<!-- bundle-size:end -->";
export const TABLE_FILES = ["README.md", "docs/package.md"];

/** The table committed in `file`, or undefined when the file has no marks. */
export function committedTable(file) {
  const text = readFileSync(join(ROOT, file), "utf8");
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start < 0 || end < start) return undefined;
  return text.slice(start + START.length, end).trim();
}

function writeTable(file, table) {
  const path = join(ROOT, file);
  const text = readFileSync(path, "utf8");
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${file} has no ${START} … ${END} marks`);
  writeFileSync(path, `${text.slice(0, start + START.length)}\n${table}\n${text.slice(end)}`);
}

async function main(argv) {
  const options = { write: false, check: false, json: false, packageDir: ROOT };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--write") options.write = true;
    else if (arg === "--check") options.check = true;
    else if (arg === "--json") options.json = true;
    else if (arg === "--package-dir") options.packageDir = resolve(argv[++i] ?? ".");
    else throw new Error(`unknown argument ${arg}`);
  }
  const measured = await measure(options.packageDir);
  const table = formatTable(measured);
  console.log(options.json ? JSON.stringify(measured, null, 2) : table);
  for (const row of measured.rows) {
    if (row.status === "pending") console.error(`skipped (pending): ${row.import}: ${row.reason}`);
  }
  if (options.write) {
    for (const file of TABLE_FILES) writeTable(file, table);
  } else {
    for (const file of TABLE_FILES) {
      if (committedTable(file) !== table) {
        console.error(`note: the table in ${file} differs from this run; update it with --write`);
      }
    }
  }
  const over = measured.rows.filter((row) => row.status === "over");
  for (const row of over) console.error(`over budget: ${row.import}: ${row.over.join("; ")}`);
  if (options.check && over.length > 0) process.exitCode = 1;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main(process.argv.slice(2));
}
