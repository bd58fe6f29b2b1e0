import { describe, expect, test } from "vitest";
import {
  ControlChannelError,
  type ControlChannelOptions,
  createControlChannel,
  createPassiveMode,
  formatEprtArgument,
  formatPortArgument,
} from "../../src/index.js";

const encoder = new TextEncoder();

function harness(options: ControlChannelOptions = {}, urgent = false) {
  const written: string[] = [];
  const urgentBytes: number[][] = [];
  const decode = (bytes: Uint8Array) => Buffer.from(bytes).toString("latin1");
  const channel = createControlChannel(
    {
      write: (bytes) => written.push(decode(bytes)),
      ...(urgent ? { writeUrgent: (bytes: Uint8Array) => urgentBytes.push([...bytes]) } : {}),
    },
    { timeout: 0, ...options },
  );
  const server = (text: string | Uint8Array) =>
    channel.feed(typeof text === "string" ? encoder.encode(text) : text);
  return { channel, written, urgentBytes, server };
}

describe("control channel", () => {
  test("greeting 120 then 220, then a command with its final reply", async () => {
    const { channel, written, server } = harness();
    server("120 wait\r\n");
    server("220 ready\r\n");
    const greeting = await channel.greeting;
    expect(greeting.code).toBe(220);
    expect(greeting.preliminary.map((r) => r.code)).toEqual([120]);
    const user = channel.send("USER", "me");
    expect(written).toEqual(["USER me\r\n"]);
    server("331 password\r\n");
    expect((await user).code).toBe(331);
    expect(channel.pending).toBe(0);
  });

  test("pipelined commands are paired in order; 1xx replies are reported as they come", async () => {
    const { channel, server } = harness();
    server("220 hi\r\n");
    const seen: number[] = [];
    const type = channel.send("TYPE", "I");
    const retr = channel.send("RETR", "f", { onPreliminary: (reply) => seen.push(reply.code) });
    const noop = channel.send("NOOP");
    server("200 ok\r\n150 opening\r\n");
    expect(seen).toEqual([150]);
    server("226 done\r\n200 noop\r\n");
    expect((await type).code).toBe(200);
    const retrieved = await retr;
    expect(retrieved.preliminary.map((r) => r.code)).toEqual([150]);
    expect(retrieved.code).toBe(226);
    expect((await noop).code).toBe(200);
  });

  test("PASS is masked in what is reported", async () => {
    const commands: string[] = [];
    const { channel, server, written } = harness({ onCommand: (line) => commands.push(line) });
    server("220 hi\r\n");
    const pass = channel.send("PASS", "secret");
    server("230 in\r\n");
    expect((await pass).command).toBe("PASS ****");
    expect(commands).toEqual(["PASS ****"]);
    expect(written).toEqual(["PASS secret\r\n"]);
  });

  test("a reply while nothing waits fails the channel; later sends reject", async () => {
    const { channel, server } = harness();
    server("220 hi\r\n");
    const user = channel.send("USER", "a");
    server("331 ok\r\n200 extra\r\n");
    expect((await user).code).toBe(331);
    expect(channel.state).toBe("failed");
    expect(channel.failure?.type).toBe("unexpected-reply");
    await expect(channel.send("NOOP")).rejects.toMatchObject({ type: "failed" });
  });

  test("strict: a reply §5.4 does not allow for the command fails it and everything after", async () => {
    const { channel, server } = harness({ strict: true });
    server("220 hi\r\n");
    const pwd = channel.send("PWD");
    const noop = channel.send("NOOP");
    server("227 Entering Passive Mode (127,0,0,1,4,1)\r\n");
    await expect(pwd).rejects.toMatchObject({ type: "invalid-reply" });
    await expect(noop).rejects.toMatchObject({ type: "invalid-reply" });
  });

  test("without strict an invalid reply is a diagnostic", async () => {
    const { channel, server } = harness();
    server("220 hi\r\n");
    const pwd = channel.send("PWD");
    server("227 Entering Passive Mode (127,0,0,1,4,1)\r\n");
    expect((await pwd).diagnostics.map((d) => d.type)).toEqual(["invalid-reply"]);
  });

  test("a stream cut mid-reply fails the waiting requests", async () => {
    const { channel, server } = harness();
    server("220 hi\r\n");
    const feat = channel.send("FEAT");
    server("211-Features:\r\n SIZE\r\n");
    channel.end();
    await expect(feat).rejects.toBeInstanceOf(ControlChannelError);
    expect(channel.state).toBe("failed");
  });

  test("an end with nothing waiting just closes", async () => {
    const { channel, server } = harness();
    server("220 hi\r\n");
    const quit = channel.send("QUIT");
    server("221 bye\r\n");
    await quit;
    channel.end();
    expect(channel.state).toBe("closed");
    await expect(channel.send("NOOP")).rejects.toMatchObject({ type: "closed" });
  });

  test("421 to a command: resolved, then the channel is closed", async () => {
    const { channel, server } = harness();
    server("220 hi\r\n");
    const a = channel.send("NOOP");
    const b = channel.send("NOOP");
    server("421 going down\r\n");
    expect((await a).code).toBe(421);
    await expect(b).rejects.toMatchObject({ type: "closed" });
    expect(channel.state).toBe("closed");
  });

  test("an unsolicited 421 closes the channel", async () => {
    const { channel, server } = harness();
    server("220 hi\r\n421 idle timeout\r\n");
    expect(channel.state).toBe("closed");
    await expect(channel.send("NOOP")).rejects.toMatchObject({ type: "closed", reply: { code: 421 } });
  });

  test("a framing error fails the channel", async () => {
    const { channel, server } = harness();
    server("220 hi\r\n");
    const noop = channel.send("NOOP");
    server("hello there\r\n");
    await expect(noop).rejects.toMatchObject({ type: "framing" });
  });

  test("timeout: no reply fails the channel; paused while a transfer runs", async () => {
    const { channel, server } = harness({ timeout: 30 });
    server("220 hi\r\n");
    const retr = channel.send("RETR", "f", { onPreliminary: () => {} });
    server("150 opening\r\n");
    const resume = channel.pauseTimeouts();
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(channel.state).toBe("open");
    server("226 done\r\n");
    resume();
    expect((await retr).code).toBe(226);
    const noop = channel.send("NOOP");
    await expect(noop).rejects.toMatchObject({ type: "timeout" });
    expect(channel.state).toBe("failed");
  });

  test("the greeting times out too", async () => {
    const { channel } = harness({ timeout: 20 });
    await expect(channel.greeting).rejects.toMatchObject({ type: "timeout" });
  });

  test("a throwing onPreliminary rejects its request only; the channel stays in step", async () => {
    const { channel, server } = harness();
    server("220 hi\r\n");
    const retr = channel.send("RETR", "f", {
      onPreliminary: () => {
        throw new Error("boom");
      },
    });
    const noop = channel.send("NOOP");
    server("150 go\r\n226 done\r\n200 ok\r\n");
    await expect(retr).rejects.toMatchObject({ type: "callback-threw", cause: { message: "boom" } });
    expect((await noop).code).toBe(200);
    expect(channel.state).toBe("open");
  });

  test("throwing observers are ignored", async () => {
    const { channel, server } = harness({
      onReply: () => {
        throw new Error("log");
      },
      onCommand: () => {
        throw new Error("log");
      },
    });
    server("220 hi\r\n");
    const noop = channel.send("NOOP");
    server("200 ok\r\n");
    expect((await noop).code).toBe(200);
  });

  test("a transport that throws fails the channel", async () => {
    const channel = createControlChannel(
      {
        write: () => {
          throw new Error("EPIPE");
        },
      },
      { timeout: 0 },
    );
    channel.feed(encoder.encode("220 hi\r\n"));
    await expect(channel.send("NOOP")).rejects.toMatchObject({ type: "transport" });
    channel.fail(new Error("again"));
    expect(channel.failure?.type).toBe("transport");
  });

  test("ABOR: Telnet IP, Synch (urgent DM), ABOR; the transfer's 426 and ABOR's 226", async () => {
    const { channel, server, written, urgentBytes } = harness({}, true);
    server("220 hi\r\n");
    const retr = channel.send("RETR", "big");
    server("150 opening\r\n");
    const abort = channel.abort();
    expect(written.slice(1)).toEqual(["\xff\xf4", "ABOR\r\n"]);
    expect(urgentBytes).toEqual([[0xff, 0xf2]]);
    server("426 aborted\r\n226 abort ok\r\n");
    const result = await abort;
    expect(result.transfer?.code).toBe(426);
    expect(result.abort.code).toBe(226);
    expect((await retr).code).toBe(426);
  });

  test("ABOR without urgent support sends the Data Mark inline; nothing pending: only ABOR's reply", async () => {
    const { channel, server, written } = harness();
    server("220 hi\r\n");
    const abort = channel.abort();
    expect(written).toEqual(["\xff\xf4\xff\xf2ABOR\r\n"]);
    server("225 no transfer\r\n");
    expect(await abort).toMatchObject({ transfer: undefined, abort: { code: 225 } });
  });

  test("encoding switch after OPTS UTF8 ON, in the middle of a chunk", async () => {
    const { channel, server, written } = harness({ encoding: "latin1", commandEncoding: "latin1" });
    server("220 hi\r\n");
    const before = channel.send("PWD");
    const opts = channel.send("OPTS", "UTF8 ON", { switchEncoding: "utf-8" });
    const after = channel.send("PWD");
    const utf8 = encoder.encode('257 "/ü" here\r\n');
    server(
      new Uint8Array([
        ...Buffer.from('257 "/\xfc" is cwd\r\n200 UTF8 on\r\n', "latin1"),
        ...utf8.subarray(0, 7),
      ]),
    );
    server(utf8.subarray(7));
    expect((await before).final.text).toBe('"/ü" is cwd');
    expect((await opts).code).toBe(200);
    expect((await after).final.text).toBe('"/ü" here');
    const mkd = channel.send("MKD", "ü");
    expect(written.at(-1)).toBe(Buffer.from("MKD ü\r\n", "utf8").toString("latin1"));
    server("257 ok\r\n");
    await mkd;
    channel.setEncoding("latin1", "latin1");
    const cwd = channel.send("CWD", "ü");
    expect(written.at(-1)).toBe("CWD \xfc\r\n");
    server("250 ok\r\n");
    await cwd;
  });

  test("an encoding switch is not made when the command is refused", async () => {
    const { channel, server } = harness({ encoding: "latin1" });
    server("220 hi\r\n");
    const opts = channel.send("OPTS", "UTF8 ON", { switchEncoding: "utf-8" });
    const pwd = channel.send("PWD");
    server(Buffer.from('501 no\r\n257 "/\xfc"\r\n', "latin1"));
    expect((await opts).code).toBe(501);
    expect((await pwd).final.text).toBe('"/ü"');
  });

  test("the transport can be swapped (AUTH TLS)", async () => {
    const { channel, server, written } = harness();
    server("220 hi\r\n");
    const auth = channel.send("AUTH", "TLS");
    server("234 go\r\n");
    await auth;
    const secure: string[] = [];
    channel.setTransport({ write: (bytes) => secure.push(new TextDecoder().decode(bytes)) });
    const pbsz = channel.send("PBSZ", "0");
    server("200 ok\r\n");
    await pbsz;
    expect(written).toEqual(["AUTH TLS\r\n"]);
    expect(secure).toEqual(["PBSZ 0\r\n"]);
    expect(channel.session.secured).toBe(true);
  });
});

