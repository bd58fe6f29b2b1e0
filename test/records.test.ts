import { describe, expect, test } from "vitest";
import {
  createZeekLogWriter,
  type DialogueEvent,
  type Exchange,
  escapeZeekString,
  FTP_LOG_FIELDS,
  type FtpLogRecord,
  formatZeekLog,
  parseCommands,
  parseReplies,
  runDialogue,
  type SessionOptions,
  toFtpLogRecord,
  ZEEK_LOGGED_COMMANDS,
} from "../src/index.js";
import { formatZeekValue } from "../src/records.js";
import { configureProperties, fc, propertyTest } from "./helpers/properties.js";

configureProperties();

/** `[ts, "C: …" | "S: …"]` steps → dialogue events, framed by the real command splitter and reply parser. */
function events(steps: readonly (readonly [number | undefined, string])[]): DialogueEvent[] {
  const out: DialogueEvent[] = [];
  for (const [ts, line] of steps) {
    if (line.startsWith("C: ")) {
      for (const command of parseCommands(`${line.slice(3)}\r\n`)) out.push({ type: "command", command, ts });
    } else {
      for (const reply of parseReplies(`${line.slice(3)}\r\n`)) out.push({ type: "reply", reply, ts });
    }
  }
  return out;
}

function exchanges(
  steps: readonly (readonly [number | undefined, string])[],
  options: SessionOptions = {},
): Exchange[] {
  return runDialogue(events(steps), options).exchanges;
}

/** Reads a Zeek ASCII log the way Zeek's reader does (Ascii::ParseValue): `-` unset, `(empty)` empty, `\xHH`. */
function readZeekLog(text: string): {
  meta: Map<string, string>;
  fields: string[];
  types: string[];
  rows: string[][];
} {
  const meta = new Map<string, string>();
  const rows: string[][] = [];
  let fields: string[] = [];
  let types: string[] = [];
  const lines = text.split("\n");
  expect(lines.pop()).toBe(""); // every line ends in \n
  for (const line of lines) {
    if (line.startsWith("#separator ")) meta.set("separator", line.slice("#separator ".length));
    else if (line.startsWith("#fields\t")) fields = line.split("\t").slice(1);
    else if (line.startsWith("#types\t")) types = line.split("\t").slice(1);
    else if (line.startsWith("#")) {
      const [key, ...rest] = line.slice(1).split("\t");
      meta.set(key!, rest.join("\t"));
    } else rows.push(line.split("\t"));
  }
  return { meta, fields, types, rows };
}

function unescapeZeek(cell: string): string | undefined {
  if (cell === "-") return undefined;
  if (cell === "(empty)") return "";
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < cell.length; i++) {
    if (cell[i] === "\\" && cell[i + 1] === "x") {
      bytes.push(Number.parseInt(cell.slice(i + 2, i + 4), 16));
      i += 3;
    } else {
      const point = cell.codePointAt(i)!;
      const width = point > 0xffff ? 2 : 1;
      bytes.push(...encoder.encode(cell.slice(i, i + width)));
      i += width - 1;
    }
  }
  return new TextDecoder().decode(Uint8Array.from(bytes));
}

