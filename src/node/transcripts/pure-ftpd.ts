/**
 * Pure-FTPd's verbose log (`pure-ftpd -d -d`), which it sends to syslog only (facility `ftp` by default), as a
 * syslog daemon writes it to a file — rsyslog's traditional format, its RFC 3339 format, or journalctl's:
 *
 *   Nov 24 14:06:13 vm pure-ftpd: (?@127.0.0.1) [DEBUG] Command [user] [ftpreply]
 *   Nov 24 14:06:13 vm pure-ftpd: (?@127.0.0.1) [DEBUG] 331 User ftpreply OK. Password required
 *   2026-11-24T14:06:13.120000+00:00 vm pure-ftpd[42]: (ftpreply@127.0.0.1) [DEBUG] 200 Zzz...
 *
 * `Command [verb] [argument]` is a command (the verb lower-cased by Pure-FTPd, PASS shown as `<*>`); a `[DEBUG]`
 * message that starts with a reply code is what the server sent. A multi-line reply sent in one piece is one
 * message with newlines inside, which rsyslog writes as `#012` (and a tab as `#011`); lines that follow a reply
 * message without a syslog prefix (a daemon that writes the newlines as they are) go on with it.
 * `[INFO] New connection from H` starts a new connection. Other messages carry no protocol line.
 */
import { LF } from "../../lines/bytes.js";
import {
  CR,
  DIGIT_0,
  excerpt,
  indexOfAscii,
  monthIndex,
  readClock,
  readDigits,
  startsWithAscii,
  startsWithReplyCode,
  utcSeconds,
} from "./bytes.js";
import type { TranscriptFormat, TranscriptReader, TranscriptReaderContext, TranscriptSink } from "./types.js";

const HASH = 0x23;

/**
 * The syslog timestamp at the start of the line → seconds since the Unix epoch; the traditional form has no year
 * (`Nov 24 14:06:13`), which `yearOf` gives.
 */
function readSyslogTime(bytes: Uint8Array, yearOf: (month: number) => number): number | undefined {
  let at = 0;
  // A raw syslog message starts with `<PRI>`.
  if (bytes[0] === 0x3c) {
    const close = bytes.indexOf(0x3e);
    if (close !== -1 && close < 5) at = close + 1;
  }
  const month = monthIndex(bytes, at);
  if (month >= 0) {
    // `Nov 24` or `Nov  4`
    const day = bytes[at + 4] === 0x20 ? readDigits(bytes, at + 5, 1) : readDigits(bytes, at + 4, 2);
    const clock = readClock(bytes, at + 7);
    if (clock < 0 || day < 1) return undefined;
    return utcSeconds(yearOf(month), month, day, 0, 0, 0) + clock;
  }
  // RFC 3339: 2026-11-24T14:06:13.120000+00:00
  const year = readDigits(bytes, at, 4);
  const mon = readDigits(bytes, at + 5, 2);
  const day = readDigits(bytes, at + 8, 2);
  const clock = readClock(bytes, at + 11);
  if (year < 0 || mon < 1 || day < 1 || clock < 0 || bytes[at + 10] !== 0x54) return undefined;
  let i = at + 19;
  let fraction = 0;
  let scale = 1;
  if (bytes[i] === 0x2e) {
    i++;
    while (readDigits(bytes, i, 1) >= 0) {
      fraction = fraction * 10 + (bytes[i]! - DIGIT_0);
      scale *= 10;
      i++;
    }
  }
  let offset = 0;
  const sign = bytes[i];
  if (sign === 0x2b || sign === 0x2d) {
    const hours = readDigits(bytes, i + 1, 2);
    const minutes = readDigits(bytes, i + 4, 2);
    if (hours >= 0 && minutes >= 0) offset = (hours * 60 + minutes) * 60 * (sign === 0x2b ? 1 : -1);
  }
  return utcSeconds(year, mon - 1, day, 0, 0, 0) + clock + fraction / scale - offset;
}

/** Undoes rsyslog's control-character escapes (`#012` is LF, `#011` a tab): `#` and three octal digits. */
function unescapeSyslog(bytes: Uint8Array): Uint8Array {
  let hash = bytes.indexOf(HASH);
  if (hash === -1) return bytes;
  const out = new Uint8Array(bytes.length);
  let n = 0;
  let start = 0;
  while (hash !== -1) {
    const a = bytes[hash + 1];
    const b = bytes[hash + 2];
    const c = bytes[hash + 3];
    const octal = (x: number | undefined): boolean => x !== undefined && x >= DIGIT_0 && x <= DIGIT_0 + 7;
    if (octal(a) && octal(b) && octal(c)) {
      out.set(bytes.subarray(start, hash), n);
      n += hash - start;
      out[n++] = (a! - DIGIT_0) * 64 + (b! - DIGIT_0) * 8 + (c! - DIGIT_0);
      start = hash + 4;
    }
    hash = bytes.indexOf(HASH, hash + 1);
  }
  out.set(bytes.subarray(start), n);
  n += bytes.length - start;
  return out.subarray(0, n);
}

const textDecoder = new TextDecoder();

/**
 * The session a message belongs to: `pid N` when syslog wrote the process id (`pure-ftpd[N]:`, each session is
 * its own process), else the client's address from `(user@host)` (the user changes at login, the address does
 * not; concurrent sessions from one address cannot be told apart without the pid).
 */
