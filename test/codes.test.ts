import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import {
  type CodeInfo,
  describeCode,
  FUNCTION_GROUPS,
  formatCode,
  formatDefinition,
  type LocalizedText,
  listCodes,
  REPLY_CLASSES,
  REPLY_CODES,
} from "../src/codes.js";
import { parseReplies } from "../src/index.js";
import { configureProperties, fc, propertyTest } from "./helpers/properties.js";

configureProperties();

// ---------------------------------------------------------------------------------------------------------------
// The seed: the user's documentation of the codes, in Chinese. It lives beside the repository (../shared/seeds/).
// ---------------------------------------------------------------------------------------------------------------

const SEEDS_DIR = new URL("../../shared/seeds/", import.meta.url);
const SEED_NAME = "000_3ae2e89590796192.txt";
const SEED_TITLE = "# FTP状态码详解";

/** The seed's text, or a failure that says where it was looked for. */
function readSeed(): string {
  const dir = fileURLToPath(SEEDS_DIR);
  const named = new URL(SEED_NAME, SEEDS_DIR);
  if (existsSync(named)) return readFileSync(named, "utf8");
  // The same document under another name: the one whose title is the FTP status-code page.
  if (existsSync(dir)) {
    for (const name of readdirSync(dir)) {
      const text = readFileSync(new URL(name, SEEDS_DIR), "utf8");
      if (text.startsWith(SEED_TITLE)) return text;
    }
  }
  throw new Error(
    `The seed document (the Chinese FTP reply-code page, ${SEED_NAME}) is absent: looked in ${dir}. ` +
      "The seed check needs ../shared/seeds/ beside the repository (CI has it).",
  );
}

interface SeedClass {
  readonly digit: number;
  readonly name: string;
  readonly paragraph: string;
}

interface SeedCode {
  readonly code: number;
  readonly meaning: string;
  readonly cause?: string;
}

/**
 * Reads the seed's structure: `### nxx – name` class headings with their paragraph, `#### nnn` code headings with
 * their text, `##### 原因` sections with theirs, and codes folded into a class paragraph as `nnn text。`.
 */
function parseSeed(text: string): { classes: SeedClass[]; codes: Map<number, SeedCode> } {
  const lines = text.split(/\r?\n/);
  const classes: SeedClass[] = [];
  const codes = new Map<number, SeedCode>();
  /** The paragraph after line `i`: the following non-empty lines up to the next heading or rule. */
  const paragraphAfter = (i: number): string => {
    const body: string[] = [];
    for (let j = i + 1; j < lines.length; j++) {
      const line = (lines[j] as string).trim();
      if (line.startsWith("#") || line === "---") break;
      if (line === "") {
        if (body.length > 0) break;
        continue;
      }
      body.push(line);
    }
    return body.join("\n");
  };
  let current: number | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    const classHeading = /^###\s+([1-6])xx\s+[–-]\s+(.+)$/.exec(line);
    if (classHeading) {
      const paragraph = paragraphAfter(i);
      classes.push({ digit: Number(classHeading[1]), name: (classHeading[2] as string).trim(), paragraph });
      // Codes folded into the class's paragraph ("… 200 命令确定。").
      for (const folded of paragraph.matchAll(/([1-6]\d\d) ([^。]+。)/g)) {
        codes.set(Number(folded[1]), { code: Number(folded[1]), meaning: folded[2] as string });
      }
      current = undefined;
      continue;
    }
    const codeHeading = /^####\s+([1-6]\d\d)$/.exec(line);
    if (codeHeading) {
      current = Number(codeHeading[1]);
      codes.set(current, { code: current, meaning: paragraphAfter(i) });
      continue;
    }
    if (/^#####\s+原因$/.test(line)) {
      if (current === undefined) throw new Error(`seed line ${i + 1}: a 原因 section outside a code`);
      const entry = codes.get(current) as SeedCode;
      codes.set(current, { ...entry, cause: paragraphAfter(i) });
      continue;
    }
    if (line.startsWith("#")) current = undefined;
  }
  return { classes, codes };
}

