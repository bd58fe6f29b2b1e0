/**
 * A plain dialogue: one protocol line per log line, `C: ` before what the client sent and `S: ` before what the
 * server sent (the form RFCs, books and bug reports use). `C:`/`S:` may be lower-case; the space after the
 * colon is optional. Blank lines separate nothing and are skipped.
 */
import { excerpt, SPACE } from "./bytes.js";
import type { TranscriptFormat, TranscriptReader, TranscriptSink } from "./types.js";

const COLON = 0x3a;
const UPPER_C = 0x43;
const LOWER_C = 0x63;
const UPPER_S = 0x53;
const LOWER_S = 0x73;

function createDialogueReader(sink: TranscriptSink): TranscriptReader {
  return {
    line(bytes, lineNumber) {
      if (bytes.length === 0) return;
      const side = bytes[0];
      const isClient = side === UPPER_C || side === LOWER_C;
      const isServer = side === UPPER_S || side === LOWER_S;
      if ((!isClient && !isServer) || bytes[1] !== COLON) {
        sink.diagnostic({
          type: "unknown-line",
          message: "not a C: or S: line",
          lineNumber,
          excerpt: excerpt(bytes),
        });
        return;
      }
      const start = bytes[2] === SPACE ? 3 : 2;
      sink.event({ direction: isClient ? "client" : "server", line: bytes.subarray(start), lineNumber });
    },
    end() {},
  };
}

export const dialogueFormat: TranscriptFormat = {
  name: "dialogue",
  description: "a plain dialogue: `C: USER anonymous` / `S: 331 …` lines",
  hasGreeting: true,
  detect(lines) {
    let score = 0;
    // `S:  MDTM`: the inner lines of a FEAT reply start with a space (RFC 2389 §3.2), after the one of `S: `.
    for (const line of lines) if (/^[CcSs]: {0,2}\S/.test(line)) score++;
    return score;
  },
  createReader: createDialogueReader,
};
