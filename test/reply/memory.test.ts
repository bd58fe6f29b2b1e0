/**
 * What a kept reply holds: only its own bytes (a copy of exactly its length, made when `raw` is first read, or at
 * once when its lines are not their text in UTF-8), never the chunk it came in nor the caller's buffer.
 */
import { describe, expect, test } from "vitest";
import { createReplyParser, parseReplies, type Reply } from "../../src/index.js";

const encoder = new TextEncoder();

function collect(chunks: readonly Uint8Array[], options = {}): Reply[] {
  const replies: Reply[] = [];
  const parser = createReplyParser({ onReply: (r) => replies.push(r), onError() {} }, options);
  for (const chunk of chunks) parser.feed(chunk);
  parser.end();
  return replies;
}

describe("a kept reply holds its own bytes only", () => {
  test("100 replies of 13 bytes in one 64 KiB chunk: each raw is a buffer of 13 bytes", () => {
    const chunk = new Uint8Array(64 * 1024).fill(0x20);
    const line = encoder.encode("200 ok now!\r\n");
    expect(line.length).toBe(13);
    for (let i = 0; i < 100; i++) chunk.set(line, i * 13);
    // … the rest of the chunk is one long line of spaces, not a reply.
    chunk[chunk.length - 2] = 0x0d;
    chunk[chunk.length - 1] = 0x0a;
    const replies = collect([chunk]);
    expect(replies).toHaveLength(100);
    for (const r of replies) {
      expect(r.raw.buffer.byteLength).toBe(13);
      expect(r.raw.buffer).not.toBe(chunk.buffer);
    }
  });

  test("replies whose bytes are not their text (Telnet, latin1, invalid UTF-8) copy exactly their bytes", () => {
    const telnet = Uint8Array.of(...encoder.encode("220 a"), 0xff, 0xf1, ...encoder.encode("b\r\n"));
    const invalid = Uint8Array.of(...encoder.encode("550 "), 0xe9, ...encoder.encode("\r\n"));
    const padding = new Uint8Array(4096).fill(0x41);
    padding[4094] = 0x0d;
    padding[4095] = 0x0a;
    const chunk = Uint8Array.of(...telnet, ...invalid, ...padding);
    for (const options of [{}, { encoding: "latin1" }]) {
      const [a, b] = collect([chunk], options);
      expect(Array.from(a!.raw)).toEqual(Array.from(telnet));
      expect(a!.raw.buffer.byteLength).toBe(telnet.length);
      expect(Array.from(b!.raw)).toEqual(Array.from(invalid));
      expect(b!.raw.buffer.byteLength).toBe(invalid.length);
    }
  });

  test("a multi-line reply over many chunks: raw is one buffer of its length, equal to the stream's bytes", () => {
    const text = `211-Features:\r\n${" FEAT\r\n".repeat(500)}211 End\r\n`;
    const bytes = encoder.encode(text);
    for (const size of [1, 7, 1460, 65536]) {
      const chunks: Uint8Array[] = [];
      for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.slice(at, at + size));
      const [reply] = collect(chunks);
      expect(reply!.raw.buffer.byteLength).toBe(bytes.length);
      expect(Array.from(reply!.raw)).toEqual(Array.from(bytes));
    }
  });

  test("mixed terminators (LF and CR LF in one reply) are kept exactly", () => {
    const bytes = encoder.encode("211-a\n b\r\n211 c\n");
    const [reply] = parseReplies(bytes);
    expect(Array.from(reply!.raw)).toEqual(Array.from(bytes));
    expect(reply!.raw.buffer.byteLength).toBe(bytes.length);
  });

  test("raw never aliases the caller's buffer, and the caller may reuse it after feed returns", () => {
    const buffer = encoder.encode("220 hello there\r\n");
    const [reply] = collect([buffer]);
    buffer.fill(0);
    expect(new TextDecoder().decode(reply!.raw)).toBe("220 hello there\r\n");
  });
});

describe("a long multi-line reply is held a block of lines at a time", () => {
  // 20 000 lines (more than two blocks of 8192): inner lines that repeat the own code (`211-`) lose it in the
  // text, others keep theirs.
  const inner = Array.from({ length: 20_000 }, (_, i) => (i % 7 === 0 ? `211-item ${i}` : ` file ${i} é`));
  const lines = ["211-Start", ...inner, "211 End"];
  const text = ["Start", ...inner.map((l) => (l.startsWith("211-") ? l.slice(4) : l)), "End"].join("\n");

  test.each([1, 7, 1460, 65536])("lines, text and raw as sent, in chunks of %i", (size) => {
    const bytes = encoder.encode(`${lines.join("\r\n")}\r\n`);
    const chunks: Uint8Array[] = [];
    for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.slice(at, at + size));
    const [reply] = collect(chunks);
    expect(reply!.text).toBe(text);
    expect(reply!.lines).toEqual(lines);
    expect(Array.from(reply!.raw)).toEqual(Array.from(bytes));
    expect(reply!.byteLength).toBe(bytes.length);
  });

  test("a line that is not its text (Telnet) after thousands: raw still exact, mixed terminators too", () => {
    const head = encoder.encode(`${lines.slice(0, 9000).join("\r\n")}\r\n`);
    const odd = Uint8Array.of(...encoder.encode(" a"), 0xff, 0xf1, ...encoder.encode("b\n"));
    const tail = encoder.encode(`${lines.slice(9000).join("\n")}\n`);
    const bytes = new Uint8Array(head.length + odd.length + tail.length);
    bytes.set(head);
    bytes.set(odd, head.length);
    bytes.set(tail, head.length + odd.length);
    for (const size of [3, 4096]) {
      const chunks: Uint8Array[] = [];
      for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.slice(at, at + size));
      const [reply] = collect(chunks);
      expect(Array.from(reply!.raw)).toEqual(Array.from(bytes));
      expect(reply!.lines).toEqual([...lines.slice(0, 9000), " ab", ...lines.slice(9000)]);
    }
  });

  test("the stream ends inside a long reply: truncated with every byte so far", () => {
    const bytes = encoder.encode(`${lines.slice(0, 17_000).join("\r\n")}\r\n 17000 partial`);
    const errors: { type: string; raw: Uint8Array | undefined }[] = [];
    const parser = createReplyParser({ onReply() {}, onError: (e) => errors.push(e) });
    parser.feed(bytes);
    parser.end();
    expect(errors.map((e) => e.type)).toEqual(["truncated"]);
    expect(Array.from(errors[0]!.raw!)).toEqual(Array.from(bytes));
  });
});
