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

const latin1 = new TextDecoder("latin1");

/** `---- Connecting to H (A) port P` → the server's address and port. */
function connectingTo(bytes: Uint8Array, at: number): { respHost?: string; respPort?: number } {
  const match = /^---- Connecting to (\S+) \(([^)]*)\) port (\d+)/.exec(latin1.decode(bytes.subarray(at)));
  if (match === null) return {};
  return { respHost: match[2] === "" ? match[1]! : match[2]!, respPort: Number(match[3]) };
}

/**
 * lftp's own notes that are not protocol lines and not `---- `-prefixed: a job's progress (`copy: …`,
 * `mirror: …`), address translations (`… translated to pair …`).
 */
const NOTE = /^(?:[a-z][\w-]*: |.* translated to pair)/;

/**
 * Sessions: each `---- Connecting to` opens a control connection (numbered 1, 2 … in the log's order). lftp
 * may connect for the next `open` before the last QUIT's reply came (the `221` is logged after the new
 * `Connecting to`): while the session before waits for its QUIT reply, server lines stay with it until
 * `---- Closing control socket`, which ends it.
 */
function createLftpReader(sink: TranscriptSink): TranscriptReader {
  let count = 0;
  let current: string | undefined;
  /** The session that sent QUIT and waits for its reply, when a new one was opened meanwhile. */
  let quitting: string | undefined;
  let lastCommand = "";
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
        const line = bytes.subarray(start + 5);
        lastCommand = latin1.decode(line.subarray(0, 4)).toUpperCase();
        sink.event({ direction: "client", line, ts, lineNumber, session: current });
      } else if (startsWithAscii(bytes, "<--- ", start)) {
        if (quitting === undefined) lastCommand = ""; // the reply has begun: a QUIT is no longer waiting
        sink.event({
          direction: "server",
          line: bytes.subarray(start + 5),
          ts,
          lineNumber,
          session: quitting ?? current,
        });
      } else if (startsWithAscii(bytes, "---- ", start)) {
        if (startsWithAscii(bytes, "---- Connecting to ", start)) {
          if (current !== undefined && lastCommand === "QUIT") quitting = current;
          else if (current !== undefined) sink.close({ lineNumber, ts, session: current });
          current = String(++count);
          lastCommand = "";
          sink.connection(connectingTo(bytes, start), { lineNumber, ts, session: current });
        } else if (startsWithAscii(bytes, "---- Closing control socket", start)) {
          const closing = quitting ?? current;
          if (quitting === undefined) current = undefined;
          quitting = undefined;
          if (closing !== undefined) sink.close({ lineNumber, ts, session: closing });
        }
      } else if (
        !startsWithAscii(bytes, "**** ", start) &&
        bytes.length > start &&
        !NOTE.test(latin1.decode(bytes.subarray(start, start + 200)))
      ) {
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
