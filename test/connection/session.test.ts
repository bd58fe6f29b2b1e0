/**
 * Tests that kill mutants of the dialogue's session tracker (issue 7): the argument decoders of PORT, EPRT and
 * LPRT (RFC 959 §4.1.2, RFC 2428 §2, RFC 1639), path resolution, the greeting rules (RFC 959 §5.4, connection
 * establishment), lost replies, and the session state each exchange teaches (login, cwd, TYPE, data channel,
 * TLS after AUTH/CCC, closing). Every expected value is written out here from the RFCs and the documented API.
 */
import { describe, expect, test } from "vitest";
import {
  type Command,
  createSession,
  type DialogueEvent,
  type Exchange,
  parseCommands,
  parseReplies,
  type Reply,
  resolvePath,
  runDialogue,
  type SessionOptions,
} from "../../src/index.js";

function reply(text: string): Reply {
  return parseReplies(`${text}\r\n`)[0]!;
}

function command(text: string): Command {
  return parseCommands(`${text}\r\n`)[0]!;
}

/** `C: …` lines are commands, `S: …` lines single-line replies, `@n` sets the timestamp of what follows. */
function events(script: string): DialogueEvent[] {
  const out: DialogueEvent[] = [];
  let ts: number | undefined;
  for (const raw of script.split("\n")) {
    const line = raw.trim();
    if (line === "") continue;
    if (line.startsWith("@")) ts = line === "@" ? undefined : Number(line.slice(1));
    else if (line.startsWith("C:")) out.push({ type: "command", command: command(line.slice(3)), ts });
    else if (line.startsWith("S: ")) out.push({ type: "reply", reply: reply(line.slice(3)), ts });
    else throw new Error(`bad script line ${line}`);
  }
  return out;
}

function run(script: string, options: Omit<SessionOptions, "onExchange" | "onDiagnostic"> = {}) {
  return runDialogue(events(script), options);
}

/** The data channel each command line announces, with no greeting expected and no reply. */
function announced(line: string) {
  return runDialogue([{ type: "command", command: command(line) }], { expectGreeting: false }).exchanges[0]!
    .dataChannel;
}

describe("PORT arguments (RFC 959 §4.1.2: h1,h2,h3,h4,p1,p2, decimal bytes)", () => {
  test("PORT byte 255 is the largest byte", () => {
    expect(announced("PORT 10,0,0,255,4,1")).toEqual({ passive: false, host: "10.0.0.255", port: 1025 });
    expect(announced("PORT 10,0,0,5,255,255")).toEqual({ passive: false, host: "10.0.0.5", port: 65535 });
  });

  test("PORT with blanks around the argument is read", () => {
    expect(announced("PORT  10,0,0,5,4,1 ")).toEqual({ passive: false, host: "10.0.0.5", port: 1025 });
  });

  test("PORT with a trailing comma is not a host-port", () => {
    expect(announced("PORT 10,0,0,5,4,1,")).toBeUndefined();
  });

  test("PORT with a leading comma is not a host-port", () => {
    expect(announced("PORT ,10,0,0,5,4")).toBeUndefined();
  });

  test("PORT with a blank instead of a comma is not a host-port", () => {
    expect(announced("PORT 10,0,0,5,4 1")).toBeUndefined();
    expect(announced("PORT 10,0,0,5,4.1")).toBeUndefined();
  });

  test("PORT numbers of more than ten digits are not read, even with leading zeros", () => {
    expect(announced("PORT 10,0,0,5,4,00000000001")).toBeUndefined();
    expect(announced("PORT 10,0,0,5,4,0000000001")).toEqual({ passive: false, host: "10.0.0.5", port: 1025 });
  });

  test("PORT with five numbers or an empty argument gives no channel", () => {
    expect(announced("PORT 10,0,0,5,4")).toBeUndefined();
    expect(announced("PORT")).toBeUndefined();
  });
});

describe("LPRT arguments (RFC 1639: af,hal,h…,pal,p…)", () => {
  const v6 = "6,16,32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,1,2,19,137";
  test("LPRT IPv6 address and port", () => {
    expect(announced(`LPRT ${v6}`)).toEqual({ passive: false, host: "2001:db8::1", port: 5001 });
  });

  test("LPRT address family 4 with a 16-byte address is refused", () => {
    expect(announced("LPRT 4,16,32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,1,2,19,137")).toBeUndefined();
  });

  test("LPRT address family 6 with a 4-byte address is refused", () => {
    expect(announced("LPRT 6,4,10,0,0,1,2,19,137")).toBeUndefined();
  });

  test("LPRT unknown address family is refused", () => {
    expect(announced("LPRT 5,4,10,0,0,1,2,19,137")).toBeUndefined();
    expect(announced("LPRT 4")).toBeUndefined();
  });

  test("LPRT port length other than 2 is refused", () => {
    expect(announced("LPRT 4,4,10,0,0,1,3,0,19,137")).toBeUndefined();
    expect(announced("LPRT 4,4,10,0,0,1,1,19")).toBeUndefined();
  });

  test("LPRT port 0 is refused", () => {
    expect(announced("LPRT 4,4,10,0,0,1,2,0,0")).toBeUndefined();
    expect(announced("LPRT 4,4,10,0,0,1,2,0,1")).toEqual({ passive: false, host: "10.0.0.1", port: 1 });
  });

  test("LPRT port bytes are big-endian", () => {
    expect(announced("LPRT 4,4,10,0,0,1,2,1,2")).toEqual({ passive: false, host: "10.0.0.1", port: 258 });
  });

  test("a command that is not PORT, EPRT or LPRT announces nothing, whatever its argument", () => {
    expect(announced("SITE 4,4,10,0,0,1,2,4,1")).toBeUndefined();
    expect(announced("SITE 10,0,0,5,4,1")).toBeUndefined();
    expect(announced("SITE |1|10.0.0.1|5000|")).toBeUndefined();
  });
});

