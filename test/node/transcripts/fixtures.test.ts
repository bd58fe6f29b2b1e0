/**
 * Each transcript format on the fixture its real tool wrote (fixtures/logs, made by scripts/record-logs.sh).
 * The expected dialogue is taken from the fixture itself by a separate, regex-based reading of what the tool
 * printed, so `ftp-reply log` must give the same commands and the same reply lines in the same order.
 */
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { fixturePath, fixtureText, flatten, readFixture } from "./helpers.js";

/** The log's lines, each without its LF or CR LF (curl -v writes the protocol lines with their CR). */
function lines(text: string): string[] {
  const all = text.split("\n").map((line) => (line.endsWith("\r") ? line.slice(0, -1) : line));
  if (all[all.length - 1] === "") all.pop();
  return all;
}

describe("curl -v", () => {
  const expected = (name: string): string[] =>
    lines(fixtureText(name)).flatMap((line) =>
      line.startsWith("> ") ? [`C: ${line.slice(2)}`] : line.startsWith("< ") ? [`S: ${line.slice(2)}`] : [],
    );

  test("the session: every command and reply line curl printed, in order", async () => {
    const result = await readFixture("curl-v/curl-v.txt", { recordPasswords: true });
    expect(result.format).toBe("curl-verbose");
    expect(flatten(result.exchanges)).toEqual(expected("curl-v/curl-v.txt"));
    expect(result.problems).toEqual([]);
    // Pure-FTPd's six-line greeting is one reply; FEAT's reply is multi-line too.
    expect(result.exchanges[0]!.kind).toBe("greeting");
    expect(result.exchanges[0]!.final!.lines).toHaveLength(6);
    const feat = result.exchanges.find((ex) => ex.command?.verb === "FEAT");
    expect(feat?.final?.code).toBe(211);
    expect(feat?.final?.multiline).toBe(true);
  });

  test("the failed login: 530 to PASS is a login failure", async () => {
    const result = await readFixture("curl-v/curl-v-failed-login.txt");
    expect(flatten(result.exchanges)).toEqual(
      expected("curl-v/curl-v-failed-login.txt").map((l) => (l === "C: PASS wrong" ? "C: PASS <hidden>" : l)),
    );
    const pass = result.exchanges.find((ex) => ex.command?.verb === "PASS");
    expect(pass?.login).toBe("failure");
    expect(pass?.final?.code).toBe(530);
  });
});

describe("curl --trace-ascii", () => {
  test("header blocks become protocol lines; wrapped rows are joined; data blocks are skipped", async () => {
    const text = fixtureText("curl-trace-ascii/trace.txt");
    // Independent reading: every header block is one protocol line here, and curl states its size, so the line
    // rebuilt from the block's rows must be that size less its CR LF.
    const expected: { line: string; size: number }[] = [];
    let current: { side: string; parts: string[]; size: number } | undefined;
    const close = (): void => {
      if (current !== undefined) {
        expected.push({ line: `${current.side}: ${current.parts.join("")}`, size: current.size });
      }
      current = undefined;
    };
    for (const line of lines(text)) {
      const header = /(<= Recv|=> Send) header, (\d+) bytes/.exec(line);
      const row = /^[0-9a-f]{4}: (.*)$/.exec(line);
      if (header !== null) {
        close();
        current = { side: header[1] === "<= Recv" ? "S" : "C", parts: [], size: Number(header[2]) };
      } else if (row !== null) {
        current?.parts.push(row[1]!);
      } else close();
    }
    close();
    for (const { line, size } of expected) expect(line.length - 3 + 2).toBe(size);

    const result = await readFixture("curl-trace-ascii/trace.txt");
    expect(result.format).toBe("curl-trace-ascii");
    expect(flatten(result.exchanges)).toEqual(expected.map((e) => e.line));
    expect(result.problems).toEqual([]);
    const cwd = result.exchanges.find((ex) => ex.command?.arg.includes("long-enough-to-wrap"));
    expect(cwd?.command?.line).toBe("CWD /a-directory-that-does-not-exist-with-a-name-long-enough-to-wrap");
    expect(cwd?.final?.code).toBe(550);
    expect(cwd?.final?.text.endsWith("a-name-long-enough-to-wrap'")).toBe(true);
    // --trace-time: seconds since midnight.
    expect(result.exchanges[0]!.startTs).toBeGreaterThan(0);
    expect(result.exchanges[0]!.startTs).toBeLessThan(86_400);
  });
});

