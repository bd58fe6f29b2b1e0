// The contenders of the throughput benchmark. Each consumes what an FTP client would (the `code` and the
// `text` of every reply), counts replies, and gives up at `deadline` (performance.now() ms) so a quadratic
// peer cannot hang the run. Peers are driven the way their own clients drive them.
import { createRequire } from "node:module";
import { StringDecoder } from "node:string_decoder";

const require = createRequire(import.meta.url);
const LF = 10;
/**
 * What a client does with a reply's text, at the least: its length and its last character. Reading a character
 * makes a lazily built string (a rope) pay for being flattened, so no contender can defer the work.
 */
function touch(text) {
  if (recorded !== undefined) recorded.push(text);
  return text.length === 0 ? 0 : text.length + text.charCodeAt(text.length - 1);
}

/** The texts `touch` saw, while `recordTexts` runs (never while timing). */
let recorded;

/** Runs `run` and returns every reply text the contender handed its client, in order (for the text check). */
export function recordTexts(run) {
  recorded = [];
  try {
    run();
    return recorded;
  } finally {
    recorded = undefined;
  }
}

/** How often (in chunks) the deadline is checked: rare enough to cost nothing, often enough to stop. */
const DEADLINE_EVERY = 1024;

/** ftp-reply: `createReplyParser` with default options, fed the chunks as they come. */
export function ftpReplyContender(library, options) {
  return {
    name: options === undefined ? "ftp-reply" : "ftp-reply (retainLines: false)",
    input: "bytes",
    run(chunks, deadline) {
      let replies = 0;
      let consumed = 0;
      let errors = 0;
      const parser = library.createReplyParser(
        {
          onReply(reply) {
            replies++;
            consumed += reply.code + touch(reply.text);
          },
          onError() {
            errors++;
          },
        },
        options,
      );
      for (let i = 0; i < chunks.length; i++) {
        parser.feed(chunks[i]);
        if (i % DEADLINE_EVERY === 0 && performance.now() > deadline)
          return { timedOut: true, fedChunks: i + 1 };
      }
      parser.end();
      return { replies, consumed, errors };
    },
  };
}

/**
 * basic-ftp 6: FtpContext._onControlSocketData. The socket has `setEncoding("utf8")` (a StringDecoder), the
 * context keeps the incomplete rest as a string, and every chunk re-parses `rest + chunk`. FtpContext closes the
 * connection once `rest + chunk` exceeds 64 KiB; we note that and go on, to still measure the parser.
 */
export function basicFtpContender() {
  const { parseControlResponse } = require("basic-ftp/dist/parseControlResponse.js");
  const maxControlResponseLength = 2 ** 16;
  return {
    name: "basic-ftp",
    input: "buffer",
    run(chunks, deadline) {
      const decoder = new StringDecoder("utf8");
      let partialResponse = "";
      let replies = 0;
      let consumed = 0;
      let overCap = false;
      for (let i = 0; i < chunks.length; i++) {
        const chunk = decoder.write(chunks[i]);
        if (partialResponse.length + chunk.length > maxControlResponseLength) overCap = true;
        const parsed = parseControlResponse(partialResponse + chunk);
        partialResponse = parsed.rest;
        for (const message of parsed.messages) {
          const code = Number.parseInt(message.substr(0, 3), 10);
          replies++;
          consumed += code + touch(message);
        }
        if (i % DEADLINE_EVERY === 0 && performance.now() > deadline)
          return { timedOut: true, fedChunks: i + 1 };
      }
      return { replies, consumed, overCap };
    },
  };
}

/** ftp-response-parser (jsftp's): an object-mode Transform; jsftp pipes the socket in and listens to 'data'. */
export function ftpResponseParserContender() {
  const ResponseParser = require("ftp-response-parser");
  return {
    name: "ftp-response-parser",
    input: "buffer",
    run(chunks, deadline) {
      const parser = new ResponseParser();
      let replies = 0;
      let consumed = 0;
      parser.on("data", (response) => {
        replies++;
        consumed += response.code + touch(response.text);
      });
      for (let i = 0; i < chunks.length; i++) {
        parser.write(chunks[i]);
        if (i % DEADLINE_EVERY === 0 && performance.now() > deadline)
          return { timedOut: true, fedChunks: i + 1 };
      }
      return { replies, consumed };
    },
  };
}

