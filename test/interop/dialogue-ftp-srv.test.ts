/**
 * The dialogue layer on a real conversation: basic-ftp (a real client) talks to ftp-srv (a real server) on
 * 127.0.0.1 through a recording TCP relay; the recorded client→server and server→client bytes go through the
 * command splitter, the reply parser and the session, and what comes out is checked against what the client
 * itself sent and was told.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { Client } from "basic-ftp";
import { FtpSrv } from "ftp-srv";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type ConnectionProblem, createControlConnection, type Exchange } from "../../src/index.js";

interface Recorded {
  direction: "client" | "server";
  bytes: Uint8Array;
  ts: number;
}

let root: string;
let server: FtpSrv;
let relay: net.Server;
let relayPort: number;
const recorded: Recorded[] = [];
/** Resolves when the relayed server connection has closed: every server byte is recorded by then. */
let serverSideClosed: Promise<void>;

/** ftp-srv logs through a bunyan-shaped logger; the test keeps it quiet. */
const quietLogger = {
  child: () => quietLogger,
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  fatal: () => {},
};

async function freePort(): Promise<number> {
  return await new Promise((resolve) => {
    const probe = net.createServer();
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "ftp-reply-dialogue-"));
  writeFileSync(join(root, "hello.txt"), "hello, world\n");
  mkdirSync(join(root, "sub"));
  const serverPort = await freePort();
  const passiveBase = 30000 + Math.floor(Math.random() * 20000);
  server = new FtpSrv({
    url: `ftp://127.0.0.1:${serverPort}`,
    pasv_url: "127.0.0.1",
    // A random block of passive ports, so that parallel test files rarely meet (busy ports are skipped anyway).
    pasv_min: passiveBase,
    pasv_max: passiveBase + 200,
    anonymous: true,
    log: quietLogger,
  });
  server.on("login", (_data: unknown, resolve: (config: { root: string }) => void) => resolve({ root }));
  await server.listen();
  // The relay records every chunk in the order it passed, with its time in seconds.
  relay = net.createServer((clientSocket) => {
    const upstream = net.connect(serverPort, "127.0.0.1");
    serverSideClosed = new Promise((resolve) => upstream.on("close", () => resolve()));
    clientSocket.on("data", (data) => {
      recorded.push({ direction: "client", bytes: new Uint8Array(data), ts: performance.now() / 1000 });
      upstream.write(data);
    });
    upstream.on("data", (data) => {
      recorded.push({ direction: "server", bytes: new Uint8Array(data), ts: performance.now() / 1000 });
      clientSocket.write(data);
    });
    // The client sends QUIT and its FIN at once without waiting for the 221 (basic-ftp's close()): pass the FIN
    // on as a half-close, so the server still answers and its reply is recorded.
    clientSocket.on("end", () => upstream.end());
    upstream.on("close", () => clientSocket.destroy());
    clientSocket.on("error", () => upstream.end());
    upstream.on("error", () => clientSocket.destroy());
  });
  relayPort = await new Promise<number>((resolve) =>
    relay.listen(0, "127.0.0.1", () => resolve((relay.address() as net.AddressInfo).port)),
  );
});

