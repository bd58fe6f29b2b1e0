/**
 * The comma-separated number runs of 227 and 228 replies (`192,168,1,2,4,210`), found by one forward scan, and
 * of PORT and LPRT arguments.
 *
 * A chain starts at a digit with no digit before it and goes on while a comma (blanks allowed around it) is
 * followed by another number. A chain that is not the one wanted is skipped whole, so every character is looked
 * at a bounded number of times: linear in the text, whatever a server sends.
 */
import { COMMA, DIGIT_0, HYPHEN, isDigit, PLUS, skipBlanks } from "./message.js";

/** Numbers are kept exactly up to here; anything larger only needs to be known as "too large". */
const SATURATION = 10_000_000;

export interface NumberChain {
  /** Index of the chain's first digit. */
  readonly start: number;
  /** Index after the last digit of its last number. */
  readonly end: number;
  /** How many numbers the chain holds (all of them, also those past `maxKept`). */
  readonly count: number;
  /** The first `maxKept` numbers; a value of 10 000 000 or more stands for any larger number. */
  readonly values: readonly number[];
  /** Index of the first digit of each kept number. */
  readonly offsets: readonly number[];
}

/**
 * Reads the chain whose first digit is at `start` into `values`/`offsets` (emptied first: one pair of arrays
 * serves every chain of a scan, so skipping a megabyte of one-number chains allocates nothing).
 */
function readChain(
  text: string,
  start: number,
  maxKept: number,
  values: number[],
  offsets: number[],
): NumberChain {
  values.length = 0;
  offsets.length = 0;
  let count = 0;
  let i = start;
  let end = start;
  for (;;) {
    const numberStart = i;
    let value = 0;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (!isDigit(c)) break;
      if (value < SATURATION) value = value * 10 + (c - DIGIT_0);
      i++;
    }
    if (count < maxKept) {
      values.push(value);
      offsets.push(numberStart);
    }
    count++;
    end = i;
    const comma = skipBlanks(text, i);
    if (comma >= text.length || text.charCodeAt(comma) !== COMMA) break;
    const next = skipBlanks(text, comma + 1);
    if (next >= text.length || !isDigit(text.charCodeAt(next))) break;
    i = next;
  }
  return { start, end, count, values, offsets };
}

/** The first chain of at least `minCount` numbers, or undefined. Shorter chains are skipped. */
export function findNumberChain(text: string, minCount: number, maxKept: number): NumberChain | undefined {
  const values: number[] = [];
  const offsets: number[] = [];
  let i = 0;
  while (i < text.length) {
    if (!isDigit(text.charCodeAt(i))) {
      i++;
      continue;
    }
    // Here the character before `i` is never a digit: the scan only stops on a digit after a non-digit.
    const chain = readChain(text, i, maxKept, values, offsets);
    if (chain.count >= minCount) return chain;
    i = chain.end;
  }
  return undefined;
}

/**
 * The chain whose first digit is at `start` (the caller has checked that there is one), for text that must be a
 * chain and nothing else: the PORT and LPRT arguments of port.ts.
 */
export function readNumberChain(text: string, start: number, maxKept: number): NumberChain {
  return readChain(text, start, maxKept, [], []);
}

/** True when a sign directly precedes `index`: `(-1,2,…` holds a negative number, not a 1. */
export function signBefore(text: string, index: number): boolean {
  if (index === 0) return false;
  const c = text.charCodeAt(index - 1);
  return c === HYPHEN || c === PLUS;
}