describe("ftp.log as Zeek writes it", () => {
  /**
   * Zeek's own output for its IPv6 FTP trace: zeek/zeek, testing/btest/Baseline/scripts.base.protocols.ftp.ftp-ipv6/
   * ftp.log (commit 22bf3e1196b6e62896271a694993166e40e240e8), produced by running Zeek on traces/ftp/ipv6.trace.
   * The `fuid` column is replaced by `-`: Zeek fills it from file analysis of the data connection, which the
   * control channel does not carry.
   */
  const ZEEK_IPV6_BASELINE = [
    "#separator \\x09",
    "#set_separator\t,",
    "#empty_field\t(empty)",
    "#unset_field\t-",
    "#path\tftp",
    "#open\t2013-08-26-18-40-14",
    "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tuser\tpassword\tcommand\targ\tmime_type\tfile_size\treply_code\treply_msg\tdata_channel.passive\tdata_channel.orig_h\tdata_channel.resp_h\tdata_channel.resp_p\tfuid",
    "#types\ttime\tstring\taddr\tport\taddr\tport\tstring\tstring\tstring\tstring\tstring\tcount\tcount\tstring\tbool\taddr\taddr\tport\tstring",
    "1329327783.207785\tCXWv6p3arKYeMETxOg\t2001:470:1f11:81f:c999:d94:aa7c:2e3e\t49185\t2001:470:4867:99::21\t21\tanonymous\ttest\tEPSV\t-\t-\t-\t229\tEntering Extended Passive Mode (|||57086|)\tT\t2001:470:1f11:81f:c999:d94:aa7c:2e3e\t2001:470:4867:99::21\t57086\t-",
    "1329327786.415755\tCXWv6p3arKYeMETxOg\t2001:470:1f11:81f:c999:d94:aa7c:2e3e\t49185\t2001:470:4867:99::21\t21\tanonymous\ttest\tEPSV\t-\t-\t-\t229\tEntering Extended Passive Mode (|||57087|)\tT\t2001:470:1f11:81f:c999:d94:aa7c:2e3e\t2001:470:4867:99::21\t57087\t-",
    "1329327787.180814\tCXWv6p3arKYeMETxOg\t2001:470:1f11:81f:c999:d94:aa7c:2e3e\t49185\t2001:470:4867:99::21\t21\tanonymous\ttest\tEPSV\t-\t-\t-\t229\tEntering Extended Passive Mode (|||57088|)\tT\t2001:470:1f11:81f:c999:d94:aa7c:2e3e\t2001:470:4867:99::21\t57088\t-",
    "1329327787.396984\tCXWv6p3arKYeMETxOg\t2001:470:1f11:81f:c999:d94:aa7c:2e3e\t49185\t2001:470:4867:99::21\t21\tanonymous\ttest\tRETR\tftp://[2001:470:4867:99::21]/robots.txt\t-\t77\t226\tTransfer complete.\t-\t-\t-\t-\t-",
    "1329327795.355248\tCXWv6p3arKYeMETxOg\t2001:470:1f11:81f:c999:d94:aa7c:2e3e\t49185\t2001:470:4867:99::21\t21\tanonymous\ttest\tEPRT\t|2|2001:470:1f11:81f:c999:d94:aa7c:2e3e|49189|\t-\t-\t200\tEPRT command successful.\tF\t2001:470:4867:99::21\t2001:470:1f11:81f:c999:d94:aa7c:2e3e\t49189\t-",
    "1329327795.463946\tCXWv6p3arKYeMETxOg\t2001:470:1f11:81f:c999:d94:aa7c:2e3e\t49185\t2001:470:4867:99::21\t21\tanonymous\ttest\tRETR\tftp://[2001:470:4867:99::21]/robots.txt\t-\t77\t226\tTransfer complete.\t-\t-\t-\t-\t-",
    "1329327799.799327\tCXWv6p3arKYeMETxOg\t2001:470:1f11:81f:c999:d94:aa7c:2e3e\t49185\t2001:470:4867:99::21\t21\tanonymous\ttest\tEPRT\t|2|2001:470:1f11:81f:c999:d94:aa7c:2e3e|49190|\t-\t-\t200\tEPRT command successful.\tF\t2001:470:4867:99::21\t2001:470:1f11:81f:c999:d94:aa7c:2e3e\t49190\t-",
    "#close\t2013-08-26-18-40-14",
    "",
  ].join("\n");

  const conn = {
    uid: "CXWv6p3arKYeMETxOg",
    origHost: "2001:470:1f11:81f:c999:d94:aa7c:2e3e",
    origPort: 49185,
    respHost: "2001:470:4867:99::21",
    respPort: 21,
  };
  const client = conn.origHost;

  // The control-channel dialogue of that trace, as far as the log shows it (the session around the logged
  // commands — login, PWD, the 150 replies — is the usual anonymous session of that server).
  const steps: (readonly [number, string])[] = [
    [1329327770.0, "S: 220 ProFTPD Server ready."],
    [1329327771.0, "C: USER anonymous"],
    [1329327771.1, "S: 331 Anonymous login ok, send your complete email address as your password"],
    [1329327772.0, "C: PASS test"],
    [1329327772.1, "S: 230 Anonymous access granted, restrictions apply"],
    [1329327773.0, "C: PWD"],
    [1329327773.1, 'S: 257 "/" is the current directory'],
    [1329327783.207785, "C: EPSV"],
    [1329327783.3, "S: 229 Entering Extended Passive Mode (|||57086|)"],
    [1329327786.415755, "C: EPSV"],
    [1329327786.5, "S: 229 Entering Extended Passive Mode (|||57087|)"],
    [1329327787.180814, "C: EPSV"],
    [1329327787.2, "S: 229 Entering Extended Passive Mode (|||57088|)"],
    [1329327787.396984, "C: RETR robots.txt"],
    [1329327787.4, "S: 150 Opening BINARY mode data connection for robots.txt (77 bytes)"],
    [1329327787.5, "S: 226 Transfer complete."],
    [1329327795.355248, `C: EPRT |2|${client}|49189|`],
    [1329327795.4, "S: 200 EPRT command successful."],
    [1329327795.463946, "C: RETR robots.txt"],
    [1329327795.5, "S: 150 Opening BINARY mode data connection for robots.txt (77 bytes)"],
    [1329327795.6, "S: 226 Transfer complete."],
    [1329327799.799327, `C: EPRT |2|${client}|49190|`],
    [1329327799.9, "S: 200 EPRT command successful."],
    [1329327800.0, "C: QUIT"],
    [1329327800.1, "S: 221 Goodbye."],
  ];

  test("the same dialogue gives Zeek's ftp.log byte for byte", () => {
    const logged = exchanges(steps, { recordPasswords: "guest" }).filter(
      (e) => e.command !== undefined && ZEEK_LOGGED_COMMANDS.has(e.command.verb),
    );
    const stamp = new Date(Date.UTC(2013, 7, 26, 18, 40, 14));
    const text = formatZeekLog(
      logged.map((e) => toFtpLogRecord(e, conn)),
      { open: stamp, close: stamp },
    );
    expect(text).toBe(ZEEK_IPV6_BASELINE);
  });

  test("the header lists Zeek's fields and types in Zeek's order", () => {
    const { meta, fields, types } = readZeekLog(createZeekLogWriter({ open: new Date(0) }).header());
    expect(meta.get("separator")).toBe("\\x09");
    expect(meta.get("path")).toBe("ftp");
    expect(meta.get("open")).toBe("1970-01-01-00-00-00");
    expect(fields).toEqual(FTP_LOG_FIELDS.map(([name]) => name));
    expect(types).toEqual(FTP_LOG_FIELDS.map(([, type]) => type));
  });
});

