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
 * `OK DOWNLOAD` …) carry no protocol line. Times are local (read here as UTC).
 */
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

const HYPHEN = 0x2d;
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

function createVsftpdReader(sink: TranscriptSink): TranscriptReader {
  /** The code of the multi-line reply being logged, or -1. */
  let openCode = -1;
  return {
    line(bytes, lineNumber) {
      const date = readVsftpdDate(bytes);
      const pid = date < 0 ? -1 : indexOfAscii(bytes, "] ", 25);
      if (date < 0 || pid === -1 || !startsWithAscii(bytes, " [pid ", 24)) {
        if (bytes.length > 0)
          sink.diagnostic({
            type: "unknown-line",
            message: "not a vsftpd log line",
            lineNumber,
            excerpt: excerpt(bytes),
          });
        return;
      }
      let at = pid + 2;
      // `[user] ` once logged in (or once USER named one)
      if (bytes[at] === 0x5b) {
        const close = indexOfAscii(bytes, "] ", at);
        if (close !== -1) at = close + 2;
      }
      if (startsWithAscii(bytes, 'CONNECT: Client "', at)) {
        const end = bytes.indexOf(QUOTE, at + 17);
        const host = end === -1 ? undefined : new TextDecoder().decode(bytes.subarray(at + 17, end));
        openCode = -1;
        sink.connection({ lineNumber, origHost: host });
        return;
      }
      const isCommand = startsWithAscii(bytes, 'FTP command: Client "', at);
      const isResponse = !isCommand && startsWithAscii(bytes, 'FTP response: Client "', at);
      if (!isCommand && !isResponse) return; // OK LOGIN, FAIL DOWNLOAD …: no protocol line
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
      if (isResponse) {
        const code = startsWithReplyCode(payload) ? readDigits(payload, 0, 3) : -1;
        if (openCode === -1) {
          if (code !== -1 && payload[3] === HYPHEN) openCode = code;
        } else if (code === openCode && payload[3] !== HYPHEN) {
          openCode = -1; // RFC 959 §4.2: the closing line repeats the code with a space
        } else if (
          payload.length >= 2 &&
          payload[payload.length - 1] === QUESTION_MARK &&
          payload[payload.length - 2] === QUESTION_MARK
        ) {
          payload = payload.subarray(0, payload.length - 2);
        }
      }
      sink.event({ direction: isCommand ? "client" : "server", line: payload, ts: date, lineNumber });
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
