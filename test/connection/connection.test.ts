/**
 * The control connection beyond the specs: problems of both directions in one shape, Telnet from both sides, gaps
 * that keep stream offsets, timestamps on exchanges and problems, the session's state.
 */
import { describe, expect, test } from "vitest";
import { type ConnectionProblem, createControlConnection, type Exchange } from "../../src/index.js";

function collect(options: Parameters<typeof createControlConnection>[0] = {}) {
  const exchanges: Exchange[] = [];
  const problems: ConnectionProblem[] = [];
  const connection = createControlConnection({
    ...options,
    onExchange: (e) => exchanges.push(e),
    onProblem: (p) => problems.push(p),
  });
  return { connection, exchanges, problems };
}

describe("problems of every layer in one shape", () => {
  test("a command line past the limit and a verb that is not letters: layer, type, offset, direction, ts", () => {
    const { connection, problems } = collect({ commands: { maxLineLength: 10 } });
    connection.fromServer("220 hi\r\n", 1);
    connection.fromClient("STOR a-very-long-name\r\n", 2);
    connection.fromClient("\x16\x03 x\r\n", 3);
    connection.end(4);
    const parsed = problems.filter((p) => p.layer === "command");
    expect(parsed.map((p) => [p.type, p.offset, p.direction, p.ts])).toEqual([
      ["line-too-long", 0, "client", 2],
      ["invalid-verb", 23, "client", 3],
    ]);
    expect(parsed[0]!.excerpt).toBe("STOR a-very");
  });

  test("a reply problem names its code; a dialogue problem carries the dialogue's record", () => {
    const { connection, problems } = collect();
    connection.fromServer("220 hi\r\n", 1);
    connection.fromClient("USER a\r\n", 2);
    connection.fromServer("227 wrong (1,2,3,4,5,6)\r\n", 3);
    connection.fromServer("220x\r\n", 4);
    connection.end(5);
    const warning = problems.find((p) => p.type === "missing-space")!;
    expect(warning).toMatchObject({ layer: "reply", code: 220, offset: 33, direction: "server", ts: 4 });
    const invalid = problems.find((p) => p.type === "invalid-reply")!;
    expect(invalid.layer).toBe("dialogue");
    expect(invalid.code).toBe(227);
    expect(invalid.diagnostic?.type).toBe("invalid-reply");
    expect(invalid.direction).toBeUndefined();
  });
});

describe("Telnet from both sides", () => {
  test("onTelnet names the direction", () => {
    const seen: string[] = [];
    const connection = createControlConnection({
      onTelnet: (c, direction) => seen.push(`${direction} ${c.name}`),
    });
    connection.fromServer(Uint8Array.of(0xff, 0xfb, 0x01, ...new TextEncoder().encode("220 hi\r\n")));
    connection.fromClient(Uint8Array.of(0xff, 0xf4, 0xff, 0xf2, ...new TextEncoder().encode("ABOR\r\n")));
    connection.end();
    expect(seen).toEqual(["server WILL", "client IP", "client DM"]);
  });
});

describe("gaps", () => {
  test("a hole drops the unfinished line, keeps offsets those of the whole stream, and reading resumes", () => {
    const { connection, exchanges, problems } = collect();
    connection.fromServer("220 hi\r\n", 1);
    connection.fromClient("USER a\r\nPA", 2);
    // 10 bytes of the client's stream are missing: the rest of "PASS secret\r\n" and more.
    connection.gap("client", 10, 3);
    connection.fromClient("crumbs\r\nQUIT\r\n", 4);
    connection.fromServer("331 pw\r\n230 ok\r\n221 bye\r\n", 5);
    connection.end(6);
    const verbs = exchanges.map((e) => e.command?.line ?? e.kind);
    expect(verbs).toEqual(["greeting", "USER a", "crumbs", "QUIT"]);
    expect(exchanges[3]!.command!.offset).toBe(8 + 2 + 10 + 8);
    expect(problems.filter((p) => p.layer === "command").map((p) => p.type)).toEqual([]);
  });

  test("a hole in the server's stream: the reply cut by it is lost, and the next answers its own command", () => {
    const { connection, exchanges } = collect();
    connection.fromServer("220 hi\r\n", 1);
    connection.fromClient("NOOP\r\nNOOP\r\n", 2);
    connection.fromServer("200 fir", 3);
    connection.gap("server", 5, 4);
    connection.fromServer("x\r\n200 second\r\n", 5);
    connection.end(6);
    // "200 fir" (8–14), 5 bytes missing, then "x\r\n" (20–22, a line outside a reply), "200 second" at 23.
    expect(exchanges.map((e) => e.final?.offset)).toEqual([0, undefined, 23]);
    expect(exchanges[1]!.diagnostics.map((d) => d.type)).toEqual(["lost-reply"]);
  });

  test("a hole inside a multi-line reply: its closing line after the hole answers the command", () => {
    const { connection, exchanges, problems } = collect();
    connection.fromServer("220 hi\r\n", 1);
    connection.fromClient("FEAT\r\nNOOP\r\n", 2);
    connection.fromServer("211-Features:\r\n MD", 3);
    connection.gap("server", 12, 4);
    connection.fromServer("SIZE\r\n211 End\r\n200 ok\r\n", 5);
    connection.end(6);
    expect(exchanges.map((e) => `${e.command?.verb ?? e.kind} ${e.final?.code}`)).toEqual([
      "greeting 220",
      "FEAT 211",
      "NOOP 200",
    ]);
    // The inner line after the hole is a line outside a reply.
    expect(problems.filter((p) => p.layer === "reply").map((p) => p.type)).toEqual(["unexpected-line"]);
  });
});

