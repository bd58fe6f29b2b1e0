import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { parsePasv } from "../../src/index.js";
import {
  configureProperties,
  hostileOf,
  propertyTest,
  rangeErrorOf,
  reply,
  syntaxErrorOf,
} from "./support.js";

configureProperties();

// Reply variants real servers send. Sources: RFC 959 §4.2.2 (the canonical form); curl's lib/ftp.c 227 parser
// comment ("Found reply-strings include" the two word-only forms); squid's ftp server comment (the
// `227 =a,b,c,d,p1,p2` form, RFC 1123 §4.1.2.6); basic-ftp issue #164 (a 227 with a trailing `.`, sent to EPSV).
const variants: [string, string, number][] = [
  ["227 Entering Passive Mode (192,168,1,2,4,210)", "192.168.1.2", 1234],
  ["227 Entering Passive Mode (192,168,1,2,4,210).", "192.168.1.2", 1234],
  ["227 Entering Passive Mode (91,190,231,97,119,66).", "91.190.231.97", 30530],
  ["227 =192,168,1,2,4,210", "192.168.1.2", 1234],
  ["227 Entering Passive Mode 192,168,1,2,4,210", "192.168.1.2", 1234],
  ["227 Entering Passive Mode 192,168,1,2,4,210.", "192.168.1.2", 1234],
  ["227 Data transfer will passively listen to 127,0,0,1,4,51", "127.0.0.1", 1075],
  ["227 Entering passive mode. 127,0,0,1,4,51", "127.0.0.1", 1075],
  ["227 Entering Passive Mode (192, 168, 1, 2, 4, 210)", "192.168.1.2", 1234],
  ["227 Entering Passive Mode ( 192 , 168 , 1 , 2 , 4 , 210 )", "192.168.1.2", 1234],
  ["227 Entering Passive Mode (192,168,001,002,004,210)", "192.168.1.2", 1234],
  ["227 Entering Passive Mode (0,0,0,0,255,255)", "0.0.0.0", 65535],
  ["227 Entering Passive Mode (255,255,255,255,0,1)", "255.255.255.255", 1],
  // Numbers that are not six in a chain come first and are skipped (vsftpd 3 prints none, but banners do).
  ["227 Mode 2 of 3, listening (10,1,2,3,195,80)", "10.1.2.3", 50000],
  ["227 Entering Passive Mode (10,1,2,3,195,80) - 1,2,3", "10.1.2.3", 50000],
  // Serv-U style trailing text.
  ["227 Entering Passive Mode (10,1,2,3,195,80) Serv-U FTP Server v15", "10.1.2.3", 50000],
];