describe("control channel edges", () => {
  test("parser warnings and dialogue diagnostics reach onWarning", async () => {
    const warnings: string[] = [];
    const { channel, server } = harness({ onWarning: (warning) => warnings.push(warning.type) });
    server("220 hi\r\n");
    const pwd = channel.send("PWD");
    server("200\r\n");
    await pwd;
    expect(warnings).toContain("invalid-reply");
  });

  test("a byte argument is shown decoded; a switch at the very end of a chunk; a non-UTF-8 switch", async () => {
    const commands: string[] = [];
    const { channel, server } = harness({ onCommand: (line) => commands.push(line) });
    server("220 hi\r\n");
    const cwd = channel.send("CWD", new Uint8Array([0x61, 0x62]));
    server("250 ok\r\n");
    expect((await cwd).command).toBe("CWD ab");
    const opts = channel.send("OPTS", "UTF8 OFF", { switchEncoding: "latin1" });
    server("200 off\r\n");
    await opts;
    const pwd = channel.send("PWD");
    server(new Uint8Array([...encoder.encode('257 "/'), 0xfc, ...encoder.encode('"\r\n')]));
    expect((await pwd).final.text).toBe('"/ü"');
    expect(commands).toEqual(["CWD ab", "OPTS UTF8 OFF", "PWD"]);
  });

  test("a framing error after the switch point is left to the new parser", async () => {
    const { channel, server } = harness();
    server("220 hi\r\n");
    const opts = channel.send("OPTS", "UTF8 ON", { switchEncoding: "utf-8" });
    const noop = channel.send("NOOP");
    server("200 ok\r\ngarbage\r\n");
    expect((await opts).code).toBe(200);
    await expect(noop).rejects.toMatchObject({ type: "framing" });
  });

  test("after a failure: feed, end and fail change nothing; abort rejects", async () => {
    const { channel, server } = harness();
    server("220 hi\r\n");
    const retr = channel.send("RETR", "f");
    const aborted = channel.abort();
    server("hello\r\n");
    await expect(retr).rejects.toMatchObject({ type: "framing" });
    await expect(aborted).rejects.toMatchObject({ type: "framing" });
    server("200 late\r\n");
    channel.end();
    channel.fail(new Error("x"));
    expect(channel.failure?.type).toBe("framing");
    await expect(channel.abort()).rejects.toMatchObject({ type: "failed" });
  });

  test("end after close, and a request timeout of 0 disables the timer", async () => {
    const { channel, server } = harness({ timeout: 20 });
    server("220 hi\r\n");
    const noop = channel.send("NOOP", undefined, { timeout: 0 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    server("200 ok\r\n");
    expect((await noop).code).toBe(200);
    server("421 bye\r\n");
    channel.end();
    expect(channel.state).toBe("closed");
    channel.setEncoding("utf-8");
  });
});

describe("passive mode", () => {
  test("EPSV, then a sticky fallback to PASV after 500", async () => {
    const { channel, server, written } = harness();
    server("220 hi\r\n");
    const mode = createPassiveMode({ controlHost: "127.0.0.1" });
    expect(mode.command).toBe("EPSV");
    const first = mode.request(channel);
    server("500 what\r\n");
    await Promise.resolve();
    await new Promise((resolve) => setTimeout(resolve, 0));
    server("227 Entering Passive Mode (10,0,0,9,4,1)\r\n");
    expect(await first).toMatchObject({
      host: "127.0.0.1",
      port: 1025,
      advertisedHost: "10.0.0.9",
      code: 227,
    });
    expect(mode.command).toBe("PASV");
    const second = mode.request(channel);
    server("227 Entering Passive Mode (127,0,0,1,4,2)\r\n");
    expect((await second).port).toBe(1026);
    expect(written).toEqual(["EPSV\r\n", "PASV\r\n", "PASV\r\n"]);
  });

  test("EPSV works; a 425 is not a reason to fall back", async () => {
    const { channel, server } = harness();
    server("220 hi\r\n");
    const mode = createPassiveMode({ controlHost: "::1", policy: "nat" });
    const first = mode.request(channel);
    server("229 Entering Extended Passive Mode (|||6446|)\r\n");
    expect(await first).toMatchObject({ host: "::1", port: 6446, code: 229 });
    const second = mode.request(channel);
    server("425 no\r\n");
    await expect(second).rejects.toMatchObject({ type: "passive-refused" });
    expect(mode.command).toBe("EPSV");
    expect(() => createPassiveMode({ controlHost: "x", commands: [] })).toThrow(RangeError);
  });

  test("PORT and EPRT arguments", () => {
    expect(formatPortArgument("192.0.2.7", 6446)).toBe("192,0,2,7,25,46");
    expect(formatPortArgument("::ffff:192.0.2.7", 258)).toBe("192,0,2,7,1,2");
    expect(formatEprtArgument("192.0.2.7", 6446)).toBe("|1|192.0.2.7|6446|");
    expect(formatEprtArgument("2001:db8::1", 6446)).toBe("|2|2001:db8::1|6446|");
    expect(() => formatPortArgument("2001:db8::1", 1)).toThrow(RangeError);
    expect(() => formatEprtArgument("example.com", 1)).toThrow(RangeError);
    expect(() => formatEprtArgument("192.0.2.7", 0)).toThrow(RangeError);
    expect(() => formatPortArgument("192.0.2.7", 70000)).toThrow(RangeError);
  });
});