describe("the seed document: every code it documents is in the table verbatim", () => {
  // Read once; when absent, every test of this block fails with the message that says so (the rest still run).
  let parsed: ReturnType<typeof parseSeed> | Error;
  try {
    parsed = parseSeed(readSeed());
  } catch (error) {
    parsed = error as Error;
  }
  const seedOrFail = () => {
    if (parsed instanceof Error) throw parsed;
    return parsed;
  };

  test("the seed was read whole (its five classes, dozens of codes, several 原因 sections)", () => {
    const seed = seedOrFail();
    expect(seed.classes.map((c) => c.digit)).toEqual([1, 2, 3, 4, 5]);
    expect(seed.codes.size).toBeGreaterThanOrEqual(35);
    expect([...seed.codes.values()].filter((c) => c.cause !== undefined).length).toBeGreaterThanOrEqual(5);
    // 200 is folded into the 2xx paragraph rather than given a heading.
    expect(seed.codes.get(200)?.meaning).toBe("命令确定。");
  });

  test("each seed code's meaning is the table's Chinese meaning, character for character", () => {
    const seed = seedOrFail();
    for (const { code, meaning } of seed.codes.values()) {
      const info = describeCode(code);
      expect({ code, zh: info.meaning.zh }).toEqual({ code, zh: meaning });
      expect(info.known).toBe(true);
    }
  });

  test("each seed 原因 section is the table's Chinese cause, and the table invents no other cause", () => {
    const seed = seedOrFail();
    for (const { code, cause } of seed.codes.values()) {
      expect({ code, cause: describeCode(code).cause?.zh }).toEqual({ code, cause });
    }
    const tableCauses = listCodes()
      .filter((info) => info.cause !== undefined)
      .map((info) => info.code);
    const seedCauses = [...seed.codes.values()].filter((c) => c.cause !== undefined).map((c) => c.code);
    expect(tableCauses.sort()).toEqual(seedCauses.sort());
  });

  test("each class's Chinese name and description are the seed's heading and paragraph", () => {
    const seed = seedOrFail();
    for (const { digit, name, paragraph } of seed.classes) {
      const info = describeCode(digit * 100 + 99);
      expect(info.className.zh).toBe(name);
      // The paragraph minus the codes folded into it.
      const description = paragraph.replace(/[1-6]\d\d [^。]+。/g, "");
      expect(info.classDescription.zh).toBe(description);
    }
  });

  test("seed codes are RFC 959 codes, with RFC 959 §4.2 English", () => {
    const seed = seedOrFail();
    for (const { code } of seed.codes.values()) {
      expect(describeCode(code).defined).toEqual({ rfc: 959, section: "4.2.2" });
    }
  });
});

describe("English meanings follow the defining RFC's wording", () => {
  // Transcribed from RFC 959 §4.2.2 and RFC 2228 §5.1 / RFC 2428 §3 / RFC 3659.
  const expected: Record<number, string> = {
    110: "Restart marker reply.",
    125: "Data connection already open; transfer starting.",
    200: "Command okay.",
    202: "Command not implemented, superfluous at this site.",
    221: "Service closing control connection. Logged out if appropriate.",
    227: "Entering Passive Mode (h1,h2,h3,h4,p1,p2).",
    257: '"PATHNAME" created.',
    421: "Service not available, closing control connection. This may be a reply to any command if the service knows it must shut down.",
    425: "Can't open data connection.",
    451: "Requested action aborted: local error in processing.",
    500: "Syntax error, command unrecognized. This may include errors such as command line too long.",
    552: "Requested file action aborted. Exceeded storage allocation (for current directory or dataset).",
    232: "User logged in, authorized by security data exchange.",
    234: "Security data exchange complete.",
    431: "Need some unavailable resource to process security.",
    535: "Failed security check (hash, sequence, etc).",
    631: "Integrity protected reply.",
    229: "Entering Extended Passive Mode (|||port|)",
    554: "Requested action not taken: invalid REST parameter.",
  };
  test.each(Object.entries(expected))("%s", (code, en) => {
    expect(describeCode(Number(code)).meaning.en).toBe(en);
  });
});

