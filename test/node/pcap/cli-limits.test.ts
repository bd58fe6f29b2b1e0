/**
 * `ftp-reply pcap` under hostile input: the reading waits for the output to drain (back-pressure), a file that
 * is no capture at all (/dev/zero, zeros on stdin) stops the reading and exits 2 with the typed message, and a
 * timestamp out of range never prints as NaN or 1.8e19.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { runPcapCommand } from "../../../src/cli/pcap-command.js";
import { Capture, concat, pcapngWriter } from "./synthetic.js";

const ROOT = join(import.meta.dirname, "../../..");
const MAIN = join(ROOT, "dist/cli/main.js");
const CLIENT = [10, 0, 0, 2];
const SERVER = [10, 0, 0, 1];
const PCAP_HEADER_LENGTH = 24;

/** The records (no file header) of one FTP session of `commands` NOOPs on client port `port`. */
function sessionRecords(port: number, commands: number): Uint8Array {
  const capture = new Capture();
  const control = capture.conversation(CLIENT, port, SERVER, 21).handshake().s("220 hi\r\n");
  for (let i = 0; i < commands; i++) control.c("NOOP\r\n").s("200 NOOP ok\r\n");
  control.close();
  return capture.bytes().subarray(PCAP_HEADER_LENGTH);
}

describe("ftp-reply pcap: back-pressure", () => {
  it("stops reading the capture while stdout does not drain", async () => {
    const header = new Capture().bytes(); // a pcap file header and no packet
    let pulled = 0;
    const chunks = 500;
    const stdin = (async function* () {
      yield header;
      for (let i = 0; i < chunks; i++) {
        pulled++;
        yield sessionRecords(1024 + i, 100);
      }
    })();
    let written = 0;
    // A stream whose buffer is always full and never drains (a reader that never reads).
    const stdout = {
      isTTY: false,
      write(text: string) {
        written += text.length;
        return false;
      },
      once() {},
    };
    void runPcapCommand(["--no-color", "-"], {
      stdout,
      stderr: { write: () => true },
      env: { LANG: "en_US.UTF-8" },
      stdin,
    });
    // Let it run; the counts are what is checked.
    await sleep(300);
    const pulledThen = pulled;
    await sleep(200);
    // About 10 KB of output a chunk: the 64 KiB sink fills within a few chunks, then the reading waits.
    expect(pulledThen).toBeLessThan(20);
    expect(pulled).toBe(pulledThen);
    expect(written).toBeGreaterThan(0);
    expect(written).toBeLessThan(20 * 64 * 1024);
  });
});

describe.skipIf(!existsSync(MAIN))("ftp-reply pcap: a file that is no capture", () => {
  it("/dev/zero: bad-magic, exit 2, promptly", () => {
    const run = spawnSync(process.execPath, [MAIN, "pcap", "/dev/zero"], {
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/bad-magic: not a pcap or pcapng file: magic 0x00000000 is unknown at byte 0/);
  });

  it("100 MB of zeros on stdin: bad-magic, exit 2, without reading it all", () => {
    const run = spawnSync(
      "bash",
      ["-c", `head -c 100000000 /dev/zero | "${process.execPath}" "${MAIN}" pcap -`],
      {
        encoding: "utf8",
        timeout: 30_000,
      },
    );
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/bad-magic/);
  });
});

describe("ftp-reply pcap: timestamps out of range", () => {
  async function run(format: string) {
    const capture = new Capture();
    capture.conversation(CLIENT, 40000, SERVER, 21).handshake().s("220 hi\r\n").c("NOOP\r\n").s("200 ok\r\n");
    const w = pcapngWriter();
    const file = concat(
      w.section(),
      w.interface(1, { tsresol: 0 }),
      ...capture.packets.map((p) => w.enhanced(0, 0xffff_ffff_ffff_ffffn, p.data)),
    );
    let stdout = "";
    let stderr = "";
    const code = await runPcapCommand(["--no-color", "--format", format, "-"], {
      stdout: { write: (text: string) => (stdout += text), isTTY: false },
      stderr: { write: (text: string) => (stderr += text) },
      env: { LANG: "en_US.UTF-8" },
      stdin: (async function* () {
        yield file;
      })(),
    });
    return { code, output: stdout + stderr };
  }

  for (const format of ["pretty", "zeek", "ndjson"]) {
    it(`--format ${format}: a diagnostic, no NaN, no 1.8e19`, async () => {
      const { code, output } = await run(format);
      expect(code).toBe(0);
      expect(output).toContain("timestamp-out-of-range");
      expect(output).toContain("NOOP");
      expect(output).not.toMatch(/NaN|18446744073709551616|1\.8\d*e\+?19/);
    });
  }
});
