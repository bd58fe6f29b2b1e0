/**
 * The saved real-server sessions (fixtures/servers/, recorded by interop.test.ts with FTP_REPLY_RECORD=1),
 * parsed without a server: every reply file must parse cleanly, whole and byte by byte, into exactly the reply
 * lines of its transcript, and the lines must be the file's CRLF-terminated lines as an independent split finds them.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import {
  createReplyParser,
  parsePathname,
  parseReplies,
  type Reply,
  type ReplyParseError,
} from "../../src/index.js";
import { FIXTURES_ROOT, repliesPath, SESSION_NAMES, transcriptPath } from "./fixtures.js";
import { SERVER_NAMES } from "./servers.js";

const CR = 0x0d;
const LF = 0x0a;

/** The file's lines, split at CRLF by a plain loop (not by the parser under test), decoded as UTF-8. */
function crlfLines(bytes: Uint8Array): { lines: string[]; rest: number } {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const lines: string[] = [];
  let start = 0;
  for (let i = 0; i + 1 < bytes.length; i++) {
    if (bytes[i] === CR && bytes[i + 1] === LF) {
      lines.push(decoder.decode(bytes.subarray(start, i)));
      start = i + 2;
      i++;
    }
  }
  return { lines, rest: bytes.length - start };
}

function byteByByte(bytes: Uint8Array): { replies: Reply[]; errors: ReplyParseError[] } {
  const replies: Reply[] = [];
  const errors: ReplyParseError[] = [];
  const parser = createReplyParser({
    onReply: (reply) => replies.push(reply),
    onError: (error) => errors.push(error),
  });
  for (let i = 0; i < bytes.length; i++) parser.feed(bytes.subarray(i, i + 1));
  parser.end();
  return { replies, errors };
}

describe.each(SERVER_NAMES)("recorded %s sessions", (server) => {
  test("VERSION and README say where the bytes came from", () => {
    const version = readFileSync(join(FIXTURES_ROOT, server, "VERSION"), "utf8").trim();
    expect(version).toMatch(/^\d+\.\d+/);
    const readme = readFileSync(join(FIXTURES_ROOT, server, "README.md"), "utf8");
    expect(readme).toContain(`# ${server} ${version}`);
    expect(readme).toContain("Recorded from");
  });

  test.each(SESSION_NAMES)("%s: the replies match the transcript", (session) => {
    const path = repliesPath(server, session);
    expect(existsSync(path), `${path} is missing`).toBe(true);
    const bytes = new Uint8Array(readFileSync(path));
    const transcript = readFileSync(transcriptPath(server, session), "utf8").split("\n");
    expect(transcript.pop()).toBe("");
    const serverLines = transcript.filter((line) => line.startsWith("S: ")).map((line) => line.slice(3));
    const commands = transcript.filter((line) => line.startsWith("C: "));
    expect(serverLines.length + commands.length).toBe(transcript.length);

    const replies = parseReplies(bytes);
    expect(replies.flatMap((reply) => reply.lines)).toEqual(serverLines);
    // Independently of the parser: the file is these CRLF lines and nothing else.
    const split = crlfLines(bytes);
    expect(split.rest).toBe(0);
    expect(split.lines).toEqual(serverLines);
    // No byte lost or counted twice: the replies tile the file, in order.
    let offset = 0;
    for (const reply of replies) {
      expect(reply.offset).toBe(offset);
      expect(reply.byteLength).toBe(reply.raw.length);
      expect(reply.raw).toEqual(bytes.subarray(offset, offset + reply.byteLength));
      expect(reply.lines[0]?.slice(0, 3)).toBe(String(reply.code));
      offset += reply.byteLength;
    }
    expect(offset).toBe(bytes.length);

    // However the network had cut them: one byte at a time gives the same replies.
    const slow = byteByByte(bytes);
    expect(slow.errors).toEqual([]);
    expect(slow.replies.map((reply) => [reply.code, reply.lines, reply.offset])).toEqual(
      replies.map((reply) => [reply.code, reply.lines, reply.offset]),
    );

    // The first reply is the greeting; a session that ended with QUIT ends with 221.
    expect(replies[0]?.code).toBe(220);
    if (commands.at(-1) === "C: QUIT") expect(replies.at(-1)?.code).toBe(221);
  });

  test("the user session's 257 replies name the folders it created", () => {
    const replies = parseReplies(new Uint8Array(readFileSync(repliesPath(server, "user"))));
    const paths = replies.filter((reply) => reply.code === 257).map((reply) => parsePathname(reply));
    // PWD at login, then MKD, PWD inside, for each of the two folders (see interop.test.ts for the variants).
    expect(paths).toHaveLength(5);
    expect(paths[0]).toBe("/");
    expect(paths[4]).toBe("/ünïcödé-目录");
    expect(paths[3]?.endsWith("ünïcödé-目录")).toBe(true);
  });
});
