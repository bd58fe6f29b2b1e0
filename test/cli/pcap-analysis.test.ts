/**
 * `ftp-reply pcap` with notices, weirds and TLS handshakes: pretty lines and summary, json records, and the Zeek
 * logs of `--zeek-dir`, whose headers are set beside the ones Zeek itself writes (its btest baselines).
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runPcapCommand } from "../../src/cli/pcap-command.js";

const FIXTURES = join(import.meta.dirname, "../../fixtures/pcap");

async function run(args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await runPcapCommand(args, {
    stdout: { write: (text: string) => (stdout += text), isTTY: false },
    stderr: { write: (text: string) => (stderr += text) },
    env: { LANG: "en_US.UTF-8" },
    stdin: (async function* () {})(),
  });
  return { code, stdout, stderr };
}

/**
 * `#fields` lines of Zeek's own logs (testing/btest/Baseline/scripts.policy.protocols.ftp.bruteforce/notice.log and
 * scripts.base.protocols.ftp.ftp-max-arg-length/weird.log in github.com/zeek/zeek).
 */
const ZEEK_NOTICE_FIELDS =
  "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tfuid\tfile_mime_type\tfile_desc\tproto\tnote\tmsg\tsub\tsrc\tdst\tp\tn\tpeer_descr\tactions\temail_dest\tsuppress_for\tremote_location.country_code\tremote_location.region\tremote_location.city\tremote_location.latitude\tremote_location.longitude";
const ZEEK_NOTICE_TYPES =
  "#types\ttime\tstring\taddr\tport\taddr\tport\tstring\tstring\tstring\tenum\tenum\tstring\tstring\taddr\taddr\tport\tcount\tstring\tset[enum]\tset[string]\tinterval\tstring\tstring\tstring\tdouble\tdouble";
const ZEEK_WEIRD_FIELDS =
  "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tname\taddl\tnotice\tpeer\tsource";
/** Zeek's brute-force row in that baseline, from `note` to `suppress_for` (its source had 20 failures in 37 s). */
const ZEEK_BRUTE_ROW =
  "FTP::Bruteforcing\t192.168.56.1 had 20 failed logins on 1 FTP server in 0m37s\t-\t192.168.56.1\t-\t-\t-\t-\tNotice::ACTION_LOG\t(empty)\t3600.000000";

const rowsOf = (log: string) => log.split("\n").filter((line) => line !== "" && !line.startsWith("#"));

describe("--zeek-dir", () => {
  it("writes ftp.log, files.log, notice.log and weird.log with Zeek's headers", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ftp-reply-zeek-"));
    const { code, stderr } = await run(["--zeek-dir", dir, join(FIXTURES, "pureftpd-bruteforce.pcap")]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    // files.log: the capture's data connections (its directory listings).
    expect(readdirSync(dir).sort()).toEqual(["files.log", "ftp.log", "notice.log", "weird.log"]);
    const notice = readFileSync(join(dir, "notice.log"), "utf8");
    expect(notice.split("\n")).toEqual(
      expect.arrayContaining([ZEEK_NOTICE_FIELDS, ZEEK_NOTICE_TYPES, "#path\tnotice"]),
    );
    expect(notice).toMatch(/\n#close\t\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d\n$/);
    const brute = rowsOf(notice).find((row) => row.includes("FTP::Bruteforcing"))!;
    // Zeek's row shape, with our source and duration: no connection, src set, the default action.
    const ours = brute.split("\t").slice(10, 21).join("\t");
    expect(
      ours
        .replace(/10\.21\.0\.2/g, "192.168.56.1")
        .replace(/in \d+m\d+s/, "in 0m37s")
        .replace("\t20\t", "\t-\t"),
    ).toBe(ZEEK_BRUTE_ROW);
    expect(brute.split("\t").slice(0, 10).slice(1)).toEqual(["-", "-", "-", "-", "-", "-", "-", "-", "-"]);
    const weird = readFileSync(join(dir, "weird.log"), "utf8");
    expect(weird.split("\n")).toContain(ZEEK_WEIRD_FIELDS);
    expect(rowsOf(weird)).toHaveLength(22);
    // ftp.log: the rows `--format zeek` writes.
    const zeek = await run(["--format", "zeek", join(FIXTURES, "pureftpd-bruteforce.pcap")]);
    expect(rowsOf(readFileSync(join(dir, "ftp.log"), "utf8"))).toEqual(rowsOf(zeek.stdout));
  });

  it("writes ssl.log for AUTH TLS sessions; --bruteforce-threshold sets n", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ftp-reply-zeek-"));
    await run(["--zeek-dir", dir, join(FIXTURES, "proftpd-auth-tls.pcap")]);
    const ssl = rowsOf(readFileSync(join(dir, "ssl.log"), "utf8")).map((row) => row.split("\t").slice(6));
    expect(ssl).toEqual([
      [
        "TLSv12",
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "ftp.example.test",
        "CN=ftp.example.test,O=ftp-reply fixtures,C=DE",
        "CN=ftp.example.test,O=ftp-reply fixtures,C=DE",
      ],
      ["TLSv13", "TLS_AES_256_GCM_SHA384", "ftp.example.test", "-", "-"],
      ["TLSv13", "TLS_AES_256_GCM_SHA384", "ftp.example.test", "-", "-"],
    ]);
    const five = mkdtempSync(join(tmpdir(), "ftp-reply-zeek-"));
    await run([
      "--zeek-dir",
      five,
      "--bruteforce-threshold",
      "5",
      join(FIXTURES, "pureftpd-bruteforce.pcap"),
    ]);
    const brute = rowsOf(readFileSync(join(five, "notice.log"), "utf8")).find((r) =>
      r.includes("FTP::Bruteforcing"),
    )!;
    expect(brute).toContain("had 5 failed logins");
  });

  it("a --zeek-dir that is a file: exit 2 and a one-line message", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ftp-reply-zeek-"));
    const file = join(dir, "not-a-folder");
    writeFileSync(file, "");
    const { code, stdout, stderr } = await run(["--zeek-dir", file, join(FIXTURES, "vsftpd-curl.pcap")]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toBe(`ftp-reply pcap: --zeek-dir cannot be written: ${file}: is a file, not a folder\n`);
  });

  it("refuses bad thresholds", async () => {
    for (const bad of [
      ["--bruteforce-threshold", "0"],
      ["--bruteforce-interval", "1.5"],
      ["--bruteforce-threshold", "x"],
    ]) {
      const { code, stderr } = await run([...bad, join(FIXTURES, "pureftpd-bruteforce.pcap")]);
      expect(code).toBe(2);
      expect(stderr).toContain(`${bad[0]} takes a whole number`);
    }
  });
});

