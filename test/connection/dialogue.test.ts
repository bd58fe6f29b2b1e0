import { describe, expect, test } from "vitest";
import {
  type Command,
  createReplyParser,
  createSession,
  type DialogueEvent,
  type Exchange,
  parseCommands,
  parseReplies,
  type Reply,
  repliesForCommand,
  resolvePath,
  runDialogue,
  type SessionOptions,
} from "../../src/index.js";
import { configureProperties, fc, propertyTest } from "../helpers/properties.js";

// FC_RUNS sets the run count (lower under Stryker, higher for a longer local campaign).
configureProperties();

/**
 * A dialogue script: `C: …` lines are client commands, `S: …` lines server reply lines (consecutive `S:` lines
 * that form one multi-line reply are framed by the real reply parser), `@n` sets the timestamp of what follows.
 */
function events(script: string): DialogueEvent[] {
  const out: DialogueEvent[] = [];
  let ts: number | undefined;
  let serverLines: string[] = [];
  const flush = (): void => {
    if (serverLines.length === 0) return;
    for (const reply of parseReplies(serverLines.map((l) => `${l}\r\n`).join("")))
      out.push({ type: "reply", reply, ts });
    serverLines = [];
  };
  for (const raw of script.split("\n")) {
    const line = raw.trim();
    if (line === "") continue;
    if (line.startsWith("@")) {
      flush();
      ts = Number(line.slice(1));
    } else if (line === "C:" || line.startsWith("C: ")) {
      flush();
      for (const command of parseCommands(`${line.slice(3)}\r\n`)) out.push({ type: "command", command, ts });
    } else if (line.startsWith("S: ")) serverLines.push(line.slice(3));
    else throw new Error(`bad script line ${line}`);
  }
  flush();
  return out;
}

function run(script: string, options: Omit<SessionOptions, "onExchange" | "onDiagnostic"> = {}) {
  return runDialogue(events(script), options);
}

/** Exchange → `[kind, verb, preliminary codes, final code]` for compact assertions. */
function shape(exchange: Exchange): [string, string | undefined, number[], number | undefined] {
  return [
    exchange.kind,
    exchange.command?.verb,
    exchange.preliminary.map((r) => r.code),
    exchange.final?.code,
  ];
}

function reply(text: string): Reply {
  return parseReplies(`${text}\r\n`)[0]!;
}

function command(text: string): Command {
  return parseCommands(`${text}\r\n`)[0]!;
}

