/**
 * The FTP dialogue of every recorded capture: replies and commands are the RFC 959 grouping of exactly the bytes
 * tshark follows in each direction; data connections are matched to the commands that announced them.
 */
import { createReadStream, existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Exchange } from "../../../src/connection/index.js";
import type { CaptureDiagnostic } from "../../../src/node/pcap/errors.js";
import {
  analyzeFtpCapture,
  type ControlConnection,
  type DataConnection,
  type FtpCaptureOptions,
  type FtpCaptureResult,
} from "../../../src/node/pcap/ftp.js";
import type { Reply } from "../../../src/reply/reply.js";
import { readDissectorFile, readFollowFile } from "./tshark.js";

const FIXTURES = join(import.meta.dirname, "../../../fixtures/pcap");
/** Captures without FTP (what `pcap` says of them is tested in cli.test.ts). */
const NO_FTP = new Set(["http-no-ftp.pcap"]);
const captures = existsSync(FIXTURES)
  ? readdirSync(FIXTURES).filter((name) => /\.pcap(ng)?$/.test(name) && !NO_FTP.has(name))
  : [];

interface Analysis {
  result: FtpCaptureResult;
  controls: ControlConnection[];
  exchanges: Map<number, Exchange[]>;
  data: DataConnection[];
  diagnostics: CaptureDiagnostic[];
}

async function analyze(name: string, options: FtpCaptureOptions = {}): Promise<Analysis> {
  const analysis: Omit<Analysis, "result"> = {
    controls: [],
    exchanges: new Map(),
    data: [],
    diagnostics: [],
  };
  const result = await analyzeFtpCapture(
    createReadStream(join(FIXTURES, name)),
    {
      onExchange(exchange, control) {
        if (!analysis.exchanges.has(control.tcp.index)) {
          analysis.controls.push(control);
          analysis.exchanges.set(control.tcp.index, []);
        }
        analysis.exchanges.get(control.tcp.index)!.push(exchange);
      },
      onDataConnection(data) {
        analysis.data.push(data);
      },
      onDiagnostic(d) {
        analysis.diagnostics.push(d);
      },
    },
    options,
  );
  return { ...analysis, result };
}

const concat = (parts: Uint8Array[]) => Buffer.concat(parts.map((p) => Buffer.from(p)));
const verbsAndCodes = (exchanges: Exchange[]) =>
  exchanges.map((e) => `${e.command?.verb ?? `(${e.kind})`} ${e.replies.map((r) => r.code).join("+")}`);

/** PASS arguments kept as sent, so that commands are the exact bytes. */
const exact: FtpCaptureOptions = { session: { recordPasswords: true } };

