/**
 * FTP analysis corners that a recording cannot choose: greetings in 1-byte segments, non-FTP protocols on
 * other ports, captures that start mid-connection, holes in the command stream, a data connection that opens
 * after its transfer completed, IPv6 EPRT written uncompressed, a reply over the parser's limit.
 */
import { describe, expect, it } from "vitest";
import type { Exchange } from "../../../src/connection/index.js";
import type { CaptureDiagnostic } from "../../../src/node/pcap/errors.js";
import {
  analyzeFtpCapture,
  type DataConnection,
  type FtpCaptureOptions,
  type FtpCaptureResult,
} from "../../../src/node/pcap/ftp.js";
import { Capture } from "./synthetic.js";

const CLIENT4 = [10, 0, 0, 2];
const SERVER4 = [10, 0, 0, 1];
const CLIENT6 = [0xfd, 0x21, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];
const SERVER6 = [0xfd, 0x21, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];

interface Result {
  exchanges: Exchange[];
  data: DataConnection[];
  diagnostics: CaptureDiagnostic[];
  result: FtpCaptureResult;
}

async function analyze(capture: Capture, options: FtpCaptureOptions = {}): Promise<Result> {
  const exchanges: Exchange[] = [];
  const data: DataConnection[] = [];
  const diagnostics: CaptureDiagnostic[] = [];
  const file = capture.bytes();
  const result = await analyzeFtpCapture(
    (async function* () {
      yield file;
    })(),
    {
      onExchange: (e) => exchanges.push(e),
      onDataConnection: (d) => data.push(d),
      onDiagnostic: (d) => diagnostics.push(d),
    },
    options,
  );
  return { exchanges, data, diagnostics, result };
}

const summary = (exchanges: Exchange[]) =>
  exchanges.map((e) => `${e.command?.line ?? `(${e.kind})`} ${e.replies.map((r) => r.code).join("+")}`);

describe("finding control connections by their greeting", () => {
  it("recognises a greeting sent one byte per segment, and replays the held bytes", async () => {
    const capture = new Capture();
    const ftp = capture.conversation(CLIENT4, 40000, SERVER4, 6021).handshake();
    for (const byte of "220 hi\r\n") ftp.s(byte);
    ftp.c("QUIT\r\n").s("221 bye\r\n").close();
    const { exchanges, result } = await analyze(capture);
    expect(summary(exchanges)).toEqual(["(greeting) 220", "QUIT 221"]);
    expect(result.controlConnections).toBe(1);
  });

  it("accepts 120 and 421 openings and rejects other protocols on other ports", async () => {
    const capture = new Capture();
    capture
      .conversation(CLIENT4, 40001, SERVER4, 6021)
      .handshake()
      .s("120-wait\r\n120 soon\r\n220 ok\r\n")
      .close();
    capture.conversation(CLIENT4, 40002, SERVER4, 6022).handshake().s("421 busy\r\n").close();
    capture.conversation(CLIENT4, 40003, SERVER4, 22).handshake().s("SSH-2.0-OpenSSH\r\n").close();
    capture
      .conversation(CLIENT4, 40004, SERVER4, 80)
      .handshake()
      .c("GET / HTTP/1.1\r\n\r\n")
      .s("HTTP/1.1 200 OK\r\n")
      .close();
    capture.conversation(CLIENT4, 40005, SERVER4, 6023).handshake().s("22x \r\n").close();
    capture.conversation(CLIENT4, 40006, SERVER4, 6024).handshake().s("200 not a greeting\r\n").close();
    capture.conversation(CLIENT4, 40007, SERVER4, 6025).handshake().s("220/nope\r\n").close();
    const { exchanges, result } = await analyze(capture);
    expect(result.controlConnections).toBe(2);
    expect(result.otherConnections).toBe(5);
    expect(summary(exchanges)).toEqual(["(greeting) 120+220", "(greeting) 421"]);
  });

  it("gives up on a connection whose server sends under 4 bytes while the client talks on", async () => {
    const capture = new Capture();
    const odd = capture.conversation(CLIENT4, 40000, SERVER4, 6021).handshake().s("2");
    for (let i = 0; i < 20; i++) odd.c("x");
    odd.close();
    const { result } = await analyze(capture);
    expect(result).toMatchObject({ controlConnections: 0, otherConnections: 1 });
  });

  it("leaves a connection that ends before 4 greeting bytes as other", async () => {
    const capture = new Capture();
    capture.conversation(CLIENT4, 40000, SERVER4, 6021).handshake().s("22").close();
    const { result } = await analyze(capture);
    expect(result).toMatchObject({ controlConnections: 0, otherConnections: 1 });
  });

  it("does not analyse a port-21 connection first seen from the server without a handshake", async () => {
    const capture = new Capture();
    // The first packet comes from the server (port 21) and there is no SYN: the sender is taken as client.
    capture.conversation(SERVER4, 21, CLIENT4, 40000).c("226 done\r\n");
    const { result, diagnostics } = await analyze(capture);
    expect(result.controlConnections).toBe(0);
    expect(diagnostics.some((d) => d.type === "missing-handshake" && d.message.includes("server side"))).toBe(
      true,
    );
  });

  it("analyses a mid-connection capture from the client side without expecting a greeting", async () => {
    const capture = new Capture();
    capture.conversation(CLIENT4, 40000, SERVER4, 21).c("PWD\r\n").s('257 "/"\r\n');
    const { exchanges, diagnostics } = await analyze(capture);
    expect(summary(exchanges)).toEqual(["PWD 257"]);
    expect(diagnostics.filter((d) => d.type === "missing-handshake").length).toBe(2);
  });
});

