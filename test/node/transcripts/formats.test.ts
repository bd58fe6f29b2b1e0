/**
 * Server logs of concurrent clients in the formats a server can be set to write (fixtures/logs/formats, made by
 * `scripts/record-logs.sh formats`): ProFTPD's ExtendedLog in two LogFormats and its TraceLog, ftp-srv's JSON
 * log, vsftpd's and ProFTPD's xferlog — each recorded with a pcap of the same run. The references are
 * `<server>.reference.json` (tshark's followed streams, paired by scripts/ftp-reference.py) and
 * `<server>.sizes` (stat of the files served and uploaded), never ftp-reply's output.
 */
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { setBounded } from "../../../src/node/transcripts/bytes.js";
import {
  type ReadTranscriptOptions,
  readTranscript,
  type TranscriptProblem,
} from "../../../src/node/transcripts/index.js";
import { logFormatsOfConfig } from "../../../src/node/transcripts/log-format.js";
import type { ConnectionInfo, TransferRecord } from "../../../src/records.js";
import {
  type CaptureStream,
  captureReference,
  expectedOf,
  fixturePath,
  type LogSession,
  type Pair,
  read,
  readFixture,
  sessionsOf,
} from "./helpers.js";

function reference(name: string): CaptureStream[] {
  return captureReference("formats", name);
}

const key = (value: unknown): string => JSON.stringify(value);

/** The sessions of a log against the streams of the capture, as multisets (session order is the log's). */
function expectSameSessions(log: readonly LogSession[], streams: readonly CaptureStream[]): void {
  expect(log).toHaveLength(streams.length);
  const expected = streams.map((s) => key(expectedOf(s))).sort();
  expect(log.map((s) => key(s.exchanges)).sort()).toEqual(expected);
  expect(new Set(log.map((s) => s.conn.uid)).size).toBe(log.length);
}

const proftpdConfig = readFileSync(fixturePath("formats/proftpd.conf"), "utf8");
const logFormat = (name: string): string =>
  logFormatsOfConfig(proftpdConfig).find((f) => f.name === name)!.format;

describe("the references agree with each other", () => {
  test.each(["proftpd", "ftp-srv", "vsftpd"])(
    "%s: tshark's FTP dissection has the commands of the followed streams (its rows of Telnet bytes aside)",
    (server) => {
      const rows = readFileSync(fixturePath(`formats/${server}.ftp.tsv`), "utf8")
        .trim()
        .split("\n")
        .slice(1);
      const byStream = new Map<number, string[]>();
      for (const row of rows) {
        const [stream, command] = row.split("\t");
        // The urgent Telnet IP/DM before ABOR came in segments of their own: tshark shows them as requests.
        if (command !== undefined && /^[A-Za-z]+$/.test(command))
          byStream.set(Number(stream), [...(byStream.get(Number(stream)) ?? []), command]);
      }
      const streams = reference(server);
      expect(streams).toHaveLength(4);
      for (const stream of streams)
        expect(byStream.get(stream.stream) ?? []).toEqual(expectedOf(stream).map(([c]) => c.split(" ")[0]));
    },
  );

  test("the clients ran at the same time: the logs interleave their sessions", () => {
    for (const name of ["proftpd-trace.log", "proftpd-extended-pid.log"]) {
      const text = readFileSync(fixturePath(`formats/${name}`), "latin1");
      const pids = [...text.matchAll(/^\S+ \S+ \[?(\d+)\]? /gm)].map((m) => m[1]);
      const runs = pids.filter((pid, i) => i === 0 || pid !== pids[i - 1]).length;
      expect(runs).toBeGreaterThan(new Set(pids).size);
    }
  });
});