describe("FTP dialogue of every recorded capture", () => {
  for (const name of captures) {
    it(`${name}: replies and commands are the RFC 959 grouping of tshark's followed bytes`, async () => {
      const followed = readFollowFile(join(FIXTURES, name.replace(/\.pcap(ng)?$/, ".follow.txt")));
      const analysis = await analyze(name, exact);
      const gaps = analysis.diagnostics.filter((d) => d.type === "gap");
      expect(analysis.controls.length).toBeGreaterThan(0);
      // Every TCP connection is either a control connection or a data connection matched to one, except the
      // data connections a control connection announced after it switched to TLS (unreadable).
      const encrypted = new Set(
        analysis.diagnostics.filter((d) => d.type === "encrypted").map((d) => d.stream),
      );
      if (encrypted.size === 0) expect(analysis.result.otherConnections).toBe(0);
      const { controlConnections, dataConnections, otherConnections } = analysis.result;
      expect(controlConnections + dataConnections + otherConnections).toBe(followed.size);
      for (const control of analysis.controls) {
        const stream = followed.get(control.tcp.index)!;
        const clientNode = stream.nodes.indexOf(control.tcp.client.text);
        const exchanges = analysis.exchanges.get(control.tcp.index)!;
        const replies: Reply[] = exchanges.flatMap((e) => e.replies);
        for (const reply of replies)
          expect(reply.raw.subarray(0, 3).every((b) => b >= 0x30 && b <= 0x39)).toBe(true);
        const commands = exchanges.flatMap((e) => (e.command === undefined ? [] : [e.command]));
        if (gaps.some((g) => g.stream === control.tcp.index)) continue; // checked in its own test below
        // In stream order, the replies' bytes are the server's bytes and the commands' the client's: nothing lost,
        // nothing doubled, every byte in exactly one reply or command.
        replies.sort((a, b) => a.offset - b.offset);
        commands.sort((a, b) => a.offset - b.offset);
        const serverBytes = Buffer.from(stream.bytes[1 - clientNode]!);
        const clientBytes = Buffer.from(stream.bytes[clientNode]!);
        const ourReplies = concat(replies.map((r) => r.raw));
        const ourCommands = concat(commands.map((c) => c.raw));
        if (encrypted.has(control.tcp.index)) {
          // Up to the switch to TLS (RFC 4217), then TLS records (content type 22, handshake) in both directions.
          expect(ourReplies.equals(serverBytes.subarray(0, ourReplies.length))).toBe(true);
          expect(ourCommands.equals(clientBytes.subarray(0, ourCommands.length))).toBe(true);
          expect([serverBytes[ourReplies.length], clientBytes[ourCommands.length]]).toEqual([22, 22]);
          continue;
        }
        expect(ourReplies.equals(serverBytes)).toBe(true);
        expect(ourCommands.equals(clientBytes)).toBe(true);
        // Every command got its final reply — but one the server dropped (proftpd-dropped-command.pcap: a
        // 5000-byte CWD, `no-reply`) — and the session started with the greeting.
        expect(exchanges[0]!.kind).toBe("greeting");
        // (vsftpd-abort.pcap: its last session's server was killed mid-RETR on purpose; RETR and QUIT go unanswered.)
        if (name === "vsftpd-abort.pcap" && control.tcp.index === 4) continue;
        for (const e of exchanges) {
          if (e.diagnostics.some((d) => d.type === "no-reply")) expect(e.command?.line.length).toBe(5004);
          else expect(e.final, `${e.command?.line}`).toBeDefined();
        }
      }
      // Data connections carry exactly tshark's bytes.
      for (const data of analysis.data) {
        const stream = followed.get(data.tcp.index)!;
        // tshark writes a hole as the text `[N bytes missing in capture file]` and a NUL (see follow.test.ts).
        const marker =
          data.missingBytes > 0 ? `[${data.missingBytes} bytes missing in capture file]\0`.length : 0;
        const total = stream.bytes[0]!.length + stream.bytes[1]!.length - marker;
        expect(data.bytesToClient + data.bytesToServer).toBe(total);
      }
    });
  }
});

