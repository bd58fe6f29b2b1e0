import fc from "fast-check";
import { describe, expect, test } from "vitest";
import * as library from "../../src/index.js";
import { isReplyDecodeError, parseEprt, parseLprt, parsePort } from "../../src/index.js";
import { configureProperties, hostileOf, propertyTest, rangeErrorOf, syntaxErrorOf } from "./support.js";

configureProperties();

// The arguments clients send. Sources: RFC 959 §4.1.2 (PORT h1,h2,h3,h4,p1,p2), RFC 2428 §2 (its EPRT examples
// `|1|132.235.1.2|6275|` and `|2|1080::8:800:200C:417A|5282|`), RFC 1639 §2 (LPRT af,hal,h…,pal,p…).

describe("parsePort (RFC 959 §4.1.2)", () => {
  test.each([
    ["192,168,1,2,4,210", "192.168.1.2", 1234],
    ["10,0,0,255,4,1", "10.0.0.255", 1025],
    ["10,0,0,5,255,255", "10.0.0.5", 65535],
    ["0,0,0,0,0,1", "0.0.0.0", 1],
    // Blanks around the argument are not part of it (a client that sends `PORT  h1,…` or a trailing space).
    ["  10,0,0,5,4,1 ", "10.0.0.5", 1025],
    ["\t10,0,0,5,4,1\t", "10.0.0.5", 1025],
    // Leading zeros are read, up to ten digits a number.
    ["010,000,000,005,004,001", "10.0.0.5", 1025],
    ["10,0,0,5,4,0000000001", "10.0.0.5", 1025],
  ] as const)("%j", (arg, host, port) => {
    expect(parsePort(arg)).toEqual({ host, port });
  });

  test("out-of-range numbers are errors, never masked", () => {
    const octet = rangeErrorOf(() => parsePort("10,0,256,5,4,1"), "octet-out-of-range");
    expect(octet.offset).toBe("10,0,".length);
    expect(octet.decoder).toBe("parsePort");
    expect(octet.code).toBeUndefined();
    expect(octet.message).toContain("number 3 is not 0-255");
    rangeErrorOf(() => parsePort("1216,256,2,127,127,127"), "octet-out-of-range");
    rangeErrorOf(() => parsePort("10,0,0,5,4,9999999999"), "octet-out-of-range");
    const port = rangeErrorOf(() => parsePort("10,0,0,5,0,0"), "port-out-of-range");
    expect(port.offset).toBe("10,0,0,5,".length);
  });

  test.each([
    ["", "missing-value", 0],
    ["   ", "missing-value", 0],
    ["10,0,0,5,4", "malformed-value", 0],
    ["10,0,0,5,4,1,7", "malformed-value", 0],
    ["10,0,0,5,4,1,", "malformed-value", "10,0,0,5,4,1".length],
    [",10,0,0,5,4", "malformed-value", 0],
    ["10,0,0,5,4 1", "malformed-value", "10,0,0,5,4".length],
    ["10,0,0,5,4.1", "malformed-value", "10,0,0,5,4".length],
    ["10, 0,0,5,4,1", "malformed-value", "10,".length],
    ["10 ,0,0,5,4,1", "malformed-value", "10".length],
    ["-10,0,0,5,4,1", "malformed-value", 0],
    ["+10,0,0,5,4,1", "malformed-value", 0],
    ["(10,0,0,5,4,1)", "malformed-value", 0],
    ["10,0,0,5,4,1)", "malformed-value", "10,0,0,5,4,1".length],
    ["10.0.0.5:1025", "malformed-value", "10".length],
    // More than ten digits is refused even when the value is small.
    ["10,0,0,5,4,00000000001", "malformed-value", "10,0,0,5,4,".length],
  ] as const)("rejects %j (%s)", (arg, type, offset) => {
    const error = syntaxErrorOf(() => parsePort(arg), type);
    expect(error.decoder).toBe("parsePort");
    expect(error.offset).toBe(offset);
  });

  test("hostile arguments far longer than any command: digits, commas, blanks", () => {
    syntaxErrorOf(() => parsePort(hostileOf("9")), "malformed-value");
    syntaxErrorOf(() => parsePort(hostileOf("1,")), "malformed-value");
    syntaxErrorOf(() => parsePort(hostileOf(",")), "malformed-value");
    syntaxErrorOf(() => parsePort(hostileOf(" ")), "missing-value");
    const error = syntaxErrorOf(() => parsePort(`${hostileOf("0")}1,2,3,4,5,6`), "malformed-value");
    expect(error.message.length).toBeLessThan(300);
  });

  propertyTest.prop([
    fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }),
    fc.integer({ min: 1, max: 65535 }),
  ])("round trip: format an address and port, decode the same", (octets, port) => {
    const arg = [...octets, port >> 8, port & 0xff].join(",");
    expect(parsePort(arg)).toEqual({ host: octets.join("."), port });
  });
});

