// Child process of the RSS benchmark: streams a block of replies (read from a file, so that building the corpus
// leaves nothing behind in this process) through the parser in 64 KiB chunks until <bytes> are streamed, and
// reports its peak resident set size while streaming.
// argv: <dist index.js URL> <block file> <replies in the block> <bytes to stream> <retainLines: "true" | "false">
import { readFileSync, writeFileSync } from "node:fs";

const [libraryUrl, blockFile, blockRepliesArgument, bytesArgument, retainArgument] = process.argv.slice(2);
const library = await import(libraryUrl);
const blockReplies = Number(blockRepliesArgument);
const totalBytes = Number(bytesArgument);
const retainLines = retainArgument !== "false";

function status(field) {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync("/proc/self/status", "utf8"));
  return match === null ? undefined : Number(match[1]) * 1024;
}

// A view of the file's buffer, not a copy of it: the harness should hold the block once.
const file = readFileSync(blockFile);
const block = new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
const chunks = [];
for (let start = 0; start < block.length; start += 64 * 1024)
  chunks.push(block.subarray(start, start + 64 * 1024));
globalThis.gc?.();
// Linux: writing 5 to clear_refs resets VmHWM, so the peak below is the peak while streaming.
let hwmReset = false;
try {
  writeFileSync("/proc/self/clear_refs", "5");
  hwmReset = true;
} catch {}
const rssBefore = status("VmRSS");

let replies = 0;
let consumed = 0;
let errors = 0;
const parser = library.createReplyParser(
  {
    onReply(reply) {
      replies++;
      consumed +=
        reply.code +
        reply.text.length +
        (reply.text.length > 0 ? reply.text.charCodeAt(reply.text.length - 1) : 0);
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
    rssBefore,
    vmHwm: status("VmHWM"),
    hwmReset,
    lifetimeMaxRss: process.resourceUsage().maxRSS * 1024,
  }),
);