/** node-ftp (`ftp`): lib/parser.js, a Writable that emits 'response' (code, text); Connection writes socket data. */
export function nodeFtpContender() {
  const Parser = require("ftp/lib/parser.js");
  return {
    name: "node-ftp",
    input: "buffer",
    run(chunks, deadline) {
      const parser = new Parser({});
      let replies = 0;
      let consumed = 0;
      parser.on("response", (code, text) => {
        replies++;
        consumed += code + touch(text);
      });
      for (let i = 0; i < chunks.length; i++) {
        parser.write(chunks[i]);
        if (i % DEADLINE_EVERY === 0 && performance.now() > deadline)
          return { timedOut: true, fedChunks: i + 1 };
      }
      return { replies, consumed };
    },
  };
}

/**
 * The limit: the least any parser must do — find every line feed (an indexOf loop) and decode every byte once
 * (a streaming TextDecoder). It builds no replies, so its reply count is the corpus's.
 */
export function limitContender() {
  return {
    name: "limit (LF scan + decode)",
    input: "bytes",
    limit: true,
    run(chunks, deadline) {
      const decoder = new TextDecoder();
      let lines = 0;
      let consumed = 0;
      for (let i = 0; i < chunks.length; i++) {
        const chunk = chunks[i];
        for (let at = chunk.indexOf(LF); at !== -1; at = chunk.indexOf(LF, at + 1)) lines++;
        consumed += touch(decoder.decode(chunk, { stream: true }));
        if (i % DEADLINE_EVERY === 0 && performance.now() > deadline)
          return { timedOut: true, fedChunks: i + 1 };
      }
      consumed += touch(decoder.decode());
      return { lines, consumed };
    },
  };
}

/**
 * The floor: the simplest string framer that gets replies right on clean input — decode each chunk (a streaming
 * TextDecoder), `indexOf` each LF, frame RFC 959 §4.2 on the first four characters, one object per reply. No
 * offsets, no raw bytes, no Telnet, no limits, no errors. Every cell shows ftp-reply's ratio to it.
 */
export function floorContender() {
  return {
    name: "floor (string framer)",
    input: "bytes",
    floor: true,
    run(chunks, deadline) {
      const decoder = new TextDecoder();
      let rest = "";
      let open = "";
      let lines = [];
      let replies = 0;
      let consumed = 0;
      for (let i = 0; i < chunks.length; i++) {
        const text = rest + decoder.decode(chunks[i], { stream: true });
        let start = 0;
        for (let lf = text.indexOf("\n"); lf !== -1; lf = text.indexOf("\n", start)) {
          const line = text.slice(start, lf > start && text.charCodeAt(lf - 1) === 13 ? lf - 1 : lf);
          start = lf + 1;
          if (open === "") {
            if (line.charCodeAt(3) === 45) {
              open = line.slice(0, 3);
              lines = [line.slice(4)];
              continue;
            }
            const reply = { code: Number(line.slice(0, 3)), text: line.slice(4) };
            replies++;
            consumed += reply.code + touch(reply.text);
          } else if (line.startsWith(open) && (line.length === 3 || line.charCodeAt(3) === 32)) {
            lines.push(line.slice(4));
            const reply = { code: Number(open), text: lines.join("\n") };
            open = "";
            replies++;
            consumed += reply.code + touch(reply.text);
          } else lines.push(line);
        }
        rest = text.slice(start);
        if (i % DEADLINE_EVERY === 0 && performance.now() > deadline)
          return { timedOut: true, fedChunks: i + 1 };
      }
      return { replies, consumed };
    },
  };
}
