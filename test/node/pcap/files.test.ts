/**
 * Files on data connections, on captures recorded for them (fixtures/pcap/README.md): sizes and SHA-256 equal
 * what tshark follows on each data connection (NAME.streams.tsv) and what sha256sum says of the served and
 * uploaded files (NAME.sha256); MIME types from the first bytes; extraction that never leaves its folder.
 */
import { createHash } from "node:crypto";
import {
  createReadStream,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { CaptureDiagnostic } from "../../../src/node/pcap/errors.js";
import { ExtractDirError, prepareExtractDir, safeFileName } from "../../../src/node/pcap/files.js";
import {
  analyzeFtpCapture,
  type DataConnection,
  type FtpCaptureOptions,
} from "../../../src/node/pcap/ftp.js";

const FIXTURES = join(import.meta.dirname, "../../../fixtures/pcap");

interface StreamReference {
  clientBytes: number;
  clientSha256: string;
  serverBytes: number;
  serverSha256: string;
}

/** NAME.streams.tsv: tshark's followed bytes per stream and direction, with their SHA-256. */
function readStreams(name: string): Map<number, StreamReference> {
  const rows = readFileSync(join(FIXTURES, `${name}.streams.tsv`), "utf8")
    .trim()
    .split("\n")
    .slice(1);
  const streams = new Map<number, StreamReference>();
  for (const row of rows) {
    const [stream, clientBytes, clientSha256, serverBytes, serverSha256] = row.split("\t");
    streams.set(Number(stream), {
      clientBytes: Number(clientBytes),
      clientSha256: clientSha256!,
      serverBytes: Number(serverBytes),
      serverSha256: serverSha256!,
    });
  }
  return streams;
}

/** NAME.sha256: sha256sum of the files the server served or stored, by name. */
function readSums(name: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of readFileSync(join(FIXTURES, `${name}.sha256`), "utf8")
    .trim()
    .split("\n")) {
    const [digest, ...file] = line.split("  ");
    sums.set(file.join("  "), digest!);
  }
  return sums;
}

async function dataOf(
  name: string,
  options: FtpCaptureOptions = {},
): Promise<{ data: DataConnection[]; diagnostics: CaptureDiagnostic[] }> {
  const data: DataConnection[] = [];
  const diagnostics: CaptureDiagnostic[] = [];
  await analyzeFtpCapture(
    createReadStream(join(FIXTURES, name)),
    { onExchange() {}, onDataConnection: (d) => data.push(d), onDiagnostic: (d) => diagnostics.push(d) },
    options,
  );
  return { data, diagnostics };
}

const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");
const byName = (data: DataConnection[], name: string) => data.filter((d) => d.file.name?.endsWith(name));

describe("files on data connections match tshark's followed bytes", () => {
  for (const capture of ["vsftpd-files.pcap", "vsftpd-abort.pcap", "proftpd-upload.pcap"]) {
    it(`${capture}: every data connection's size and SHA-256 are those of the direction tshark follows`, async () => {
      const streams = readStreams(capture.replace(".pcap", ""));
      const { data } = await dataOf(capture, { files: { hashes: ["md5", "sha1", "sha256"] } });
      expect(data.length).toBeGreaterThan(2);
      for (const d of data) {
        const reference = streams.get(d.tcp.index)!;
        // tshark's client is the TCP originator: for a passive download the file is its server's bytes.
        const fromOrig = d.file.isOrig;
        expect(d.file.size).toBe(fromOrig ? reference.clientBytes : reference.serverBytes);
        expect(d.file.sha256).toBe(fromOrig ? reference.clientSha256 : reference.serverSha256);
        expect(d.file.hashStatus).toBe("complete");
        expect(d.file.md5).toMatch(/^[0-9a-f]{32}$/);
        expect(d.file.sha1).toMatch(/^[0-9a-f]{40}$/);
      }
    });
  }
});

