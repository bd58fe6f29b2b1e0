/**
 * What every reader must survive: any chunking, a log cut anywhere, lines it does not know, huge lines; and the
 * detection of each format.
 */
import { readFileSync } from "node:fs";
import { fc, test } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import { createLineSplitter } from "../../../src/node/transcripts/bytes.js";
import { unrepr } from "../../../src/node/transcripts/ftplib.js";
import {
  detectTranscriptFormat,
  INPUT_FORMAT_NAMES,
  TranscriptFormatError,
} from "../../../src/node/transcripts/index.js";
import { fixturePath, fixtureText, flatten, read, readFixture } from "./helpers.js";

const FIXTURES = [
  ["curl-v/curl-v.txt", "curl-verbose"],
  ["curl-trace-ascii/trace.txt", "curl-trace-ascii"],
  ["ftplib/ftplib-debug.txt", "ftplib"],
  ["lftp/lftp-debug.txt", "lftp"],
  ["vsftpd/vsftpd.log", "vsftpd"],
  ["proftpd/extended.log", "proftpd"],
  ["pure-ftpd/pure-ftpd.log", "pure-ftpd"],
  ["dialogue/ftp-srv-dialogue.txt", "dialogue"],
  ["raw/vsftpd-server.bin", "raw"],
  ["sessions/curl-v.txt", "curl-verbose"],
  ["sessions/ftplib.txt", "ftplib"],
  ["sessions/lftp.txt", "lftp"],
  ["formats/proftpd-trace.log", "proftpd-trace"],
  ["formats/ftp-srv.json", "ftp-srv"],
  ["formats/vsftpd-xferlog", "xferlog"],
  ["formats/proftpd-xferlog", "xferlog"],
] as const;

/**
 * Logs of interleaved sessions: a cut ends every session at once, so exchanges still open then come out in
 * another order than when the log goes on (each session's own are the same: formats.test.ts).
 */
const INTERLEAVED: ReadonlySet<string> = new Set(["formats/proftpd-trace.log", "formats/ftp-srv.json"]);

const fixtureBytes = new Map(
  FIXTURES.map(([name]) => [name, new Uint8Array(readFileSync(fixturePath(name)))]),
);

describe("detection", () => {
  test.each(FIXTURES)("%s is recognised as %s", (name, format) => {
    expect(detectTranscriptFormat(fixtureBytes.get(name)!)).toBe(format);
  });

  test("every format can be forced, and a log in no known format is refused with a clear error", async () => {
    expect(INPUT_FORMAT_NAMES).toEqual(expect.arrayContaining(FIXTURES.map(([, format]) => format)));
    await expect(read("hello\nthis is not an FTP log\n")).rejects.toThrow(TranscriptFormatError);
    const forced = await read("S: 220 hi\nC: QUIT\nS: 221 bye\n", { format: "dialogue" });
    expect(flatten(forced.exchanges)).toEqual(["S: 220 hi", "C: QUIT", "S: 221 bye"]);
  });

  test("an empty input is an empty dialogue", async () => {
    const result = await read("");
    expect(result.exchanges).toEqual([]);
    expect(result.lines).toBe(0);
  });
});