describe("EPRT arguments (RFC 2428 §2: <d><af><d><addr><d><port><d>)", () => {
  test("EPRT with an empty argument gives no channel", () => {
    expect(announced("EPRT")).toBeUndefined();
  });

  test("EPRT delimiter may be any printable ASCII but a digit: ~ and ! are fine", () => {
    expect(announced("EPRT ~1~10.0.0.1~5000~")).toEqual({ passive: false, host: "10.0.0.1", port: 5000 });
    expect(announced("EPRT !1!10.0.0.1!5000!")).toEqual({ passive: false, host: "10.0.0.1", port: 5000 });
  });

  test("EPRT delimiter outside printable ASCII is refused", () => {
    expect(announced("EPRT \u00e91\u00e910.0.0.1\u00e95000\u00e9")).toBeUndefined();
    expect(announced("EPRT \u007f1\u007f10.0.0.1\u007f5000\u007f")).toBeUndefined();
    expect(announced("EPRT \u00011\u000110.0.0.1\u00015000\u0001")).toBeUndefined();
  });

  test("EPRT delimiter that is a digit is refused", () => {
    // With 2 as delimiter: af "1", address "10.0.0.1", port "5001".
    expect(announced("EPRT 21210.0.0.1250012")).toBeUndefined();
  });

  test("EPRT port of 1 to 65535 with at most five digits", () => {
    expect(announced("EPRT |1|10.0.0.1|1|")).toEqual({ passive: false, host: "10.0.0.1", port: 1 });
    expect(announced("EPRT |1|10.0.0.1|65535|")).toEqual({ passive: false, host: "10.0.0.1", port: 65535 });
    expect(announced("EPRT |1|10.0.0.1|000080|")).toBeUndefined();
    expect(announced("EPRT |1|10.0.0.1|00080|")).toEqual({ passive: false, host: "10.0.0.1", port: 80 });
    expect(announced("EPRT |1|10.0.0.1||")).toBeUndefined();
  });

  test("EPRT port with a non-digit is refused", () => {
    expect(announced("EPRT |1|10.0.0.1|5a|")).toBeUndefined();
    expect(announced("EPRT |1|10.0.0.1|+80|")).toBeUndefined();
    expect(announced("EPRT |1|10.0.0.1|8:|")).toBeUndefined();
  });

  test("EPRT address must match its family: 1 is IPv4, 2 is IPv6, others unknown", () => {
    expect(announced("EPRT |1|::1|5000|")).toBeUndefined();
    expect(announced("EPRT |2|10.0.0.1|5000|")).toBeUndefined();
    expect(announced("EPRT |3|::1|5000|")).toBeUndefined();
    expect(announced("EPRT |3|10.0.0.1|5000|")).toBeUndefined();
  });

  test("EPRT with missing fields is refused", () => {
    expect(announced("EPRT |1")).toBeUndefined();
    expect(announced("EPRT |1|10.0.0.1")).toBeUndefined();
    expect(announced("EPRT |1|10.0.0.1|5000")).toBeUndefined();
    expect(announced("EPRT ||10.0.0.1|5000|")).toBeUndefined();
  });
});

describe("resolvePath", () => {
  test("resolvePath with a relative working directory stays relative", () => {
    expect(resolvePath("a", "b")).toBe("a/b");
    expect(resolvePath("a", "..")).toBe(".");
    expect(resolvePath("a", "../../b")).toBe("../b");
    expect(resolvePath("..", "../x")).toBe("../../x");
    expect(resolvePath("a/b", "./../c")).toBe("a/c");
  });

  test("resolvePath at the root: .. stays at the root", () => {
    expect(resolvePath("/", "..")).toBe("/");
    expect(resolvePath("/a", "..")).toBe("/");
    expect(resolvePath("/a", "../..")).toBe("/");
    expect(resolvePath(undefined, "/")).toBe("/");
  });

  test("resolvePath removes empty and dot parts", () => {
    expect(resolvePath("/a//b/", ".//c/.")).toBe("/a/b/c");
    expect(resolvePath("/a", "")).toBe("/a");
  });

  test("resolvePath: an absolute argument ignores the working directory", () => {
    expect(resolvePath("/home/u", "/etc/x")).toBe("/etc/x");
    expect(resolvePath("rel", "/etc/x")).toBe("/etc/x");
  });
});

