/**
 * `curl -v` output for ftp:// URLs (curl 7.x/8.x): `< ` before each line the server sent, `> ` before each
 * command, `* ` before curl's own notes, `{ [N bytes data]` for data-connection traffic. A new control connection
 * starts at `*   Trying …` after the previous one was closed or left intact.
 */
import { excerpt, startsWithAscii } from "./bytes.js";
import type { TranscriptFormat, TranscriptReader, TranscriptSink } from "./types.js";

/** Lines curl writes that carry no protocol line. */
const IGNORED_PREFIXES = ["* ", "{ [", "} [", "curl: ("];

function createCurlVerboseReader(sink: TranscriptSink): TranscriptReader {
  let connectionOpen = false;
  return {
    line(bytes, lineNumber) {
      if (startsWithAscii(bytes, "< ")) {
        connectionOpen = true;
        sink.event({ direction: "server", line: bytes.subarray(2), lineNumber });
        return;
      }
      if (startsWithAscii(bytes, "> ")) {
        connectionOpen = true;
        sink.event({ direction: "client", line: bytes.subarray(2), lineNumber });
        return;
      }
      if (startsWithAscii(bytes, "*   Trying ")) {
        if (connectionOpen) return; // a data connection of the same session
        sink.connection({ lineNumber });
        return;
      }
      if (startsWithAscii(bytes, "* Closing connection") || startsWithAscii(bytes, "* Connection #")) {
        connectionOpen = false;
        return;
      }
      for (const prefix of IGNORED_PREFIXES) if (startsWithAscii(bytes, prefix)) return;
      if (bytes.length === 0) return;
      sink.diagnostic({
        type: "unknown-line",
        message: "not a curl -v line (progress meter or program output?)",
        lineNumber,
        excerpt: excerpt(bytes),
      });
    },
    end() {},
  };
}

export const curlVerboseFormat: TranscriptFormat = {
  name: "curl-verbose",
  description: "curl -v output: `< ` server lines, `> ` commands, `* ` notes",
  hasGreeting: true,
  detect(lines) {
    let score = 0;
    for (const line of lines) {
      if (
        /^< \d{3}[ -]/.test(line) ||
        /^> [A-Za-z]{3,4}( |$)/.test(line) ||
        /^\* {1,3}(Trying|Connected)/.test(line)
      )
        score++;
    }
    return score;
  },
  createReader: createCurlVerboseReader,
};