describe("extension and non-standard codes", () => {
  const definedBy: Record<number, number> = {
    228: 1639,
    229: 2428,
    232: 2228,
    234: 2228,
    235: 2228,
    334: 2228,
    335: 2228,
    336: 2228,
    431: 2228,
    521: 1639,
    522: 2428,
    533: 2228,
    534: 2228,
    535: 2228,
    536: 2228,
    537: 2228,
    554: 3659,
    555: 3659,
    631: 2228,
    632: 2228,
    633: 2228,
  };

  test.each(Object.entries(definedBy))("%s is defined by RFC %s, in both languages", (code, rfc) => {
    const info = describeCode(Number(code));
    expect(info.known).toBe(true);
    expect(info.defined).toMatchObject({ rfc });
    expect(info.meaning.zh).toMatch(/[\u4e00-\u9fff]/);
    expect(info.meaning.en).toMatch(/^[\x20-\x7e]+$/);
  });

  test("the protected replies 631-633 carry RFC 2228 §5.2, the others §5.1", () => {
    expect(describeCode(632).defined).toEqual({ rfc: 2228, section: "5.2" });
    expect(describeCode(534).defined).toEqual({ rfc: 2228, section: "5.1" });
  });

  test.each([430, 434, 253, 432, 510, 531])("%s is marked non-standard with where it is seen", (code) => {
    const info = describeCode(code);
    expect(info.known).toBe(true);
    expect(info.defined).toMatchObject({ nonStandard: true });
    const defined = info.defined as { seenIn: LocalizedText };
    expect(defined.seenIn.en.length).toBeGreaterThan(5);
    expect(defined.seenIn.zh).toMatch(/[\u4e00-\u9fff]/);
    expect(info.meaning.zh).toMatch(/[\u4e00-\u9fff]/);
  });

  test("every documented entry has both languages; notes and causes too", () => {
    const all = listCodes();
    expect(all.length).toBe(Object.keys(REPLY_CODES).length);
    for (const info of all) {
      for (const text of [info.meaning, info.note, info.cause, info.className, info.groupName]) {
        if (text === undefined) continue;
        expect(text.zh.trim()).not.toBe("");
        expect(text.en.trim()).not.toBe("");
      }
    }
  });

  test("where the seed is inaccurate, its text stays and a note corrects it", () => {
    // The seed ties passive transfers to port 20 (150, 226), mistranslates 202, leaves 426 in English.
    expect(describeCode(150).cause?.zh).toContain("端口 20");
    expect(describeCode(150).note?.en).toMatch(/passive mode \(PASV\/EPSV\).*port 20 plays no part/);
    expect(describeCode(226).note?.en).toMatch(/active mode/);
    expect(describeCode(202).meaning.zh).toBe("未执行命令，站点上的命令过多。");
    expect(describeCode(202).note?.en).toMatch(/superfluous/);
    expect(describeCode(426).meaning.zh).toBe("Connection closed; transfer aborted.");
    expect(describeCode(426).note?.zh).toContain("连接已关闭");
  });

  test("listCodes is in code order and returns the shared entries", () => {
    const all = listCodes();
    const codes = all.map((info) => info.code);
    expect(codes).toEqual([...codes].sort((a, b) => a - b));
    expect(all[0]).toBe(describeCode(110));
  });
});

describe("class and function group from the digits", () => {
  test.each([1, 2, 3, 4, 5, 6])("class %i is named in both languages", (digit) => {
    const info = describeCode(digit * 100);
    expect(info.class).toBe(digit);
    expect(info.className).toEqual(REPLY_CLASSES[digit as keyof typeof REPLY_CLASSES].name);
    expect(info.className.zh).toMatch(/答复$/);
    expect(info.className.en).toMatch(/reply$/);
  });

  test("the class names are the RFC's", () => {
    expect(describeCode(150).className.en).toBe("Positive Preliminary reply");
    expect(describeCode(550).className.en).toBe("Permanent Negative Completion reply");
    expect(describeCode(631).className).toEqual({ zh: "受保护的答复", en: "Protected reply" });
    expect(new Set([1, 2, 3, 4, 5, 6].map((d) => describeCode(d * 100).className.en)).size).toBe(6);
  });

  test.each([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])(
    "group %i is named in both languages under every class",
    (digit) => {
      for (const replyClass of [1, 2, 3, 4, 5, 6]) {
        const info = describeCode(replyClass * 100 + digit * 10 + 7);
        expect(info.group).toBe(digit);
        expect(info.groupName).toEqual(FUNCTION_GROUPS[digit as keyof typeof FUNCTION_GROUPS]);
      }
    },
  );

  test("groups 0-5 are RFC 959's, 6-9 are marked undefined", () => {
    expect([0, 1, 2, 3, 4, 5].map((g) => describeCode(500 + g * 10).groupName.en)).toEqual([
      "Syntax",
      "Information",
      "Connections",
      "Authentication and accounting",
      "Unspecified as yet",
      "File system",
    ]);
    expect(describeCode(360).groupName.zh).toBe("未定义的功能组");
  });
});