describe("what each hard capture shows", () => {
  it("tiny MTU: multi-line replies spread over many segments are whole replies", async () => {
    const { exchanges } = await analyze("vsftpd-tiny-mtu.pcap");
    const session = [...exchanges.values()][0]!;
    const feat = session.find((e) => e.command?.verb === "FEAT")!;
    expect(feat.final?.code).toBe(211);
    expect(feat.final?.lines.length).toBeGreaterThan(5);
    const help = session.find((e) => e.command?.verb === "HELP")!;
    expect(help.final?.code).toBe(214);
    expect(help.final?.raw.length).toBeGreaterThan(60 * 3); // the MSS is 60: at least three segments
  });

  it("NFQUEUE reorder/duplicate/drop: the same dialogue as the clean tiny-MTU session", async () => {
    const mangled = await analyze("vsftpd-reorder-dup-drop.pcap");
    const clean = await analyze("vsftpd-tiny-mtu.pcap");
    expect(verbsAndCodes([...mangled.exchanges.values()][0]!)).toEqual(
      verbsAndCodes([...clean.exchanges.values()][0]!),
    );
    // The same texts, but for the passive ports the server picked.
    const texts = (a: Analysis) =>
      [...a.exchanges.values()][0]!.map((e) =>
        e.replies.map((r) => (r.code === 227 ? r.text.replace(/\d+,\d+\)/, "p1,p2)") : r.text)),
      );
    expect(texts(mangled)).toEqual(texts(clean));
  });

  it("a segment deleted from a reply: the gap is reported, the parser resyncs, the pairing holds", async () => {
    const gapped = await analyze("vsftpd-gap.pcap");
    const clean = await analyze("vsftpd-tiny-mtu.pcap");
    const gaps = gapped.diagnostics.filter((d) => d.type === "gap");
    expect(gaps.length).toBe(1);
    expect(gaps[0]).toMatchObject({ stream: 0, direction: "server-to-client", missingBytes: 7 });
    const ftp = gapped.diagnostics.filter((d) => d.type === "ftp");
    expect(ftp.length).toBeGreaterThan(0); // the lines after the hole that belong to no reply
    expect(verbsAndCodes([...gapped.exchanges.values()][0]!)).toEqual(
      verbsAndCodes([...clean.exchanges.values()][0]!),
    );
  });

  it("two interleaved sessions stay apart", async () => {
    const { controls, exchanges } = await analyze("proftpd-interleaved.pcap");
    expect(controls.length).toBe(2);
    for (const session of exchanges.values()) {
      expect(session.slice(0, 8).map((e) => e.command?.verb ?? e.kind)).toEqual([
        "greeting",
        "USER",
        "PASS",
        "SYST",
        "PWD",
        "FEAT",
        "TYPE",
        "HELP",
      ]);
    }
  });

  it("active mode: data connections come from port 20 to the PORT/EPRT address", async () => {
    const { data, exchanges } = await analyze("vsftpd-active-port20.pcapng");
    expect(data.length).toBe(4);
    for (const d of data) {
      expect(d.passive).toBe(false);
      expect(d.tcp.client.port).toBe(20);
      expect(d.bytesToClient).toBeGreaterThan(0);
    }
    const announced = [...exchanges.values()]
      .flat()
      .filter((e) => e.command?.verb === "PORT" || e.command?.verb === "EPRT")
      .map((e) => e.dataChannel?.port);
    for (const d of data) expect(announced).toContain(d.tcp.server.port);
    expect(data.map((d) => d.exchange?.command?.verb)).toEqual(["RETR", "LIST", "LIST", "RETR"]);
  });

  it("pyftpdlib connects to the PORT/EPRT address before its 200: every data connection is still linked", async () => {
    const { data, result } = await analyze("pyftpdlib-active.pcap");
    const rows = readDissectorFile(join(FIXTURES, "pyftpdlib-active.ftp.tsv"));
    // tshark's frames of pyftpdlib's "200 Active data connection established." replies.
    const accepted = rows.filter((r) => r.responseArg[0] === "Active data connection established.");
    expect(accepted.length).toBe(4);
    expect(result.otherConnections).toBe(0);
    expect(data.map((d) => d.exchange?.command?.verb)).toEqual(["LIST", "RETR", "RETR", "RETR"]);
    // Each data connection's SYN came before the 200 that accepted its PORT/EPRT.
    data.forEach((d, i) => {
      expect(d.passive).toBe(false);
      expect(d.tcp.firstPacket.frame).toBeLessThan(accepted[i]!.frame);
    });
  });

  it("a command the server ignored (ProFTPD, a 5000-byte CWD) gets no reply; QUIT gets the 221", async () => {
    const { exchanges } = await analyze("proftpd-dropped-command.pcap");
    const [pipelined, dropped] = [...exchanges.values()];
    // The first session sent USER, PASS, SYST and PWD in one segment: answered in order.
    expect(verbsAndCodes(pipelined!)).toEqual([
      "(greeting) 220",
      "USER 331",
      "PASS 230",
      "SYST 215",
      "PWD 257",
      "QUIT 221",
    ]);
    expect(verbsAndCodes(dropped!)).toEqual(["(greeting) 220", "USER 331", "PASS 230", "CWD ", "QUIT 221"]);
    const cwd = dropped!.find((e) => e.command?.verb === "CWD")!;
    expect(cwd.diagnostics.map((d) => d.type)).toEqual(["no-reply"]);
    const quit = dropped!.find((e) => e.command?.verb === "QUIT")!;
    expect(quit.diagnostics).toEqual([]);
    // The 221 came three seconds after the CWD and just after the QUIT.
    expect(quit.duration!).toBeLessThan(0.1);
  });

  it("a client port reused after FIN or RST is a new tcp.stream, numbered as tshark numbers it", async () => {
    for (const name of ["vsftpd-port-reuse.pcap", "vsftpd-port-reuse-lost-fin.pcap"]) {
      const { controls } = await analyze(name);
      const tsharkStreams = [
        ...new Set(readDissectorFile(join(FIXTURES, name.replace(".pcap", ".ftp.tsv"))).map((r) => r.stream)),
      ];
      expect(tsharkStreams, name).toEqual([0, 1, 2]);
      expect(
        controls.map((c) => c.tcp.index),
        name,
      ).toEqual(tsharkStreams);
      expect(new Set(controls.map((c) => c.tcp.client.text))).toEqual(new Set(["10.21.0.2:40000"]));
    }
  });

  it("non-standard port: found by the greeting, or by --port, and not at all with detection off", async () => {
    const byGreeting = await analyze("ftp-srv-port-2121.pcap");
    expect(byGreeting.controls.map((c) => [c.foundBy, c.tcp.server.port])).toEqual([["greeting", 2121]]);
    const byPort = await analyze("ftp-srv-port-2121.pcap", { ports: [2121] });
    expect(byPort.controls.map((c) => c.foundBy)).toEqual(["port"]);
    expect(verbsAndCodes([...byPort.exchanges.values()][0]!)).toEqual(
      verbsAndCodes([...byGreeting.exchanges.values()][0]!),
    );
    const off = await analyze("ftp-srv-port-2121.pcap", { detectByGreeting: false });
    expect(off.controls).toEqual([]);
    expect(off.result.otherConnections).toBe(off.result.stats.connections);
  });

  it("IPv6: EPSV data connections go to the control connection's server address", async () => {
    const { data } = await analyze("pureftpd-ipv6.pcapng");
    expect(data.length).toBeGreaterThan(0);
    for (const d of data) {
      expect(d.passive).toBe(true);
      expect(d.tcp.server.text.startsWith("[fd21::1]:")).toBe(true);
    }
  });

  it("every encoding of the same capture gives the same dialogue", async () => {
    const reference = verbsAndCodes([...(await analyze("vsftpd-curl.pcap")).exchanges.values()].flat());
    for (const name of [
      "vsftpd-curl-bigendian.pcap",
      "vsftpd-curl-rawip.pcap",
      "vsftpd-curl-null.pcap",
      "vsftpd-curl-vlan.pcap",
    ]) {
      expect(verbsAndCodes([...(await analyze(name)).exchanges.values()].flat()), name).toEqual(reference);
    }
  });

  it("a pcapng of two interfaces (veth and loopback): a session on each", async () => {
    const { controls } = await analyze("vsftpd-two-interfaces.pcapng");
    expect(controls.map((c) => c.tcp.server.text)).toEqual(["10.21.0.1:21", "127.0.0.1:21"]);
  });

  it("AUTH TLS: the clear-text start is read, the rest is reported as encrypted", async () => {
    const { exchanges, diagnostics } = await analyze("vsftpd-auth-tls.pcap");
    const secured = [...exchanges.values()][1]!;
    expect(secured.map((e) => `${e.command?.verb ?? e.kind} ${e.final?.code}`)).toEqual([
      "greeting 220",
      "AUTH 234",
    ]);
    expect(diagnostics.filter((d) => d.type === "encrypted").length).toBe(2);
  });

  it("nanosecond time stamps reach the exchanges", async () => {
    const { exchanges } = await analyze("proftpd-ftplib-nanosecond.pcap");
    const first = [...exchanges.values()][0]![0]!;
    expect(first.startTs).toBeGreaterThan(1.7e9);
    // Sub-microsecond digits survive (a µs capture would give multiples of 1e-6).
    const fractions = [...exchanges.values()]
      .flat()
      .map((e) => Math.round(((e.startTs ?? 0) % 1) * 1e9) % 1000);
    expect(fractions.some((f) => f !== 0)).toBe(true);
  });
});