describe("Python ftplib", () => {
  test("*put* commands and *get* reply lines, the *cmd*/*resp* summaries skipped", async () => {
    const text = fixtureText("ftplib/ftplib-debug.txt");
    const expected = lines(text).flatMap((line) => {
      const match = /^\*(put|get)\* '(.*)'$/.exec(line);
      if (match === null) return [];
      const body = match[2]!.replace(/\\r\\n$|\\n$/, "");
      return [`${match[1] === "put" ? "C" : "S"}: ${body}`];
    });
    const result = await readFixture("ftplib/ftplib-debug.txt", { recordPasswords: true });
    expect(result.format).toBe("ftplib");
    expect(flatten(result.exchanges)).toEqual(expected);
    // The LIST that retrlines printed among the debug lines is reported with its line number, not fatal.
    const listing = lines(text).findIndex((line) => line.startsWith("-rw"));
    expect(result.problems).toEqual([expect.objectContaining({ type: "unknown-line", line: listing + 1 })]);
    const users = result.exchanges.filter((ex) => ex.command?.verb === "USER");
    expect(users.map((ex) => [ex.command?.arg, ex.final?.code])).toEqual([
      ["bob", 530],
      ["anonymous", 331],
    ]);
  });
});

describe("lftp", () => {
  test("---> commands and <--- reply lines, with the -t timestamps", async () => {
    const text = fixtureText("lftp/lftp-debug.txt");
    const expected = lines(text).flatMap((line) => {
      const match = /^\S+ \S+ (--->|<---) (.*)$/.exec(line);
      return match === null ? [] : [`${match[1] === "--->" ? "C" : "S"}: ${match[2]}`];
    });
    const result = await readFixture("lftp/lftp-debug.txt", { recordPasswords: true });
    expect(result.format).toBe("lftp");
    expect(flatten(result.exchanges)).toEqual(expected);
    expect(result.problems).toEqual([]);
    const [date, time] = lines(text)[0]!.split(" ");
    expect(result.exchanges[0]!.startTs).toBe(Date.parse(`${date}T${time}Z`) / 1000);
  });
});

describe("vsftpd log_ftp_protocol", () => {
  test("FTP command / FTP response entries; the ?? of inner lines removed; one session per CONNECT", async () => {
    const text = fixtureText("vsftpd/vsftpd.log");
    const expected = lines(text).flatMap((line) => {
      const match = /FTP (command|response): Client "[^"]*", "(.*)"$/.exec(line);
      if (match === null) return [];
      // In this log every inner line of a multi-line reply starts with a space and ends with the CR LF as ??.
      const body = match[2]!.startsWith(" ") ? match[2]!.replace(/\?\?$/, "") : match[2]!;
      return [`${match[1] === "command" ? "C" : "S"}: ${body}`];
    });
    const result = await readFixture("vsftpd/vsftpd.log", { recordPasswords: true });
    expect(result.format).toBe("vsftpd");
    expect(flatten(result.exchanges)).toEqual(expected);
    expect(result.problems).toEqual([]);
    const connects = lines(text).filter((line) => line.includes("CONNECT:")).length;
    expect(result.exchanges.filter((ex) => ex.kind === "greeting")).toHaveLength(connects);
    expect(result.conns.every((conn) => conn.origHost === "127.0.0.1")).toBe(true);
    const feat = result.exchanges.find((ex) => ex.command?.verb === "FEAT");
    expect(feat?.final?.lines.slice(1, -1).every((line) => line.startsWith(" ") && !line.endsWith("?"))).toBe(
      true,
    );
  });
});

