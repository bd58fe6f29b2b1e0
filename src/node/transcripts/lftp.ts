/**
 * lftp's debug output (`debug [-t] [-p] [-o FILE] LEVEL`, or `lftp -d`): `---> ` before each command, `<--- `
 * before each line the server sent, `---- ` before lftp's own notes, `**** ` before errors. With `-t` each line
 * starts with `YYYY-MM-DD HH:MM:SS ` (local time, read here as UTC); with `-p` with `[pid] `. A new control
 * connection starts at `---- Connecting to …` (not `Connecting data socket`). lftp shows `PASS XXXX` for
 * passwords other than anonymous ones.
 */
import { excerpt, readClock, readDigits, startsWithAscii, utcSeconds } from "./bytes.js";
import type { TranscriptFormat, TranscriptReader, TranscriptSink } from "./types.js";

/** `YYYY-MM-DD HH:MM:SS ` → epoch seconds, or -1. */
function readDateTime(bytes: Uint8Array): number {
  const year = readDigits(bytes, 0, 4);
  const month = readDigits(bytes, 5, 2);
  const day = readDigits(bytes, 8, 2);
  const clock = readClock(bytes, 11);
  if (
    year < 0 ||
    month < 1 ||
    day < 1 ||
    clock < 0 ||
    bytes[4] !== 0x2d ||
    bytes[7] !== 0x2d ||
    bytes[10] !== 0x20
  )
    return -1;
  return utcSeconds(year, month - 1, day, 0, 0, 0) + clock;
}

const DATE_TIME_LENGTH = 20; // "YYYY-MM-DD HH:MM:SS "

function createLftpReader(sink: TranscriptSink): TranscriptReader {
  return {
    line(bytes, lineNumber) {
      let start = 0;
      let ts: number | undefined;
      const dateTime = readDateTime(bytes);
      if (dateTime >= 0) {
        ts = dateTime;
        start = DATE_TIME_LENGTH;
      }
      // `[pid] ` from `debug -p`
      if (bytes[start] === 0x5b) {
        const close = bytes.indexOf(0x5d, start);
        if (close !== -1 && bytes[close + 1] === 0x20) start = close + 2;
      }
      if (startsWithAscii(bytes, "---> ", start)) {
        sink.event({ direction: "client", line: bytes.subarray(start + 5), ts, lineNumber });
      } else if (startsWithAscii(bytes, "<--- ", start)) {
        sink.event({ direction: "server", line: bytes.subarray(start + 5), ts, lineNumber });
      } else if (startsWithAscii(bytes, "---- ", start)) {
        if (startsWithAscii(bytes, "---- Connecting to ", start)) sink.connection({ lineNumber });
      } else if (!startsWithAscii(bytes, "**** ", start) && bytes.length > 0) {
        sink.diagnostic({
          type: "unknown-line",
          message: "not an lftp debug line",
          lineNumber,
          excerpt: excerpt(bytes),
        });
      }
    },
    end() {},
  };
}

export const lftpFormat: TranscriptFormat = {
  name: "lftp",
  description: "lftp debug output (`debug -t 9`, `lftp -d`)",
  hasGreeting: true,
  detect(lines) {
    let score = 0;
    for (const line of lines) {
      if (/^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d )?(\[\d+\] )?(---> |<--- |---- |\*\*\*\* )/.test(line)) score++;
    }
    return score;
  },
  createReader: createLftpReader,
};
