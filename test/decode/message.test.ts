/**
 * Kill tests for src/decode/message.ts and src/decode/errors.ts (issue 7): how a string becomes a code and a
 * message (RFC 959 §4.2: the code prefix removed from the first and last lines and from inner lines that repeat
 * it), and the excerpt an error quotes.
 */
import { describe, expect, test } from "vitest";
import { excerptAround } from "../../src/decode/errors.js";
import { readMessage, skipBlanks, trimmedEnd } from "../../src/decode/message.js";
import { parseReplies, parseSize, ReplySyntaxError } from "../../src/index.js";

describe("readMessage on strings", () => {
  // [name, input, code, text, multiline]
  const cases: [string, string, number | undefined, string, boolean][] = [
    ["the empty string", "", undefined, "", false],
    ["two digits are a message", "21", undefined, "21", false],
    ["a bare code", "213", 213, "", false],
    ["a code and a space", "213 ", 213, "", false],
    ["a code and text", "213 42", 213, "42", false],
    ["a code and text and LF", "213 42\n", 213, "42", false],
    ["a code and text and CR LF", "213 42\r\n", 213, "42", false],
    ["a code and LF only", "213\n", 213, "", false],
    ["a code and CR LF only", "213\r\n", 213, "", false],
    ["a code, LF and more text", "213\n5", 213, "\n5", false],
    ["a code, CR LF and more text", "213\r\n5", 213, "\n5", false],
    ["a code directly followed by a letter is a message", "213x", undefined, "213x", false],
    ["a code and a tab is a message", "213\t5", undefined, "213\t5", false],
    ["a code and a bare CR keeps the CR", "213\rx", 213, "\rx", false],
    ["a code, a bare CR and LF", "213\rx\n5", 213, "\rx\n5", false],
    ["a letter in the code is a message", "2x3 5", undefined, "2x3 5", false],
    ["a letter first is a message", "x13 5", undefined, "x13 5", false],
    ["a letter third is a message", "21x 5", undefined, "21x 5", false],
    ["a colon in the code is a message", "21: 5", undefined, "21: 5", false],
    ["a slash in the code is a message", "/13 5", undefined, "/13 5", false],
    ["a message alone of two lines", "a\nb", undefined, "a\nb", true],
    ["a message alone of one line and LF", "a\n", undefined, "a", false],
    ["a message alone with CR LF lines", "a\r\nb\r\n", undefined, "a\nb", true],
    ["a message alone with a bare CR", "a\rb", undefined, "a\rb", false],
    ["a message alone of one line and CR LF", "a\r\n", undefined, "a", false],
    ["a lone LF", "\n", undefined, "", false],
    ["a lone CR LF", "\r\n", undefined, "", false],
    ["an empty line between CR LF lines", "a\r\n\r\nb", undefined, "a\n\nb", true],
    ["a CR LF line that is only CR", "a\r\n\rb", undefined, "a\n\rb", true],
    ["a multi-line reply", "211-a\r\n211-b\r\n c\r\n211 end\r\n", 211, "a\nb\n c\nend", true],
    ["a multi-line reply with LF", "211-a\n211-b\n c\n211 end\n", 211, "a\nb\n c\nend", true],
    ["a multi-line reply closed by a bare code", "211-a\r\n211\r\n", 211, "a\n", true],
    ["an inner line with another code keeps it", "211-a\r\n212-b\r\n211 end", 211, "a\n212-b\nend", true],
    [
      "an inner line with the code and a letter keeps it",
      "211-a\r\n211x\r\n211 end",
      211,
      "a\n211x\nend",
      true,
    ],
    ["a single-line reply with a CR keeps its inner lines", "211 a\r\n211-b", 211, "a\n211-b", false],
    ["a code and hyphen only", "211-", 211, "", true],
    // The parser's own rule (RFC 959 §4.2 codes start with 1–5; 6 for RFC 2228): `001` opens no reply.
    ["a multi-line reply of code 001 is a message", "001-a\r\n001 b", undefined, "001-a\n001 b", true],
  ];
  for (const [name, input, code, text, multiline] of cases) {
    test(`readMessage: ${name}`, () => {
      expect(readMessage(input, "test", [code ?? 0])).toEqual({ decoder: "test", code, text, multiline });
    });
  }

  test("readMessage agrees with the parser's reply.text on replies with LF and CR LF", () => {
    for (const wire of ["211-a\r\n b\r\n211 end\r\n", '257 "/x" created\r\n', "211-a\r\n211\r\n"]) {
      const parsed = parseReplies(wire)[0]!;
      expect(readMessage(wire, "test", [parsed.code]).text).toBe(parsed.text);
    }
  });

  test("readMessage on a Reply takes its code, text and multiline flag", () => {
    const parsed = parseReplies("211-a\r\n b\r\n211 end\r\n")[0]!;
    expect(readMessage(parsed, "test", [211])).toEqual({
      decoder: "test",
      code: 211,
      text: "a\n b\nend",
      multiline: true,
    });
    const single = parseReplies("211 a\r\n")[0]!;
    expect(readMessage(single, "test", [211]).multiline).toBe(false);
    // Anything but true is single-line.
    expect(readMessage({ ...single, multiline: 1 as never }, "test", [211]).multiline).toBe(false);
  });

  test("an unexpected code is refused with the codes allowed", () => {
    let thrown: unknown;
    try {
      readMessage("250 fine", "test", [211, 212]);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ReplySyntaxError);
    expect((thrown as ReplySyntaxError).message).toBe('test: reply code 250 is not 211 or 212 at 0: "fine"');
  });

  test("a string code that matches passes", () => {
    expect(parseSize("213 7")).toBe(7);
    expect(parseSize("7")).toBe(7);
  });
});