describe("ProFTPD ExtendedLog", () => {
  test('each "%r" %s "%S" entry is a command with its final reply; the - duplicates skipped', async () => {
    const text = fixtureText("proftpd/extended.log");
    const expected = lines(text).flatMap((line) => {
      const match = /\] "(.*)" (\d{3}) "(.*)"$/.exec(line);
      if (match === null) return [];
      return [`C: ${match[1]!.replace(/^([A-Z]+)_/, "$1 ")}`, `S: ${match[2]} ${match[3]}`];
    });
    const result = await readFixture("proftpd/extended.log", { recordPasswords: true });
    expect(result.format).toBe("proftpd");
    expect(flatten(result.exchanges)).toEqual(expected);
    expect(result.problems).toEqual([]);
    // No greeting in this log, and none is expected.
    expect(result.exchanges.every((ex) => ex.kind === "command" && ex.diagnostics.length === 0)).toBe(true);
    expect(result.exchanges.find((ex) => ex.command?.line === "OPTS UTF8 ON")?.final?.code).toBe(200);
  });
});

describe("Pure-FTPd verbose syslog", () => {
  test("Command [verb] [arg] lines and [DEBUG] replies, #015#012 inside a message split into lines", async () => {
    const text = fixtureText("pure-ftpd/pure-ftpd.log");
    const expected = lines(text).flatMap((line) => {
      const command = /\[DEBUG\] Command \[([a-z]+)\] \[(.*)\]$/.exec(line);
      if (command !== null)
        return [`C: ${command[1]!.toUpperCase()}${command[2] === "" ? "" : ` ${command[2]}`}`];
      const reply = /\[DEBUG\] (\d{3}.*)$/.exec(line);
      return reply === null ? [] : reply[1]!.split("#015#012").map((part) => `S: ${part}`);
    });
    const result = await readFixture("pure-ftpd/pure-ftpd.log", { recordPasswords: true });
    expect(result.format).toBe("pure-ftpd");
    expect(flatten(result.exchanges)).toEqual(expected);
    expect(result.problems).toEqual([]);
    const connections = lines(text).filter((line) => line.includes("New connection from")).length;
    expect(new Set(result.conns).size).toBe(connections);
    const feat = result.exchanges.find((ex) => ex.command?.verb === "FEAT");
    expect(feat?.final?.lines.length).toBeGreaterThan(10);
  });
});

describe("C:/S: dialogue", () => {
  test("C: and S: lines as they are", async () => {
    const text = fixtureText("dialogue/ftp-srv-dialogue.txt");
    const result = await readFixture("dialogue/ftp-srv-dialogue.txt", { recordPasswords: true });
    expect(result.format).toBe("dialogue");
    expect(flatten(result.exchanges)).toEqual(lines(text));
    expect(result.problems).toEqual([]);
    expect(result.exchanges.every((ex) => ex.diagnostics.length === 0)).toBe(true);
  });
});

describe("raw server bytes", () => {
  test("every reply line the server sent, as replies", async () => {
    const bytes = readFileSync(fixturePath("raw/vsftpd-server.bin"));
    const expected = lines(bytes.toString("latin1").replaceAll("\r\n", "\n")).map((line) => `S: ${line}`);
    const result = await readFixture("raw/vsftpd-server.bin");
    expect(result.format).toBe("raw");
    expect(flatten(result.exchanges)).toEqual(expected);
    expect(result.problems).toEqual([]);
    // Server bytes alone have no commands: the replies are not reported as unmatched.
    expect(result.exchanges.flatMap((ex) => ex.diagnostics)).toEqual([]);
  });
});
