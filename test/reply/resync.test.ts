/**
 * Resync (issue 15): after any error — a line past the limit, a reply past its size, a bad code, Telnet garbage — a
 * valid reply on the next line is delivered, whatever the chunking.
 */
import { describe, expect } from "vitest";
import { createReplyParser, type ReplyParseError } from "../../src/index.js";
import { bytes, chunkSize, replyErrorPiece } from "../helpers/hostile.js";
import { chunksOf } from "../helpers/memory.js";
import { configureProperties, fc, propertyTest } from "../helpers/properties.js";

configureProperties();

const limits = fc.record({
  maxLineLength: fc.constantFrom(16, 64, 1024),
  maxReplySize: fc.constantFrom(64, 4096),
  retainLines: fc.boolean(),
});

describe("the reply parser resyncs at the next line after any error", () => {
  propertyTest.prop([
    limits.chain((options) =>
      fc.tuple(
        fc.constant(options),
        fc.array(fc.array(replyErrorPiece(options), { maxLength: 3 }), { maxLength: 8 }),
      ),
    ),
    chunkSize,
  ])("every valid reply after errors is delivered, in order", ([options, groups], size) => {
    const sent: string[] = [];
    const parts: Uint8Array[] = [];
    groups.forEach((errors, i) => {
      parts.push(...errors);
      const marker = `250 m${i}`;
      sent.push(marker);
      parts.push(bytes(`${marker}\r\n`));
    });
    const input = bytes(...parts);
    const markers: string[] = [];
    const errors: ReplyParseError[] = [];
    const parser = createReplyParser(
      {
        onReply: (r) => {
          if (r.code === 250) markers.push(`${r.code} ${r.text}`);
        },
        onError: (e) => errors.push(e),
      },
      options,
    );
    for (const chunk of chunksOf(input, size)) parser.feed(chunk);
    parser.end();
    expect(markers).toEqual(sent);
    // Every piece is an error, but a reply past maxReplySize when lines are not retained (no size applies then).
    if (options.retainLines && groups.some((g) => g.length > 0)) expect(errors.length).toBeGreaterThan(0);
    expect(errors.map((e) => e.type)).not.toContain("truncated");
  });
});