describe("toFtpLogRecord", () => {
  test("defaults: <unknown> user, unset password before PASS, unset empty arg", () => {
    const [greeting, syst] = exchanges([
      [undefined, "S: 220 hi"],
      [undefined, "C: SYST"],
      [undefined, "S: 215 UNIX Type: L8"],
    ]);
    const record = toFtpLogRecord(syst!);
    expect(record).toMatchObject({
      ts: undefined,
      uid: undefined,
      user: "<unknown>",
      password: undefined,
      command: "SYST",
      arg: undefined,
      reply_code: 215,
      reply_msg: "UNIX Type: L8",
      "data_channel.passive": undefined,
    });
    expect(toFtpLogRecord(greeting!)).toMatchObject({ command: undefined, reply_code: 220, reply_msg: "hi" });
  });

  test("file commands: ftp:// URL from the server address and cwd; ./ when the cwd is unknown", () => {
    const list = exchanges([
      [1, "S: 220 hi"],
      [2, "C: RETR a b.txt"],
      [3, "S: 550 no"],
      [4, "C: CWD /pub/x"],
      [5, "S: 250 ok"],
      [6, "C: DELE ../y.txt"],
      [7, "S: 250 ok"],
    ]);
    expect(toFtpLogRecord(list[1]!, { respHost: "10.0.0.1" }).arg).toBe("ftp://10.0.0.1/./a b.txt");
    expect(toFtpLogRecord(list[3]!, { respHost: "10.0.0.1" }).arg).toBe("ftp://10.0.0.1/pub/y.txt");
    expect(toFtpLogRecord(list[3]!).arg).toBe("/pub/y.txt");
    expect(toFtpLogRecord(list[2]!, { respHost: "::1" }).arg).toBe("ftp://[::1]/pub/x");
  });

  test("PORT and PASV data channels take their ends from the connection as Zeek does", () => {
    const list = exchanges([
      [1, "S: 220 hi"],
      [2, "C: PORT 192,168,0,9,4,1"],
      [3, "S: 200 ok"],
      [4, "C: PASV"],
      [5, "S: 227 Entering Passive Mode (10,0,0,1,4,2)."],
      [6, "C: LIST"],
      [7, "S: 150 listing"],
      [8, "S: 226-done\r\n226 really done"],
    ]);
    const conn = { origHost: "192.168.0.9", respHost: "10.0.0.1" };
    expect(toFtpLogRecord(list[1]!, conn)).toMatchObject({
      "data_channel.passive": false,
      "data_channel.orig_h": "10.0.0.1",
      "data_channel.resp_h": "192.168.0.9",
      "data_channel.resp_p": 1025,
    });
    expect(toFtpLogRecord(list[2]!, conn)).toMatchObject({
      "data_channel.passive": true,
      "data_channel.orig_h": "192.168.0.9",
      "data_channel.resp_h": "10.0.0.1",
      "data_channel.resp_p": 1026,
    });
    // Only the set-up rows carry the channel; a multi-line reply logs its last line.
    expect(toFtpLogRecord(list[3]!, conn)).toMatchObject({
      "data_channel.passive": undefined,
      reply_msg: "really done",
    });
  });

  test("the password column stays masked unless recorded", () => {
    const steps = [
      [1, "S: 220 hi"],
      [2, "C: USER bob"],
      [3, "S: 331 pw"],
      [4, "C: PASS hunter2"],
      [5, "S: 230 ok"],
    ] as const;
    const masked = exchanges(steps).map((e) => toFtpLogRecord(e));
    expect(masked[2]).toMatchObject({ user: "bob", password: "<hidden>", command: "PASS", arg: "<hidden>" });
    expect(JSON.stringify(masked)).not.toContain("hunter2");
    const kept = exchanges(steps, { recordPasswords: true }).map((e) => toFtpLogRecord(e));
    expect(kept[2]).toMatchObject({ password: "hunter2", arg: "hunter2" });
  });
});

