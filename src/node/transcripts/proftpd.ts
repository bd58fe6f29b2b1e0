/**
 * ProFTPD's ExtendedLog, in any `LogFormat` made of the variables that say what was said (log-format.ts): by
 * default the common log format ProFTPD's documentation shows — `%h %l %u %t "%r" %s` followed by `%b` or by the
 * reply text `"%S"` (what the fixture uses):
 *
 *   127.0.0.1 UNKNOWN ftp [24/Nov/2026:14:06:12 +0000] "CWD /pub" 250 "CWD command successful"
 *
 * or the server's own format, given (`--log-format`, or the `LogFormat` line of its configuration):
 *
 *   2026-12-03 14:41:16,707 23735 127.0.0.1 ftp "CWD" "/pub" 250 "CWD command successful" ftp
 *
 * What ProFTPD can log here is one line per command: the command (`%r`, or `%m` and `%J`; PASS shown as
 * `PASS (hidden)`), the code of its final reply (`%s`) and that reply's last line (`%S`). The greeting, 1xx
 * preliminary replies and the first lines of multi-line replies are not in this log (its TraceLog has them), so
 * the dialogue read from it has each command with its final reply only.
 *
 * ProFTPD logs some commands twice: `OPTS UTF8 ON` is dispatched as `OPTS_UTF8` (logged with the reply) and then
 * logged again as `OPTS` with the code `-` (no reply). The second entry is skipped; another entry with `-` is
 * reported as `no-reply`.
 */
import {
  decodeLatin1,
  excerpt,
  latin1Bytes,
  monthIndex,
  readClock,
  readDigits,
  setBounded,
  utcSeconds,
} from "./bytes.js";
import {
  type CompiledLogFormat,
  compileLogFormat,
  LogFormatError,
  type LogFormatFieldName,
} from "./log-format.js";
import type { TranscriptFormat, TranscriptReader, TranscriptReaderContext, TranscriptSink } from "./types.js";

/**
 * The formats tried when none is given, in order: the common log format ProFTPD documents for ExtendedLog, with
 * the reply text, with the byte count, or with nothing after the code.
 */
export const DEFAULT_PROFTPD_LOG_FORMATS: readonly string[] = [
  '%h %l %u %t "%r" %s "%S"',
  '%h %l %u %t "%r" %s %b',
  '%h %l %u %t "%r" %s',
];

const textEncoder = new TextEncoder();

/** `[24/Nov/2026:14:06:12 +0000]` → epoch seconds, or undefined. */
function clfSeconds(text: string): number | undefined {
  const bytes = textEncoder.encode(text);
  const day = readDigits(bytes, 1, 2);
  const month = monthIndex(bytes, 4);
  const year = readDigits(bytes, 8, 4);
  const clock = readClock(bytes, 13);
  const zone = readDigits(bytes, 23, 4);
  if (day < 1 || month < 0 || year < 0 || clock < 0 || zone < 0) return undefined;
  const offset = (Math.trunc(zone / 100) * 60 + (zone % 100)) * 60 * (text[22] === "+" ? 1 : -1);
  return utcSeconds(year, month, day, 0, 0, 0) + clock - offset;
}

/** `2026-11-24 14:06:12,345` (local time, read as UTC as the other readers do) → epoch seconds. */
export function iso8601Seconds(text: string): number | undefined {
  const bytes = textEncoder.encode(text);
  const year = readDigits(bytes, 0, 4);
  const month = readDigits(bytes, 5, 2);
  const day = readDigits(bytes, 8, 2);
  const clock = readClock(bytes, 11);
  const millis = readDigits(bytes, 20, 3);
  if (year < 0 || month < 1 || month > 12 || day < 1 || clock < 0) return undefined;
  return utcSeconds(year, month - 1, day, 0, 0, 0) + clock + (millis < 0 ? 0 : millis / 1000);
}

/**
 * Requests of a CLF transfer log (Pure-FTPd's `-O clf:…`): an HTTP-style method and a path, one line per
 * transfer, no dialogue. ProFTPD's `%r` is an FTP command line, never one of these.
 */
const HTTP_METHOD = /^(GET|PUT|POST|HEAD|DELETE) \//;

/** The formats a reader tries: the one given, or the defaults. */
function formatsOf(context: Pick<TranscriptReaderContext, "logFormat"> | undefined): CompiledLogFormat[] {
  const given = context?.logFormat;
  const formats =
    given === undefined ? DEFAULT_PROFTPD_LOG_FORMATS : typeof given === "string" ? [given] : given;
  return formats.map(compileLogFormat);
}

