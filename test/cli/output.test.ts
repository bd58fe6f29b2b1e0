/** The writers behind --format, the option parser, colours and the progress bar, in process. */
import { Buffer } from "node:buffer";
import { Writable } from "node:stream";
import { describe, expect, test } from "vitest";
import { parseArgs, UsageError } from "../../src/cli/args.js";
import { createPalette, shouldColor, styleForCode } from "../../src/cli/color.js";
import { PCAP_TEXT, zhDialogueMessage } from "../../src/cli/messages.js";
import {
  createBufferedSink,
  createWriter,
  type ExchangeFile,
  formatTimestamp,
  type OutputFormat,
} from "../../src/cli/output.js";
import { createProgress, PROGRESS_THRESHOLD_BYTES, renderProgress } from "../../src/cli/progress.js";
import { type Command, parseCommands } from "../../src/command/parser.js";
import { type Exchange, runDialogue } from "../../src/connection/index.js";
import { escapeJson } from "../../src/node/escape.js";
import type { ConnectionInfo } from "../../src/records.js";
import { createReply } from "../../src/reply/annotated.js";
import { parseReplies } from "../../src/reply/parser.js";
import type { Reply } from "../../src/reply/reply.js";
import { configureProperties, fc, propertyTest } from "../helpers/properties.js";

configureProperties();

function collector(): { write(text: string): void; text: string } {
  return {
    text: "",
    write(text: string) {
      this.text += text;
    },
  };
}

/** A small real dialogue: greeting, a failed and a good login, a transfer, a reply invalid for its command. */
function dialogue(recordPasswords: boolean | "guest" = false) {
  const replies = parseReplies(
    "220 hi\r\n331 pw\r\n530 no\r\n331 pw\r\n230 in\r\n150 Opening (14 bytes).\r\n226 done\r\n227 x (127,0,0,1,4,1)\r\n",
  );
  const commands = parseCommands(
    "USER bob\r\nPASS secret\r\nUSER bob\r\nPASS right\r\nRETR a.txt\r\nEPSV\r\n",
  );
  const events = [
    { type: "reply" as const, reply: replies[0]!, ts: 1_700_000_000 },
    ...[0, 1, 2, 3].flatMap((i) => [
      { type: "command" as const, command: commands[i]!, ts: 1_700_000_001 + i },
      { type: "reply" as const, reply: replies[i + 1]!, ts: 1_700_000_001 + i },
    ]),
    { type: "command" as const, command: commands[4]!, ts: 1_700_000_010 },
    { type: "reply" as const, reply: replies[5]!, ts: 1_700_000_010 },
    { type: "reply" as const, reply: replies[6]!, ts: 1_700_000_011 },
    { type: "command" as const, command: commands[5]!, ts: 1_700_000_012 },
    { type: "reply" as const, reply: replies[7]!, ts: 1_700_000_012 },
  ];
  return runDialogue(events, { recordPasswords });
}

function write(format: OutputFormat, options: Partial<Parameters<typeof createWriter>[2]> = {}) {
  const out = collector();
  const err = collector();
  const writer = createWriter(format, out, {
    lang: "en",
    color: false,
    summary: true,
    stderr: err,
    ...options,
  });
  for (const exchange of dialogue(options.showPasswords).exchanges)
    writer.exchange(exchange, { origHost: "10.0.0.1" });
  writer.diagnostic({ type: "unknown-line", message: "odd", line: 7 });
  writer.end();
  return { out: out.text, err: err.text, summary: writer.summary };
}

