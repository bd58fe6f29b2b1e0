/**
 * Notices from captures recorded for them (scripts/record-captures.sh: bruteforce, bounce), checked against what
 * tshark's FTP dissector and followed streams say of the same packets; and the rules on made-up dialogues.
 */
import { createReadStream } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createControlConnection } from "../../../src/connection/connection.js";
import { analyzeFtpCapture } from "../../../src/node/pcap/ftp.js";
import {
  createNoticeDetector,
  NOTE,
  type Notice,
  type NoticeOptions,
} from "../../../src/node/pcap/notices.js";
import { readDissectorFile, readFollowFile } from "./tshark.js";

const FIXTURES = join(import.meta.dirname, "../../../fixtures/pcap");

async function noticesOf(name: string, options: Omit<NoticeOptions, "onNotice"> = {}): Promise<Notice[]> {
  const notices: Notice[] = [];
  const detector = createNoticeDetector({ ...options, onNotice: (n) => notices.push(n) });
  await analyzeFtpCapture(
    createReadStream(join(FIXTURES, name)),
    {
      onExchange: (exchange, control) => detector.exchange(exchange, control.info),
      onDataConnection: (data) => detector.dataConnection(data),
      onControlEnd: (control) => detector.sessionEnd(control.info.uid),
    },
    { ports: [2321] },
  );
  return notices;
}

const tshark = (name: string) => readDissectorFile(join(FIXTURES, name.replace(/\.pcap$/, ".ftp.tsv")));

describe("brute force (pureftpd-bruteforce.pcap: 22 curl logins with wrong passwords, then the right one)", () => {
  it("raises FTP::Bruteforcing once, at the 20th refused login, as Zeek's default threshold does", async () => {
    const rows = tshark("pureftpd-bruteforce.pcap");
    // tshark: the 530s that answer PASS (each follows a PASS row of its stream).
    const refused = rows.filter((row, i) => {
      const previous = rows
        .slice(0, i)
        .reverse()
        .find((r) => r.stream === row.stream);
      return row.responseCode[0] === "530" && previous?.requestCommand[0] === "PASS";
    });
    expect(refused).toHaveLength(22);
    const notices = await noticesOf("pureftpd-bruteforce.pcap");
    const brute = notices.filter((n) => n.note === NOTE.bruteforcing);
    expect(brute).toHaveLength(1);
    expect(brute[0]).toMatchObject({ src: "10.21.0.2", n: 20 });
    expect(brute[0]!.conn).toBeUndefined();
    expect(brute[0]!.msg).toMatch(/^10\.21\.0\.2 had 20 failed logins on 1 FTP server in \d+m\d+s$/);
    // Raised by the 20th refusal's exchange (before that session's own cleartext notice), not earlier.
    const twentieth = refused[19]!.stream;
    const order = notices.map((n) => (n.note === NOTE.bruteforcing ? "brute" : n.conn?.uid));
    expect(order[order.indexOf("brute") - 1]).toBe(`tcp${refused[18]!.stream}`);
    expect(order[order.indexOf("brute") + 1]).toBe(`tcp${twentieth}`);
  });

  it("follows --bruteforce-threshold and the window", async () => {
    const five = await noticesOf("pureftpd-bruteforce.pcap", { bruteforceThreshold: 5 });
    expect(five.filter((n) => n.note === NOTE.bruteforcing).map((n) => n.n)).toEqual([5]);
    // The curl runs are seconds apart: a 1-second window never holds 5 of them.
    const short = await noticesOf("pureftpd-bruteforce.pcap", {
      bruteforceThreshold: 5,
      bruteforceInterval: 1,
    });
    expect(short.filter((n) => n.note === NOTE.bruteforcing)).toEqual([]);
  });

  it("every session sent its password in clear text: one FTP::Cleartext_Password per session", async () => {
    const notices = await noticesOf("pureftpd-bruteforce.pcap");
    const passes = tshark("pureftpd-bruteforce.pcap").filter((r) => r.requestCommand[0] === "PASS");
    const clear = notices.filter((n) => n.note === NOTE.cleartextPassword);
    expect(clear.map((n) => n.conn?.uid)).toEqual(passes.map((r) => `tcp${r.stream}`));
    expect(clear.at(-1)!.sub).toBe("230 success");
  });
});