function sessionKey(bytes: Uint8Array, program: number, levelOpen: number): string | undefined {
  const after = program + 9;
  if (bytes[after] === 0x5b) {
    const close = bytes.indexOf(0x5d, after);
    const pid = close === -1 ? -1 : readDigits(bytes, after + 1, close - after - 1);
    if (pid >= 0) return `pid ${pid}`;
  }
  const open = bytes.indexOf(0x28, after);
  if (open === -1 || open > levelOpen) return undefined;
  const at = bytes.lastIndexOf(0x40, levelOpen);
  return at > open ? `host ${textDecoder.decode(bytes.subarray(at + 1, levelOpen))}` : undefined;
}

function createPureFtpdReader(sink: TranscriptSink, context: TranscriptReaderContext): TranscriptReader {
  /** The last message was a reply: a prefix-less line goes on with it. */
  let inReply = false;
  let lastTs: number | undefined;
  let lastKey: string | undefined;
  /** Sessions that logged `Logout.`: they end after their next reply (the 221 or 530 that says so). */
  const loggingOut = new Set<string | undefined>();

  const unknown = (bytes: Uint8Array, lineNumber: number, message: string): void => {
    sink.diagnostic({ type: "unknown-line", message, lineNumber, excerpt: excerpt(bytes) });
  };

  return {
    line(bytes, lineNumber) {
      const program = indexOfAscii(bytes, "pure-ftpd");
      const ts = program === -1 ? undefined : readSyslogTime(bytes, context.yearOf);
      if (program === -1 || ts === undefined) {
        if (inReply) {
          sink.event({ direction: "server", line: bytes, ts: lastTs, lineNumber, session: lastKey });
        } else if (bytes.length > 0) {
          unknown(bytes, lineNumber, "not a Pure-FTPd syslog line");
        }
        return;
      }
      // `pure-ftpd[pid]: (user@host) [LEVEL] message`
      const levelOpen = indexOfAscii(bytes, ") [", program);
      const levelClose = levelOpen === -1 ? -1 : indexOfAscii(bytes, "] ", levelOpen + 3);
      if (levelClose === -1) {
        inReply = false;
        return; // a Pure-FTPd message of another shape (startup, errors)
      }
      lastTs = ts;
      const key = sessionKey(bytes, program, levelOpen);
      lastKey = key;
      const message = bytes.subarray(levelClose + 2);
      const debug = startsWithAscii(bytes, "DEBUG", levelOpen + 3);
      inReply = false;
      if (!debug) {
        if (
          startsWithAscii(bytes, "INFO", levelOpen + 3) &&
          startsWithAscii(message, "New connection from ")
        ) {
          sink.connection(
            { origHost: textDecoder.decode(message.subarray(20)) },
            { lineNumber, ts, session: key },
          );
        } else if (startsWithAscii(bytes, "INFO", levelOpen + 3) && startsWithAscii(message, "Logout.")) {
          loggingOut.add(key);
        }
        return;
      }
      if (startsWithAscii(message, "Command [")) {
        // Command [verb] [argument]
        const verbEnd = message.indexOf(0x5d, 9);
        if (
          verbEnd === -1 ||
          !startsWithAscii(message, " [", verbEnd + 1) ||
          message[message.length - 1] !== 0x5d
        ) {
          unknown(bytes, lineNumber, "Pure-FTPd command line of an unknown shape");
          return;
        }
        const verb = textDecoder.decode(message.subarray(9, verbEnd)).toUpperCase();
        const arg = message.subarray(verbEnd + 3, message.length - 1);
        const line = arg.length === 0 ? verb : `${verb} ${textDecoder.decode(arg)}`;
        sink.event({ direction: "client", line, ts, lineNumber, session: key });
        return;
      }
      if (!startsWithReplyCode(message)) return; // other debug output
      const text = unescapeSyslog(message);
      let start = 0;
      for (let lf = text.indexOf(LF); lf !== -1; lf = text.indexOf(LF, start)) {
        // Pure-FTPd logs the CR LF it sends between lines (`#015#012`): the CR belongs to the line end.
        const end = lf > start && text[lf - 1] === CR ? lf - 1 : lf;
        sink.event({ direction: "server", line: text.subarray(start, end), ts, lineNumber, session: key });
        start = lf + 1;
      }
      if (start < text.length)
        sink.event({ direction: "server", line: text.subarray(start), ts, lineNumber, session: key });
      inReply = true;
      // After `Logout.`, the session ends with the last line of its reply (`221 Logout.`, not `221-…`).
      const last = text.subarray(text.lastIndexOf(LF) + 1);
      if (loggingOut.has(key) && startsWithReplyCode(last) && last[3] !== 0x2d) {
        loggingOut.delete(key);
        sink.close({ lineNumber, ts, session: key });
      }
    },
    end() {},
  };
}

export const pureFtpdFormat: TranscriptFormat = {
  name: "pure-ftpd",
  description: "Pure-FTPd's verbose log (-d -d) as syslog writes it",
  hasGreeting: true,
  detect(lines) {
    let score = 0;
    for (const line of lines) {
      if (/pure-ftpd(\[\d+\])?: \([^)]*\) \[[A-Z]+\] /.test(line)) score++;
    }
    return score;
  },
  createReader: createPureFtpdReader,
};
