// A/B of two builds of the library, interleaved in one process (for before/after numbers of a parser change):
//   node bench/ab.mjs <dist A> <dist B> [rounds] [filter, e.g. "STAT listings 64 B"]
//
// Each round times A, B and the floor once (each repeated for about 30 ms of wall time, the order rotating), and
// the ratios are taken within the round: a machine whose speed drifts (other jobs, a shared VM) moves the three
// alike. Printed: the median of the per-round ratios and their interquartile range, which is the noise to state.
// No forced GC between contenders: a forced full GC deoptimises code that embedded the previous passes' objects
// (see throughput.mjs), which is not what a long-running client sees. CPU=1 times main-thread CPU instead (on a
// VM whose CPU clock ticks every few ms, use MS=200 or more).
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { floorContender, ftpReplyContender } from "./contenders.mjs";
import { chunk, fixtureCorpus, listingCorpus, scaleDown, sessionCorpus } from "./corpus.mjs";
import { threadCpuMs } from "./throughput.mjs";

const [distA, distB, roundsArgument = "11", only = ""] = process.argv.slice(2);
const load = async (directory) => import(pathToFileURL(join(resolve(directory), "index.js")).href);
const libraryA = await load(distA);
const A = ftpReplyContender(libraryA);
const B = ftpReplyContender(await load(distB));
const floor = floorContender();
const clock = process.env.CPU === "1" ? threadCpuMs : () => performance.now();
const windowMs = Number(process.env.MS ?? 30);
const rounds = Number(roundsArgument);

const corpora = {
  "session mix": () => sessionCorpus(2 * 1024 * 1024),
  "STAT listings": () => listingCorpus(2 * 1024 * 1024),
  // The real-server corpus, cut into replies by build A.
  "real servers": () =>
    fixtureCorpus(resolve(fileURLToPath(import.meta.url), "../.."), 2 * 1024 * 1024, libraryA),
};
const chunkings = [
  ["whole", Number.POSITIVE_INFINITY],
  ["64 KiB", 65536],
  ["1460 B", 1460],
  ["64 B", 64, 512 * 1024],
  ["1 B", 1, 128 * 1024],
];

function quantile(values, q) {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(q * (sorted.length - 1))];
}

/** Milliseconds per pass over `chunks`, the pass repeated for about `windowMs`. */
function time(contender, chunks) {
  const start = clock();
  let passes = 0;
  do {
    contender.run(chunks, performance.now() + 10_000);
    passes++;
  } while (clock() - start < windowMs);
  return (clock() - start) / passes;
}

console.log(
  `A = ${distA}, B = ${distB}: ${process.env.CPU === "1" ? "main-thread CPU" : "wall"} time, ${rounds} rounds, ` +
    "median of the per-round ratios [interquartile range]",
);
for (const [name, makeCorpus] of Object.entries(corpora)) {
  if (!chunkings.some(([label]) => `${name} ${label}`.includes(only))) continue;
  const corpus = makeCorpus();
  for (const [label, size, scaleTo] of chunkings) {
    if (!`${name} ${label}`.includes(only)) continue;
    const cellCorpus = scaleTo === undefined ? corpus : scaleDown(corpus, scaleTo);
    const chunks = chunk(cellCorpus.data, size, false);
    const check = [A, B].map((contender) => contender.run(chunks, performance.now() + 10_000).replies);
    for (let warm = 0; warm < 3; warm++) for (const contender of [A, B, floor]) time(contender, chunks);
    const bOverA = [];
    const aOverFloor = [];
    const bOverFloor = [];
    for (let round = 0; round < rounds; round++) {
      const order = [A, B, floor];
      for (let turn = 0; turn < round % 3; turn++) order.push(order.shift());
      const ms = new Map(order.map((contender) => [contender, time(contender, chunks)]));
      bOverA.push(ms.get(A) / ms.get(B));
      aOverFloor.push(ms.get(floor) / ms.get(A));
      bOverFloor.push(ms.get(floor) / ms.get(B));
    }
    const cell = (values) =>
      `${quantile(values, 0.5).toFixed(2)} [${quantile(values, 0.25).toFixed(2)}–${quantile(values, 0.75).toFixed(2)}]`;
    console.log(
      `${name.padEnd(14)} ${label.padEnd(7)} B/A ${cell(bOverA)}  A/floor ${cell(aOverFloor)}  B/floor ${cell(bOverFloor)}  replies ${check.join("/")}/${cellCorpus.replies}`,
    );
  }
}
