import { isIPv6 } from "node:net";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { parseLpsv } from "../../src/index.js";
import {
  configureProperties,
  hostileOf,
  propertyTest,
  rangeErrorOf,
  reply,
  syntaxErrorOf,
} from "./support.js";

configureProperties();

/** The WHATWG URL parser's serialisation of 16 bytes: an independent canonical IPv6 text (without `::ffff:a.b.c.d`). */
function urlForm(bytes: readonly number[]): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return new URL(`http://[${groups.join(":")}]/`).hostname;
}

// Sources: RFC 1639 §3 (`228 Entering Long Passive Mode (af,hal,h1,…,pal,p1,p2)`); curl's ftp.c comment
// (`228 Entering Long Passive Mode (4,4,a1,a2,a3,a4,2,p1,p2)`).
const variants: [string, string, number, 4 | 6][] = [
  ["228 Entering Long Passive Mode (4,4,192,168,1,2,2,4,210)", "192.168.1.2", 1234, 4],
  ["228 Entering Long Passive Mode (4,4,192,168,1,2,2,4,210).", "192.168.1.2", 1234, 4],
  ["228 Entering Long Passive Mode (4, 4, 10, 0, 0, 1, 2, 0, 21)", "10.0.0.1", 21, 4],
  [
    "228 Entering Long Passive Mode (6,16,32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,1,2,4,210)",
    "2001:db8::1",
    1234,
    6,
  ],
  ["228 Entering Long Passive Mode (6,16,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,2,0,21)", "::1", 21, 6],
  [
    "228 Entering Long Passive Mode (6,16,254,128,0,0,0,0,0,0,2,17,34,255,254,51,68,85,2,195,80)",
    "fe80::211:22ff:fe33:4455",
    50000,
    6,
  ],
  [
    "228 Entering Long Passive Mode (6,16,0,0,0,0,0,0,0,0,0,0,255,255,192,0,2,1,2,0,21)",
    "::ffff:192.0.2.1",
    21,
    6,
  ],
  // RFC 5952 §4.2.2: one zero group is not shortened; §4.2.3: the first of two equal runs is.
  ["228 (6,16,32,1,13,184,0,0,0,1,0,1,0,1,0,1,0,1,2,0,21)", "2001:db8:0:1:1:1:1:1", 21, 6],
  ["228 (6,16,32,1,0,0,0,0,0,1,0,0,0,0,0,1,0,1,2,0,21)", "2001::1:0:0:1:1", 21, 6],
  ["228 (6,16,32,1,13,184,0,0,0,0,0,1,0,0,0,0,0,1,2,0,21)", "2001:db8::1:0:0:1", 21, 6],
  ["228 (6,16,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,2,0,21)", "::", 21, 6],
];

