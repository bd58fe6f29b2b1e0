import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { parsePathname, parsePathnameBytes, parseReplies } from "../../src/index.js";
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

  test("raw bytes: Telnet commands are skipped, IAC IAC is 0xFF", () => {
    // 257 "/a<IAC IAC>b<IAC NOP>c<IAC WILL 1>d<IAC SB 24 1 IAC SE>e"
    const wire = bytesOf(
      '257 "/a',
      [0xff, 0xff],
      "b",
      [0xff, 0xf1],
      "c",
      [0xff, 0xfb, 0x01],
      "d",
      [0xff, 0xfa, 0x18, 0x22, 0x01, 0xff, 0xf0],
      'e"\r\n',
    );
    const r = reply(wire);
    expect(parsePathnameBytes(r)).toEqual(bytesOf("/a", [0xff], "bcde"));
    // With Telnet off in the parser, 0xFF bytes are data, and the decoder must be told the same.
    const plain = parseReplies(bytesOf('257 "/a', [0xff, 0xfe], '"\r\n'), { telnet: false })[0]!;
    expect(parsePathnameBytes(plain, { telnet: false })).toEqual(bytesOf("/a", [0xff, 0xfe]));
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
      .filter((b) => !b.some((x) => x === 0 || x === 10 || x === 13)),
  ])("round trip on bytes: any path bytes, quotes doubled and 0xFF sent as IAC IAC", (path) => {
    const escaped: number[] = [];
    for (const b of path) {
      escaped.push(b);
      if (b === 0x22 || b === 0xff) escaped.push(b);
    }
    const r = reply(bytesOf('257 "', escaped, '" created\r\n'));
    expect(parsePathnameBytes(r)).toEqual(path);
  });
});
