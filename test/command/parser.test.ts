import { describe, expect, test } from "vitest";
import {
  type Command,
  CommandParseError,
  type CommandParserOptions,
  createCommandParser,
  createCommandReader,
  isCommandParseError,
  parseCommands,
  ReplyParseError,
  type TelnetCommand,
} from "../../src/index.js";
import { configureProperties, fc, propertyTest } from "../helpers/properties.js";

configureProperties();

const encoder = new TextEncoder();
const IAC = 0xff;
const IP = 0xf4;
const DM = 0xf2;

interface Collected {
  commands: Command[];
  errors: CommandParseError[];
  warnings: CommandParseError[];
  telnet: TelnetCommand[];
}

/** Feeds `input` cut at the sorted offsets `cuts`, collecting everything the splitter reports. */
function run(
  input: Uint8Array | string,
  options: CommandParserOptions = {},
  cuts: readonly number[] = [],
): Collected {
  const bytes = typeof input === "string" ? encoder.encode(input) : input;
  const out: Collected = { commands: [], errors: [], warnings: [], telnet: [] };
  const splitter = createCommandParser(
    {
      onCommand: (command) => out.commands.push(command),
      onError: (error) => out.errors.push(error),
      onWarning: (warning) => out.warnings.push(warning),
      onTelnet: (command) => out.telnet.push(command),
    },
    options,
  );
  let at = 0;
  for (const cut of cuts) {
    splitter.feed(bytes.subarray(at, cut));
    at = cut;
  }
  splitter.feed(bytes.subarray(at));
  splitter.end();
  return out;
}

function byteByByte(input: Uint8Array | string, options: CommandParserOptions = {}): Collected {
  const bytes = typeof input === "string" ? encoder.encode(input) : input;
  return run(
    bytes,
    options,
    Array.from({ length: bytes.length }, (_, i) => i),
  );
}

/** What must not depend on chunking, in comparable form. */
function summary(out: Collected): unknown {
  return {
    commands: out.commands.map((c) => ({ ...c, raw: Array.from(c.raw) })),
    errors: out.errors.map((e) => [e.type, e.offset, e.excerpt]),
    warnings: out.warnings.map((e) => [e.type, e.offset]),
    telnet: out.telnet.map((t) => [
      t.command,
      t.option,
      t.offset,
      t.data === undefined ? undefined : Array.from(t.data),
    ]),
  };
}

