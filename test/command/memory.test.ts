/** The command parser's memory budget (docs/memory.md): its splitter only, whatever the client sends. */
import { describe, expect, test } from "vitest";
import { createCommandParser } from "../../src/command/parser.js";
import { bytes, chunkSize, commandPiece } from "../helpers/hostile.js";
import { chunksOf, commandParserBound, retainedBytesOf } from "../helpers/memory.js";
import { configureProperties, fc, propertyTest } from "../helpers/properties.js";

configureProperties();

describe("the command parser's budget holds under worst cases", () => {
  test("the accounting counts an unfinished line", () => {
    const parser = createCommandParser({ onCommand() {} });
    const empty = retainedBytesOf(parser);
    parser.feed("STOR ".padEnd(5000, "y"));
    expect(retainedBytesOf(parser) - empty).toBeGreaterThanOrEqual(5000);
  });

  test("a 4 MiB chunk without a line end holds the limit, not the chunk", () => {
    const parser = createCommandParser({ onCommand() {}, onError() {} }, { maxLineLength: 1024 });
    parser.feed(new Uint8Array(4 * 1024 * 1024).fill(0x61));
    expect(retainedBytesOf(parser)).toBeLessThanOrEqual(commandParserBound(1024));
    parser.feed(bytes("\r\n"));
    parser.feed(bytes("x".repeat(3000), new Uint8Array(4 * 1024 * 1024).fill(0x62), "\r\n"));
    expect(retainedBytesOf(parser)).toBeLessThanOrEqual(commandParserBound(1024));
  });

  propertyTest.prop([fc.array(commandPiece, { maxLength: 10 }), fc.constantFrom(16, 300, 4096), chunkSize])(
    "after every chunk, what the parser holds is within its bound",
    (pieces, maxLineLength, size) => {
      const parser = createCommandParser({ onCommand() {}, onError() {}, onWarning() {} }, { maxLineLength });
      const bound = commandParserBound(maxLineLength);
      const chunks = chunksOf(bytes(...pieces), size);
      const every = Math.max(1, Math.floor(chunks.length / 200));
      chunks.forEach((chunk, i) => {
        parser.feed(chunk);
        if (i % every === 0) expect(retainedBytesOf(parser)).toBeLessThanOrEqual(bound);
      });
      parser.end();
      expect(retainedBytesOf(parser)).toBeLessThanOrEqual(bound);
    },
    60_000,
  );
});
