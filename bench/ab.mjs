// A/B of two builds of the library, interleaved in one process (for before/after numbers of a parser change):
//   node bench/ab.mjs <dist A> <dist B> [rounds] [filter, e.g. "STAT listings 64 B"]
// Wall time; CPU=1 for main-thread CPU time (on a VM whose CPU clock ticks every few ms, only with long passes).
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import v8 from "node:v8";
import vm from "node:vm";
import { floorContender, ftpReplyContender } from "./contenders.mjs";
import { fixtureCorpus, listingCorpus, scaleDown, sessionCorpus } from "./corpus.mjs";
import { measureCell } from "./throughput.mjs";

v8.setFlagsFromString("--expose-gc");
const collectGarbage = vm.runInNewContext("gc");
const [distA, distB, roundsArgument = "5", only = ""] = process.argv.slice(2);
const load = async (directory) => import(pathToFileURL(join(resolve(directory), "index.js")).href);
const contenders = [
  ftpReplyContender(await load(distA)),
  ftpReplyContender(await load(distB)),
  floorContender(),
];
const session = sessionCorpus(2 * 1024 * 1024);
const listing = listingCorpus(2 * 1024 * 1024);
// The real-server corpus, cut into replies by build A.
const fixtures = fixtureCorpus(
  resolve(fileURLToPath(import.meta.url), "../.."),
  2 * 1024 * 1024,
  await load(distA),
);
console.log(
  `A = ${distA}, B = ${distB} (${process.env.CPU === "1" ? "main-thread CPU time" : "wall time"}, best of the rounds: least disturbed by other load)`,
);
for (const [name, corpus] of [
  ["session mix", session],
  ["STAT listings", listing],
  ["real servers", fixtures],
]) {
  for (const [label, size, scaleTo] of [
    ["whole", Number.POSITIVE_INFINITY],
    ["64 KiB", 65536],
    ["1460 B", 1460],
    ["64 B", 64, 512 * 1024],
    ["1 B", 1, 128 * 1024],
  ]) {
    if (!`${name} ${label}`.includes(only)) continue;
    const cellCorpus = scaleTo === undefined ? corpus : scaleDown(corpus, scaleTo);
    const [a, b, floor] = measureCell({
      corpus: cellCorpus,
      chunkSize: size,
      contenders,
      rounds: Number(roundsArgument),
      repeatTargetMs: 60,
      collectGarbage,
      useCpuTime: process.env.CPU === "1",
    });
    const counts = `${a.check?.replies}/${b.check?.replies}/${cellCorpus.replies}`;
    console.log(
      `${name.padEnd(14)} ${label.padEnd(7)} A ${a.bestMbPerSecond.toFixed(1).padStart(7)} MB/s  B ${b.bestMbPerSecond.toFixed(1).padStart(7)} MB/s  B/A ${(b.bestMbPerSecond / a.bestMbPerSecond).toFixed(2)}  floor ${floor.bestMbPerSecond.toFixed(1).padStart(7)} MB/s  A/floor ${(a.bestMbPerSecond / floor.bestMbPerSecond).toFixed(2)}  B/floor ${(b.bestMbPerSecond / floor.bestMbPerSecond).toFixed(2)}  replies ${counts}`,
    );
  }
}