describe("data connections", () => {
  it("matches a data connection opened after its transfer already completed", async () => {
    const capture = new Capture();
    const control = capture.conversation(CLIENT4, 40000, SERVER4, 21).handshake();
    control.s("220 hi\r\n").c("PASV\r\n").s("227 Entering Passive Mode (10,0,0,1,117,48).\r\n");
    control.c("RETR a\r\n").s("150 go\r\n").s("226 done\r\n");
    capture.conversation(CLIENT4, 40001, SERVER4, 30000).handshake().s("abc").close();
    control.c("QUIT\r\n").s("221 bye\r\n").close();
    const { data } = await analyze(capture);
    expect(data.map((d) => [d.exchange?.command?.line, d.bytesToClient, d.passive, d.closed])).toEqual([
      ["RETR a", 3, true, "fin"],
    ]);
  });

  it("reports a data connection still open at the end, and ignores a refused PASV", async () => {
    const capture = new Capture();
    const control = capture.conversation(CLIENT4, 40000, SERVER4, 21).handshake();
    control.s("220 hi\r\n").c("PASV\r\n").s("425 Can't open passive connection (10,0,0,1,117,49).\r\n");
    control
      .c("PASV\r\n")
      .s("227 Entering Passive Mode (10,0,0,1,117,48).\r\n")
      .c("STOR up\r\n")
      .s("150 go\r\n");
    capture.conversation(CLIENT4, 40001, SERVER4, 30000).handshake().c("uploaded bytes");
    // A connection to the refused port is not a data connection.
    capture.conversation(CLIENT4, 40002, SERVER4, 30001).handshake().close();
    const { data, result } = await analyze(capture);
    expect(result.otherConnections).toBe(1);
    expect(data.length).toBe(1);
    expect(data[0]).toMatchObject({ bytesToServer: 14, bytesToClient: 0, closed: "end" });
  });

  it("matches a data connection on the 4-tuple of an earlier connection that was not FTP (its payload ignored)", async () => {
    const capture = new Capture();
    // Before any PASV, the client talks HTTP to the port the server will announce: not FTP, its bytes not read.
    capture
      .conversation(CLIENT4, 40001, SERVER4, 30000)
      .handshake()
      .c("GET / HTTP/1.1\r\n\r\n")
      .s("HTTP/1.1 200 OK\r\n\r\nbody")
      .close();
    const control = capture.conversation(CLIENT4, 40000, SERVER4, 21).handshake();
    control.s("220 hi\r\n").c("PASV\r\n").s("227 Entering Passive Mode (10,0,0,1,117,48).\r\n");
    control.c("RETR a\r\n").s("150 go\r\n");
    // The same 4-tuple again, after the FINs: a new tcp.stream, the announced data connection.
    capture.conversation(CLIENT4, 40001, SERVER4, 30000).handshake().s("file bytes").close();
    control.s("226 done\r\n").c("QUIT\r\n").s("221 bye\r\n").close();
    const { data, result, diagnostics } = await analyze(capture);
    expect(data.map((d) => [d.tcp.index, d.exchange?.command?.line, d.bytesToClient, d.file.size])).toEqual([
      [2, "RETR a", 10, 10],
    ]);
    expect(result).toMatchObject({ controlConnections: 1, dataConnections: 1, otherConnections: 1 });
    expect(result.stats.connections).toBe(3);
    expect(diagnostics).toEqual([]);
  });

  it("counts a connection that is not FTP once, and reports no hole in it", async () => {
    const capture = new Capture();
    // The server's reply lacks 100 bytes: an FTP connection would get a gap; this one is not read.
    capture
      .conversation(CLIENT4, 40001, SERVER4, 8080)
      .handshake()
      .c("GET / HTTP/1.1\r\n\r\n")
      .s("HTTP/1.1 200 OK\r\n", 100)
      .close();
    const control = capture.conversation(CLIENT4, 40000, SERVER4, 21).handshake();
    control.s("220 hi\r\n").c("QUIT\r\n").s("221 bye\r\n").close();
    const { exchanges, result, diagnostics } = await analyze(capture);
    expect(summary(exchanges)).toEqual(["(greeting) 220", "QUIT 221"]);
    expect(result).toMatchObject({ controlConnections: 1, dataConnections: 0, otherConnections: 1 });
    expect(diagnostics.map((d) => d.type)).toEqual([]);
  });

  it("matches a passive data connection when the 227 names a private address (server behind NAT)", async () => {
    const capture = new Capture();
    const control = capture.conversation(CLIENT4, 40000, SERVER4, 21).handshake();
    control.s("220 hi\r\n").c("PASV\r\n").s("227 Entering Passive Mode (192,168,1,5,117,48).\r\n");
    control.c("LIST\r\n").s("150 go\r\n");
    capture.conversation(CLIENT4, 40001, SERVER4, 30000).handshake().s("listing\r\n").close();
    control.s("226 done\r\n").close();
    const { data, exchanges } = await analyze(capture);
    expect(data.map((d) => [d.exchange?.command?.verb, d.bytesToClient])).toEqual([["LIST", 9]]);
    expect(exchanges.find((e) => e.command?.verb === "PASV")?.diagnostics.map((d) => d.type)).toContain(
      "foreign-data-address",
    );
  });

  it("matches an active-mode EPRT with an uncompressed IPv6 address", async () => {
    const capture = new Capture();
    const control = capture.conversation(CLIENT6, 40000, SERVER6, 21).handshake();
    control.s("220 hi\r\n").c("EPRT |2|fd21:0:0:0:0:0:0:2|5000|\r\n").s("200 ok\r\n");
    control.c("LIST\r\n").s("150 go\r\n");
    capture.conversation(SERVER6, 20, CLIENT6, 5000).handshake().c("listing\r\n").close();
    control.s("226 done\r\n").close();
    const { data } = await analyze(capture);
    expect(
      data.map((d) => [d.passive, d.tcp.server.text, d.bytesToClient, d.exchange?.command?.verb]),
    ).toEqual([[false, "[fd21::2]:5000", 9, "LIST"]]);
  });
});

