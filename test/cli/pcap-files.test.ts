/**
 * `ftp-reply pcap` with files, verdicts and sessions: the options, each output format, Zeek's ftp.log and
 * files.log in a folder (--zeek-dir), and the per-session summary. References: sha256sum of the served files.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { UsageError } from "../../src/cli/args.js";
import { fileOptionsOf, sessionLines } from "../../src/cli/pcap-files.js";
import type { SessionSummary } from "../../src/node/pcap/sessions.js";
import { runPcap } from "../helpers/pcap-cli.js";

const FIXTURES = join(import.meta.dirname, "../../fixtures/pcap");
const FILES = join(FIXTURES, "vsftpd-files.pcap");

const run = runPcap;

const sums = new Map(
  readFileSync(join(FIXTURES, "vsftpd-files.sha256"), "utf8")
    .trim()
    .split("\n")
    .map((line) => {
      const [digest, ...name] = line.split("  ");
      return [name.join("  "), digest!] as const;
    }),
);

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), "ftp-reply-cli-files-"));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Rows of a Zeek ASCII log as objects keyed by its `#fields`. */
function zeekRows(text: string): Record<string, string>[] {
  const lines = text.split("\n");
  const fields = lines
    .find((l) => l.startsWith("#fields\t"))!
    .split("\t")
    .slice(1);
  return lines
    .filter((l) => l !== "" && !l.startsWith("#"))
    .map((l) => Object.fromEntries(l.split("\t").map((v, i) => [fields[i]!, v])));
}

