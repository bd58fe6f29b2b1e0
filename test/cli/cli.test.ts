/**
 * `ftp-reply` end to end, spawned as a process the way users run it: `node dist/cli/main.js …` (the README's
 * test command builds first; set FTP_REPLY_CLI to try another build).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

const REPO = join(import.meta.dirname, "../..");
const CLI = process.env.FTP_REPLY_CLI ?? join(REPO, "dist/cli/main.js");
const LOGS = join(REPO, "fixtures/logs");

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], options: { input?: string | Buffer; env?: Record<string, string> } = {}): Run {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd: REPO,
    input: options.input ?? "",
    encoding: "utf8",
    // A clean environment: no colour forced or refused, English unless a test says otherwise.
    env: { PATH: process.env.PATH ?? "", LANG: "C.UTF-8", ...options.env },
    timeout: 30_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function lines(text: string): string[] {
  return text.split("\n").filter((line) => line !== "");
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npm run build)`);
});

describe("log", () => {
  test("a vsftpd log → the dialogue as NDJSON: the commands and reply codes vsftpd logged, in order", () => {
    const result = run(["log", "fixtures/logs/vsftpd/vsftpd.log", "--format", "ndjson"]);
    expect(result.status).toBe(0);
    const records = lines(result.stdout).map((line) => JSON.parse(line));
    const logged = readFileSync(join(LOGS, "vsftpd/vsftpd.log"), "latin1");
    const commands = [...logged.matchAll(/FTP command: Client "[^"]*", "(.*)"/g)].map((m) => m[1]);
    const exchanges = records.filter((r) => r.record === "exchange" && r.kind === "command");
    // PASS is masked (vsftpd logged `PASS <password>`, the CLI shows `<hidden>` unless --show-passwords).
    expect(exchanges.map((r) => r.command.line)).toEqual(
      commands.map((c) => (c!.startsWith("PASS ") ? "PASS <hidden>" : c)),
    );
    const retr = exchanges.find((r) => r.command.verb === "RETR");
    expect(retr.replies.map((r: { code: number }) => r.code)).toEqual([150, 226]);
    expect(retr.fileSize).toBe(14);
    expect(retr.origHost).toBe("127.0.0.1");
  });

  test("stdin (-, and no file at all) gives the same output as the file", () => {
    const file = "fixtures/logs/dialogue/ftp-srv-dialogue.txt";
    const fromFile = run(["log", file, "--format", "json"]);
    const fromDash = run(["log", "-", "--format", "json"], { input: readFileSync(join(REPO, file)) });
    const fromNothing = run(["log", "--format", "json"], { input: readFileSync(join(REPO, file)) });
    expect(fromFile.status).toBe(0);
    expect(fromDash.stdout).toBe(fromFile.stdout);
    expect(fromNothing.stdout).toBe(fromFile.stdout);
    const records = JSON.parse(fromFile.stdout);
    expect(records[0]).toMatchObject({ record: "exchange", kind: "greeting", code: 220 });
  });

  test("--input-format forces a format; a log in no known format is a usage error", () => {
    const forced = run(["log", "--input-format", "dialogue", "-"], {
      input: "S: 220 hi\nC: QUIT\nS: 221 bye\n",
    });
    expect(forced.status).toBe(0);
    expect(forced.stdout).toContain("C: QUIT");
    const unknown = run(["log", "-"], { input: "just some text\n" });
    expect(unknown.status).toBe(2);
    expect(lines(unknown.stderr)).toHaveLength(1);
    expect(unknown.stderr).toContain("--input-format");
    // A Pure-FTPd CLF transfer log: refused (exit 2), no invented GET exchanges on stdout.
    const clf = run(["log", "-", "--format", "ndjson"], {
      input: '127.0.0.1 - ftpreply [24/Nov/2026:11:51:39 +0000] "GET /srv/ftp/file1234.bin" 200 1234\n',
    });
    expect(clf.status).toBe(2);
    expect(clf.stdout).toBe("");
    expect(clf.stderr).toContain("cannot read this log");
  });

  test("--summary: counts by code and class, logins, errors, transfers, bytes", () => {
    const result = run(["log", "fixtures/logs/ftplib/ftplib-debug.txt", "--format", "ndjson", "--summary"]);
    const summary = lines(result.stdout)
      .map((line) => JSON.parse(line))
      .find((r) => r.record === "summary");
    expect(summary).toMatchObject({
      commands: 17,
      logins: 1,
      failedLogins: 1,
      transfers: 2,
      bytes: 14,
      byClass: { "1xx": 2, "5xx": 2 },
    });
    expect(summary.byCode["530"]).toBe(1);
    const pretty = run(["log", "fixtures/logs/ftplib/ftplib-debug.txt", "--summary"]);
    expect(pretty.stdout).toMatch(/logins\s+1 ok, 1 failed/);
    expect(pretty.stdout).toMatch(/transfers\s+2 completed, 0 failed, 14 bytes/);
  });

  test("concurrent sessions: a uid per session in every format, a block per session in pretty", () => {
    const file = "fixtures/logs/sessions/concurrent-vsftpd.log";
    const zeek = lines(run(["log", file, "--format", "zeek"]).stdout).filter((line) => !line.startsWith("#"));
    const zeekUids = zeek.map((line) => line.split("\t")[1]!);
    expect(new Set(zeekUids).size).toBe(6);
    for (const uid of zeekUids) expect(uid).toMatch(/^C[0-9A-Za-z]{12}$/);
    for (const format of ["ndjson", "json"]) {
      const out = run(["log", file, "--format", format]).stdout;
      const records = (format === "json" ? JSON.parse(out) : lines(out).map((l) => JSON.parse(l))) as {
        uid?: string;
        sessionKey?: string;
      }[];
      expect(new Set(records.map((r) => r.uid))).toEqual(new Set(zeekUids));
      expect(records.every((r) => /^pid \d+$/.test(r.sessionKey ?? ""))).toBe(true);
    }
    const pretty = run(["log", file]);
    expect(pretty.status).toBe(0);
    const headers = lines(pretty.stdout).filter((line) => line.startsWith("── session "));
    expect(new Set(headers.map((h) => h.split(" ")[2]))).toEqual(new Set(zeekUids));
    expect(headers).toHaveLength(6);
    // Each block holds one session: one greeting and one QUIT between two headers.
    const blocks = pretty.stdout.split(/^── session .*$/m).slice(1);
    for (const block of blocks) {
      expect(block.match(/\(greeting\)/g)).toHaveLength(1);
      expect(block.match(/C: QUIT/g)).toHaveLength(1);
    }
  });

  test("--year dates syslog's yearless lines; without it the file's mtime gives the year (epoch seconds)", () => {
    const file = "fixtures/logs/pure-ftpd/pure-ftpd.log";
    const tsOf = (args: string[]): number[] =>
      lines(run(["log", file, "--format", "zeek", ...args]).stdout)
        .filter((line) => !line.startsWith("#"))
        .map((line) => Number(line.split("\t")[0]));
    const given = tsOf(["--year", "2021"]);
    expect(given.length).toBeGreaterThan(0);
    for (const ts of given) expect(new Date(ts * 1000).getUTCFullYear()).toBe(2021);
    expect(given[0]).toBe(Date.UTC(2021, 10, 24, 14, 13, 14) / 1000);
    const mtime = statSync(join(REPO, file)).mtime;
    const year = mtime.getUTCFullYear() - (10 > mtime.getUTCMonth() ? 1 : 0);
    expect(new Date(tsOf([])[0]! * 1000).getUTCFullYear()).toBe(year);
    expect(run(["log", file, "--year", "21"]).status).toBe(2);
  });

  test("--format zeek loads as a Zeek TSV log: read back by its #fields header", () => {
    const result = run(["log", "fixtures/logs/vsftpd/vsftpd.log", "--format", "zeek"]);
    expect(result.status).toBe(0);
    const all = lines(result.stdout);
    expect(all[0]).toBe("#separator \\x09");
    const fields = all
      .find((line) => line.startsWith("#fields\t"))!
      .split("\t")
      .slice(1);
    const types = all
      .find((line) => line.startsWith("#types\t"))!
      .split("\t")
      .slice(1);
    expect(types).toHaveLength(fields.length);
    expect(all[all.length - 1]).toMatch(/^#close\t\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d$/);
    const rows = all
      .filter((line) => !line.startsWith("#"))
      .map((line) => {
        const cells = line.split("\t");
        expect(cells).toHaveLength(fields.length);
        return Object.fromEntries(fields.map((name, i) => [name, cells[i]]));
      });
    expect(rows.map((row) => row.command)).toContain("RETR");
    const retr = rows.find((row) => row.command === "RETR")!;
    expect(retr).toMatchObject({
      "id.orig_h": "127.0.0.1",
      user: "anonymous",
      password: "<hidden>",
      arg: "/pub/notes.txt",
      file_size: "14",
      reply_code: "226",
      reply_msg: "Transfer complete.",
    });
    // The session's uid on every row (the probe connection of record-logs.sh has no command, so no row).
    expect(retr.uid).toMatch(/^C[0-9A-Za-z]{12}$/);
    expect(new Set(rows.map((row) => row.uid))).toEqual(new Set([retr.uid]));
    expect(Number(retr.ts)).toBeGreaterThan(1.7e9);
    const pasv = rows.find((row) => row.command === "PASV")!;
    expect(pasv["data_channel.passive"]).toBe("T");
    expect(Number(pasv["data_channel.resp_p"])).toBeGreaterThan(0);
    // vsftpd answers CDUP with 250, valid since CDUP's replies are CWD's (RFC 959 §4.1.1): no finding here.
    expect(result.stderr).not.toContain("invalid-reply");
    // The dialogue's findings go to stderr, not into the log: an EPSV answered 227 (RFC 2428 §3 wants 229).
    const odd = run(["log", "--input-format", "dialogue", "--format", "zeek", "-"], {
      input: "S: 220 hi\nC: EPSV\nS: 227 Entering Passive Mode (10,0,0,1,4,1)\n",
    });
    expect(odd.status).toBe(0);
    expect(odd.stderr).toContain("invalid-reply");
    expect(odd.stdout).toContain("EPSV");
    expect(odd.stdout).not.toContain("invalid-reply");
  });

  test("--show-passwords shows what the log has", () => {
    const hidden = run(["log", "fixtures/logs/lftp/lftp-debug.txt"]);
    const shown = run(["log", "fixtures/logs/lftp/lftp-debug.txt", "--show-passwords"]);
    expect(hidden.stdout).toContain("C: PASS <hidden>");
    expect(hidden.stdout).not.toContain("guest@example.com");
    expect(shown.stdout).toContain("C: PASS guest@example.com");
  });
});

describe("parse", () => {
  test("raw server bytes → every reply, as JSON, with byte offsets", () => {
    const result = run(["parse", "fixtures/logs/raw/vsftpd-server.bin", "--format", "json"]);
    expect(result.status).toBe(0);
    const records = JSON.parse(result.stdout);
    const raw = readFileSync(join(LOGS, "raw/vsftpd-server.bin"), "latin1");
    // Independent count: lines that start a reply (nnn<space> or nnn- after a closed reply) — here, the closing
    // lines `nnn ` are one per reply.
    const closing = raw.split("\r\n").filter((line) => /^\d{3} /.test(line));
    expect(records.map((r: { code: number }) => r.code)).toEqual(
      closing.map((line) => Number(line.slice(0, 3))),
    );
    expect(records[0]).toMatchObject({ record: "reply", code: 220, offset: 0, text: "(vsFTPd 3.0.3)" });
    expect(records[1].offset).toBe(records[0].byteLength);
  });

  test("framing errors are reported with their byte offset and parsing goes on; --strict turns them into exit 1", () => {
    const input = "220 ready\r\nthis is no reply\r\n331 next\r\n";
    const lenient = run(["parse", "--format", "ndjson"], { input });
    expect(lenient.status).toBe(0);
    const records = lines(lenient.stdout).map((line) => JSON.parse(line));
    expect(records.map((r) => r.record)).toEqual(["reply", "diagnostic", "reply"]);
    expect(records[1]).toMatchObject({ type: "unexpected-line", offset: 11 });
    expect(run(["parse", "--strict"], { input }).status).toBe(1);
    expect(run(["parse", "--strict"], { input: "220 ready\r\n" }).status).toBe(0);
  });

  test("pretty output: each reply's meaning beside its code, in the user's language", () => {
    const input = "331 Please specify the password.\r\n";
    expect(run(["parse"], { input }).stdout).toContain("User name okay, need password.");
    expect(run(["parse", "--lang", "zh"], { input }).stdout).toContain("用户名正确，需要密码。");
    expect(run(["parse"], { input, env: { LANG: "zh_CN.UTF-8" } }).stdout).toContain(
      "用户名正确，需要密码。",
    );
  });

  test("colour: off in a pipe, on with FORCE_COLOR, off with NO_COLOR or --no-color", () => {
    const input = "530 Login incorrect.\r\n";
    const ESC = "\u001b[";
    expect(run(["parse"], { input }).stdout).not.toContain(ESC);
    expect(run(["parse"], { input, env: { FORCE_COLOR: "1" } }).stdout).toContain(`${ESC}31m530`);
    expect(run(["parse"], { input, env: { NO_COLOR: "1" } }).stdout).not.toContain(ESC);
    expect(run(["parse", "--no-color"], { input, env: { FORCE_COLOR: "1" } }).stdout).not.toContain(ESC);
    expect(run(["parse", "--color"], { input }).stdout).toContain(ESC);
  });
});

describe("usage and exit codes", () => {
  test("--help and --version", () => {
    const help = run(["--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("usage: ftp-reply");
    for (const command of ["parse", "log", "pcap", "explain"]) expect(help.stdout).toContain(command);
    const version = run(["--version"]);
    const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8"));
    expect(version.stdout.trim()).toBe(pkg.version);
    expect(run(["log", "--help"]).stdout).toContain("--input-format");
    expect(run(["parse", "--help"]).stdout).toContain("usage: ftp-reply parse");
  });

  test.each([
    [["log", "fixtures/logs/no-such-file.txt"], "no such file"],
    [["parse", "fixtures/logs"], "is a directory"],
    [["log", "--format", "xml", "-"], "--format takes"],
    [["parse", "--bogus"], "unknown option --bogus"],
    [["frobnicate"], "unknown command"],
    [[], "no command given"],
    [["log", "a", "b"], "one file"],
  ])("%j → exit 2 with one line, no stack trace", (args, message) => {
    const result = run(args);
    expect(result.status).toBe(2);
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe("");
  });

  test("-V after a subcommand prints the version (pcap -V used to crash with an internal error)", () => {
    const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8"));
    for (const command of ["parse", "log", "pcap"]) {
      for (const flag of ["-V", "--version"]) {
        const result = run([command, flag]);
        expect(result.status).toBe(0);
        expect(result.stdout.trim()).toBe(pkg.version);
        expect(result.stderr).toBe("");
      }
    }
  });

  describe("file and argument errors: one line `ftp-reply …`, exit 2, the argument cut and escaped", () => {
    const work = mkdtempSync(join(tmpdir(), "ftp-reply-cli-"));
    afterAll(() => rmSync(work, { recursive: true, force: true }));
    const loop = join(work, "loop");
    symlinkSync(loop, loop); // ELOOP
    const longPath = `${"a".repeat(100_000)}`;
    const hostileName = join(work, "evil\u001b]0;pwned\u0007\u001b[2J\u202e.log");
    const cases: [string, string[], string][] = [];
    for (const command of ["parse", "log", "pcap"]) {
      cases.push(
        [`${command}: a 100 000-character path`, [command, longPath], "file name too long"],
        [`${command}: a symbolic link loop`, [command, loop], "too many symbolic links"],
        [`${command}: a path through a file`, [command, "package.json/x"], "not a directory"],
        // pcap reads a directory's captures (several files as one capture); fixtures/ holds none at its top.
        command === "pcap"
          ? [
              `${command}: a directory without captures`,
              [command, "fixtures"],
              "no capture files in fixtures",
            ]
          : [`${command}: a directory`, [command, "fixtures"], "is a directory"],
        [`${command}: a missing file named with control characters`, [command, hostileName], "no such file"],
        [`${command}: a non-ASCII-compatible encoding`, [command, "--encoding", "utf-16le", "-"], "ASCII"],
        [
          `${command}: an unknown encoding, 100 000 characters`,
          [command, "--encoding", longPath, "-"],
          "unknown",
        ],
        [`${command}: an unknown option, 100 000 characters`, [command, `--${longPath}`], "unknown option"],
        [`${command}: a bad --format value`, [command, "--format", `\u001b[2J${longPath}`], "--format takes"],
      );
    }
    cases.push(
      ["an unknown command, 100 000 characters", [longPath], "unknown command"],
      ["an unknown command with control characters", ["\u001b]0;x\u0007"], "unknown command"],
      ["pcap: a bad --port value", ["pcap", "--port", `1,${longPath}`, "x.pcap"], "--port takes"],
    );
    test.each(cases)("%s", (_name, args, message) => {
      const result = run(args);
      expect(result.status).toBe(2);
      expect(lines(result.stderr)).toHaveLength(1);
      expect(result.stderr).toMatch(/^ftp-reply[ :]/);
      expect(result.stderr).toContain(message);
      expect(result.stderr).not.toContain("internal error");
      expect(result.stderr).not.toMatch(/\n\s+at /);
      // Cut to ~200 characters: the message stays short whatever the argument's length.
      expect(result.stderr.length).toBeLessThan(450);
      expect(result.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
    });
    test("a file name's control characters are shown escaped", () => {
      const result = run(["parse", hostileName]);
      expect(result.stderr).toContain("evil\\x1b]0;pwned\\x07\\x1b[2J\\u202e.log: no such file");
    });
  });

  test("--strict: exit 1 when the log has protocol errors, 0 when it has none", () => {
    expect(run(["log", "--strict", "fixtures/logs/ftplib/ftplib-debug.txt"]).status).toBe(1);
    expect(run(["log", "--strict", "fixtures/logs/dialogue/ftp-srv-dialogue.txt"]).status).toBe(0);
    expect(run(["log", "fixtures/logs/ftplib/ftplib-debug.txt"]).status).toBe(0);
    // Clean multi-session logs: a new session's greeting, curl's meter, lftp's notes are no findings.
    for (const file of ["curl-v.txt", "ftplib.txt", "lftp.txt", "concurrent-vsftpd.log"]) {
      expect(run(["log", "--strict", `fixtures/logs/sessions/${file}`]).status).toBe(0);
    }
  });

  test("explain and pcap are dispatched to their commands", () => {
    const explain = run(["explain", "227"]);
    expect(explain.status).toBe(0);
    expect(explain.stdout).toContain("227");
    expect(run(["pcap", "--help"]).status).toBe(0);
  });

  test("a closed pipe (| head) ends quietly", () => {
    const result = spawnSync(
      "sh",
      ["-c", `"${process.execPath}" "${CLI}" log fixtures/logs/vsftpd/vsftpd.log | head -1`],
      {
        cwd: REPO,
        encoding: "utf8",
      },
    );
    expect(result.status).toBe(0);
    expect(result.stderr).toBe("");
    expect(lines(result.stdout)).toHaveLength(1);
  });
});
