/** UTF-8 decoding of a range of bytes: the same characters as `TextDecoder` for any bytes, whichever decoder runs. */
import { describe, expect, test, vi } from "vitest";
import { decodeUtf8 } from "../../src/lines/text.js";
import { configureProperties, fc, propertyTest } from "../helpers/properties.js";

configureProperties();

const textDecoder = new TextDecoder("utf-8", { ignoreBOM: true });

/** Bytes rich in what decoders disagree on: BOMs, surrogates' encodings, overlong forms, cut sequences, 0xFF. */
const trickyByte = fc.oneof(
  fc.integer({ min: 0, max: 255 }),
  fc.constantFrom(
    0xef,
    0xbb,
    0xbf,
    0xed,
    0xa0,
    0x80,
    0xbf,
    0xc0,
    0xc1,
    0xe0,
    0xf0,
    0xf4,
    0x90,
    0x8f,
    0xff,
    0xfe,
  ),
);

describe("decodeUtf8", () => {
  propertyTest.prop([fc.array(trickyByte, { maxLength: 40 }), fc.nat(), fc.nat()])(
    "any range of any bytes decodes as TextDecoder decodes its subarray",
    (values, a, b) => {
      const bytes = Uint8Array.from(values);
      const start = values.length === 0 ? 0 : a % (values.length + 1);
      const end = start + (values.length === 0 ? 0 : b % (values.length - start + 1));
      expect(decodeUtf8(bytes, start, end)).toBe(textDecoder.decode(bytes.subarray(start, end)));
    },
  );

  test("short and long ranges, a BOM kept as data, invalid bytes as U+FFFD", () => {
    const bytes = new TextEncoder().encode(`\uFEFFé€😀${"x".repeat(3000)}`);
    const withInvalid = Uint8Array.of(
      ...bytes.subarray(0, 12),
      0xff,
      0xed,
      0xa0,
      0x80,
      ...bytes.subarray(12),
    );
    for (const [start, end] of [
      [0, 12],
      [0, withInvalid.length],
      [3, 2000],
      [12, 16],
    ] as const) {
      expect(decodeUtf8(withInvalid, start, end)).toBe(textDecoder.decode(withInvalid.subarray(start, end)));
    }
    expect(decodeUtf8(withInvalid, 0, 3)).toBe("\uFEFF");
    expect(decodeUtf8(withInvalid, 12, 16)).toBe("\uFFFD\uFFFD\uFFFD\uFFFD");
  });
});

describe("the engine's range decoder", () => {
  /** Loads text.ts again with `Buffer.prototype.utf8Slice` replaced (the real Buffer otherwise, for the runner). */
  async function loadWith(utf8Slice: unknown): Promise<typeof decodeUtf8> {
    const real = globalThis.Buffer;
    const prototype = Object.create(real.prototype, { utf8Slice: { value: utf8Slice } });
    const fake = Object.assign(Object.create(real), { prototype });
    try {
      (globalThis as { Buffer: unknown }).Buffer = fake;
      vi.resetModules();
      return (await import("../../src/lines/text.js")).decodeUtf8;
    } finally {
      globalThis.Buffer = real;
    }
  }

  const bytes = Uint8Array.of(0x61, 0xef, 0xbb, 0xbf, 0xe2, 0x82, 0xac, 0xff, 0x62);

  test.each([
    ["decodes differently", () => "not what TextDecoder says"],
    [
      "throws",
      () => {
        throw new TypeError("argument must be a buffer");
      },
    ],
    ["is missing", undefined],
  ])("one that %s is not used: ranges decode as TextDecoder does", async (_, utf8Slice) => {
    const decode = await loadWith(utf8Slice);
    expect(decode(bytes, 0, bytes.length)).toBe(textDecoder.decode(bytes));
    expect(decode(bytes, 1, 7)).toBe("\uFEFF€");
  });
});