describe("the greeting (RFC 959 §5.4, connection establishment)", () => {
  test("a fresh session is not greeted, closed, logged in or secured", () => {
    const session = createSession();
    expect(session.state).toMatchObject({
      greeted: false,
      closed: false,
      loggedIn: false,
      secured: false,
      failedLogins: 0,
      pendingCommands: 0,
      exchanges: 0,
    });
    session.reply(reply("220 ready"));
    expect(session.state).toMatchObject({ greeted: true, closed: false, loggedIn: false, secured: false });
  });

  test("a 120 while a command waits is still the greeting's", () => {
    const result = run(`
      C: USER bob
      S: 120 soon
      S: 220 ready
      S: 331 password please
    `);
    expect(result.exchanges.map((e) => [e.kind, e.preliminary.map((r) => r.code), e.final?.code])).toEqual([
      ["greeting", [120], 220],
      ["command", [], 331],
    ]);
    expect(result.diagnostics).toEqual([]);
  });

  test("a 421 while a command waits is the greeting, and closes", () => {
    const result = run(`
      C: USER bob
      S: 421 too many users
    `);
    expect(result.exchanges.map((e) => [e.kind, e.command?.verb, e.final?.code])).toEqual([
      ["greeting", undefined, 421],
      ["command", "USER", undefined],
    ]);
    expect(result.diagnostics.map((d) => d.type)).toEqual(["unanswered-command"]);
    expect(result.state.closed).toBe(true);
  });

  test("after a 120, the next reply completes the greeting even with a command waiting", () => {
    const result = run(`
      S: 120 soon
      C: USER bob
      S: 230 hello
    `);
    expect(result.exchanges.map((e) => [e.kind, e.preliminary.map((r) => r.code), e.final?.code])).toEqual([
      ["greeting", [120], 230],
      ["command", [], undefined],
    ]);
    expect(result.diagnostics.map((d) => d.type)).toEqual(["invalid-greeting", "unanswered-command"]);
  });

  test("a 2xx greeting other than 220 completes the greeting (with a diagnostic)", () => {
    const result = run("S: 200 hello");
    expect(result.exchanges.map((e) => [e.kind, e.preliminary.length, e.final?.code])).toEqual([
      ["greeting", 0, 200],
    ]);
    expect(result.diagnostics.map((d) => d.type)).toEqual(["invalid-greeting"]);
    expect(result.state.greeted).toBe(true);
  });

  test("missing greeting is reported once; later replies pair normally", () => {
    const result = run(`
      C: PWD
      S: 257 "/pub"
      C: NOOP
      S: 200 ok
    `);
    expect(result.diagnostics.map((d) => d.type)).toEqual(["missing-greeting"]);
    expect(result.exchanges.map((e) => [e.command?.verb, e.final?.code])).toEqual([
      ["PWD", 257],
      ["NOOP", 200],
    ]);
    expect(result.state.greeted).toBe(true);
  });

  test("a 220 greeting does not close the session; a 421 greeting does", () => {
    expect(run("S: 220 hi").state.closed).toBe(false);
    expect(run("S: 421 bye").state.closed).toBe(true);
  });

  test("too many 120s to the greeting: the message names the greeting", () => {
    const result = run("S: 120 a\nS: 120 b\nS: 220 c", { maxPreliminaryReplies: 1 });
    expect(result.diagnostics.map((d) => d.message)).toEqual([
      "more than 1 preliminary replies to the greeting; the rest are not kept",
    ]);
    expect(result.exchanges[0]!.preliminary.map((r) => r.text)).toEqual(["a"]);
  });
});

describe("replies with no command waiting", () => {
  test("a stray 1xx is an unmatched-reply exchange with no final reply", () => {
    const result = run("S: 220 hi\nS: 150 stray");
    expect(result.exchanges.map((e) => [e.kind, e.preliminary.map((r) => r.code), e.final?.code])).toEqual([
      ["greeting", [], 220],
      ["unmatched-reply", [150], undefined],
    ]);
    expect(result.exchanges[1]!.replies.map((r) => r.code)).toEqual([150]);
    expect(result.state.closed).toBe(false);
  });

  test("a stray 200 is an unmatched-reply exchange whose final reply it is", () => {
    const result = run("S: 220 hi\nS: 200 stray");
    expect(result.exchanges.map((e) => [e.kind, e.preliminary.map((r) => r.code), e.final?.code])).toEqual([
      ["greeting", [], 220],
      ["unmatched-reply", [], 200],
    ]);
    expect(result.state.closed).toBe(false);
  });
});

describe("lost replies (lostReply)", () => {
  test("a lost 120 before the greeting is noted on the greeting", () => {
    const emitted: Exchange[] = [];
    const session = createSession({ onExchange: (e) => emitted.push(e) });
    session.lostReply(120);
    session.reply(reply("220 ready"));
    expect(emitted).toHaveLength(1);
    expect(emitted[0]!.kind).toBe("greeting");
    expect(emitted[0]!.final?.code).toBe(220);
    expect(emitted[0]!.diagnostics.map((d) => d.message)).toEqual([
      "reply 120 was lost (the reply parser dropped it)",
    ]);
  });

  test("a lost final greeting completes it without final; commands then pair", () => {
    const emitted: Exchange[] = [];
    const session = createSession({ onExchange: (e) => emitted.push(e) });
    session.lostReply(220, 7);
    expect(session.state.greeted).toBe(true);
    expect(emitted.map((e) => [e.kind, e.final, e.endTs])).toEqual([["greeting", undefined, undefined]]);
    expect(emitted[0]!.diagnostics.map((d) => d.type)).toEqual(["lost-reply"]);
    session.command(command("NOOP"));
    session.reply(reply("200 ok"));
    expect(emitted[1]!.final?.code).toBe(200);
    expect(emitted[1]!.diagnostics).toEqual([]);
  });

  test("a lost reply of unknown code counts as the waiting command's final reply", () => {
    const emitted: Exchange[] = [];
    const session = createSession({ onExchange: (e) => emitted.push(e), expectGreeting: false });
    session.command(command("STAT"));
    session.command(command("NOOP"));
    session.lostReply();
    expect(session.state.pendingCommands).toBe(1);
    session.reply(reply("200 ok"));
    expect(emitted.map((e) => [e.command?.verb, e.final?.code])).toEqual([
      ["STAT", undefined],
      ["NOOP", 200],
    ]);
    expect(emitted[0]!.diagnostics.map((d) => d.message)).toEqual([
      "a reply was lost (the reply parser dropped it)",
    ]);
    expect(session.state.pendingCommands).toBe(0);
  });

  test("a lost 200 (not preliminary) completes the command", () => {
    const emitted: Exchange[] = [];
    const session = createSession({ onExchange: (e) => emitted.push(e), expectGreeting: false });
    session.command(command("NOOP"));
    session.lostReply(200);
    expect(emitted.map((e) => [e.command?.verb, e.final])).toEqual([["NOOP", undefined]]);
    expect(session.state.pendingCommands).toBe(0);
  });
});

