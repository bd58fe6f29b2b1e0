/**
 * The Node adapter against a scripted hostile server (node:net on 127.0.0.1): every way the control stream can
 * go wrong must reject the waiting requests with a typed error, never pair a reply with the wrong command.
 */
import net from "node:net";
import { afterEach, describe, expect, test } from "vitest";
import { ControlChannelError } from "../../src/index.js";
import { abortTransfer, connectControl, openDataConnection, runTransfer } from "../../src/node/index.js";

type Script = (socket: net.Socket, line: string) => void;

const servers: net.Server[] = [];
const sockets = new Set<net.Socket>();
afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  for (const server of servers.splice(0)) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

/** A server that greets, then answers each command line with `script`. Also records what it received. */
async function hostile(
  script: Script,
  greeting = "220 hostile\r\n",
): Promise<{ port: number; lines: string[] }> {
  const lines: string[] = [];
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.write(greeting);
    let buffer = "";
    socket.on("data", (chunk) => {
      buffer += chunk.toString("latin1");
      for (let end = buffer.indexOf("\r\n"); end !== -1; end = buffer.indexOf("\r\n")) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        lines.push(line);
        script(socket, line);
      }
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return { port: (server.address() as net.AddressInfo).port, lines };
}

describe("hostile server", () => {
  test("extra unsolicited replies: the channel fails at once, nothing is mis-paired", async () => {
    const { port } = await hostile((socket, line) => {
      if (line.startsWith("USER")) socket.write("331 password please\r\n230 surprise\r\n");
      else socket.write("200 ok\r\n");
    });
    const control = await connectControl({ host: "127.0.0.1", port, channel: { timeout: 2_000 } });
    expect((await control.channel.send("USER", "me")).code).toBe(331);
    // The extra 230 came with nothing waiting for it.
    await expect.poll(() => control.channel.state).toBe("failed");
    expect(control.channel.failure).toMatchObject({ type: "unexpected-reply", reply: { code: 230 } });
    await expect(control.channel.send("PASS", "x")).rejects.toBeInstanceOf(ControlChannelError);
    control.close();
  });

  test("an extra reply before the real one, strict: rejected as out of step", async () => {
    const { port } = await hostile((socket) => socket.write('211 unsolicited status\r\n257 "/"\r\n'));
    const control = await connectControl({
      host: "127.0.0.1",
      port,
      channel: { timeout: 2_000, strict: true },
    });
    await expect(control.channel.send("PWD")).rejects.toMatchObject({ type: "invalid-reply" });
    control.close();
  });

  test("a reply that never comes: timeout, typed, the channel fails", async () => {
    const { port } = await hostile(() => {});
    const control = await connectControl({ host: "127.0.0.1", port, channel: { timeout: 100 } });
    await expect(control.channel.send("NOOP")).rejects.toMatchObject({ type: "timeout" });
    expect(control.channel.state).toBe("failed");
    control.close();
  });

  test("a greeting that never comes", async () => {
    const { port } = await hostile(() => {}, "");
    await expect(
      connectControl({ host: "127.0.0.1", port, channel: { timeout: 100 } }),
    ).rejects.toMatchObject({
      type: "timeout",
    });
  });

  test("the connection cut mid-reply", async () => {
    const { port } = await hostile((socket) => {
      socket.write("211-Features:\r\n SIZE\r\n MDTM");
      socket.end();
    });
    const control = await connectControl({ host: "127.0.0.1", port, channel: { timeout: 2_000 } });
    const error = await control.channel.send("FEAT").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ControlChannelError);
    expect(["framing", "closed"]).toContain((error as ControlChannelError).type);
    expect(control.channel.state).toBe("failed");
    control.close();
  });

  test("a reset connection fails pipelined requests", async () => {
    const { port } = await hostile((socket) => socket.resetAndDestroy());
    const control = await connectControl({ host: "127.0.0.1", port, channel: { timeout: 2_000 } });
    const first = control.channel.send("NOOP");
    const second = control.channel.send("NOOP");
    await expect(first).rejects.toBeInstanceOf(ControlChannelError);
    await expect(second).rejects.toBeInstanceOf(ControlChannelError);
  });

  test("a callback that throws rejects its request; the next command still gets its own reply", async () => {
    const { port } = await hostile((socket, line) => {
      if (line.startsWith("RETR")) socket.write("150 here it comes\r\n226 done\r\n");
      else socket.write('257 "/" is cwd\r\n');
    });
    const control = await connectControl({ host: "127.0.0.1", port, channel: { timeout: 2_000 } });
    const retr = control.channel.send("RETR", "f", {
      onPreliminary: () => {
        throw new TypeError("client bug");
      },
    });
    await expect(retr).rejects.toMatchObject({ type: "callback-threw" });
    const pwd = await control.channel.send("PWD");
    expect(pwd.code).toBe(257);
    control.close();
  });

  test("an injected path never reaches the server", async () => {
    const { port, lines } = await hostile((socket) => socket.write("550 no\r\n"));
    const control = await connectControl({ host: "127.0.0.1", port, channel: { timeout: 2_000 } });
    await expect(control.channel.send("RETR", "x\r\nDELE welcome.txt")).rejects.toMatchObject({
      type: "forbidden-byte",
    });
    expect((await control.channel.send("RETR", "y")).code).toBe(550);
    expect(lines).toEqual(["RETR y"]);
    control.close();
  });

  test("a transfer refused with 550 destroys the data connection and returns the reply", async () => {
    const data = net.createServer((socket) => socket.on("error", () => {}));
    servers.push(data);
    await new Promise<void>((resolve) => data.listen(0, "127.0.0.1", () => resolve()));
    const { port } = await hostile((socket) => socket.write("550 no such file\r\n"));
    const control = await connectControl({ host: "127.0.0.1", port, channel: { timeout: 2_000 } });
    const socket = await openDataConnection({
      host: "127.0.0.1",
      port: (data.address() as net.AddressInfo).port,
    });
    const chunks: Buffer[] = [];
    const { Writable } = await import("node:stream");
    const response = await runTransfer(control.channel, "RETR", "missing", socket, {
      sink: new Writable({
        write(chunk, _encoding, callback) {
          chunks.push(chunk);
          callback();
        },
      }),
    });
    expect(response.code).toBe(550);
    expect(socket.destroyed).toBe(true);
    control.close();
  });

  test("AUTH TLS refused: the connection stays in clear", async () => {
    const { port } = await hostile((socket) => socket.write("502 no TLS here\r\n"));
    const control = await connectControl({ host: "127.0.0.1", port, channel: { timeout: 2_000 } });
    expect((await control.upgradeToTls()).code).toBe(502);
    expect(control.channel.session.secured).toBe(false);
    control.close();
  });

  test("the control connection dies during a transfer: runTransfer rejects and the data is destroyed", async () => {
    const data = net.createServer((socket) => socket.on("error", () => {}));
    servers.push(data);
    await new Promise<void>((resolve) => data.listen(0, "127.0.0.1", () => resolve()));
    const { port } = await hostile((socket) => {
      socket.write("150 go\r\n");
      socket.destroy();
    });
    const control = await connectControl({ host: "127.0.0.1", port, channel: { timeout: 2_000 } });
    const socket = await openDataConnection(
      { host: "127.0.0.1", port: (data.address() as net.AddressInfo).port },
      { idleTimeout: 5_000 },
    );
    await expect(runTransfer(control.channel, "LIST", undefined, socket, {})).rejects.toBeInstanceOf(
      ControlChannelError,
    );
    expect(socket.destroyed).toBe(true);
  });

  test("an idle data connection is destroyed; the transfer's data error is reported after a 2xx", async () => {
    const data = net.createServer((socket) => socket.on("error", () => {}));
    servers.push(data);
    await new Promise<void>((resolve) => data.listen(0, "127.0.0.1", () => resolve()));
    const { port } = await hostile((socket) => socket.write("150 go\r\n226 done\r\n"));
    const control = await connectControl({ host: "127.0.0.1", port, channel: { timeout: 2_000 } });
    const socket = await openDataConnection(
      { host: "127.0.0.1", port: (data.address() as net.AddressInfo).port },
      { idleTimeout: 50 },
    );
    await expect(runTransfer(control.channel, "LIST", undefined, socket, {})).rejects.toThrow(/idle/);
    control.close();
  });

  test("abortTransfer destroys a data connection the server never closes", async () => {
    const data = net.createServer((socket) => {
      sockets.add(socket);
      socket.on("error", () => {});
      const timer = setInterval(() => socket.write("x".repeat(1024)), 5);
      socket.on("close", () => clearInterval(timer));
    });
    servers.push(data);
    await new Promise<void>((resolve) => data.listen(0, "127.0.0.1", () => resolve()));
    let transfer: net.Socket | undefined;
    const { port } = await hostile((socket, line) => {
      if (line.startsWith("RETR")) {
        transfer = socket;
        socket.write("150 go\r\n");
      }
    });
    const control = await connectControl({ host: "127.0.0.1", port, channel: { timeout: 2_000 } });
    const socket = await openDataConnection({
      host: "127.0.0.1",
      port: (data.address() as net.AddressInfo).port,
    });
    let started!: () => void;
    const preliminary = new Promise<void>((resolve) => {
      started = resolve;
    });
    const retr = control.channel.send("RETR", "endless", { onPreliminary: () => started() });
    await preliminary;
    const aborting = abortTransfer(control.channel, socket, { drainFor: 50 });
    // The server answers the transfer only once its data connection is gone.
    socket.once("close", () => transfer?.write("426 aborted\r\n226 abort done\r\n"));
    const result = await aborting;
    expect([result.transfer?.code, result.abort.code]).toEqual([426, 226]);
    expect((await retr).code).toBe(426);
    control.close();
  });
});
