import { describe, expect, test } from "vitest";
import { createReplyReaderWith } from "../../src/reply/framing.js";
import { makePlainReply, type PlainReply } from "../../src/reply/reply.js";

/** The connection's reply reader, with the replies it gives collected. */
function reader() {
  const replies: PlainReply[] = [];
  const read = createReplyReaderWith(makePlainReply, {
    onReply: (reply) => replies.push(reply),
    onError() {},
  });
  return { read, replies };
}

describe("skip: bytes missing from the stream (a capture's hole)", () => {
  test.each([
    ["226 Transf", 226],
    ["226", 226],
    ["550", 550],
    ["150 Opening", 150],
  ])("a single-line reply cut by the hole (%j before it) is lost: its code is returned", (partial, code) => {
    const { read, replies } = reader();
    read.feed(`200 ok\r\n${partial}`);
    expect(read.skip(40)).toBe(code);
    read.feed("221 bye\r\n");
    expect(replies.map((reply) => [reply.code, reply.offset])).toEqual([
      [200, 0],
      [221, 8 + partial.length + 40],
    ]);
  });

  test.each([
    ["", "nothing was cut"],
    ["22", "fewer than three bytes"],
    ["226-Mult", "the first line of a multi-line reply (its closing line comes after the hole)"],
    ["2269 x", "four digits"],
    ["abc d", "no code"],
    ["22x ", "a code with a letter"],
  ])("nothing is lost when %j was cut: %s", (partial) => {
    const { read } = reader();
    read.feed(`200 ok\r\n${partial}`);
    expect(read.skip(10)).toBe(-1);
  });

  test("a multi-line reply open at the hole is dropped, not lost: -1, and its closing line is read as a reply", () => {
    const { read, replies } = reader();
    read.feed("211-Features:\r\n MDTM\r\n SI");
    expect(read.skip(100)).toBe(-1);
    read.feed("211 End\r\n");
    expect(replies.map((reply) => [reply.code, reply.text, reply.multiline])).toEqual([[211, "End", false]]);
  });

  test("a hole inside a multi-line reply's closing line: the reply was open, so -1 (it was never a single-line reply)", () => {
    const { read, replies } = reader();
    read.feed("211-Features:\r\n MDTM\r\n211 En");
    expect(read.skip(3)).toBe(-1);
    read.feed("200 next\r\n");
    expect(replies.map((reply) => reply.code)).toEqual([200]);
  });
});
