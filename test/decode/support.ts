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
  const replies = parseReplies(input, { maxLineLength: 8 * MEBIBYTE });
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

const MEBIBYTE = 1 << 20;

/**
 * The length of the hostile inputs: a megabyte (2^20 characters), far above any real reply, so a decoder that
 * went quadratic or recursed per character would show. Under mutation testing (FTP_REPLY_MUTATION=1, set by
 * stryker.config.mjs for the decode modules) it is 16 KiB, still far above any real reply: Stryker's
 * instrumentation makes every character cost ~100 times more, and megabyte inputs took tens of seconds per
 * mutant. The linear-cost guarantee is measured by the bench (bench/), not by these tests, so the smaller size
 * under mutation loses no check of behaviour; `npm test` always runs the megabyte.
 */
export const HOSTILE_LENGTH = process.env.FTP_REPLY_MUTATION === "1" ? 1 << 14 : MEBIBYTE;

/** HOSTILE_LENGTH characters of `unit` repeated, cut to length. */
export function hostileOf(unit: string): string {
  return unit.repeat(Math.ceil(HOSTILE_LENGTH / unit.length)).slice(0, HOSTILE_LENGTH);
}

// Property tests: plain fast-check in ordinary vitest tests (see test/helpers/properties.ts for why).
export { configureProperties, propertyTest } from "../helpers/properties.js";