describe("pairing (RFC 959 §4.2, §5.4)", () => {
  test("the greeting, then each command with its final reply", () => {
    const result = run(`
      S: 220 Service ready
      C: USER anonymous
      S: 331 Please specify the password.
      C: PASS x@
      S: 230 Login successful.
      C: QUIT
      S: 221 Goodbye.
    `);
    expect(result.exchanges.map(shape)).toEqual([
      ["greeting", undefined, [], 220],
      ["command", "USER", [], 331],
      ["command", "PASS", [], 230],
      ["command", "QUIT", [], 221],
    ]);
    expect(result.exchanges.map((e) => e.index)).toEqual([0, 1, 2, 3]);
    expect(result.diagnostics).toEqual([]);
    expect(result.state.closed).toBe(true);
  });

  test("preliminary replies then the final one; the exchange is emitted when the final arrives", () => {
    const emitted: Exchange[] = [];
    const session = createSession({ onExchange: (e) => emitted.push(e) });
    session.reply(reply("220 ready"));
    session.command(command("RETR a.txt"));
    session.reply(reply("150 Opening BINARY mode data connection for a.txt (77 bytes)."));
    expect(emitted).toHaveLength(1); // only the greeting: RETR is not finished
    expect(session.state.pendingCommands).toBe(1);
    session.reply(reply("226 Transfer complete."));
    expect(emitted).toHaveLength(2);
    expect(shape(emitted[1]!)).toEqual(["command", "RETR", [150], 226]);
    expect(emitted[1]!.replies.map((r) => r.code)).toEqual([150, 226]);
    expect(session.state.pendingCommands).toBe(0);
  });

  test("several preliminary replies (110 restart markers) are all kept", () => {
    const result = run(`
      S: 220 ready
      C: STOR f
      S: 150 ok
      S: 110 MARK 1 = 1
      S: 110 MARK 2 = 2
      S: 226 done
    `);
    expect(shape(result.exchanges[1]!)).toEqual(["command", "STOR", [150, 110, 110], 226]);
    expect(result.diagnostics).toEqual([]);
  });

  test("greeting: 120 then 220 is one greeting exchange", () => {
    const result = run(`
      S: 120 Service ready in 5 minutes.
      S: 220 Service ready
      C: NOOP
      S: 200 ok
    `);
    expect(result.exchanges.map(shape)).toEqual([
      ["greeting", undefined, [120], 220],
      ["command", "NOOP", [], 200],
    ]);
  });

  test("greeting 421 closes the session", () => {
    const result = run("S: 421 Too many users");
    expect(result.exchanges.map(shape)).toEqual([["greeting", undefined, [], 421]]);
    expect(result.state.closed).toBe(true);
    expect(result.diagnostics).toEqual([]);
  });

  test("a greeting other than 120/220/421 is a diagnostic, not a failure", () => {
    const result = run(`
      S: 530 Not allowed
    `);
    expect(result.exchanges.map(shape)).toEqual([["greeting", undefined, [], 530]]);
    expect(result.diagnostics.map((d) => d.type)).toEqual(["invalid-greeting"]);
    expect(result.exchanges[0]!.diagnostics.map((d) => d.type)).toEqual(["invalid-greeting"]);
  });

  test("a command sent before the greeting arrives still gets the reply after the greeting", () => {
    const result = run(`
      C: USER bob
      S: 220 ready
      S: 331 password please
    `);
    expect(result.exchanges.map(shape)).toEqual([
      ["greeting", undefined, [], 220],
      ["command", "USER", [], 331],
    ]);
  });

  test("a capture that starts mid-session: missing-greeting, then normal pairing", () => {
    const result = run(`
      C: PWD
      S: 257 "/pub" is the current directory
    `);
    expect(result.exchanges.map(shape)).toEqual([["command", "PWD", [], 257]]);
    expect(result.diagnostics.map((d) => d.type)).toEqual(["missing-greeting"]);
    expect(result.exchanges[0]!.diagnostics.map((d) => d.type)).toEqual(["missing-greeting"]);
    const quiet = run('C: PWD\nS: 257 "/pub"', { expectGreeting: false });
    expect(quiet.diagnostics).toEqual([]);
  });

  test("an unsolicited 421 while nothing waits is its own exchange and closes the session", () => {
    const result = run(`
      S: 220 ready
      C: NOOP
      S: 200 ok
      S: 421 Timeout.
    `);
    expect(result.exchanges.map(shape)).toEqual([
      ["greeting", undefined, [], 220],
      ["command", "NOOP", [], 200],
      ["unsolicited", undefined, [], 421],
    ]);
    expect(result.diagnostics).toEqual([]);
    expect(result.state.closed).toBe(true);
  });

  test("a 421 while a command waits answers that command; later commands stay unanswered", () => {
    const result = run(`
      S: 220 ready
      C: LIST
      C: NOOP
      S: 421 Service shutting down
    `);
    expect(result.exchanges.map(shape)).toEqual([
      ["greeting", undefined, [], 220],
      ["command", "LIST", [], 421],
      ["command", "NOOP", [], undefined],
    ]);
    expect(result.diagnostics.map((d) => d.type)).toEqual(["unanswered-command"]);
    expect(result.state.closed).toBe(true);
  });

  test("pipelined commands are paired first-in, first-out", () => {
    const result = run(`
      S: 220 ready
      C: USER a
      C: PASS b
      C: TYPE I
      C: PASV
      S: 331 pw
      S: 230 in
      S: 200 Switching to Binary mode.
      S: 227 Entering Passive Mode (127,0,0,1,200,10).
    `);
    expect(result.exchanges.map(shape)).toEqual([
      ["greeting", undefined, [], 220],
      ["command", "USER", [], 331],
      ["command", "PASS", [], 230],
      ["command", "TYPE", [], 200],
      ["command", "PASV", [], 227],
    ]);
    expect(result.diagnostics).toEqual([]);
  });

  test("a dropped command: the reply goes to the later command it fits; the dropped one gets no-reply", () => {
    const result = run(`
      S: 220 ready
      @10
      C: USER anonymous
      @10.1
      S: 331 password please
      @25
      C: CWD ${"a".repeat(5000)}
      @40
      C: QUIT
      @40.001
      S: 221 Goodbye.
    `);
    expect(result.exchanges.map(shape)).toEqual([
      ["greeting", undefined, [], 220],
      ["command", "USER", [], 331],
      ["command", "CWD", [], undefined],
      ["command", "QUIT", [], 221],
    ]);
    expect(result.diagnostics.map((d) => [d.type, d.command?.verb])).toEqual([["no-reply", "CWD"]]);
    expect(result.exchanges[2]!.endTs).toBeUndefined();
    expect(result.state.pendingCommands).toBe(0);
  });

  test("a command sent after the reply came cannot be what it answers (timing bounds the scoring)", () => {
    // A transcript whose client clock runs late: QUIT is stamped after the 221, so the 221 stays with CWD.
    const result = run(`
      S: 220 ready
      @1
      C: CWD x
      @3
      C: QUIT
      @2
      S: 221 Goodbye.
    `);
    expect(result.exchanges.slice(1).map(shape)).toEqual([
      ["command", "CWD", [], 221],
      ["command", "QUIT", [], undefined],
    ]);
    expect(result.diagnostics.map((d) => d.type)).toEqual(["invalid-reply", "unanswered-command"]);
  });

  test("a dropped USER teaches nothing: the user in effect is the one the server answered", () => {
    const result = run(`
      S: 220 ready
      C: USER ${"b".repeat(600)}
      C: USER carol
      S: 331 Password required for carol
      C: PASS secret
      S: 230 logged in
    `);
    expect(result.exchanges.slice(1).map(shape)).toEqual([
      ["command", "USER", [], undefined],
      ["command", "USER", [], 331],
      ["command", "PASS", [], 230],
    ]);
    expect(result.exchanges[1]!.diagnostics.map((d) => d.type)).toEqual(["no-reply"]);
    expect(result.exchanges[3]!.user).toBe("carol");
    expect(result.state.loggedIn).toBe(true);
  });

  test("ABOR during a transfer: 426 closes RETR, 226 answers ABOR", () => {
    const result = run(`
      S: 220 ready
      C: RETR big
      S: 150 here it comes
      C: ABOR
      S: 426 Connection closed; transfer aborted.
      S: 226 Closing data connection.
    `);
    expect(result.exchanges.slice(1).map(shape)).toEqual([
      ["command", "RETR", [150], 426],
      ["command", "ABOR", [], 226],
    ]);
    expect(result.diagnostics).toEqual([]);
  });

  test("a reply not valid for its command is a diagnostic and is still paired", () => {
    const result = run(`
      S: 220 ready
      C: EPSV
      S: 227 Entering Passive Mode (127,0,0,1,4,1)
      C: USER x
      S: 150 what?
      S: 331 pw
    `);
    expect(result.exchanges.slice(1).map(shape)).toEqual([
      ["command", "EPSV", [], 227],
      ["command", "USER", [150], 331],
    ]);
    expect(result.diagnostics.map((d) => [d.type, d.command?.verb, d.reply?.code])).toEqual([
      ["invalid-reply", "EPSV", 227],
      ["invalid-reply", "USER", 150],
    ]);
    expect(result.exchanges[1]!.diagnostics).toHaveLength(1);
    // The endpoint is still decoded from the wrong-but-readable reply.
    expect(result.exchanges[1]!.dataChannel).toEqual({ passive: true, host: "127.0.0.1", port: 1025 });
  });

  test("a reply with no command waiting is an unmatched-reply exchange", () => {
    const result = run(`
      S: 220 ready
      C: STOR f
      S: 150 ok
      S: 226 done
      S: 226 done again
    `);
    expect(result.exchanges.map(shape)).toEqual([
      ["greeting", undefined, [], 220],
      ["command", "STOR", [150], 226],
      ["unmatched-reply", undefined, [], 226],
    ]);
    expect(result.diagnostics.map((d) => [d.type, d.reply?.code])).toEqual([["unmatched-reply", 226]]);
  });

  test("end() emits commands still waiting, in order, without a final reply", () => {
    const result = run(`
      S: 220 ready
      C: RETR a
      S: 150 ok
      C: NOOP
    `);
    expect(result.exchanges.map(shape)).toEqual([
      ["greeting", undefined, [], 220],
      ["command", "RETR", [150], undefined],
      ["command", "NOOP", [], undefined],
    ]);
    expect(result.diagnostics.map((d) => [d.type, d.command?.verb])).toEqual([
      ["unanswered-command", "RETR"],
      ["unanswered-command", "NOOP"],
    ]);
  });

  test("end() emits a greeting that got only its 120", () => {
    const result = run("S: 120 wait");
    expect(result.exchanges.map(shape)).toEqual([["greeting", undefined, [120], undefined]]);
  });

  test("6xx protected replies (RFC 2228) are final replies of MIC/CONF/ENC", () => {
    const result = run(`
      S: 220 ready
      C: ENC c29tZXRoaW5n
      S: 633 b3RoZXI=
      C: MIC abc
      S: 631 eHl6
    `);
    expect(result.exchanges.slice(1).map(shape)).toEqual([
      ["command", "ENC", [], 633],
      ["command", "MIC", [], 631],
    ]);
    expect(result.diagnostics).toEqual([]);
  });

  test("too many pending commands: the oldest is given up, memory stays bounded", () => {
    const emitted: Exchange[] = [];
    const session = createSession({ onExchange: (e) => emitted.push(e), maxPendingCommands: 3 });
    session.reply(reply("220 ready"));
    for (let i = 0; i < 5; i++) session.command(command("NOOP"));
    expect(session.state.pendingCommands).toBe(3);
    expect(emitted.slice(1).map((e) => e.diagnostics.map((d) => d.type))).toEqual([
      ["too-many-pending"],
      ["too-many-pending"],
    ]);
  });

  test("too many preliminary replies: the rest are not kept, once flagged", () => {
    const emitted: Exchange[] = [];
    const session = createSession({ maxPreliminaryReplies: 2, onExchange: (e) => emitted.push(e) });
    session.reply(reply("220 ready"));
    session.command(command("STOR f"));
    for (let i = 0; i < 5; i++) session.reply(reply("110 MARK 1 = 1"));
    session.reply(reply("226 ok"));
    expect(emitted[1]!.preliminary).toHaveLength(2);
    expect(emitted[1]!.diagnostics.map((d) => d.type)).toEqual(["too-many-preliminary"]);
  });

  test("a reply the parser dropped (lostReply) keeps the later replies paired", () => {
    const emitted: Exchange[] = [];
    const session = createSession({ onExchange: (e) => emitted.push(e) });
    const parser = createReplyParser(
      { onReply: (r) => session.reply(r), onError: (e) => session.lostReply(e.code) },
      { maxReplySize: 200 },
    );
    parser.feed("220 hi\r\n");
    session.command(command("FEAT"));
    session.command(command("NOOP"));
    parser.feed(`211-Features:\r\n${" X\r\n".repeat(100)}211 End\r\n200 ok\r\n`);
    session.end();
    expect(emitted.map(shape)).toEqual([
      ["greeting", undefined, [], 220],
      ["command", "FEAT", [], undefined],
      ["command", "NOOP", [], 200],
    ]);
    expect(emitted[1]!.diagnostics.map((d) => d.type)).toEqual(["lost-reply"]);
    expect(emitted[1]!.diagnostics[0]!.message).toContain("211");
    // A lost 1xx is only noted: the final reply still closes the command.
    const other: Exchange[] = [];
    const second = createSession({ onExchange: (e) => other.push(e), expectGreeting: false });
    second.command(command("RETR f"));
    second.lostReply(150);
    second.reply(reply("226 ok"));
    second.lostReply();
    expect(other.map(shape)).toEqual([["command", "RETR", [], 226]]);
    expect(other[0]!.diagnostics.map((d) => d.type)).toEqual(["lost-reply"]);
    second.command(command("NOOP"));
    second.reply(reply("200 ok"));
    // A lost reply with nothing waiting is carried to the next exchange.
    expect(other[1]!.diagnostics.map((d) => d.type)).toEqual(["lost-reply"]);
  });

  test("many pipelined commands pair in linear time (queue compaction keeps order)", () => {
    const emitted: Exchange[] = [];
    const session = createSession({ onExchange: (e) => emitted.push(e) });
    session.reply(reply("220 ready"));
    const n = 3000;
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 1000; i++) session.command(command(`SIZE f${round * 1000 + i}`));
      for (let i = 0; i < 1000; i++) session.reply(reply(`213 ${round * 1000 + i}`));
    }
    expect(emitted).toHaveLength(n + 1);
    expect(emitted.slice(1).every((e) => e.fileSize === Number(e.command!.arg.slice(1)))).toBe(true);
  });
});