describe("sizes announced on transfers (150/125 … (N bytes))", () => {
  test("a 125 with a size gives the transfer's size", () => {
    const result = run(`
      S: 220 hi
      C: RETR f
      S: 125 Data connection already open; transfer starting (12 bytes).
      S: 226 ok
    `);
    expect(result.exchanges[1]!.fileSize).toBe(12);
  });

  test("the first announced size is kept", () => {
    const result = run(`
      S: 220 hi
      C: STOR f
      S: 150 Opening data connection (10 bytes).
      S: 150 Opening data connection (20 bytes).
      S: 226 ok
    `);
    expect(result.exchanges[1]!.fileSize).toBe(10);
  });

  test("a 150 with a size to a command that moves no data gives no size", () => {
    const result = run(`
      S: 220 hi
      C: NOOP
      S: 150 odd (12 bytes)
      S: 200 ok
    `);
    expect(result.exchanges[1]!.fileSize).toBeUndefined();
  });

  test("a 110 restart marker is not a size", () => {
    const result = run(`
      S: 220 hi
      C: RETR f
      S: 110 MARK 5 = 5 (12 bytes)
      S: 226 ok
    `);
    expect(result.exchanges[1]!.fileSize).toBeUndefined();
  });
});

describe("login state (RFC 959 §4.1.1 USER/PASS/ACCT)", () => {
  test("USER answered 530 is a failed login", () => {
    const result = run("S: 220 hi\nC: USER root\nS: 530 not allowed");
    expect(result.exchanges[1]!.login).toBe("failure");
    expect(result.state.failedLogins).toBe(1);
    expect(result.state.loggedIn).toBe(false);
  });

  test("USER answered 331 is no verdict and logs out a logged-in session", () => {
    const result = run(`
      S: 220 hi
      C: USER ftp
      S: 230 in
      C: USER bob
      S: 331 password please
    `);
    expect(result.exchanges[2]!.login).toBeUndefined();
    expect(result.state.loggedIn).toBe(false);
    expect(result.state.failedLogins).toBe(0);
  });

  test("PASS answered 202 (superfluous) is a successful login", () => {
    const result = run("S: 220 hi\nC: USER a\nS: 331 pw\nC: PASS b\nS: 202 not needed");
    expect(result.exchanges[2]!.login).toBe("success");
    expect(result.state.loggedIn).toBe(true);
  });

  test("ACCT answered 230 is a successful login", () => {
    const result = run("S: 220 hi\nC: USER a\nS: 331 pw\nC: PASS b\nS: 332 account\nC: ACCT c\nS: 230 in");
    expect(result.exchanges[2]!.login).toBeUndefined();
    expect(result.exchanges[3]!.login).toBe("success");
    expect(result.state.loggedIn).toBe(true);
    expect(result.state.failedLogins).toBe(0);
  });

  test("ACCT answered 202 is a successful login", () => {
    const result = run("S: 220 hi\nC: USER a\nS: 331 pw\nC: PASS b\nS: 332 account\nC: ACCT c\nS: 202 ok");
    expect(result.exchanges[3]!.login).toBe("success");
    expect(result.state.loggedIn).toBe(true);
  });

  test("ACCT answered 530 is a failed login", () => {
    const result = run("S: 220 hi\nC: USER a\nS: 331 pw\nC: PASS b\nS: 332 account\nC: ACCT c\nS: 530 no");
    expect(result.exchanges[3]!.login).toBe("failure");
    expect(result.state.failedLogins).toBe(1);
  });

  test("ACCT refused with 500 after login decides nothing: still logged in", () => {
    const result = run("S: 220 hi\nC: USER a\nS: 331 pw\nC: PASS b\nS: 230 in\nC: ACCT c\nS: 500 what");
    expect(result.exchanges[3]!.login).toBeUndefined();
    expect(result.state.loggedIn).toBe(true);
    expect(result.state.failedLogins).toBe(0);
  });

  test("PASS answered 332 (need account) is no verdict yet", () => {
    const result = run("S: 220 hi\nC: USER a\nS: 331 pw\nC: PASS b\nS: 332 account");
    expect(result.exchanges[2]!.login).toBeUndefined();
    expect(result.state.failedLogins).toBe(0);
  });

  test("PASS answered any 4xx or 5xx is a failed login: 400, 421, 503, 599", () => {
    for (const code of [400, 421, 503, 599]) {
      const result = run(`S: 220 hi\nC: USER a\nS: 331 pw\nC: PASS b\nS: ${code} no`);
      expect([code, result.exchanges[2]!.login, result.state.failedLogins]).toEqual([code, "failure", 1]);
    }
  });

  test("PASS answered 6xx (a protected reply, RFC 2228) or 3xx is no verdict", () => {
    for (const code of [600, 631, 399]) {
      const result = run(`S: 220 hi\nC: USER a\nS: 331 pw\nC: PASS b\nS: ${code} x`);
      expect([code, result.exchanges[2]!.login, result.state.failedLogins]).toEqual([code, undefined, 0]);
    }
  });

  test("a logged-in session stays logged in through a PASS that decides nothing", () => {
    const result = run("S: 220 hi\nC: USER ftp\nS: 230 in\nC: PASS x\nS: 332 account");
    expect(result.state.loggedIn).toBe(true);
  });

  test("a USER left unanswered changes the user but not the login", () => {
    const result = run("S: 220 hi\nC: USER ftp\nS: 230 in\nC: USER other");
    expect(result.state.loggedIn).toBe(true);
    expect(result.state.user).toBe("other");
    expect(result.exchanges[2]!.login).toBeUndefined();
  });

  test("the password is forgotten at the next USER and kept for the exchanges after PASS", () => {
    const result = run(`
      S: 220 hi
      C: USER a
      S: 331 pw
      C: PASS secret
      S: 230 in
      C: NOOP
      S: 200 ok
      C: USER b
      S: 331 pw
    `);
    expect(result.exchanges.map((e) => e.password)).toEqual([
      undefined,
      undefined,
      "<hidden>",
      "<hidden>",
      undefined,
    ]);
    expect(result.exchanges.map((e) => e.user)).toEqual([undefined, "a", "a", "a", "b"]);
  });

  test("REIN answered 220 forgets user and password; a refused REIN keeps them", () => {
    const refused = run("S: 220 hi\nC: USER a\nS: 331 pw\nC: PASS b\nS: 230 in\nC: REIN\nS: 502 no");
    expect(refused.state.loggedIn).toBe(true);
    expect(refused.state.user).toBe("a");
    const done = run(
      "S: 220 hi\nC: USER a\nS: 331 pw\nC: PASS b\nS: 230 in\nC: REIN\nS: 120 wait\nS: 220 ok\nC: NOOP\nS: 200 ok",
    );
    expect(done.exchanges[3]!.preliminary.map((r) => r.code)).toEqual([120]);
    expect(done.state.loggedIn).toBe(false);
    expect(done.exchanges[4]!.user).toBeUndefined();
    expect(done.exchanges[4]!.password).toBeUndefined();
  });
});

