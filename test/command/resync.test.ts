/** Resync (issue 15): after any error or warning in the client's stream, a valid command on the next line is delivered. */
import { describe, expect } from "vitest";
import { createCommandParser } from "../../src/command/parser.js";
import { bytes, chunkSize, commandErrorPiece } from "../helpers/hostile.js";
import { chunksOf } from "../helpers/memory.js";
import { configureProperties, fc, propertyTest } from "../helpers/properties.js";

configureProperties();

describe("the command parser resyncs at the next line after any error", () => {
  propertyTest.prop([
    fc
      .constantFrom(16, 64, 1024)
      .chain((max) =>
        fc.tuple(
          fc.constant(max),
          fc.array(fc.array(commandErrorPiece(max), { maxLength: 3 }), { maxLength: 8 }),
        ),
      ),
    chunkSize,
  ])("every valid command after errors is delivered, in order and whole", ([maxLineLength, groups], size) => {
    const sent: string[] = [];
    const parts: Uint8Array[] = [];
    groups.forEach((errors, i) => {
      parts.push(...errors);
      sent.push(`NOOP m${i}`);
      parts.push(bytes(`NOOP m${i}\r\n`));
    });
    const markers: string[] = [];
    const parser = createCommandParser(
      {
        onCommand: (c) => {
          if (c.verb === "NOOP" && c.arg.startsWith("m"))
            markers.push(`${c.verb} ${c.arg}${c.truncated ? "…" : ""}`);
        },
        onError() {},
        onWarning() {},
      },
      { maxLineLength },
    );
    for (const chunk of chunksOf(bytes(...parts), size)) parser.feed(chunk);
    parser.end();
    expect(markers).toEqual(sent);
  });
});
