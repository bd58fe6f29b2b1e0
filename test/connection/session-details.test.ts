/**
 * Tests that kill mutants the dialogue's own tests let live (issue 7). The command–reply table is checked
 * against RFC 959 §5.4 transcribed here from the RFC's text (not copied from src/dialogue.ts), and the command
 * sets (transfer commands, commands that name a path) through what a session reports for each command.
 */
import { describe, expect, test } from "vitest";
import {
  type DialogueEvent,
  isValidReplyFor,
  parseCommands,
  parseReplies,
  repliesForCommand,
  runDialogue,
} from "../../src/index.js";

/** RFC 959 §5.4 "Command-Reply Sequences": [preliminary replies, final replies] (success, error, failure together). */
const RFC_959_TABLE: Record<string, [number[], number[]]> = {
  // Login
  USER: [[], [230, 530, 500, 501, 421, 331, 332]],
  PASS: [[], [230, 202, 530, 500, 501, 503, 421, 332]],
  ACCT: [[], [230, 202, 530, 500, 501, 503, 421]],
  CWD: [[], [250, 500, 501, 502, 421, 530, 550]],
  // §5.4 lists 200 alone, but §4.1.1 says CDUP's "reply codes shall be identical to the reply codes of CWD": 250 too.
  CDUP: [[], [200, 250, 500, 501, 502, 421, 530, 550]],
  SMNT: [[], [202, 250, 500, 501, 502, 421, 530, 550]],
  // Logout
  REIN: [[120], [220, 421, 500, 502]],
  QUIT: [[], [221, 500]],
  // Transfer parameters
  PORT: [[], [200, 500, 501, 421, 530]],
  PASV: [[], [227, 500, 501, 502, 421, 530]],
  MODE: [[], [200, 500, 501, 504, 421, 530]],
  TYPE: [[], [200, 500, 501, 504, 421, 530]],
  STRU: [[], [200, 500, 501, 504, 421, 530]],
  // File action commands ("125, 150 (110)": the restart marker 110 may come first)
  ALLO: [[], [200, 202, 500, 501, 504, 421, 530]],
  REST: [[], [500, 501, 502, 421, 530, 350]],
  STOR: [
    [110, 125, 150],
    [226, 250, 425, 426, 451, 551, 552, 532, 450, 452, 553, 500, 501, 421, 530],
  ],
  STOU: [
    [110, 125, 150],
    [226, 250, 425, 426, 451, 551, 552, 532, 450, 452, 553, 500, 501, 421, 530],
  ],
  RETR: [
    [110, 125, 150],
    [226, 250, 425, 426, 451, 450, 550, 500, 501, 421, 530],
  ],
  LIST: [
    [125, 150],
    [226, 250, 425, 426, 451, 450, 500, 501, 502, 421, 530],
  ],
  NLST: [
    [125, 150],
    [226, 250, 425, 426, 451, 450, 500, 501, 502, 421, 530],
  ],
  APPE: [
    [110, 125, 150],
    [226, 250, 425, 426, 451, 551, 552, 532, 450, 550, 452, 553, 500, 501, 502, 421, 530],
  ],
  RNFR: [[], [450, 550, 500, 501, 502, 421, 530, 350]],
  RNTO: [[], [250, 532, 553, 500, 501, 502, 503, 421, 530]],
  DELE: [[], [250, 450, 550, 500, 501, 502, 421, 530]],
  RMD: [[], [250, 500, 501, 502, 421, 530, 550]],
  MKD: [[], [257, 500, 501, 502, 421, 530, 550]],
  PWD: [[], [257, 500, 501, 502, 421, 550]],
  ABOR: [[], [225, 226, 500, 501, 502, 421]],
  // Informational commands
  SYST: [[], [215, 500, 501, 502, 421]],
  STAT: [[], [211, 212, 213, 450, 500, 501, 502, 421, 530]],
  HELP: [[], [211, 214, 500, 501, 502, 421]],
  // Miscellaneous commands
  SITE: [[], [200, 202, 500, 501, 530]],
  NOOP: [[], [200, 500, 421]],
};

