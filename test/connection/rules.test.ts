/**
 * The dialogue rules of src/connection/rules.ts: the command–reply table of RFC 959 §5.4 and the extension RFCs,
 * and the command groups the session, the CLI and the pcap analyser share.
 */
import { describe, expect, test } from "vitest";
import {
  ACTIVE_COMMANDS,
  COMMAND_REPLIES,
  DATA_CHANNEL_COMMANDS,
  FILE_TRANSFER_COMMANDS,
  GREETING_REPLIES,
  LISTING_COMMANDS,
  PASSIVE_COMMANDS,
  PATH_COMMANDS,
  RFC_775_COMMANDS,
  TRANSFER_COMMANDS,
} from "../../src/connection/rules.js";
import {
  type DialogueEvent,
  isValidReplyFor,
  parseCommands,
  parseReplies,
  repliesForCommand,
  runDialogue,
} from "../../src/index.js";

describe("the command–reply table", () => {
  test("RFC 959 §5.4 entries", () => {
    expect(isValidReplyFor("RETR", 150)).toBe(true);
    expect(isValidReplyFor("RETR", 226)).toBe(true);
    expect(isValidReplyFor("RETR", 227)).toBe(false);
    expect(isValidReplyFor("USER", 331)).toBe(true);
    expect(isValidReplyFor("USER", 150)).toBe(false);
    expect(isValidReplyFor("PASV", 229)).toBe(false);
    expect(isValidReplyFor("QUIT", 221)).toBe(true);
    expect(repliesForCommand("REIN")).toEqual({ preliminary: [120], final: [220, 421, 500, 502] });
  });

  test("extension RFCs: 2228, 2389, 2428, 2640, 3659", () => {
    expect(isValidReplyFor("AUTH", 234)).toBe(true);
    expect(isValidReplyFor("PBSZ", 200)).toBe(true);
    expect(isValidReplyFor("PROT", 536)).toBe(true);
    expect(isValidReplyFor("EPSV", 229)).toBe(true);
    expect(isValidReplyFor("EPRT", 522)).toBe(true);
    expect(isValidReplyFor("FEAT", 211)).toBe(true);
    expect(isValidReplyFor("OPTS", 200)).toBe(true);
    expect(isValidReplyFor("LANG", 200)).toBe(true);
    expect(isValidReplyFor("SIZE", 213)).toBe(true);
    expect(isValidReplyFor("MDTM", 213)).toBe(true);
    expect(isValidReplyFor("MLST", 250)).toBe(true);
    expect(isValidReplyFor("MLSD", 150)).toBe(true);
    expect(isValidReplyFor("SIZE", 150)).toBe(false);
  });

  test("checked again against the RFCs: CDUP as CWD, USER of RFC 2228, HOST of RFC 7151", () => {
    // RFC 959 §4.1.1: CDUP's "reply codes shall be identical to the reply codes of CWD".
    expect(isValidReplyFor("CDUP", 250)).toBe(true);
    expect(isValidReplyFor("XCUP", 250)).toBe(true);
    // RFC 2228: USER may be answered 232 (authorized by the security exchange) or 336 (a challenge).
    expect(isValidReplyFor("USER", 232)).toBe(true);
    expect(isValidReplyFor("USER", 336)).toBe(true);
    // RFC 7151 §3.2: HOST is answered like a greeting.
    expect(repliesForCommand("HOST")?.preliminary).toEqual([120]);
    expect(isValidReplyFor("HOST", 220)).toBe(true);
    expect(isValidReplyFor("HOST", 503)).toBe(true);
    expect(isValidReplyFor("HOST", 230)).toBe(false);
    // What servers send where the RFCs name no code: EPSV ALL → 200, SITE HELP → 214.
    expect(isValidReplyFor("EPSV", 200)).toBe(true);
    expect(isValidReplyFor("SITE", 214)).toBe(true);
  });

  test("421 and 500/501/502 are valid for every command; unknown commands accept anything", () => {
    for (const code of [421, 500, 501, 502]) expect(isValidReplyFor("QUIT", code)).toBe(true);
    expect(isValidReplyFor("XCRC", 250)).toBe(true);
    expect(repliesForCommand("XCRC")).toBeUndefined();
    expect(repliesForCommand("constructor")).toBeUndefined();
  });
});

