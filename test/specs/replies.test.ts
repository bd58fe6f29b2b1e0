/** Runs test/specs/replies.md through the reply parser and a control connection's server side, in every chunking. */
import { describe, expect, test } from "vitest";
import {
  createControlConnection,
  createReplyParser,
  type Reply,
  type ReplyParserOptions,
} from "../../src/index.js";
import { chunkings, cut, readSpec, specBytes } from "./spec.js";

function replyEvent(reply: Reply): string {
  return `reply ${reply.code}${reply.multiline ? " multiline" : ""} ${JSON.stringify(reply.text)} @${reply.offset}+${reply.byteLength}`;
}

function problemEvent(
  kind: string,
  type: string,
  offset: number | undefined,
  code: number | undefined,
): string {
  return `${kind} ${type} @${offset}${code === undefined ? "" : ` code=${code}`}`;
}

/** The reply parser's events, and the replies. */
function viaParser(chunks: readonly Uint8Array[], options: ReplyParserOptions) {
  const events: string[] = [];
  const replies: Reply[] = [];
  const parser = createReplyParser(
    {
      onReply: (reply) => {
        replies.push(reply);
        events.push(replyEvent(reply));
      },
      onError: (error) => events.push(problemEvent("error", error.type, error.offset, error.code)),
      onWarning: (warning) =>
        events.push(problemEvent("warning", warning.type, warning.offset, warning.code)),
      onTelnet: (command) =>
        events.push(
          `telnet ${command.name}${command.option === undefined ? "" : ` ${command.option}`} @${command.offset}`,
        ),
    },
    options,
  );
  for (const chunk of chunks) parser.feed(chunk);
  parser.end();
  return { events, replies };
}

/** The same through the one control connection (server bytes only): the same replies and problems. */
function viaConnection(chunks: readonly Uint8Array[], options: ReplyParserOptions) {
  const events: string[] = [];
  const { encoding, fallbackEncoding, telnet, ...replies } = options;
  const connection = createControlConnection({
    encoding,
    fallbackEncoding,
    telnet,
    replies,
    onReply: (reply) => events.push(replyEvent(reply)),
    onTelnet: (command) =>
      events.push(
        `telnet ${command.name}${command.option === undefined ? "" : ` ${command.option}`} @${command.offset}`,
      ),
    onProblem: (problem) => {
      if (problem.layer === "reply") {
        const kind =
          problem.type === "missing-space" || problem.type === "mismatched-close" ? "warning" : "error";
        events.push(problemEvent(kind, problem.type, problem.offset, problem.code));
      }
    },
  });
  for (const chunk of chunks) connection.fromServer(chunk);
  connection.end();
  return events;
}

describe.each(readSpec("replies.md"))("$title", ({ options, input, events }) => {
  const bytes = specBytes(input.join(""));
  const sorted = (list: readonly string[]) => [...list].sort();

  test("whole, byte by byte and split at every position, through the parser", () => {
    for (const { name, cuts } of chunkings(bytes.length)) {
      const out = viaParser(cut(bytes, cuts), options as ReplyParserOptions);
      // Errors found at a chunk's end (an endless line) may come before a Telnet command of the same line: the
      // events are compared as a set, and replies in order.
      expect(sorted(out.events), name).toEqual(sorted(events));
      expect(
        out.events.filter((e) => e.startsWith("reply")),
        name,
      ).toEqual(events.filter((e) => e.startsWith("reply")));
      for (const reply of out.replies) {
        expect(Array.from(reply.raw), `${name}: raw`).toEqual(
          Array.from(bytes.subarray(reply.offset, reply.offset + reply.byteLength)),
        );
      }
    }
  });

  test("through a control connection, whole and byte by byte", () => {
    for (const { name, cuts } of chunkings(bytes.length).slice(0, 2)) {
      expect(sorted(viaConnection(cut(bytes, cuts), options as ReplyParserOptions)), name).toEqual(
        sorted(events),
      );
    }
  });
});