describe("bounce, hijack and a refused AUTH (vsftpd-bounce-hijack.pcap)", () => {
  it("PORT and EPRT to 127.0.0.2: two FTP::Bounce_Attempt with the address tshark shows in their arguments", async () => {
    const rows = tshark("vsftpd-bounce-hijack.pcap");
    const active = rows.filter((r) => ["PORT", "EPRT"].includes(r.requestCommand[0] ?? ""));
    // tshark's `|` aggregator splits the EPRT argument: joined again, it is the argument as sent.
    expect(active.map((r) => r.requestArg.join("|"))).toEqual(["127,0,0,2,9,21", "|1|127.0.0.2|2325|"]);
    const bounces = (await noticesOf("vsftpd-bounce-hijack.pcap")).filter((n) => n.note === NOTE.bounce);
    expect(bounces.map((n) => [n.dst, n.p, n.sub])).toEqual([
      ["127.0.0.2", 9 * 256 + 21, "accepted (200)"],
      ["127.0.0.2", 2325, "accepted (200)"],
    ]);
  });

  it("a data connection to the PASV port from another address: FTP::Data_Connection_Hijack", async () => {
    const rows = tshark("vsftpd-bounce-hijack.pcap");
    const pasv = rows.find((r) => r.responseCode[0] === "227")!;
    const [, , , , p1, p2] = /\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)/
      .exec(pasv.responseArg[0]!)!
      .slice(1)
      .map(Number);
    const port = p1! * 256 + p2!;
    // tshark's followed stream to that port: who connected.
    const streams = [...readFollowFile(join(FIXTURES, "vsftpd-bounce-hijack.follow.txt")).values()];
    const data = streams.find((s) => s.nodes.some((n) => n.endsWith(`:${port}`)))!;
    const thief = data.nodes.find((n) => !n.endsWith(`:${port}`))!.split(":")[0];
    expect(thief).toBe("10.21.0.3");
    const hijacks = (await noticesOf("vsftpd-bounce-hijack.pcap")).filter((n) => n.note === NOTE.dataHijack);
    expect(hijacks).toHaveLength(1);
    expect(hijacks[0]).toMatchObject({
      src: thief,
      dst: "10.21.0.1",
      p: port,
      conn: { uid: `tcp${pasv.stream}` },
    });
  });

  it("AUTH SSL and AUTH TLS refused (530), then USER in clear: FTP::Login_After_Refused_AUTH once", async () => {
    const rows = tshark("vsftpd-bounce-hijack.pcap");
    const auth = rows.filter((r) => r.requestCommand[0] === "AUTH");
    expect(auth.map((r) => r.requestArg[0])).toEqual(["SSL", "TLS"]);
    const refused = (await noticesOf("vsftpd-bounce-hijack.pcap")).filter(
      (n) => n.note === NOTE.loginAfterRefusedAuth,
    );
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ conn: { uid: `tcp${auth[0]!.stream}` }, sub: "USER anonymous" });
    expect(refused[0]!.msg).toContain("AUTH TLS");
  });

  it("anonymous logins are no cleartext credentials (Zeek's guest users)", async () => {
    const notices = await noticesOf("vsftpd-bounce-hijack.pcap");
    expect(notices.filter((n) => n.note === NOTE.cleartextPassword)).toEqual([]);
  });
});

/** Runs a dialogue through a control connection into a detector. */
function dialogue(lines: Array<[client: string] | [client: undefined, server: string]>, info = {}): Notice[] {
  const notices: Notice[] = [];
  const detector = createNoticeDetector({ onNotice: (n) => notices.push(n) });
  const conn = {
    uid: "C1",
    origHost: "10.0.0.2",
    origPort: 40000,
    respHost: "10.0.0.1",
    respPort: 21,
    ...info,
  };
  const connection = createControlConnection({ onExchange: (e) => detector.exchange(e, conn) });
  let ts = 0;
  for (const [client, server] of lines) {
    ts++;
    if (client !== undefined) connection.fromClient(`${client}\r\n`, ts);
    else connection.fromServer(`${server}\r\n`, ts);
  }
  connection.end(ts + 1);
  return notices;
}

