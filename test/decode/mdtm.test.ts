import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { isReplyDecodeError, parseModifyTime, ReplyRangeError } from "../../src/index.js";
import {
  configureProperties,
  hostileOf,
  propertyTest,
  rangeErrorOf,
  reply,
  syntaxErrorOf,
} from "./support.js";

configureProperties();

describe("parseModifyTime", () => {
  // RFC 3659 §3.1 gives `213 19980615100045.014`; servers send 14 digits (vsftpd, ProFTPD) or a fraction (IIS).
  test.each([
    ["213 19980615100045.014", "1998-06-15T10:00:45.014Z"],
    ["213 20240229235959", "2024-02-29T23:59:59.000Z"],
    ["213 20000229000000", "2000-02-29T00:00:00.000Z"],
    ["213 10000101000000", "1000-01-01T00:00:00.000Z"],
    ["213 99991231235959.999", "9999-12-31T23:59:59.999Z"],
    ["213 20240102030405.1", "2024-01-02T03:04:05.100Z"],
    ["213 20240102030405.12", "2024-01-02T03:04:05.120Z"],
    ["213 20240102030405.123456789", "2024-01-02T03:04:05.123Z"],
    ["213  20240102030405 ", "2024-01-02T03:04:05.000Z"],
    // A leap second (RFC 3659 §2.3 allows 60) is the first instant of the next day, as POSIX counts it.
    ["213 20161231235960", "2017-01-01T00:00:00.000Z"],
    ["213 20150630235960.5", "2015-07-01T00:00:00.500Z"],
  ] as const)("%s", (wire, iso) => {
    expect(parseModifyTime(wire).toISOString()).toBe(iso);
    expect(parseModifyTime(reply(wire)).toISOString()).toBe(iso);
  });

  test("the message alone", () => {
    expect(parseModifyTime("20240102030405").toISOString()).toBe("2024-01-02T03:04:05.000Z");
  });

  test.each([
    ["213 20230229000000", 10], // not a leap year
    ["213 19000229000000", 10], // divisible by 100, not by 400
    ["213 20240431000000", 10],
    ["213 20241301000000", 8],
    ["213 20240001000000", 8],
    ["213 20240100000000", 10],
    ["213 20240102240000", 12],
    ["213 20240102236000", 14],
    ["213 20240102225960", 16], // 60 only at 23:59
    ["213 20240102230060", 16],
    ["213 20240102235961", 16],
    ["213 09990101000000", 4],
    ["213 00000000000000", 4],
    // The leap second at the very end of 9999 would be year 10000 (it decoded to +010000-01-01T00:00:00.000Z).
    ["213 99991231235960", 16],
    ["213 99991231235960.999", 16],
  ] as const)("impossible date %s is a range error at the offending field", (wire, offset) => {
    const error = rangeErrorOf(() => parseModifyTime(wire), "date-out-of-range");
    expect(error.offset).toBe(offset - 4);
  });

  test.each([
    ["213 ", "missing-value"],
    ["213 2024010203040", "malformed-value"],
    ["213 202401020304055", "malformed-value"],
    ["213 191000102030405", "malformed-value"], // the "19100" year of old Y2K-buggy servers
    ["213 20240102030405.", "malformed-value"],
    ["213 20240102030405Z", "malformed-value"],
    ["213 20240102030405.12x", "malformed-value"],
    ["213 2024-01-02 03:04:05", "malformed-value"],
    ["213 20240102030405 GMT", "malformed-value"],
    ["213 +2024010203040", "malformed-value"],
  ] as const)("rejects %j (%s)", (wire, type) => {
    syntaxErrorOf(() => parseModifyTime(wire), type);
  });

  test("another reply code is rejected", () => {
    syntaxErrorOf(() => parseModifyTime("550 No such file"), "unexpected-code");
    syntaxErrorOf(() => parseModifyTime(reply("500 MDTM not understood")), "unexpected-code");
  });

  test("hostile text far longer than any reply", () => {
    syntaxErrorOf(() => parseModifyTime(`213 ${hostileOf("2")}`), "malformed-value");
    syntaxErrorOf(() => parseModifyTime(`213 20240102030405.${hostileOf("9")}x`), "malformed-value");
    expect(parseModifyTime(`213 20240102030405.${hostileOf("9")}`).toISOString()).toBe(
      "2024-01-02T03:04:05.999Z",
    );
    syntaxErrorOf(() => parseModifyTime(`213 ${hostileOf(" ")}`), "missing-value");
  });

  propertyTest.prop([
    fc.date({
      min: new Date("1000-01-01T00:00:00.000Z"),
      max: new Date("9999-12-31T23:59:59.999Z"),
      noInvalidDate: true,
    }),
  ])("round trip: format a date as YYYYMMDDHHMMSS.sss, decode the same instant", (date) => {
    const pad = (n: number, width: number) => String(n).padStart(width, "0");
    const wire = `213 ${pad(date.getUTCFullYear(), 4)}${pad(date.getUTCMonth() + 1, 2)}${pad(date.getUTCDate(), 2)}${pad(date.getUTCHours(), 2)}${pad(date.getUTCMinutes(), 2)}${pad(date.getUTCSeconds(), 2)}.${pad(date.getUTCMilliseconds(), 3)}`;
    expect(parseModifyTime(wire).getTime()).toBe(date.getTime());
  });

  propertyTest.prop([fc.stringMatching(/^[0-9]{14}$/)])(
    "any 14 digits: a Date with exactly those fields, or a date-out-of-range error",
    (digits) => {
      let date: Date;
      try {
        date = parseModifyTime(`213 ${digits}`);
      } catch (error) {
        expect((error as { type?: string }).type).toBe("date-out-of-range");
        return;
      }
      const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
      const compact =
        iso.slice(0, 4) +
        iso.slice(5, 7) +
        iso.slice(8, 10) +
        iso.slice(11, 13) +
        iso.slice(14, 16) +
        iso.slice(17, 19);
      if (digits.endsWith("235960")) expect(iso.slice(11, 19)).toBe("00:00:00");
      else expect(compact).toBe(digits);
    },
  );

  /** Years, months, days, hours, minutes, seconds at and around the edges of their ranges. */
  const edgeField = (width: number, values: number[]) =>
    fc
      .oneof(fc.constantFrom(...values), fc.integer({ min: 0, max: 10 ** width - 1 }))
      .map((n) => String(n).padStart(width, "0"));
  const edgeTime = fc.tuple(
    edgeField(4, [0, 999, 1000, 1001, 1900, 2000, 2100, 9998, 9999]),
    edgeField(2, [0, 1, 2, 12, 13, 99]),
    edgeField(2, [0, 1, 28, 29, 30, 31, 32]),
    edgeField(2, [0, 23, 24]),
    edgeField(2, [0, 59, 60]),
    edgeField(2, [0, 59, 60, 61, 99]),
    fc.option(fc.stringMatching(/^[0-9]{1,6}$/), { nil: undefined }),
  );

  propertyTest.prop([edgeTime])(
    "edge dates: a Date whose UTC year is 1000-9999, or a typed date-out-of-range error",
    (fields) => {
      const fraction = fields[6];
      const wire = `213 ${fields.slice(0, 6).join("")}${fraction === undefined ? "" : `.${fraction}`}`;
      let date: Date;
      try {
        date = parseModifyTime(wire);
      } catch (error) {
        expect(error).toBeInstanceOf(ReplyRangeError);
        expect((error as ReplyRangeError).type).toBe("date-out-of-range");
        return;
      }
      expect(date.getUTCFullYear()).toBeGreaterThanOrEqual(1000);
      expect(date.getUTCFullYear()).toBeLessThanOrEqual(9999);
      expect(date.toISOString()).toMatch(/^\d{4}-/);
    },
  );

  test("a leap second at the end of every month of the edge years: a Date in 1000-9999 or date-out-of-range", () => {
    const pad = (n: number, width: number) => String(n).padStart(width, "0");
    let refused = 0;
    for (const year of [1000, 1001, 1999, 2000, 9998, 9999]) {
      for (let month = 1; month <= 12; month++) {
        for (const day of [28, 29, 30, 31]) {
          for (const fraction of ["", ".999"]) {
            const wire = `213 ${pad(year, 4)}${pad(month, 2)}${pad(day, 2)}235960${fraction}`;
            let date: Date;
            try {
              date = parseModifyTime(wire);
            } catch (error) {
              expect(error).toBeInstanceOf(ReplyRangeError);
              expect((error as ReplyRangeError).type).toBe("date-out-of-range");
              if (year === 9999 && month === 12 && day === 31) refused++;
              continue;
            }
            expect(date.getUTCFullYear()).toBeGreaterThanOrEqual(1000);
            expect(date.getUTCFullYear()).toBeLessThanOrEqual(9999);
          }
        }
      }
    }
    expect(refused).toBe(2);
  });

  propertyTest.prop([fc.uint8Array({ maxLength: 40 }), fc.boolean()])(
    "any bytes after 213: a Date in 1000-9999 or a typed decode error, never another exception",
    (bytes, asReply) => {
      const text = `213 ${Buffer.from(bytes).toString("latin1")}`;
      const input = asReply ? reply(text.replace(/[\r\n]/g, " ")) : text;
      let date: Date;
      try {
        date = parseModifyTime(input);
      } catch (error) {
        expect(isReplyDecodeError(error)).toBe(true);
        return;
      }
      expect(date.getUTCFullYear()).toBeGreaterThanOrEqual(1000);
      expect(date.getUTCFullYear()).toBeLessThanOrEqual(9999);
    },
  );
});
