/** UTF-8 decoding of a range of bytes: the same characters as `TextDecoder` for any bytes, whichever decoder runs. */
import { describe, expect, test } from "vitest";
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
