/**
 * ProFTPD's TraceLog with the `command` and `response` channels (`TraceLog /var/log/proftpd/trace.log` and
 * `Trace command:7 response:7`; ProFTPD 1.3.8's trace channels include `command`, `response`, `auth`, `fsio`,
 * `inet`, `timer`, `event`, `ctrls` … — only these two carry the dialogue):
 *
 *   2026-12-03 14:40:28,664 [22227] <response:1>: 220 ProFTPD Server (ftp-reply fixture) [127.0.0.1]
 *   2026-12-03 14:40:28,664 [22227] <command:7>: dispatching PRE_CMD command 'USER anonymous' to mod_core.c
 *   2026-12-03 14:40:28,664 [22227] <response:1>: 331 Anonymous login ok, send your complete email address …
 *
 * Each line the server sends is a `<response:1>` message, every line of a multi-line reply included (the greeting
 * and 1xx replies too). A command is known by its dispatching: ProFTPD dispatches each command to each module in
 * phases (PRE_CMD, CMD, POST_CMD, LOG_CMD), logging the command line each time; the first such line after the
 * last final reply (or with another command line) in a first phase (PRE_CMD, CMD) is the command, the rest
 * repeat it. ProFTPD re-dispatches some
 * commands under internal names (`OPTS UTF8 ON` as `OPTS_UTF8 ON`): those belong to the command being handled.
 * PASS is logged as `PASS (hidden)`. Times are local (read as UTC). Every line has the session's process id.
 */
import { excerpt, readDigits, setBounded, startsWithReplyCode } from "./bytes.js";
import { iso8601Seconds } from "./proftpd.js";
import type { TranscriptFormat, TranscriptReader, TranscriptSink } from "./types.js";

/** `2026-12-03 14:40:28,664 [22227] <response:1>: message` */
const TRACE_LINE = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) \[(\d+)\] <([\w.-]+):(\d+)>: /;
/** `dispatching PRE_CMD command 'USER anonymous' to mod_core.c` — the command line between the quotes. */
const DISPATCH = /^dispatching (\w+) command '/;
/** The phases a command's handling starts with; later phases (POST_CMD, LOG_CMD, their _ERR forms) repeat it. */
const FIRST_PHASES = new Set(["PRE_CMD", "CMD"]);
const DISPATCH_TAIL = /' to mod_[\w.]+$/;
const CLIENT_EOF = "client sent EOF, closing control connection";

const latin1 = new TextDecoder("latin1");

interface TraceSession {
  /** The command line being handled, and whether its final reply was sent. */
  command: string;
  answered: boolean;
}

function createProftpdTraceReader(sink: TranscriptSink): TranscriptReader {
  const live = new Map<string, TraceSession>();
  return {
    line(bytes, lineNumber) {
      if (bytes.length === 0) return;
      // The prefix is ASCII and short; the message is kept as bytes.
      const head = latin1.decode(bytes.subarray(0, 80));
      const match = TRACE_LINE.exec(head);
      if (match === null) {
        sink.diagnostic({
          type: "unknown-line",
          message: "not a ProFTPD TraceLog line",
          lineNumber,
          excerpt: excerpt(bytes),
        });
        return;
      }
      const [prefix, time, pid, channel, level] = match as unknown as [
        string,
        string,
        string,
        string,
        string,
      ];
      const message = bytes.subarray(prefix.length);
      const ts = iso8601Seconds(time);
      const key = `pid ${pid}`;
      let session = live.get(key);
      const open = (): TraceSession => {
        const fresh: TraceSession = { command: "", answered: true };
        setBounded(live, key, fresh);
        sink.connection({}, { lineNumber, ts, session: key });
        return fresh;
      };
      if (channel === "response" && level === "1") {
        session ??= open();
        sink.event({ direction: "server", line: message, ts, lineNumber, session: key });
        // RFC 959 §4.2: a final reply's (last) line is its code and a space.
        if (startsWithReplyCode(message) && message[3] !== 0x2d && readDigits(message, 0, 1) >= 2) {
          session.answered = true;
          if (/^QUIT\b/i.test(session.command) && message[0] === 0x32) {
            live.delete(key);
            sink.close({ lineNumber, ts, session: key });
          }
        }
        return;
      }
      if (channel !== "command") return; // other channels (and levels) hold no protocol line
      const text = latin1.decode(message);
      if (text === CLIENT_EOF) {
        if (session !== undefined) {
          live.delete(key);
          sink.close({ lineNumber, ts, session: key });
        }
        return;
      }
      const quoted = DISPATCH.exec(text);
      const tail = quoted === null ? null : DISPATCH_TAIL.exec(text);
      if (quoted === null || tail === null) return;
      // Only a first phase can start a command: POST_CMD and LOG_CMD come after (even after the reply to QUIT).
      if (!FIRST_PHASES.has(quoted[1]!)) return;
      const line = message.subarray(quoted[0].length, tail.index);
      const command = latin1.decode(line);
      session ??= open();
      if (!session.answered && (command === session.command || isInternalName(command, session.command)))
        return;
      session.command = command;
      session.answered = false;
      sink.event({ direction: "client", line, ts, lineNumber, session: key });
    },
    end() {},
  };
}

/** `OPTS_UTF8 ON` while `OPTS UTF8 ON` is handled: ProFTPD's internal name of a command it re-dispatches. */
function isInternalName(command: string, handled: string): boolean {
  const verb = handled.split(" ", 1)[0]!;
  return verb !== "" && command.toUpperCase().startsWith(`${verb.toUpperCase()}_`);
}

export const proftpdTraceFormat: TranscriptFormat = {
  name: "proftpd-trace",
  description: 'ProFTPD TraceLog with Trace "command:7 response:7"',
  hasGreeting: true,
  detect(lines) {
    let score = 0;
    for (const line of lines) if (TRACE_LINE.test(line)) score++;
    return score;
  },
  createReader: createProftpdTraceReader,
};