describe("parseLpsv", () => {
  test.each(variants)("%s", (wire, host, port, family) => {
    expect(parseLpsv(wire)).toEqual({ host, port, family });
    expect(parseLpsv(reply(wire))).toEqual({ host, port, family });
  });

  test.each([
    ["228 Entering Long Passive Mode (5,4,192,168,1,2,2,4,210)", "unsupported-address"],
    ["228 Entering Long Passive Mode (4,16,192,168,1,2,2,4,210)", "unsupported-address"],
    ["228 Entering Long Passive Mode (6,4,192,168,1,2,2,4,210)", "unsupported-address"],
    ["228 Entering Long Passive Mode (4,4,192,168,1,2,3,0,4,210)", "unsupported-address"],
    ["228 Entering Long Passive Mode (4,4,192,168,1,256,2,4,210)", "octet-out-of-range"],
    ["228 Entering Long Passive Mode (4,4,192,168,1,2,2,0,0)", "port-out-of-range"],
    ["228 Entering Long Passive Mode (260,4,192,168,1,2,2,4,210)", "octet-out-of-range"],
  ] as const)("range error for %j (%s)", (wire, type) => {
    rangeErrorOf(() => parseLpsv(wire), type);
  });

  test.each([
    ["228 Entering Long Passive Mode", "missing-value"],
    ["228 Entering Long Passive Mode (4,4,2,2)", "missing-value"],
    ["228 Entering Long Passive Mode (4,4,192,168,1,2,2,4)", "malformed-value"],
    ["228 Entering Long Passive Mode (4,4,192,168,1,2,2,4,210,7)", "malformed-value"],
    ["228 Entering Long Passive Mode (6,16,1,2,3,4,5)", "malformed-value"],
    ["228 Entering Long Passive Mode (-4,4,192,168,1,2,2,4,210)", "malformed-value"],
  ] as const)("syntax error for %j (%s)", (wire, type) => {
    syntaxErrorOf(() => parseLpsv(wire), type);
  });

  test("another reply code is rejected", () => {
    syntaxErrorOf(() => parseLpsv("227 Entering Passive Mode (192,168,1,2,4,210)"), "unexpected-code");
  });

  test("hostile text far longer than any reply", () => {
    rangeErrorOf(() => parseLpsv(`228 ${hostileOf("6,")}`), "unsupported-address");
    syntaxErrorOf(() => parseLpsv(`228 (4,4,1,1,1,1,2,${hostileOf("1,")}1)`), "malformed-value");
    syntaxErrorOf(() => parseLpsv(`228 ${hostileOf("4,4 ")}`), "missing-value");
    rangeErrorOf(() => parseLpsv(`228 ${hostileOf("9")},1,2,3,4`), "octet-out-of-range");
    rangeErrorOf(() => parseLpsv(`228 (${hostileOf("7,")}`), "unsupported-address");
    expect(parseLpsv(`228 ${hostileOf(",,")} (4,4,10,0,0,1,2,0,21)`)).toEqual({
      host: "10.0.0.1",
      port: 21,
      family: 4,
    });
  });

  propertyTest.prop([
    fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 16, maxLength: 16 }),
    fc.integer({ min: 1, max: 65535 }),
  ])("IPv6 round trip: the host is RFC 5952 text for the same 16 bytes", (bytes, port) => {
    const wire = `228 Entering Long Passive Mode (6,16,${bytes.join(",")},2,${port >> 8},${port & 0xff})`;
    const decoded = parseLpsv(wire);
    expect(decoded.port).toBe(port);
    expect(decoded.family).toBe(6);
    expect(isIPv6(decoded.host)).toBe(true);
    // The URL parser reads our text back to the same address.
    expect(new URL(`http://[${decoded.host}]/`).hostname).toBe(urlForm(bytes));
    // Canonical: lowercase, and apart from the §5 mixed notation the same text the URL serialiser gives.
    expect(decoded.host).toBe(decoded.host.toLowerCase());
    if (!decoded.host.startsWith("::ffff:") || !decoded.host.includes(".")) {
      expect(`[${decoded.host}]`).toBe(urlForm(bytes));
    }
  });

  propertyTest.prop([
    fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 16, maxLength: 16 }).map((b) => {
      // Force long zero runs, where the `::` rules matter.
      for (let i = 0; i < 16; i++) if (b[i]! < 128) b[i] = 0;
      return b;
    }),
  ])("IPv6 round trip with many zero groups", (bytes) => {
    const decoded = parseLpsv(`228 (6,16,${bytes.join(",")},2,0,21)`);
    expect(new URL(`http://[${decoded.host}]/`).hostname).toBe(urlForm(bytes));
    if (!decoded.host.includes(".")) expect(`[${decoded.host}]`).toBe(urlForm(bytes));
  });

  propertyTest.prop([
    fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }),
    fc.integer({ min: 1, max: 65535 }),
  ])("IPv4 round trip", (octets, port) => {
    const wire = `228 Entering Long Passive Mode (4,4,${octets.join(",")},2,${port >> 8},${port & 0xff})`;
    expect(parseLpsv(wire)).toEqual({ host: octets.join("."), port, family: 4 });
  });
});
