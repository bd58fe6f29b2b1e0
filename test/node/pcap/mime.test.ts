/** The MIME sniffer: each magic number of the table, text, and what it refuses to name. */
import { describe, expect, it } from "vitest";
import { MAGIC_NUMBERS, sniffMimeType } from "../../../src/node/pcap/mime.js";

const bytes = (...parts: Array<string | number[]>): Uint8Array =>
  new Uint8Array(parts.flatMap((p) => (typeof p === "string" ? Array.from(p, (c) => c.charCodeAt(0)) : p)));

describe("sniffMimeType", () => {
  it("names every magic number of the table, at its offset", () => {
    for (const magic of MAGIC_NUMBERS) {
      const file = new Uint8Array(magic.offset + magic.bytes.length + 16).fill(0x01);
      file.set(magic.bytes, magic.offset);
      const seen = sniffMimeType(file);
      // Two entries may share a MIME type (TIFF in either byte order, HTML); the first match is this one's.
      expect(seen, magic.mime).toBe(magic.mime);
    }
  });

  it("real headers: PNG, gzip, PDF, ELF, zip, tar", () => {
    expect(sniffMimeType(bytes([0x89], "PNG\r\n", [0x1a, 0x0a, 0, 0, 0, 13], "IHDR"))).toBe("image/png");
    expect(sniffMimeType(bytes([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3]))).toBe("application/x-gzip");
    expect(sniffMimeType(bytes("%PDF-1.4\n"))).toBe("application/pdf");
    expect(sniffMimeType(bytes([0x7f], "ELF", [2, 1, 1]))).toBe("application/x-executable");
    expect(sniffMimeType(bytes("PK", [3, 4, 20, 0]))).toBe("application/zip");
    const tar = new Uint8Array(512);
    tar.set(bytes("ustar"), 257);
    expect(sniffMimeType(tar)).toBe("application/x-tar");
  });

  it("text: ten printable characters or more, UTF-8 allowed, no NUL nor control bytes", () => {
    expect(sniffMimeType(bytes("hello from ftp-reply\r\n"))).toBe("text/plain");
    expect(sniffMimeType(new TextEncoder().encode("drwxr-xr-x 2 ftp ftp 4096 Dec  3 文件\r\n"))).toBe(
      "text/plain",
    );
    expect(sniffMimeType(bytes("short"))).toBeUndefined();
    expect(sniffMimeType(bytes("hello", [0], "world!!!!"))).toBeUndefined();
    expect(sniffMimeType(bytes("hello\u001b[31mworld!!"))).toBeUndefined();
    expect(sniffMimeType(new Uint8Array(64).fill(0xe9))).toBeUndefined();
    expect(sniffMimeType(new Uint8Array(0))).toBeUndefined();
  });
});
