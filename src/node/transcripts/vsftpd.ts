/**
 * vsftpd's own log with `log_ftp_protocol=YES` (and `xferlog_std_format=NO`, `vsftpd_log_file=…`):
 *
 *   Tue Nov 24 14:06:07 2026 [pid 6508] CONNECT: Client "127.0.0.1"
 *   Tue Nov 24 14:06:08 2026 [pid 6558] [anonymous] FTP command: Client "127.0.0.1", "USER anonymous"
 *   Tue Nov 24 14:06:08 2026 [pid 6558] [anonymous] FTP response: Client "127.0.0.1", "331 Please …"
 *
 * vsftpd logs PASS as `PASS <password>`. Inner lines of a multi-line reply are logged with their CR LF, which
 * vsftpd's log writer turns into `??` (it replaces unprintable bytes with `?`): they are removed again here, only
 * inside a multi-line reply. `CONNECT:` starts a new connection; the other entries (`OK LOGIN`, `FAIL LOGIN`,
 * `OK DOWNLOAD` …) carry no protocol line. Times are local (read here as UTC). Concurrent sessions interleave:
 * see `createVsftpdReader` for how lines find their session.
 */
import { HYPHEN } from "../../lines/bytes.js";
import {
  excerpt,
  indexOfAscii,
  monthIndex,
  QUOTE,
  readClock,
  readDigits,
  SPACE,
  startsWithAscii,
  startsWithReplyCode,
  utcSeconds,
} from "./bytes.js";
import type { TranscriptFormat, TranscriptReader, TranscriptSink } from "./types.js";

const QUESTION_MARK = 0x3f;

/** `Tue Nov 24 14:06:07 2026` → epoch seconds, or -1. */
function readVsftpdDate(bytes: Uint8Array): number {
  if (bytes[3] !== SPACE || bytes[7] !== SPACE) return -1;
  const month = monthIndex(bytes, 4);
  const day = readDigits(bytes, 8, 2) >= 0 ? readDigits(bytes, 8, 2) : readDigits(bytes, 9, 1);
  const clock = readClock(bytes, 11);
  const year = readDigits(bytes, 20, 4);
  if (month < 0 || day < 1 || clock < 0 || year < 0) return -1;
  return utcSeconds(year, month, day, 0, 0, 0) + clock;
}

/** The text between `", "` and the closing quote, after `Client "…"`. */
function quotedPayload(bytes: Uint8Array, from: number): Uint8Array | undefined {
  const open = indexOfAscii(bytes, '", "', from);
  if (open === -1 || bytes[bytes.length - 1] !== QUOTE) return undefined;
  return bytes.subarray(open + 4, bytes.length - 1);
}

const latin1 = new TextDecoder("latin1");

/** What the reader knows of one session. */
interface VsftpdSession {
  readonly key: string;
  readonly host: string | undefined;
  /** The code of the multi-line reply being logged, or -1. */
  openCode: number;
  lastVerb: string;
}

/** `Client "H"` after `at` → H. */
function clientHost(bytes: Uint8Array, at: number): string | undefined {
  const open = indexOfAscii(bytes, 'Client "', at);
  if (open === -1) return undefined;
  const close = bytes.indexOf(QUOTE, open + 8);
  return close === -1 ? undefined : latin1.decode(bytes.subarray(open + 8, close));
}

/**
 * vsftpd runs each session as several processes, each logging with its own pid: the pre-login process (it logs
 * `CONNECT` and everything up to the PASS reply), the privileged parent (`OK LOGIN` / `FAIL LOGIN`, its pid
 * usually one below the pre-login one) and, after a successful login, a new post-login process (everything from
 * the `230`). The session key is the pre-login pid (`pid N` of `CONNECT`); a pid not seen before is the post-login
 * process of the session whose login was accepted first (same client address), else a session whose start the
 * log does not hold. A `221` to QUIT ends the session.
 */
