// Profiling driver: runs ftp-reply alone on one corpus and chunking for a few seconds, for `node --cpu-prof`.
//   node --cpu-prof --cpu-prof-dir=/tmp/prof bench/profile.mjs [session|listing|real] [chunk size] [seconds]
//   node bench/profile-summary.mjs /tmp/prof/<file>.cpuprofile
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chunk, fixtureCorpus, listingCorpus, sessionCorpus } from "./corpus.mjs";

const root = resolve(fileURLToPath(import.meta.url), "../..");
const library = await import(
  pathToFileURL(join(resolve(process.env.FTP_REPLY_DIST ?? join(root, "dist")), "index.js")).href
);
const [kind = "session", sizeArgument = "1460", secondsArgument = "4"] = process.argv.slice(2);
const corpus =
  kind === "listing"
    ? listingCorpus(2 * 1024 * 1024)
    : kind === "real"
      ? fixtureCorpus(root, 2 * 1024 * 1024, library)
      : sessionCorpus(2 * 1024 * 1024);
const chunks = chunk(
  corpus.data,
  sizeArgument === "whole" ? Number.POSITIVE_INFINITY : Number(sizeArgument),
  false,
);
let replies = 0;
let consumed = 0;
const parser = library.createReplyParser({
  onReply(reply) {
    replies++;
    consumed +=
      reply.code +
      reply.text.length +
      (reply.text.length > 0 ? reply.text.charCodeAt(reply.text.length - 1) : 0);
  },
  onError() {},
});
const until = performance.now() + Number(secondsArgument) * 1000;
let passes = 0;
const start = performance.now();
while (performance.now() < until) {
  for (const piece of chunks) parser.feed(piece);
  passes++;
}
parser.end();
const seconds = (performance.now() - start) / 1000;
console.log(
  `${kind} @ ${sizeArgument}: ${((passes * corpus.data.length) / 1e6 / seconds).toFixed(1)} MB/s, ${replies} replies (${passes * corpus.replies} expected), consumed ${consumed}`,
);
