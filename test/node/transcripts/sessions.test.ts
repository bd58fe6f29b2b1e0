/**
 * Logs of several sessions (fixtures/logs/sessions, made by scripts/record-sessions.sh): each recorded together
 * with a pcap of the same run's control connections. The reference is `<phase>.reference.json`, made from the
 * pcap by tshark (`follow,tcp,raw` per stream) and a small Python pairing in the script — not by ftp-reply. Each
 * session read from a log must be its own dialogue with the (command, final reply code) sequence of one TCP
 * stream of the capture, and every stream must be one session.
 */
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import {
  type CaptureStream,
  captureReference,
  expectedOf,
  fixturePath,
  type LogSession,
  type Pair,
  readFixture,
  sessionsOf,
} from "./helpers.js";

function reference(name: string): CaptureStream[] {
  return captureReference("sessions", name);
}

async function readSessions(name: string): Promise<LogSession[]> {
  const result = await readFixture(`sessions/${name}`, { recordPasswords: true });
  expect(result.problems).toEqual([]);
  return sessionsOf(result.exchanges, result.conns);
}

describe("client logs of sequential sessions, against the capture of the same run", () => {
  test("curl -v, progress meter in the log: 4 runs, 4 sessions (one run with two URLs on one connection)", async () => {
    const log = await readSessions("curl-v.txt");
    const streams = reference("curl");
    expect(log).toHaveLength(streams.length);
    expect(streams).toHaveLength(4);
    log.forEach((session, i) => {
      const expected = expectedOf(streams[i]!);
      // curl sends QUIT when the process ends, after its last verbose line: the log never shows it. Nothing
      // else may be missing.
      expect(session.exchanges.some(([command]) => command === "QUIT")).toBe(false);
      const shown = expected.at(-1)?.[0] === "QUIT" ? expected.slice(0, -1) : expected;
      expect(session.exchanges).toEqual(shown);
      expect(session.greeting).toBe(streams[i]!.greeting);
      expect(session.conn).toMatchObject({ respHost: "127.0.0.1", respPort: expect.any(Number) });
    });
    // The meter glued `*   Trying` to its line for three of the four connections: still four sessions.
    const text = readFileSync(fixturePath("sessions/curl-v.txt"), "latin1");
    expect(text.match(/\r[^\n]*\* {3}Trying/g)?.length).toBeGreaterThanOrEqual(3);
  });

  test("Python ftplib: three FTP() objects (debug levels 2, 1, 1, getwelcome()), three sessions", async () => {
    const log = await readSessions("ftplib.txt");
    const streams = reference("ftplib");
    expect(streams).toHaveLength(3);
    expect(log.map((s) => s.exchanges)).toEqual(streams.map(expectedOf));
    expect(log.map((s) => s.greeting)).toEqual(streams.map((s) => s.greeting));
  });

  test("lftp: three opens, three sessions (a QUIT's reply logged after the next Connecting stays with its session)", async () => {
    const log = await readSessions("lftp.txt");
    const streams = reference("lftp");
    expect(streams).toHaveLength(3);
    expect(log.map((s) => s.exchanges)).toEqual(streams.map(expectedOf));
    expect(log.map((s) => s.greeting)).toEqual(streams.map((s) => s.greeting));
    for (const session of log) expect(session.conn).toMatchObject({ respHost: "127.0.0.1" });
  });
});

describe("vsftpd's log (one process per session, several pids per session)", () => {
  for (const phase of ["curl", "ftplib", "lftp"]) {
    test(`the server's view of the ${phase} run: sequential sessions`, async () => {
      const log = await readSessions(`${phase}-vsftpd.log`);
      const streams = reference(phase);
      expect(log.map((s) => s.exchanges)).toEqual(streams.map(expectedOf));
      for (const session of log) expect(session.conn.sessionKey).toMatch(/^pid \d+$/);
    });
  }

  test("six concurrent clients, interleaved line by line: six sessions, each one stream of the capture", async () => {
    const log = await readSessions("concurrent-vsftpd.log");
    const streams = reference("concurrent");
    expect(streams).toHaveLength(6);
    expect(log).toHaveLength(6);
    // The sessions start (CONNECT) in an order the capture need not share: compared as a multiset.
    const key = (pairs: Pair[]): string => JSON.stringify(pairs);
    expect(log.map((s) => key(s.exchanges)).sort()).toEqual(streams.map((s) => key(expectedOf(s))).sort());
    // Interleaved indeed: some session's lines are not one block of the log.
    const text = readFileSync(fixturePath("sessions/concurrent-vsftpd.log"), "latin1");
    const pids = [...text.matchAll(/\[pid (\d+)\] (?:\[\w+\] )?FTP command/g)].map((m) => m[1]);
    const runs = pids.filter((pid, i) => i === 0 || pid !== pids[i - 1]).length;
    expect(runs).toBeGreaterThan(new Set(pids).size);
    expect(new Set(log.map((s) => s.conn.uid)).size).toBe(6);
  });
});

describe("Pure-FTPd's syslog (no pid in it: sessions by client address)", () => {
  test("five concurrent clients from five addresses: five sessions, each one stream of the capture", async () => {
    const log = await readSessions("pure-ftpd-concurrent.log");
    const streams = reference("pure-ftpd");
    expect(streams).toHaveLength(5);
    expect(log).toHaveLength(5);
    const key = (pairs: Pair[]): string => JSON.stringify(pairs);
    expect(log.map((s) => key(s.exchanges)).sort()).toEqual(streams.map((s) => key(expectedOf(s))).sort());
    expect(new Set(log.map((s) => s.conn.sessionKey))).toEqual(
      new Set(["host 127.0.0.2", "host 127.0.0.3", "host 127.0.0.4", "host 127.0.0.5", "host 127.0.0.6"]),
    );
    for (const session of log) {
      expect(session.conn.origHost).toBe(session.conn.sessionKey!.slice(5));
      // A yearless syslog date, dated from the file: epoch seconds, not seconds of the day.
      expect(session.conn.sessionStart).toBeGreaterThan(1.7e9);
    }
    const text = readFileSync(fixturePath("sessions/pure-ftpd-concurrent.log"), "latin1");
    const hosts = [...text.matchAll(/\(\S*@(\S+)\) \[DEBUG\] Command/g)].map((m) => m[1]);
    expect(hosts.filter((h, i) => i === 0 || h !== hosts[i - 1]).length).toBeGreaterThan(new Set(hosts).size);
  });
});

describe("ProFTPD's ExtendedLog (sessions by client address)", () => {
  test("four concurrent clients from four addresses: four sessions, each one stream of the capture", async () => {
    const log = await readSessions("proftpd-concurrent.log");
    const streams = reference("proftpd");
    expect(streams).toHaveLength(4);
    expect(log).toHaveLength(4);
    const key = (pairs: Pair[]): string => JSON.stringify(pairs);
    expect(log.map((s) => key(s.exchanges)).sort()).toEqual(streams.map((s) => key(expectedOf(s))).sort());
    // This log has no greeting (ProFTPD logs commands only).
    for (const session of log) expect(session.greeting).toBeUndefined();
    expect(new Set(log.map((s) => s.conn.origHost))).toEqual(
      new Set(["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"]),
    );
    const text = readFileSync(fixturePath("sessions/proftpd-concurrent.log"), "latin1");
    const hosts = text.split("\n").map((line) => line.split(" ")[0]);
    expect(hosts.filter((h, i) => i === 0 || h !== hosts[i - 1]).length).toBeGreaterThan(new Set(hosts).size);
  });
});