/** The replies each extension RFC names for its commands' outcome (a subset: the generic errors aside). */
const EXTENSION_REPLIES: Record<string, number[]> = {
  // RFC 2228 §4
  AUTH: [234, 334, 504, 534, 431],
  ADAT: [235, 335, 503, 535],
  PROT: [200, 504, 536, 503, 534, 431],
  PBSZ: [200, 503],
  CCC: [200, 533, 534],
  MIC: [535, 533, 631],
  CONF: [535, 533, 632],
  ENC: [535, 533, 633],
  // RFC 2428 §2, §3
  EPRT: [200, 522],
  EPSV: [229, 522],
  // RFC 1639
  LPRT: [200],
  LPSV: [228],
  // RFC 2389 §3, §4
  FEAT: [211],
  OPTS: [200, 451],
  // RFC 2640 §4.1
  LANG: [200, 504],
  // RFC 3659 §3, §4, §7
  MDTM: [213, 550],
  SIZE: [213, 550],
  MLST: [250, 550],
  MLSD: [226, 250, 425, 426, 451, 550],
};

/**
 * What the table adds to RFC 959 §5.4 for its commands (issue 19): RFC 2228's replies to USER (232 authorized by
 * the security exchange, 336 a challenge), and the 214 servers send to `SITE HELP` (ProFTPD; Zeek lists it too).
 */
const ADDED_TO_RFC_959: Record<string, number[]> = { USER: [232, 336], SITE: [214] };

describe("the command–reply table (RFC 959 §5.4)", () => {
  test.each(Object.entries(RFC_959_TABLE))(
    "%s has exactly the RFC's replies",
    (verb, [preliminary, final]) => {
      const replies = repliesForCommand(verb);
      expect(replies).toBeDefined();
      expect([...(replies?.preliminary ?? [])].sort()).toEqual([...preliminary].sort());
      expect([...(replies?.final ?? [])].sort()).toEqual(
        [...final, ...(ADDED_TO_RFC_959[verb] ?? [])].sort(),
      );
    },
  );

  test.each(Object.entries(EXTENSION_REPLIES))("%s allows the replies its RFC names", (verb, codes) => {
    const final = repliesForCommand(verb)?.final ?? [];
    for (const code of codes) expect(final).toContain(code);
  });

  test("MLSD opens a data connection like LIST (RFC 3659 §7): 125 or 150 first", () => {
    expect([...(repliesForCommand("MLSD")?.preliminary ?? [])].sort()).toEqual([125, 150]);
  });

  test("the RFC 775 X… commands are answered like their RFC 959 forms", () => {
    for (const [x, base] of [
      ["XCWD", "CWD"],
      ["XMKD", "MKD"],
      ["XRMD", "RMD"],
      ["XPWD", "PWD"],
    ] as const) {
      expect(repliesForCommand(x)).toEqual(repliesForCommand(base));
    }
    const xcup = repliesForCommand("XCUP")?.final ?? [];
    for (const code of repliesForCommand("CDUP")?.final ?? []) expect(xcup).toContain(code);
  });

  test("unknown commands have no entry and accept any reply; inherited object keys are not commands", () => {
    expect(repliesForCommand("XYZZY")).toBeUndefined();
    expect(repliesForCommand("constructor")).toBeUndefined();
    expect(repliesForCommand("toString")).toBeUndefined();
    expect(isValidReplyFor("XYZZY", 299)).toBe(true);
  });

  test("421, 500, 501, 502 and 530 are valid for any command; other codes follow the table", () => {
    for (const code of [421, 500, 501, 502, 530]) expect(isValidReplyFor("QUIT", code)).toBe(true);
    expect(isValidReplyFor("QUIT", 221)).toBe(true);
    expect(isValidReplyFor("QUIT", 200)).toBe(false);
    expect(isValidReplyFor("QUIT", 550)).toBe(false);
    // 1xx codes are checked against the preliminary list, 2xx–6xx against the final list.
    expect(isValidReplyFor("RETR", 150)).toBe(true);
    expect(isValidReplyFor("RETR", 120)).toBe(false);
    expect(isValidReplyFor("REIN", 120)).toBe(true);
    expect(isValidReplyFor("USER", 150)).toBe(false);
    expect(isValidReplyFor("USER", 331)).toBe(true);
  });
});