describe("passwords (recordPasswords)", () => {
  test("recordPasswords guest keeps the password of each anonymous user id, whatever its case", () => {
    for (const user of ["anonymous", "ftp", "ftpuser", "guest", "Anonymous", "FTP"]) {
      const result = run(`S: 220 hi\nC: USER ${user}\nS: 331 pw\nC: PASS me@x\nS: 230 in`, {
        recordPasswords: "guest",
      });
      expect([user, result.exchanges[2]!.command!.arg]).toEqual([user, "me@x"]);
    }
    const bob = run("S: 220 hi\nC: USER bob\nS: 331 pw\nC: PASS me@x\nS: 230 in", {
      recordPasswords: "guest",
    });
    expect(bob.exchanges[2]!.command!.arg).toBe("<hidden>");
  });

  test("recordPasswords guest masks a PASS sent before any USER", () => {
    const result = run("S: 220 hi\nC: PASS me@x\nS: 503 login with USER first", { recordPasswords: "guest" });
    expect(result.exchanges[1]!.command!.arg).toBe("<hidden>");
  });

  test("an empty PASS is left as it is (nothing to hide)", () => {
    const result = run("S: 220 hi\nC: USER a\nS: 331 pw\nC: PASS\nS: 530 no");
    const pass = result.exchanges[2]!.command!;
    expect([pass.arg, pass.line, new TextDecoder().decode(pass.raw)]).toEqual(["", "PASS", "PASS\r\n"]);
  });

  test("by default every PASS is masked, the guest's too", () => {
    const result = run("S: 220 hi\nC: USER anonymous\nS: 331 pw\nC: PASS me@x\nS: 230 in");
    expect(result.exchanges[2]!.command!.arg).toBe("<hidden>");
  });
});

describe("working directory (CWD, CDUP, PWD and the RFC 775 X… forms)", () => {
  test("CDUP answered 200 moves up; XCUP answered 250 too; a refused CDUP does not", () => {
    const result = run(`
      S: 220 hi
      C: PWD
      S: 257 "/a/b/c/d"
      C: CDUP
      S: 200 ok
      C: XCUP
      S: 250 ok
      C: CDUP
      S: 550 no
      C: XCUP
      S: 500 no
    `);
    expect(result.exchanges.slice(2).map((e) => e.cwd)).toEqual(["/a/b/c/d", "/a/b/c", "/a/b", "/a/b"]);
    expect(result.state.cwd).toBe("/a/b");
  });

  test("CDUP with an unknown working directory leaves it unknown", () => {
    const result = run("S: 220 hi\nC: CDUP\nS: 200 ok");
    expect(result.state.cwd).toBeUndefined();
  });

  test("XPWD answered 257 sets the working directory; a 550 does not", () => {
    const result = run('S: 220 hi\nC: XPWD\nS: 257 "/x/y"\nC: PWD\nS: 550 no');
    expect(result.state.cwd).toBe("/x/y");
    expect(result.diagnostics).toEqual([]);
  });

  test("XCWD answered 550 does not move", () => {
    const result = run('S: 220 hi\nC: PWD\nS: 257 "/x"\nC: XCWD y\nS: 550 no\nC: XCWD z\nS: 250 ok');
    expect(result.exchanges[3]!.cwd).toBe("/x");
    expect(result.state.cwd).toBe("/x/z");
  });

  test("a path command with no argument names no path", () => {
    const result = run('S: 220 hi\nC: PWD\nS: 257 "/x"\nC: RETR\nS: 501 no\nC: CWD\nS: 501 no');
    expect(result.exchanges[2]!.path).toBeUndefined();
    expect(result.exchanges[3]!.path).toBeUndefined();
  });
});