function bytes(...parts: (string | readonly number[] | Uint8Array)[]): Uint8Array {
  const chunks = parts.map((p) => (typeof p === "string" ? encoder.encode(p) : Uint8Array.from(p)));
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

describe("command lines (RFC 959 §5.3)", () => {
  test("splits verb and argument, upper-cases the verb, keeps the argument as sent", () => {
    const [user, retr, pwd] = parseCommands("user Anonymous\r\nRETR  my file.txt \r\npwd\r\n");
    expect(user).toMatchObject({
      verb: "USER",
      arg: "Anonymous",
      line: "user Anonymous",
      offset: 0,
      byteLength: 16,
    });
    // Everything after the first space is the argument, further spaces included.
    expect(retr).toMatchObject({ verb: "RETR", arg: " my file.txt ", offset: 16, byteLength: 20 });
    expect(pwd).toMatchObject({ verb: "PWD", arg: "", line: "pwd", offset: 36, byteLength: 5 });
  });

  test("raw holds the exact bytes of the line, terminator included", () => {
    const [command] = parseCommands("NOOP\r\n");
    expect(Array.from(command!.raw)).toEqual(Array.from(encoder.encode("NOOP\r\n")));
  });

  test("accepts a bare LF as line end; a bare CR is data", () => {
    const commands = parseCommands("USER a\nPASS b\rc\r\n");
    expect(commands.map((c) => [c.verb, c.arg])).toEqual([
      ["USER", "a"],
      ["PASS", "b\rc"],
    ]);
  });

  test("an empty line is still delivered (the server answers it) with an invalid-verb warning", () => {
    const out = run("\r\nNOOP\r\n");
    expect(out.commands.map((c) => c.verb)).toEqual(["", "NOOP"]);
    expect(out.warnings.map((w) => [w.type, w.offset])).toEqual([["invalid-verb", 0]]);
  });

  test("a verb that is not letters is flagged but delivered", () => {
    const out = run("X-1 foo\r\nFEAT\r\n");
    expect(out.commands.map((c) => c.verb)).toEqual(["X-1", "FEAT"]);
    expect(out.warnings).toHaveLength(1);
    expect(out.warnings[0]).toBeInstanceOf(CommandParseError);
    expect(out.warnings[0]!.type).toBe("invalid-verb");
  });

  test("a partial line at the end is a truncated error with its offset, earlier commands kept", () => {
    const out = run("USER a\r\nPASS sec");
    expect(out.commands.map((c) => c.verb)).toEqual(["USER"]);
    expect(out.errors.map((e) => [e.type, e.offset, e.excerpt])).toEqual([["truncated", 8, "PASS sec"]]);
    expect(() => parseCommands("USER a\r\nPASS sec")).toThrow(CommandParseError);
  });

  test("decodes UTF-8 (RFC 2640) and other encodings by label", () => {
    expect(parseCommands("RETR café.txt\r\n")[0]!.arg).toBe("café.txt");
    const latin1 = bytes("RETR caf", [0xe9], ".txt\r\n");
    expect(parseCommands(latin1, { encoding: "latin1" })[0]!.arg).toBe("café.txt");
    expect(parseCommands(latin1, { encoding: "auto" })[0]!.arg).toBe("café.txt");
    expect(parseCommands(latin1)[0]!.arg).toBe("caf\ufffd.txt");
  });

  test("reset restarts offsets", () => {
    const commands: Command[] = [];
    const splitter = createCommandParser({ onCommand: (c) => commands.push(c) });
    splitter.feed("NOOP\r\nQU");
    splitter.reset();
    splitter.feed("QUIT\r\n");
    expect(commands.map((c) => [c.verb, c.offset])).toEqual([
      ["NOOP", 0],
      ["QUIT", 0],
    ]);
  });
});

describe("Telnet in the command stream (RFC 854, RFC 959 §4.1.3)", () => {
  test("IAC IP and the Synch (IAC DM) before ABOR are removed", () => {
    const out = run(bytes([IAC, IP, IAC, DM], "ABOR\r\n"));
    expect(out.commands).toHaveLength(1);
    expect(out.commands[0]).toMatchObject({ verb: "ABOR", arg: "", line: "ABOR", offset: 0, byteLength: 10 });
    expect(out.commands[0]!.raw.length).toBe(10);
    expect(out.telnet.map((t) => [t.name, t.offset])).toEqual([
      ["IP", 0],
      ["DM", 2],
    ]);
    expect(out.warnings).toEqual([]);
  });

  test("IAC IAC is one 0xFF data byte", () => {
    const [command] = parseCommands(bytes("RETR a", [IAC, IAC], "b\r\n"), { encoding: "latin1" });
    expect(command!.arg).toBe("a\u00ffb");
  });

  test("option negotiation and subnegotiation are removed", () => {
    const input = bytes([IAC, 0xfd, 0x01], "NOOP\r\n", [IAC, 0xfa, 0x18, 0x01, IAC, 0xf0], "QUIT\r\n");
    const out = run(input);
    expect(out.commands.map((c) => c.line)).toEqual(["NOOP", "QUIT"]);
    expect(out.telnet.map((t) => [t.name, t.option])).toEqual([
      ["DO", 1],
      ["SB", 0x18],
    ]);
  });

  test("a LF ends the line even inside a Telnet sequence, as servers read lines; the sequence ends with it", () => {
    // A stray IAC SB must not swallow the commands after it.
    const out = run(bytes("NOOP", [IAC, 0xfa, 0x18], "\r\nQUIT\r\n", "RETR a", [IAC], "\nPWD\r\n"));
    expect(out.commands.map((c) => c.line)).toEqual(["NOOP", "QUIT", "RETR a", "PWD"]);
  });

  test("telnet: false passes 0xFF through", () => {
    const [command] = parseCommands(bytes("RETR a", [IAC, IAC], "\r\n"), {
      telnet: false,
      encoding: "latin1",
    });
    expect(command!.arg).toBe("a\u00ff\u00ff");
  });
});

describe("Telnet details", () => {
  test("every Telnet command is named and removed (RFC 854)", () => {
    const singles = [0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xe0];
    const input = bytes(
      ...singles.map((b) => [IAC, b]),
      [IAC, 0xfb, 1, IAC, 0xfc, 2, IAC, 0xfd, 3, IAC, 0xfe, 4],
      "NOOP\r\n",
    );
    const out = run(input);
    expect(out.commands.map((c) => c.line)).toEqual(["NOOP"]);
    expect(out.telnet.map((t) => [t.name, t.command, t.option])).toEqual([
      ["SE", 0xf0, undefined],
      ["NOP", 0xf1, undefined],
      ["DM", 0xf2, undefined],
      ["BRK", 0xf3, undefined],
      ["IP", 0xf4, undefined],
      ["AO", 0xf5, undefined],
      ["AYT", 0xf6, undefined],
      ["EC", 0xf7, undefined],
      ["EL", 0xf8, undefined],
      ["GA", 0xf9, undefined],
      ["UNKNOWN", 0xe0, undefined],
      ["WILL", 0xfb, 1],
      ["WONT", 0xfc, 2],
      ["DO", 0xfd, 3],
      ["DONT", 0xfe, 4],
    ]);
    expect(out.telnet.map((t) => t.offset)).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 25, 28, 31]);
  });

  test("a subnegotiation keeps at most 256 bytes of payload; IAC IAC inside it is one 0xFF", () => {
    const payload = Array.from({ length: 300 }, (_, i) => (i % 200 === 10 ? 11 : i % 200));
    const out = run(bytes([IAC, 0xfa, 24, IAC, IAC, ...payload, IAC, 0xf0], "QUIT\r\n"));
    expect(out.commands.map((c) => c.line)).toEqual(["QUIT"]);
    expect(out.telnet).toHaveLength(1);
    const [sb] = out.telnet;
    expect(sb!.name).toBe("SB");
    expect(sb!.option).toBe(24);
    expect(sb!.data!.length).toBe(255); // 256 kept: the option byte and 255 data bytes
    expect(Array.from(sb!.data!.subarray(0, 3))).toEqual([IAC, 0, 1]);
  });

  test("IAC then a byte other than SE inside a subnegotiation stays in it", () => {
    const out = run(bytes([IAC, 0xfa, 24, 1, IAC, 0x41, 2, IAC, 0xf0], "QUIT\r\n"));
    expect(out.commands.map((c) => c.line)).toEqual(["QUIT"]);
    expect(Array.from(out.telnet[0]!.data!)).toEqual([1, 2]);
  });

  test("works without the optional callbacks", () => {
    const commands = parseCommands(bytes([IAC, IP, IAC, DM], "ABOR\r\n\r\n1X\r\n"));
    expect(commands.map((c) => c.verb)).toEqual(["ABOR", "", "1X"]);
    const onlyCommands: Command[] = [];
    const splitter = createCommandParser({ onCommand: (c) => onlyCommands.push(c) }, { maxLineLength: 4 });
    splitter.feed("LONGLINE\r\nPAR");
    splitter.end();
    expect(onlyCommands.map((c) => c.line)).toEqual(["LONG"]);
  });
});