describe("ProFTPD ExtendedLog in the server's own LogFormat (four clients at once, all from 127.0.0.1)", () => {
  test('with %P ("%{iso8601} %P %a %u "%m" "%J" %s "%S" %{protocol}"): a session per process, one per stream', async () => {
    const result = await readFixture("formats/proftpd-extended-pid.log", {
      logFormat: logFormat("bypid"),
      recordPasswords: true,
    });
    expect(result.format).toBe("proftpd");
    expect(result.problems).toEqual([]);
    const log = sessionsOf(result.exchanges, result.conns);
    expectSameSessions(log, reference("proftpd"));
    for (const session of log) {
      expect(session.conn.sessionKey).toMatch(/^pid \d+$/);
      expect(session.conn.origHost).toBe("127.0.0.1");
      // No greeting in this log (commands only), and times from %{iso8601}.
      expect(session.greeting).toBeUndefined();
      expect(session.conn.sessionStart).toBeGreaterThan(1.7e9);
    }
  });

  test('without %P but with %a %{remote-port} ("%t %a %{remote-port} %u "%r" %s"): a session per client port', async () => {
    const result = await readFixture("formats/proftpd-extended-port.log", {
      logFormat: logFormat("byport"),
      recordPasswords: true,
    });
    expect(result.problems).toEqual([]);
    const log = sessionsOf(result.exchanges, result.conns);
    expectSameSessions(log, reference("proftpd"));
    for (const session of log) {
      expect(session.conn.sessionKey).toMatch(/^client 127\.0\.0\.1:\d+$/);
      expect(session.conn.origPort).toBe(Number(session.conn.sessionKey!.split(":")[1]));
    }
    expect(new Set(log.map((s) => s.conn.origPort)).size).toBe(4);
  });

  test("every LogFormat line of the configuration given at once: each line read with the one that matches it", async () => {
    const formats = logFormatsOfConfig(proftpdConfig).map((f) => f.format);
    expect(formats).toHaveLength(2);
    for (const name of ["proftpd-extended-pid.log", "proftpd-extended-port.log"]) {
      const result = await readFixture(`formats/${name}`, { logFormat: formats, recordPasswords: true });
      expect(result.problems).toEqual([]);
      expectSameSessions(sessionsOf(result.exchanges, result.conns), reference("proftpd"));
    }
  });

  test("without its LogFormat the log is refused, not guessed; forced, its lines are unknown", async () => {
    await expect(readFixture("formats/proftpd-extended-pid.log")).rejects.toThrow(/cannot read this log/);
    const forced = await readFixture("formats/proftpd-extended-pid.log", { format: "proftpd" });
    expect(forced.exchanges).toEqual([]);
    expect(forced.problems.length).toBeGreaterThan(40);
    expect(new Set(forced.problems.map((p) => p.type))).toEqual(new Set(["unknown-line"]));
  });
});

describe("ProFTPD TraceLog (Trace command:7 response:7)", () => {
  test("four sessions by pid, each with its greeting, every reply line, and the commands of its stream", async () => {
    const result = await readFixture("formats/proftpd-trace.log", { recordPasswords: true });
    expect(result.format).toBe("proftpd-trace");
    expect(result.problems).toEqual([]);
    const log = sessionsOf(result.exchanges, result.conns);
    const streams = reference("proftpd");
    expectSameSessions(log, streams);
    expect(log.map((s) => s.greeting)).toEqual(streams.map((s) => s.greeting));
    // Multi-line replies come whole: lftp's FEAT is answered by one 211 of several lines.
    const feat = result.exchanges.find((e) => e.command?.verb === "FEAT")!;
    expect(feat.final!.lines.length).toBeGreaterThan(3);
    // 1xx replies are in this log: each RETR has its 150 then 226.
    for (const retr of result.exchanges.filter((e) => e.command?.verb === "RETR"))
      expect(retr.replies.map((r) => r.code)).toEqual([150, 226]);
  });
});

describe("ftp-srv's JSON log (bunyan, level trace)", () => {
  test("four sessions by connection id, each one stream of the capture", async () => {
    const result = await readFixture("formats/ftp-srv.json", { recordPasswords: true });
    expect(result.format).toBe("ftp-srv");
    const log = sessionsOf(result.exchanges, result.conns);
    const streams = reference("ftp-srv");
    expect(log).toHaveLength(4);
    expect(log.map((s) => s.greeting)).toEqual(streams.map((s) => s.greeting));
    // lftp sent Telnet IP and DM before ABOR as urgent data in a segment of their own; ftp-srv decoded them as
    // U+FFFD and handled them as a command line of their own (answered 502), which the log records and the
    // wire does not have as a line: the one problem, and the one command the capture has not.
    expect(result.problems.map((p) => p.type)).toEqual(["invalid-verb"]);
    const telnet = (pair: Pair): boolean => pair[0].startsWith("\ufffd");
    const commands = (pairs: readonly Pair[]): string[] => pairs.map(([c]) => c);
    const byCommands = (s: LogSession): string => key(commands(s.exchanges.filter((p) => !telnet(p))));
    expect(log.map(byCommands).sort()).toEqual(streams.map((s) => key(commands(expectedOf(s)))).sort());
    // The final replies, in order, are the capture's (its pairs drift after that line; the sequence does not).
    expect(log.map((s) => key(s.finals)).sort()).toEqual(streams.map((s) => key(s.finals)).sort());
    // Where the server answered each line once, the pairs are the capture's.
    const clean = log.filter((s) => !s.exchanges.some(telnet));
    expect(clean).toHaveLength(3);
    const pairs = streams.map((s) => key(expectedOf(s)));
    for (const session of clean) expect(pairs).toContain(key(session.exchanges));
    for (const session of log) {
      expect(session.conn.sessionKey).toMatch(/^id [0-9a-f-]{36}$/);
      expect(session.conn).toMatchObject({ origHost: "127.0.0.1", respPort: 2540 });
    }
    // LIST's listing went to the data connection: not a reply of the control connection.
    const list = result.exchanges.find((e) => e.command?.verb === "LIST")!;
    expect(list.replies.map((r) => r.code)).toEqual([150, 226]);
  });
});