describe("TYPE (RFC 959 §3.1.1)", () => {
  test("TYPE argument is trimmed and upper-cased", () => {
    const result = run("S: 220 hi\nC: TYPE  a n \nS: 200 ok");
    expect(result.state.type).toBe("A N");
  });
});

describe("data channels in effect", () => {
  test("PORT, EPRT and LPRT accepted with 200 set the channel of the next transfer", () => {
    const result = run(`
      S: 220 hi
      C: PORT 10,0,0,5,4,1
      S: 200 ok
      C: RETR a
      S: 150 ok
      S: 226 ok
      C: EPRT |1|10.0.0.6|5000|
      S: 200 ok
      C: STOR b
      S: 150 ok
      S: 226 ok
      C: LPRT 4,4,10,0,0,7,2,4,1
      S: 200 ok
      C: LIST
      S: 150 ok
      S: 226 ok
    `);
    expect(result.exchanges.filter((e) => e.kind === "command").map((e) => e.dataChannel)).toEqual([
      { passive: false, host: "10.0.0.5", port: 1025 },
      { passive: false, host: "10.0.0.5", port: 1025 },
      { passive: false, host: "10.0.0.6", port: 5000 },
      { passive: false, host: "10.0.0.6", port: 5000 },
      { passive: false, host: "10.0.0.7", port: 1025 },
      { passive: false, host: "10.0.0.7", port: 1025 },
    ]);
    expect(result.state.dataChannel).toEqual({ passive: false, host: "10.0.0.7", port: 1025 });
  });

  test("a PORT answered with a 3xx does not change the channel in effect", () => {
    const result = run(`
      S: 220 hi
      C: PASV
      S: 227 Entering Passive Mode (10,0,0,1,4,1)
      C: PORT 10,0,0,5,4,1
      S: 300 hmm
    `);
    expect(result.state.dataChannel).toEqual({ passive: true, host: "10.0.0.1", port: 1025 });
  });

  test("a PORT the session cannot read, answered 200, keeps the channel in effect", () => {
    const result = run(`
      S: 220 hi
      C: PASV
      S: 227 Entering Passive Mode (10,0,0,1,4,1)
      C: PORT garbage
      S: 200 ok
      C: RETR f
      S: 150 ok
      S: 226 ok
    `);
    expect(result.state.dataChannel).toEqual({ passive: true, host: "10.0.0.1", port: 1025 });
    expect(result.exchanges[3]!.dataChannel).toEqual({ passive: true, host: "10.0.0.1", port: 1025 });
  });

  test("PASV answered with 229 is read as an extended passive reply", () => {
    const result = run("S: 220 hi\nC: PASV\nS: 229 Entering Extended Passive Mode (|||5000|)");
    expect(result.exchanges[1]!.dataChannel).toEqual({ passive: true, port: 5000 });
    expect(result.state.dataChannel).toEqual({ passive: true, port: 5000 });
  });

  test("refused PASV, EPSV, LPSV and SIZE are not decoded (no malformed-reply)", () => {
    const result = run(`
      S: 220 hi
      C: PASV
      S: 502 no
      C: EPSV
      S: 500 no
      C: LPSV
      S: 502 no
      C: SIZE f
      S: 550 no such file
    `);
    expect(result.diagnostics).toEqual([]);
    expect(result.exchanges.slice(1).map((e) => [e.dataChannel, e.fileSize])).toEqual([
      [undefined, undefined],
      [undefined, undefined],
      [undefined, undefined],
      [undefined, undefined],
    ]);
  });

  test("a transfer's own channel does not become the channel in effect", () => {
    const result = run(`
      S: 220 hi
      C: RETR f
      S: 150 ok
      S: 226 ok
    `);
    expect(result.state.dataChannel).toBeUndefined();
  });
});