describe("writers", () => {
  test("the summary counts codes, classes, logins, errors, transfers and bytes", () => {
    const { summary } = write("ndjson");
    expect(summary).toMatchObject({
      replies: 8,
      byClass: { "1xx": 1, "2xx": 4, "3xx": 2, "5xx": 1 },
      byCode: { "530": 1, "331": 2 },
      commands: 6,
      logins: 1,
      failedLogins: 1,
      errors: 1,
      transfers: 1,
      failedTransfers: 0,
      bytes: 14,
      diagnostics: 2,
      byDiagnostic: { "invalid-reply": 1, "unknown-line": 1 },
    });
  });

  test("ndjson: one record per line, the summary last; passwords masked", () => {
    const records = write("ndjson")
      .out.trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(records.map((r) => r.record)).toEqual([...Array(7).fill("exchange"), "diagnostic", "summary"]);
    expect(records[2]).toMatchObject({ command: { verb: "PASS", arg: "<hidden>" }, password: "<hidden>" });
    expect(records[5]).toMatchObject({
      code: 226,
      fileSize: 14,
      origHost: "10.0.0.1",
      startTs: 1_700_000_010,
    });
    expect(records[6].diagnostics).toEqual([expect.objectContaining({ type: "invalid-reply" })]);
    expect(records[7]).toEqual({ record: "diagnostic", type: "unknown-line", message: "odd", line: 7 });
  });

  test("the writer masks PASS even when the session kept it, unless showPasswords", () => {
    const out = collector();
    const writer = createWriter("ndjson", out, { lang: "en", color: false, summary: false });
    for (const exchange of dialogue(true).exchanges) writer.exchange(exchange);
    writer.end();
    expect(out.text).not.toContain("secret");
    expect(write("ndjson", { showPasswords: true }).out).toContain('"arg":"secret"');
  });

  test("json: one valid array (also when empty)", () => {
    expect(JSON.parse(write("json").out)).toHaveLength(9);
    const out = collector();
    const writer = createWriter("json", out, { lang: "en", color: false, summary: false });
    writer.end();
    expect(JSON.parse(out.text)).toEqual([]);
  });

  test("pretty: commands, replies with meanings, diagnostics, summary; Chinese labels with lang zh", () => {
    const { out } = write("pretty");
    expect(out).toContain("C: USER bob");
    expect(out).toContain("S: 530 no  · Not logged in.");
    expect(out).toContain("! invalid-reply:");
    expect(out).toContain("! line 7: unknown-line: odd");
    expect(out).toMatch(/\[2023-11-14 22:13:20\.000\] \(greeting\)/);
    expect(out).toMatch(/logins\s+1 ok, 1 failed/);
    const zh = write("pretty", { lang: "zh" }).out;
    expect(zh).toContain("未登录。");
    expect(zh).toContain("摘要");
  });

  test("pretty with colour: codes coloured by class", () => {
    const { out } = write("pretty", { color: true });
    expect(out).toContain("\u001b[31m530 no");
    expect(out).toContain("\u001b[32m230 in");
  });

  test("zeek: header, one row per command, #close; diagnostics and summary on stderr", () => {
    const { out, err } = write("zeek");
    const lines = out.trim().split("\n");
    const fields = lines
      .find((l) => l.startsWith("#fields"))!
      .split("\t")
      .slice(1);
    const rows = lines.filter((l) => !l.startsWith("#")).map((l) => l.split("\t"));
    expect(rows).toHaveLength(6);
    expect(rows.every((row) => row.length === fields.length)).toBe(true);
    const retr = rows[4]!;
    expect(retr[fields.indexOf("command")]).toBe("RETR");
    expect(retr[fields.indexOf("file_size")]).toBe("14");
    expect(retr[fields.indexOf("password")]).toBe("<hidden>");
    expect(lines[lines.length - 1]).toMatch(/^#close\t/);
    expect(err).toContain("unknown-line");
    expect(err).toContain("Summary");
  });

  test("lone replies (parse): every format, 1xx included in zeek", () => {
    const replies = parseReplies("150 Opening (5 bytes).\r\n226 ok\r\n530 no\r\n230 in\r\n");
    for (const format of ["pretty", "json", "ndjson", "zeek"] as const) {
      const out = collector();
      const writer = createWriter(format, out, { lang: "en", color: false, summary: format !== "zeek" });
      for (const reply of replies) writer.reply(reply);
      writer.end();
      expect(out.text).toContain("530");
      expect(writer.summary).toMatchObject({
        replies: 4,
        transfers: 1,
        bytes: 5,
        failedLogins: 1,
        logins: 1,
      });
    }
    const out = collector();
    const zeek = createWriter("zeek", out, { lang: "en", color: false, summary: false });
    zeek.reply(replies[0]!);
    zeek.end();
    expect(out.text).toContain("\t150\tOpening (5 bytes).\t");
  });

  // parse --summary used to read `(N bytes)` with its own looser copy of parseTransferSize: for these replies the
  // two counted different bytes (a later parenthesis hid the size; BYTES in capitals; blanks before the
  // parenthesis; a size above 2^53-1 counted as an imprecise number instead of none).
  test.each([
    ["150 Opening BINARY mode data connection for a.bin (1048576 bytes) (see the log, 2 bytes).", 1048576],
    ["150 Opening data connection (12 BYTES)", 12],
    ["150 Opening data connection (12 bytes )", 12],
    ["150 Opening data connection (99999999999999999999 bytes)", 0],
    ["150 Opening data connection for (x bytes) (7 bytes).", 7],
  ])("summary bytes: parse (a lone reply) counts what log (the dialogue) counts: %s", (line, bytes) => {
    const lone = createWriter("ndjson", collector(), { lang: "en", color: false, summary: true });
    for (const reply of parseReplies(`${line}\r\n226 ok\r\n`)) lone.reply(reply);
    const replies = parseReplies(`${line}\r\n226 ok\r\n`);
    const events = [
      { type: "command" as const, command: parseCommands("RETR a.bin\r\n")[0]! },
      ...replies.map((reply) => ({ type: "reply" as const, reply })),
    ];
    const inDialogue = createWriter("ndjson", collector(), { lang: "en", color: false, summary: true });
    for (const exchange of runDialogue(events).exchanges) inDialogue.exchange(exchange);
    expect(inDialogue.summary.bytes).toBe(bytes);
    expect(lone.summary.bytes).toBe(bytes);
  });

  test("time stamps: epoch seconds with the date, seconds of a day without", () => {
    expect(formatTimestamp(1_700_000_000.25)).toBe("2023-11-14 22:13:20.250");
    expect(formatTimestamp(3661.5)).toBe("01:01:01.500");
  });

  test("to a Node stream the sink writes bytes: the text's UTF-8, in pieces, whatever the sizes", async () => {
    const chunks: Buffer[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk);
        done();
      },
    });
    const sink = createBufferedSink(stream);
    const parts = ["a", "é · 欢迎 😀\n", "x".repeat(30_000), "y".repeat(70_000), "\ud800 lone", "z"];
    for (let i = 0; i < 40; i++) sink.write(parts[i % parts.length]!);
    expect(chunks.length).toBeGreaterThan(1);
    await sink.close();
    const text = Array.from({ length: 40 }, (_, i) => parts[i % parts.length]).join("");
    expect(Buffer.concat(chunks).equals(Buffer.from(text))).toBe(true);
    expect(chunks.every((chunk) => Buffer.isBuffer(chunk))).toBe(true);
  });

  test("to a Node stream that is full, the sink waits for its drain", async () => {
    let release: (() => void) | undefined;
    const stream = new Writable({
      highWaterMark: 1,
      write(_chunk, _encoding, done) {
        release = done;
      },
    });
    const sink = createBufferedSink(stream);
    sink.write("x".repeat(70_000));
    let drained = false;
    const waiting = sink.drain().then(() => {
      drained = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(drained).toBe(false);
    release!();
    await waiting;
    expect(drained).toBe(true);
  });

  test("the buffered sink gathers writes and waits for drain when the stream is full", async () => {
    const written: string[] = [];
    let drain: (() => void) | undefined;
    const stream = {
      write(text: string) {
        written.push(text);
        return false;
      },
      once(_event: "drain", listener: () => void) {
        drain = listener;
      },
    };
    const sink = createBufferedSink(stream);
    sink.write("a");
    sink.write("b");
    expect(written).toEqual([]);
    sink.write("x".repeat(70_000));
    expect(written).toHaveLength(1);
    let drained = false;
    const waiting = sink.drain().then(() => {
      drained = true;
    });
    await Promise.resolve();
    expect(drained).toBe(false);
    drain!();
    await waiting;
    expect(drained).toBe(true);
    await sink.close();
    expect(written.join("")).toBe(`ab${"x".repeat(70_000)}`);
  });
});