/** A command of `verbs` with 1xx replies it may get and one final reply it may get, per the §5.4 table. */
function commandStep(verbs: readonly string[], maxPreliminary: number) {
  return fc.constantFrom(...verbs).chain((verb) => {
    const table = repliesForCommand(verb)!;
    return fc.record({
      verb: fc.constant(verb),
      preliminary:
        table.preliminary.length === 0
          ? fc.constant<number[]>([])
          : fc.array(fc.constantFrom(...table.preliminary), { maxLength: maxPreliminary }),
      final: fc.constantFrom(...table.final),
    });
  });
}

describe("pairing properties", () => {
  const step = commandStep(
    ["RETR", "STOR", "LIST", "NLST", "MLSD", "APPE", "NOOP", "TYPE", "MODE", "PORT", "CWD", "SIZE"],
    3,
  );

  propertyTest.prop([fc.array(step, { maxLength: 30 }), fc.integer({ min: 1, max: 8 })])(
    "whatever the pipelining depth, each command gets exactly its own replies, in order",
    (script, depth) => {
      const events: DialogueEvent[] = [{ type: "reply", reply: reply("220 ready") }];
      let sent = 0;
      let answered = 0;
      while (answered < script.length) {
        // The client keeps up to `depth` commands in flight; the server answers the oldest.
        while (sent < script.length && sent - answered < depth) {
          events.push({ type: "command", command: command(`${script[sent]!.verb} x${sent}`) });
          sent++;
        }
        const step = script[answered]!;
        for (const code of step.preliminary)
          events.push({ type: "reply", reply: reply(`${code} for x${answered}`) });
        events.push({ type: "reply", reply: reply(`${step.final} for x${answered}`) });
        answered++;
      }
      const result = runDialogue(events);
      const commands = result.exchanges.filter((e) => e.kind === "command");
      expect(commands).toHaveLength(script.length);
      commands.forEach((exchange, i) => {
        expect(exchange.command!.arg).toBe(`x${i}`);
        expect(exchange.preliminary.map((r) => r.code)).toEqual(script[i]!.preliminary);
        expect(exchange.final!.code).toBe(script[i]!.final);
        // Every reply names the command it was sent for.
        expect(exchange.replies.every((r) => r.text.endsWith(`x${i}`))).toBe(true);
      });
      // The only diagnostic: a `213 for x…` to SIZE is not a size (RFC 3659 §4.2).
      expect(
        result.diagnostics.filter((d) => !(d.type === "malformed-reply" && d.reply?.code === 213)),
      ).toEqual([]);
      expect(result.state.pendingCommands).toBe(0);
    },
  );
});