describe("details the mutants look at", () => {
  test("the default limit is 64 KiB", () => {
    // n bytes before the LF: the line and its CR.
    const at = (n: number) => run(`STOR ${"x".repeat(n - 6)}\r\n`).commands[0]!.truncated;
    expect(at(64 * 1024)).toBe(false);
    expect(at(64 * 1024 + 1)).toBe(true);
  });

  test("verbs are ASCII letters: the characters around A-Z and a-z are not", () => {
    const verbs = ["AZ", "az", "@A", "A[", "`a", "a{", "Zz"];
    const out = run(verbs.map((v) => `${v} x\r\n`).join(""));
    expect(out.warnings.map((w) => out.commands.findIndex((c) => c.offset === w.offset))).toEqual([
      2, 3, 4, 5,
    ]);
  });

  test("a line cut by a chunk boundary, after another line of the same chunk, keeps its exact bytes", () => {
    const commands: Command[] = [];
    const splitter = createCommandParser({ onCommand: (c) => commands.push(c) });
    splitter.feed("NOOP\r\nRE");
    splitter.feed("TR x\r\n");
    expect(commands.map((c) => [c.line, Array.from(c.raw)])).toEqual([
      ["NOOP", Array.from(encoder.encode("NOOP\r\n"))],
      ["RETR x", Array.from(encoder.encode("RETR x\r\n"))],
    ]);
  });

  test("the RangeError for a bad limit says which value was refused", () => {
    expect(() => createCommandParser({ onCommand: () => {} }, { maxLineLength: -3 })).toThrow(
      "maxLineLength must be a positive integer: -3",
    );
  });

  test("Telnet events carry option and data only when they have them", () => {
    const out = run(bytes([IAC, IP, IAC, 0xfb, 7, IAC, 0xfa, IAC, 0xf0], "NOOP\r\n"));
    const [ip, will, sb] = out.telnet;
    expect("option" in ip! || "data" in ip!).toBe(false);
    expect("data" in will!).toBe(false);
    expect(will!.option).toBe(7);
    expect("option" in sb!).toBe(false);
    expect(Array.from(sb!.data!)).toEqual([]);
  });

  test("a chunk that ends in CR, then a chunk that is only LF, ends the line with CR LF", () => {
    const commands: Command[] = [];
    const splitter = createCommandParser({ onCommand: (c) => commands.push(c) });
    splitter.feed("NOOP\r");
    splitter.feed("\n");
    splitter.feed("\n");
    expect(commands.map((c) => [c.line, c.byteLength])).toEqual([
      ["NOOP", 6],
      ["", 1],
    ]);
  });
});

