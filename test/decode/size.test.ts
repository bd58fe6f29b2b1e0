import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { parseSize, parseTransferSize } from "../../src/index.js";
import {
  configureProperties,
  hostileOf,
  propertyTest,
  rangeErrorOf,
  reply,
  syntaxErrorOf,
} from "./support.js";

configureProperties();

describe("parseTransferSize", () => {
  // Sources: vsftpd (`… for %s (%llu bytes).`), ProFTPD and wu-ftpd (`… for %s (%s bytes)`), Python ftplib's
  // `150 .* \((\d+) bytes\)` (case-insensitive); IIS and FileZilla Server name no size.
  test.each([
    ["150 Opening BINARY mode data connection for a.bin (1048576 bytes).", 1048576],
    ["150 Opening BINARY mode data connection for a.bin (1048576 bytes)", 1048576],
    ["150 Opening ASCII mode data connection for /etc/motd (0 bytes).", 0],
    ["150 Opening BINARY mode data connection for big.iso (4700000000 Bytes)", 4700000000],
    ["150 Opening data connection for x (12 BYTES )", 12],
    ["150 Opening data connection for x (12bytes)", 12],
    ["125 Data connection already open; transfer starting (77 bytes)", 77],
    // A file name holding such text: the last one, after the name, counts.
    ["150 Opening BINARY mode data connection for evil (1 bytes) (2048 bytes).", 2048],
    ["150 Opening BINARY mode data connection for (3 bytes).txt (4096 bytes).", 4096],
    ["150 Opening BINARY mode data connection for x (0009 bytes)", 9],
  ] as const)("%s", (wire, size) => {
    expect(parseTransferSize(wire)).toBe(size);
    expect(parseTransferSize(reply(wire))).toBe(size);
  });

  test.each([
    "125 Data connection already open; Transfer starting.",
    '150 Opening data channel for file download from server of "/a.bin"',
    "150 Here comes the directory listing.",
    "150 Opening BINARY mode data connection for x (bytes)",
    "150 Opening BINARY mode data connection for x (12 kbytes)",
    "150 Opening BINARY mode data connection for x (-12 bytes)",
    "150 Opening BINARY mode data connection for x (12 bytes",
    "150 1.0 kbytes to download",
  ])("no size in %j", (wire) => {
    expect(parseTransferSize(wire)).toBeUndefined();
  });

  test("sizes beyond 2^53-1 are range errors, others of another code are rejected", () => {
    expect(parseTransferSize("150 x (9007199254740991 bytes)")).toBe(Number.MAX_SAFE_INTEGER);
    rangeErrorOf(() => parseTransferSize("150 x (9007199254740992 bytes)"), "number-out-of-range");
    syntaxErrorOf(() => parseTransferSize("226 Transfer complete (12 bytes)"), "unexpected-code");
  });

  test("hostile text far longer than any reply", () => {
    expect(parseTransferSize(`150 ${hostileOf("(")}`)).toBeUndefined();
    expect(parseTransferSize(`150 (${hostileOf("9")}`)).toBeUndefined();
    expect(parseTransferSize(`150 ${hostileOf("(1 ")}`)).toBeUndefined();
    expect(parseTransferSize(`150 ${hostileOf("(1 bytes)")}`)).toBe(1);
    expect(parseTransferSize(`150 (${hostileOf("0")}42 bytes)`)).toBe(42);
    rangeErrorOf(() => parseTransferSize(`150 (${hostileOf("9")} bytes)`), "number-out-of-range");
  });

  propertyTest.prop([fc.nat({ max: Number.MAX_SAFE_INTEGER }), fc.string({ maxLength: 30 })])(
    "round trip: any size after any file name",
    (size, name) => {
      const wire = `150 Opening BINARY mode data connection for ${name.replace(/[\r\n]/g, "")} (${size} bytes).`;
      expect(parseTransferSize(wire)).toBe(size);
    },
  );
});

describe("parseSize", () => {
  test.each([
    ["213 1048576", 1048576],
    ["213 0", 0],
    ["213  42 ", 42],
    ["213 007", 7],
    ["213 9007199254740991", Number.MAX_SAFE_INTEGER],
  ] as const)("%s", (wire, size) => {
    expect(parseSize(wire)).toBe(size);
    expect(parseSize(reply(wire))).toBe(size);
  });

  test("the message alone", () => {
    expect(parseSize("1234")).toBe(1234);
  });

  test.each([
    ["213 ", "missing-value"],
    ["213", "missing-value"],
    ["213 12 bytes", "malformed-value"],
    ["213 -12", "malformed-value"],
    ["213 1.5", "malformed-value"],
    ["213 0x10", "malformed-value"],
    ["213 1e3", "malformed-value"],
    ["213 20240102030405 1", "malformed-value"],
  ] as const)("rejects %j (%s)", (wire, type) => {
    syntaxErrorOf(() => parseSize(wire), type);
  });

  test("range and code errors", () => {
    rangeErrorOf(() => parseSize("213 9007199254740992"), "number-out-of-range");
    syntaxErrorOf(() => parseSize("550 Could not get file size."), "unexpected-code");
    syntaxErrorOf(() => parseSize(reply("550 Could not get file size.")), "unexpected-code");
  });

  test("hostile text far longer than any reply", () => {
    rangeErrorOf(() => parseSize(`213 ${hostileOf("9")}`), "number-out-of-range");
    expect(parseSize(`213 ${hostileOf("0")}`)).toBe(0);
    syntaxErrorOf(() => parseSize(`213 ${hostileOf("1 ")}x`), "malformed-value");
    syntaxErrorOf(() => parseSize(`213 ${hostileOf(" ")}`), "missing-value");
  });

  propertyTest.prop([fc.nat({ max: Number.MAX_SAFE_INTEGER })])("round trip", (size) => {
    expect(parseSize(`213 ${size}`)).toBe(size);
  });
});