describe("scored pairing properties", () => {
  const step = commandStep(
    ["RETR", "STOR", "LIST", "NOOP", "TYPE", "MODE", "PORT", "CWD", "SIZE", "DELE", "MKD", "USER"],
    2,
  );

  propertyTest.prop([
    fc
      .array(step, { minLength: 2, maxLength: 12 })
      .chain((script) => fc.tuple(fc.constant(script), fc.integer({ min: 0, max: script.length - 2 }))),
  ])(
    "a pipelined command the server drops gets no-reply; every other keeps exactly its own replies",
    ([script, dropped]) => {
      const events: DialogueEvent[] = [{ type: "reply", reply: reply("220 ready") }];
      script.forEach((s, i) => {
        events.push({ type: "command", command: command(`${s.verb} x${i}`) });
      });
      script.forEach((s, i) => {
        if (i === dropped) return; // the server ignores this one
        for (const code of s.preliminary) events.push({ type: "reply", reply: reply(`${code} for x${i}`) });
        events.push({ type: "reply", reply: reply(`${s.final} for x${i}`) });
      });
      const result = runDialogue(events);
      const commands = result.exchanges.filter((e) => e.kind === "command");
      expect(commands.map((e) => e.command!.arg)).toEqual(script.map((_, i) => `x${i}`));
      commands.forEach((exchange, i) => {
        if (i === dropped) {
          expect(exchange.replies).toEqual([]);
          expect(exchange.diagnostics.map((d) => d.type)).toEqual(["no-reply"]);
          return;
        }
        expect(exchange.preliminary.map((r) => r.code)).toEqual(script[i]!.preliminary);
        expect(exchange.final!.code).toBe(script[i]!.final);
        expect(exchange.diagnostics.filter((d) => d.type !== "malformed-reply")).toEqual([]);
      });
    },
  );
});

