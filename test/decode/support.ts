import { expect } from "vitest";
import {
  parseReplies,
  type Reply,
  ReplyRangeError,
  type ReplyRangeErrorType,
  ReplySyntaxError,
  type ReplySyntaxErrorType,
} from "../../src/index.js";

/** The one reply the parser makes of `wire` (CR LF added when missing). */
export function reply(wire: string | Uint8Array): Reply {
  let input = wire;
  if (typeof wire === "string") {
    if (!wire.endsWith("\n")) input = `${wire}\r\n`;
  } else if (wire[wire.length - 1] !== 0x0a) {
    const withEnd = new Uint8Array(wire.length + 2);
    withEnd.set(wire);
    withEnd.set([0x0d, 0x0a], wire.length);
    input = withEnd;
  }
  // Room for the megabyte-long hostile replies (the parser's default line limit is 1 MiB).
  const replies = parseReplies(input, { maxLineLength: 8 * MEGABYTE });
  expect(replies).toHaveLength(1);
  return replies[0]!;
}

/** Runs `run`, expects it to throw a decoder error of `type`, and returns it. */
export function syntaxErrorOf(run: () => unknown, type: ReplySyntaxErrorType): ReplySyntaxError {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ReplySyntaxError);
  expect(thrown).toBeInstanceOf(SyntaxError);
  expect((thrown as ReplySyntaxError).type).toBe(type);
  return thrown as ReplySyntaxError;
}

export function rangeErrorOf(run: () => unknown, type: ReplyRangeErrorType): ReplyRangeError {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ReplyRangeError);
  expect(thrown).toBeInstanceOf(RangeError);
  expect((thrown as ReplyRangeError).type).toBe(type);
  return thrown as ReplyRangeError;
}

/** A megabyte (2^20 characters) of `unit` repeated, cut to length. */
export const MEGABYTE = 1 << 20;
export function megabyteOf(unit: string): string {
  return unit.repeat(Math.ceil(MEGABYTE / unit.length)).slice(0, MEGABYTE);
}
