import { describe, expect, test } from "vitest";
import { parseSystemType } from "../../src/index.js";
import { hostileOf, reply, syntaxErrorOf } from "./support.js";

describe("parseSystemType", () => {
  // The SYST replies of vsftpd/ProFTPD/Pure-FTPd (`UNIX Type: L8`), IIS (`Windows_NT`), z/OS and IBM i.
  test.each([
    ["215 UNIX Type: L8", "UNIX", "Type: L8"],
    ["215 Windows_NT", "Windows_NT", ""],
    [
      "215 MVS is the operating system of this server. FTP Server is running on z/OS.",
      "MVS",
      "is the operating system of this server. FTP Server is running on z/OS.",
    ],
    [
      '215  OS/400 is the remote operating system. The TCP/IP version is "V7R3M0". ',
      "OS/400",
      'is the remote operating system. The TCP/IP version is "V7R3M0".',
    ],
    ["215 UNIX\tType: L8", "UNIX", "Type: L8"],
  ] as const)("%s", (wire, name, details) => {
    expect(parseSystemType(wire)).toEqual({ name, details });
    expect(parseSystemType(reply(wire))).toEqual({ name, details });
  });

  test("a multi-line 215: the name ends at the line end", () => {
    expect(parseSystemType(reply("215-UNIX\r\n215 Type: L8\r\n"))).toEqual({
      name: "UNIX",
      details: "\nType: L8",
    });
  });

  test("rejections", () => {
    syntaxErrorOf(() => parseSystemType("215 "), "missing-value");
    syntaxErrorOf(() => parseSystemType("215"), "missing-value");
    syntaxErrorOf(() => parseSystemType("500 SYST not understood"), "unexpected-code");
  });

  test("hostile text far longer than any reply", () => {
    expect(parseSystemType(`215 ${hostileOf("U")}`)).toEqual({ name: hostileOf("U"), details: "" });
    syntaxErrorOf(() => parseSystemType(`215 ${hostileOf(" ")}`), "missing-value");
    expect(parseSystemType(`215 UNIX ${hostileOf(" ")}L8`)).toEqual({ name: "UNIX", details: "L8" });
  });
});