describe("stream problems", () => {
  it("resets the command splitter after a hole in the client's bytes", async () => {
    const capture = new Capture();
    const control = capture.conversation(CLIENT4, 40000, SERVER4, 21).handshake();
    control.s("220 hi\r\n").c("NOOP\r\n").s("200 ok\r\n");
    control.c("SYST\r\n", 7); // 7 bytes before this segment never captured (a "CWD x\r\n")
    control.s("250 ok\r\n").s("215 UNIX\r\n").close();
    const { exchanges, diagnostics } = await analyze(capture);
    const gap = diagnostics.find((d) => d.type === "gap")!;
    expect(gap).toMatchObject({ direction: "client-to-server", missingBytes: 7, streamOffset: 6 });
    // The lost CWD is not there to answer: SYST takes the 250, and the 215 is unmatched (flagged by the session).
    expect(summary(exchanges)).toEqual(["(greeting) 220", "NOOP 200", "SYST 250", "(unmatched-reply) 215"]);
  });

  it("tells the session a reply was lost when it passes the parser's size limit", async () => {
    const capture = new Capture();
    const control = capture.conversation(CLIENT4, 40000, SERVER4, 21).handshake();
    control
      .s("220 hi\r\n")
      .c("HELP\r\n")
      .s(`214-${"x".repeat(200)}\r\n214 end\r\n`)
      .c("NOOP\r\n")
      .s("200 ok\r\n");
    control.close();
    const { exchanges, diagnostics } = await analyze(capture, { replyParser: { maxReplySize: 100 } });
    expect(diagnostics.some((d) => d.type === "ftp" && d.message.includes("reply-too-long"))).toBe(true);
    expect(summary(exchanges)).toEqual(["(greeting) 220", "HELP ", "NOOP 200"]);
  });

  it("stops reading a control connection once it switches to TLS (AUTH TLS, 234)", async () => {
    const capture = new Capture();
    const control = capture.conversation(CLIENT4, 40000, SERVER4, 21).handshake();
    control.s("220 hi\r\n").c("AUTH TLS\r\n").s("234 go ahead\r\n");
    control.c("\u0016\u0003\u0001\u0002\u0000 client hello").s("\u0016\u0003\u0003 server hello\r\n").close();
    const { exchanges, diagnostics } = await analyze(capture);
    expect(summary(exchanges)).toEqual(["(greeting) 220", "AUTH TLS 234"]);
    expect(diagnostics.map((d) => [d.type, d.direction])).toEqual([
      ["encrypted", "client-to-server"],
      ["encrypted", "server-to-client"],
    ]);
  });

  it("reports a reset control connection's unanswered command", async () => {
    const capture = new Capture();
    capture.conversation(CLIENT4, 40000, SERVER4, 21).handshake().s("220 hi\r\n").c("LIST\r\n").reset();
    const { exchanges } = await analyze(capture);
    expect(exchanges.at(-1)?.command?.verb).toBe("LIST");
    expect(exchanges.at(-1)?.final).toBeUndefined();
  });

  it("counts an ACK with lost payload as a hole the moment the peer acknowledges past it", async () => {
    const capture = new Capture();
    const control = capture.conversation(CLIENT4, 40000, SERVER4, 21).handshake();
    control.s("220 hi\r\n").s("230 in\r\n", 20).c("NOOP\r\n").s("200 ok\r\n").close();
    const { diagnostics, exchanges } = await analyze(capture);
    expect(diagnostics.filter((d) => d.type === "gap").map((d) => d.missingBytes)).toEqual([20]);
    expect(summary(exchanges)[0]).toBe("(greeting) 220");
  });
});