describe("diagnostic messages", () => {
  test("each says what happened, naming the command and reply", () => {
    const result = run(
      `
      S: 150 early
      S: 220 hi
      C: USER x
      S: 150 odd
      S: 331 pw
      C:
      S: 500 empty
      S: 226 stray
      C: PORT 10,0,0,9,4,1
      S: 200 ok
      C: PASV
      S: 227 Entering Passive Mode (10,0,0,8,4,1)
      C: STOR f
      S: 150 a
      S: 150 b
      C: NOOP
      C: NOOP
    `,
      {
        maxPreliminaryReplies: 1,
        maxPendingCommands: 1,
        endpoints: { clientHost: "10.0.0.1", serverHost: "10.0.0.2" },
      },
    );
    expect(result.diagnostics.map((d) => d.message)).toEqual([
      "greeting 150 is not 120, 220 or 421 (RFC 959 §5.4)",
      "reply 150 is not valid for USER (RFC 959 §5.4)",
      "reply 226 came while no command was waiting",
      "PORT names 10.0.0.9, not the client's address 10.0.0.1 (FTP bounce, RFC 2577 §3)",
      "227 reply names 10.0.0.8, not the server's address 10.0.0.2",
      "more than 1 preliminary replies to STOR; the rest are not kept",
      "more than 1 commands waiting for replies; STOR given up",
      "more than 1 commands waiting for replies; NOOP given up",
      "NOOP got no final reply before the session ended",
    ]);
    const empty = result.exchanges.find((e) => e.command?.verb === "");
    expect(empty!.final!.code).toBe(500);
    const missing = run("C: NOOP\nS: 200 ok");
    expect(missing.diagnostics[0]!.message).toBe("a reply (200) to a command came before any greeting");
    const unanswered = run("S: 220 hi\nC:");
    expect(unanswered.diagnostics[0]!.message).toBe(
      "an empty command line got no final reply before the session ended",
    );
  });
});