/** The first format that matches the line, with its values. */
function matchLine(
  formats: readonly CompiledLogFormat[],
  line: string,
): Partial<Record<LogFormatFieldName, string>> | undefined {
  for (const format of formats) {
    const values = format.match(line);
    if (values !== undefined) return values;
  }
  return undefined;
}

/** The command line a matched entry logged: `%r`, or `%m` and `%J`; ProFTPD's `OPTS_UTF8` is `OPTS UTF8`. */
function requestOf(values: Partial<Record<LogFormatFieldName, string>>): string {
  let request = values.request;
  if (request === undefined) {
    const argument = values.argument;
    request =
      argument === undefined || argument === "" || argument === "-"
        ? values.verb!
        : `${values.verb} ${argument}`;
  }
  const space = request.indexOf(" ");
  const underscore = request.indexOf("_");
  if (underscore !== -1 && (space === -1 || underscore < space))
    request = `${request.slice(0, underscore)} ${request.slice(underscore + 1)}`;
  return request;
}

/**
 * The session a line belongs to: ProFTPD's process id (`%P`, one process per session), else the client's
 * address and port (`%a`/`%h` with `%{remote-port}`), else the client's address alone.
 */
function sessionOf(values: Partial<Record<LogFormatFieldName, string>>): {
  key: string;
  host: string | undefined;
  port: number | undefined;
} {
  const host = values.address ?? values.host;
  const port = values.port === undefined || !/^\d+$/.test(values.port) ? undefined : Number(values.port);
  if (values.pid !== undefined) return { key: `pid ${values.pid}`, host, port };
  if (port !== undefined) return { key: `client ${host ?? "?"}:${port}`, host, port };
  return { key: `host ${host ?? "?"}`, host, port };
}

function createProftpdReader(sink: TranscriptSink, context: TranscriptReaderContext): TranscriptReader {
  const formats = formatsOf(context);
  /** The sessions open now, with the last command each logged (to skip ProFTPD's second entry of one). */
  const live = new Map<string, string>();
  return {
    line(bytes, lineNumber) {
      if (bytes.length === 0) return;
      const text = decodeLatin1(bytes);
      const values = matchLine(formats, text);
      if (values === undefined) {
        sink.diagnostic({
          type: "unknown-line",
          message: `not a ProFTPD ExtendedLog line of the format ${JSON.stringify(formats[0]!.source)}${formats.length > 1 ? " (or the other defaults)" : ""}`,
          lineNumber,
          excerpt: excerpt(bytes),
        });
        return;
      }
      const requestText = requestOf(values);
      if (HTTP_METHOD.test(requestText)) {
        sink.diagnostic({
          type: "unknown-line",
          message: "a CLF transfer log line (an HTTP-style method), not an FTP command",
          lineNumber,
          excerpt: excerpt(bytes),
        });
        return;
      }
      const time = values.time ?? values.iso8601;
      const ts =
        time === undefined ? undefined : values.time !== undefined ? clfSeconds(time) : iso8601Seconds(time);
      const { key: session, host, port } = sessionOf(values);
      const code = values.code!;
      if (code === "-") {
        if (live.get(session) !== requestText)
          sink.diagnostic({
            type: "no-reply",
            message: "the log has this command without a reply code",
            lineNumber,
            excerpt: excerpt(bytes),
          });
        return;
      }
      if (!live.has(session))
        sink.connection({ origHost: host, origPort: port }, { lineNumber, ts, session });
      setBounded(live, session, requestText);
      // Back to the line's own bytes (latin1 keeps one character per byte): the request may be UTF-8.
      sink.event({ direction: "client", line: latin1Bytes(requestText), ts, lineNumber, session });
      const message = values.message;
      const reply = message === undefined || message === "-" ? code : `${code} ${message}`;
      sink.event({ direction: "server", line: latin1Bytes(reply), ts, lineNumber, session });
      // A 2xx to QUIT ends the session.
      if (/^QUIT\b/i.test(requestText) && code[0] === "2") {
        live.delete(session);
        sink.close({ lineNumber, ts, session });
      }
    },
    end() {},
  };
}

export const proftpdFormat: TranscriptFormat = {
  name: "proftpd",
  description: 'ProFTPD ExtendedLog: %h %l %u %t "%r" %s, then %b or "%S" (or --log-format)',
  hasGreeting: false,
  detect(lines, context) {
    let formats: CompiledLogFormat[];
    try {
      formats = formatsOf(context);
    } catch (error) {
      if (error instanceof LogFormatError) return 0;
      throw error;
    }
    let score = 0;
    for (const line of lines) {
      const values = matchLine(formats, line);
      if (values !== undefined && !HTTP_METHOD.test(requestOf(values))) score++;
    }
    return score;
  },
  createReader: createProftpdReader,
};