describe("data addresses against the connection's endpoints", () => {
  test("an LPSV reply naming another host than the server is flagged", () => {
    const result = run("S: 220 hi\nC: LPSV\nS: 228 Entering Long Passive Mode (4,4,10,1,2,3,2,4,1)", {
      endpoints: { serverHost: "10.0.0.2" },
    });
    expect(result.diagnostics.map((d) => [d.type, d.message])).toEqual([
      ["foreign-data-address", "228 reply names 10.1.2.3, not the server's address 10.0.0.2"],
    ]);
  });

  test("a PASV reply naming the server itself is not flagged", () => {
    const result = run("S: 220 hi\nC: PASV\nS: 227 Entering Passive Mode (10,0,0,2,4,1)", {
      endpoints: { serverHost: "10.0.0.2", clientHost: "10.0.0.9" },
    });
    expect(result.diagnostics).toEqual([]);
  });

  test("a PORT to the client's own address is not flagged, with or without the server's address", () => {
    const script = "S: 220 hi\nC: PORT 10,0,0,9,4,1\nS: 200 ok";
    expect(
      run(script, { endpoints: { serverHost: "10.0.0.2", clientHost: "10.0.0.9" } }).diagnostics,
    ).toEqual([]);
    expect(run(script, { endpoints: { serverHost: "10.0.0.2" } }).diagnostics).toEqual([]);
  });

  test("a host that is not an IP address is compared in lower case", () => {
    const result = run("S: 220 hi\nC: PORT 10,0,0,9,4,1\nS: 200 ok", {
      endpoints: { clientHost: "Client.Example" },
    });
    expect(result.diagnostics.map((d) => d.message)).toEqual([
      "PORT names 10.0.0.9, not the client's address client.example (FTP bounce, RFC 2577 §3)",
    ]);
  });

  test("an IPv4-mapped client address matches the IPv4 PORT address", () => {
    const result = run("S: 220 hi\nC: PORT 10,0,0,9,4,1\nS: 200 ok", {
      endpoints: { clientHost: "::FFFF:10.0.0.9" },
    });
    expect(result.diagnostics).toEqual([]);
  });

  test("an IPv6 client address is compared in canonical form", () => {
    const result = run(
      "S: 220 hi\nC: EPRT |2|2001:db8::9|5000|\nS: 200 ok\nC: EPRT |2|2001:db8::8|5000|\nS: 200 ok",
      {
        endpoints: { clientHost: "2001:DB8:0:0:0:0:0:9" },
      },
    );
    expect(result.diagnostics.map((d) => d.message)).toEqual([
      "EPRT names 2001:db8::8, not the client's address 2001:db8::9 (FTP bounce, RFC 2577 §3)",
    ]);
  });
});

describe("TLS and closing (RFC 4217 / RFC 2228 AUTH and CCC, RFC 959 QUIT and 421)", () => {
  test("CCC answered 200 drops the protection AUTH TLS set up; a refused CCC keeps it", () => {
    const refused = run("S: 220 hi\nC: AUTH TLS\nS: 234 go\nC: CCC\nS: 533 no");
    expect(refused.state.secured).toBe(true);
    const done = run("S: 220 hi\nC: AUTH TLS\nS: 234 go\nC: CCC\nS: 200 ok");
    expect(done.state.secured).toBe(false);
  });

  test("AUTH refused does not secure the session", () => {
    expect(run("S: 220 hi\nC: AUTH TLS\nS: 504 no").state.secured).toBe(false);
    expect(run("S: 220 hi\nC: AUTH TLS\nS: 534 no").state.secured).toBe(false);
  });

  test("QUIT refused does not close; answered exchanges do not close", () => {
    const result = run("S: 220 hi\nC: NOOP\nS: 200 ok\nC: QUIT\nS: 500 no");
    expect(result.state.closed).toBe(false);
  });

  test("a 421 to a command closes the session", () => {
    expect(run("S: 220 hi\nC: NOOP\nS: 421 bye").state.closed).toBe(true);
  });
});

describe("timing", () => {
  test("a command without a timestamp has no duration even when its reply has one", () => {
    const result = run("@1\nS: 220 hi\n@\nC: NOOP\n@5\nS: 200 ok");
    expect([result.exchanges[1]!.startTs, result.exchanges[1]!.endTs, result.exchanges[1]!.duration]).toEqual(
      [undefined, 5, undefined],
    );
  });

  test("runDialogue ends the session at the last timestamp seen", () => {
    const result = run("@3\nS: 220 hi\nC: NOOP\n@\nC: NOOP");
    expect(result.diagnostics.map((d) => [d.type, d.ts])).toEqual([
      ["unanswered-command", 3],
      ["unanswered-command", 3],
    ]);
  });
});

describe("limits and callbacks", () => {
  test("the default limit of pending commands is 1024", () => {
    const session = createSession({ expectGreeting: false });
    for (let i = 0; i < 1024; i++) session.command(command("NOOP"));
    expect(session.state.pendingCommands).toBe(1024);
    session.command(command("NOOP"));
    expect(session.state.pendingCommands).toBe(1024);
  });

  test("the default limit of preliminary replies is 256", () => {
    const emitted: Exchange[] = [];
    const session = createSession({ expectGreeting: false, onExchange: (e) => emitted.push(e) });
    session.command(command("STOR f"));
    for (let i = 0; i < 257; i++) session.reply(reply("110 MARK 1 = 1"));
    session.reply(reply("226 ok"));
    expect(emitted[0]!.preliminary).toHaveLength(256);
    expect(emitted[0]!.diagnostics.map((d) => d.type)).toEqual(["too-many-preliminary"]);
  });

  test("a session with no callbacks runs", () => {
    const session = createSession();
    session.reply(reply("500 not a greeting"));
    session.command(command("NOOP"));
    session.reply(reply("200 ok"));
    session.end();
    expect(session.state.exchanges).toBe(2);
  });

  test("end() leaves no command waiting: a command after it is the only one pending", () => {
    const session = createSession({ expectGreeting: false });
    session.command(command("NOOP"));
    session.end();
    expect(session.state.pendingCommands).toBe(0);
    session.command(command("NOOP"));
    expect(session.state.pendingCommands).toBe(1);
  });

  test("the queue of answered commands is compacted: memory stays bounded over a long session", () => {
    const session = createSession({ expectGreeting: false });
    const queueLength = () => (session as unknown as { queue: unknown[] }).queue.length;
    let longest = 0;
    for (let i = 0; i < 1000; i++) {
      session.command(command("NOOP"));
      session.reply(reply("200 ok"));
      longest = Math.max(longest, queueLength());
    }
    expect(longest).toBeLessThanOrEqual(2 * 64 + 2);
    expect(session.state.exchanges).toBe(1000);
  });

  test("a decoder error that is not a reply decode error is not swallowed", () => {
    const session = createSession({ expectGreeting: false });
    session.command(command("PASV"));
    const broken = {
      ...reply("227 Entering Passive Mode (10,0,0,1,4,1)"),
      get text(): string {
        throw new RangeError("broken reply object");
      },
    };
    expect(() => session.reply(broken as Reply)).toThrow("broken reply object");
  });
});

