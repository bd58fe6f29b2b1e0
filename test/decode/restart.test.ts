import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { parseRestartMarker } from "../../src/index.js";
import { configureProperties, hostileOf, propertyTest, reply, syntaxErrorOf } from "./support.js";

configureProperties();

describe("parseRestartMarker", () => {
  // RFC 959 §4.2.2: "MARK yyyy = mmmm" exactly.
  test.each([
    ["110 MARK 1024 = 2048", "1024", "2048"],
    ["110 MARK abc = r1.7", "abc", "r1.7"],
    ["110 mark 1 = 2", "1", "2"],
    ["110 MARK 1=2", "1", "2"],
    ["110 MARK  1  =  2 ", "1", "2"],
  ] as const)("%s", (wire, userMarker, serverMarker) => {
    expect(parseRestartMarker(wire)).toEqual({ userMarker, serverMarker });
    expect(parseRestartMarker(reply(wire))).toEqual({ userMarker, serverMarker });
  });

  test.each([
    ["110 ", "missing-value"],
    ["110 Restart marker", "malformed-value"],
    ["110 MARK", "malformed-value"],
    ["110 MARK1 = 2", "malformed-value"],
    ["110 MARK = 2", "malformed-value"],
    ["110 MARK 1 2", "malformed-value"],
    ["110 MARK 1 =", "malformed-value"],
    ["110 MARK 1 = 2 3", "malformed-value"],
  ] as const)("rejects %j (%s)", (wire, type) => {
    syntaxErrorOf(() => parseRestartMarker(wire), type);
  });

  test("another reply code is rejected", () => {
    syntaxErrorOf(() => parseRestartMarker("350 Restarting at 1024"), "unexpected-code");
  });

  test("hostile text far longer than any reply", () => {
    const marker = hostileOf("7");
    expect(parseRestartMarker(`110 MARK ${marker} = 1`)).toEqual({ userMarker: marker, serverMarker: "1" });
    syntaxErrorOf(() => parseRestartMarker(`110 MARK 1 ${hostileOf(" ")}`), "malformed-value");
    syntaxErrorOf(() => parseRestartMarker(`110 MARK 1 = 2${hostileOf(" x")}`), "malformed-value");
    syntaxErrorOf(() => parseRestartMarker(`110 ${hostileOf("=")}`), "malformed-value");
  });

  const markerArbitrary = fc.stringMatching(/^[!-<>-~]{1,20}$/);
  propertyTest.prop([markerArbitrary, markerArbitrary])("round trip", (userMarker, serverMarker) => {
    expect(parseRestartMarker(`110 MARK ${userMarker} = ${serverMarker}`)).toEqual({
      userMarker,
      serverMarker,
    });
  });
});