describe.each(FIXTURES)("%s", (name, format) => {
  const bytes = fixtureBytes.get(name)!;
  let full: string[] | undefined;
  let fullProblems: unknown[] | undefined;
  const reference = async (): Promise<string[]> => {
    if (full === undefined) {
      const result = await read(bytes, { format, recordPasswords: true });
      full = flatten(result.exchanges);
      fullProblems = result.problems;
    }
    return full;
  };

  test.prop([fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 8 })], { numRuns: 25 })(
    "the same dialogue and problems whatever the chunking",
    async (sizes) => {
      const expected = await reference();
      const result = await read(bytes, { format, recordPasswords: true }, sizes);
      expect(flatten(result.exchanges)).toEqual(expected);
      expect(result.problems).toEqual(fullProblems);
    },
  );

  test.prop([fc.integer({ min: 0, max: bytes.length })], { numRuns: 25 })(
    "a log cut anywhere is read up to the cut, never fatal",
    async (cut) => {
      const expected = await reference();
      const result = await read(bytes.subarray(0, cut), { format, recordPasswords: true });
      const got = flatten(result.exchanges);
      // Only what the cut line touched may differ: everything before it is the same dialogue.
      if (!INTERLEAVED.has(name))
        expect(expected.slice(0, Math.max(0, got.length - 1))).toEqual(got.slice(0, -1));
      const cutInsideLine = cut > 0 && cut < bytes.length && bytes[cut - 1] !== 0x0a;
      if (cutInsideLine && format !== "raw") {
        expect(result.problems).toContainEqual(expect.objectContaining({ type: "truncated" }));
      }
    },
  );
});

describe("unknown lines are reported with their line number and skipped", () => {
  test.each(FIXTURES.filter(([, format]) => format !== "raw"))("%s", async (name, format) => {
    const text = fixtureText(name);
    const reference = await read(text, { format, recordPasswords: true });
    const lines = text.split("\n");
    // Behind the first line, where the readers are between protocol lines (not inside a reply message).
    const at = 1;
    const garbled = [...lines.slice(0, at), "%%% a line no FTP tool writes %%%", ...lines.slice(at)].join(
      "\n",
    );
    const result = await read(garbled, { format, recordPasswords: true });
    expect(flatten(result.exchanges)).toEqual(flatten(reference.exchanges));
    expect(result.problems).toContainEqual(expect.objectContaining({ type: "unknown-line", line: at + 1 }));
  });
});

describe("ftplib", () => {
  test("debug level 1 (*cmd* and *resp* only) gives the same dialogue as level 2", async () => {
    const level2 = await readFixture("ftplib/ftplib-debug.txt", { recordPasswords: true });
    const level1Text = fixtureText("ftplib/ftplib-debug.txt")
      .split("\n")
      .filter((line) => !line.startsWith("*put*") && !line.startsWith("*get*"))
      .join("\n");
    const level1 = await read(level1Text, { format: "ftplib", recordPasswords: true });
    expect(flatten(level1.exchanges)).toEqual(flatten(level2.exchanges));
  });

  test("unrepr undoes Python's repr()", () => {
    expect(unrepr("'220 caf\\xe9 \\u4e2d\\U0001f600'")).toBe("220 caf\u00e9 \u4e2d\u{1f600}");
    expect(unrepr(`"it's \\\\ \\"q\\" \\t\\r\\n"`)).toBe(`it's \\ "q" \t\r\n`);
    expect(unrepr("'plain'")).toBe("plain");
    expect(unrepr("not quoted")).toBeUndefined();
    expect(unrepr("'bad \\q escape'")).toBeUndefined();
    expect(unrepr("'cut \\x4'")).toBeUndefined();
  });
});

describe("curl --trace-ascii rows", () => {
  const header = (dir: "<= Recv" | "=> Send", size: number): string =>
    `${dir} header, ${size} bytes (0x${size.toString(16)})`;
  test("a line of exactly 64 characters before its CR LF is not joined with the next line", async () => {
    const exactly64 = `200 ${"x".repeat(60)}`;
    const log = [
      header("<= Recv", 8),
      "0000: 220 hi",
      header("=> Send", 6),
      "0000: NOOP",
      header("<= Recv", 66 + 8),
      `0000: ${exactly64}`,
      "0042: 200 ok",
    ].join("\n");
    const result = await read(`${log}\n`);
    // Row 0x42 = 64 + 2: the first row ended with CR LF, so "200 ok" is a line (a reply) of its own.
    expect(flatten(result.exchanges)).toEqual(["S: 220 hi", "C: NOOP", `S: ${exactly64}`, "S: 200 ok"]);
  });

  test("a trace cut inside a wrapped line reports it and keeps what was there", async () => {
    const log = [
      header("<= Recv", 8),
      "0000: 220 hi",
      header("=> Send", 70),
      `0000: SITE ${"y".repeat(59)}`,
    ].join("\n");
    const result = await read(`${log}\n`, { format: "curl-trace-ascii" });
    expect(result.problems).toContainEqual(expect.objectContaining({ type: "truncated" }));
    expect(flatten(result.exchanges)).toEqual(["S: 220 hi", `C: SITE ${"y".repeat(59)}`]);
  });
});

