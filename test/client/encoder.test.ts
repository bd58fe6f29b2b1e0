import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  CommandEncodeError,
  type ControlTransport,
  createControlChannel,
  encodeCommand,
  hasForbiddenBytes,
} from "../../src/index.js";
import { configureProperties, propertyTest } from "../helpers/properties.js";

configureProperties();

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe("encodeCommand", () => {
  test("verb and argument, upper-cased verb, CRLF", () => {
    expect(text(encodeCommand("retr", "a b.txt"))).toBe("RETR a b.txt\r\n");
    expect(text(encodeCommand("PWD"))).toBe("PWD\r\n");
    expect(text(encodeCommand("LIST", ""))).toBe("LIST\r\n");
    expect(text(encodeCommand("MKD", "ünïcödé-目录"))).toBe("MKD ünïcödé-目录\r\n");
  });

  test("0xFF is doubled (RFC 854), in bytes and in latin1 text", () => {
    expect([...encodeCommand("CWD", new Uint8Array([0x61, 0xff, 0x62]))]).toEqual([
      0x43, 0x57, 0x44, 0x20, 0x61, 0xff, 0xff, 0x62, 0x0d, 0x0a,
    ]);
    expect([...encodeCommand("CWD", "ÿ", "latin1")]).toEqual([
      0x43, 0x57, 0x44, 0x20, 0xff, 0xff, 0x0d, 0x0a,
    ]);
    expect([...encodeCommand("CWD", "é", "latin1")]).toEqual([0x43, 0x57, 0x44, 0x20, 0xe9, 0x0d, 0x0a]);
  });

  test("a custom encoding is checked as bytes", () => {
    expect(() => encodeCommand("CWD", "x", () => new Uint8Array([0x61, 0x0a]))).toThrow(CommandEncodeError);
  });

  test("CR, LF and NUL are refused with a typed error that says where", () => {
    for (const [arg, index] of [
      ["x\r\nDELE welcome.txt", 1],
      ["a\nb", 1],
      ["\0", 0],
      ["ok\r", 2],
    ] as const) {
      const error = (() => {
        try {
          encodeCommand("RETR", arg);
        } catch (caught) {
          return caught;
        }
      })();
      expect(error).toBeInstanceOf(CommandEncodeError);
      expect(error).toMatchObject({ type: "forbidden-byte", verb: "RETR", index });
    }
    expect(() => encodeCommand("STOR", new Uint8Array([0x61, 0x0d]))).toThrow(/CR at byte 1/);
  });

  test("a verb must be letters", () => {
    for (const verb of ["", "RE TR", "RETR\r\nDELE", "X1", "ABCDEFGHIJKLMNOPQ"]) {
      expect(() => encodeCommand(verb, "a")).toThrow(expect.objectContaining({ type: "invalid-verb" }));
    }
  });

  test("latin1 refuses what it cannot encode", () => {
    expect(() => encodeCommand("CWD", "目", "latin1")).toThrow(
      expect.objectContaining({ type: "unencodable" }),
    );
  });

  propertyTest.prop([fc.string({ unit: "binary" })])(
    "the encoded line is one line: only the final CRLF, and every 0xFF doubled",
    (arg) => {
      if (hasForbiddenBytes(arg)) {
        expect(() => encodeCommand("STOR", arg)).toThrow(CommandEncodeError);
        return;
      }
      const line = encodeCommand("STOR", arg);
      const body = line.subarray(0, -2);
      expect(body.includes(0x0d) || body.includes(0x0a) || body.includes(0)).toBe(false);
      expect(text(line)).toBe(arg === "" ? "STOR\r\n" : `STOR ${arg}\r\n`);
    },
  );

  propertyTest.prop([fc.uint8Array({ maxLength: 64 })])(
    "bytes: 0xFF doubled, nothing else changed",
    (arg) => {
      if (hasForbiddenBytes(arg)) {
        expect(() => encodeCommand("CWD", arg)).toThrow(CommandEncodeError);
        return;
      }
      const line = encodeCommand("CWD", arg);
      const undoubled: number[] = [];
      const body = arg.length === 0 ? line.subarray(3, -2) : line.subarray(4, -2);
      for (let i = 0; i < body.length; i++) {
        undoubled.push(body[i]!);
        if (body[i] === 0xff) {
          expect(body[i + 1]).toBe(0xff);
          i++;
        }
      }
      expect(undoubled).toEqual([...arg]);
    },
  );
});

describe("the channel refuses injection before a byte is written", () => {
  const forbidden = fc.constantFrom("\r", "\n", "\0");
  const hostile = fc
    .tuple(fc.string(), forbidden, fc.string())
    .map(([before, bad, after]) => `${before}${bad}${after}`);
  const asBytes = hostile.map((value) => new TextEncoder().encode(value));

  test("any argument holding CR, LF or NUL: rejected with CommandEncodeError, nothing written, channel still open", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("USER", "PASS", "CWD", "RETR", "STOR", "SITE", "MKD"),
        fc.oneof(hostile, asBytes),
        async (verb, arg) => {
          const written: Uint8Array[] = [];
          const transport: ControlTransport = { write: (bytes) => written.push(bytes) };
          const channel = createControlChannel(transport, { timeout: 0 });
          await expect(channel.send(verb, arg)).rejects.toBeInstanceOf(CommandEncodeError);
          expect(written).toEqual([]);
          expect(channel.state).toBe("open");
          expect(channel.pending).toBe(0);
        },
      ),
    );
  });
});