/** A login, a working directory, a passive data channel, then `command` answered by `replies`. */
function afterSetup(command: string, replies: string[]): DialogueEvent[] {
  const out: DialogueEvent[] = [];
  const exchange = (line: string, reply: string) => {
    for (const c of parseCommands(`${line}\r\n`)) out.push({ type: "command", command: c });
    for (const r of parseReplies(`${reply}\r\n`)) out.push({ type: "reply", reply: r });
  };
  for (const r of parseReplies("220 ready\r\n")) out.push({ type: "reply", reply: r });
  exchange("USER anonymous", "331 send password");
  exchange("PASS guest@", "230 logged in");
  exchange("PWD", '257 "/pub" is the current directory');
  exchange("PASV", "227 Entering Passive Mode (127,0,0,1,4,1)");
  for (const c of parseCommands(`${command}\r\n`)) out.push({ type: "command", command: c });
  for (const r of parseReplies(replies.map((line) => `${line}\r\n`).join("")))
    out.push({ type: "reply", reply: r });
  return out;
}

describe("the command sets", () => {
  const TRANSFERS = ["RETR", "STOR", "STOU", "APPE", "LIST", "NLST", "MLSD"];
  test.each(TRANSFERS)("%s is a transfer: it uses the data channel in effect", (verb) => {
    const { exchanges } = runDialogue(afterSetup(`${verb} file`, ["150 opening", "226 done"]));
    const last = exchanges.at(-1);
    expect(last?.command?.verb).toBe(verb);
    expect(last?.dataChannel).toEqual({ passive: true, host: "127.0.0.1", port: 1025 });
  });

  test("a command that is not a transfer does not carry the data channel", () => {
    const { exchanges } = runDialogue(afterSetup("NOOP", ["200 ok"]));
    expect(exchanges.at(-1)?.dataChannel).toBeUndefined();
  });

  const PATHS: [string, string[]][] = [
    ["APPE", ["150 opening", "226 done"]],
    ["CWD", ["250 ok"]],
    ["XCWD", ["250 ok"]],
    ["DELE", ["250 ok"]],
    ["MKD", ['257 "/pub/sub/f" created']],
    ["XMKD", ['257 "/pub/sub/f" created']],
    ["RETR", ["150 opening", "226 done"]],
    ["RMD", ["250 ok"]],
    ["XRMD", ["250 ok"]],
    ["RNFR", ["350 ready"]],
    ["STOR", ["150 opening", "226 done"]],
    ["STOU", ["150 opening", "226 done"]],
    ["SIZE", ["213 1"]],
    ["MDTM", ["213 20240101000000"]],
    ["MLST", ["250-facts", " size=1; f", "250 end"]],
    ["MLSD", ["150 opening", "226 done"]],
  ];
  test.each(PATHS)("%s names a path: it is resolved against the working directory", (verb, replies) => {
    const { exchanges } = runDialogue(afterSetup(`${verb} sub/./x/../f`, replies));
    const last = exchanges.at(-1);
    expect(last?.command?.verb).toBe(verb);
    expect(last?.path).toBe("/pub/sub/f");
  });

  test("a command that names no path gets none", () => {
    const { exchanges } = runDialogue(afterSetup("SITE sub/f", ["200 ok"]));
    expect(exchanges.at(-1)?.path).toBeUndefined();
  });
});
