/**
 * ProFTPD's ExtendedLog in the common log format it uses by default — `%h %l %u %t "%r" %s` followed by `%b` —
 * or with the reply text instead: `LogFormat protocol "%h %l %u %t \"%r\" %s \"%S\""` (what the fixture uses):
 *
 *   127.0.0.1 UNKNOWN ftp [24/Nov/2026:14:06:12 +0000] "CWD /pub" 250 "CWD command successful"
 *
 * What ProFTPD can log here is one line per command: the command (`%r`, PASS shown as `PASS (hidden)`), the
 * code of its final reply (`%s`) and that reply's last line (`%S`). The greeting, 1xx preliminary replies and
 * the first lines of multi-line replies are not in this log (its TraceLog has them, but not the commands in a
 * usable form), so the dialogue read from it has each command with its final reply only.
 *
 * ProFTPD logs some commands twice: `OPTS UTF8 ON` is dispatched as `OPTS_UTF8` (logged with the reply) and then
 * logged again as `OPTS` with the code `-` (no reply). The second entry is skipped; another entry with `-` is
 * reported as `no-reply`.
 */
import {
  excerpt,
  indexOfAscii,
  lastIndexOfByte,
  monthIndex,
  QUOTE,
  readClock,
  readDigits,
  SPACE,
  utcSeconds,
} from "./bytes.js";
import type { TranscriptFormat, TranscriptReader, TranscriptSink } from "./types.js";

const UNDERSCORE = 0x5f;
const PLUS = 0x2b;
const HYPHEN = 0x2d;

/** `[24/Nov/2026:14:06:12 +0000]` at `at` → epoch seconds, or -1. */
function readClfTime(bytes: Uint8Array, at: number): number {
  const day = readDigits(bytes, at + 1, 2);
  const month = monthIndex(bytes, at + 4);
  const year = readDigits(bytes, at + 8, 4);
  const clock = readClock(bytes, at + 13);
  const sign = bytes[at + 22];
  const zone = readDigits(bytes, at + 23, 4);
  if (day < 1 || month < 0 || year < 0 || clock < 0 || zone < 0 || (sign !== PLUS && sign !== HYPHEN))
    return -1;
  const offset = (Math.trunc(zone / 100) * 60 + (zone % 100)) * 60 * (sign === PLUS ? 1 : -1);
  return utcSeconds(year, month, day, 0, 0, 0) + clock - offset;
}

const textDecoder = new TextDecoder();
const latin1 = new TextDecoder("latin1");

/**
 * Requests of a CLF transfer log (Pure-FTPd's `-O clf:…`): an HTTP-style method and a path, one line per
 * transfer, no dialogue. ProFTPD's `%r` is an FTP command line, never one of these.
 */
const HTTP_METHOD = /^(GET|PUT|POST|HEAD|DELETE) \//;

function createProftpdReader(sink: TranscriptSink): TranscriptReader {
  let previousCommand = "";
  /** The sessions (client addresses) open now. */
  const live = new Set<string>();
  const unknown = (bytes: Uint8Array, lineNumber: number, message: string): void => {
    sink.diagnostic({ type: "unknown-line", message, lineNumber, excerpt: excerpt(bytes) });
  };
  return {
    line(bytes, lineNumber) {
      if (bytes.length === 0) return;
      const open = bytes.indexOf(0x5b); // `[` of %t
      const ts = open === -1 ? -1 : readClfTime(bytes, open);
      const quote = ts < 0 ? -1 : indexOfAscii(bytes, '] "', open);
      if (quote === -1) {
        unknown(bytes, lineNumber, "not a ProFTPD ExtendedLog line");
        return;
      }
      // The request ends at the first `" ` followed by a code or `-` (the request may hold quotes itself).
      const requestStart = quote + 3;
      let requestEnd = indexOfAscii(bytes, '" ', requestStart);
      while (
        requestEnd !== -1 &&
        readDigits(bytes, requestEnd + 2, 3) < 0 &&
        !(
          bytes[requestEnd + 2] === HYPHEN &&
          (bytes[requestEnd + 3] === SPACE || bytes[requestEnd + 3] === undefined)
        )
      ) {
        requestEnd = indexOfAscii(bytes, '" ', requestEnd + 1);
      }
      if (requestEnd === -1) {
        unknown(bytes, lineNumber, "ProFTPD ExtendedLog line without a request and a code");
        return;
      }
      const request = bytes.slice(requestStart, requestEnd);
      if (HTTP_METHOD.test(textDecoder.decode(request.subarray(0, 8)))) {
        unknown(bytes, lineNumber, "a CLF transfer log line (an HTTP-style method), not an FTP command");
        return;
      }
      // `OPTS_UTF8 ON` is ProFTPD's internal name for `OPTS UTF8 ON`.
      const space = request.indexOf(SPACE);
      const underscore = request.indexOf(UNDERSCORE);
      if (underscore !== -1 && (space === -1 || underscore < space)) request[underscore] = SPACE;
      const requestText = textDecoder.decode(request);
      const codeAt = requestEnd + 2;
      if (bytes[codeAt] === HYPHEN) {
        if (requestText !== previousCommand) {
          sink.diagnostic({
            type: "no-reply",
            message: "the log has this command without a reply code",
            lineNumber,
            excerpt: excerpt(bytes),
          });
        }
        return;
      }
      previousCommand = requestText;
      const code = bytes.subarray(codeAt, codeAt + 3);
      // `%S` in quotes after the code; with the default format (`%b` there) the reply text is not logged.
      const messageOpen = codeAt + 4;
      const lastQuote = lastIndexOfByte(bytes, QUOTE);
      let reply: Uint8Array;
      if (bytes[codeAt + 3] === SPACE && bytes[messageOpen] === QUOTE && lastQuote > messageOpen) {
        reply = new Uint8Array(4 + lastQuote - messageOpen - 1);
        reply.set(code, 0);
        reply[3] = SPACE;
        reply.set(bytes.subarray(messageOpen + 1, lastQuote), 4);
      } else {
        reply = code;
      }
      // %h: the client's address is all this log says of a session; a 2xx to QUIT ends one.
      const host = latin1.decode(bytes.subarray(0, bytes.indexOf(SPACE)));
      const session = `host ${host}`;
      if (!live.has(session)) {
        live.add(session);
        sink.connection({ origHost: host }, { lineNumber, ts, session });
      }
      sink.event({ direction: "client", line: request, ts, lineNumber, session });
      sink.event({ direction: "server", line: reply, ts, lineNumber, session });
      if (/^QUIT\b/i.test(requestText) && code[0] === 0x32) {
        live.delete(session);
        sink.close({ lineNumber, ts, session });
      }
    },
    end() {},
  };
}

export const proftpdFormat: TranscriptFormat = {
  name: "proftpd",
  description: 'ProFTPD ExtendedLog: %h %l %u %t "%r" %s, then %b or "%S"',
  hasGreeting: false,
  detect(lines) {
    let score = 0;
    for (const line of lines) {
      if (
        /\[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] ".*" (\d{3}|-)( |$)/.test(line) &&
        !/\] "(GET|PUT|POST|HEAD|DELETE) \//.test(line)
      )
        score++;
    }
    return score;
  },
  createReader: createProftpdReader,
};
