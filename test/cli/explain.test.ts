import { describe, expect, test } from "vitest";
import { runExplain } from "../../src/cli/explain.js";
import { detectLang } from "../../src/cli/locale.js";
import { describeCode, listCodes } from "../../src/codes.js";

/** Runs `explain` with captured output. */
async function explain(argv: string[], env: Record<string, string | undefined> = {}) {
  let stdout = "";
  let stderr = "";
  const exitCode = await runExplain(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env,
  });
  return { exitCode, stdout, stderr };
}

const ENGLISH = { LANG: "en_US.UTF-8" };
const CHINESE = { LANG: "zh_CN.UTF-8" };

describe("detectLang", () => {
  test.each([
    [{ LANG: "zh_CN.UTF-8" }, "zh"],
    [{ LANG: "zh_TW.Big5" }, "zh"],
    [{ LANG: "ZH_cn" }, "zh"],
    [{ LANG: "en_GB.UTF-8" }, "en"],
    [{ LANG: "C.UTF-8" }, "en"],
    [{}, "en"],
    [{ LANG: "" }, "en"],
    // LC_ALL wins over everything, LC_MESSAGES over LANG; an empty variable does not count.
    [{ LC_ALL: "zh_CN.UTF-8", LANG: "en_US.UTF-8" }, "zh"],
    [{ LC_ALL: "C", LC_MESSAGES: "zh_CN.UTF-8", LANG: "zh_CN.UTF-8" }, "en"],
    [{ LC_MESSAGES: "zh_CN.UTF-8", LANG: "en_US.UTF-8" }, "zh"],
    [{ LC_ALL: "", LC_MESSAGES: "", LANG: "zh_SG" }, "zh"],
    [{ LC_ALL: undefined, LANG: "fr_FR" }, "en"],
  ] as const)("%j -> %s", (env, lang) => {
    expect(detectLang(env)).toBe(lang);
  });
});

describe("explain <code…>", () => {
  test("English from the locale: meaning, class, group, note, defining document", async () => {
    const result = await explain(["227"], ENGLISH);
    expect(result).toMatchObject({ exitCode: 0, stderr: "" });
    expect(result.stdout).toBe(
      [
        "227 Entering Passive Mode (h1,h2,h3,h4,p1,p2).",
        "  class: 2 Positive Completion reply",
        "  group: 2 Connections",
        `  note: ${describeCode(227).note?.en}`,
        "  defined: RFC 959 §4.2.2",
        "",
      ].join("\n"),
    );
  });

  test("Chinese from the locale, with the seed's 原因", async () => {
    const result = await explain(["530"], CHINESE);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.split("\n")).toEqual([
      "530 未登录。",
      "  类别：5 永久性否定的完成答复",
      "  功能组：3 身份验证和帐户",
      `  原因：${describeCode(530).cause?.zh}`,
      "  定义：RFC 959 §4.2.2",
      "",
    ]);
  });

  test("--lang overrides the locale, in both directions and in both spellings", async () => {
    expect((await explain(["--lang", "zh", "200"], ENGLISH)).stdout).toMatch(/^200 命令确定。\n/);
    expect((await explain(["200", "--lang=en"], CHINESE)).stdout).toMatch(/^200 Command okay\.\n/);
    expect((await explain(["200"], { LC_ALL: "zh_CN.UTF-8", LANG: "en_US" })).stdout).toMatch(
      /^200 命令确定。/,
    );
  });

  test("several codes, one block each, in the order given; unknown codes explained from their digits", async () => {
    const result = await explain(["150", "299", "430"], ENGLISH);
    expect(result.exitCode).toBe(0);
    const blocks = result.stdout.trimEnd().split("\n\n");
    expect(blocks.map((block) => block.slice(0, 4))).toEqual(["150 ", "299 ", "430 "]);
    expect(blocks[1]).toContain("defined: not documented (derived from the digits)");
    expect(blocks[2]).toContain("defined: non-standard, seen in mtheall/ftpd");
  });

  test("--json prints the entries, both languages, equal to describeCode's", async () => {
    const result = await explain(["--json", "150", "631"], CHINESE);
    expect(result.exitCode).toBe(0);
    const entries = JSON.parse(result.stdout);
    expect(entries).toEqual([
      JSON.parse(JSON.stringify(describeCode(150))),
      JSON.parse(JSON.stringify(describeCode(631))),
    ]);
    expect(entries[0].cause.zh).toContain("端口 20");
    expect(entries[1].defined).toEqual({ rfc: 2228, section: "5.2" });
  });

  test("--all prints every documented code, as text or JSON", async () => {
    const text = await explain(["--all"], ENGLISH);
    expect(text.exitCode).toBe(0);
    const blocks = text.stdout.trimEnd().split("\n\n");
    expect(blocks.map((block) => Number(block.slice(0, 3)))).toEqual(listCodes().map((info) => info.code));
    const json = await explain(["--all", "--json"], ENGLISH);
    expect(JSON.parse(json.stdout).map((entry: { code: number }) => entry.code)).toEqual(
      listCodes().map((info) => info.code),
    );
    const chinese = await explain(["--all", "--lang", "zh"], ENGLISH);
    expect(chinese.stdout).toContain("631 完整性受保护的答复。");
  });

  test("--help prints the usage and exits 0", async () => {
    const result = await explain(["--help"]);
    expect(result).toMatchObject({ exitCode: 0, stderr: "" });
    expect(result.stdout).toMatch(/^usage: ftp-reply explain/);
  });

  test("-- ends the options", async () => {
    expect((await explain(["--", "200"], ENGLISH)).stdout).toMatch(/^200 Command okay\./);
  });
});

describe("bad input: exit code 2 and one line on stderr", () => {
  test.each([
    [[], /no code given/],
    [["abc"], /not an FTP reply code: "abc"/],
    [["99"], /not an FTP reply code: "99"/],
    [["700"], /not an FTP reply code: "700"/],
    [["2000"], /not an FTP reply code/],
    [["-200"], /unknown option -200/],
    [["2e2"], /not an FTP reply code/],
    [["--bogus", "200"], /unknown option --bogus/],
    [["--lang", "fr", "200"], /--lang takes zh or en, not "fr"/],
    [["200", "--lang"], /--lang takes zh or en, not nothing/],
    [["--lang=", "200"], /--lang takes zh or en, not ""/],
    [["--all", "200"], /--all takes no codes/],
    [["--json"], /no code given/],
    [["--", "--all"], /not an FTP reply code: "--all"/],
  ] as const)("%j", async (argv, message) => {
    const result = await explain([...argv], ENGLISH);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toMatch(/^ftp-reply explain: [^\n]+\n$/);
  });
});