describe("timestamps and state", () => {
  test("exchanges carry the timestamps of the bytes; state is the session's", () => {
    const { connection, exchanges } = collect();
    connection.fromServer("220 hi\r\n", 10);
    connection.fromClient("USER anonymous\r\n", 11);
    connection.fromServer("230 ok\r\n", 12.5);
    expect(connection.state.loggedIn).toBe(true);
    expect(connection.state.user).toBe("anonymous");
    connection.end(13);
    expect(exchanges[1]).toMatchObject({ startTs: 11, endTs: 12.5, duration: 1.5 });
  });

  test("encryptedAfterAuth: false reads on after 234 (a client hands in its decrypted bytes)", () => {
    const { connection, exchanges, problems } = collect({ encryptedAfterAuth: false });
    connection.fromServer("220 hi\r\n");
    connection.fromClient("AUTH TLS\r\n");
    connection.fromServer("234 go\r\n");
    connection.fromClient("PBSZ 0\r\n");
    connection.fromServer("200 ok\r\n");
    connection.end();
    expect(exchanges.map((e) => e.command?.verb ?? e.kind)).toEqual(["greeting", "AUTH", "PBSZ"]);
    expect(problems.filter((p) => p.type === "encrypted")).toEqual([]);
  });
});

describe("an encoding switch at a point in the stream", () => {
  test("from a callback: the replies after the one being delivered are read in the new encoding, whatever the chunking", () => {
    // 200 to OPTS UTF8 OFF, then a reply in latin1: é is 0xE9, not UTF-8.
    const bytes = Uint8Array.of(
      ...new TextEncoder().encode('220 hi\r\n200 latin1 from here\r\n257 "/caf'),
      0xe9,
      ...new TextEncoder().encode('"\r\n'),
    );
    for (const size of [bytes.length, 1, 5, 1000]) {
      const texts: string[] = [];
      const connection = createControlConnection({
        onReply(reply) {
          texts.push(reply.text);
          if (reply.code === 200) connection.setEncoding("latin1");
        },
      });
      for (let at = 0; at < bytes.length; at += size) connection.fromServer(bytes.subarray(at, at + size));
      connection.end();
      expect(texts, `chunks of ${size}`).toEqual(["hi", "latin1 from here", '"/café"']);
    }
  });

  test("without the switch the same bytes are not UTF-8", () => {
    const texts: string[] = [];
    const connection = createControlConnection({ onReply: (reply) => texts.push(reply.text) });
    connection.fromServer(Uint8Array.of(...new TextEncoder().encode('257 "/caf'), 0xe9, 0x22, 0x0d, 0x0a));
    connection.end();
    expect(texts).toEqual(['"/caf\ufffd"']);
  });

  test("onEncrypted gets the bytes after 234 to AUTH, each direction with its ts; none before, none when read on", () => {
    const seen: Array<[string, string, number | undefined]> = [];
    const onEncrypted = (chunk: Uint8Array, direction: string, ts: number | undefined) =>
      seen.push([direction, new TextDecoder("latin1").decode(chunk), ts]);
    const { connection } = collect({ onEncrypted });
    connection.fromServer(new TextEncoder().encode("220 hi\r\n"), 1);
    connection.fromClient(new TextEncoder().encode("AUTH TLS\r\n"), 2);
    connection.fromServer(new TextEncoder().encode("234 go\r\n"), 3);
    connection.fromClient(Uint8Array.of(0x16, 0x03, 0x01), 4);
    connection.fromServer(Uint8Array.of(0x16, 0x03, 0x03), 5);
    connection.end(6);
    expect(seen).toEqual([
      ["client", "\x16\x03\x01", 4],
      ["server", "\x16\x03\x03", 5],
    ]);
    const readOn = collect({ onEncrypted, encryptedAfterAuth: false });
    seen.length = 0;
    readOn.connection.fromServer("220 hi\r\n");
    readOn.connection.fromClient("AUTH TLS\r\n");
    readOn.connection.fromServer("234 go\r\n");
    readOn.connection.fromClient("PBSZ 0\r\n");
    expect(seen).toEqual([]);
  });
});
