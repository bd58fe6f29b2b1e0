/** ProFTPD's LogFormat compiled into a matcher (src/node/transcripts/log-format.ts). */
import { fc, test as propTest } from "@fast-check/vitest";
import { describe, expect, test } from "vitest";
import {
  compileLogFormat,
  LogFormatError,
  logFormatsOfConfig,
} from "../../../src/node/transcripts/log-format.js";
import { read } from "./helpers.js";

describe("compileLogFormat", () => {
  test("the common log format with the reply text: quotes inside %r and %S do not end them", () => {
    const format = compileLogFormat('%h %l %u %t "%r" %s "%S"');
    expect(
      format.match('10.0.0.1 UNKNOWN ftp [24/Nov/2026:14:06:12 +0000] "MKD a" b" 257 ""/a" b" created"'),
    ).toEqual({
      host: "10.0.0.1",
      user: "ftp",
      time: "[24/Nov/2026:14:06:12 +0000]",
      request: 'MKD a" b',
      code: "257",
      message: '"/a" b" created',
    });
  });

  test("%m and %J, %P, %{iso8601}, %{remote-port}, %{protocol}; unused variables matched by their shape", () => {
    const format = compileLogFormat('%{iso8601} %P %a:%{remote-port} %u %b "%m" "%J" %s "%S" %{protocol} %f');
    expect(
      format.match(
        '2026-12-03 14:41:16,707 23735 127.0.0.1:53466 ftp 14 "CWD" "/my pub" 250 "CWD ok" ftp /srv/a b',
      ),
    ).toEqual({
      iso8601: "2026-12-03 14:41:16,707",
      pid: "23735",
      address: "127.0.0.1",
      port: "53466",
      user: "ftp",
      verb: "CWD",
      argument: "/my pub",
      code: "250",
      message: "CWD ok",
      protocol: "ftp",
    });
  });

  test("a line of another shape does not match", () => {
    const format = compileLogFormat('%t %a %u "%r" %s');
    expect(format.match('[24/Nov/2026:14:06:12 +0000] 10.0.0.1 ftp "NOOP" 2000')).toBeUndefined();
    expect(format.match('[24/Nov/2026:14:06:12 +0000] 10.0.0.1 ftp "NOOP" -')).toMatchObject({ code: "-" });
    expect(format.match('24/Nov/2026:14:06:12 +0000 10.0.0.1 ftp "NOOP" 200')).toBeUndefined();
    expect(format.match('[24/Nov/2026:14:06:12 +0000] 10.0.0.1 ftp "NOOP" 200 extra')).toBeUndefined();
  });

  test("formats that cannot be read are refused with why", () => {
    expect(() => compileLogFormat("%t %a %u %s")).toThrow(/no command/);
    expect(() => compileLogFormat('%t "%r"')).toThrow(/no reply code/);
    expect(() => compileLogFormat('%a%u "%r" %s')).toThrow(/nothing between them/);
    expect(() => compileLogFormat('"%r" %t%a %s')).toThrow(/nothing between them after free text/);
    // Before the free text a fixed-length variable may touch the next one.
    expect(
      compileLogFormat('%t%a "%r" %s').match('[24/Nov/2026:14:06:12 +0000]10.0.0.1 "NOOP" 200'),
    ).toMatchObject({
      address: "10.0.0.1",
    });
    expect(() => compileLogFormat('%t %{remote-port "%r" %s')).toThrow(LogFormatError);
  });

  test("hostile lines: 200,000 quotes and spaces are refused after a bounded number of steps", () => {
    // A backtracking matcher would try every `" ` as the end of %r with every later one as the end of %S; this
    // one looks at each occurrence once (the test would not finish otherwise).
    const format = compileLogFormat('%h %l %u %t "%r" %s "%S" "%S"');
    const line = `h l u [24/Nov/2026:14:06:12 +0000] "${'" 1 '.repeat(50_000)}`;
    expect(format.match(line)).toBeUndefined();
    const long = `h l u [24/Nov/2026:14:06:12 +0000] "${'" '.repeat(100_000)}" 200 "${'" '.repeat(100_000)}"`;
    expect(format.match(long)).toBeDefined();
  });
});

