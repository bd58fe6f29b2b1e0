import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROGRESS_THRESHOLD_BYTES } from "../../../src/cli/progress.js";
import { runPcap } from "../../helpers/pcap-cli.js";
import { ACK, ethernet, ipv4Tcp, pcapFile, SYN } from "./synthetic.js";
import { readFollowFile } from "./tshark.js";

const FIXTURES = join(import.meta.dirname, "../../../fixtures/pcap");

const run = runPcap;

describe("ftp-reply pcap", () => {
  it("prints the dialogue with connections and data transfers", async () => {
    const { code, stdout, stderr } = await run(["--no-color", join(FIXTURES, "vsftpd-curl.pcap")]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain("── control connection tcp.stream 0: 10.21.0.2:");
    expect(stdout).toMatch(/C: RETR random\.bin\n.*S: 150 .*\(65536 bytes\)/);
    expect(stdout).toMatch(
      /↳ data tcp\.stream 5 for RETR random\.bin: .* \(passive\), 65536 bytes to client/,
    );
    expect(stdout.match(/── control connection/g)?.length).toBe(3);
  });

  it("json is one valid array holding exchanges and data connections", async () => {
    const { code, stdout } = await run(["--format", "json", join(FIXTURES, "vsftpd-active-port20.pcapng")]);
    expect(code).toBe(0);
    const records = JSON.parse(stdout) as Array<{
      record: string;
      passive?: boolean;
      bytesToClient?: number;
    }>;
    const data = records.filter((r) => r.record === "data-connection");
    expect(data.length).toBe(4);
    expect(data.every((d) => d.passive === false)).toBe(true);
    expect(records.filter((r) => r.record === "exchange").length).toBeGreaterThan(20);
  });

  it("ndjson has one record per line, with the connection's endpoints", async () => {
    const { stdout } = await run(["--format=ndjson", join(FIXTURES, "pureftpd-ipv6.pcapng")]);
    const records = stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const exchange = records.find((r) => r.record === "exchange")!;
    expect(exchange.origHost).toBe("fd21::2");
    expect(exchange.respHost).toBe("fd21::1");
    expect(exchange.respPort).toBe(21);
  });

  it("zeek writes ftp.log rows with the control connection's id", async () => {
    const { stdout } = await run(["--format", "zeek", join(FIXTURES, "proftpd-interleaved.pcap")]);
    expect(stdout).toContain("#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p");
    const rows = stdout.split("\n").filter((line) => line !== "" && !line.startsWith("#"));
    expect(rows.some((row) => row.includes("\ttcp0\t10.21.0.2\t") && row.includes("\tSYST\t"))).toBe(true);
    expect(rows.some((row) => row.includes("\ttcp1\t10.21.0.2\t") && row.includes("\tSYST\t"))).toBe(true);
  });

  it("--port and --no-detect choose the control connections", async () => {
    const file = join(FIXTURES, "ftp-srv-port-2121.pcap");
    expect((await run(["--no-color", file])).stdout).toContain("(found by its greeting)");
    expect((await run(["--no-color", "--port", "2121", file])).stdout).toContain(":2121 (port 2121)");
    const none = await run(["--no-color", "--no-detect", "--summary", file]);
    expect(none.stdout).not.toContain("── control connection");
    expect(none.stdout).toContain("0 FTP control");
  });

  it("reports the gap of vsftpd-gap.pcap and exits 1 with --strict", async () => {
    const file = join(FIXTURES, "vsftpd-gap.pcap");
    const plain = await run(["--no-color", file]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/! byte \d+: gap: frame \d+: stream 0: 7 bytes server→client missing/);
    expect((await run(["--no-color", "--strict", file])).code).toBe(1);
  });

  it("reads stdin with -", async () => {
    const bytes = readFileSync(join(FIXTURES, "vsftpd-tiny-mtu.pcap"));
    const { code, stdout } = await run(["--no-color", "-"], [bytes.subarray(0, 1000), bytes.subarray(1000)]);
    expect(code).toBe(0);
    expect(stdout).toContain("C: FEAT");
  });

  it("a truncated file: everything before the cut, then the error with its byte offset, exit 1", async () => {
    const bytes = readFileSync(join(FIXTURES, "vsftpd-curl.pcap"));
    const dir = mkdtempSync(join(tmpdir(), "pcap-cli-"));
    const cut = join(dir, "cut.pcap");
    writeFileSync(cut, bytes.subarray(0, 40_000));
    const { code, stdout, stderr } = await run(["--no-color", cut]);
    expect(code).toBe(1);
    expect(stdout).toContain("C: USER anonymous");
    expect(stderr).toMatch(
      /^ftp-reply pcap: .*cut\.pcap: truncated: capture file ends inside a pcap record .* at byte \d+\n$/,
    );
  });

  it("zeek keeps ftp.log clean: the summary goes to stderr; --no-data drops data lines", async () => {
    const file = join(FIXTURES, "vsftpd-curl-vlan.pcap");
    const zeek = await run(["--format", "zeek", "--summary", file]);
    expect(zeek.stdout).not.toContain("capture ");
    expect(zeek.stderr).toContain("connections  6 TCP: 3 FTP control, 3 FTP data, 0 other");
    const noData = await run(["--no-color", "--no-data", file]);
    expect(noData.stdout).toContain("C: RETR random.bin");
    expect(noData.stdout).not.toContain("↳ data");
  });

  it("the summary names packets skipped for a problem (IP fragments)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pcap-cli-"));
    const path = join(dir, "fragment.pcap");
    const fragment = ipv4Tcp({ sport: 21, dport: 40000, seq: 1, payload: "220 x\r\n" }, [], 0x2000);
    writeFileSync(path, pcapFile([{ data: ethernet(fragment) }]));
    const { stdout, code } = await run(["--no-color", "--summary", "--strict", path]);
    expect(stdout).toContain("skipped: ip-fragment 1");
    expect(stdout).toMatch(/ip-fragment: frame 1: IPv4 fragment/);
    expect(code).toBe(1);
  });

  it("a directory is read as its capture files (its other files are named as skipped)", async () => {
    const { code, stderr, stdout } = await run(["--jobs", "1", "--summary", FIXTURES]);
    expect(code).toBe(0);
    expect(stderr).toMatch(/file\(s\) that are not captures skipped: .*\.follow\.txt/);
    expect(stdout).toMatch(/capture {6}\d+ files, \d+ packets/);
  });

  it("a capture of the server's side only: one warning for a run of replies without commands, then its count", async () => {
    const dir = mkdtempSync(join(tmpdir(), "server-only-"));
    const path = join(dir, "server-only.pcap");
    const replies = ["220 hello\r\n", "331 password?\r\n", "230 in\r\n", '257 "/"\r\n', "221 bye\r\n"];
    let seq = 1;
    const packets = replies.map((payload) => {
      const data = ethernet(ipv4Tcp({ sport: 21, dport: 40000, seq, payload }));
      seq += payload.length;
      return { data };
    });
    // The server's half of the handshake, then its replies: the capture never saw the client's packets.
    const synAck = ethernet(ipv4Tcp({ sport: 21, dport: 40000, seq: 0, ack: 1, flags: SYN | ACK }));
    writeFileSync(path, pcapFile([{ data: synAck }, ...packets]));
    const pretty = await run(["--no-color", "--summary", path]);
    expect(
      pretty.stdout.match(/! unmatched-reply: reply 331 came while no command was waiting/g)?.length,
    ).toBe(1);
    expect(pretty.stdout).toContain(
      "! unmatched-reply: 3 more replies above came while no command was waiting",
    );
    for (const code of [230, 257, 221]) expect(pretty.stdout).toMatch(new RegExp(`S: ${code} `));
    // Every diagnostic is still counted, and each is in the records.
    expect(pretty.stdout).toMatch(/diagnostics {2}4 \(unmatched-reply 4\)/);
    const ndjson = await run(["--format", "ndjson", path]);
    expect(ndjson.stdout.match(/"type":"unmatched-reply"/g)?.length).toBe(4);
  });

  it("usage errors exit 2", async () => {
    expect((await run([])).code).toBe(2);
    expect((await run(["--port", "70000", "x.pcap"])).stderr).toContain("--port takes port numbers");
    expect((await run(["a.pcap", "b.pcap"])).code).toBe(2);
    const missing = await run([join(FIXTURES, "no-such-file.pcap")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("cannot read");
    expect((await run(["--help"])).stdout).toContain("usage: ftp-reply pcap");
  });

  it("more usage and file errors: their sentence on stderr and their exit code", async () => {
    const jobs = await run(["--jobs", "0", join(FIXTURES, "vsftpd-curl.pcap")]);
    expect(jobs.code).toBe(2);
    expect(jobs.stderr).toBe(
      'ftp-reply pcap: --jobs takes a number of threads 1-256, not "0"; see ftp-reply pcap --help\n',
    );
    expect((await run(["--jobs", "2.5", "x.pcap"])).stderr).toContain('not "2.5"');
    const stdin = await run(["-", join(FIXTURES, "vsftpd-curl.pcap")]);
    expect(stdin.code).toBe(2);
    expect(stdin.stderr).toContain("stdin (-) cannot be read with other capture files");
    expect((await run(["--summary"])).stderr).toContain("no capture file given");

    const folder = mkdtempSync(join(tmpdir(), "pcap-errors-"));
    const empty = await run([folder]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toBe(`ftp-reply pcap: no capture files in ${folder}\n`);
    // A file that is no capture at all is unreadable (2); one cut in a record is damaged (1), its packets kept.
    writeFileSync(join(folder, "notes.pcap"), "not a capture at all\n");
    const notCapture = await run([join(folder, "notes.pcap")]);
    expect(notCapture.code).toBe(2);
    expect(notCapture.stderr).toMatch(/notes\.pcap.*at byte 0/);
    writeFileSync(
      join(folder, "cut.pcap"),
      readFileSync(join(FIXTURES, "vsftpd-curl.pcap")).subarray(0, 3000),
    );
    const cut = await run(["--format", "ndjson", join(folder, "cut.pcap")]);
    expect(cut.code).toBe(1);
    expect(cut.stderr).toMatch(/cut\.pcap.*capture file ends inside a pcap record/);
    expect(cut.stdout).toContain('"code":220'); // the greeting before the cut
  });

  it("a capture without FTP says so on stderr and exits 3 (in Chinese too); --strict problems still exit 1", async () => {
    const file = join(FIXTURES, "http-no-ftp.pcap");
    const plain = await run(["--no-color", file]);
    expect(plain.code).toBe(3);
    expect(plain.stdout).toBe("");
    expect(plain.stderr).toBe(
      `ftp-reply pcap: ${file}: no FTP control connection in 14 packets (1 TCP connection); if the server listens on another port, try --port\n`,
    );
    const zh = await run(["--no-color", file], [], { LANG: "zh_CN.UTF-8" });
    expect(zh.code).toBe(3);
    expect(zh.stderr).toContain("中没有 FTP 控制连接");
    const json = await run(["--format", "json", file]);
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toEqual([]);
  });

  it("the json summary record has the pretty summary's counts and the data bytes tshark followed", async () => {
    const file = join(FIXTURES, "vsftpd-curl.pcap");
    const records = JSON.parse((await run(["--format", "json", "--summary", file])).stdout) as Array<
      Record<string, unknown>
    >;
    const summary = records.find((r) => r.record === "summary")!;
    const pretty = (await run(["--no-color", "--summary", file])).stdout;
    const capture = summary.capture as Record<string, number>;
    const connections = summary.connections as Record<string, number>;
    expect(pretty).toContain(
      `capture      pcap, ${capture.packets} packets: ${capture.tcpSegments} TCP, ${capture.otherIp} other IP, ${capture.notIp} not IP`,
    );
    expect(pretty).toContain(
      `connections  ${connections.tcp} TCP: ${connections.control} FTP control, ${connections.data} FTP data, ${connections.other} other`,
    );
    expect(connections).toEqual({ tcp: 6, control: 3, data: 3, other: 0 });
    // The data connections' payload as tshark follows it: every stream that is not a control connection (port 21).
    const followed = [...readFollowFile(join(FIXTURES, "vsftpd-curl.follow.txt")).values()];
    const dataBytes = followed
      .filter((stream) => !stream.nodes.some((node) => node.endsWith(":21")))
      .reduce((sum, stream) => sum + stream.bytes[0].length + stream.bytes[1].length, 0);
    expect(summary.dataBytes).toBe(dataBytes);
    expect(pretty).toContain(`data bytes   ${dataBytes} (measured on the data connections)`);
    // The bytes announced (150 … (N bytes)) are counted apart: the listing announced none.
    expect(summary.bytes).toBeLessThan(dataBytes);
  });

  it("a large capture on a terminal gets a progress bar on stderr, erased at the end", async () => {
    // vsftpd-curl.pcap's records repeated past the threshold (the same packets again: retransmissions).
    const bytes = readFileSync(join(FIXTURES, "vsftpd-curl.pcap"));
    const records = bytes.subarray(24);
    const copies = Math.ceil(PROGRESS_THRESHOLD_BYTES / records.length) + 1;
    const path = join(mkdtempSync(join(tmpdir(), "pcap-cli-")), "big.pcap");
    writeFileSync(
      path,
      Buffer.concat([bytes.subarray(0, 24), ...Array.from({ length: copies }, () => records)]),
    );
    const { code, stderr } = await run(["--format", "ndjson", path], [], { LANG: "en_US.UTF-8" }, true);
    expect(code).toBe(0);
    expect(stderr).toContain(`\r${path} [`);
    expect(stderr.endsWith("\r\u001b[K")).toBe(true);
    const quiet = await run(["--format", "ndjson", path]);
    expect(quiet.stderr).toBe("");
  });

  it("LANG=zh_CN.UTF-8: every line of the pretty output is in Chinese", async () => {
    const env = { LANG: "zh_CN.UTF-8" };
    for (const name of ["vsftpd-gap.pcap", "proftpd-latin1.pcap", "proftpd-dropped-command.pcap"]) {
      const { stdout } = await run(["--no-color", "--summary", join(FIXTURES, name)], [], env);
      const lines = stdout.split("\n").filter((line) => line.trim() !== "");
      let inReply = false;
      for (const line of lines) {
        const body = line.replace(/^\[[^\]]*\] /, "").trim();
        // What the server and client sent is shown as sent: the C: line, and a reply's continuation lines.
        if (body.startsWith("C: ")) continue;
        if (body.startsWith("S: ")) {
          expect(line, name).toMatch(/ · .*[\u4e00-\u9fff]/);
          inReply = true;
          continue;
        }
        if (inReply && !/^[!(↳─]|^\S+\s{2,}/.test(body) && !/[\u4e00-\u9fff]/.test(body)) continue;
        inReply = false;
        expect(line, name).toMatch(/[\u4e00-\u9fff]/);
        // No English sentence: words of four letters or more are only the names kept as they are (tcp.stream,
        // the capture format, the stable diagnostic types).
        // (A data line's command, RETR pub/random.bin, is shown as sent: its brackets are left out.)
        // MIME types (text/plain) are names too, as Zeek writes them; a session's user name is data, as sent.
        const words =
          body
            .replace(/（[A-Z]+[^）]*）/, "")
            .replace(/用户 [^，]*，/, "")
            .replace(/\b[a-z]+\/[\w.+-]+/g, "")
            .match(/\b[a-z]{4,}\b/g) ?? [];
        const kept = ["stream", "pcap", "unexpected", "line", "reply", "invalid", "unanswered", "command"];
        for (const word of words) expect(kept, `${name}: ${line}`).toContain(word);
      }
    }
  });

  it("in Chinese the meanings carry the notes explain prints: 202 (mistranslated) and 426 (left in English)", async () => {
    const { stdout } = await run(["--no-color", join(FIXTURES, "proftpd-latin1.pcap")], [], {
      LANG: "zh_CN.UTF-8",
    });
    expect(stdout).toMatch(/S: 202 No storage allocation necessary {2}· .*（注：“站点上的命令过多”是误译/);
    expect(stdout).toMatch(
      /S: 426 Transfer aborted\. Data connection closed {2}· .*（注：文档此条保留了英文原文/,
    );
  });

  it("zeek: bytes that are not UTF-8 as \\xNN (not U+FFFD), Zeek's caps, --logged-commands, --guest-passwords", async () => {
    const rows = (stdout: string) =>
      stdout
        .split("\n")
        .filter((line) => line !== "" && !line.startsWith("#"))
        .map((line) => line.split("\t"));
    const latin1 = rows((await run(["--format", "zeek", join(FIXTURES, "proftpd-latin1.pcap")])).stdout);
    const dele = latin1.find((row) => row[8] === "DELE")!;
    expect(dele[9]).toBe("ftp://10.21.0.1/./r\\xe9sum\\xe9.txt");
    expect(dele[13]).toBe("r\\xe9sum\\xe9.txt: Operation not permitted");
    expect(latin1.flat().join("")).not.toContain("\ufffd");
    // The 5000-byte CWD: arg cut at Zeek's max_arg_length (4096 bytes), URL included.
    const dropped = rows(
      (await run(["--format", "zeek", join(FIXTURES, "proftpd-dropped-command.pcap")])).stdout,
    );
    const cwd = dropped.find((row) => row[8] === "CWD")!;
    expect(cwd[9]!.length).toBe(4096);
    // …and no reply_code: ProFTPD dropped it; the 221 is QUIT's (first-in, first-out pairing gave it to CWD).
    expect(cwd[12]).toBe("-");
    expect(dropped.filter((row) => row[8] === "QUIT").map((row) => row[12])).toEqual(["221", "221"]);
    expect(cwd[9]!.startsWith("ftp://10.21.0.1/./aaaa")).toBe(true);
    // Only Zeek's logged_commands (APPE DELE RETR STOR STOU ACCT PORT PASV EPRT EPSV; here DELE, PASV, RETR).
    const logged = rows(
      (await run(["--format", "zeek", "--logged-commands", join(FIXTURES, "proftpd-latin1.pcap")])).stdout,
    );
    expect(logged.map((row) => row[8])).toEqual(["DELE", "PASV", "RETR"]);
    // Guest passwords shown (anonymous), as Zeek's default; others stay hidden.
    const guest = rows(
      (await run(["--format", "zeek", "--guest-passwords", join(FIXTURES, "proftpd-latin1.pcap")])).stdout,
    );
    expect(guest.find((row) => row[8] === "PASS")![9]).toBe("guest@");
    expect(guest.find((row) => row[8] === "QUIT")![7]).toBe("guest@");
    const hidden = rows((await run(["--format", "zeek", join(FIXTURES, "proftpd-latin1.pcap")])).stdout);
    expect(hidden.find((row) => row[8] === "PASS")![9]).toBe("<hidden>");
  });
});