describe("skipBlanks and trimmedEnd", () => {
  test("skipBlanks passes spaces and tabs, nothing else", () => {
    expect(skipBlanks(" \t x", 0)).toBe(3);
    expect(skipBlanks(" \t x", 3)).toBe(3);
    expect(skipBlanks("   ", 1)).toBe(3);
    expect(skipBlanks("\n x", 0)).toBe(0);
    expect(skipBlanks("\u000b x", 0)).toBe(0);
    expect(skipBlanks("!", 0)).toBe(0);
    expect(skipBlanks("\u001f", 0)).toBe(0);
    expect(skipBlanks("\b", 0)).toBe(0);
    expect(skipBlanks("\n", 0)).toBe(0);
  });

  test("trimmedEnd drops trailing spaces and tabs, never before `from`", () => {
    expect(trimmedEnd("ab \t ", 0)).toBe(2);
    expect(trimmedEnd("ab", 0)).toBe(2);
    expect(trimmedEnd("   ", 2)).toBe(2);
    expect(trimmedEnd("   ", 0)).toBe(0);
    expect(trimmedEnd("a\n", 0)).toBe(2);
  });
});

describe("excerptAround", () => {
  const text = "0123456789".repeat(10); // 100 characters
  test("at the start: no cut before, cut after 64 characters", () => {
    expect(excerptAround(text, 0)).toBe(`${text.slice(0, 64)}…`);
  });
  test("16 characters before the offset", () => {
    expect(excerptAround(text, 16)).toBe(`${text.slice(0, 64)}…`);
    expect(excerptAround(text, 17)).toBe(`…${text.slice(1, 65)}…`);
    expect(excerptAround(text, 50)).toBe(`…${text.slice(34, 98)}…`);
  });
  test("near the end: no cut after", () => {
    expect(excerptAround(text, 52)).toBe(`…${text.slice(36, 100)}`);
    expect(excerptAround(text, 100)).toBe(`…${text.slice(84)}`);
  });
  test("an offset past the end is taken as the end", () => {
    expect(excerptAround(text, 1000)).toBe(`…${text.slice(84)}`);
  });
  test("a short text is quoted whole", () => {
    expect(excerptAround("abc", 1)).toBe("abc");
    expect(excerptAround("", 0)).toBe("");
    expect(excerptAround("x".repeat(64), 0)).toBe("x".repeat(64));
    expect(excerptAround("x".repeat(65), 0)).toBe(`${"x".repeat(64)}…`);
  });
});