describe("unknown and invalid codes", () => {
  test("a well-formed code the table lacks gets an entry derived from its digits, marked unknown", () => {
    const info = describeCode(299);
    expect(info).toMatchObject({ code: 299, class: 2, group: 9, known: false });
    expect(info.defined).toBeUndefined();
    expect(info.cause).toBeUndefined();
    expect(info.meaning.en).toContain("Positive Completion reply (2)");
    expect(info.meaning.zh).toContain("肯定的完成答复");
    expect(describeCode(299)).toBe(info);
    expect(formatDefinition(info, "en")).toMatch(/not documented/);
    expect(formatDefinition(info, "zh")).toMatch(/未记录/);
  });

  test.each([0, 99, 700, 999, 1000, -200, 200.5, Number.NaN, Number.POSITIVE_INFINITY, 2e3])(
    "%s is a RangeError",
    (value) => {
      expect(() => describeCode(value)).toThrow(RangeError);
    },
  );

  test("a string or other non-number is a RangeError too", () => {
    expect(() => describeCode("200" as unknown as number)).toThrow(RangeError);
    expect(() => describeCode(undefined as unknown as number)).toThrow(RangeError);
  });

  propertyTest.prop([fc.integer({ min: 100, max: 699 })])(
    "every code 100-699: digits, identity, frozen",
    (code) => {
      const info = describeCode(code);
      expect(info).toBe(describeCode(code));
      expect(info.code).toBe(code);
      expect(info.class).toBe(Math.floor(code / 100));
      expect(info.group).toBe(Math.floor(code / 10) % 10);
      expect(info.known).toBe(code in REPLY_CODES);
      expect(Object.isFrozen(info)).toBe(true);
      expect(Object.isFrozen(info.meaning)).toBe(true);
      expect(Object.isFrozen(info.className)).toBe(true);
    },
  );

  propertyTest.prop([
    fc.oneof(fc.integer({ max: 99 }), fc.integer({ min: 700 }), fc.double({ noInteger: true })),
  ])("every number outside 100-699 or not an integer is a RangeError", (value) => {
    expect(() => describeCode(value)).toThrow(RangeError);
  });
});

describe("shared entries: reply.info is the table's object", () => {
  test("two replies with one code carry the same info object, the one describeCode returns", () => {
    const replies = parseReplies(
      "227 Entering Passive Mode (10,0,0,1,4,1)\r\n227-again\r\n227 done\r\n530 no\r\n",
    );
    expect(replies.map((r) => r.code)).toEqual([227, 227, 530]);
    const [first, second, third] = replies as [(typeof replies)[0], (typeof replies)[0], (typeof replies)[0]];
    expect(first.info).toBe(second.info);
    expect(first.info).toBe(describeCode(227));
    expect(third.info).toBe(describeCode(530));
    expect(first.info.meaning.zh).toBe("进入被动模式 (h1,h2,h3,h4,p1,p2)。");
  });

  test("entries and their texts are frozen", () => {
    const info: CodeInfo = describeCode(430);
    expect(Object.isFrozen(info)).toBe(true);
    expect(Object.isFrozen(info.defined)).toBe(true);
    expect(Object.isFrozen((info.defined as { seenIn: LocalizedText }).seenIn)).toBe(true);
    expect(Object.isFrozen(info.note)).toBe(true);
    expect(() => {
      (info as { known: boolean }).known = false;
    }).toThrow(TypeError);
  });
});

describe("formatCode renders one language", () => {
  test("English: meaning, class, group, cause, note, defining document", () => {
    expect(formatCode(550).split("\n")).toEqual([
      "550 Requested action not taken. File unavailable (e.g., file not found, no access).",
      "  class: 5 Permanent Negative Completion reply",
      "  group: 5 File system",
      `  cause: ${describeCode(550).cause?.en}`,
      "  defined: RFC 959 §4.2.2",
    ]);
  });

  test("Chinese, from an entry", () => {
    const text = formatCode(describeCode(150), { lang: "zh" });
    expect(text.split("\n")).toEqual([
      "150 文件状态正常，准备打开数据连接。",
      "  类别：1 肯定的初步答复",
      "  功能组：5 文件系统",
      `  原因：${describeCode(150).cause?.zh}`,
      `  注：${describeCode(150).note?.zh}`,
      "  定义：RFC 959 §4.2.2",
    ]);
  });

  test("a non-standard code says where it is seen, an RFC without a section shows none", () => {
    expect(formatCode(430)).toContain("defined: non-standard, seen in mtheall/ftpd");
    expect(formatCode(430, { lang: "zh" })).toContain("定义：非标准，见于 mtheall/ftpd");
    expect(formatCode(554)).toContain("defined: RFC 3659\n".trimEnd());
    expect(formatCode(554)).not.toContain("§");
  });

  test("an invalid code is a RangeError", () => {
    expect(() => formatCode(42)).toThrow(RangeError);
  });
});