describe("what these readers cannot read is refused", () => {
  test("a bunyan log of another program, JSON lines, a TraceLog-looking line of no known shape", async () => {
    const other =
      '{"name":"web","hostname":"h","pid":1,"level":30,"msg":"GET /","time":"2026-12-03T14:41:22.249Z","v":0}\n';
    await expect(read(other.repeat(3))).rejects.toThrow(/cannot read this log/);
    await expect(read('{"a":1}\n{"b":2}\n')).rejects.toThrow(/cannot read this log/);
    await expect(read("2026-12-03 14:40:28,664 [x] <response:1>: 220 hi\n")).rejects.toThrow(
      /cannot read this log/,
    );
  });
});

describe("vsftpd's protocol log of the same run (dual_log_enable=YES, beside its xferlog)", () => {
  test("four sessions, each one stream (vsftpd writes the Telnet IP/DM before ABOR as ????)", async () => {
    const result = await readFixture("formats/vsftpd-protocol.log", { recordPasswords: true });
    expect(result.format).toBe("vsftpd");
    const log = sessionsOf(result.exchanges, result.conns);
    const abor = log.flatMap((s) => s.exchanges).filter(([c]) => c.endsWith("ABOR"));
    expect(abor.map(([c]) => c)).toEqual(["????ABOR"]);
    for (const session of log)
      session.exchanges = session.exchanges.map(([c, code]) => [c.replace(/^\?{4}ABOR$/, "ABOR"), code]);
    expectSameSessions(log, reference("vsftpd"));
  });
});

/** `size path` rows of `stat -c '%s %n'`, by path without its `./`. */
function sizes(server: string): Map<string, number> {
  const rows = readFileSync(fixturePath(`formats/${server}.sizes`), "utf8")
    .trim()
    .split("\n");
  return new Map(
    rows.map((row) => [row.slice(row.indexOf(" ") + 3), Number(row.slice(0, row.indexOf(" ")))]),
  );
}

async function readTransfers(
  bytes: Uint8Array,
  options: Partial<ReadTranscriptOptions> = {},
): Promise<{ transfers: TransferRecord[]; conns: ConnectionInfo[]; problems: TranscriptProblem[] }> {
  const records: TransferRecord[] = [];
  const conns: ConnectionInfo[] = [];
  const problems: TranscriptProblem[] = [];
  async function* source() {
    yield bytes;
  }
  const { format } = await readTranscript(source(), {
    ...options,
    onExchange: () => expect.unreachable("a transfer log has no dialogue"),
    onTransfer: (record, conn) => {
      records.push(record);
      conns.push(conn);
    },
    onProblem: (problem) => problems.push(problem),
  });
  expect(format).toBe("xferlog");
  return { transfers: records, conns, problems };
}

async function transfers(name: string): Promise<{ transfers: TransferRecord[]; conns: ConnectionInfo[] }> {
  const result = await readTransfers(new Uint8Array(readFileSync(fixturePath(`formats/${name}`))));
  expect(result.problems).toEqual([]);
  return result;
}