describe("errors", () => {
  test("carry a stable type, the byte offset and an excerpt in the message", () => {
    const out = run("NOOP\r\nSTOR abcdefghij\r\nQU", { maxLineLength: 8 });
    const [tooLong, truncated] = out.errors;
    expect(tooLong).toBeInstanceOf(CommandParseError);
    expect(tooLong!.name).toBe("CommandParseError");
    expect(tooLong!.type).toBe("line-too-long");
    expect(tooLong!.offset).toBe(6);
    // The excerpt shows the first byte past the limit too (the same as the reply parser's).
    expect(tooLong!.excerpt).toBe("STOR abcd");
    expect(tooLong!.message).toBe('command line longer than 8 bytes at byte 6: "STOR abcd"');
    expect(truncated!.message).toBe('stream ended inside a command line at byte 23: "QU"');
    const warning = run("12 x\r\n").warnings[0]!;
    expect(warning.message).toBe('command code is not made of letters at byte 0: "12 x\\r\\n"');
    expect(new CommandParseError("truncated", "m", 3).excerpt).toBe("");
    expect(new CommandParseError("truncated", "m", 3).message).toBe("m at byte 3");
  });

  test("are the command layer's, recognised by brand whatever copy of the library made them", () => {
    const error = run("NOOP\r\nQU").errors[0]!;
    expect(error.layer).toBe("command");
    expect(isCommandParseError(error)).toBe(true);
    expect(isCommandParseError(new CommandParseError("invalid-verb", "m", 0))).toBe(true);
    // Another class of the same shape is not one: the brand decides, not the name or the fields.
    expect(isCommandParseError(new ReplyParseError("truncated", "m", { offset: 0 }))).toBe(false);
    expect(isCommandParseError(Object.assign(new Error("m"), { name: "CommandParseError" }))).toBe(false);
    expect(isCommandParseError(null)).toBe(false);
    expect(isCommandParseError("CommandParseError")).toBe(false);
  });

  test("maxLineLength must be a positive integer", () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => createCommandParser({ onCommand: () => {} }, { maxLineLength: bad })).toThrow(RangeError);
    }
    expect(() => createCommandParser({ onCommand: () => {} }, { maxLineLength: 1 })).not.toThrow();
  });

  test("an unknown encoding label is refused", () => {
    expect(() => createCommandParser({ onCommand: () => {} }, { encoding: "no-such-encoding" })).toThrow(
      RangeError,
    );
  });
});

describe("limits", () => {
  test("a line longer than maxLineLength is delivered truncated with a line-too-long error, then resync", () => {
    const long = `STOR ${"x".repeat(100)}`;
    const out = run(`${long}\r\nNOOP\r\n`, { maxLineLength: 20 });
    expect(out.errors.map((e) => [e.type, e.offset])).toEqual([["line-too-long", 0]]);
    expect(out.commands).toHaveLength(2);
    expect(out.commands[0]).toMatchObject({ verb: "STOR", truncated: true, byteLength: long.length + 2 });
    expect(out.commands[0]!.line).toBe(long.slice(0, 20));
    expect(out.commands[0]!.raw.length).toBe(20);
    expect(out.commands[1]).toMatchObject({ verb: "NOOP", truncated: false, offset: long.length + 2 });
  });

  test("the limit counts the bytes before the LF (a CR included), as the reply parser's does: one line limit", () => {
    const exact = "A".repeat(20);
    const out = run(`${exact}\r\n${exact}\n${exact}B\r\n`, { maxLineLength: 21 });
    expect(out.commands.map((c) => c.truncated)).toEqual([false, false, true]);
    expect(out.errors.map((e) => [e.type, e.offset])).toEqual([["line-too-long", 43]]);
  });

  test("memory stays bounded: a 10 MB line keeps only maxLineLength bytes", () => {
    const splitter = createCommandParser({ onCommand: () => {} }, { maxLineLength: 1000 });
    const chunk = new Uint8Array(64 * 1024).fill(0x41);
    for (let i = 0; i < 160; i++) splitter.feed(chunk);
    const commands: Command[] = [];
    const second = createCommandParser(
      { onCommand: (c) => commands.push(c), onError: () => {} },
      { maxLineLength: 1000 },
    );
    for (let i = 0; i < 160; i++) second.feed(chunk);
    second.feed("\r\n");
    expect(commands[0]!.raw.length).toBe(1000);
    // Only the limit (and room for CR LF) was ever kept.
    expect(commands[0]!.raw.buffer.byteLength).toBeLessThanOrEqual(1002);
    expect(commands[0]!.byteLength).toBe(160 * 64 * 1024 + 2);
  });

  test("rejects a bad maxLineLength", () => {
    expect(() => createCommandParser({ onCommand: () => {} }, { maxLineLength: 0 })).toThrow(RangeError);
  });
});

