import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { parseFeatures, parseReplies } from "../../src/index.js";
import {
  configureProperties,
  HOSTILE_LENGTH,
  hostileOf,
  propertyTest,
  reply,
  syntaxErrorOf,
} from "./support.js";

configureProperties();

describe("parseFeatures", () => {
  test("RFC 2389 §3.2 example", () => {
    const r = reply(
      "211-Extensions supported:\r\n MLST size*;create;modify*;perm;media-type\r\n SIZE\r\n COMPRESSION\r\n MDTM\r\n211 END\r\n",
    );
    expect(parseFeatures(r)).toEqual([
      { name: "MLST", params: "size*;create;modify*;perm;media-type" },
      { name: "SIZE", params: "" },
      { name: "COMPRESSION", params: "" },
      { name: "MDTM", params: "" },
    ]);
  });

  // The FEAT replies of vsftpd 3 (`211-Features:` … `211 End`) and IIS (`211-Extended features supported:` …
  // `211 END`), in their own words; lftp also reads inner lines that repeat the code (`211-MDTM`).
  test.each([
    [
      "211-Features:\r\n EPRT\r\n EPSV\r\n MDTM\r\n PASV\r\n REST STREAM\r\n SIZE\r\n TVFS\r\n UTF8\r\n211 End\r\n",
      [
        ["EPRT", ""],
        ["EPSV", ""],
        ["MDTM", ""],
        ["PASV", ""],
        ["REST", "STREAM"],
        ["SIZE", ""],
        ["TVFS", ""],
        ["UTF8", ""],
      ],
    ],
    [
      "211-Extended features supported:\r\n LANG EN*\r\n UTF8\r\n AUTH TLS;TLS-C;SSL;TLS-P;\r\n PBSZ\r\n PROT C;P;\r\n CCC\r\n HOST\r\n SIZE\r\n MDTM\r\n REST STREAM\r\n211 END\r\n",
      [
        ["LANG", "EN*"],
        ["UTF8", ""],
        ["AUTH", "TLS;TLS-C;SSL;TLS-P;"],
        ["PBSZ", ""],
        ["PROT", "C;P;"],
        ["CCC", ""],
        ["HOST", ""],
        ["SIZE", ""],
        ["MDTM", ""],
        ["REST", "STREAM"],
      ],
    ],
    [
      "211-Features\r\n211-MDTM\r\n211-SIZE\r\n211 End\r\n",
      [
        ["MDTM", ""],
        ["SIZE", ""],
      ],
    ],
    [
      "211-Features\r\nMDTM\r\n  mlst   Type*;Size*; \r\n\r\n \r\n211 End\r\n",
      [
        ["MDTM", ""],
        ["MLST", "Type*;Size*; "],
      ],
    ],
    ["211-Features\r\n UTF8\r\n211\r\n", [["UTF8", ""]]],
    ["211 No features\r\n", []],
    ["211-Features:\r\n211 End\r\n", []],
  ] as const)("%j", (wire, expected) => {
    const features = expected.map(([name, params]) => ({ name, params }));
    expect(parseFeatures(reply(wire))).toEqual(features);
    expect(parseFeatures(wire)).toEqual(features);
  });

  test("the message alone: the last line is the close unless it starts with a blank", () => {
    expect(parseFeatures("Features:\n MDTM\n SIZE\nEnd")).toEqual([
      { name: "MDTM", params: "" },
      { name: "SIZE", params: "" },
    ]);
    expect(parseFeatures("Features:\r\n MDTM\r\n SIZE")).toEqual([
      { name: "MDTM", params: "" },
      { name: "SIZE", params: "" },
    ]);
    expect(parseFeatures("Features")).toEqual([]);
  });

  test("names are upper-cased in ASCII only, params stay as sent", () => {
    expect(parseFeatures("211-x\r\n mlst Type*;\r\n straße x\r\n211 End")).toEqual([
      { name: "MLST", params: "Type*;" },
      { name: "STRAßE", params: "x" },
    ]);
  });

  test("with retainLines: false only the opening and closing lines remain, so no features", () => {
    const [r] = parseReplies("211-Features:\r\n MDTM\r\n211 End\r\n", { retainLines: false });
    expect(parseFeatures(r!)).toEqual([]);
  });

  test("another reply code is rejected (a 500/502 to FEAT)", () => {
    const error = syntaxErrorOf(() => parseFeatures(reply("500 FEAT not understood")), "unexpected-code");
    expect(error.code).toBe(500);
    syntaxErrorOf(() => parseFeatures("502 Command not implemented"), "unexpected-code");
  });

  test("hostile text far longer than any reply", () => {
    expect(parseFeatures(`211-x\r\n ${hostileOf("A")}\r\n211 End`)).toEqual([
      { name: hostileOf("A"), params: "" },
    ]);
    expect(parseFeatures(`211-x\r\n${hostileOf(" \r\n")}211 End`)).toEqual([]);
    const many = parseFeatures(`211-x\r\n${hostileOf(" a\r\n")}211 End`);
    expect(many.length).toBe(HOSTILE_LENGTH / 4);
    expect(many[0]).toEqual({ name: "A", params: "" });
    expect(parseFeatures(`211-x\r\n X ${hostileOf(" ")}y\r\n211 End`)).toEqual([{ name: "X", params: "y" }]);
  });

  const label = fc.stringMatching(/^[A-Za-z0-9.-]{1,12}$/);
  const params = fc.stringMatching(/^[!-~]([ -~]{0,20}[!-~])?$/);
  propertyTest.prop([fc.array(fc.tuple(label, fc.option(params, { nil: undefined })), { maxLength: 12 })])(
    "round trip: format a FEAT reply, decode the same features in order",
    (features) => {
      const lines = features.map(([name, p]) => ` ${name}${p === undefined ? "" : ` ${p}`}\r\n`);
      const wire = `211-Extensions supported:\r\n${lines.join("")}211 END\r\n`;
      const expected = features.map(([name, p]) => ({ name: name.toUpperCase(), params: p ?? "" }));
      expect(parseFeatures(reply(wire))).toEqual(expected);
      expect(parseFeatures(wire)).toEqual(expected);
    },
  );
});