describe("xferlog: transfer records", () => {
  for (const [server, log, root] of [
    ["vsftpd", "vsftpd-xferlog", "/"],
    ["proftpd", "proftpd-xferlog", "/root/"],
  ] as const) {
    test(`${server}: every transfer's size is the file's (stat), each session's transfers are its stream's`, async () => {
      const { transfers: records, conns } = await transfers(log);
      const files = sizes(server);
      // Each RETR and STOR the capture shows completed (226) is one record.
      const streams = reference(server);
      const moved = streams.map((s) =>
        s.exchanges
          .filter(([c, code]) => /^(RETR|STOR) /.test(c) && code === 226)
          .map(([c]) => `${c.startsWith("RETR") ? "download" : "upload"} ${c.slice(5)}`),
      );
      expect(records).toHaveLength(moved.flat().length);
      for (const record of records) {
        const relative = record.path.slice(record.path.indexOf(root) + root.length);
        expect(files.get(relative)).toBe(record.size);
        expect(record).toMatchObject({
          complete: true,
          type: "binary",
          access: "anonymous",
          user: "anonymous",
        });
        // The e-mail address given as password is kept only when passwords are.
        expect(record.anonymousId).toBeUndefined();
      }
      // Sessions: by client address and anonymous address; each one is the transfers of one stream.
      const byUid = new Map<string, string[]>();
      records.forEach((record, i) => {
        const uid = conns[i]!.uid!;
        expect(uid).toMatch(/^C[0-9A-Za-z]{12}$/);
        const name = record.path.slice(record.path.lastIndexOf("/") + 1);
        byUid.set(uid, [...(byUid.get(uid) ?? []), `${record.direction} ${name}`]);
      });
      const expected = moved
        .filter((m) => m.length > 0)
        .map((m) => key(m.map((t) => t.replace(/ .*\//, " "))));
      expect([...byUid.values()].map(key).sort()).toEqual(expected.sort());
      for (const conn of conns) expect(conn.sessionKey).toMatch(/^host 127\.0\.0\.1 anonymous \d$/);
      // The upload is the size sha256sum's file had after the run.
      expect(records.find((r) => r.direction === "upload")!.size).toBe(files.get("incoming/upload.txt"));
    });
  }

  test("a filename with spaces, a real user, an incomplete transfer; a line that is not xferlog's is reported", async () => {
    const good = "Thu Dec  3 14:41:29 2026 3 10.0.0.7 14 /pub/my notes.txt a _ i r bob ftp 0 * i";
    const bad = "Thu Dec  3 14:41:29 2026 1 127.0.0.1 14 /x b _ x a a ftp 0 * c";
    const result = await readTransfers(new TextEncoder().encode(`${good}\n${bad}\n`), { format: "xferlog" });
    expect(result.problems.map((p) => [p.type, p.line])).toEqual([["unknown-line", 2]]);
    expect(result.transfers).toEqual([
      {
        ts: Date.UTC(2026, 11, 3, 14, 41, 29) / 1000,
        duration: 3,
        host: "10.0.0.7",
        path: "/pub/my notes.txt",
        size: 14,
        direction: "upload",
        type: "ascii",
        access: "real",
        user: "bob",
        anonymousId: undefined,
        complete: false,
        service: "ftp",
        line: 1,
      },
    ]);
    expect(result.conns[0]).toMatchObject({ sessionKey: "host 10.0.0.7 user bob", origHost: "10.0.0.7" });
  });

  test("an anonymous client's e-mail address only with passwords kept", async () => {
    const line =
      "Thu Dec  3 14:41:29 2026 1 127.0.0.1 14 /pub/notes.txt b _ o a guest@example.org ftp 0 * c\n";
    const kept = await readTransfers(new TextEncoder().encode(line), { recordPasswords: "guest" });
    expect(kept.transfers[0]).toMatchObject({ user: "anonymous", anonymousId: "guest@example.org" });
    expect(kept.conns[0]!.sessionKey).toBe("host 127.0.0.1 anonymous 1");
  });
});

describe("interleaved logs cut anywhere after their first line: each session is read up to the cut", () => {
  for (const name of ["proftpd-trace.log", "ftp-srv.json"]) {
    test(name, async () => {
      const bytes = new Uint8Array(readFileSync(fixturePath(`formats/${name}`)));
      const full = await read(bytes, { recordPasswords: true });
      const whole = new Map(sessionsOf(full.exchanges, full.conns).map((s) => [s.conn.uid, s.exchanges]));
      const firstLine = bytes.indexOf(0x0a) + 1;
      for (let cut = firstLine; cut < bytes.length; cut += 997) {
        const part = await read(bytes.subarray(0, cut), { recordPasswords: true });
        for (const session of sessionsOf(part.exchanges, part.conns)) {
          const all = whole.get(session.conn.uid);
          expect(all).toBeDefined();
          // The last exchange may be the one the cut left without its final reply.
          const kept = session.exchanges.slice(0, -1);
          expect(all!.slice(0, kept.length)).toEqual(kept);
        }
      }
    });
  }
});

describe("a log of endless sessions that never end keeps bounded state", () => {
  test("100,000 TraceLog sessions: every one read, the log layer's cap ends the oldest", async () => {
    const lines: string[] = [];
    for (let pid = 1; pid <= 100_000; pid++)
      lines.push(`2026-12-03 14:40:28,664 [${pid}] <response:1>: 220 hi`);
    const result = await read(`${lines.join("\n")}\n`);
    expect(result.format).toBe("proftpd-trace");
    expect(new Set(result.conns.map((c) => c.uid)).size).toBe(100_000);
    expect(result.problems.filter((p) => p.type === "too-many-sessions")).toHaveLength(100_000 - 1024);
  });

  test("a reader's per-session map forgets the session started longest ago past its bound", () => {
    const map = new Map<string, number>();
    for (let i = 0; i < 10; i++) setBounded(map, `pid ${i}`, i, 4);
    expect([...map.keys()]).toEqual(["pid 6", "pid 7", "pid 8", "pid 9"]);
    setBounded(map, "pid 7", 70, 4);
    expect(map.size).toBe(4);
  });
});