describe("ftp-reply pcap: files and verdicts", () => {
  it("pretty: each data line has the MIME type, the SHA-256 and the verdict", async () => {
    const { code, stdout } = await run(["--no-color", FILES]);
    expect(code).toBe(0);
    const png = stdout.split("\n").find((l) => l.includes("for RETR image.png"))!;
    expect(png).toContain(
      `image/png, sha256 ${sums.get("image.png")}, complete (226, 463 bytes of 463 expected)`,
    );
    expect(stdout).toMatch(
      /for RETR big\.bin: .* resumed \(226 after REST 10000, 14576 bytes of 14576 expected\)/,
    );
  });

  it("--hash md5,sha1 gives those and no SHA-256; --hash none gives none", async () => {
    const { stdout } = await run(["--format", "ndjson", "--hash", "md5,sha1", FILES]);
    const data = stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { record: string; file?: Record<string, unknown> })
      .filter((r) => r.record === "data-connection");
    expect(data).toHaveLength(6);
    for (const d of data) {
      expect(d.file!.md5).toMatch(/^[0-9a-f]{32}$/);
      expect(d.file!.sha1).toMatch(/^[0-9a-f]{40}$/);
      expect(d.file!.sha256).toBeUndefined();
    }
    const none = await run(["--no-color", "--hash", "none", FILES]);
    expect(none.stdout).not.toMatch(/sha256 /);
    expect(none.stdout).toContain("image/png, complete");
  });

  it("refuses an unknown hash and a bad size with a usage error", async () => {
    const bad = await run(["--hash", "crc32", FILES]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--hash takes md5, sha1, sha256 or none, not "crc32"');
    const size = await run(["--extract-max", "lots", FILES]);
    expect(size.code).toBe(2);
    expect(size.stderr).toContain("--extract-max takes a size");
  });

  it("json: data-connection records carry the file, the verdict and why", async () => {
    const { stdout } = await run(["--format", "json", FILES]);
    const records = JSON.parse(stdout) as Array<Record<string, unknown>>;
    const gz = records.find((r) => r.record === "data-connection" && r.arg === "numbers.gz")!;
    expect(gz.file).toMatchObject({
      fuid: "Ftcp5",
      name: "/numbers.gz",
      direction: "download",
      size: 349,
      mimeType: "application/x-gzip",
      hashStatus: "complete",
      sha256: sums.get("numbers.gz"),
    });
    expect(gz.verdict).toBe("complete");
    expect(gz.expectedBytes).toBe(349);
    // The RETR exchange names the file its data connection carries (ftp.log's fuid).
    const retr = records.find(
      (r) =>
        r.record === "exchange" &&
        (r.command as { arg?: string } | undefined)?.arg === "numbers.gz" &&
        (r.command as { verb: string }).verb === "RETR",
    )!;
    expect(retr.fuid).toBe("Ftcp5");
    expect(retr.mimeType).toBe("application/x-gzip");
  });

  it("--extract DIR writes the files; a DIR that is a file is refused before reading", async () => {
    const dir = tempDir();
    const { code, stdout } = await run(["--no-color", "--extract", dir, FILES]);
    expect(code).toBe(0);
    expect(stdout).toContain("extracted to Ftcp4-image.png");
    expect(readdirSync(dir)).toHaveLength(6);
    const file = join(dir, "a-file");
    writeFileSync(file, "");
    const refused = await run(["--extract", file, FILES]);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toMatch(/^ftp-reply pcap: \/.*\/a-file is not a folder\n$/);
  });

  it("--zeek-dir writes ftp.log with fuid and mime_type, and files.log in Zeek's format", async () => {
    const dir = tempDir();
    const { code } = await run(["--zeek-dir", dir, "--hash", "md5,sha1,sha256", FILES]);
    expect(code).toBe(0);
    const ftp = readFileSync(join(dir, "ftp.log"), "utf8");
    const files = readFileSync(join(dir, "files.log"), "utf8");
    expect(ftp).toContain("#path\tftp\n");
    expect(files).toContain("#path\tfiles\n");
    expect(files).toContain(
      "#fields\tts\tfuid\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tsource\tdepth\tanalyzers\tmime_type\tfilename\tduration\tlocal_orig\tis_orig\tseen_bytes\ttotal_bytes\tmissing_bytes\toverflow_bytes\ttimedout\tparent_fuid\tmd5\tsha1\tsha256\textracted\textracted_cutoff\textracted_size\t_verdict\n",
    );
    expect(files).toMatch(/#close\t\d{4}-/);
    const retr = zeekRows(ftp).find((r) => r.command === "RETR" && r.arg?.endsWith("/image.png"))!;
    expect(retr.fuid).toBe("Ftcp4");
    expect(retr.mime_type).toBe("image/png");
    const rows = zeekRows(files);
    expect(rows).toHaveLength(6);
    const png = rows.find((r) => r.fuid === "Ftcp4")!;
    expect(png).toMatchObject({
      uid: "tcp4",
      source: "FTP_DATA",
      analyzers: "MD5,SHA1,SHA256",
      mime_type: "image/png",
      filename: "/image.png",
      is_orig: "F",
      seen_bytes: "463",
      total_bytes: "463",
      missing_bytes: "0",
      sha256: sums.get("image.png"),
      extracted: "-",
      _verdict: "complete",
    });
  });

  it("--format zeek puts fuid and mime_type in ftp.log and the data lines on stderr", async () => {
    const { stdout, stderr } = await run(["--format", "zeek", FILES]);
    const rows = zeekRows(stdout);
    expect(rows.find((r) => r.command === "RETR" && r.arg?.endsWith("/doc.pdf"))!.mime_type).toBe(
      "application/pdf",
    );
    expect(stderr).toMatch(/↳ data tcp\.stream 7 for RETR doc\.pdf: .*application\/pdf.*complete/);
  });
});

describe("ftp-reply pcap: sessions", () => {
  it("--summary lists one line per control connection", async () => {
    const { stdout } = await run(["--no-color", "--summary", join(FIXTURES, "vsftpd-abort.pcap")]);
    const block = stdout.slice(stdout.indexOf("  sessions"));
    expect(block.split("\n")[0]).toBe("  sessions     3");
    expect(block).toMatch(
      /tcp0 {2}10\.21\.0\.2:\d+ → 10\.21\.0\.1:2221 {2}user anonymous, login ok, \d+ commands, 1 files, \d+ bytes/,
    );
  });

  it("json --summary has a session record per control connection, with the data bytes tshark counts", async () => {
    const { stdout } = await run(["--format", "json", "--summary", FILES]);
    const records = JSON.parse(stdout) as Array<Record<string, unknown>>;
    const sessions = records.filter((r) => r.record === "session");
    expect(sessions.map((s) => s.uid)).toEqual(["tcp0", "tcp2", "tcp3", "tcp6", "tcp8", "tcp10"]);
    const streams = readFileSync(join(FIXTURES, "vsftpd-files.streams.tsv"), "utf8")
      .trim()
      .split("\n")
      .slice(1);
    const served = (stream: number) =>
      Number(streams.find((row) => row.startsWith(`${stream}\t`))!.split("\t")[3]);
    expect(sessions.find((s) => s.uid === "tcp8")).toMatchObject({
      user: "anonymous",
      login: "success",
      files: 1,
      bytes: served(9),
    });
    expect(records.at(-1)!.record).toBe("summary");
  });
});

describe("ftp-reply pcap: unusable output folders", () => {
  it("--zeek-dir naming a file is refused before reading, nothing written", async () => {
    const dir = tempDir();
    const file = join(dir, "not-a-folder");
    writeFileSync(file, "keep");
    const { code, stdout, stderr } = await run(["--zeek-dir", file, FILES]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toBe(`ftp-reply pcap: --zeek-dir cannot be written: ${file}: is a file, not a folder\n`);
    expect(readFileSync(file, "utf8")).toBe("keep");
  });

  it("an extraction folder path under a file: cannot create it, said with the reason", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "f"), "");
    const { code, stderr } = await run(["--extract", join(dir, "f", "sub"), FILES]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^ftp-reply pcap: cannot create the folder .*\/f\/sub: ENOTDIR/);
  });
});

