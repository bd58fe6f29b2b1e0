import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  createCommandParser,
  createReplyParser,
  parseCommands,
  parsePathname,
  parsePathnameBytes,
  parseReplies,
  type Reply,
  ReplySyntaxError,
} from "../../src/index.js";
import {
  configureProperties,
  HOSTILE_LENGTH,
  hostileOf,
  propertyTest,
  reply,
  syntaxErrorOf,
} from "./support.js";

configureProperties();

const encoder = new TextEncoder();

function bytesOf(...parts: (string | number[])[]): Uint8Array {
  const chunks = parts.map((p) => (typeof p === "string" ? encoder.encode(p) : Uint8Array.from(p)));
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

// Sources: RFC 959 Appendix II (`257 "/usr/dm" created.`, doubled quotes); the texts vsftpd, ProFTPD, IIS and
// IBM z/OS print for PWD/MKD.
const variants: [string, string][] = [
  ['257 "/usr/dm" created.', "/usr/dm"],
  ['257 "/home/user" is the current directory', "/home/user"],
  ['257 "/" is current directory.', "/"],
  ["257 \"'USER1.'\" is working directory.", "'USER1.'"],
  ['257 "/new dir" created', "/new dir"],
  ['257 "/""hello"""', '/"hello"'],
  ['257 "/a""b" created', '/a"b'],
  ['257 """"', '"'],
  ['257 "/ü/日本"', "/ü/日本"],
  ['257 "C:\\Users\\x" is current directory.', "C:\\Users\\x"],
  ['257 "/a" "/b"', "/a"],
  ['257 MKD command successful: "/x" created', "/x"],
];

describe("parsePathname", () => {
  test.each(variants)("%s", (wire, path) => {
    expect(parsePathname(wire)).toBe(path);
    expect(parsePathname(reply(wire))).toBe(path);
    expect(new TextDecoder().decode(parsePathnameBytes(reply(wire)))).toBe(path);
    expect(parsePathnameBytes(wire)).toEqual(encoder.encode(path));
  });

  test("unescaping keeps every other code unit exactly (lone surrogates of a string input too)", () => {
    expect(parsePathname('257 "a""\ud800""b"')).toBe('a"\ud800"b');
    const long = `${"x".repeat(9000)}"${"y".repeat(9000)}`;
    expect(parsePathname(`257 "${long.replaceAll('"', '""')}" created`)).toBe(long);
  });

  test("the message alone and multi-line replies", () => {
    expect(parsePathname('"/srv" is cwd')).toBe("/srv");
    const r = reply('257-Directory status:\r\n257 "/srv/ftp" is the current directory\r\n');
    expect(parsePathname(r)).toBe("/srv/ftp");
    expect(parsePathnameBytes(r)).toEqual(encoder.encode("/srv/ftp"));
  });

  test.each([
    ["257 is the current directory", "missing-value"],
    ["257 /home/user", "missing-value"],
    ['257 "/home/user', "malformed-value"],
    ['257 "/a""', "malformed-value"],
    ['257 "" is the current directory', "malformed-value"],
  ] as const)("rejects %j (%s)", (wire, type) => {
    syntaxErrorOf(() => parsePathname(wire), type);
    syntaxErrorOf(() => parsePathname(reply(wire)), type);
    syntaxErrorOf(() => parsePathnameBytes(reply(wire)), type);
  });

  test("CR, LF and NUL in the path are refused: no command smuggled into a later CWD", () => {
    const nul = syntaxErrorOf(() => parsePathname('257 "/a\u0000b"'), "forbidden-character");
    expect(nul.offset).toBe(3);
    expect(nul.message).toContain("NUL");
    expect(nul.message).toContain("\\u0000"); // quoted, escaped
    syntaxErrorOf(() => parsePathname('257 "/a\rDELE x"'), "forbidden-character");
    syntaxErrorOf(() => parsePathname('257 "/a\nDELE x"'), "forbidden-character");
    // A quoted string spanning lines of a multi-line reply holds a line end.
    const spanning = reply('257-"/a\r\n257 DELE x"\r\n');
    syntaxErrorOf(() => parsePathname(spanning), "forbidden-character");
    syntaxErrorOf(() => parsePathnameBytes(spanning), "forbidden-character");
    // A bare CR is data for the parser (not a line end), so it reaches the decoder.
    const bareCr = reply('257 "/a\rRMD x" created\r\n');
    syntaxErrorOf(() => parsePathname(bareCr), "forbidden-character");
    const bytesError = syntaxErrorOf(() => parsePathnameBytes(bareCr), "forbidden-character");
    expect(bytesError.offset).toBe(7);
    expect(bytesError.decoder).toBe("parsePathnameBytes");
    syntaxErrorOf(() => parsePathnameBytes(reply(bytesOf('257 "/a', [0], 'b"'))), "forbidden-character");
  });

  test("another reply code is rejected", () => {
    syntaxErrorOf(() => parsePathname('250 "/x" is the current directory'), "unexpected-code");
    syntaxErrorOf(() => parsePathname(reply("550 Permission denied")), "unexpected-code");
    syntaxErrorOf(() => parsePathnameBytes(reply("550 Permission denied")), "unexpected-code");
  });

  test("raw bytes: a path not valid in the reply's encoding keeps its bytes", () => {
    // Latin-1 `é` (0xE9) from a server that does not speak UTF-8: the text has U+FFFD, the bytes do not.
    const r = reply(bytesOf('257 "/caf', [0xe9], '" is current directory\r\n'));
    expect(parsePathname(r)).toBe("/caf\ufffd");
    expect(parsePathnameBytes(r)).toEqual(bytesOf("/caf", [0xe9]));
    expect(parsePathnameBytes(r)).toEqual(bytesOf("/caf", [0xe9])); // a copy, not a view: stable on re-read
  });

  test("raw bytes: Telnet commands are skipped", () => {
    // 257 "/a<IAC NOP>b<IAC WILL 1>c<IAC SB 24 " 1 IAC SE>d"
    const wire = bytesOf(
      '257 "/a',
      [0xff, 0xf1],
      "b",
      [0xff, 0xfb, 0x01],
      "c",
      [0xff, 0xfa, 0x18, 0x22, 0x01, 0xff, 0xf0],
      'd"\r\n',
    );
    expect(parsePathnameBytes(reply(wire))).toEqual(bytesOf("/abcd"));
  });

  // The case: `257 "/a<IAC IAC><IP>"` gave 2f 61 ff f4; sent back in a CWD, our own command splitter read
  // Telnet IP and `CWD /a`. A 0xFF path byte is refused like CR, LF and NUL, with the offset of the first IAC.
  test("raw bytes: a 0xFF path byte (IAC IAC) is refused: sent back, it would be a Telnet command", () => {
    const hostile = reply(bytesOf('257 "/a', [0xff, 0xff, 0xf4], '"\r\n'));
    expect(syntaxErrorOf(() => parsePathnameBytes(hostile), "forbidden-character").offset).toBe(7);
    const latin1 = reply(bytesOf('257 "/caf', [0xff, 0xff], '" created\r\n'));
    expect(syntaxErrorOf(() => parsePathnameBytes(latin1), "forbidden-character").message).toContain(
      "IAC (0xFF) in the pathname at 9",
    );
    // With Telnet off in the parser, 0xFF bytes are data, and the decoder must be told the same: still refused.
    const plain = parseReplies(bytesOf('257 "/a', [0xff, 0xf4], '"\r\n'), { telnet: false })[0]!;
    expect(
      syntaxErrorOf(() => parsePathnameBytes(plain, { telnet: false }), "forbidden-character").offset,
    ).toBe(7);
    // What the refusal prevents: the path as the old decoder gave it, sent back, is IP then `CWD /a`.
    const telnet: number[] = [];
    const sentBack = parseCommands(bytesOf("CWD /a", [0xff, 0xf4], "\r\n"), {});
    createCommandParser({ onCommand() {}, onTelnet: (t) => telnet.push(t.command) }).feed(
      bytesOf("CWD /a", [0xff, 0xf4], "\r\n"),
    );
    expect(sentBack.map((c) => c.line)).toEqual(["CWD /a"]);
    expect(telnet).toEqual([0xf4]);
  });

  test("hostile text far longer than any reply", () => {
    syntaxErrorOf(() => parsePathname(`257 ${hostileOf("a")}`), "missing-value");
    syntaxErrorOf(() => parsePathname(`257 "${hostileOf("a")}`), "malformed-value");
    // Doubled quotes all the way to the end: literal quotes, never a closing one.
    syntaxErrorOf(() => parsePathname(`257 "${'a""'.repeat(HOSTILE_LENGTH / 4)}`), "malformed-value");
    // HOSTILE_LENGTH quotes (even): the first opens, the last closes, the pairs between are literal quotes.
    expect(parsePathname(`257 ${hostileOf('"')}`)).toBe('"'.repeat(HOSTILE_LENGTH / 2 - 1));
    const long = parsePathname(`257 "${hostileOf("/abc")}" created`);
    expect(long.length).toBe(HOSTILE_LENGTH);
    const r = reply(`257 "${hostileOf("/abc")}" created`);
    expect(parsePathnameBytes(r).length).toBe(HOSTILE_LENGTH);
    const error = syntaxErrorOf(() => parsePathname(`257 "${hostileOf("a")}\u0000"`), "forbidden-character");
    expect(error.offset).toBe(HOSTILE_LENGTH + 1);
    expect(error.message.length).toBeLessThan(300);
    syntaxErrorOf(() => parsePathnameBytes(reply(`257 "${hostileOf("a")}\r"\r\n`)), "forbidden-character");
  });

  const pathArbitrary = fc
    .string({ unit: "grapheme", minLength: 1, maxLength: 40 })
    .filter((s) => !/[\r\n\u0000]/.test(s));

  propertyTest.prop([pathArbitrary, fc.constantFrom(" created", " is the current directory.", "")])(
    "round trip: quote a path (doubling quotes), decode the same path",
    (path, after) => {
      const wire = `257 "${path.replaceAll('"', '""')}"${after}`;
      expect(parsePathname(wire)).toBe(path);
      expect(parsePathname(reply(wire))).toBe(path);
      expect(parsePathnameBytes(reply(wire))).toEqual(encoder.encode(path));
    },
  );

  propertyTest.prop([
    fc
      .uint8Array({ minLength: 1, maxLength: 60 })
      .filter((b) => !b.some((x) => x === 0 || x === 10 || x === 13 || x === 0xff)),
  ])("round trip on bytes: any path bytes but 0xFF, quotes doubled", (path) => {
    const escaped: number[] = [];
    for (const b of path) {
      escaped.push(b);
      if (b === 0x22) escaped.push(b);
    }
    const r = reply(bytesOf('257 "', escaped, '" created\r\n'));
    expect(parsePathnameBytes(r)).toEqual(path);
  });

  propertyTest.prop([
    fc
      .uint8Array({ minLength: 1, maxLength: 60 })
      .filter((b) => b.includes(0xff) && !b.some((x) => x === 0 || x === 10 || x === 13)),
  ])("any path bytes with a 0xFF (sent as IAC IAC): refused at the first IAC", (path) => {
    const escaped: number[] = [];
    for (const b of path) {
      escaped.push(b);
      if (b === 0x22 || b === 0xff) escaped.push(b);
    }
    const r = reply(bytesOf('257 "', escaped, '" created\r\n'));
    const error = syntaxErrorOf(() => parsePathnameBytes(r), "forbidden-character");
    expect(error.offset).toBe(5 + escaped.indexOf(0xff));
  });

  /** Every byte, with the ones the protocol gives a meaning (quote, IAC and Telnet commands, CR, LF, NUL) often. */
  const anyByte = fc.oneof(
    fc.integer({ min: 0, max: 255 }),
    fc.constantFrom(0x22, 0xff, 0xff, 0xf4, 0xfa, 0xf0, 0xfb, 0x0d, 0x0a, 0x00),
  );

  /** A reply body: any bytes, or any bytes around a quoted run of any bytes (so that paths are often found). */
  const anyBody = fc.oneof(
    fc.array(anyByte, { maxLength: 60 }),
    fc
      .tuple(
        fc.array(anyByte, { maxLength: 8 }),
        fc.array(anyByte, { minLength: 1, maxLength: 40 }),
        fc.array(anyByte, { maxLength: 8 }),
      )
      .map(([before, path, after]) => [...before, 0x22, ...path, 0x22, ...after]),
  );

  propertyTest.prop([anyBody, fc.boolean()])(
    "full byte alphabet: a path with no 0xFF, CR, LF or NUL, or a typed syntax error — never bytes that re-send Telnet",
    (body, telnet) => {
      const raw = bytesOf("257 ", body, "\r\n");
      const replies: Reply[] = [];
      const parser = createReplyParser({ onReply: (r) => replies.push(r), onError() {} }, { telnet });
      parser.feed(raw);
      parser.end();
      fc.pre(replies[0]?.code === 257);
      let path: Uint8Array;
      try {
        path = parsePathnameBytes(replies[0]!, { telnet });
      } catch (error) {
        expect(error).toBeInstanceOf(ReplySyntaxError);
        return;
      }
      expect(path.length).toBeGreaterThan(0);
      for (const b of path) expect([0x00, 0x0a, 0x0d, 0xff]).not.toContain(b);
      // Sent back in a CWD, the path is one command, with no Telnet command in it.
      const telnetSeen: number[] = [];
      const commands: string[] = [];
      const splitter = createCommandParser({
        onCommand: (c) => commands.push(c.verb),
        onTelnet: (t) => telnetSeen.push(t.command),
      });
      splitter.feed(bytesOf("CWD ", Array.from(path), "\r\n"));
      splitter.end();
      expect(commands).toEqual(["CWD"]);
      expect(telnetSeen).toEqual([]);
    },
  );
});
