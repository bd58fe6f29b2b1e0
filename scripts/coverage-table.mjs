// The "Last result" table of docs/quality.md from `coverage/coverage-summary.json` (written by `npm run coverage`
// or `npm test`): lines and branches per module group, summed over the group's files as vitest's thresholds are.
//   node scripts/coverage-table.mjs [coverage/coverage-summary.json]
import { readFileSync } from "node:fs";
import { relative, resolve } from "node:path";

const GROUPS = [
  ["`src/lines/**`", (f) => f.startsWith("src/lines/")],
  ["`src/reply/**`", (f) => f.startsWith("src/reply/")],
  ["`src/command/**`", (f) => f.startsWith("src/command/")],
  ["`src/connection/**`", (f) => f.startsWith("src/connection/")],
  ["`src/codes.ts`", (f) => f === "src/codes.ts"],
  ["`src/decode/**`", (f) => f.startsWith("src/decode/")],
  ["`src/client/**`", (f) => f.startsWith("src/client/")],
  ["`src/stream.ts` · `src/records.ts`", (f) => f === "src/stream.ts" || f === "src/records.ts"],
  ["`src/node/pcap/**`", (f) => f.startsWith("src/node/pcap/")],
  ["`src/node/transcripts/**`", (f) => f.startsWith("src/node/transcripts/")],
  ["`src/cli/**` (main.ts aside)", (f) => f.startsWith("src/cli/")],
  ["all of `src/`", () => true],
];

const summary = JSON.parse(readFileSync(process.argv[2] ?? "coverage/coverage-summary.json", "utf8"));
const files = Object.entries(summary)
  .filter(([name]) => name !== "total")
  .map(([name, data]) => [relative(resolve("."), name), data]);
const percent = (covered, total) => (total === 0 ? "100%" : `${((100 * covered) / total).toFixed(2)}%`);

console.log("| module | lines | branches |\n|---|---:|---:|");
for (const [label, inGroup] of GROUPS) {
  const sum = { lines: [0, 0], branches: [0, 0] };
  for (const [name, data] of files) {
    if (!inGroup(name)) continue;
    for (const key of ["lines", "branches"]) {
      sum[key][0] += data[key].covered;
      sum[key][1] += data[key].total;
    }
  }
  console.log(`| ${label} | ${percent(...sum.lines)} | ${percent(...sum.branches)} |`);
}
