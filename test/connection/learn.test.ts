/**
 * The step tables of src/connection/learn.ts: which commands teach the session something, and that the RFC 775
 * X… forms teach what their RFC 959 commands teach. What each step teaches is tested through sessions in
 * test/dialogue.test.ts and test/mutation/dialogue-session.test.ts.
 */
import { describe, expect, test } from "vitest";
import { ANNOUNCE, LEARN, stepFor, TAKE } from "../../src/connection/learn.js";
import { ACTIVE_COMMANDS, PASSIVE_COMMANDS, RFC_775_COMMANDS } from "../../src/connection/rules.js";
import { parseEprt, parseLprt, parsePort } from "../../src/index.js";

describe("the step tables", () => {
  test("LEARN: the commands whose final reply teaches something", () => {
    expect(Object.keys(LEARN).sort()).toEqual(
      [
        "ACCT",
        "AUTH",
        "CCC",
        "CDUP",
        "CWD",
        "EPSV",
        "LPSV",
        "PASS",
        "PASV",
        "PWD",
        "QUIT",
        "REIN",
        "SIZE",
        "TYPE",
        "USER",
        "XCUP",
        "XCWD",
        "XPWD",
      ].sort(),
    );
    for (const verb of PASSIVE_COMMANDS) expect(stepFor(LEARN, verb)).toBeTypeOf("function");
  });

  test("an RFC 775 X… command runs the step of its RFC 959 command, when that has one", () => {
    for (const [experimental, standard] of Object.entries(RFC_775_COMMANDS)) {
      expect(stepFor(LEARN, experimental)).toBe(stepFor(LEARN, standard));
    }
    expect(stepFor(LEARN, "XMKD")).toBeUndefined();
  });

  test("ANNOUNCE: the active commands, read by the decode/ argument decoders", () => {
    expect(Object.keys(ANNOUNCE).sort()).toEqual([...ACTIVE_COMMANDS].sort());
    expect(ANNOUNCE.PORT).toBe(parsePort);
    expect(ANNOUNCE.EPRT).toBe(parseEprt);
    expect(ANNOUNCE.LPRT).toBe(parseLprt);
  });

  test("TAKE: USER and PASS change the session as soon as the server takes them", () => {
    expect(Object.keys(TAKE).sort()).toEqual(["PASS", "USER"]);
  });

  test("inherited object keys are no commands", () => {
    for (const table of [LEARN, TAKE, ANNOUNCE] as const) {
      for (const key of ["constructor", "toString", "__proto__", "hasOwnProperty"]) {
        expect(stepFor(table as Record<string, unknown>, key)).toBeUndefined();
      }
    }
  });
});