describe("sessions and limits", () => {
  test("--encoding decodes the protocol lines of a log (here windows-1252)", async () => {
    const bytes = Uint8Array.from([...new TextEncoder().encode("S: 220 caf"), 0xe9, 0x0a]);
    const latin = await read(bytes, { format: "dialogue", encoding: "latin1" });
    expect(latin.exchanges[0]!.final!.text).toBe("caf\u00e9");
    const utf8 = await read(bytes, { format: "dialogue" });
    expect(utf8.exchanges[0]!.final!.text).toBe("caf\ufffd");
  });

  test("two curl -v runs in one file are two connections", async () => {
    const both = fixtureText("curl-v/curl-v-failed-login.txt") + fixtureText("curl-v/curl-v.txt");
    const result = await read(both);
    expect(result.exchanges.filter((ex) => ex.kind === "greeting")).toHaveLength(2);
    expect(result.exchanges.flatMap((ex) => ex.diagnostics)).toEqual([]);
  });

  test("a log line past the limit is cut, reported, and reading goes on", async () => {
    const long = `S: 211-${"z".repeat(5000)}`;
    const result = await read(`S: 220 hi\nC: STAT\n${long}\nS: 211 end\nC: QUIT\nS: 221 bye\n`, {
      maxLineLength: 1000,
    });
    expect(result.problems).toContainEqual(expect.objectContaining({ type: "line-too-long", line: 3 }));
    expect(result.exchanges.map((ex) => ex.final?.code)).toEqual([220, 211, 221]);
  });

  test("the line splitter handles CR LF across chunks and a last line without LF", () => {
    const seen: [string, number, boolean][] = [];
    const splitter = createLineSplitter((line, n, _cut, terminated) =>
      seen.push([new TextDecoder().decode(line), n, terminated]),
    );
    for (const part of ["ab", "c\r", "\nde", "f\n\ng"]) splitter.feed(new TextEncoder().encode(part));
    expect(splitter.end()).toBe(4);
    expect(seen).toEqual([
      ["abc", 1, true],
      ["def", 2, true],
      ["", 3, true],
      ["g", 4, false],
    ]);
  });

  test("ProFTPD's default format (%b, no reply text) gives bare codes", async () => {
    const log =
      '127.0.0.1 UNKNOWN - [24/Nov/2026:14:06:12 +0100] "USER anonymous" 331 -\n' +
      '127.0.0.1 UNKNOWN ftp [24/Nov/2026:14:06:12 +0100] "RETR a \\"b\\"" 226 1234\n' +
      '127.0.0.1 UNKNOWN ftp [24/Nov/2026:14:06:13 +0100] "NOOP" - -\n';
    const result = await read(log);
    expect(result.format).toBe("proftpd");
    expect(flatten(result.exchanges)).toEqual(["C: USER anonymous", "S: 331", 'C: RETR a \\"b\\"', "S: 226"]);
    expect(result.exchanges[0]!.startTs).toBe(Date.UTC(2026, 10, 24, 13, 6, 12) / 1000);
    expect(result.problems).toEqual([expect.objectContaining({ type: "no-reply", line: 3 })]);
  });

  test("Pure-FTPd through a syslog that keeps newlines, and RFC 3339 time stamps", async () => {
    const log = [
      "2026-11-24T14:06:13.500000+00:00 vm pure-ftpd[42]: (?@10.0.0.9) [INFO] New connection from 10.0.0.9",
      "2026-11-24T14:06:13.500000+00:00 vm pure-ftpd[42]: (?@10.0.0.9) [DEBUG] 220 hi",
      "2026-11-24T14:06:14+00:00 vm pure-ftpd[42]: (?@10.0.0.9) [DEBUG] Command [feat] []",
      "2026-11-24T14:06:14+00:00 vm pure-ftpd[42]: (?@10.0.0.9) [DEBUG] 211-Extensions:",
      " UTF8",
      " EPSV",
      "2026-11-24T14:06:14+00:00 vm pure-ftpd[42]: (?@10.0.0.9) [DEBUG] 211 End.",
    ].join("\n");
    const result = await read(`${log}\n`);
    expect(result.format).toBe("pure-ftpd");
    expect(flatten(result.exchanges)).toEqual([
      "S: 220 hi",
      "C: FEAT",
      "S: 211-Extensions:",
      "S:  UTF8",
      "S:  EPSV",
      "S: 211 End.",
    ]);
    expect(result.conns[0]).toEqual({
      origHost: "10.0.0.9",
      uid: expect.stringMatching(/^C[0-9A-Za-z]{12}$/),
      sessionKey: "pid 42",
      sessionStart: Date.UTC(2026, 10, 24, 14, 6, 13, 500) / 1000,
    });
    expect(result.exchanges[0]!.startTs).toBe(Date.UTC(2026, 10, 24, 14, 6, 13) / 1000 + 0.5);
  });
});

