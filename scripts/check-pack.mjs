#!/usr/bin/env node
// What `npm pack` ships, checked: `npm pack --dry-run` must list the built entries (dist/), and package.json must
// build on `prepack`, so that a pack or a publish from a clean clone ships code. Then the tarball is written to
// reports/package/ftp-reply.tgz for `attw` (and anyone) to read.
//
// Scripts are not run here (`--ignore-scripts`): the test command has just built dist/, and `prepack` would build
// it again. The package tests (test/package/) install that kind of tarball into fresh projects.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const OUT = join(ROOT, "reports", "package");

/** Files every tarball must hold: each `exports` target, the bin, and the docs. */
export function requiredFiles(packageJson) {
  const files = new Set(
    ["package.json", "README.md", "CHANGELOG.md", "LICENSE"].filter((f) => existsSync(join(ROOT, f))),
  );
  const walk = (value) => {
    if (typeof value === "string") files.add(value.replace(/^\.\//, ""));
    else if (value !== null && typeof value === "object")
      for (const inner of Object.values(value)) walk(inner);
  };
  walk(packageJson.exports);
  walk(packageJson.bin);
  for (const field of ["main", "module", "types"]) walk(packageJson[field]);
  for (const map of Object.values(packageJson.typesVersions ?? {})) walk(map);
  return [...files].sort();
}

function npm(args) {
  return execFileSync("npm", args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
}

function main() {
  const packageJson = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  const problems = [];
  const prepack = packageJson.scripts?.prepack ?? "";
  if (!/\bbuild\b/.test(prepack))
    problems.push(`scripts.prepack must build (it is ${JSON.stringify(prepack)})`);

  const [dry] = JSON.parse(npm(["pack", "--dry-run", "--json", "--ignore-scripts"]));
  const shipped = new Set(dry.files.map((file) => file.path));
  for (const file of requiredFiles(packageJson)) {
    if (!shipped.has(file)) problems.push(`the tarball lacks ${file}`);
  }
  const dist = dry.files.filter((file) => file.path.startsWith("dist/"));
  console.log(
    `npm pack --dry-run: ${dry.entryCount} files, ${dist.length} of them in dist/, ${dry.size} bytes packed, ${dry.unpackedSize} unpacked`,
  );
  if (dist.length === 0) problems.push("the tarball ships nothing from dist/ (run npm run build first)");

  if (problems.length > 0) {
    for (const problem of problems) console.error(`check-pack: ${problem}`);
    process.exit(1);
  }
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const [packed] = JSON.parse(npm(["pack", "--json", "--ignore-scripts", "--pack-destination", OUT]));
  renameSync(join(OUT, packed.filename), join(OUT, "ftp-reply.tgz"));
  console.log(`wrote ${join("reports", "package", "ftp-reply.tgz")}`);
}

main();