describe("parseEprt (RFC 2428 §2)", () => {
  test.each([
    ["|1|132.235.1.2|6275|", "132.235.1.2", 6275, 4],
    ["|2|1080::8:800:200C:417A|5282|", "1080::8:800:200c:417a", 5282, 6],
    ["|2|2001:0db8:0000:0000:0000:0000:0000:0001|21|", "2001:db8::1", 21, 6],
    ["|2|::ffff:10.0.0.1|5000|", "::ffff:10.0.0.1", 5000, 6],
    ["|2|::1|1|", "::1", 1, 6],
    // Any printable delimiter but a digit (RFC 2428 §2).
    ["~1~10.0.0.1~5000~", "10.0.0.1", 5000, 4],
    ["!1!10.0.0.1!65535!", "10.0.0.1", 65535, 4],
    ["  |1|10.0.0.1|00080| ", "10.0.0.1", 80, 4],
  ] as const)("%j", (arg, host, port, family) => {
    expect(parseEprt(arg)).toEqual({ host, port, family });
  });

  test("address families other than 1 and 2 are unsupported", () => {
    const error = rangeErrorOf(() => parseEprt("|3|10.0.0.1|5000|"), "unsupported-address");
    expect(error.offset).toBe(1);
    expect(error.decoder).toBe("parseEprt");
    expect(error.code).toBeUndefined();
    rangeErrorOf(() => parseEprt("|4|10.0.0.1|5000|"), "unsupported-address");
    rangeErrorOf(() => parseEprt("|x|10.0.0.1|5000|"), "unsupported-address");
  });

  test("ports outside 1-65535 are out of range", () => {
    const zero = rangeErrorOf(() => parseEprt("|1|10.0.0.1|0|"), "port-out-of-range");
    expect(zero.offset).toBe("|1|10.0.0.1|".length);
    rangeErrorOf(() => parseEprt("|1|10.0.0.1|65536|"), "port-out-of-range");
    rangeErrorOf(() => parseEprt("|1|10.0.0.1|123456|"), "port-out-of-range");
    rangeErrorOf(() => parseEprt(`|1|10.0.0.1|${hostileOf("9")}|`), "port-out-of-range");
  });

  test.each([
    ["", "missing-value", 0],
    ["||10.0.0.1|5000|", "missing-value", 1],
    ["|1||5000|", "missing-value", 3],
    ["|1|10.0.0.1||", "missing-value", "|1|10.0.0.1|".length],
    ["1|1|10.0.0.1|5000|1", "malformed-value", 0],
    ["21210.0.0.1250012", "malformed-value", 0],
    ["\u00e91\u00e910.0.0.1\u00e95000\u00e9", "malformed-value", 0],
    ["\u007f1\u007f10.0.0.1\u007f5000\u007f", "malformed-value", 0],
    ["|1", "malformed-value", 0],
    ["|1|10.0.0.1", "malformed-value", 0],
    ["|1|10.0.0.1|5000", "malformed-value", 0],
    ["|1|10.0.0.1|5000|x", "malformed-value", "|1|10.0.0.1|5000|".length],
    ["|1|10.0.0.1|5000||", "malformed-value", "|1|10.0.0.1|5000|".length],
    ["|1|::1|5000|", "malformed-value", 3],
    ["|2|10.0.0.1|5000|", "malformed-value", 3],
    ["|1|10.0.0.256|5000|", "malformed-value", 3],
    ["|1|010.0.0.1|5000|", "malformed-value", 3],
    ["|2|1:2:3:4:5:6:7:8:9|5000|", "malformed-value", 3],
    ["|1|10.0.0.1|5a|", "malformed-value", "|1|10.0.0.1|5".length],
    ["|1|10.0.0.1|+80|", "malformed-value", "|1|10.0.0.1|".length],
    ["|1|10.0.0.1|000080|", "malformed-value", "|1|10.0.0.1|".length],
  ] as const)("rejects %j (%s)", (arg, type, offset) => {
    const error = syntaxErrorOf(() => parseEprt(arg), type);
    expect(error.decoder).toBe("parseEprt");
    expect(error.offset).toBe(offset);
  });

  test("hostile arguments far longer than any command", () => {
    // Four delimiters, then the rest of the megabyte after the last one.
    syntaxErrorOf(() => parseEprt(hostileOf("|")), "malformed-value");
    syntaxErrorOf(() => parseEprt(`|1|${hostileOf("1.")}|21|`), "malformed-value");
    syntaxErrorOf(() => parseEprt(`|2|${hostileOf("::")}|21|`), "malformed-value");
    const error = syntaxErrorOf(() => parseEprt(`|1|10.0.0.1|21|${hostileOf("x")}`), "malformed-value");
    expect(error.message.length).toBeLessThan(300);
  });

  propertyTest.prop([fc.ipV4(), fc.integer({ min: 1, max: 65535 }), fc.constantFrom("|", "!", "~", "#")])(
    "round trip: an IPv4 EPRT argument decodes to its address and port",
    (host, port, d) => {
      expect(parseEprt(`${d}1${d}${host}${d}${port}${d}`)).toEqual({ host, port, family: 4 });
    },
  );
});