describe("sessions", () => {
  const vsftpd = (pid: number, text: string, second = 10): string =>
    `Thu Dec  3 13:46:${String(second).padStart(2, "0")} 2026 [pid ${pid}] ${text}`;

  test("vsftpd: a failed login stays with its pre-login process; a later login moves to a new pid", async () => {
    const log = [
      vsftpd(101, 'CONNECT: Client "10.0.0.1"'),
      vsftpd(101, 'FTP response: Client "10.0.0.1", "220 hi"'),
      vsftpd(201, 'CONNECT: Client "10.0.0.2"'),
      vsftpd(201, 'FTP response: Client "10.0.0.2", "220 hi"'),
      vsftpd(101, 'FTP command: Client "10.0.0.1", "USER bob"'),
      vsftpd(201, 'FTP command: Client "10.0.0.2", "USER amy"'),
      vsftpd(101, '[bob] FTP response: Client "10.0.0.1", "331 pw"'),
      vsftpd(201, '[amy] FTP response: Client "10.0.0.2", "331 pw"'),
      vsftpd(101, '[bob] FTP command: Client "10.0.0.1", "PASS <password>"'),
      vsftpd(201, '[amy] FTP command: Client "10.0.0.2", "PASS <password>"'),
      vsftpd(100, '[bob] FAIL LOGIN: Client "10.0.0.1"'),
      vsftpd(200, '[amy] OK LOGIN: Client "10.0.0.2"'),
      vsftpd(101, '[bob] FTP response: Client "10.0.0.1", "530 no"'),
      vsftpd(202, '[amy] FTP response: Client "10.0.0.2", "230 ok"'),
      vsftpd(202, '[amy] FTP command: Client "10.0.0.2", "QUIT"'),
      vsftpd(101, '[bob] FTP command: Client "10.0.0.1", "QUIT"'),
      vsftpd(202, '[amy] FTP response: Client "10.0.0.2", "221 bye"'),
      vsftpd(101, '[bob] FTP response: Client "10.0.0.1", "221 bye"'),
    ].join("\n");
    const result = await read(`${log}\n`, { format: "vsftpd" });
    expect(result.problems).toEqual([]);
    const byUid = new Map<string, string[]>();
    result.exchanges.forEach((exchange, i) => {
      const uid = result.conns[i]!.uid!;
      byUid.set(uid, [...(byUid.get(uid) ?? []), ...flatten([exchange])]);
    });
    expect([...byUid.values()]).toEqual(
      [
        ["S: 220 hi", "C: USER bob", "S: 331 pw", "C: PASS <hidden>", "S: 530 no", "C: QUIT", "S: 221 bye"],
        ["S: 220 hi", "C: USER amy", "S: 331 pw", "C: PASS <hidden>", "S: 230 ok", "C: QUIT", "S: 221 bye"],
      ].sort((a, b) => (a[1]! < b[1]! ? 1 : -1)),
    );
    const hosts = new Set(result.conns.map((c) => `${c.origHost} ${c.sessionKey}`));
    expect(hosts).toEqual(new Set(["10.0.0.1 pid 101", "10.0.0.2 pid 201"]));
  });

  test("uids are the same on every read (whatever the chunking) and differ between sessions", async () => {
    const bytes = new Uint8Array(readFileSync(fixturePath("sessions/concurrent-vsftpd.log")));
    const a = await read(bytes, {});
    const b = await read(bytes, {}, [7, 13]);
    expect(b.conns.map((c) => c.uid)).toEqual(a.conns.map((c) => c.uid));
    expect(flatten(b.exchanges)).toEqual(flatten(a.exchanges));
    // Every format gives its sessions a uid: server bytes (one session) and ProFTPD's (by client address) too.
    for (const name of ["raw/vsftpd-server.bin", "proftpd/extended.log"]) {
      const { conns } = await readFixture(name);
      expect(conns.length).toBeGreaterThan(0);
      for (const conn of conns) expect(conn.uid).toMatch(/^C[0-9A-Za-z]{12}$/);
    }
    const proftpd = await read(
      [
        '10.0.0.1 UNKNOWN - [24/Nov/2026:14:06:12 +0000] "USER a" 331 "pw"',
        '10.0.0.2 UNKNOWN - [24/Nov/2026:14:06:12 +0000] "USER b" 331 "pw"',
        '10.0.0.1 UNKNOWN - [24/Nov/2026:14:06:13 +0000] "QUIT" 221 "bye"',
        '10.0.0.1 UNKNOWN - [24/Nov/2026:14:06:14 +0000] "USER c" 331 "pw"',
      ].join("\n"),
    );
    expect(proftpd.conns.map((c) => c.sessionKey)).toEqual([
      "host 10.0.0.1",
      "host 10.0.0.2",
      "host 10.0.0.1",
      "host 10.0.0.1",
    ]);
    // The QUIT ended the first session of 10.0.0.1: USER c is a new one.
    expect(new Set(proftpd.conns.map((c) => c.uid)).size).toBe(3);
    expect(proftpd.conns.map((c) => c.origHost)).toEqual(["10.0.0.1", "10.0.0.2", "10.0.0.1", "10.0.0.1"]);
    // vsftpd: a log that starts inside a session still names the session's client.
    const midway = await read(
      'Thu Dec  3 13:46:10 2026 [pid 7] [ftp] FTP command: Client "10.9.9.9", "NOOP"\n' +
        'Thu Dec  3 13:46:10 2026 [pid 7] [ftp] FTP response: Client "10.9.9.9", "200 ok"\n',
    );
    expect(midway.conns[0]).toMatchObject({ origHost: "10.9.9.9", sessionKey: "pid 7" });
    expect(new Set(a.conns.map((c) => c.uid)).size).toBe(6);
  });

  test("past the cap on live sessions, the least recently active one is ended with a typed problem", async () => {
    const lines: string[] = [];
    for (let pid = 1; pid <= 3; pid++) {
      lines.push(vsftpd(pid, `CONNECT: Client "10.0.0.${pid}"`));
      lines.push(vsftpd(pid, `FTP response: Client "10.0.0.${pid}", "220 hi"`));
      lines.push(vsftpd(pid, `FTP command: Client "10.0.0.${pid}", "NOOP"`));
    }
    lines.push(vsftpd(2, 'FTP response: Client "10.0.0.2", "200 ok"'));
    const result = await read(`${lines.join("\n")}\n`, { maxSessions: 2 });
    // pid 1 is the least recently active when pid 3 connects (line 7): it ends there, its NOOP unanswered.
    expect(result.problems).toEqual([expect.objectContaining({ type: "too-many-sessions", line: 7 })]);
    const sessionOf = (key: string) => result.exchanges.filter((_, i) => result.conns[i]!.sessionKey === key);
    expect(flatten(sessionOf("pid 1"))).toEqual(["S: 220 hi", "C: NOOP"]);
    expect(sessionOf("pid 1")[1]!.final).toBeUndefined();
    expect(flatten(sessionOf("pid 2"))).toEqual(["S: 220 hi", "C: NOOP", "S: 200 ok"]);
    expect(new Set(result.conns.map((c) => c.uid)).size).toBe(3);
  });

  test("curl -v: a verbose line glued after the progress meter is read, the meter alone is skipped", async () => {
    const log = [
      "  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current",
      "                                 Dload  Upload   Total   Spent    Left  Speed",
      "\r  0     0    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     0*   Trying 10.1.1.1:2121...",
      "< 220 hi\r",
      "> USER bob\r",
      "\r  0     0    0     0    0     0      0      0 --:--:--  0:00:01 --:--:--     0\r  0     0    0     0    0     0      0      0 --:--:--  0:00:02 --:--:--     0< 530 Login incorrect.\r",
      "\r100  292k  100  292k    0     0  15.9M      0 --:--:-- --:--:-- --:--:-- 16.8M",
      "* Closing connection 0",
    ].join("\n");
    const result = await read(`${log}\n`);
    expect(result.format).toBe("curl-verbose");
    expect(result.problems).toEqual([]);
    expect(flatten(result.exchanges)).toEqual(["S: 220 hi", "C: USER bob", "S: 530 Login incorrect."]);
    expect(result.conns[0]).toMatchObject({ respHost: "10.1.1.1", respPort: 2121 });
  });

  test("curl --trace-ascii: the control connection's server address and port from `Trying`", async () => {
    const { conns } = await readFixture("curl-trace-ascii/trace.txt");
    const port = Number(
      /== Info: {3}Trying 127\.0\.0\.1:(\d+)/.exec(fixtureText("curl-trace-ascii/trace.txt"))![1],
    );
    expect(new Set(conns.map((c) => `${c.respHost}:${c.respPort}`))).toEqual(new Set([`127.0.0.1:${port}`]));
  });

  test("lftp: its own notes are no warnings; program output is", async () => {
    const log = [
      "---- Connecting to h (10.0.0.5) port 21",
      "<--- 220 hi",
      "copy: get hit eof",
      "copy: waiting for put confirmation",
      "10.0.0.5 translated to pair 10.0.0.5:21",
      "some program output",
    ].join("\n");
    const result = await read(`${log}\n`, { format: "lftp" });
    expect(result.problems).toEqual([expect.objectContaining({ type: "unknown-line", line: 6 })]);
    expect(result.conns[0]).toMatchObject({ respHost: "10.0.0.5", respPort: 21 });
  });

  test("Pure-FTPd: Logout ends a session after its last reply line; sessions of two pids interleave", async () => {
    const p = (pid: number, text: string): string =>
      `2026-11-24T14:06:13+00:00 vm pure-ftpd[${pid}]: (?@10.0.0.${pid}) [${text}`;
    const log = [
      p(1, "INFO] New connection from 10.0.0.1"),
      p(2, "INFO] New connection from 10.0.0.2"),
      p(1, "DEBUG] 220 one"),
      p(2, "DEBUG] 220 two"),
      p(2, "DEBUG] Command [quit] []"),
      p(1, "DEBUG] Command [noop] []"),
      p(2, "INFO] Logout."),
      p(1, "DEBUG] 200 zzz"),
      p(2, "DEBUG] 221-Goodbye."),
      p(2, "DEBUG] 221 Logout."),
    ].join("\n");
    const result = await read(`${log}\n`);
    expect(result.problems).toEqual([]);
    const two = result.exchanges.filter((_, i) => result.conns[i]!.sessionKey === "pid 2");
    expect(flatten(two)).toEqual(["S: 220 two", "C: QUIT", "S: 221-Goodbye.", "S: 221 Logout."]);
    const one = result.exchanges.filter((_, i) => result.conns[i]!.sessionKey === "pid 1");
    expect(flatten(one)).toEqual(["S: 220 one", "C: NOOP", "S: 200 zzz"]);
  });
});

