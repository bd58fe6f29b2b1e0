/**
 * Kill tests for the decoders' values (issue 7): exact results at the edges of each documented rule — RFC 3659
 * MDTM ranges, leap years and leap seconds, 150 `(N bytes)` and 213 SIZE, 110 `MARK yyyy = mmmm`, 215 system
 * names, 257 quoting, 211 FEAT lines.
 */
import { describe, expect, test } from "vitest";
import {
  parseFeatures,
  parseModifyTime,
  parsePathname,
  parseRestartMarker,
  parseSize,
  parseSystemType,
  parseTransferSize,
  ReplyRangeError,
  ReplySyntaxError,
} from "../../src/index.js";

function errorTypeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof ReplySyntaxError || error instanceof ReplyRangeError) return error.type;
    throw error;
  }
  return "none";
}

describe("parseModifyTime (RFC 3659 §2.3, §3)", () => {
  const valid: [string, string, string][] = [
    ["year 1000", "10000101000000", "1000-01-01T00:00:00.000Z"],
    ["year 9999, 31 December, 23:59:59", "99991231235959", "9999-12-31T23:59:59.000Z"],
    ["29 February of a leap year", "20240229120000", "2024-02-29T12:00:00.000Z"],
    ["29 February of a year divisible by 400", "20000229120000", "2000-02-29T12:00:00.000Z"],
    ["31 January", "20230131000000", "2023-01-31T00:00:00.000Z"],
    ["30 April", "20230430000000", "2023-04-30T00:00:00.000Z"],
    ["31 December", "20231231000000", "2023-12-31T00:00:00.000Z"],
    ["one digit of fraction is tenths", "20240102030405.1", "2024-01-02T03:04:05.100Z"],
    ["two digits of fraction", "20240102030405.12", "2024-01-02T03:04:05.120Z"],
    ["three digits of fraction", "20240102030405.123", "2024-01-02T03:04:05.123Z"],
    ["finer digits are truncated", "20240102030405.1239", "2024-01-02T03:04:05.123Z"],
    ["a fraction of zeros", "20240102030405.0009", "2024-01-02T03:04:05.000Z"],
    ["a leap second is the next day's first instant", "20161231235960", "2017-01-01T00:00:00.000Z"],
    ["a leap second with a fraction", "20161231235960.5", "2017-01-01T00:00:00.500Z"],
    ["blanks around the value", " \t20240102030405 \t", "2024-01-02T03:04:05.000Z"],
  ];
  for (const [name, value, iso] of valid) {
    test(`MDTM ${name}`, () => {
      expect(parseModifyTime(`213 ${value}`).toISOString()).toBe(iso);
    });
  }

  const invalid: [string, string, string][] = [
    ["29 February of a common year", "20230229000000", "date-out-of-range"],
    ["29 February of a century not divisible by 400", "19000229000000", "date-out-of-range"],
    ["29 February of 2100", "21000229000000", "date-out-of-range"],
    ["day 00", "20240100000000", "date-out-of-range"],
    ["day 32 of January", "20240132000000", "date-out-of-range"],
    ["31 June", "20240631000000", "date-out-of-range"],
    ["second 60 at 23:58", "20161231235860", "date-out-of-range"],
    ["second 60 at 22:59", "20161231225960", "date-out-of-range"],
    ["second 61 at 23:59", "20161231235961", "date-out-of-range"],
    ["15 digits", "202401020304050", "malformed-value"],
    ["a blank inside", "20240102 030405", "malformed-value"],
    ["a second full stop", "20240102030405.1.2", "malformed-value"],
  ];
  for (const [name, value, type] of invalid) {
    test(`MDTM ${name} is refused`, () => {
      expect(errorTypeOf(() => parseModifyTime(`213 ${value}`))).toBe(type);
    });
  }
});

describe("parseTransferSize (150 `(N bytes)`)", () => {
  const cases: [string, string, number | undefined][] = [
    ["vsftpd's form", "150 Opening BINARY mode data connection for a.bin (1048576 bytes).", 1048576],
    ["upper case", "150 Opening (42 BYTES)", 42],
    ["mixed case", "150 Opening (42 bYtEs)", 42],
    ["no blank before the word", "150 Opening (42bytes)", 42],
    ["blanks around the word", "150 Opening (42 \t bytes \t)", 42],
    ["leading zeros", "150 Opening (0042 bytes)", 42],
    ["zero", "150 Opening (0 bytes)", 0],
    ["2^53-1", "150 Opening (9007199254740991 bytes)", 9007199254740991],
    ["the last of several counts", "150 Opening (1 bytes) (2 bytes).", 2],
    ["a 125 reply", "125 Data connection already open (7 bytes)", 7],
    ["no size at all", "150 Opening BINARY mode data connection for a.bin", undefined],
    ["no digits", "150 Opening ( bytes)", undefined],
    ["a blank before the digits", "150 Opening ( 5 bytes)", undefined],
    ["another word", "150 Opening (5 byte)", undefined],
    ["a longer word", "150 Opening (5 bytesx)", undefined],
    ["no closing parenthesis", "150 Opening (5 bytes", undefined],
    ["a word cut by the end", "150 Opening (5 byt", undefined],
    ["a word of other letters", "150 Opening (5 bites)", undefined],
    ["an at sign for the b", "150 Opening (5 @ytes)", undefined],
    ["digits with no parenthesis at the start", "150 x5 bytes)", undefined],
    ["digits with no parenthesis at all", "5 bytes)", undefined],
    ["a valid size after an invalid one", "150 Opening (5 bits) (6 bytes)", 6],
    ["an invalid one after a valid size", "150 Opening (6 bytes) (5 bits)", 6],
  ];
  for (const [name, wire, size] of cases) {
    test(`150 size: ${name}`, () => {
      expect(parseTransferSize(wire)).toBe(size);
    });
  }
});