describe("parseLprt (RFC 1639 §2)", () => {
  const v6 = "6,16,32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,1,2,19,137";

  test.each([
    ["4,4,10,0,0,1,2,19,137", "10.0.0.1", 5001, 4],
    ["4,4,10,0,0,1,2,1,2", "10.0.0.1", 258, 4],
    ["4,4,10,0,0,1,2,0,1", "10.0.0.1", 1, 4],
    [v6, "2001:db8::1", 5001, 6],
    [` ${v6} `, "2001:db8::1", 5001, 6],
  ] as const)("%j", (arg, host, port, family) => {
    expect(parseLprt(arg)).toEqual({ host, port, family });
  });

  test("families and lengths other than 4,4 and 6,16 with a 2-byte port are unsupported", () => {
    const family = rangeErrorOf(() => parseLprt("5,4,10,0,0,1,2,19,137"), "unsupported-address");
    expect(family.offset).toBe(0);
    expect(family.decoder).toBe("parseLprt");
    rangeErrorOf(() => parseLprt("4,16,32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,1,2,19,137"), "unsupported-address");
    rangeErrorOf(() => parseLprt("6,4,10,0,0,1,2,19,137"), "unsupported-address");
    const portLength = rangeErrorOf(() => parseLprt("4,4,10,0,0,1,3,0,19,137"), "unsupported-address");
    expect(portLength.offset).toBe("4,4,10,0,0,1,".length);
    rangeErrorOf(() => parseLprt("4,4,10,0,0,1,1,19"), "unsupported-address");
  });

  test("out-of-range bytes and port 0", () => {
    const octet = rangeErrorOf(() => parseLprt("4,4,10,0,300,1,2,19,137"), "octet-out-of-range");
    expect(octet.offset).toBe("4,4,10,0,".length);
    const port = rangeErrorOf(() => parseLprt("4,4,10,0,0,1,2,0,0"), "port-out-of-range");
    expect(port.offset).toBe("4,4,10,0,0,1,2,".length);
  });

  test.each([
    ["", "missing-value", 0],
    ["4", "malformed-value", 0],
    ["4,4,10,0", "malformed-value", 0],
    ["4,4,10,0,0,1,2,19", "malformed-value", 0],
    ["4,4,10,0,0,1,2,19,137,1", "malformed-value", 0],
    ["4,4,10,0,0,1,2,19,137,", "malformed-value", "4,4,10,0,0,1,2,19,137".length],
    ["(4,4,10,0,0,1,2,19,137)", "malformed-value", 0],
    ["4,4,10,0,0,1, 2,19,137", "malformed-value", "4,4,10,0,0,1,".length],
  ] as const)("rejects %j (%s)", (arg, type, offset) => {
    const error = syntaxErrorOf(() => parseLprt(arg), type);
    expect(error.decoder).toBe("parseLprt");
    expect(error.offset).toBe(offset);
  });

  test("hostile arguments far longer than any command", () => {
    syntaxErrorOf(() => parseLprt(hostileOf("4,")), "malformed-value");
    // A whole chain of 4s: family 4 with 4 address bytes, then a port length of 4.
    rangeErrorOf(() => parseLprt(`${hostileOf("4,")}4`), "unsupported-address");
    syntaxErrorOf(() => parseLprt(hostileOf("9")), "malformed-value");
  });

  propertyTest.prop([
    fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }),
    fc.integer({ min: 1, max: 65535 }),
  ])("round trip: an IPv4 LPRT argument decodes to its address and port", (octets, port) => {
    const arg = [4, 4, ...octets, 2, port >> 8, port & 0xff].join(",");
    expect(parseLprt(arg)).toEqual({ host: octets.join("."), port, family: 4 });
  });
});

describe("the argument decoders", () => {
  test("are exported from the package entry", () => {
    for (const name of ["parsePort", "parseEprt", "parseLprt"]) {
      expect(typeof (library as Record<string, unknown>)[name]).toBe("function");
    }
  });

  test.each([
    ["parsePort", parsePort],
    ["parseEprt", parseEprt],
    ["parseLprt", parseLprt],
  ] as const)("%s refuses what is not a string with its typed error", (name, decode) => {
    for (const bad of [undefined, null, 42, {}]) {
      const error = syntaxErrorOf(() => decode(bad as never), "malformed-value");
      expect(error.decoder).toBe(name);
    }
  });

  propertyTest.prop([fc.string({ maxLength: 40 }), fc.constantFrom(parsePort, parseEprt, parseLprt)])(
    "random text never throws anything but a decoder error",
    (text, decode) => {
      try {
        decode(text);
      } catch (error) {
        expect(isReplyDecodeError(error)).toBe(true);
      }
    },
  );
});