describe("refusing what cannot be read, and secrets in messages", () => {
  test("a CLF transfer log is refused, not read as a dialogue of GET commands", async () => {
    const clf = [
      '127.0.0.1 - ftpreply [24/Nov/2026:11:51:39 +0000] "GET /srv/ftp/file1234.bin" 200 1234',
      '127.0.0.1 - ftpreply [24/Nov/2026:11:51:40 +0000] "PUT /srv/ftp/up.bin" 200 99',
    ].join("\n");
    await expect(read(`${clf}\n`)).rejects.toThrow(/cannot read this log/);
    // Forced, each line is reported and nothing is invented.
    const forced = await read(`${clf}\n`, { format: "proftpd" });
    expect(forced.exchanges).toEqual([]);
    expect(forced.problems.map((p) => p.type)).toEqual(["unknown-line", "unknown-line"]);
  });

  test("a log where the format explains only a stray line is refused", async () => {
    const text = `${Array.from({ length: 20 }, (_, i) => `some program output ${i}`).join("\n")}\n> USER bob\n`;
    await expect(read(text)).rejects.toThrow(/cannot read this log/);
  });

  test("passwords in excerpts and messages are masked unless passwords are shown", async () => {
    const log = [
      "---- Connecting to h (10.0.0.5) port 21",
      "get ftp://anonymous:guest%40example.org@10.0.0.5/pub/x: failed",
      "oops PASS hunter2 was typed here",
      'vsftpd said anon password "secret@"; 331 Please specify the password.',
    ].join("\n");
    const masked = await read(`${log}\n`, { format: "lftp" });
    const messages = masked.problems.map((p) => p.message).join("\n");
    expect(messages).not.toMatch(/guest%40example\.org|hunter2|secret@/);
    expect(messages).toContain("ftp://anonymous:<hidden>@10.0.0.5/pub/x");
    expect(messages).toContain("PASS <hidden>");
    expect(messages).toContain("Please specify the password.");
    const shown = await read(`${log}\n`, { format: "lftp", recordPasswords: true });
    expect(shown.problems.map((p) => p.message).join("\n")).toMatch(/guest%40example\.org[\s\S]*hunter2/);
  });
});

