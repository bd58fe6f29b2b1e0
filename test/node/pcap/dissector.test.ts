/**
 * Our dialogue beside tshark 4.0's FTP dissector (`-T fields -e ftp.request.command -e ftp.response.code …`,
 * committed as fixtures/pcap/NAME.ftp.tsv). Each test pins one difference listed in docs/pcap.md, on the capture
 * that shows it: tshark's committed rows show the defect, our analysis of the same capture does not.
 */
import { createReadStream } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Exchange } from "../../../src/connection/index.js";
import type { CaptureDiagnostic } from "../../../src/node/pcap/errors.js";
import { analyzeFtpCapture } from "../../../src/node/pcap/ftp.js";
import { readDissectorFile } from "./tshark.js";

const FIXTURES = join(import.meta.dirname, "../../../fixtures/pcap");

async function ours(name: string) {
  const exchanges: Exchange[] = [];
  const diagnostics: CaptureDiagnostic[] = [];
  await analyzeFtpCapture(createReadStream(join(FIXTURES, name)), {
    onExchange: (e) => exchanges.push(e),
    onDiagnostic: (d) => diagnostics.push(d),
  });
  return { exchanges, diagnostics, replies: exchanges.flatMap((e) => e.replies) };
}
const tshark = (name: string) => readDissectorFile(join(FIXTURES, name.replace(/\.pcap(ng)?$/, ".ftp.tsv")));
const codesOf = (rows: ReturnType<typeof tshark>) => rows.flatMap((r) => r.responseCode.map(Number));
const commandsOf = (rows: ReturnType<typeof tshark>) => rows.flatMap((r) => r.requestCommand);

describe("where tshark's FTP dissector and ftp-reply agree", () => {
  it("vsftpd-curl.pcap (one reply per segment): the same commands and reply codes", async () => {
    const rows = tshark("vsftpd-curl.pcap");
    const { exchanges, replies } = await ours("vsftpd-curl.pcap");
    expect(replies.map((r) => r.code)).toEqual(codesOf(rows));
    expect(exchanges.flatMap((e) => (e.command ? [e.command.verb] : []))).toEqual(commandsOf(rows));
  });
});