describe("more session details", () => {
  test("a PORT the session cannot read is not flagged as foreign", () => {
    const result = run("S: 220 hi\nC: PORT 10,0,0\nS: 501 bad", { endpoints: { clientHost: "10.0.0.9" } });
    expect(result.diagnostics).toEqual([]);
  });

  test("EPRT with blanks around the argument is read", () => {
    expect(announced("EPRT  |1|10.0.0.1|5000| ")).toEqual({ passive: false, host: "10.0.0.1", port: 5000 });
  });

  test("a lost 150 during a command leaves no greeting behind for end()", () => {
    const emitted: Exchange[] = [];
    const session = createSession({ onExchange: (e) => emitted.push(e) });
    session.reply(reply("220 hi"));
    session.command(command("RETR f"));
    session.lostReply(150);
    session.reply(reply("226 ok"));
    session.end();
    expect(emitted.map((e) => [e.kind, e.command?.verb, e.final?.code])).toEqual([
      ["greeting", undefined, 220],
      ["command", "RETR", 226],
    ]);
  });

  test("the pending limit counts only commands still waiting", () => {
    const result = run("S: 220 hi\nC: NOOP\nS: 200 ok\nC: NOOP\nC: NOOP", { maxPendingCommands: 2 });
    expect(result.diagnostics.map((d) => d.type)).toEqual(["unanswered-command", "unanswered-command"]);
  });

  test("pendingCommands counts only commands still waiting", () => {
    const session = createSession({ expectGreeting: false });
    session.command(command("NOOP"));
    session.reply(reply("200 ok"));
    session.command(command("NOOP"));
    expect(session.state.pendingCommands).toBe(1);
    session.command(command("NOOP"));
    expect(session.state.pendingCommands).toBe(2);
    session.reply(reply("200 ok"));
    expect(session.state.pendingCommands).toBe(1);
  });

  test("an EPSV reply sets the channel of the next transfer", () => {
    const result = run(`
      S: 220 hi
      C: EPSV
      S: 229 Entering Extended Passive Mode (|||5000|)
      C: LIST
      S: 150 ok
      S: 226 ok
    `);
    expect(result.exchanges[2]!.dataChannel).toEqual({ passive: true, port: 5000 });
    expect(result.state.dataChannel).toEqual({ passive: true, port: 5000 });
  });

  test("an EPSV reply without the server's address has no host key at all", () => {
    const result = run("S: 220 hi\nC: EPSV\nS: 229 Entering Extended Passive Mode (|||5000|)");
    expect(result.exchanges[1]!.dataChannel).toStrictEqual({ passive: true, port: 5000 });
  });

  test("RNTO names a path", () => {
    const result = run('S: 220 hi\nC: PWD\nS: 257 "/d"\nC: RNFR a\nS: 350 ok\nC: RNTO ../b\nS: 250 ok');
    expect(result.exchanges[3]!.path).toBe("/b");
  });
});

describe("survivors of the first full run", () => {
  test("LPRT with an argument that is not a number list gives no channel", () => {
    expect(announced("LPRT x")).toBeUndefined();
    expect(announced("LPRT")).toBeUndefined();
  });

  test("an IPv6 address starting ::ffff: that is not IPv4-mapped is kept whole", () => {
    const result = run("S: 220 hi\nC: PORT 10,0,0,9,4,1\nS: 200 ok", {
      endpoints: { clientHost: "0:0:0:0:ffff:1:2:3" },
    });
    expect(result.diagnostics.map((d) => d.message)).toEqual([
      "PORT names 10.0.0.9, not the client's address ::ffff:1:2:3 (FTP bounce, RFC 2577 §3)",
    ]);
  });

  test("a refused PASS leaves the session logged out", () => {
    const result = run("S: 220 hi\nC: USER a\nS: 331 pw\nC: PASS wrong\nS: 530 no");
    expect(result.state.loggedIn).toBe(false);
    const acct = run("S: 220 hi\nC: USER a\nS: 331 pw\nC: PASS b\nS: 332 account\nC: ACCT c\nS: 530 no");
    expect(acct.state.loggedIn).toBe(false);
  });

  test("the queue is compacted after a burst of more than 64 pipelined commands", () => {
    const session = createSession({ expectGreeting: false });
    const queueLength = () => (session as unknown as { queue: unknown[] }).queue.length;
    for (let i = 0; i < 100; i++) session.command(command("NOOP"));
    for (let i = 0; i < 100; i++) session.reply(reply("200 ok"));
    let longest = 0;
    for (let i = 0; i < 1000; i++) {
      session.command(command("NOOP"));
      session.reply(reply("200 ok"));
      longest = Math.max(longest, queueLength());
    }
    expect(longest).toBeLessThanOrEqual(2 * 64 + 2);
    expect(session.state.exchanges).toBe(1100);
    expect(session.state.pendingCommands).toBe(0);
  });
});