describe("Zeek escaping", () => {
  test("tabs, newlines, backslashes and control bytes become \\xHH", () => {
    expect(escapeZeekString("a\tb")).toBe("a\\x09b");
    expect(escapeZeekString("line1\nline2\r")).toBe("line1\\x0aline2\\x0d");
    expect(escapeZeekString("C:\\dir")).toBe("C:\\x5cdir");
    expect(escapeZeekString("\u0001\u007f")).toBe("\\x01\\x7f");
  });

  test("empty is (empty); values equal to a marker get their first character escaped", () => {
    expect(escapeZeekString("")).toBe("(empty)");
    expect(escapeZeekString("-")).toBe("\\x2d");
    expect(escapeZeekString("(empty)")).toBe("\\x28empty)");
    expect(escapeZeekString("--")).toBe("--");
  });

  test("UTF-8 text stays unless utf8 is off, then each byte is escaped", () => {
    expect(escapeZeekString("café 文件")).toBe("café 文件");
    expect(escapeZeekString("café", false)).toBe("caf\\xc3\\xa9");
    expect(escapeZeekString("\ud800x")).toBe("\\xef\\xbf\\xbdx");
    expect(escapeZeekString("😀")).toBe("😀");
  });

  test("rows: unset is -, bool T/F, time with 6 decimals", () => {
    const writer = createZeekLogWriter();
    const record = Object.fromEntries(
      FTP_LOG_FIELDS.map(([name]) => [name, undefined]),
    ) as unknown as FtpLogRecord;
    const row = writer.row({ ...record, ts: 1.5, user: "", "data_channel.passive": false, file_size: 10 });
    expect(row).toBe(`1.500000\t-\t-\t-\t-\t-\t(empty)\t-\t-\t-\t-\t10\t-\t-\tF\t-\t-\t-\t-\n`);
  });

  propertyTest.prop([
    fc.array(fc.tuple(fc.option(fc.string({ unit: "binary" })), fc.string()), { maxLength: 10 }),
  ])("every row has one cell per field and reads back to the values written", (values) => {
    const records = values.map(([arg, msg]) => ({
      ...(Object.fromEntries(FTP_LOG_FIELDS.map(([name]) => [name, undefined])) as unknown as FtpLogRecord),
      user: msg,
      arg: arg ?? undefined,
      reply_msg: msg,
    }));
    const { rows, fields } = readZeekLog(formatZeekLog(records, { open: new Date(0), close: new Date(0) }));
    expect(rows).toHaveLength(records.length);
    const argIndex = fields.indexOf("arg");
    const msgIndex = fields.indexOf("reply_msg");
    rows.forEach((row, i) => {
      expect(row).toHaveLength(fields.length);
      // Lone surrogates cannot be written as UTF-8: they read back as U+FFFD, as any UTF-8 writer does.
      const expected = (s: string | undefined) =>
        s === undefined ? undefined : new TextDecoder().decode(new TextEncoder().encode(s));
      expect(unescapeZeek(row[argIndex]!)).toBe(expected(records[i]!.arg));
      expect(unescapeZeek(row[msgIndex]!)).toBe(expected(records[i]!.reply_msg));
    });
  });

  test("each Zeek type formats as Zeek's ASCII writer does", () => {
    expect(formatZeekValue(1329327783.2077851, "time")).toBe("1329327783.207785");
    expect(formatZeekValue(0.5, "interval")).toBe("0.500000");
    expect(formatZeekValue(false, "bool")).toBe("F");
    expect(formatZeekValue(true, "bool")).toBe("T");
    expect(formatZeekValue(77.9, "count")).toBe("77");
    expect(formatZeekValue(21, "port")).toBe("21");
    expect(formatZeekValue("fe80::1%é", "addr")).toBe("fe80::1%\\xc3\\xa9"); // addresses are never UTF-8
    expect(formatZeekValue("café", "string")).toBe("café");
    expect(formatZeekValue("café", "string", false)).toBe("caf\\xc3\\xa9");
    expect(formatZeekValue(undefined, "count")).toBe("-");
    expect(formatZeekValue("", "string")).toBe("(empty)");
  });

  test("C1 controls and astral characters: escaped and kept", () => {
    expect(escapeZeekString("a\u009bb")).toBe("a\\xc2\\x9bb");
    expect(escapeZeekString("\u{1f600}\t")).toBe("\u{1f600}\\x09");
    expect(escapeZeekString("\u{1f600}\t", false)).toBe("\\xf0\\x9f\\x98\\x80\\x09");
  });

  test("the streaming writer gives the same text as formatZeekLog", () => {
    const stamp = new Date(Date.UTC(2024, 0, 2, 3, 4, 5));
    const list = exchanges([
      [1, "S: 220 hi"],
      [2, "C: STOR x"],
      [3, "S: 553 no"],
    ]).map((e) => toFtpLogRecord(e));
    const writer = createZeekLogWriter({ open: stamp, close: stamp });
    const streamed = writer.header() + list.map((r) => writer.row(r)).join("") + writer.footer();
    expect(streamed).toBe(formatZeekLog(list, { open: stamp, close: stamp }));
    expect(streamed).toContain("#open\t2024-01-02-03-04-05\n");
    expect(streamed.endsWith("#close\t2024-01-02-03-04-05\n")).toBe(true);
  });
});