describe("syslog dates without a year", () => {
  const line = (month: string) => `${month} 24 11:51:39 vm pure-ftpd: (?@10.0.0.1) [DEBUG] 220 hi\n`;

  test("the year is given, or taken from when the log was written (the year before for a later month)", async () => {
    const given = await read(line("Nov"), { year: 2019 });
    expect(given.exchanges[0]!.startTs).toBe(Date.UTC(2019, 10, 24, 11, 51, 39) / 1000);
    const written = Date.UTC(2027, 0, 5) / 1000; // a log of November, last written in January
    const november = await read(line("Nov"), { referenceTime: written });
    expect(november.exchanges[0]!.startTs).toBe(Date.UTC(2026, 10, 24, 11, 51, 39) / 1000);
    const january = await read(line("Jan"), { referenceTime: written });
    expect(january.exchanges[0]!.startTs).toBe(Date.UTC(2027, 0, 24, 11, 51, 39) / 1000);
    // A single-digit day is padded with a space.
    const padded = await read("Nov  4 11:51:39 vm pure-ftpd: (?@10.0.0.1) [DEBUG] 220 hi\n", { year: 2026 });
    expect(padded.exchanges[0]!.startTs).toBe(Date.UTC(2026, 10, 4, 11, 51, 39) / 1000);
  });
});