afterAll(async () => {
  await new Promise<void>((resolve) => relay.close(() => resolve()));
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

describe("a real client and server (basic-ftp ↔ ftp-srv on 127.0.0.1)", () => {
  test("every command the client sent is paired with the reply the client got", async () => {
    const client = new Client(5000);
    const sent: string[] = [];
    // basic-ftp logs each command it sends as `> …` (PASS as `PASS ###`).
    client.ftp.verbose = true;
    client.ftp.log = (message: string) => {
      if (message.startsWith("> ")) sent.push(message.slice(2));
    };
    const welcome = await client.access({
      host: "127.0.0.1",
      port: relayPort,
      user: "anonymous",
      password: "me@x",
    });
    const type = await client.send("TYPE I");
    const size = await client.size("hello.txt");
    const pwd = await client.pwd();
    await client.cd("sub");
    const listing = await client.list();
    await client.cd("..");
    const chunks: Buffer[] = [];
    await client.downloadTo(
      new Writable({
        write(chunk, _encoding, done) {
          chunks.push(chunk);
          done();
        },
      }),
      "hello.txt",
    );
    const missing = await client.send("DELE nothing-here.txt", true);
    client.close();
    await serverSideClosed;

    expect(Buffer.concat(chunks).toString()).toBe("hello, world\n");
    expect(listing).toEqual([]);

    // The recorded bytes of both directions, through the one control connection every source uses.
    const exchanges: Exchange[] = [];
    const problems: ConnectionProblem[] = [];
    const session = createControlConnection({
      onExchange: (ex) => exchanges.push(ex),
      onProblem: (p) => {
        if (p.layer !== "dialogue") problems.push(p);
      },
    });
    let ts = 0;
    for (const chunk of recorded) {
      ts = chunk.ts;
      if (chunk.direction === "client") session.fromClient(chunk.bytes, ts);
      else session.fromServer(chunk.bytes, ts);
    }
    session.end(ts);
    expect(problems).toEqual([]);

    const [greeting, ...rest] = exchanges;
    expect(greeting!.kind).toBe("greeting");
    expect(greeting!.final!.code).toBe(220);
    // The same commands, in the same order, the password masked on both sides.
    expect(rest.map((ex) => ex.command!.line)).toEqual(
      sent.map((line) => line.replace("PASS ###", "PASS <hidden>")),
    );
    expect(rest.every((ex) => ex.kind === "command" && ex.final !== undefined)).toBe(true);

    const byLine = (line: string): Exchange[] => rest.filter((ex) => ex.command!.line === line);
    // basic-ftp sends `OPTS UTF8 ON` before logging in (refused with 530) and again after.
    expect(byLine("OPTS UTF8 ON").map((ex) => ex.final!.code)).toEqual([530, 200]);
    expect(byLine("QUIT")[0]!.final!.code).toBe(221);
    expect(session.state.closed).toBe(true);
    // access() resolves with the server's welcome; ftp-srv then lets an anonymous user in on USER alone (230).
    expect(greeting!.final!.code).toBe(welcome.code);
    expect(byLine("USER anonymous")[0]!.final!.code).toBe(230);
    expect(byLine("USER anonymous")[0]!.login).toBe("success");
    expect(byLine("TYPE I")[0]!.final!.code).toBe(type.code);
    expect(byLine("SIZE hello.txt")[0]!.fileSize).toBe(size);
    expect(byLine("PWD")[0]!.final!.code).toBe(257);
    expect(byLine("DELE nothing-here.txt")[0]!.final!.code).toBe(missing.code);

    const retr = byLine("RETR hello.txt")[0]!;
    expect(retr.preliminary.map((r) => r.code)).toEqual([150]);
    expect(retr.final!.code).toBe(226);
    expect(retr.type).toBe("I");
    expect(retr.path).toBe("/hello.txt");
    expect(retr.dataChannel?.passive).toBe(true);
    expect(retr.dataChannel).toEqual({ passive: true, port: byLine("EPSV")[1]!.dataChannel!.port });
    expect(retr.duration).toBeGreaterThanOrEqual(0);

    const list = rest.find((ex) => ex.command!.verb === "LIST")!;
    expect(list.cwd).toBe("/sub");
    expect(list.preliminary.length).toBeGreaterThanOrEqual(1);

    expect(session.state.user).toBe("anonymous");
    expect(session.state.loggedIn).toBe(true);
    expect(session.state.cwd).toBe(pwd);
    expect(session.state.pendingCommands).toBe(0);
    // Whatever this server does outside RFC 959 §5.4 shows up here; keep the list explicit.
    const diagnostics = exchanges.flatMap((ex) =>
      ex.diagnostics.map((d) => `${d.type} ${ex.command?.verb} ${d.reply?.code}`),
    );
    expect(diagnostics).toEqual([]);
  }, 20000);
});
