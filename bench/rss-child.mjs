// Child process of the RSS benchmark: streams GIB_TO_STREAM GiB of replies through the parser in 64 KiB chunks
// and reports its peak resident set size. Run alone so nothing else in the process inflates the peak.
// argv: <dist index.js URL> <bytes to stream> <retainLines: "true" | "false">
import { readFileSync } from "node:fs";
import { chunk, listingCorpus, sessionCorpus } from "./corpus.mjs";

const [libraryUrl, bytesArgument, retainArgument] = process.argv.slice(2);
const library = await import(libraryUrl);
const totalBytes = Number(bytesArgument);
const retainLines = retainArgument !== "false";

function vmHighWaterMark() {
  try {
    const status = readFileSync("/proc/self/status", "utf8");
    const match = /VmHWM:\s+(\d+) kB/.exec(status);
    return match === null ? undefined : Number(match[1]) * 1024;
  } catch {
    return undefined;
  }
}

// A 4 MiB block: session replies, then STAT listings of thousands of lines; repeated until totalBytes.
const session = sessionCorpus(2 * 1024 * 1024, 11);
const listing = listingCorpus(2 * 1024 * 1024, 12);
const block = new Uint8Array(session.data.length + listing.data.length);
block.set(session.data, 0);
block.set(listing.data, session.data.length);
const blockReplies = session.replies + listing.replies;
const chunks = chunk(block, 64 * 1024, false);

const baseline = process.resourceUsage().maxRSS * 1024;
let replies = 0;
let consumed = 0;
let errors = 0;
const parser = library.createReplyParser(
  {
    onReply(reply) {
      replies++;
      consumed += reply.code + reply.text.length;
    },
    onError() {
      errors++;
    },
  },
  retainLines ? undefined : { retainLines: false },
);
const start = performance.now();
let streamed = 0;
let blocks = 0;
while (streamed < totalBytes) {
  for (const piece of chunks) parser.feed(piece);
  streamed += block.length;
  blocks++;
}
parser.end();
const seconds = (performance.now() - start) / 1000;
process.stdout.write(
  JSON.stringify({
    streamed,
    seconds,
    replies,
    expectedReplies: blocks * blockReplies,
    errors,
    consumed,
    baselineMaxRss: baseline,
    maxRss: process.resourceUsage().maxRSS * 1024,
    vmHwm: vmHighWaterMark(),
    largestReplyBytes: Math.max(...listing.replyList.map((lines) => lines.join("\r\n").length + 2)),
  }),
);