describe("the rules on made-up dialogues", () => {
  it("SITE EXEC answered 2xx: FTP::Site_Exec_Success (any case); refused: nothing", () => {
    const notices = dialogue([
      [undefined, "220 hi"],
      ["SITE EXEC /bin/id"],
      [undefined, "200 uid=0(root)"],
      ["SITE exec ls"],
      [undefined, "500 no"],
      ["SITE CHMOD 644 x"],
      [undefined, "200 ok"],
    ]);
    expect(notices.map((n) => [n.note, n.msg])).toEqual([
      [NOTE.siteExecSuccess, "FTP command: SITE EXEC /bin/id"],
    ]);
  });

  it("a password after 234 to AUTH TLS is not in clear text (and is not readable anyway)", () => {
    const before = dialogue([
      [undefined, "220 hi"],
      ["USER bob"],
      [undefined, "331 pw"],
      ["PASS x"],
      [undefined, "230 ok"],
    ]);
    expect(before.map((n) => n.note)).toEqual([NOTE.cleartextPassword]);
    const after = dialogue([[undefined, "220 hi"], ["AUTH TLS"], [undefined, "234 go"]]);
    expect(after).toEqual([]);
  });

  it("a PORT to the client's own address is no bounce; an IPv6 EPRT to the client's address written long is none either", () => {
    const notices = dialogue(
      [
        [undefined, "220 hi"],
        ["EPRT |2|fd21:0:0:0:0:0:0:2|5000|"],
        [undefined, "200 ok"],
        ["EPRT |2|fd21::9|5000|"],
        [undefined, "200 ok"],
      ],
      { origHost: "fd21::2", respHost: "fd21::1" },
    );
    expect(notices.map((n) => [n.note, n.dst])).toEqual([[NOTE.bounce, "fd21::9"]]);
  });

  it("text from the input is quoted at most 128 characters long", () => {
    const name = "u".repeat(5000);
    const notices = dialogue([
      [undefined, "220 hi"],
      [`USER ${name}`],
      [undefined, "331 pw"],
      ["PASS x"],
      [undefined, "530 no"],
    ]);
    expect(notices[0]!.msg).toBe(`the password of user ${"u".repeat(128)}… was sent in clear text`);
  });
});

describe("the rules on made-up dialogues, edge cases", () => {
  it("a password left unanswered is still cleartext, its sub says no reply", () => {
    const notices = dialogue([[undefined, "220 hi"], ["USER bob"], [undefined, "331 pw"], ["PASS x"]]);
    expect(notices.map((n) => [n.note, n.sub])).toEqual([[NOTE.cleartextPassword, "no reply"]]);
  });

  it("bruteforcing over two servers counts each server once; a failure without a client address is not counted", () => {
    const notices: Notice[] = [];
    const detector = createNoticeDetector({ bruteforceThreshold: 3, onNotice: (n) => notices.push(n) });
    const refuse = (uid: string, respHost: string, origHost: string | undefined, ts: number) => {
      const conn = { uid, origHost, respHost, respPort: 21 };
      const connection = createControlConnection({ onExchange: (e) => detector.exchange(e, conn) });
      connection.fromServer("220 hi\r\n", ts);
      connection.fromClient("USER bob\r\n", ts);
      connection.fromServer("530 no\r\n", ts);
      connection.end(ts);
      detector.sessionEnd(uid);
    };
    refuse("C1", "fd21::1", undefined, 1); // not counted: no address to count it against
    refuse("C2", "fd21::1", "fd21::2", 2);
    refuse("C3", "fd21::9", "fd21::2", 3);
    expect(notices.filter((n) => n.note === NOTE.bruteforcing)).toEqual([]);
    refuse("C4", "fd21::9", "fd21::2", 62);
    const brute = notices.filter((n) => n.note === NOTE.bruteforcing);
    expect(brute.map((n) => n.msg)).toEqual(["fd21::2 had 3 failed logins on 2 FTP servers in 1m0s"]);
  });
});