describe("files on data connections match sha256sum of the served and stored files", () => {
  it("vsftpd downloads (passive, active, two clients at once): name, SHA-256 and MIME type", async () => {
    const sums = readSums("vsftpd-files");
    const { data } = await dataOf("vsftpd-files.pcap");
    const expected: Record<string, string | undefined> = {
      "hello.txt": "text/plain",
      "image.png": "image/png",
      "numbers.gz": "application/x-gzip",
      "doc.pdf": "application/pdf",
    };
    for (const [file, mime] of Object.entries(expected)) {
      const [download] = byName(data, `/${file}`);
      expect(download, file).toBeDefined();
      expect(download!.file.name).toBe(`/${file}`);
      expect(download!.file.sha256).toBe(sums.get(file));
      expect(download!.file.mimeType).toBe(mime);
      expect(download!.file.toServer).toBe(false);
      expect(download!.verdict.verdict).toBe("complete");
    }
    // The active-mode download: the server opened the data connection.
    expect(byName(data, "/doc.pdf")[0]!.passive).toBe(false);
  });

  it("the resumed download carried the file from its REST offset on (sha256sum of the tail)", async () => {
    const sums = readSums("vsftpd-files");
    const { data } = await dataOf("vsftpd-files.pcap");
    const [resumed] = byName(data, "/big.bin");
    expect(resumed!.file.sha256).toBe(sums.get("big.bin from byte 10000"));
    expect(resumed!.file.sha256).not.toBe(sums.get("big.bin"));
    expect(resumed!.verdict.verdict).toBe("resumed");
  });

  it("proftpd uploads (STOR, APPE, STOU): the stored file's SHA-256, the name STOU's reply gives", async () => {
    const sums = readSums("proftpd-upload");
    const { data } = await dataOf("proftpd-upload.pcap");
    const uploads = data.filter((d) => d.file.toServer);
    expect(uploads.map((d) => d.exchange?.command?.verb)).toEqual(["STOR", "STOR", "STOR", "APPE", "STOU"]);
    expect(byName(uploads, "/incoming/doc.pdf")[0]!.file.sha256).toBe(sums.get("incoming/doc.pdf"));
    expect(byName(uploads, "/incoming/image.png")[0]!.file.sha256).toBe(sums.get("incoming/image.png"));
    const stou = uploads.find((d) => d.exchange?.command?.verb === "STOU")!;
    const stored = [...sums.keys()].find((k) => k.startsWith("incoming/ftp"))!;
    // ftplib sent CWD incoming without a PWD: the directory is unknown, so the name stays as the reply gave it.
    expect(stou.file.name).toBe(stored.slice("incoming/".length));
    expect(stou.file.sha256).toBe(sums.get(stored));
    expect(stou.file.mimeType).toBe("application/x-gzip");
    // log.txt is hello.txt stored, then hello.txt appended: each transfer carried hello.txt.
    for (const d of byName(uploads, "/incoming/log.txt")) expect(d.file.sha256).toBe(sums.get("hello.txt"));
  });
});

describe("lost bytes make the hash unknown", () => {
  it("vsftpd-files-gap.pcap: a data segment missing — size and hole counted, no hash, a diagnostic", async () => {
    const { data, diagnostics } = await dataOf("vsftpd-files-gap.pcap");
    const [holed] = byName(data, "/big.bin");
    // The same stream in the capture the segment was deleted from (scripts/record-captures.sh: 1448 bytes).
    const whole = readStreams("vsftpd-files").get(holed!.tcp.index)!;
    expect(holed!.file.hashStatus).toBe("unknown");
    expect(holed!.file.sha256).toBeUndefined();
    expect(holed!.file.missingBytes).toBe(1448);
    expect(holed!.file.size).toBe(whole.serverBytes - 1448);
    expect(holed!.verdict.verdict).toBe("resumed");
    const unknown = diagnostics.filter((d) => d.type === "hash-unknown");
    expect(unknown).toHaveLength(1);
    expect(unknown[0]!.stream).toBe(holed!.tcp.index);
    // Every other file keeps its hash.
    for (const d of data) if (d !== holed) expect(d.file.hashStatus).toBe("complete");
  });
});