function createVsftpdReader(sink: TranscriptSink): TranscriptReader {
  const byPid = new Map<number, VsftpdSession>();
  /** Sessions that sent PASS and wait for the parent's verdict, oldest first. */
  let awaitingLogin: VsftpdSession[] = [];
  /** Sessions whose login was accepted, waiting for their post-login process's first line, oldest first. */
  let loggedIn: VsftpdSession[] = [];

  const take = (
    list: VsftpdSession[],
    host: string | undefined,
    prefer?: string,
  ): VsftpdSession | undefined => {
    let index = prefer === undefined ? -1 : list.findIndex((s) => s.key === prefer && s.host === host);
    if (index === -1) index = list.findIndex((s) => s.host === host);
    if (index === -1) return undefined;
    return list.splice(index, 1)[0];
  };

  const forget = (session: VsftpdSession): void => {
    for (const [pid, s] of byPid) if (s === session) byPid.delete(pid);
    awaitingLogin = awaitingLogin.filter((s) => s !== session);
    loggedIn = loggedIn.filter((s) => s !== session);
  };

  return {
    line(bytes, lineNumber) {
      const date = readVsftpdDate(bytes);
      const pidEnd = date < 0 ? -1 : indexOfAscii(bytes, "] ", 25);
      if (date < 0 || pidEnd === -1 || !startsWithAscii(bytes, " [pid ", 24)) {
        if (bytes.length > 0)
          sink.diagnostic({
            type: "unknown-line",
            message: "not a vsftpd log line",
            lineNumber,
            excerpt: excerpt(bytes),
          });
        return;
      }
      const pid = readDigits(bytes, 30, pidEnd - 30);
      let at = pidEnd + 2;
      // `[user] ` once logged in (or once USER named one)
      if (bytes[at] === 0x5b) {
        const close = indexOfAscii(bytes, "] ", at);
        if (close !== -1) at = close + 2;
      }
      const host = clientHost(bytes, at);
      if (startsWithAscii(bytes, 'CONNECT: Client "', at)) {
        const previous = byPid.get(pid);
        if (previous !== undefined) forget(previous);
        const session: VsftpdSession = { key: `pid ${pid}`, host, openCode: -1, lastVerb: "" };
        byPid.set(pid, session);
        sink.connection({ origHost: host }, { lineNumber, ts: date, session: session.key });
        return;
      }
      if (startsWithAscii(bytes, "OK LOGIN: ", at) || startsWithAscii(bytes, "FAIL LOGIN: ", at)) {
        // The parent's pid is usually the pre-login process's less one.
        const session = take(awaitingLogin, host, `pid ${pid + 1}`);
        if (session !== undefined && bytes[at] === 0x4f) loggedIn.push(session);
        return;
      }
      const isCommand = startsWithAscii(bytes, 'FTP command: Client "', at);
      const isResponse = !isCommand && startsWithAscii(bytes, 'FTP response: Client "', at);
      if (!isCommand && !isResponse) return; // OK DOWNLOAD, FAIL UPLOAD …: no protocol line
      let payload = quotedPayload(bytes, at);
      if (payload === undefined) {
        sink.diagnostic({
          type: "unknown-line",
          message: "vsftpd log line without its quoted text",
          lineNumber,
          excerpt: excerpt(bytes),
        });
        return;
      }
      let session = byPid.get(pid);
      if (session === undefined) {
        const joined = take(loggedIn, host) ?? take(awaitingLogin, host);
        if (joined === undefined) {
          // A session whose CONNECT is not in the log (it starts before the log does).
          session = { key: `pid ${pid}`, host, openCode: -1, lastVerb: "" };
          sink.connection({ origHost: host }, { lineNumber, ts: date, session: session.key });
        } else session = joined;
        byPid.set(pid, session);
      }
      if (isResponse) {
        const code = startsWithReplyCode(payload) ? readDigits(payload, 0, 3) : -1;
        if (session.openCode === -1) {
          if (code !== -1 && payload[3] === HYPHEN) session.openCode = code;
        } else if (code === session.openCode && payload[3] !== HYPHEN) {
          session.openCode = -1; // RFC 959 §4.2: the closing line repeats the code with a space
        } else if (
          payload.length >= 2 &&
          payload[payload.length - 1] === QUESTION_MARK &&
          payload[payload.length - 2] === QUESTION_MARK
        ) {
          payload = payload.subarray(0, payload.length - 2);
        }
      } else {
        const space = payload.indexOf(SPACE);
        session.lastVerb = latin1
          .decode(payload.subarray(0, space === -1 ? payload.length : space))
          .toUpperCase();
        if (session.lastVerb === "PASS" && !awaitingLogin.includes(session)) awaitingLogin.push(session);
      }
      sink.event({
        direction: isCommand ? "client" : "server",
        line: payload,
        ts: date,
        lineNumber,
        session: session.key,
      });
      if (isResponse && session.lastVerb === "QUIT" && startsWithAscii(payload, "221")) {
        forget(session);
        sink.close({ lineNumber, ts: date, session: session.key });
      }
    },
    end() {},
  };
}

export const vsftpdFormat: TranscriptFormat = {
  name: "vsftpd",
  description: "vsftpd's log with log_ftp_protocol=YES",
  hasGreeting: true,
  detect(lines) {
    let score = 0;
    for (const line of lines) {
      if (/^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} \[pid \d+\] /.test(line)) score++;
    }
    return score;
  },
  createReader: createVsftpdReader,
};