describe("options", () => {
  const context = { env: {}, stdoutIsTTY: false };
  test("defaults, long options with = or a separate value, short options, - and --", () => {
    const parsed = parseArgs(["-f", "zeek", "--encoding=latin1", "-s", "--", "--odd-file"], context);
    expect(parsed.options).toMatchObject({ format: "zeek", encoding: "latin1", summary: true, lang: "en" });
    expect(parsed.positionals).toEqual(["--odd-file"]);
    expect(parseArgs(["-"], context).positionals).toEqual(["-"]);
    expect(parseArgs([], { env: { LC_ALL: "zh_CN.UTF-8" }, stdoutIsTTY: false }).options.lang).toBe("zh");
    expect(parseArgs([], { env: {}, stdoutIsTTY: true }).options.color).toBe(true);
  });

  test("extra options of a subcommand are checked too", () => {
    const parsed = parseArgs(["--input-format", "lftp"], context, [
      { name: "input-format", takesValue: true, values: ["lftp"] },
    ]);
    expect(parsed.extra.get("input-format")).toBe("lftp");
  });

  test.each([
    [["--format"], "needs a value"],
    [["--format", "xml"], "--format takes"],
    [["--summary=yes"], "takes no value"],
    [["--encoding", "klingon"], "unknown --encoding"],
    [["-x"], "unknown option"],
    [["--nope"], "unknown option"],
  ])("%j is a usage error", (argv, message) => {
    expect(() => parseArgs(argv, context)).toThrow(UsageError);
    expect(() => parseArgs(argv, context)).toThrow(message);
  });
});

