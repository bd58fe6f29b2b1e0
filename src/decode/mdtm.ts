/**
 * 213 reply to MDTM (RFC 3659 §3): `YYYYMMDDHHMMSS[.sss]`, always UTC (§2.3).
 *
 * RFC 3659 §2.3 ranges: year 1000–9999, month 01–12, day 01–31 (and valid for the month), hour 00–23, minute
 * 00–59, second 00–60 (60 only for a leap second). Impossible dates are a `ReplyRangeError`, never rolled over
 * into the next month the way `Date.UTC` would. The decoded instant stays in 1000–9999 too: the one leap second
 * that would roll over into year 10000 (`99991231235960`) is refused.
 */
import {
  DIGIT_0,
  FULL_STOP,
  isDigit,
  type ReplyInput,
  rangeError,
  readMessage,
  skipBlanks,
  syntaxError,
  trimmedEnd,
} from "./message.js";

const DECODER = "parseModifyTime";
const CODES = [213];
const TIME_DIGITS = 14;
const LAST_YEAR = 9999;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/**
 * Decodes a 213 reply to MDTM (or its message text) to a `Date` (UTC). Fractions finer than a millisecond are
 * truncated; a leap second (`…235960`) is the first instant of the next day, as POSIX time counts it.
 * The result's UTC year is always 1000–9999.
 * Throws `ReplySyntaxError` (`unexpected-code`, `missing-value`, `malformed-value`: not exactly 14 digits, a
 * `.` without digits, other text) or `ReplyRangeError` `date-out-of-range` (a field out of its range, or the
 * leap second at the end of 9999, which would be year 10000).
 */
export function parseModifyTime(input: ReplyInput): Date {
  const message = readMessage(input, DECODER, CODES);
  const text = message.text;
  const start = skipBlanks(text, 0);
  const end = trimmedEnd(text, start);
  if (start === end) throw syntaxError(message, "missing-value", "no time value", 0);
  let i = start;
  while (i < end && isDigit(text.charCodeAt(i))) i++;
  if (i - start !== TIME_DIGITS) {
    throw syntaxError(message, "malformed-value", "time value is not 14 digits (YYYYMMDDHHMMSS)", start);
  }
  let milliseconds = 0;
  if (i < end) {
    if (text.charCodeAt(i) !== FULL_STOP) {
      throw syntaxError(message, "malformed-value", "unexpected text after the time value", i);
    }
    const fractionStart = i + 1;
    i = fractionStart;
    while (i < end && isDigit(text.charCodeAt(i))) {
      const digit = text.charCodeAt(i) - DIGIT_0;
      const place = i - fractionStart;
      if (place < 3) milliseconds += digit * 10 ** (2 - place);
      i++;
    }
    if (i === fractionStart) throw syntaxError(message, "malformed-value", "no digits after '.'", i - 1);
    if (i < end) throw syntaxError(message, "malformed-value", "unexpected text after the time value", i);
  }
  const field = (offset: number, length: number): number => {
    let value = 0;
    for (let k = 0; k < length; k++) value = value * 10 + (text.charCodeAt(start + offset + k) - DIGIT_0);
    return value;
  };
  const year = field(0, 4);
  const month = field(4, 2);
  const day = field(6, 2);
  const hour = field(8, 2);
  const minute = field(10, 2);
  const second = field(12, 2);
  if (year < 1000) throw rangeError(message, "date-out-of-range", "year before 1000", start);
  if (month < 1 || month > 12)
    throw rangeError(message, "date-out-of-range", "month is not 01-12", start + 4);
  const monthDays = month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]!;
  if (day < 1 || day > monthDays) {
    throw rangeError(message, "date-out-of-range", `day is not 01-${monthDays}`, start + 6);
  }
  if (hour > 23) throw rangeError(message, "date-out-of-range", "hour is not 00-23", start + 8);
  if (minute > 59) throw rangeError(message, "date-out-of-range", "minute is not 00-59", start + 10);
  // A leap second is inserted at the end of a UTC day only (23:59:60).
  const leapSecond = second === 60 && hour === 23 && minute === 59;
  if (second > 59 && !leapSecond) {
    throw rangeError(message, "date-out-of-range", "second is not 00-59 (60 only at 23:59)", start + 12);
  }
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, leapSecond ? 59 : second, milliseconds);
  if (leapSecond) {
    // 9999-12-31 23:59:60 would be 10000-01-01T00:00:00Z: out of the 4-digit years RFC 3659 §2.3 allows.
    if (year === LAST_YEAR && month === 12 && day === 31) {
      throw rangeError(
        message,
        "date-out-of-range",
        "a leap second at the end of 9999 is past year 9999",
        start + 12,
      );
    }
    date.setTime(date.getTime() + 1000);
  }
  return date;
}