describe("Zeek's byte escapes and field caps", () => {
  const bytes = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
  /** A dialogue fed as raw bytes (Latin-1 names), through the real parsers. */
  function latin1Exchanges(commandLine: string, replyLine: string): Exchange[] {
    const commands = parseCommands(bytes(`${commandLine}\r\n`));
    const replies = parseReplies(bytes(`220 hi\r\n${replyLine}\r\n`));
    return runDialogue([
      { type: "reply", reply: replies[0]! },
      { type: "command", command: commands[0]! },
      { type: "reply", reply: replies[1]! },
    ]).exchanges;
  }

  test("bytes that are not UTF-8 are written \\xNN, as Zeek writes them; valid UTF-8 stays", () => {
    const [, dele] = latin1Exchanges("DELE r\xe9sum\xe9.txt", "550 r\xe9sum\xe9.txt: Permission denied");
    expect(dele!.command!.arg).toBe("r\ufffdsum\ufffd.txt"); // the exchange: decoded text, as everywhere
    const record = toFtpLogRecord(dele!, { respHost: "10.0.0.1" });
    const row = createZeekLogWriter().row(record).split("\t");
    expect(row[9]).toBe("ftp://10.0.0.1/./r\\xe9sum\\xe9.txt");
    expect(row[13]).toBe("r\\xe9sum\\xe9.txt: Permission denied");
    const [, utf8] = latin1Exchanges("DELE \xe6\xac\xa2.txt", "550 no");
    expect(createZeekLogWriter().row(toFtpLogRecord(utf8!)).split("\t")[9]).toBe("/./欢.txt");
  });

  test("four-byte UTF-8 stays; overlong, surrogate and out-of-range sequences are written byte by byte (RFC 3629 §4)", () => {
    const argOf = (line: string) =>
      createZeekLogWriter()
        .row(toFtpLogRecord(latin1Exchanges(`DELE ${line}`, "550 no")[1]!))
        .split("\t")[9];
    expect(argOf("\xf0\x9f\x98\x80.txt")).toBe("/./\u{1f600}.txt"); // U+1F600, four bytes
    expect(argOf("\xf4\x8f\xbf\xbf\xe9")).toBe("/./\u{10ffff}\\xe9"); // the last code point, then a lone byte
    expect(argOf("\xe0\x80\x80")).toBe("/./\\xe0\\x80\\x80"); // overlong NUL
    expect(argOf("\xed\xa0\x80")).toBe("/./\\xed\\xa0\\x80"); // a UTF-16 surrogate in UTF-8
    expect(argOf("\xf0\x80\x80\x80")).toBe("/./\\xf0\\x80\\x80\\x80"); // overlong four-byte
    expect(argOf("\xf4\x90\x80\x80")).toBe("/./\\xf4\\x90\\x80\\x80"); // past U+10FFFF
    expect(argOf("\xf5\x80")).toBe("/./\\xf5\\x80"); // never a lead byte
    expect(argOf("\xc3")).toBe("/./\\xc3"); // a lead byte at the end, its continuation missing
  });

  test("a long argument of bytes that are not UTF-8 is cut at 4096 of those bytes, each written \\xNN", () => {
    const [, dele] = latin1Exchanges(`DELE ${"\xe9".repeat(5000)}`, "550 no");
    const arg = toFtpLogRecord(dele!).arg!;
    const cell = escapeZeekString(arg);
    expect(cell).toBe(`/./${"\\xe9".repeat(4093)}`); // "/./" is 3 of the 4096 bytes
  });

  test("arg and reply_msg are cut at 4096 bytes, user and password at 128 (main.zeek); a cut character is escaped", () => {
    const euro = "€".repeat(2000); // 3 bytes each: 4096 bytes end one byte into the 1366th
    const list = exchanges([
      [1, "S: 220 hi"],
      [2, `C: USER ${"u".repeat(300)}`],
      [3, "S: 331 pw"],
      [4, `C: SITE ${euro}`],
      [5, `S: 500 ${"x".repeat(6000)}`],
    ]);
    const user = toFtpLogRecord(list[1]!);
    expect(user.user).toBe("u".repeat(128));
    expect(user.arg).toBe("u".repeat(300));
    const site = toFtpLogRecord(list[2]!);
    expect(site.reply_msg).toBe("x".repeat(4096));
    expect(escapeZeekString(site.arg!)).toBe(`${"€".repeat(1365)}\\xe2`);
  });
});