describe("Chinese output (--lang zh) over the recorded captures", () => {
  const zh = (file: string, ...extra: string[]) => run(["--lang", "zh", ...extra, join(FIXTURES, file)]);

  it("a gap, the FTP bytes after it and the verdicts, each in Chinese with stream, direction and offset", async () => {
    const { stdout } = await zh("vsftpd-gap.pcap", "--summary");
    expect(stdout).toContain(
      "gap: 第 20 帧: 流 0，服务器→客户端第 96 字节：缺少 7 字节；抓包中缺少字节；之后的数据从下一行重新同步",
    );
    expect(stdout).toContain(
      "ftp: 第 20 帧: 流 0，服务器→客户端第 103 字节：FTP 字节无法解析（unexpected-line）",
    );
    expect(stdout).toContain("完整（22 字节，预期 22）"); // a RETR with its size announced
    expect(stdout).toContain("0 字节发往客户端，被重置"); // RETR missing.txt, reset
    expect(stdout).toContain("中止（0 字节）");
    expect(stdout).toContain(
      "    tcp0  10.21.0.2:40926 → 10.21.0.1:21  用户 anonymous，登录成功，命令 20，文件 2，150 字节，告警 0",
    );
  });

  it("a file with bytes missing: its hash unknown, its diagnostic without a direction", async () => {
    const { stdout } = await zh("vsftpd-files-gap.pcap");
    expect(stdout).toContain("hash-unknown: 第 182 帧: 流 9：文件缺少字节：无法得出其哈希值");
    expect(stdout).toContain(
      "13128 字节发往客户端，抓包缺少 1448 字节, 哈希未知（缺少字节）, 续传完成（13128 字节，预期 14576）",
    );
  });

  it("AUTH TLS: the encrypted bytes in Chinese, and the dialogue's own diagnostics", async () => {
    const tls = (await zh("proftpd-auth-tls.pcap")).stdout;
    expect(tls).toContain(
      "encrypted: 第 11 帧: 流 0，客户端→服务器：控制连接已切换到 TLS（对 AUTH 的 234 答复）：此后的字节无法读取",
    );
    expect(tls).toContain("TLS（tcp.stream 0）: TLSv12");
    const dropped = (await zh("proftpd-dropped-command.pcap")).stdout;
    expect(dropped).toContain("! no-reply: CWD 没有收到答复：服务器答复了后面的命令（该命令被丢弃或忽略）");
    const brute = (await zh("pureftpd-bruteforce.pcap", "--summary")).stdout;
    expect(brute).toContain("! unmatched-reply: 收到答复 530 时没有等待答复的命令");
    expect(brute).toMatch(/用户 ftpreply，登录失败，命令 \d+/);
  });

  it("a capture without FTP says so in Chinese", async () => {
    const { stderr } = await zh("http-no-ftp.pcap");
    expect(stderr).toContain(
      "14 个数据包（1 个 TCP 连接）中没有 FTP 控制连接；如果服务器监听其他端口，请用 --port",
    );
  });
});

