import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "./run-pcap.js";
import { ACK, ethernet, ipv4Tcp, pcapFile, SYN } from "./synthetic.js";

const FIXTURES = join(import.meta.dirname, "../../../fixtures/pcap");

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
});