describe("differences from tshark's FTP dissector", () => {
  it("1. a reply split over segments: tshark invents a code from a continuation line (vsftpd-tiny-mtu.pcap)", async () => {
    const rows = tshark("vsftpd-tiny-mtu.pcap");
    // "     Session timeout in seconds is " | "300" in the next segment: tshark reads 300 as a reply code.
    expect(codesOf(rows)).toContain(300);
    const { replies } = await ours("vsftpd-tiny-mtu.pcap");
    expect(replies.map((r) => r.code)).not.toContain(300);
    const stat = replies.find((r) => r.text.includes("Session timeout in seconds is 300"));
    expect(stat?.code).toBe(211);
  });

  it("2. lines cut mid-word at segment ends become separate rows (vsftpd-tiny-mtu.pcap)", async () => {
    const args = tshark("vsftpd-tiny-mtu.pcap").flatMap((r) => r.responseArg);
    expect(args).toContain(" ABOR ACCT ALLO APPE CDUP CWD  DELE EPRT EPSV FE");
    expect(args).toContain("AT HELP LIST MDTM MKD");
    const { replies } = await ours("vsftpd-tiny-mtu.pcap");
    const help = replies.find((r) => r.code === 214)!;
    expect(help.lines).toContain(" ABOR ACCT ALLO APPE CDUP CWD  DELE EPRT EPSV FEAT HELP LIST MDTM MKD");
  });

  it("3. a multi-line reply becomes rows without codes; ours is one reply with its lines (proftpd-ftplib-nanosecond.pcap)", async () => {
    const rows = tshark("proftpd-ftplib-nanosecond.pcap");
    const featStart = rows.findIndex((r) => r.responseArg[0] === "Features:");
    const featEnd = rows.findIndex((r, i) => i > featStart && r.responseArg[0] === "End");
    const featRows = rows.slice(featStart, featEnd + 1);
    expect(featRows.filter((r) => r.responseCode.length > 0).length).toBe(2); // "211 Features:" and "211 End"
    expect(featRows.length).toBeGreaterThan(10);
    const { exchanges } = await ours("proftpd-ftplib-nanosecond.pcap");
    const feat = exchanges.find((e) => e.command?.verb === "FEAT")!;
    expect(feat.replies.length).toBe(1);
    expect(feat.final?.lines.length).toBe(featRows.length);
  });

  it("4. only the first line of a segment is shown (pureftpd-lftp-sll.pcap: the greeting and FEAT)", async () => {
    const rows = tshark("pureftpd-lftp-sll.pcap");
    const feat = rows.find((r) => r.responseCode[0] === "211")!;
    expect(feat.responseArg).toEqual(["Extensions supported:"]);
    const next = rows[rows.indexOf(feat) + 1]!;
    expect(next.responseCode.length + next.requestCommand.length).toBeGreaterThan(0); // no continuation rows
    const { exchanges } = await ours("pureftpd-lftp-sll.pcap");
    const ourFeat = exchanges.find((e) => e.command?.verb === "FEAT")!;
    expect(ourFeat.final?.lines.length).toBeGreaterThan(10);
    const greeting = exchanges.find((e) => e.kind === "greeting")!;
    expect(greeting.final?.lines.length).toBeGreaterThan(3);
    expect(rows.filter((r) => r.responseCode[0] === "220").length).toBe(1);
  });

  it("5. reordered, duplicated and retransmitted segments: tshark loses and misplaces lines (vsftpd-reorder-dup-drop.pcap)", async () => {
    const rows = tshark("vsftpd-reorder-dup-drop.pcap");
    const { exchanges } = await ours("vsftpd-reorder-dup-drop.pcap");
    // tshark: the FEAT reply shows one feature line; the 150 before "226 Transfer complete" is missing.
    const featStart = rows.findIndex((r) => r.responseArg[0] === "Features:");
    const afterFeat = rows.slice(
      featStart + 1,
      rows.findIndex((r, i) => i > featStart && r.requestCommand.length > 0),
    );
    expect(afterFeat.length).toBeLessThan(6);
    expect(codesOf(rows).filter((c) => c === 150).length).toBeLessThan(2);
    // ours: every feature, and 150 + 226 for both transfers.
    const feat = exchanges.find((e) => e.command?.verb === "FEAT")!;
    expect(feat.final?.lines.length).toBe(9); // 211-Features:, 7 features, 211 End
    const transfers = exchanges.filter(
      (e) => e.command?.verb === "LIST" || e.command?.line === "RETR hello.txt",
    );
    expect(transfers.map((e) => e.replies.map((r) => r.code))).toEqual([
      [150, 226],
      [150, 226],
    ]);
  });

  it("6. a hole in the capture is not reported by the dissector; ours reports it and resyncs (vsftpd-gap.pcap)", async () => {
    const rows = tshark("vsftpd-gap.pcap");
    expect(rows.flatMap((r) => r.responseArg)).not.toContain(" EPRT");
    const { diagnostics, exchanges } = await ours("vsftpd-gap.pcap");
    expect(diagnostics.filter((d) => d.type === "gap").map((d) => d.missingBytes)).toEqual([7]);
    expect(exchanges.find((e) => e.command?.verb === "FEAT")?.final?.code).toBe(211);
  });

  it("7. FTP on another port is not dissected at all; ours finds it by its greeting (ftp-srv-port-2121.pcap)", async () => {
    expect(tshark("ftp-srv-port-2121.pcap")).toEqual([]);
    const { exchanges } = await ours("ftp-srv-port-2121.pcap");
    expect(exchanges[0]?.kind).toBe("greeting");
    expect(exchanges.length).toBeGreaterThan(15);
  });

  it("8. tshark rows are packets in capture order; ours pairs each command with its replies (proftpd-interleaved.pcap)", async () => {
    const rows = tshark("proftpd-interleaved.pcap");
    // The dissector's rows alternate between the two sessions; nothing says which reply answers which command.
    const streams = rows.map((r) => r.stream);
    expect(streams.filter((s, i) => i > 0 && s !== streams[i - 1]).length).toBeGreaterThan(10);
    const { exchanges } = await ours("proftpd-interleaved.pcap");
    for (const e of exchanges.filter((x) => x.command?.verb === "SYST")) expect(e.final?.code).toBe(215);
  });

  it("9. after AUTH TLS, tshark reads TLS records as FTP commands; ours stops and says so (vsftpd-auth-tls.pcap)", async () => {
    const rows = tshark("vsftpd-auth-tls.pcap");
    // TLS records (content type 0x16 handshake, 0x17 application data) appear as binary request commands.
    const binary = commandsOf(rows).filter((c) => c.charCodeAt(0) === 0x16 || c.charCodeAt(0) === 0x17);
    expect(binary.length).toBeGreaterThan(0);
    const { exchanges, diagnostics } = await ours("vsftpd-auth-tls.pcap");
    expect(exchanges.every((e) => e.command === undefined || /^[A-Z]+$/.test(e.command.verb))).toBe(true);
    expect(diagnostics.filter((d) => d.type === "encrypted").length).toBe(2);
  });

  it("10. a 5000-byte command line: tshark makes each of its segments a command; ours is one CWD, dropped by ProFTPD (proftpd-dropped-command.pcap)", async () => {
    const rows = tshark("proftpd-dropped-command.pcap").filter((r) => r.stream === 1);
    // The CWD's continuation segments become "commands" named aaaa…; the pipelined first session shows only USER.
    expect(commandsOf(rows).filter((c) => /^a+$/.test(c)).length).toBeGreaterThan(1);
    const first = tshark("proftpd-dropped-command.pcap").filter((r) => r.stream === 0);
    expect(commandsOf(first)).toEqual(["USER", "QUIT"]);
    const { exchanges } = await ours("proftpd-dropped-command.pcap");
    const cwd = exchanges.filter((e) => e.command?.verb === "CWD");
    expect(cwd.map((e) => [e.command!.arg.length, e.final, e.diagnostics.map((d) => d.type)])).toEqual([
      [5000, undefined, ["no-reply"]],
    ]);
    expect(exchanges.filter((e) => e.command?.verb === "QUIT").map((e) => e.final?.code)).toEqual([221, 221]);
    expect(exchanges.filter((e) => e.command !== undefined).map((e) => e.command!.verb)).toContain("PWD");
  });
});