describe("extraction", () => {
  const dirs: string[] = [];
  const tempDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), "ftp-reply-extract-"));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("writes each file as <fuid>-<name>, with the bytes sha256sum knows", async () => {
    const dir = tempDir();
    const sums = readSums("vsftpd-files");
    const { data } = await dataOf("vsftpd-files.pcap", { files: { extractDir: dir } });
    const png = byName(data, "/image.png")[0]!;
    expect(png.file.extracted).toBe(`${png.file.fuid}-image.png`);
    expect(sha256(readFileSync(join(dir, png.file.extracted!)))).toBe(sums.get("image.png"));
    expect(png.file.extractedSize).toBe(463);
    expect(png.file.extractedCutoff).toBe(false);
    // One file per data connection, nothing else (no temporary file left).
    expect(readdirSync(dir).sort()).toEqual(data.map((d) => d.file.extracted).sort());
  });

  it("stops a copy at the size cap and says so", async () => {
    const dir = tempDir();
    const { data, diagnostics } = await dataOf("vsftpd-files.pcap", {
      files: { extractDir: dir, maxExtractBytes: 100 },
    });
    const png = byName(data, "/image.png")[0]!;
    expect(png.file.extractedCutoff).toBe(true);
    expect(png.file.extractedSize).toBe(100);
    expect(readFileSync(join(dir, png.file.extracted!)).length).toBe(100);
    // The hash is of the whole file all the same.
    expect(png.file.sha256).toBe(readSums("vsftpd-files").get("image.png"));
    expect(diagnostics.filter((d) => d.type === "extract-cutoff").length).toBe(
      data.filter((d) => d.file.size > 100).length,
    );
  });

  it("never follows a symbolic link planted in the folder, never replaces a file", async () => {
    const dir = tempDir();
    const outside = tempDir();
    const target = join(outside, "victim");
    writeFileSync(target, "untouched");
    // Where the PNG's copy would go, and where its temporary copy would be written.
    const { data: first } = await dataOf("vsftpd-files.pcap");
    const fuid = byName(first, "/image.png")[0]!.file.fuid;
    symlinkSync(target, join(dir, `${fuid}-image.png`));
    const { data } = await dataOf("vsftpd-files.pcap", { files: { extractDir: dir } });
    const png = byName(data, "/image.png")[0]!;
    expect(png.file.extracted).toBe(`${fuid}-image.png.1`);
    expect(readFileSync(target, "utf8")).toBe("untouched");
    expect(readlinkSync(join(dir, `${fuid}-image.png`))).toBe(target);
  });

  it("names are safe: no path, no NUL, no control byte, no leading dot, bounded length", () => {
    expect(safeFileName("Ftcp1", "../../etc/passwd")).toBe("Ftcp1-passwd");
    expect(safeFileName("Ftcp1", "/absolute/path/x.bin")).toBe("Ftcp1-x.bin");
    expect(safeFileName("Ftcp1", "a\\..\\..\\b.exe")).toBe("Ftcp1-b.exe");
    expect(safeFileName("Ftcp1", "..")).toBe("Ftcp1-_");
    expect(safeFileName("Ftcp1", ".hidden")).toBe("Ftcp1-_hidden");
    expect(safeFileName("Ftcp1", "nul\u0000byte\u001b[31m.txt")).toBe("Ftcp1-nul_byte__31m.txt");
    expect(safeFileName("Ftcp1", "日本.txt")).toBe("Ftcp1-__.txt");
    expect(safeFileName("Ftcp1", undefined)).toBe("Ftcp1");
    expect(safeFileName("Ftcp1", "dir/")).toBe("Ftcp1");
    expect(safeFileName("Ftcp1", "x".repeat(1000)).length).toBe(120);
  });

  it("refuses a folder that is a file or cannot be created, with the reason", () => {
    const dir = tempDir();
    const file = join(dir, "a-file");
    writeFileSync(file, "");
    expect(() => prepareExtractDir(file)).toThrow(ExtractDirError);
    expect(() => prepareExtractDir(join(file, "below"))).toThrow(/cannot create the folder/);
    const created = join(dir, "new", "deeper");
    prepareExtractDir(created);
    expect(readdirSync(created)).toEqual([]);
  });
});