describe("any format, any line", () => {
  const piece = fc.constantFrom(
    "%t",
    "%{iso8601}",
    "%a",
    "%h",
    "%{remote-port}",
    "%u",
    "%r",
    "%m",
    "%J",
    "%s",
    "%S",
    "%P",
    "%{protocol}",
    "%b",
    "%f",
    "%%",
    " ",
    '"',
    "[",
    "]",
    ":",
    "x",
  );
  const lineChar = fc.constantFrom(" ", '"', "[", "]", ":", "-", "1", "2", "0", "a", "/", ",", "+");
  propTest.prop([fc.array(piece, { maxLength: 12 }), fc.array(lineChar, { maxLength: 80 })], {
    numRuns: 300,
  })("compiling refuses with a LogFormatError or gives a matcher; matching never throws", (pieces, chars) => {
    let format: ReturnType<typeof compileLogFormat>;
    try {
      format = compileLogFormat(pieces.join(""));
    } catch (error) {
      expect(error).toBeInstanceOf(LogFormatError);
      return;
    }
    const values = format.match(chars.join(""));
    if (values?.code !== undefined) expect(values.code).toMatch(/^(\d{3}|-)$/);
  });
});

describe("logFormatsOfConfig", () => {
  test("the LogFormat lines of a ProFTPD configuration, escapes undone", () => {
    const config = [
      "ServerName x",
      '  LogFormat bypid "%{iso8601} %P %a %u \\"%m\\" \\"%J\\" %s"',
      '# LogFormat commented "%r"',
      'logformat plain "%t %a \\"%r\\" %s"\r',
    ].join("\n");
    expect(logFormatsOfConfig(config)).toEqual([
      { name: "bypid", format: '%{iso8601} %P %a %u "%m" "%J" %s' },
      { name: "plain", format: '%t %a "%r" %s' },
    ]);
  });
});

describe("readTranscript with a LogFormat", () => {
  const log = [
    '[24/Nov/2026:14:06:12 +0000] 10.0.0.1 40000 - "USER anonymous" 331',
    '[24/Nov/2026:14:06:12 +0000] 10.0.0.1 40002 - "USER bob" 331',
    '[24/Nov/2026:14:06:13 +0000] 10.0.0.1 40000 ftp "PASS (hidden)" 230',
    '[24/Nov/2026:14:06:13 +0000] 10.0.0.1 40002 - "PASS (hidden)" 530',
    '[24/Nov/2026:14:06:14 +0000] 10.0.0.1 40000 ftp "QUIT" 221',
    "",
  ].join("\n");

  test("recognised with the format given, two sessions from one address told apart by port", async () => {
    const result = await read(log, { logFormat: '%t %a %{remote-port} %u "%r" %s' });
    expect(result.format).toBe("proftpd");
    expect(result.problems).toEqual([]);
    expect(result.exchanges.map((e) => [e.command?.line, e.final?.code])).toEqual([
      ["USER anonymous", 331],
      ["USER bob", 331],
      ["PASS <hidden>", 230],
      ["PASS <hidden>", 530],
      ["QUIT", 221],
    ]);
    expect(result.conns.map((c) => c.sessionKey)).toEqual([
      "client 10.0.0.1:40000",
      "client 10.0.0.1:40002",
      "client 10.0.0.1:40000",
      "client 10.0.0.1:40002",
      "client 10.0.0.1:40000",
    ]);
    expect(new Set(result.conns.map((c) => c.uid)).size).toBe(2);
  });

  test("refused without it, and a format that cannot be used is a TranscriptFormatError", async () => {
    await expect(read(log)).rejects.toThrow(/cannot read this log/);
    await expect(read(log, { logFormat: "%t %a" })).rejects.toThrow(
      /cannot use the LogFormat "%t %a": it has no command/,
    );
  });
});
