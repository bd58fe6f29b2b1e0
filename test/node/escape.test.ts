/**
 * Output safety (src/node/escape.ts): no text from the input reaches the output as a raw control character, in
 * any format; printable text (Chinese included) is unchanged.
 */
import { describe, expect, test } from "vitest";
import { createWriter, OUTPUT_FORMATS, type OutputFormat } from "../../src/cli/output.js";
import { type Command, createCommandParser } from "../../src/command/parser.js";
import { type DialogueEvent, runDialogue } from "../../src/connection/index.js";
import { cutArgument, escapeJson, escapeText, jsonString, quoteArgument } from "../../src/node/escape.js";
import { escapeZeekString } from "../../src/records.js";
import { createReplyParser, parseReplies } from "../../src/reply/parser.js";
import type { Reply } from "../../src/reply/reply.js";
import { configureProperties, fc, propertyTest } from "../helpers/properties.js";

configureProperties();

const BIDI = [
  "\u061c",
  "\u200e",
  "\u200f",
  "\u202a",
  "\u202b",
  "\u202c",
  "\u202d",
  "\u202e",
  "\u2066",
  "\u2069",
];

/** C0 but TAB and LF, DEL, C1: what no format may write raw (LF and TAB are the formats' own structure). */
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
/** The same, with the bidi controls: pretty and json escape those too. */
const RAW_CONTROL_OR_BIDI =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
/** The palette's own colour sequences (`ESC [ n m`), the only ESC coloured pretty output may hold. */
const SGR = /\u001b\[\d+m/g;

describe("escapeText", () => {
  test("terminal controls become visible escapes", () => {
    expect(escapeText("220 \u001b]0;pwned\u0007\u001b[2J")).toBe("220 \\x1b]0;pwned\\x07\\x1b[2J");
    expect(escapeText("a\rb\nc\u0000d\u007fe\u0085f\u009bg")).toBe("a\\x0db\\x0ac\\x00d\\x7fe\\x85f\\x9bg");
    expect(escapeText("abc\u202etxt.exe")).toBe("abc\\u202etxt.exe");
    for (const c of BIDI) expect(escapeText(c)).toBe(`\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  });

  test("printable text, TAB and backslashes are kept as they are", () => {
    for (const text of ["220 欢迎 ready", "a\tb", "C:\\dir\\x1b", "é ü ß ÿ  ", "😀 🇫🇷", ""]) {
      expect(escapeText(text)).toBe(text);
    }
  });

  propertyTest.prop([fc.string({ unit: "binary", maxLength: 60 })])(
    "no raw control or bidi character is left; idempotent",
    (text) => {
      const escaped = escapeText(text);
      expect(escaped).not.toMatch(RAW_CONTROL_OR_BIDI);
      expect(escaped).not.toContain("\n");
      expect(escapeText(escaped)).toBe(escaped);
      // Nothing printable changes: removing the escapes of both leaves the same text.
      if (!RAW_CONTROL_OR_BIDI.test(text) && !text.includes("\n")) expect(escaped).toBe(text);
    },
  );
});

describe("escapeJson", () => {
  propertyTest.prop([fc.string({ unit: "binary", maxLength: 60 })])(
    "the same JSON value, with no raw control, C1, bidi or line separator character",
    (text) => {
      const json = escapeJson(JSON.stringify({ text }));
      expect(json).not.toMatch(RAW_CONTROL_OR_BIDI);
      expect(json).not.toMatch(/[\n\u2028\u2029]/);
      expect(JSON.parse(json)).toEqual({ text });
    },
  );
});

describe("escapeJson on ASCII records (the fast check)", () => {
  test("DEL in otherwise ASCII JSON is escaped; plain ASCII JSON comes back as it is", () => {
    expect(escapeJson('{"t":"a\u007fb"}')).toBe('{"t":"a\\u007fb"}');
    expect(escapeJson('{"t":"caf\u00e9 \u0085"}')).toBe('{"t":"caf\u00e9 \\u0085"}');
    const plain = JSON.stringify({ text: "331 Please specify the password.", n: 1 });
    expect(escapeJson(plain)).toBe(plain);
  });
});

describe("jsonString (a writer's strings, quoted only when nothing needs escaping)", () => {
  propertyTest.prop([fc.string({ unit: "binary", maxLength: 60 })])(
    "always escapeJson(JSON.stringify(text)): quotes, backslashes, controls, bidi, surrogates",
    (text) => {
      expect(jsonString(text)).toBe(escapeJson(JSON.stringify(text)));
    },
  );

  test("each character the fast check must send the slow way, alone and inside text", () => {
    const odd = [
      '"',
      "\\",
      "\u0000",
      "\n",
      "\u001f",
      "\u007f",
      "\u0085",
      "\u2028",
      "\u2029",
      "\ud800",
      "\udfff",
      "😀",
    ];
    for (const c of [...odd, ...BIDI]) {
      expect(jsonString(c)).toBe(escapeJson(JSON.stringify(c)));
      expect(jsonString(`226 a${c}b`)).toBe(escapeJson(JSON.stringify(`226 a${c}b`)));
    }
    expect(jsonString("150 Opening résumé.jpg (1 bytes) 欢迎")).toBe(
      '"150 Opening résumé.jpg (1 bytes) 欢迎"',
    );
  });
});

describe("cutArgument", () => {
  test("arguments over 200 characters are cut, with …; never half a surrogate pair", () => {
    expect(cutArgument("a".repeat(200))).toBe("a".repeat(200));
    expect(cutArgument("a".repeat(100_000))).toBe(`${"a".repeat(200)}…`);
    const emoji = `${"a".repeat(199)}😀tail`;
    expect(cutArgument(emoji)).toBe(`${"a".repeat(199)}…`);
    expect(quoteArgument(`\u001b${"b".repeat(300)}`)).toBe(`\\x1b${"b".repeat(199)}…`);
  });
});

describe("zeek escaping", () => {
  test("C1 controls are escaped as their UTF-8 bytes; other text beyond ASCII is kept", () => {
    expect(escapeZeekString("a\u009bb")).toBe("a\\xc2\\x9bb");
    expect(escapeZeekString("a\u0085b\u00a0c")).toBe("a\\xc2\\x85b\u00a0c");
    expect(escapeZeekString("欢迎")).toBe("欢迎");
    expect(escapeZeekString("\u001b[2J")).toBe("\\x1b[2J");
  });
});

// ───────────────────────────── every format ─────────────────────────────

/** A character of hostile text: the terminal's controls often, anything else (any code point) too. */
const hostileChar = fc.oneof(
  fc.constantFrom(
    "\u001b",
    "\u0007",
    "\u0000",
    "\r",
    "\n",
    "\t",
    "\u007f",
    "\u0085",
    "\u009b",
    "\u009d",
    "\\",
    '"',
    "中",
    " ",
    "\u2028",
    ...BIDI,
  ),
  fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
  fc.string({ unit: "binary-ascii", minLength: 1, maxLength: 1 }),
);
const hostileText = fc.string({ unit: hostileChar, maxLength: 30 });

interface Scenario {
  replyTexts: string[];
  commandArgs: string[];
  diagnostic: { type: string; message: string };
  host: string;
}

const scenario: fc.Arbitrary<Scenario> = fc.record({
  replyTexts: fc.array(hostileText, { minLength: 1, maxLength: 4 }),
  commandArgs: fc.array(hostileText, { minLength: 1, maxLength: 4 }),
  diagnostic: fc.record({ type: hostileText, message: hostileText }),
  host: hostileText,
});

function collector(): { write(text: string): void; text: string } {
  return {
    text: "",
    write(text: string) {
      this.text += text;
    },
  };
}

/** Runs a scenario through one format: replies alone (`parse`), then a dialogue (`log`), then a diagnostic. */
function render(format: OutputFormat, s: Scenario, color: boolean): { out: string; err: string } {
  const out = collector();
  const err = collector();
  const writer = createWriter(format, out, {
    lang: "en",
    color,
    summary: true,
    stderr: err,
    showPasswords: true,
  });
  // Codes with the hostile text after them: LF/CR in the text make more lines, or framing errors, which go to
  // the writer as diagnostics the way `ftp-reply parse` sends them (their excerpts quote the hostile text).
  const wire = s.replyTexts.map((text, i) => `${[220, 150, 550, 257][i % 4]} ${text}\r\n`).join("");
  const replies: Reply[] = [];
  const replyParser = createReplyParser({
    onReply: (reply) => replies.push(reply),
    onError: (error) => writer.diagnostic({ type: error.type, message: error.message, offset: error.offset }),
    onWarning: (warning) =>
      writer.diagnostic({ type: warning.type, message: warning.message, offset: warning.offset }),
  });
  replyParser.feed(wire);
  replyParser.end();
  for (const reply of replies) writer.reply(reply);
  const commands: Command[] = [];
  const commandParser = createCommandParser({
    onCommand: (command) => commands.push(command),
    onError: (error) => writer.diagnostic({ type: error.type, message: error.message, offset: error.offset }),
  });
  commandParser.feed(
    s.commandArgs.map((arg, i) => `${["USER", "RETR", "PASS", "CWD"][i % 4]} ${arg}\r\n`).join(""),
  );
  commandParser.end();
  const events: DialogueEvent[] = [];
  for (let i = 0; i < Math.max(replies.length, commands.length); i++) {
    if (commands[i] !== undefined)
      events.push({ type: "command", command: commands[i]!, ts: 1_700_000_000 + i });
    if (replies[i] !== undefined) events.push({ type: "reply", reply: replies[i]!, ts: 1_700_000_000 + i });
  }
  for (const exchange of runDialogue(events, { recordPasswords: true }).exchanges) {
    writer.exchange(exchange, { uid: s.host, origHost: s.host, respHost: s.host, origPort: 1, respPort: 21 });
  }
  writer.diagnostic({ ...s.diagnostic, line: 3, offset: 9 });
  writer.end();
  return { out: out.text, err: err.text };
}

describe("every output format", () => {
  propertyTest.prop([scenario])(
    "pretty (plain and coloured), json, ndjson, zeek: no raw control character from the input",
    (s) => {
      for (const format of OUTPUT_FORMATS) {
        for (const color of format === "pretty" ? [false, true] : [false]) {
          const { out, err } = render(format, s, color);
          const plainOut = color ? out.replace(SGR, "") : out;
          // zeek keeps bidi characters (Zeek's own rule: text beyond ASCII is kept); the others escape them.
          const forbidden = format === "zeek" ? RAW_CONTROL : RAW_CONTROL_OR_BIDI;
          expect(plainOut, `${format} stdout`).not.toMatch(forbidden);
          expect(err, `${format} stderr`).not.toMatch(RAW_CONTROL_OR_BIDI);
          if (format === "json") expect(() => JSON.parse(out)).not.toThrow();
          if (format === "ndjson") {
            for (const line of out.trim().split("\n")) expect(() => JSON.parse(line)).not.toThrow();
          }
        }
      }
    },
    30_000,
  );

  test("json keeps the value: C1 and bidi written as \\u escapes read back as the same text", () => {
    const out = collector();
    const writer = createWriter("ndjson", out, { lang: "en", color: false, summary: false });
    const [reply] = parseReplies("220 a\u009bb\u202ec 中\r\n");
    writer.reply(reply!);
    writer.end();
    expect(out.text).toContain("a\\u009bb\\u202ec 中");
    expect(JSON.parse(out.text).text).toBe("a\u009bb\u202ec 中");
  });

  test("pretty: the issue's example is shown escaped, Chinese text unchanged", () => {
    const out = collector();
    const writer = createWriter("pretty", out, { lang: "en", color: false, summary: false });
    for (const reply of parseReplies("220 \u001b]0;pwned\u0007\u001b[2J\r\n220 欢迎\r\n"))
      writer.reply(reply);
    writer.end();
    expect(out.text).toBe(
      "S: 220 \\x1b]0;pwned\\x07\\x1b[2J  · Service ready for new user.\nS: 220 欢迎  · Service ready for new user.\n",
    );
  });
});