describe("colour and progress", () => {
  test("FORCE_COLOR wins, then NO_COLOR, then the terminal", () => {
    expect(shouldColor({ FORCE_COLOR: "1", NO_COLOR: "1" }, false)).toBe(true);
    expect(shouldColor({ FORCE_COLOR: "0" }, true)).toBe(false);
    expect(shouldColor({ NO_COLOR: "1" }, true)).toBe(false);
    expect(shouldColor({ NO_COLOR: "" }, true)).toBe(true);
    expect(shouldColor({}, undefined)).toBe(false);
    const palette = createPalette(true);
    expect(styleForCode(palette, 421)("x")).toBe("\u001b[33mx\u001b[39m");
    expect(styleForCode(palette, 631)("x")).toBe("\u001b[31mx\u001b[39m");
    expect(createPalette(false).dim("x")).toBe("x");
  });

  test("a bar only on a terminal and for large inputs, redrawn at most every 100 ms, erased at the end", () => {
    const out = collector();
    let now = 0;
    const tty = Object.assign(out, { isTTY: true });
    const small = createProgress(tty, "f", PROGRESS_THRESHOLD_BYTES - 1, () => now);
    small.update(10);
    expect(out.text).toBe("");
    const notTty = createProgress(collector(), "f", PROGRESS_THRESHOLD_BYTES * 2, () => now);
    notTty.update(10);
    const bar = createProgress(tty, "big.log", PROGRESS_THRESHOLD_BYTES * 2, () => now);
    now = 1000;
    bar.update(PROGRESS_THRESHOLD_BYTES);
    now = 1050;
    bar.update(PROGRESS_THRESHOLD_BYTES + 1);
    bar.done();
    expect(out.text).toBe(
      `\r${renderProgress("big.log", PROGRESS_THRESHOLD_BYTES, PROGRESS_THRESHOLD_BYTES * 2)}\r\u001b[K`,
    );
    expect(renderProgress("f", 50, 100)).toContain(" 50% ");
    // The label is a file name: escaped and cut like any argument a line quotes.
    expect(renderProgress("a\u001b[2J", 50, 100)).toMatch(/^a\\x1b\[2J \[/);
    expect(renderProgress("b".repeat(5000), 50, 100)).toMatch(/^b{200}… \[/);
  });
});

describe("pretty output of several sessions", () => {
  /** Two sessions whose exchanges alternate (A, B, A, B …), A ending first. */
  function twoSessions(options: { sessions?: boolean; maxHeldChars?: number }) {
    const out = collector();
    const writer = createWriter("pretty", out, { lang: "en", color: false, summary: false, ...options });
    const a = { uid: "CAAAAAAAAAAAA", origHost: "10.0.0.1", sessionKey: "pid 1" };
    const b = { uid: "CBBBBBBBBBBBB", origHost: "10.0.0.2", sessionKey: "pid 2" };
    const exchanges = dialogue().exchanges;
    exchanges.forEach((exchange, i) => {
      writer.exchange(exchange, i % 2 === 0 ? a : b);
    });
    writer.sessionEnd(a);
    writer.sessionEnd(b);
    writer.end();
    return { text: out.text, count: exchanges.length };
  }
  const headers = (text: string): string[] =>
    text.split("\n").filter((line) => line.startsWith("── session "));
  const commandsOf = (text: string): string[] => text.split("\n").filter((line) => line.includes("C: "));

  test("each session is one block under its header, in the order the sessions began", () => {
    const { text } = twoSessions({ sessions: true });
    expect(headers(text)).toEqual([
      "── session CAAAAAAAAAAAA · 10.0.0.1 → ? · pid 1 ──",
      "── session CBBBBBBBBBBBB · 10.0.0.2 → ? · pid 2 ──",
    ]);
    const [blockA, blockB] = text.split(/^── session .*$/m).slice(1);
    const exchanges = dialogue().exchanges;
    const linesOf = (parity: number): string[] =>
      exchanges
        .filter((exchange, i) => i % 2 === parity && exchange.command !== undefined)
        .map((exchange) => `C: ${exchange.command!.line}`);
    const shown = (block: string): string[] =>
      commandsOf(block).map((line) => line.slice(line.indexOf("C: ")));
    expect(shown(blockA!)).toEqual(linesOf(0));
    expect(shown(blockB!)).toEqual(linesOf(1));
    expect(linesOf(0).length).toBeGreaterThan(0);
    expect(linesOf(1).length).toBeGreaterThan(0);
  });

  test("past the limit on waiting text, sessions interleave, a header at each change; nothing is lost", () => {
    const grouped = twoSessions({ sessions: true });
    const interleaved = twoSessions({ sessions: true, maxHeldChars: 1 });
    expect(headers(interleaved.text).length).toBeGreaterThan(2);
    expect(commandsOf(interleaved.text).sort()).toEqual(commandsOf(grouped.text).sort());
    // Without sessions, no headers at all (pcap's pretty output is unchanged).
    expect(headers(twoSessions({}).text)).toEqual([]);
  });
});

describe("the pcap sentences in Chinese", () => {
  const capture = (fields: Record<string, unknown>) =>
    PCAP_TEXT.zh.diagnostic({ layer: "capture", frame: 1, fileOffset: 0, message: "", ...fields } as never);

  test("every capture diagnostic type has its Chinese sentence; where it was found goes first", () => {
    expect(capture({ type: "not-ip" })).toBe("不是 IP 数据包（ARP 等）：只计数");
    expect(capture({ type: "missing-handshake", stream: 3 })).toBe(
      "流 3：连接没有 SYN（抓包从连接中途开始）",
    );
    expect(capture({ type: "overlap-mismatch", stream: 2, direction: "client-to-server" })).toBe(
      "流 2，客户端→服务器：重传的字节与首次看到的不同；保留首次的字节",
    );
    expect(capture({ type: "gap", stream: 0, direction: "server-to-client", streamOffset: 96 })).toBe(
      "流 0，服务器→客户端第 96 字节：抓包中缺少字节；之后的数据从下一行重新同步",
    );
    expect(capture({ type: "state-dropped", what: "half-open-connection", dropped: 4 })).toBe(
      "达到状态上限：最旧的状态被丢弃（见 docs/pcap-limits.md）：half-open-connection 已丢弃 4 个",
    );
    expect(capture({ type: "state-dropped" })).toBe(
      "达到状态上限：最旧的状态被丢弃（见 docs/pcap-limits.md）：? 已丢弃 0 个",
    );
    expect(capture({ type: "ftp", message: "a message without a type" })).toBe("FTP 字节无法解析（?）");
    // A type this table does not know yet (a newer analyzer): its name, not nothing.
    expect(capture({ type: "brand-new" })).toBe("brand-new");
  });

  test("the summary rows and connection phrases", () => {
    const zh = PCAP_TEXT.zh;
    expect(zh.bytes(0, 12)).toBe("12 字节发往服务器");
    expect(zh.bytes(5, 12)).toBe("5 字节发往客户端，12 字节发往服务器");
    expect(zh.bytes(5, 0)).toBe("5 字节发往客户端");
    expect(zh.captureRow("pcapng", 10, 8, 1, 1, "")).toContain(
      "pcapng，10 个数据包：TCP 8，其他 IP 1，非 IP 1",
    );
    expect(zh.captureRow("pcapng", 10, 8, 1, 1, "")).not.toContain("跳过");
    expect(zh.captureRow("pcap", 10, 8, 1, 1, "ip-fragment 2")).toContain("，跳过：ip-fragment 2");
    expect(zh.noticesRow(0, "")).toContain("无");
    expect(zh.noticesRow(2, "FTP::Bruteforcing 2")).toContain("2：FTP::Bruteforcing 2");
    expect(zh.weirdRow(1, "content_gap 1")).toContain("1：content_gap 1");
    expect(zh.tlsRow(3, "TLSv13 2")).toContain("3 次：TLSv13 2");
    expect(zh.droppedRow("connection 7")).toContain("connection 7（达到上限）");
    expect(zh.files(2)).toBe("2 个文件");
    expect(zh.forCommand("RETR a")).toBe("（RETR a）");
    expect(zh.byPort(21)).toBe("端口 21");
    expect(zh.frame(9)).toBe("第 9 帧");
  });

  test("every dialogue diagnostic in Chinese, from its command and reply", () => {
    const [command] = parseCommands("RETR a.txt\r\n");
    const [empty] = parseCommands("\r\n");
    const [reply] = parseReplies("530 no\r\n");
    const say = (type: string, fields: Record<string, unknown> = {}) =>
      zhDialogueMessage({ type, message: "english", command, reply, ...fields } as never);
    expect(say("invalid-reply")).toBe("答复 530 不是 RETR 的有效答复（RFC 959 §5.4）");
    expect(say("invalid-reply", { command: undefined })).toBe(
      "答复 530 不是 欢迎信息 的有效答复（RFC 959 §5.4）",
    );
    expect(say("invalid-greeting")).toBe("欢迎信息 530 不是 120、220 或 421（RFC 959 §5.4）");
    expect(say("missing-greeting")).toBe("在任何欢迎信息之前就收到了对命令的答复（530）");
    expect(say("unanswered-command", { command: empty })).toBe("会话结束前 空命令行 没有收到最终答复");
    expect(say("too-many-pending")).toBe("等待答复的命令过多；放弃 RETR");
    expect(say("too-many-preliminary")).toBe("RETR 的初步答复过多；其余的不保留");
    expect(say("foreign-data-address")).toBe(
      "数据连接地址不是控制连接的地址（FTP 跳转攻击或 NAT，RFC 2577 §3）",
    );
    expect(say("lost-reply")).toBe("答复 530 丢失（答复解析器丢弃了它）");
    expect(say("lost-reply", { reply: undefined })).toBe("一个答复丢失（答复解析器丢弃了它）");
    expect(say("malformed-reply")).toBe("无法解码答复 530");
    expect(say("too-many-diagnostics")).toBe("english"); // no Chinese text: the English message
  });
});

describe("json and ndjson exchange records, built without JSON.stringify", () => {
  const text = fc.oneof(
    fc.string({ unit: "binary", maxLength: 20 }),
    fc.constantFrom("ok", 'say "hi"', "C:\\dir", "a\u202eb", "é\u0085", "\ud800x", "😀"),
  );
  const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
  const number = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -0, 1795000000.00002, Number.NaN));
  const reply = fc
    .record({
      code: fc.integer({ min: 100, max: 699 }),
      lines: fc.array(text, { minLength: 1, maxLength: 3 }),
      text,
      offset: fc.nat(),
      byteLength: fc.nat(),
    })
    .map((r) =>
      createReply(r.code, r.lines, r.text, r.lines.length > 1, new Uint8Array(0), r.offset, r.byteLength),
    );
  const exchange = fc.record({
    kind: fc.constantFrom("command", "greeting", "unsolicited", "unmatched-reply") as fc.Arbitrary<
      Exchange["kind"]
    >,
    index: fc.nat(),
    command: optional(
      fc
        .record({ verb: text, arg: text, line: text, offset: fc.nat() })
        .map((c) => ({ ...c, raw: new Uint8Array(0), byteLength: 0, truncated: false }) as Command),
    ),
    replies: fc.array(reply, { maxLength: 3 }),
    startTs: optional(number),
    endTs: optional(number),
    duration: optional(number),
    user: optional(text),
    password: optional(text),
    login: optional(fc.constantFrom("success", "failure") as fc.Arbitrary<"success" | "failure">),
    cwd: optional(text),
    path: optional(text),
    type: optional(text),
    dataChannel: optional(fc.record({ passive: fc.boolean(), host: optional(text), port: fc.nat() })),
    fileSize: optional(number),
    diagnostics: fc.array(
      fc.record({ type: fc.constantFrom("unmatched-reply", "invalid-reply"), message: text }),
      { maxLength: 2 },
    ),
  });
  const conn = optional(
    fc.record(
      {
        uid: text,
        origHost: text,
        origPort: fc.nat(),
        respHost: text,
        respPort: fc.nat(),
        sessionStart: number,
      },
      { requiredKeys: [] },
    ),
  );
  const file = optional(fc.record({ fuid: text, mimeType: optional(text) }));

  /** The documented record (docs/pcap.md), as the generic writer made it: JSON.stringify, then escapeJson. */
  function expected(
    ex: Exchange,
    info: ConnectionInfo | undefined,
    showPasswords: boolean,
    f: ExchangeFile | undefined,
  ): string {
    const c = ex.command;
    const masked =
      c !== undefined && !showPasswords && c.verb === "PASS" && c.arg !== "" && c.arg !== "<hidden>";
    const command =
      c === undefined
        ? undefined
        : masked
          ? {
              verb: c.verb,
              arg: "<hidden>",
              line: `${c.line.slice(0, c.line.length - c.arg.length)}<hidden>`,
              offset: c.offset,
            }
          : { verb: c.verb, arg: c.arg, line: c.line, offset: c.offset };
    // The keys in their documented order; the exchange's own fields by name where the record keeps them as they are.
    const own = (keys: string): Array<[string, unknown]> =>
      keys.split(" ").map((key) => [key, (ex as unknown as Record<string, unknown>)[key]]);
    const password = showPasswords ? ex.password : ex.password === undefined ? undefined : "<hidden>";
    const replies = ex.replies.map((r) => ({
      ...Object.fromEntries(
        ["code", "text", "lines", "multiline", "offset", "byteLength"].map((k) => [k, r[k as keyof Reply]]),
      ),
      meaning: r.info.meaning.en,
    }));
    const record = Object.fromEntries([
      ["record", "exchange"],
      ...own("index kind"),
      ...Object.entries(info ?? {}),
      ...own("startTs endTs duration"),
      ["command", command],
      ["replies", replies],
      ["code", ex.final?.code],
      ...own("user"),
      ["password", password],
      ...own("login cwd path type dataChannel fileSize"),
      ["fuid", f?.fuid],
      ["mimeType", f?.mimeType],
      ["diagnostics", ex.diagnostics.map((d) => ({ type: d.type, message: d.message }))],
    ]);
    return escapeJson(JSON.stringify(record));
  }

  test("a connection with a key of the record itself overwrites it in place, as the spread does", () => {
    const out = collector();
    const writer = createWriter("ndjson", out, { lang: "en", color: false, summary: false });
    const [greeting] = dialogue().exchanges;
    const info = { uid: "tcp7", kind: "theirs", code: 1 } as ConnectionInfo;
    writer.exchange(greeting!, info);
    const record = JSON.parse(out.text);
    expect(Object.keys(record).slice(0, 4)).toEqual(["record", "index", "kind", "uid"]);
    expect(record).toMatchObject({ kind: "theirs", uid: "tcp7", code: 220 });
    expect(out.text).toBe(`${expected(greeting!, info, false, undefined)}\n`);
  });

  propertyTest.prop([fc.array(fc.tuple(exchange, conn, file), { maxLength: 4 }), fc.boolean()])(
    "each line is exactly the generic JSON of the documented record (keys, order, numbers, escapes)",
    (cases, showPasswords) => {
      const out = collector();
      const writer = createWriter("ndjson", out, { lang: "en", color: false, summary: false, showPasswords });
      const wanted: string[] = [];
      // The same connection object twice, then changed in place: its cached part must follow.
      for (const [init, info, f] of cases) {
        const final = init.replies.filter((r) => r.code >= 200).pop();
        const ex: Exchange = {
          ...init,
          preliminary: init.replies.filter((r) => r.code < 200),
          final,
          diagnostics: init.diagnostics.map((d) => ({ layer: "dialogue", ...d })),
        };
        for (let round = 0; round < 2; round++) {
          writer.exchange(ex, info, f);
          wanted.push(expected(ex, info, showPasswords, f));
          if (info !== undefined) info.origPort = (info.origPort ?? 0) + 1;
        }
      }
      writer.end();
      expect(out.text).toBe(wanted.map((line) => `${line}\n`).join(""));
    },
  );
});
