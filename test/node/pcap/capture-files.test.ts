/**
 * CaptureFiles on its own: hashes are made as bytes come (nothing of the file is kept but its first 512 bytes),
 * only the file's direction counts, a hole makes the hash unknown, and nothing is held once a file is reported.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { CaptureFiles, type FileProblem } from "../../../src/node/pcap/files.js";
import type { TcpConnection } from "../../../src/node/pcap/reassembly.js";

const tcp = (index: number): TcpConnection => ({ index }) as TcpConnection;

describe("CaptureFiles", () => {
  it("hashes 64 MiB fed through one reused buffer: the bytes are hashed as they come, not kept", () => {
    const files = new CaptureFiles({ hashes: ["sha256", "md5"] }, () => {});
    const reference = createHash("sha256");
    const chunk = new Uint8Array(65536);
    for (let i = 0; i < 1024; i++) {
      chunk.fill(i & 0xff); // a kept reference to an earlier chunk would hash these bytes instead
      files.data(tcp(1), 1, chunk, i);
      reference.update(chunk);
    }
    const file = files.report(tcp(1), true, "/big");
    expect(file.size).toBe(64 * 1024 * 1024);
    expect(file.sha256).toBe(reference.digest("hex"));
    expect(file.md5).toMatch(/^[0-9a-f]{32}$/);
    expect(file.firstTs).toBe(0);
    expect(file.lastTs).toBe(1023);
    expect(files.openFiles).toBe(0);
  });

  it("the file is the direction of the first byte; the other way is not part of it", () => {
    const files = new CaptureFiles({}, () => {});
    files.data(tcp(2), 0, new TextEncoder().encode("upload bytes"), 1);
    files.data(tcp(2), 1, new TextEncoder().encode("stray"), 2);
    const file = files.report(tcp(2), true, undefined);
    expect(file.size).toBe(12);
    expect(file.isOrig).toBe(true);
    expect(file.toServer).toBe(true);
    expect(file.sha256).toBe(createHash("sha256").update("upload bytes").digest("hex"));
  });

  it("a hole in the file's direction: no hash, the missing bytes counted, one hash-unknown problem", () => {
    const problems: FileProblem[] = [];
    const files = new CaptureFiles({ hashes: ["sha1"] }, (p) => problems.push(p));
    files.data(tcp(3), 1, new Uint8Array(100), 1);
    files.gap(tcp(3), 1, 50);
    files.data(tcp(3), 1, new Uint8Array(100), 2);
    const file = files.report(tcp(3), false, undefined);
    expect(file).toMatchObject({ size: 200, missingBytes: 50, hashStatus: "unknown" });
    expect(file.sha1).toBeUndefined();
    expect(problems.map((p) => [p.type, p.stream])).toEqual([["hash-unknown", 3]]);
  });

  it("no hashes asked: status off, no problem for a hole", () => {
    const problems: FileProblem[] = [];
    const files = new CaptureFiles({ hashes: [] }, (p) => problems.push(p));
    files.gap(tcp(4), 1, 10);
    expect(files.report(tcp(4), true, undefined).hashStatus).toBe("off");
    expect(problems).toEqual([]);
  });
});
