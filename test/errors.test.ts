/**
 * The typed errors of the reply and command streams (src/errors.ts, src/commands.ts). They are made without a
 * stack trace — they describe bytes, not code, and capturing one cost five times what parsing the bad line did —
 * and the global setting that turns capture off is given back at once. An error thrown to the caller by
 * `parseReplies` / `parseCommands` does carry the caller's stack.
 */
import { describe, expect, test } from "vitest";
import { type CommandParseError, createCommandParser, parseCommands } from "../src/command/parser.js";
import type { ReplyParseError } from "../src/errors.js";
import { createReplyParser, parseReplies } from "../src/reply/parser.js";

const v8Error = Error as ErrorConstructor & { stackTraceLimit?: number };

function streamedReplyErrors(input: string): ReplyParseError[] {
  const errors: ReplyParseError[] = [];
  const parser = createReplyParser({ onReply: () => {}, onError: (e) => errors.push(e) });
  parser.feed(input);
  parser.end();
  return errors;
}

describe("errors of a stream carry no stack trace, and leave the global setting as it was", () => {
  test("a reply stream's errors: the stack is the error's one-line header", () => {
    const before = v8Error.stackTraceLimit;
    const errors = streamedReplyErrors("xx\r\n\r\n200 ok\r\n421 cut");
    expect(errors.map((e) => e.type)).toEqual(["unexpected-line", "unexpected-line", "truncated"]);
    for (const error of errors) {
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe("ReplyParseError");
      expect(error.stack).toBe(`ReplyParseError: ${error.message}`);
    }
    expect(v8Error.stackTraceLimit).toBe(before);
    expect(new Error("after").stack?.split("\n").length).toBeGreaterThan(1);
  });

  test("a command stream's warnings and errors too", () => {
    const before = v8Error.stackTraceLimit;
    const problems: CommandParseError[] = [];
    const splitter = createCommandParser({
      onCommand: () => {},
      onError: (e) => problems.push(e),
      onWarning: (w) => problems.push(w),
    });
    splitter.feed("\r\nUSER x\r\nPAS");
    splitter.end();
    expect(problems.map((p) => p.type)).toEqual(["invalid-verb", "truncated"]);
    for (const problem of problems) expect(problem.stack).toBe(`CommandParseError: ${problem.message}`);
    expect(v8Error.stackTraceLimit).toBe(before);
  });

  test("a user's own stackTraceLimit is kept, whatever its value", () => {
    const before = v8Error.stackTraceLimit;
    try {
      v8Error.stackTraceLimit = 3;
      streamedReplyErrors("xx\r\n");
      expect(v8Error.stackTraceLimit).toBe(3);
      v8Error.stackTraceLimit = Number.POSITIVE_INFINITY;
      streamedReplyErrors("xx\r\n");
      expect(v8Error.stackTraceLimit).toBe(Number.POSITIVE_INFINITY);
    } finally {
      v8Error.stackTraceLimit = before;
    }
  });
});

describe("an engine without V8's stackTraceLimit (Firefox, Safari)", () => {
  test("the setting is neither read into being nor created: errors are still typed and complete", () => {
    const before = v8Error.stackTraceLimit;
    try {
      delete (Error as { stackTraceLimit?: number }).stackTraceLimit;
      const errors = streamedReplyErrors("xx\r\n");
      expect(errors.map((e) => [e.type, e.offset])).toEqual([["unexpected-line", 0]]);
      expect("stackTraceLimit" in Error).toBe(false);
    } finally {
      v8Error.stackTraceLimit = before;
    }
  });
});

describe("an error thrown to the caller has the caller's stack", () => {
  test("parseReplies", function callsParseReplies() {
    let thrown: unknown;
    try {
      parseReplies("200 ok\r\nxx\r\n");
    } catch (error) {
      thrown = error;
    }
    const error = thrown as ReplyParseError & { replies: unknown[] };
    expect(error.type).toBe("unexpected-line");
    expect(error.replies).toHaveLength(1);
    const frames = error.stack!.split("\n").slice(1);
    expect(frames.length).toBeGreaterThan(0);
    expect(frames[0]).toContain("callsParseReplies");
  });

  test("parseCommands", function callsParseCommands() {
    let thrown: unknown;
    try {
      parseCommands("USER x\r\nPAS");
    } catch (error) {
      thrown = error;
    }
    const error = thrown as CommandParseError;
    expect(error.type).toBe("truncated");
    expect(error.stack!.split("\n")[1]).toContain("callsParseCommands");
  });
});