describe("notices, weirds and TLS in the other formats", () => {
  it("pretty: a ⚑ line where the notice happens, a TLS line, and the summary section", async () => {
    const bounce = await run(["--no-color", "--summary", join(FIXTURES, "vsftpd-bounce-hijack.pcap")]);
    expect(bounce.stdout).toMatch(
      /C: PORT 127,0,0,2,9,21\n.*S: 200 .*\n(?:.*foreign-data-address.*\n)? {3}⚑ notice FTP::Bounce_Attempt \[tcp0\]: /,
    );
    expect(bounce.stdout).toContain(
      "  notices      4: FTP::Bounce_Attempt 2, FTP::Data_Connection_Hijack 1, FTP::Login_After_Refused_AUTH 1\n",
    );
    expect(bounce.stdout).toContain("  weird        2: FTP_foreign_data_address 2\n");
    const tls = await run(["--no-color", "--summary", join(FIXTURES, "vsftpd-auth-tls.pcap")]);
    expect(tls.stdout).toMatch(
      / {3}↳ TLS on tcp\.stream 2: TLSv13 TLS_AES_256_GCM_SHA384 \(after a HelloRetryRequest\)/,
    );
    expect(tls.stdout).toContain("  tls          1 handshake: TLSv13 1\n");
  });

  it("json: notice, weird and tls records in the one array, and the notice summary", async () => {
    const { stdout } = await run([
      "--format",
      "json",
      "--summary",
      join(FIXTURES, "vsftpd-bounce-hijack.pcap"),
    ]);
    const records = JSON.parse(stdout) as Array<Record<string, unknown>>;
    const notices = records.filter((r) => r.record === "notice");
    expect(notices.map((r) => r.note)).toEqual([
      "FTP::Bounce_Attempt",
      "FTP::Bounce_Attempt",
      "FTP::Data_Connection_Hijack",
      "FTP::Login_After_Refused_AUTH",
    ]);
    expect(notices[0]).toMatchObject({
      uid: "tcp0",
      "id.orig_h": "10.21.0.2",
      dst: "127.0.0.2",
      proto: "tcp",
    });
    expect(records.filter((r) => r.record === "weird").map((r) => r.name)).toEqual([
      "FTP_foreign_data_address",
    ]);
    expect(records.find((r) => r.record === "notice-summary")).toEqual({
      record: "notice-summary",
      notices: {
        "FTP::Bounce_Attempt": 2,
        "FTP::Data_Connection_Hijack": 1,
        "FTP::Login_After_Refused_AUTH": 1,
      },
      weird: { FTP_foreign_data_address: 2 },
      tls: {},
    });
  });
});

describe("per-session summary", () => {
  it("counts each session's notices: the session records agree with the notice records", async () => {
    const { code, stdout } = await run([
      "--format",
      "ndjson",
      "--summary",
      join(FIXTURES, "vsftpd-bounce-hijack.pcap"),
    ]);
    expect(code).toBe(0);
    const records = stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { record: string; uid?: string; notices?: number });
    const sessions = records.filter((r) => r.record === "session");
    const notices = records.filter((r) => r.record === "notice");
    expect(sessions.length).toBeGreaterThan(1);
    expect(notices.length).toBeGreaterThan(0);
    for (const session of sessions) {
      expect(session.notices, session.uid).toBe(notices.filter((n) => n.uid === session.uid).length);
    }
    expect(sessions.some((s) => (s.notices ?? 0) > 0)).toBe(true);
  });
});