describe("chunk-invariance", () => {
  const sample = bytes(
    "USER anonymous\r\nPASS guest@\r\n",
    [IAC, IP, IAC, DM],
    "ABOR\r\nRETR caf\u00e9.txt\n\r\n",
    [IAC, 0xfb, 0x03],
    "X1 \r\nSTOR ",
    "y".repeat(40),
    "\r\nNOOP\r",
    "\nQUIT\r\nPART",
  );

  test("byte by byte gives the same as one chunk", () => {
    const whole = run(sample, { maxLineLength: 30 });
    expect(whole.commands.length).toBeGreaterThan(5);
    expect(summary(byteByByte(sample, { maxLineLength: 30 }))).toEqual(summary(whole));
  });

  propertyTest.prop([
    fc.uint8Array({ maxLength: 300 }).map((noise) => bytes(sample, noise, sample)),
    fc.array(fc.nat(), { maxLength: 20 }),
    fc.integer({ min: 1, max: 64 }),
  ])("any split of any input gives the same commands and errors", (input, rawCuts, maxLineLength) => {
    const cuts = [...new Set(rawCuts.map((c) => c % (input.length + 1)))].sort((a, b) => a - b);
    const options = { maxLineLength, encoding: "latin1" };
    expect(summary(run(input, options, cuts))).toEqual(summary(run(input, options)));
  });

  propertyTest.prop([
    fc.array(
      fc.oneof(
        fc.constantFrom("\r\n", "\n", "\r", " ", "USER", "a", "\u00e9"),
        fc.constantFrom([IAC], [IAC, IAC], [IAC, IP], [IAC, 0xfa], [IAC, 0xf0], [0xfd]),
      ),
      { maxLength: 80 },
    ),
  ])("byte by byte equals one chunk on Telnet-heavy input", (parts) => {
    const input = bytes(...parts);
    expect(summary(byteByByte(input, { maxLineLength: 16 }))).toEqual(
      summary(run(input, { maxLineLength: 16 })),
    );
  });

  propertyTest.prop([fc.array(fc.stringMatching(/^[A-Za-z]{3,4}( [ -~]{0,20})?$/), { maxLength: 20 })])(
    "round trip: joined lines split back into the same verbs and arguments",
    (lines) => {
      const commands = parseCommands(lines.map((l) => `${l}\r\n`).join(""));
      expect(commands.map((c) => c.line)).toEqual(lines);
      expect(commands.map((c) => c.verb)).toEqual(lines.map((l) => l.split(" ")[0]!.toUpperCase()));
    },
  );
});

describe("the connection's command reader", () => {
  test("skip: a hole drops the unfinished line, and the line after it starts that many bytes further on", () => {
    const commands: Command[] = [];
    const reader = createCommandReader({ onCommand: (command) => commands.push(command) });
    reader.feed("USER a\r\nPAS");
    reader.skip(10);
    reader.feed("NOOP\r\n");
    reader.end();
    expect(commands.map((command) => [command.verb, command.offset])).toEqual([
      ["USER", 0],
      ["NOOP", 21],
    ]);
  });

  test("setEncoding: the lines after the switch are decoded the new way (RFC 2640 §3.1 goes the other way too)", () => {
    const commands: Command[] = [];
    const reader = createCommandReader({ onCommand: (command) => commands.push(command) });
    reader.feed(Uint8Array.of(...encoder.encode("CWD "), 0xe9, 0x0d, 0x0a));
    reader.setEncoding("latin1");
    reader.feed(Uint8Array.of(...encoder.encode("CWD "), 0xe9, 0x0d, 0x0a));
    reader.end();
    expect(commands.map((command) => command.arg)).toEqual(["\uFFFD", "é"]);
  });
});
