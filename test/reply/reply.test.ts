import { inspect } from "node:util";
import { describe, expect, test } from "vitest";
import { createReply, createReplyParser, describeCode, parseReplies, type Reply } from "../../src/index.js";

const encoder = new TextEncoder();

/** Replies of `input` fed as one chunk big enough for the parser's window fast path (lazy raw and lines). */
function fastReplies(input: string): Reply[] {
  const replies: Reply[] = [];
  const parser = createReplyParser({
    onReply: (r) => replies.push(r),
    onError: (e) => expect.fail(e.message),
  });
  // Padded past the parser's 256-byte small-chunk threshold with replies of its own.
  parser.feed(encoder.encode(input + "200 padding\r\n".repeat(30)));
  parser.end();
  return replies.slice(0, replies.length - 30);
}

describe("Reply objects", () => {
  test("lines of a single-line reply are made from the code and the text, as sent", () => {
    const [spaced, bare, bareCrLf, emptyText, tabbed] = fastReplies(
      "220 ready\r\n200\n226\r\n331 \r\n250 \ttab\r\n",
    );
    expect(spaced!.lines).toEqual(["220 ready"]);
    expect(bare!.lines).toEqual(["200"]);
    expect(bareCrLf!.lines).toEqual(["226"]);
    expect(emptyText!.lines).toEqual(["331 "]);
    expect(emptyText!.text).toBe("");
    expect(tabbed!.lines).toEqual(["250 \ttab"]);
    expect(tabbed!.text).toBe("\ttab");
  });

  test("raw is a view of the reply's bytes, the same object on every read, and survives the caller's buffer", () => {
    const input = encoder.encode(`220 hi\r\n211-a\r\n b\r\n211 c\r\n${"200 padding\r\n".repeat(30)}`);
    const replies: Reply[] = [];
    const parser = createReplyParser({ onReply: (r) => replies.push(r), onError: () => {} });
    parser.feed(input);
    input.fill(0); // the caller reuses its buffer
    const [single, multi] = replies;
    expect(new TextDecoder().decode(single!.raw)).toBe("220 hi\r\n");
    expect(new TextDecoder().decode(multi!.raw)).toBe("211-a\r\n b\r\n211 c\r\n");
    expect(single!.raw).toBe(single!.raw);
    expect(multi!.lines).toBe(multi!.lines);
    expect(single!.raw.length).toBe(single!.byteLength);
    expect(multi!.offset).toBe(8);
  });

  test("raw of replies fed in small chunks from one reused buffer stays each reply's own bytes", () => {
    const text = Array.from({ length: 2000 }, (_, i) => `200 reply number ${i}\r\n`).join("");
    const input = encoder.encode(text);
    const replies: Reply[] = [];
    const parser = createReplyParser({ onReply: (r) => replies.push(r), onError: () => {} });
    const buffer = new Uint8Array(100); // the caller's socket buffer, overwritten for every chunk
    for (let at = 0; at < input.length; at += 100) {
      const piece = input.subarray(at, at + 100);
      buffer.set(piece);
      parser.feed(buffer.subarray(0, piece.length));
      buffer.fill(0x58);
    }
    parser.end();
    expect(replies).toHaveLength(2000);
    const decoder = new TextDecoder();
    // Many replies share a slab (16 KiB each): none may overwrite another's bytes.
    expect(replies.map((r) => decoder.decode(r.raw))).toEqual(
      Array.from({ length: 2000 }, (_, i) => `200 reply number ${i}\r\n`),
    );
  });

  test("info is the shared entry of the code table", () => {
    const [reply] = fastReplies("227 Entering Passive Mode (127,0,0,1,4,1).\r\n");
    expect(reply!.info).toBe(describeCode(227));
  });

  test("JSON and Node's inspector show the eight fields of Reply", () => {
    const [reply] = fastReplies("230 Login successful.\r\n");
    const json = JSON.parse(JSON.stringify(reply));
    expect(Object.keys(json).sort()).toEqual(
      ["byteLength", "code", "info", "lines", "multiline", "offset", "raw", "text"].sort(),
    );
    expect(json.lines).toEqual(["230 Login successful."]);
    expect(json.info.meaning.en).toBe(describeCode(230).meaning.en);
    const shown = inspect(reply);
    expect(shown).toContain("lines: [ '230 Login successful.' ]");
    expect(shown).toContain("text: 'Login successful.'");
    expect(shown).toContain("raw: Uint8Array(");
  });

  test("only the plain fields are own properties: keys, spreads and structured clones hold no internals", () => {
    for (const reply of [...fastReplies("220 ready\r\n211-a\r\n211 b\r\n"), ...parseReplies("200 ok\r\n")]) {
      expect(Object.keys(reply).sort()).toEqual(["byteLength", "code", "multiline", "offset", "text"]);
      const clone = structuredClone(reply);
      expect(clone).toEqual({ ...reply });
      expect(Object.keys(clone).sort()).toEqual(["byteLength", "code", "multiline", "offset", "text"]);
    }
  });

  test("replies of the fast path and of the general path read the same", () => {
    const input = "220 a\r\n211-b\r\n c\r\n211 d\r\n200\r\n";
    const general = parseReplies(input); // one small chunk: the general path
    const fast = fastReplies(input);
    expect(JSON.stringify(fast)).toBe(JSON.stringify(general));
    expect(fast.map((r) => r.lines)).toEqual([["220 a"], ["211-b", " c", "211 d"], ["200"]]);
  });

  test("createReply keeps the parts it is given", () => {
    const raw = encoder.encode("200 ok\r\n");
    const reply = createReply(200, ["200 ok"], "ok", false, raw, 5, 8);
    expect(reply.raw).toBe(raw);
    expect(reply.lines).toEqual(["200 ok"]);
    expect({
      code: reply.code,
      text: reply.text,
      offset: reply.offset,
      byteLength: reply.byteLength,
    }).toEqual({
      code: 200,
      text: "ok",
      offset: 5,
      byteLength: 8,
    });
  });
});