describe("parsePasv", () => {
  test.each(variants)("%s", (wire, host, port) => {
    expect(parsePasv(wire)).toEqual({ host, port });
    expect(parsePasv(reply(wire))).toEqual({ host, port });
  });

  test("the message alone (no code) is decoded too", () => {
    expect(parsePasv("Entering Passive Mode (192,168,1,2,4,210).")).toEqual({
      host: "192.168.1.2",
      port: 1234,
    });
    expect(parsePasv("=10,0,0,1,0,21")).toEqual({ host: "10.0.0.1", port: 21 });
  });

  test("a multi-line 227 is read from its message", () => {
    const r = reply("227-Passive mode on\r\n227 Entering Passive Mode (10,0,0,9,4,1)\r\n");
    expect(parsePasv(r)).toEqual({ host: "10.0.0.9", port: 1025 });
  });

  test("out-of-range octets are errors, never masked", () => {
    const error = rangeErrorOf(
      () => parsePasv("227 Entering Passive Mode (1216,256,2,127,127,127)"),
      "octet-out-of-range",
    );
    expect(error.offset).toBe("Entering Passive Mode (".length);
    expect(error.message).toContain("1216,256,2,127,127,127");
    expect(error.code).toBe(227);
    expect(error.decoder).toBe("parsePasv");
    rangeErrorOf(() => parsePasv("227 (192,168,1,2,256,0)"), "octet-out-of-range");
    rangeErrorOf(() => parsePasv("227 (192,168,1,2,4,99999999999999999999)"), "octet-out-of-range");
    const port = rangeErrorOf(() => parsePasv("227 (192,168,1,2,0,0)"), "port-out-of-range");
    expect(port.offset).toBe("(192,168,1,2,".length);
  });

  test.each([
    ["227 Entering Passive Mode", "missing-value"],
    ["227 Entering Passive Mode (192,168,1,2,4)", "missing-value"],
    ["227 Entering Passive Mode (192.168.1.2:1234)", "missing-value"],
    ["227 Entering Passive Mode (192;168;1;2;4;210)", "missing-value"],
    ["227 ", "missing-value"],
    ["227", "missing-value"],
    ["227 Entering Passive Mode (10,192,168,1,2,4,210)", "malformed-value"],
    ["227 Entering Passive Mode (-1,168,1,2,4,210)", "malformed-value"],
    ["227 Entering Passive Mode (+1,168,1,2,4,210)", "malformed-value"],
  ] as const)("rejects %j (%s)", (wire, type) => {
    const error = syntaxErrorOf(() => parsePasv(wire), type);
    expect(error.decoder).toBe("parsePasv");
  });

  test("no digit directly before the first number: 5192 is not 192", () => {
    // The chain starts at `5192`, an out-of-range octet, not at `192`.
    rangeErrorOf(() => parsePasv("227 Mode 5192,168,1,2,4,210"), "octet-out-of-range");
  });

  test("another reply code is rejected", () => {
    const error = syntaxErrorOf(
      () => parsePasv("229 Entering Extended Passive Mode (|||6446|)"),
      "unexpected-code",
    );
    expect(error.code).toBe(229);
    expect(error.message).toContain("229");
    syntaxErrorOf(() => parsePasv(reply("500 PASV not understood")), "unexpected-code");
  });

  test("hostile text far longer than any reply: digits, commas, almost-chains", () => {
    syntaxErrorOf(() => parsePasv(`227 ${hostileOf("9")}`), "missing-value");
    syntaxErrorOf(() => parsePasv(`227 (${hostileOf(",")})`), "missing-value");
    syntaxErrorOf(() => parsePasv(`227 ${hostileOf("1,")}`), "malformed-value");
    syntaxErrorOf(() => parsePasv(`227 ${hostileOf("1,2,3,4,5 ")}`), "missing-value");
    syntaxErrorOf(() => parsePasv(`227 ${hostileOf("1, ,")}`), "missing-value");
    syntaxErrorOf(() => parsePasv(`227 ${hostileOf("(")}`), "missing-value");
    // HOSTILE_LENGTH characters of noise before the real address does not hide it.
    expect(parsePasv(`227 ${hostileOf("1,2,3 x")}(10,0,0,1,4,210)`)).toEqual({
      host: "10.0.0.1",
      port: 1234,
    });
    // HOSTILE_LENGTH characters of leading zeros is still one small number.
    expect(parsePasv(`227 (${hostileOf("0")}10,0,0,1,4,210)`)).toEqual({ host: "10.0.0.1", port: 1234 });
    const error = rangeErrorOf(() => parsePasv(`227 (${hostileOf("7")},0,0,1,4,210)`), "octet-out-of-range");
    expect(error.message.length).toBeLessThan(300);
  });

  propertyTest.prop([
    fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }),
    fc.integer({ min: 1, max: 65535 }),
    fc.constantFrom(
      (a: string) => `227 Entering Passive Mode (${a}).`,
      (a: string) => `227 Entering Passive Mode (${a})`,
      (a: string) => `227 =${a}`,
      (a: string) => `227 Entering passive mode. ${a}`,
    ),
    fc.constantFrom(",", ", ", " , "),
  ])("round trip: format an address and port, decode the same", (octets, port, format, separator) => {
    const numbers = [...octets, port >> 8, port & 0xff].join(separator);
    const wire = format(numbers);
    expect(parsePasv(wire)).toEqual({ host: octets.join("."), port });
    expect(parsePasv(reply(wire))).toEqual({ host: octets.join("."), port });
  });
});
