/**
 * The xferlog transfer log (wu-ftpd's format, written by vsftpd with `xferlog_enable=YES` and
 * `xferlog_std_format=YES`, and by ProFTPD's `TransferLog`): one line per file transferred, no dialogue.
 *
 *   Thu Dec  3 14:41:29 2026 1 127.0.0.1 100000 /big.bin b _ o a ftp@example.com ftp 0 * c
 *
 * current-time (24 characters, local time, read as UTC), transfer-time (s), remote-host, file-size, filename,
 * transfer-type (a/b), special-action-flag (C U T _), direction (o i d), access-mode (a g r), username (an
 * anonymous client's e-mail address), service-name, authentication-method (0 1), authenticated-user-id (* or a
 * name), completion-status (c i). The filename may hold spaces: the fields after it are counted from the line's
 * end. Each line is a `TransferRecord`. Sessions: the log names none; transfers of one client address and one
 * user (or one anonymous e-mail address) are one session (`host H user U`, `host H anonymous N`: the N-th
 * address seen, so that the key does not show what the client gave as password).
 */
import { excerpt, monthIndex, readClock, readDigits, SPACE, setBounded, utcSeconds } from "./bytes.js";
import type { TranscriptFormat, TranscriptReader, TranscriptReaderContext, TranscriptSink } from "./types.js";

const DIRECTIONS = { o: "download", i: "upload", d: "delete" } as const;
const TYPES = { a: "ascii", b: "binary" } as const;
const ACCESS = { a: "anonymous", g: "guest", r: "real" } as const;
const COMPLETION = { c: true, i: false } as const;
/** The fields after the filename. */
const TRAILING_FIELDS = 9;

/** `Thu Dec  3 14:41:29 2026` (or `Dec 03`) at the line's start → epoch seconds, or -1. */
function readXferlogDate(bytes: Uint8Array): number {
  if (bytes[3] !== SPACE || bytes[7] !== SPACE || bytes[19] !== SPACE || bytes[24] !== SPACE) return -1;
  const month = monthIndex(bytes, 4);
  const day = bytes[8] === SPACE ? readDigits(bytes, 9, 1) : readDigits(bytes, 8, 2);
  const clock = readClock(bytes, 11);
  const year = readDigits(bytes, 20, 4);
  if (month < 0 || day < 1 || clock < 0 || year < 0) return -1;
  return utcSeconds(year, month, day, 0, 0, 0) + clock;
}

const latin1 = new TextDecoder("latin1");

function lookup<T extends Record<string, unknown>>(
  table: T,
  key: string | undefined,
): T[keyof T] | undefined {
  return key !== undefined && Object.hasOwn(table, key) ? (table[key] as T[keyof T]) : undefined;
}

function createXferlogReader(sink: TranscriptSink, context: TranscriptReaderContext): TranscriptReader {
  /** Anonymous clients' e-mail addresses, numbered: the session key names the number, not the address. */
  const anonymousIds = new Map<string, number>();
  let anonymousCount = 0;
  return {
    line(bytes, lineNumber) {
      if (bytes.length === 0) return;
      const unknown = (message: string): void =>
        sink.diagnostic({ type: "unknown-line", message, lineNumber, excerpt: excerpt(bytes) });
      const ts = readXferlogDate(bytes);
      if (ts < 0) {
        unknown("not an xferlog line (no date)");
        return;
      }
      const fields = latin1.decode(bytes.subarray(25)).split(" ");
      if (fields.length < 4 + TRAILING_FIELDS) {
        unknown("an xferlog line with too few fields");
        return;
      }
      const [duration, host, size] = fields as [string, string, string];
      const tail = fields.slice(fields.length - TRAILING_FIELDS);
      const [type, , direction, access, user, service, , , status] = tail;
      const record = {
        type: lookup(TYPES, type),
        direction: lookup(DIRECTIONS, direction),
        access: lookup(ACCESS, access),
        complete: lookup(COMPLETION, status),
      };
      if (
        !/^\d+$/.test(duration) ||
        !/^\d+$/.test(size) ||
        record.type === undefined ||
        record.direction === undefined ||
        record.access === undefined ||
        record.complete === undefined
      ) {
        unknown("an xferlog line whose fields are not xferlog's");
        return;
      }
      const anonymous = record.access === "anonymous";
      const keepId = context.recordPasswords === true || context.recordPasswords === "guest";
      let session = `host ${host} user ${user}`;
      if (anonymous) {
        if (!anonymousIds.has(user!)) setBounded(anonymousIds, user!, ++anonymousCount);
        session = `host ${host} anonymous ${anonymousIds.get(user!)}`;
      }
      sink.transfer(
        {
          ts,
          duration: Number(duration),
          host,
          path: fields.slice(3, fields.length - TRAILING_FIELDS).join(" "),
          size: Number(size),
          direction: record.direction,
          type: record.type,
          access: record.access,
          user: anonymous ? "anonymous" : user!,
          anonymousId: anonymous && keepId ? user : undefined,
          complete: record.complete,
          service: service!,
          line: lineNumber,
        },
        { lineNumber, ts, session },
        { origHost: host },
      );
    },
    end() {},
  };
}

export const xferlogFormat: TranscriptFormat = {
  name: "xferlog",
  description: "xferlog transfer log (vsftpd xferlog_std_format=YES, ProFTPD TransferLog)",
  hasGreeting: false,
  detect(lines) {
    let score = 0;
    for (const line of lines) {
      if (
        /^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} \d+ \S+ \d+ /.test(line) &&
        / [ab] \S+ [oid] [agr] \S+ \S+ [01] \S+ [ci]$/.test(line)
      )
        score++;
    }
    return score;
  },
  createReader: createXferlogReader,
};
