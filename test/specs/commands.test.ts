/** Runs test/specs/commands.md through the command parser, in every chunking. */
import { describe, expect, test } from "vitest";
import { type CommandParserOptions, createCommandParser } from "../../src/index.js";
import { chunkings, cut, readSpec, specBytes } from "./spec.js";

function run(chunks: readonly Uint8Array[], options: CommandParserOptions): string[] {
  const events: string[] = [];
  const parser = createCommandParser(
    {
      onCommand: (c) =>
        events.push(
          `command ${JSON.stringify(c.verb).slice(1, -1)}${c.truncated ? " truncated" : ""} ${JSON.stringify(c.arg)} @${c.offset}+${c.byteLength}`,
        ),
      onError: (error) => events.push(`error ${error.type} @${error.offset}`),
      onWarning: (warning) => events.push(`warning ${warning.type} @${warning.offset}`),
      onTelnet: (t) =>
        events.push(`telnet ${t.name}${t.option === undefined ? "" : ` ${t.option}`} @${t.offset}`),
    },
    options,
  );
  for (const chunk of chunks) parser.feed(chunk);
  parser.end();
  return events;
}

describe.each(readSpec("commands.md"))("$title", ({ options, input, events }) => {
  test("whole, byte by byte and split at every position", () => {
    const bytes = specBytes(input.join(""));
    for (const { name, cuts } of chunkings(bytes.length)) {
      expect(run(cut(bytes, cuts), options as CommandParserOptions), name).toEqual(events);
    }
  });
});