describe("parseSize (RFC 3659 §4.2)", () => {
  const cases: [string, string, number | string][] = [
    ["a size", "213 1048576", 1048576],
    ["blanks around", "213 \t 42 \t", 42],
    ["zero", "213 0", 0],
    ["leading zeros", "213 007", 7],
    ["2^53-1", "213 9007199254740991", 9007199254740991],
    ["2^53", "213 9007199254740992", "number-out-of-range"],
    ["a long run of digits", `213 ${"9".repeat(40)}`, "number-out-of-range"],
    ["two numbers", "213 4 2", "malformed-value"],
    ["a sign", "213 +42", "malformed-value"],
    ["a letter first", "213 x42", "malformed-value"],
    ["a slash", "213 4/2", "malformed-value"],
    ["a colon", "213 4:2", "malformed-value"],
    ["nothing", "213", "missing-value"],
  ];
  for (const [name, wire, expected] of cases) {
    test(`213 SIZE: ${name}`, () => {
      if (typeof expected === "number") expect(parseSize(wire)).toBe(expected);
      else expect(errorTypeOf(() => parseSize(wire))).toBe(expected);
    });
  }
});

describe("parseRestartMarker (RFC 959 §4.2.2)", () => {
  const cases: [string, string, [string, string] | [string, number]][] = [
    ["the RFC form", "110 MARK 1024 = 2048", ["1024", "2048"]],
    ["lower case MARK", "110 mark 1 = 2", ["1", "2"]],
    ["no blanks around =", "110 MARK 1=2", ["1", "2"]],
    ["a blank before = only", "110 MARK 1 =2", ["1", "2"]],
    ["a blank after = only", "110 MARK 1= 2", ["1", "2"]],
    ["tabs", "110 MARK\t1\t=\t2", ["1", "2"]],
    ["several blanks", "110  MARK   ab  =  cd  ", ["ab", "cd"]],
    ["markers of any characters", "110 MARK x-1.y = z_2", ["x-1.y", "z_2"]],
    ["MARK alone", "110 MARK", ["malformed-value", 4]],
    ["MARK and blanks", "110 MARK   ", ["malformed-value", 7]],
    ["three letters", "110 MAR", ["malformed-value", 0]],
    ["three letters and blanks", "110  MAR  ", ["malformed-value", 1]],
    ["no equals sign at the end", "110 MARK 1", ["malformed-value", 6]],
    ["no equals sign before blanks", "110 MARK 1  ", ["malformed-value", 8]],
    ["a second =", "110 MARK 1 = = 2", ["malformed-value", 10]],
    ["MARKS", "110 MARKS 1 = 2", ["malformed-value", 4]],
  ];
  for (const [name, wire, expected] of cases) {
    test(`110: ${name}`, () => {
      if (typeof expected[1] === "number") {
        let thrown: unknown;
        try {
          parseRestartMarker(wire);
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeInstanceOf(ReplySyntaxError);
        expect([(thrown as ReplySyntaxError).type, (thrown as ReplySyntaxError).offset]).toEqual(expected);
      } else {
        expect(parseRestartMarker(wire)).toEqual({ userMarker: expected[0], serverMarker: expected[1] });
      }
    });
  }
});

describe("parseSystemType (RFC 959 §5.3.1 SYST)", () => {
  const cases: [string, string, [string, string]][] = [
    ["UNIX Type: L8", "215 UNIX Type: L8", ["UNIX", "Type: L8"]],
    ["a name alone", "215 Windows_NT", ["Windows_NT", ""]],
    ["blanks around", "215  \tOS/400 \t V7R1 \t", ["OS/400", "V7R1"]],
    ["a tab after the name", "215 UNIX\tType: L8", ["UNIX", "Type: L8"]],
    ["a name on the first line of several", "215-UNIX\r\n more\r\n215 end", ["UNIX", "\n more\nend"]],
    ["a name ended by LF", "UNIX\nType", ["UNIX", "\nType"]],
  ];
  for (const [name, wire, [system, details]] of cases) {
    test(`215: ${name}`, () => {
      expect(parseSystemType(wire)).toEqual({ name: system, details });
    });
  }
});

describe("parsePathname (RFC 959 Appendix II)", () => {
  const cases: [string, string, string][] = [
    ["a plain path", '257 "/home/ftp" is the current directory', "/home/ftp"],
    ["doubled quotes", '257 "/""hello""" created', '/"hello"'],
    ["a quote pair inside", '257 "a""b" created', 'a"b'],
    ["one literal quote", '257 """"', '"'],
    ["two literal quotes", '257 """"""', '""'],
    ["the first quoted string counts", '257 "/a" and "/b"', "/a"],
    ["NUL after the closing quote is not in the path", '257 "/a" \u0000', "/a"],
    ["LF after the closing quote is not in the path", '257-"/a" x\r\n257 end', "/a"],
    ["text before the quote", '257 MKD ok: "/x"', "/x"],
    ["a path of a single character", '257 "/"', "/"],
  ];
  for (const [name, wire, path] of cases) {
    test(`257: ${name}`, () => {
      expect(parsePathname(wire)).toBe(path);
    });
  }

  test("257: a long path with quotes is unescaped exactly across 8 Ki chunks", () => {
    const path = `${"a".repeat(8190)}"${"b".repeat(8190)}"c`;
    expect(parsePathname(`257 "${path.replaceAll('"', '""')}" created`)).toBe(path);
    const exact = `${"q".repeat(8191)}"`; // 8192 units: exactly one chunk
    expect(parsePathname(`257 "${exact.replaceAll('"', '""')}"`)).toBe(exact);
    const more = `${"q".repeat(8192)}"`; // 8193 units: a second chunk of one
    expect(parsePathname(`257 "${more.replaceAll('"', '""')}"`)).toBe(more);
  });
});

describe("parsePathname forbidden characters before an error", () => {
  test("257: NUL in an unterminated path is reported as forbidden", () => {
    expect(errorTypeOf(() => parsePathname('257 "ab\u0000'))).toBe("forbidden-character");
  });
  test("257: NUL after an empty path is not in the path", () => {
    expect(errorTypeOf(() => parsePathname('257 ""\u0000'))).toBe("malformed-value");
  });
});

describe("parseFeatures (RFC 2389 §3.2)", () => {
  test("FEAT: names upper-cased, params as sent", () => {
    expect(
      parseFeatures("211-Extensions supported:\r\n mlst type*;Size*;\r\n Size\r\n utf8\r\n211 END\r\n"),
    ).toEqual([
      { name: "MLST", params: "type*;Size*;" },
      { name: "SIZE", params: "" },
      { name: "UTF8", params: "" },
    ]);
  });

  test("FEAT: only ASCII a-z is upper-cased, at the edges of the range", () => {
    expect(parseFeatures("211-x\r\n a\r\n z\r\n `{\r\n @[\r\n é\r\n aZ\r\n Az-b\r\n211 END")).toEqual([
      { name: "A", params: "" },
      { name: "Z", params: "" },
      { name: "`{", params: "" },
      { name: "@[", params: "" },
      { name: "é", params: "" },
      { name: "AZ", params: "" },
      { name: "AZ-B", params: "" },
    ]);
  });

  test("FEAT: blanks and tabs between name and params, blank lines skipped", () => {
    expect(parseFeatures("211-x\r\n REST \t STREAM\r\n \t \r\n\r\n\tTVFS\r\n211 END")).toEqual([
      { name: "REST", params: "STREAM" },
      { name: "TVFS", params: "" },
    ]);
  });

  test("FEAT: inner lines that repeat the code, or have no space", () => {
    expect(parseFeatures("211-x\r\n211-MDTM\r\nSIZE\r\n211 END")).toEqual([
      { name: "MDTM", params: "" },
      { name: "SIZE", params: "" },
    ]);
  });

  test("FEAT: a single-line string reply with inner lines reads its last line as a feature", () => {
    // Not multi-line (`211 `), so there is no closing line to leave out.
    expect(parseFeatures("211 x\r\n MDTM\r\n SIZE")).toEqual([
      { name: "MDTM", params: "" },
      { name: "SIZE", params: "" },
    ]);
  });

  test("FEAT: a single-line 211 has no features", () => {
    expect(parseFeatures("211 No features")).toEqual([]);
    expect(parseFeatures("211 ")).toEqual([]);
  });

  test("FEAT: a message alone, with and without its closing line", () => {
    expect(parseFeatures("Features:\n MDTM\n SIZE")).toEqual([
      { name: "MDTM", params: "" },
      { name: "SIZE", params: "" },
    ]);
    expect(parseFeatures("Features:\n MDTM\nEND")).toEqual([{ name: "MDTM", params: "" }]);
    expect(parseFeatures("Features:\n MDTM\n")).toEqual([{ name: "MDTM", params: "" }]);
  });

  test("FEAT: the closing line of a multi-line reply is never a feature", () => {
    expect(parseFeatures("211-x\r\n MDTM\r\n211  SIZE")).toEqual([{ name: "MDTM", params: "" }]);
    expect(parseFeatures("211-x\r\n MDTM\r\n211")).toEqual([{ name: "MDTM", params: "" }]);
  });
});
