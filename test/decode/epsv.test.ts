import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { parseEpsv } from "../../src/index.js";
import {
  configureProperties,
  hostileOf,
  propertyTest,
  rangeErrorOf,
  reply,
  syntaxErrorOf,
} from "./support.js";

configureProperties();

// Sources: RFC 2428 §3 (canonical form); basic-ftp PR #87 and FluentFTP issue #1108 (IBM i / z/OS `!`
// delimiters); aioftp issue #69 (Serv-U 15.1.3.3, trailing `.`).
const variants: [string, number][] = [
  ["229 Entering Extended Passive Mode (|||6446|)", 6446],
  ["229 Entering Extended Passive Mode (|||6446|).", 6446],
  ["229 Entering Extended Passive Mode (!!!9447!).", 9447],
  ["229 Entering Extended Passive Mode (|||50006|).", 50006],
  ["229 Entering Passive Mode (|||1|)", 1],
  ["229 Entering Extended Passive Mode (###65535#)", 65535],
  ["229 Entering Extended Passive Mode (~~~00021~)", 21],
  ["229 EPSV ok (|||6446|) thanks", 6446],
  // A `(` that does not open the port group is passed over.
  ["229 Extended (passive) mode (|||6446|)", 6446],
  ["229 (((((|||6446|)", 6446],
];

describe("parseEpsv", () => {
  test.each(variants)("%s", (wire, port) => {
    expect(parseEpsv(wire)).toEqual({ port });
    expect(parseEpsv(reply(wire))).toEqual({ port });
  });

  test("every printable delimiter but digits (RFC 2428 §2: 33-126)", () => {
    for (let c = 33; c <= 126; c++) {
      const d = String.fromCharCode(c);
      const wire = `229 Entering Extended Passive Mode (${d}${d}${d}6446${d})`;
      if (c >= 0x30 && c <= 0x39) syntaxErrorOf(() => parseEpsv(wire), "malformed-value");
      else expect(parseEpsv(wire)).toEqual({ port: 6446 });
    }
  });

  test("ports 0 and above 65535 are range errors", () => {
    const zero = rangeErrorOf(
      () => parseEpsv("229 Entering Extended Passive Mode (|||0|)"),
      "port-out-of-range",
    );
    expect(zero.offset).toBe("Entering Extended Passive Mode (|||".length);
    rangeErrorOf(() => parseEpsv("229 (|||65536|)"), "port-out-of-range");
    rangeErrorOf(() => parseEpsv("229 (|||99999999999999999999999|)"), "port-out-of-range");
  });

  test.each([
    ["229 Entering Extended Passive Mode", "missing-value"],
    ["229 Entering Extended Passive Mode |||6446|", "missing-value"],
    // Bulletproof FTP server (FluentFTP issue #1793): a delimiter short.
    ["229 Entering Extended Passive Mode (||6446|)", "malformed-value"],
    ["229 Entering Extended Passive Mode (|||6446!)", "malformed-value"],
    ["229 Entering Extended Passive Mode (|!|6446|)", "malformed-value"],
    ["229 Entering Extended Passive Mode (|||6446|", "malformed-value"],
    ["229 Entering Extended Passive Mode (||||)", "malformed-value"],
    ["229 Entering Extended Passive Mode (|1|127.0.0.1|6446|)", "malformed-value"],
    ["229 Entering Extended Passive Mode (   6446 )", "malformed-value"],
    ["229 Entering Extended Passive Mode (|||-1|)", "malformed-value"],
    ["229 Entering Extended Passive Mode (|||64 46|)", "malformed-value"],
    ["229 (", "malformed-value"],
  ] as const)("rejects %j (%s)", (wire, type) => {
    syntaxErrorOf(() => parseEpsv(wire), type);
  });

  test("another reply code is rejected", () => {
    syntaxErrorOf(() => parseEpsv("227 Entering Passive Mode (192,168,1,2,4,210)"), "unexpected-code");
    syntaxErrorOf(() => parseEpsv(reply("522 Network protocol not supported, use (1)")), "unexpected-code");
  });

  test("hostile text far longer than any reply", () => {
    syntaxErrorOf(() => parseEpsv(`229 ${hostileOf("(")}`), "malformed-value");
    syntaxErrorOf(() => parseEpsv(`229 ${hostileOf("(|||")}`), "malformed-value");
    syntaxErrorOf(() => parseEpsv(`229 ${hostileOf("|")}`), "missing-value");
    syntaxErrorOf(() => parseEpsv(`229 (|||${hostileOf("9")}`), "malformed-value");
    rangeErrorOf(() => parseEpsv(`229 (|||${hostileOf("9")}|)`), "port-out-of-range");
    expect(parseEpsv(`229 (|||${hostileOf("0")}21|)`)).toEqual({ port: 21 });
    expect(parseEpsv(`229 ${hostileOf("(||")}(|||6446|)`)).toEqual({ port: 6446 });
  });

  propertyTest.prop([
    fc.integer({ min: 1, max: 65535 }),
    fc.integer({ min: 33, max: 126 }).filter((c) => c < 0x30 || c > 0x39),
    fc.string({ maxLength: 20 }).filter((s) => !s.includes("(") && !s.includes("\n") && !s.includes("\r")),
    fc.string({ maxLength: 20 }).filter((s) => !s.includes("\n") && !s.includes("\r")),
  ])("round trip: any delimiter, any text around", (port, delimiter, before, after) => {
    const d = String.fromCharCode(delimiter);
    const wire = `229 ${before}(${d}${d}${d}${port}${d})${after}`;
    expect(parseEpsv(wire)).toEqual({ port });
  });
});