describe("the per-session lines and options, both languages", () => {
  const session = (fields: Partial<SessionSummary>): SessionSummary => ({
    uid: "tcp0",
    client: "10.0.0.2:40000",
    server: "10.0.0.1:21",
    user: undefined,
    login: "none",
    failedLogins: 0,
    commands: 2,
    files: 0,
    bytes: 0,
    notices: 0,
    ...fields,
  });
  const list = [
    session({}),
    session({ uid: "tcp1", user: "bob\u001b[2J", login: "success", failedLogins: 2, files: 1, bytes: 9 }),
    session({ uid: "tcp2", user: "eve", login: "failure", failedLogins: 1 }),
  ];

  it("no user, a login after failures, a failed login, and the sessions left out", () => {
    expect(sessionLines(list, 4)).toBe(
      [
        "  sessions     7",
        "    tcp0  10.0.0.2:40000 → 10.0.0.1:21  no user, no login, 2 commands, 0 files, 0 bytes, 0 notices",
        "    tcp1  10.0.0.2:40000 → 10.0.0.1:21  user bob\\x1b[2J, login ok after 2 failed, 2 commands, 1 files, 9 bytes, 0 notices",
        "    tcp2  10.0.0.2:40000 → 10.0.0.1:21  user eve, login failed, 2 commands, 0 files, 0 bytes, 0 notices",
        "    … and 4 more sessions (not summarised one by one)",
        "",
      ].join("\n"),
    );
    expect(sessionLines(list, 4, "zh")).toBe(
      [
        "  会话         7",
        "    tcp0  10.0.0.2:40000 → 10.0.0.1:21  无用户，未登录，命令 2，文件 0，0 字节，告警 0",
        "    tcp1  10.0.0.2:40000 → 10.0.0.1:21  用户 bob\\x1b[2J，登录成功（之前失败 2 次），命令 2，文件 1，9 字节，告警 0",
        "    tcp2  10.0.0.2:40000 → 10.0.0.1:21  用户 eve，登录失败，命令 2，文件 0，0 字节，告警 0",
        "    … 另有 4 个会话（未逐一列出）",
        "",
      ].join("\n"),
    );
    expect(sessionLines([], 0)).toBe("");
  });

  it("--extract-max and --hash refuse what they cannot read", () => {
    expect(fileOptionsOf(new Map([["extract-max", "2K"]]))).toEqual({ maxExtractBytes: 2048 });
    expect(fileOptionsOf(new Map([["hash", "SHA-1,md5,sha1"]]))).toEqual({ hashes: ["sha1", "md5"] });
    expect(() => fileOptionsOf(new Map([["extract-max", "10X"]]))).toThrow(
      '--extract-max takes a size in bytes (K, M, G), not "10X"',
    );
    expect(() => fileOptionsOf(new Map([["extract-max", "99999999999G"]]))).toThrow(UsageError);
    expect(() => fileOptionsOf(new Map([["hash", "crc32"]]))).toThrow(
      '--hash takes md5, sha1, sha256 or none, not "crc32"',
    );
  });
});