describe("CDUP (RFC 959 §4.1.1: its replies are CWD's)", () => {
  test("250 is valid for CDUP and XCUP, as 200 is", () => {
    // §5.4 lists 200; §4.1.1 and Appendix II say "The reply codes shall be identical to the reply codes of CWD".
    for (const verb of ["CDUP", "XCUP"]) {
      expect(isValidReplyFor(verb, 250)).toBe(true);
      expect(isValidReplyFor(verb, 200)).toBe(true);
      expect(isValidReplyFor(verb, 550)).toBe(true);
      expect(isValidReplyFor(verb, 257)).toBe(false);
      expect(isValidReplyFor(verb, 150)).toBe(false);
    }
    expect([...(repliesForCommand("CDUP")?.final ?? [])].sort()).toEqual([
      200, 250, 421, 500, 501, 502, 530, 550,
    ]);
    for (const code of repliesForCommand("CWD")?.final ?? [])
      expect(isValidReplyFor("CDUP", code)).toBe(true);
  });

  test("a session that sees CDUP answered 250 (vsftpd, ProFTPD) flags nothing and moves up", () => {
    const [greeting, pwd, cdup] = parseReplies(
      '220 ready\r\n257 "/pub/dir"\r\n250 Directory successfully changed.\r\n',
    );
    const commands = parseCommands("PWD\r\nCDUP\r\n");
    const events: DialogueEvent[] = [
      { type: "reply", reply: greeting! },
      { type: "command", command: commands[0]! },
      { type: "reply", reply: pwd! },
      { type: "command", command: commands[1]! },
      { type: "reply", reply: cdup! },
    ];
    const result = runDialogue(events);
    expect(result.diagnostics).toEqual([]);
    expect(result.exchanges.at(-1)?.cwd).toBe("/pub/dir");
    expect(result.state.cwd).toBe("/pub");
  });
});

describe("the RFC 775 X… commands (RFC 1123 §4.1.3.1)", () => {
  test("each is answered exactly like the RFC 959 command it stands for", () => {
    expect(Object.entries(RFC_775_COMMANDS).sort()).toEqual([
      ["XCUP", "CDUP"],
      ["XCWD", "CWD"],
      ["XMKD", "MKD"],
      ["XPWD", "PWD"],
      ["XRMD", "RMD"],
    ]);
    for (const [experimental, standard] of Object.entries(RFC_775_COMMANDS)) {
      expect(repliesForCommand(experimental)).toEqual(repliesForCommand(standard));
    }
  });
});

describe("the table itself", () => {
  test("every row lists 1xx codes as preliminary and 2xx–6xx codes as final, each once", () => {
    for (const [verb, { preliminary, final }] of Object.entries(COMMAND_REPLIES)) {
      expect(verb).toMatch(/^[A-Z]{3,4}$/);
      for (const code of preliminary) expect(code >= 100 && code < 200, `${verb} ${code}`).toBe(true);
      for (const code of final) expect(code >= 200 && code < 700, `${verb} ${code}`).toBe(true);
      expect(new Set(final).size, verb).toBe(final.length);
    }
  });

  test("the greeting codes are those of RFC 959 §5.4, connection establishment", () => {
    expect([...GREETING_REPLIES].sort()).toEqual([120, 220, 421]);
  });
});

describe("the command groups", () => {
  test("transfers are the file transfers and the listings (RFC 959 §4.1.3, RFC 3659 §7)", () => {
    expect([...FILE_TRANSFER_COMMANDS].sort()).toEqual(["APPE", "RETR", "STOR", "STOU"]);
    expect([...LISTING_COMMANDS].sort()).toEqual(["LIST", "MLSD", "NLST"]);
    expect([...TRANSFER_COMMANDS].sort()).toEqual(["APPE", "LIST", "MLSD", "NLST", "RETR", "STOR", "STOU"]);
  });

  test("every transfer may get a 150 and a 226 (RFC 959 §5.4)", () => {
    for (const verb of TRANSFER_COMMANDS) {
      expect(isValidReplyFor(verb, 150)).toBe(true);
      expect(isValidReplyFor(verb, 226)).toBe(true);
    }
  });

  test("the data-channel commands are the passive and the active ones", () => {
    expect([...PASSIVE_COMMANDS].sort()).toEqual(["EPSV", "LPSV", "PASV"]);
    expect([...ACTIVE_COMMANDS].sort()).toEqual(["EPRT", "LPRT", "PORT"]);
    expect([...DATA_CHANNEL_COMMANDS].sort()).toEqual(["EPRT", "EPSV", "LPRT", "LPSV", "PASV", "PORT"]);
  });

  test("the passive commands' success replies name an endpoint: 227, 229, 228", () => {
    expect(isValidReplyFor("PASV", 227)).toBe(true);
    expect(isValidReplyFor("EPSV", 229)).toBe(true);
    expect(isValidReplyFor("LPSV", 228)).toBe(true);
  });

  test("commands that name a path; LIST and NLST do not (their argument may be options)", () => {
    expect(PATH_COMMANDS.size).toBe(17);
    for (const verb of [
      "RETR",
      "STOR",
      "STOU",
      "APPE",
      "CWD",
      "XCWD",
      "DELE",
      "MKD",
      "RMD",
      "RNFR",
      "RNTO",
    ]) {
      expect(PATH_COMMANDS.has(verb)).toBe(true);
    }
    for (const verb of ["LIST", "NLST", "CDUP", "PWD", "SITE", "REST"])
      expect(PATH_COMMANDS.has(verb)).toBe(false);
  });
});
