/**
 * ftp-srv's log: bunyan JSON, one record per line, at level `trace` (ftp-srv logs the dialogue at trace only):
 *
 *   {"name":"ftp-srv",…,"id":"c4de…","ip":"127.0.0.1","level":10,"port":2540,"message":"220 Ready","msg":"Reply",…}
 *   {"name":"ftp-srv",…,"id":"c4de…","ip":"127.0.0.1","directive":"USER","level":10,
 *    "command":{"directive":"USER","arg":"anonymous","flags":[],"raw":"USER anonymous"},"msg":"Handle command",…}
 *
 * `Handle command` records hold each command as the client sent it (`command.raw`; ftp-srv masks `arg` of PASS
 * but not `raw`); `Reply` records each line the server wrote, with the local port of the socket it went to: the
 * control connection's (the port of the session's first reply, the greeting) or a data connection's (a LIST
 * listing, written through the same function) — those are skipped. `id` is ftp-srv's connection id: the session
 * key; `ip` the client's address; `time` an ISO 8601 UTC time. Other records (`[ 'USER anonymous' ]`, passive
 * connections, errors) hold no protocol line.
 */
import { excerpt, setBounded } from "./bytes.js";
import type { TranscriptFormat, TranscriptReader, TranscriptSink } from "./types.js";

const textDecoder = new TextDecoder();

/** A bunyan record of ftp-srv's, as far as this reader needs it. */
interface FtpSrvRecord {
  readonly id?: unknown;
  readonly ip?: unknown;
  readonly msg?: unknown;
  readonly time?: unknown;
  readonly port?: unknown;
  readonly message?: unknown;
  readonly command?: { readonly raw?: unknown; readonly directive?: unknown; readonly arg?: unknown } | null;
}

/** A bunyan record: an object with bunyan's own fields (`v`, `level`, `msg`, `time`). */
function parseRecord(bytes: Uint8Array): FtpSrvRecord | undefined {
  if (bytes[0] !== 0x7b) return undefined; // `{`
  let value: unknown;
  try {
    value = JSON.parse(textDecoder.decode(bytes));
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  return typeof record.v === "number" && typeof record.level === "number" && typeof record.msg === "string"
    ? (record as FtpSrvRecord)
    : undefined;
}

interface FtpSrvSession {
  /** The control connection's local port: the port of the session's first reply. */
  port: unknown;
  verb: string;
}

function createFtpSrvReader(sink: TranscriptSink): TranscriptReader {
  const live = new Map<string, FtpSrvSession>();
  return {
    line(bytes, lineNumber) {
      if (bytes.length === 0) return;
      const record = parseRecord(bytes);
      if (record === undefined) {
        sink.diagnostic({
          type: "unknown-line",
          message: "not a bunyan JSON record",
          lineNumber,
          excerpt: excerpt(bytes),
        });
        return;
      }
      if (typeof record.id !== "string" || (record.msg !== "Reply" && record.msg !== "Handle command"))
        return;
      const key = `id ${record.id}`;
      const parsed = typeof record.time === "string" ? Date.parse(record.time) : Number.NaN;
      const ts = Number.isNaN(parsed) ? undefined : parsed / 1000;
      let session = live.get(key);
      if (session === undefined) {
        session = { port: record.port, verb: "" };
        setBounded(live, key, session);
        const port = typeof record.port === "number" ? record.port : undefined;
        sink.connection(
          { origHost: typeof record.ip === "string" ? record.ip : undefined, respPort: port },
          { lineNumber, ts, session: key },
        );
      }
      if (record.msg === "Handle command") {
        const command = record.command;
        const raw = typeof command?.raw === "string" ? command.raw : undefined;
        if (raw === undefined) {
          sink.diagnostic({
            type: "unknown-line",
            message: "a command record without the command",
            lineNumber,
            excerpt: excerpt(bytes),
          });
          return;
        }
        session.verb = raw.split(" ", 1)[0]!.toUpperCase();
        sink.event({ direction: "client", line: raw, ts, lineNumber, session: key });
        return;
      }
      if (record.port !== session.port || typeof record.message !== "string") return; // a data connection's
      for (const line of record.message.split(/\r?\n/)) {
        if (line !== "") sink.event({ direction: "server", line, ts, lineNumber, session: key });
      }
      if (session.verb === "QUIT" && record.message.startsWith("221")) {
        live.delete(key);
        sink.close({ lineNumber, ts, session: key });
      }
    },
    end() {},
  };
}

export const ftpSrvFormat: TranscriptFormat = {
  name: "ftp-srv",
  description: "ftp-srv's bunyan JSON log at level trace",
  hasGreeting: true,
  detect(lines) {
    let score = 0;
    // bunyan writes `name` first and `v` last (no pattern: a hostile line must not make detection slow); a line
    // of ftp-srv's is named so (its default logger) or is one of its dialogue records.
    for (const line of lines) {
      if (
        line.startsWith('{"name":') &&
        /"v":\d+\}$/.test(line.slice(-12)) &&
        (line.startsWith('{"name":"ftp-srv"') ||
          line.includes('"msg":"Reply"') ||
          line.includes('"msg":"Handle command"'))
      )
        score++;
    }
    return score;
  },
  createReader: createFtpSrvReader,
};