describe("session state for the analyst", () => {
  test("user, masked password, login success and failure", () => {
    const result = run(`
      S: 220 ready
      C: USER alice
      S: 331 pw
      C: PASS wrong
      S: 530 Login incorrect.
      C: USER alice
      S: 331 pw
      C: PASS s3cret
      S: 230 Login successful.
    `);
    const [, user1, pass1, , pass2] = result.exchanges;
    expect(user1!.user).toBe("alice");
    expect(pass1!.login).toBe("failure");
    expect(pass2!.login).toBe("success");
    expect(result.state.failedLogins).toBe(1);
    expect(result.state.loggedIn).toBe(true);
    // The password never appears anywhere: not in arg, line, raw, or the exchange.
    for (const ex of [pass1!, pass2!]) {
      expect(ex.command!.arg).toBe("<hidden>");
      expect(ex.command!.line).toBe("PASS <hidden>");
      expect(new TextDecoder().decode(ex.command!.raw)).toBe("PASS <hidden>\r\n");
      expect(ex.password).toBe("<hidden>");
    }
    expect(JSON.stringify(result)).not.toMatch(/s3cret|wrong/);
  });

  test("recordPasswords: true keeps them; 'guest' keeps only anonymous ones; the mask is configurable", () => {
    const script = `
      S: 220 ready
      C: USER anonymous
      S: 331 pw
      C: PASS me@example.com
      S: 230 ok
      C: USER bob
      S: 331 pw
      C: PASS hunter2
      S: 230 ok
    `;
    const all = run(script, { recordPasswords: true });
    expect(all.exchanges.filter((e) => e.command?.verb === "PASS").map((e) => e.command!.arg)).toEqual([
      "me@example.com",
      "hunter2",
    ]);
    const guest = run(script, { recordPasswords: "guest", passwordMask: "***" });
    expect(guest.exchanges.filter((e) => e.command?.verb === "PASS").map((e) => e.password)).toEqual([
      "me@example.com",
      "***",
    ]);
  });

  test("USER answered 230 logs in directly; REIN logs out", () => {
    const result = run(`
      S: 220 ready
      C: USER ftp
      S: 230 ok
      C: REIN
      S: 220 ready again
    `);
    expect(result.exchanges[1]!.login).toBe("success");
    expect(result.state.loggedIn).toBe(false);
    expect(result.state.user).toBeUndefined();
  });

  test("cwd from 257 replies and successful CWD/CDUP; MKD's 257 does not move it", () => {
    const result = run(`
      S: 220 ready
      C: PWD
      S: 257 "/home/a ""quoted""" is the current directory
      C: CWD sub
      S: 250 ok
      C: CWD /nope
      S: 550 No such directory
      C: MKD /other
      S: 257 "/other" created
      C: CDUP
      S: 250 ok
      C: RETR ../x/file.bin
      S: 550 nope
      C: XCWD /var/tmp/./logs/..
      S: 250 ok
    `);
    const cwds = result.exchanges.map((e) => e.cwd);
    expect(cwds).toEqual([
      undefined,
      undefined,
      '/home/a "quoted"',
      '/home/a "quoted"/sub',
      '/home/a "quoted"/sub',
      '/home/a "quoted"/sub',
      '/home/a "quoted"',
      '/home/a "quoted"',
    ]);
    expect(result.exchanges[6]!.path).toBe("/home/x/file.bin");
    expect(result.state.cwd).toBe("/var/tmp");
  });

  test("a relative CWD with an unknown directory leaves it unknown", () => {
    const result = run("S: 220 hi\nC: CWD pub\nS: 250 ok\nC: RETR a\nS: 550 no");
    expect(result.state.cwd).toBeUndefined();
    expect(result.exchanges[2]!.path).toBeUndefined();
  });

  test("TYPE is tracked on 200 only", () => {
    const result = run(`
      S: 220 hi
      C: TYPE i
      S: 200 Switching to Binary mode.
      C: TYPE X
      S: 504 no
      C: NOOP
      S: 200 ok
    `);
    expect(result.state.type).toBe("I");
    expect(result.exchanges[3]!.type).toBe("I");
  });

  test("data channels: PASV, EPSV, LPSV replies and PORT, EPRT, LPRT arguments", () => {
    const result = run(`
      S: 220 hi
      C: PASV
      S: 227 Entering Passive Mode (192,168,1,20,195,80).
      C: LIST
      S: 150 Here comes the directory listing.
      S: 226 Directory send OK.
      C: EPSV
      S: 229 Entering Extended Passive Mode (|||50001|)
      C: PORT 10,0,0,5,4,1
      S: 200 PORT command successful.
      C: EPRT |2|::1|6275|
      S: 200 EPRT command successful.
      C: EPRT |1|132.235.1.2|6276|
      S: 200 ok
      C: LPRT 6,16,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,2,19,136
      S: 200 ok
      C: LPSV
      S: 228 Entering Long Passive Mode (4,4,10,1,2,3,2,4,1)
      C: RETR f
      S: 150 Opening (12 bytes)
      S: 226 done
    `);
    const channels = result.exchanges.slice(1).map((e) => [e.command!.verb, e.dataChannel]);
    expect(channels).toEqual([
      ["PASV", { passive: true, host: "192.168.1.20", port: 195 * 256 + 80 }],
      ["LIST", { passive: true, host: "192.168.1.20", port: 195 * 256 + 80 }],
      ["EPSV", { passive: true, port: 50001 }],
      ["PORT", { passive: false, host: "10.0.0.5", port: 1025 }],
      ["EPRT", { passive: false, host: "::1", port: 6275 }],
      ["EPRT", { passive: false, host: "132.235.1.2", port: 6276 }],
      ["LPRT", { passive: false, host: "::1", port: 5000 }],
      ["LPSV", { passive: true, host: "10.1.2.3", port: 1025 }],
      ["RETR", { passive: true, host: "10.1.2.3", port: 1025 }],
    ]);
    expect(result.state.dataChannel).toEqual({ passive: true, host: "10.1.2.3", port: 1025 });
  });

  test("a refused PORT does not change the data channel in effect; malformed arguments give none", () => {
    const result = run(`
      S: 220 hi
      C: PASV
      S: 227 Entering Passive Mode (1,2,3,4,0,21)
      C: PORT 10,0,0,5,4
      S: 501 bad
      C: PORT 10,0,0,5,4,1
      S: 500 refused
      C: EPRT |3|x|1|
      S: 522 Network protocol not supported, use (1,2)
    `);
    expect(result.exchanges[2]!.dataChannel).toBeUndefined();
    expect(result.exchanges[3]!.dataChannel).toEqual({ passive: false, host: "10.0.0.5", port: 1025 });
    expect(result.exchanges[4]!.dataChannel).toBeUndefined();
    expect(result.state.dataChannel).toEqual({ passive: true, host: "1.2.3.4", port: 21 });
  });

  test("PORT, EPRT and LPRT arguments are read strictly: the whole argument, ports 1-65535", () => {
    const channels = (args: string[]) =>
      runDialogue(
        args.flatMap((arg) => [{ type: "command" as const, command: command(arg) }]),
        {
          expectGreeting: false,
        },
      ).exchanges.map((e) => e.dataChannel);
    expect(
      channels([
        "PORT 10,0,0,5,4,1 ",
        "PORT 10,0,0,5,4,1,9",
        "PORT 10,0,0,5,0,0",
        "PORT 10,0,0,5,4,256",
        "PORT x10,0,0,5,4,1",
        "EPRT |1|10.0.0.1|5000|junk",
        "EPRT |1|10.0.0.1|0|",
        "EPRT |1|10.0.0.1|65536|",
        "EPRT |3|10.0.0.1|5000|",
        "EPRT 1|10.0.0.1|5000|",
        "LPRT 4,4,10,0,0,1,2,4,1",
        "LPRT 4,4,10,0,0,1,1,4",
        "LPRT 4,4,10,0,0,1,2,4,1,7",
        "LPRT 6,4,10,0,0,1,2,4,1",
      ]),
    ).toEqual([
      { passive: false, host: "10.0.0.5", port: 1025 },
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      { passive: false, host: "10.0.0.1", port: 1025 },
      undefined,
      undefined,
      undefined,
    ]);
  });

  test("with the connection's endpoints: EPSV gets the server's address; foreign data addresses are flagged", () => {
    const script = `
      S: 220 hi
      C: EPSV
      S: 229 Entering Extended Passive Mode (|||50001|)
      C: PASV
      S: 227 Entering Passive Mode (10,0,0,1,4,1)
      C: PASV
      S: 227 Entering Passive Mode (192,168,7,7,4,1)
      C: RETR f
      S: 150 ok
      S: 226 ok
      C: PORT 192,168,1,2,4,1
      S: 200 ok
      C: EPRT |1|203.0.113.9|25|
      S: 200 ok
      C: EPRT |2|::ffff:192.168.1.2|5000|
      S: 200 ok
    `;
    const result = run(script, { endpoints: { clientHost: "192.168.1.2", serverHost: "::ffff:10.0.0.1" } });
    expect(result.exchanges[1]!.dataChannel).toEqual({ passive: true, host: "10.0.0.1", port: 50001 });
    expect(result.diagnostics.map((d) => [d.type, d.command?.line])).toEqual([
      ["foreign-data-address", "PASV"],
      ["foreign-data-address", "EPRT |1|203.0.113.9|25|"],
    ]);
    expect(result.diagnostics[1]!.message).toContain("RFC 2577");
    // The transfer after the foreign PASV uses that channel but is not flagged again.
    expect(result.exchanges[4]!.diagnostics).toEqual([]);
    // Without endpoints nothing is flagged and EPSV has no host.
    const bare = run(script);
    expect(bare.diagnostics).toEqual([]);
    expect(bare.exchanges[1]!.dataChannel).toEqual({ passive: true, port: 50001 });
  });

  test("sizes: 150 (N bytes) on a transfer, 213 on SIZE; a 213 to MDTM is not a size", () => {
    const result = run(`
      S: 220 hi
      C: SIZE file.iso
      S: 213 4294967296
      C: MDTM file.iso
      S: 213 20240101120000
      C: RETR file.iso
      S: 150 Opening BINARY mode data connection for file.iso (4294967296 bytes).
      S: 226 ok
      C: RETR (1) copy.txt
      S: 150 Opening data connection for (1) copy.txt.
      S: 226 ok
    `);
    expect(result.exchanges.slice(1).map((e) => e.fileSize)).toEqual([
      4294967296,
      undefined,
      4294967296,
      undefined,
    ]);
  });

  test("timing: start, end and duration from the timestamps given", () => {
    const result = run(`
      @100
      S: 220 hi
      @100.5
      C: RETR a
      @101
      S: 150 ok
      @103.25
      S: 226 ok
      @104
      C: NOOP
    `);
    const [greeting, retr, noop] = result.exchanges;
    expect([greeting!.startTs, greeting!.endTs, greeting!.duration]).toEqual([100, 100, 0]);
    expect([retr!.startTs, retr!.endTs, retr!.duration]).toEqual([100.5, 103.25, 2.75]);
    expect([noop!.startTs, noop!.endTs, noop!.duration]).toEqual([104, undefined, undefined]);
    const untimed = run("S: 220 hi\nC: NOOP\nS: 200 ok");
    expect(untimed.exchanges[1]!.duration).toBeUndefined();
  });

  test("replies the session reads but cannot decode are malformed-reply diagnostics; state is kept", () => {
    const result = run(`
      S: 220 hi
      C: PWD
      S: 257 "/a ""b"""
      C: PASV
      S: 227 Entering Passive Mode (10,0,0,300,4,1)
      C: EPSV
      S: 229 Entering Extended Passive Mode (|1|10.0.0.1|4000|)
      C: SIZE f
      S: 213 12 bytes
      C: PWD
      S: 257 "/unterminated
      C: RETR f
      S: 150 Opening BINARY mode data connection for f (99999999999999999999 bytes)
      S: 226 ok
    `);
    expect(result.diagnostics.map((d) => [d.type, d.reply?.code])).toEqual([
      ["malformed-reply", 227],
      ["malformed-reply", 229],
      ["malformed-reply", 213],
      ["malformed-reply", 257],
      ["malformed-reply", 150],
    ]);
    expect(result.diagnostics[0]!.message).toContain("parsePasv");
    const [, pwd, pasv, epsv, size, pwd2, retr] = result.exchanges;
    expect(pwd!.diagnostics).toEqual([]);
    expect(pasv!.dataChannel).toBeUndefined();
    expect(epsv!.dataChannel).toBeUndefined();
    expect(size!.fileSize).toBeUndefined();
    expect(pwd2!.diagnostics.map((d) => d.type)).toEqual(["malformed-reply"]);
    expect(retr!.fileSize).toBeUndefined();
    expect(result.state.cwd).toBe('/a "b"');
    expect(result.state.dataChannel).toBeUndefined();
  });

  test("EPRT addresses are validated and written in canonical form", () => {
    const result = run(`
      S: 220 hi
      C: EPRT |2|2001:DB8:0:0:0:0:0:1|5000|
      S: 200 ok
      C: EPRT |1|10.0.0.256|5000|
      S: 200 ok
      C: EPRT !1!10.0.0.1!5001!
      S: 200 ok
    `);
    expect(result.exchanges.slice(1).map((e) => e.dataChannel)).toEqual([
      { passive: false, host: "2001:db8::1", port: 5000 },
      undefined,
      { passive: false, host: "10.0.0.1", port: 5001 },
    ]);
  });

  test("AUTH TLS marks the session secured", () => {
    const result = run("S: 220 hi\nC: AUTH TLS\nS: 234 Proceed with negotiation.");
    expect(result.state.secured).toBe(true);
  });
});

describe("helpers", () => {
  test("resolvePath", () => {
    expect(resolvePath("/a/b", "../c")).toBe("/a/c");
    expect(resolvePath("/", "../../x")).toBe("/x");
    expect(resolvePath(undefined, "/abs//x/./y")).toBe("/abs/x/y");
    expect(resolvePath(undefined, "rel")).toBeUndefined();
    expect(resolvePath("/a", "b/")).toBe("/a/b");
  });
});
