// Side-by-side throughput: every contender on the same corpus and chunking, interleaved round-robin in one
// process, the median of several rounds reported.
import { readFileSync } from "node:fs";
import { recordTexts } from "./contenders.mjs";
import { chunk } from "./corpus.mjs";

const schedstatPath = `/proc/self/task/${process.pid}/schedstat`;
/**
 * CPU time of the main thread in ms (Linux schedstat, ns resolution): steadier than wall time while other work
 * shares the machine, and unlike getrusage deltas it is exact over short intervals.
 */
export function threadCpuMs() {
  const text = readFileSync(schedstatPath, "latin1");
  return Number(text.slice(0, text.indexOf(" "))) / 1e6;
}

/** A run that takes longer than this is stopped and reported as timed out (a quadratic peer on small chunks). */
export const RUN_DEADLINE_MS = 3000;

/** Untimed passes before each timed measurement, after the forced GC (see `runOnce`). */
const WARM_UP_MS = 250;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Measures one cell (corpus × chunking) for all contenders.
 * `repeatTargetMs`: each measurement repeats the pass until about this long, so short passes are not noise.
 */
/**
 * A reply's text reduced to what every parser must keep: its lines (CR LF or LF between them) without the
 * reply's own code prefix (`ddd-`, `ddd `), joined by "\n", trimmed. Peers differ in exactly that: basic-ftp and
 * ftp-response-parser hand over the whole reply, node-ftp keeps CR LF and trims, ftp-reply gives RFC 959's message.
 */
function comparable(text, code) {
  const prefix = String(code);
  return text
    .split(/\r?\n/)
    .map((line) =>
      line.startsWith(prefix) && (line.length === 3 || line[3] === " " || line[3] === "-")
        ? line.slice(4)
        : line,
    )
    .join("\n")
    .trim();
}

/**
 * The text check: each text against the reply sent (its lines as the corpus wrote them, decoded as the UTF-8 they
 * are). A peer with the right count can still garble the text — decode Latin-1, split a character at a chunk's
 * end, drop blank lines: that is not getting the replies right. Returns how many texts differ and the first one.
 */
function textCheck(replyList, texts) {
  if (texts.length !== replyList.length) return { textsWrong: undefined };
  let textsWrong = 0;
  let firstWrong;
  for (let i = 0; i < texts.length; i++) {
    const lines = replyList[i];
    const code = Number(lines[0].slice(0, 3));
    const expected = comparable(lines.join("\n"), code);
    const got = comparable(texts[i], code);
    if (got === expected) continue;
    textsWrong++;
    if (firstWrong === undefined) {
      let at = 0;
      while (at < got.length && got[at] === expected[at]) at++;
      firstWrong = { reply: i, sent: expected.slice(at, at + 24), got: got.slice(at, at + 24) };
    }
  }
  return { textsWrong, firstWrong };
}

export function measureCell({
  corpus,
  chunkSize,
  contenders,
  rounds,
  repeatTargetMs,
  collectGarbage,
  useCpuTime = false,
}) {
  const inputs = {
    bytes: chunk(corpus.data, chunkSize, false),
    buffer: chunk(corpus.data, chunkSize, true),
  };
  const results = contenders.map((contender) => ({
    contender,
    seconds: [],
    repeats: 1,
    timedOut: false,
    partial: undefined,
    check: undefined,
  }));

  const runOnce = (result) => {
    const chunks = inputs[result.contender.input];
    collectGarbage();
    // A forced full GC also shrinks V8's young generation, and a contender that allocates then runs its next pass
    // with a fraction of its usual young-generation room (measured here: about 100 MB/s instead of 250 for
    // ftp-reply on the session mix). And it deoptimises the code that embedded objects of the passes before, each
    // with its own parser and callbacks (`node --trace-deopt`: "reason: weak objects"), which a long-running client
    // never sees: the first passes after it ran 3–5× slower for about 110 ms on the 2-core machine of 2026-12-03
    // (a 40 ms warm-up left ftp-reply at 0.42 of the floor at 64 B where its steady state is 0.7). Untimed passes
    // for WARM_UP_MS let both settle.
    if (result.check !== undefined) {
      const warmUntil = performance.now() + WARM_UP_MS;
      do result.contender.run(chunks, performance.now() + RUN_DEADLINE_MS);
      while (performance.now() < warmUntil);
    }
    const cpuStart = useCpuTime ? threadCpuMs() : 0;
    const start = performance.now();
    let outcome;
    let passStart = start;
    for (let repeat = 0; repeat < result.repeats; repeat++) {
      // The deadline is per pass: a slow pass times out, not a fast pass repeated many times on a busy machine.
      passStart = performance.now();
      outcome = result.contender.run(chunks, passStart + RUN_DEADLINE_MS);
      if (outcome.timedOut) break;
    }
    const elapsed = performance.now() - start;
    if (outcome.timedOut) {
      result.timedOut = true;
      let fed = 0;
      for (let i = 0; i < (outcome.fedChunks ?? 0); i++) fed += chunks[i].length;
      result.partial = { elapsedMs: performance.now() - passStart, fedBytes: fed };
      return;
    }
    result.check = outcome;
    if (useCpuTime) {
      return (threadCpuMs() - cpuStart) / result.repeats;
    }
    return elapsed / result.repeats;
  };

  // Warm-up round (not counted): lets the JIT settle and sizes the repeat count of each contender.
  for (const result of results) {
    const seconds = runOnce(result);
    if (seconds === undefined) continue;
    result.repeats = Math.max(1, Math.min(200, Math.ceil(repeatTargetMs / Math.max(seconds, 0.01))));
  }
  for (let round = 0; round < rounds; round++) {
    // Rotate the order each round so no contender always runs right after the same other one.
    for (let index = 0; index < results.length; index++) {
      const result = results[(index + round) % results.length];
      if (result.timedOut) continue;
      const milliseconds = runOnce(result);
      if (milliseconds !== undefined) result.seconds.push(milliseconds / 1000);
    }
  }

  // Untimed: does each contender hand its client the replies' texts as sent? (Needs the corpus's reply list.)
  if (corpus.replyList !== undefined) {
    for (const result of results) {
      if (result.contender.limit || result.timedOut) continue;
      const chunks = inputs[result.contender.input];
      const texts = recordTexts(() => result.contender.run(chunks, Number.POSITIVE_INFINITY));
      result.check = { ...result.check, ...textCheck(corpus.replyList, texts) };
    }
  }

  return results.map((result) => {
    const seconds = result.seconds.length > 0 ? median(result.seconds) : undefined;
    const megabytes = corpus.data.length / 1e6;
    return {
      name: result.contender.name,
      limit: result.contender.limit === true,
      floor: result.contender.floor === true,
      timedOut: result.timedOut,
      partial: result.partial,
      seconds,
      bestMbPerSecond: result.seconds.length > 0 ? megabytes / Math.min(...result.seconds) : undefined,
      mbPerSecond: seconds === undefined ? undefined : megabytes / seconds,
      repliesPerSecond: seconds === undefined ? undefined : corpus.replies / seconds,
      check: result.check,
      repeats: result.repeats,
    };
  });
}
