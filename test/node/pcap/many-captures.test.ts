/**
 * Several capture files read as one (files.ts): the recorded captures of fixtures/pcap/, cut into pieces by
 * `editcap -c N` (Wireshark's own tool, as `tcpdump -C` rotates files), must give the records of the whole capture,
 * and each diagnostic must point at the same packet (its piece and its frame in that piece).
 */
import { execFileSync, spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { type CaptureDiagnostic, CaptureFormatError } from "../../../src/node/pcap/errors.js";
import { analyzeFtpCapture, type FtpCaptureCallbacks } from "../../../src/node/pcap/ftp.js";
import { analyzeFtpCaptureFiles, listCaptureFiles } from "../../../src/node/pcap/many-captures.js";
import { runPcap as run } from "../../helpers/pcap-cli.js";

const ROOT = join(import.meta.dirname, "../../..");
const FIXTURES = join(ROOT, "fixtures/pcap");
const MAIN = join(ROOT, "dist/cli/main.js");
// (http-no-ftp.pcap holds no FTP: it has no records to compare.)
const CAPTURES = readdirSync(FIXTURES).filter(
  (name) => /\.pcap(ng)?$/.test(name) && name !== "http-no-ftp.pcap",
);
const WORKER = join(ROOT, "dist/node/pcap/capture-worker.js");
const WORKER_URL = pathToFileURL(WORKER);
const hasEditcap = spawnSync("editcap", ["-h"]).status === 0;

/** Cuts a fixture into files of `packets` packets each with editcap; returns the folder. */
function split(name: string, packets: number): string {
  const folder = mkdtempSync(join(tmpdir(), `pieces-${packets}-`));
  const extension = name.endsWith(".pcapng") ? "pcapng" : "pcap";
  execFileSync("editcap", ["-c", String(packets), join(FIXTURES, name), join(folder, `piece.${extension}`)]);
  return folder;
}

/** Everything the analysis says, with each diagnostic's packet as a frame number of the whole capture. */
function recorder(packetsPerPiece: number) {
  const records: unknown[] = [];
  const callbacks: FtpCaptureCallbacks = {
    onExchange(exchange, control) {
      records.push({ uid: control.info.uid, exchange: JSON.parse(JSON.stringify(exchange)) });
    },
    onDataConnection(data) {
      const { tcp, control, exchange, ...rest } = data;
      records.push({ data: tcp.index, control: control.info.uid, command: exchange?.command?.line, ...rest });
    },
    onDiagnostic(d: CaptureDiagnostic) {
      const { file, frame, fileOffset, ...rest } = d;
      // editcap numbers its pieces piece_00000_…, piece_00001_… : frame N of piece k is frame k×packets + N.
      const piece = file === undefined ? 0 : Number(/_(\d{5})_/.exec(basename(file))![1]);
      records.push({ ...rest, frame: frame === 0 ? 0 : piece * packetsPerPiece + frame });
    },
  };
  return { records, callbacks };
}

async function whole(name: string): Promise<unknown[]> {
  const { records, callbacks } = recorder(0);
  const { createReadStream } = await import("node:fs");
  await analyzeFtpCapture(createReadStream(join(FIXTURES, name)), callbacks);
  return records;
}

/** ndjson records without where diagnostics were found (a piece's file offsets differ from the whole's). */
function withoutPlaces(ndjson: string): string[] {
  return ndjson
    .trim()
    .split("\n")
    .map((line) => line.replace(/"message":"[^"]*?frame \d+: /, '"message":"').replace(/"offset":\d+,?/, ""));
}

describe.skipIf(!hasEditcap)("pieces of a capture read as one", () => {
  for (const name of CAPTURES) {
    it(`${name}: every split gives the whole capture's records, diagnostics at the same packets`, async () => {
      const expected = await whole(name);
      expect(expected.length).toBeGreaterThan(0);
      for (const packets of [1, 7, 50]) {
        const folder = split(name, packets);
        const { files } = await listCaptureFiles([folder]);
        expect(files.length).toBeGreaterThan(1);
        const { records, callbacks } = recorder(packets);
        // Given in reverse, the files are put in order by their first packet's time; 1-packet pieces of equal
        // time keep the order given (as mergecap does), so those are given in order.
        const given = packets === 1 ? files : [...files].reverse();
        const result = await analyzeFtpCaptureFiles(given, callbacks, { jobs: 1 });
        expect(result.files.every((f) => f.error === undefined)).toBe(true);
        expect(records).toEqual(expected);
      }
    });
  }

  it("a directory argument: its captures merged, other files skipped and named", async () => {
    const folder = split("vsftpd-active-port20.pcapng", 9);
    writeFileSync(join(folder, "notes.txt"), "not a capture\n");
    const all = await run(["--format", "ndjson", join(FIXTURES, "vsftpd-active-port20.pcapng")]);
    const pieces = await run(["--format", "ndjson", "--jobs", "1", folder]);
    expect(pieces.stderr).toMatch(/1 file\(s\) that are not captures skipped: .*notes\.txt/);
    expect(pieces.code).toBe(0);
    expect(withoutPlaces(pieces.stdout)).toEqual(withoutPlaces(all.stdout));
  });

  it("a glob the shell left unexpanded is expanded, in first-packet order", async () => {
    const folder = split("proftpd-interleaved.pcap", 5);
    const all = await run(["--format", "ndjson", join(FIXTURES, "proftpd-interleaved.pcap")]);
    const pieces = await run(["--format", "ndjson", "--jobs", "1", join(folder, "piece_*.pcap")]);
    expect(pieces.stderr).toBe("");
    expect(withoutPlaces(pieces.stdout)).toEqual(withoutPlaces(all.stdout));
    expect((await listCaptureFiles([join(folder, "piece_0000[12]_*")])).files.length).toBe(2);
    expect((await listCaptureFiles([join(folder, "piece_?????_*.pcap")])).files.length).toBe(
      readdirSync(folder).length,
    );
  });

  it("a bad file among good ones: named with its error, the others read, exit 1", async () => {
    const folder = split("vsftpd-curl.pcap", 20);
    const files = readdirSync(folder)
      .sort()
      .map((f) => join(folder, f));
    const garbage = join(folder, "garbage.pcap");
    writeFileSync(garbage, "this is no capture at all\n");
    // The last piece cut inside its last record: its packets before the cut are read, then the error.
    const last = files.at(-1)!;
    const cut = join(folder, "piece_99999_cut.pcap");
    const bytes = readFileSync(last);
    writeFileSync(cut, bytes.subarray(0, bytes.length - 3));
    const missing = join(folder, "missing.pcap");
    const all = await run(["--format", "ndjson", join(FIXTURES, "vsftpd-curl.pcap")]);
    const result = await run([
      "--format",
      "ndjson",
      "--jobs",
      "1",
      ...files.slice(0, -1),
      garbage,
      cut,
      missing,
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${garbage}: bad-magic: `);
    expect(result.stderr).toMatch(/piece_99999_cut\.pcap: truncated: .* at byte \d+/);
    expect(result.stderr).toContain(`cannot read ${missing}: `);
    // Only the last packet is lost (a FIN-ACK of the last connection): every exchange is there.
    const exchanges = (out: string) => out.split("\n").filter((line) => line.includes('"record":"exchange"'));
    expect(exchanges(result.stdout)).toEqual(exchanges(all.stdout));
  });

  it("only bad files: exit 2, nothing read", async () => {
    const folder = mkdtempSync(join(tmpdir(), "bad-"));
    writeFileSync(join(folder, "a.pcap"), "nope");
    const result = await run(["--jobs", "1", join(folder, "a.pcap"), join(folder, "b.pcap")]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
  });
});

describe.skipIf(!hasEditcap || !existsSync(MAIN))("pieces read on worker threads (the built package)", () => {
  it("--jobs 2 gives the whole capture's records, for every fixture", () => {
    for (const name of CAPTURES) {
      const all = spawnSync(process.execPath, [MAIN, "pcap", "--format", "ndjson", join(FIXTURES, name)], {
        encoding: "utf8",
      });
      const folder = split(name, 7);
      const pieces = spawnSync(
        process.execPath,
        [MAIN, "pcap", "--format", "ndjson", "--jobs", "2", folder],
        {
          encoding: "utf8",
        },
      );
      expect(pieces.status, `${name}: ${pieces.stderr}`).toBe(all.status);
      expect(withoutPlaces(pieces.stdout), name).toEqual(withoutPlaces(all.stdout));
    }
  });

  it("the library runs the workers it was asked for, and their diagnostics name the file", async () => {
    const lib = (await import(pathToFileURL(join(ROOT, "dist/node/index.js")).href)) as {
      analyzeFtpCaptureFiles: typeof analyzeFtpCaptureFiles;
    };
    const folder = split("vsftpd-gap.pcap", 6);
    const { records, callbacks } = recorder(6);
    const result = await lib.analyzeFtpCaptureFiles(
      readdirSync(folder).map((f) => join(folder, f)),
      callbacks,
      { jobs: 2 },
    );
    expect(result.threads).toBe(2);
    expect(records).toEqual(await whole("vsftpd-gap.pcap"));
  });

  it("the CLI bundle finds its worker beside it", () => {
    const folder = mkdtempSync(join(tmpdir(), "cli-worker-"));
    copyFileSync(join(FIXTURES, "vsftpd-curl.pcap"), join(folder, "a.pcap"));
    const result = spawnSync(process.execPath, [MAIN, "pcap", "--summary", "--jobs", "2", folder], {
      encoding: "utf8",
    });
    expect(result.stderr).toBe("");
    expect(result.stdout).toContain("capture      1 file, 174 packets");
  });
});

describe.skipIf(!existsSync(WORKER))("the worker pool of the sources, with the built worker script", () => {
  /** Two recorded captures, a damaged copy of one (cut in the middle of a packet), a missing file, an empty one. */
  function mixedFolder(): { folder: string; paths: string[] } {
    const folder = mkdtempSync(join(tmpdir(), "pool-"));
    copyFileSync(join(FIXTURES, "vsftpd-curl.pcap"), join(folder, "curl.pcap"));
    copyFileSync(join(FIXTURES, "vsftpd-gap.pcap"), join(folder, "gap.pcap"));
    const bytes = readFileSync(join(FIXTURES, "vsftpd-abort.pcap"));
    writeFileSync(join(folder, "cut.pcap"), bytes.subarray(0, 1000));
    writeFileSync(join(folder, "empty.pcap"), new Uint8Array(0));
    const paths = ["curl.pcap", "gap.pcap", "cut.pcap", "missing.pcap", "empty.pcap"].map((f) =>
      join(folder, f),
    );
    return { folder, paths };
  }

  async function analyse(paths: string[], options: { jobs: number; workerUrl?: URL }) {
    const { records, callbacks } = recorder(0);
    const errors: string[] = [];
    const result = await analyzeFtpCaptureFiles(
      paths,
      {
        ...callbacks,
        onDiagnostic: ({ file, ...d }) => records.push({ ...d, file: basename(file!) }),
        onFileError: (path, error) => errors.push(`${basename(path)}: ${error.message}`),
      },
      options,
    );
    return { records, errors, result };
  }

  it("gives the records and file errors of the main thread's reading", async () => {
    const { paths } = mixedFolder();
    const inThread = await analyse(paths, { jobs: 1 });
    const pooled = await analyse(paths, { jobs: 2, workerUrl: WORKER_URL });
    expect(inThread.result.threads).toBe(0);
    expect(pooled.result.threads).toBe(2);
    expect(pooled.records.length).toBeGreaterThan(50);
    expect(pooled.records).toEqual(inThread.records);
    expect(pooled.errors.sort()).toEqual(inThread.errors.sort());
    // The cut file fails where its bytes end, with the same typed error whichever thread read it.
    expect(pooled.errors.sort()).toEqual([
      "cut.pcap: capture file ends inside a pcap record (43 of 105 bytes present) at byte 957",
      "empty.pcap: empty capture file: no pcap or pcapng header at byte 0",
      expect.stringMatching(/^missing\.pcap: ENOENT: no such file or directory/),
    ]);
    const cut = pooled.result.files.find((f) => basename(f.path) === "cut.pcap")!.error;
    expect(cut).toBeInstanceOf(CaptureFormatError);
    expect(cut).toMatchObject({ type: "truncated", offset: 957 });
    // The packets of the cut file before its damage are analysed: its sessions' records are there.
    expect(pooled.records.filter((r) => (r as { file?: string }).file === "cut.pcap").length).toBe(
      inThread.records.filter((r) => (r as { file?: string }).file === "cut.pcap").length,
    );
  });

  it("a worker that dies rejects the analysis with why, instead of waiting for ever", async () => {
    const folder = mkdtempSync(join(tmpdir(), "dead-worker-"));
    const exits = join(folder, "exits.mjs");
    writeFileSync(exits, "process.exit(3);\n");
    const throws = join(folder, "throws.mjs");
    writeFileSync(throws, 'throw new Error("worker broke");\n');
    const paths = [join(FIXTURES, "vsftpd-curl.pcap"), join(FIXTURES, "vsftpd-gap.pcap")];
    await expect(analyse(paths, { jobs: 2, workerUrl: pathToFileURL(exits) })).rejects.toThrow(
      "capture worker exited with code 3",
    );
    await expect(analyse(paths, { jobs: 2, workerUrl: pathToFileURL(throws) })).rejects.toThrow(
      "worker broke",
    );
  });
});

describe("capture files named by the command line", () => {
  it("glob patterns: classes, negated classes, ?, a pattern in the directory, dot files, non-captures", async () => {
    const folder = mkdtempSync(join(tmpdir(), "globs-"));
    const capture = readFileSync(join(FIXTURES, "vsftpd-curl.pcap"));
    for (const name of ["a.pcap", "b.pcap", "c.pcap", ".hidden.pcap", "sub1/d.pcap", "sub2/e.pcap"]) {
      mkdirSync(dirname(join(folder, name)), { recursive: true });
      writeFileSync(join(folder, name), capture);
    }
    writeFileSync(join(folder, "notes.txt"), "not a capture\n");
    const list = async (...patterns: string[]) => {
      const { files, skipped } = await listCaptureFiles(patterns.map((p) => join(folder, p)));
      const rel = (paths: string[]) => paths.map((p) => p.slice(folder.length + 1));
      return { files: rel(files), skipped: rel(skipped) };
    };
    expect((await list("[ab].pcap")).files).toEqual(["a.pcap", "b.pcap"]);
    expect((await list("[!a].pcap")).files).toEqual(["b.pcap", "c.pcap"]);
    expect((await list("?.pcap")).files).toEqual(["a.pcap", "b.pcap", "c.pcap"]); // not .hidden.pcap
    expect((await list(".*.pcap")).files).toEqual([".hidden.pcap"]);
    expect((await list("sub*/*.pcap")).files).toEqual(["sub1/d.pcap", "sub2/e.pcap"]);
    expect(await list("sub?")).toEqual({ files: ["sub1/d.pcap", "sub2/e.pcap"], skipped: [] }); // directories
    expect(await list("*.txt")).toEqual({ files: [], skipped: ["notes.txt"] });
    // An unclosed [ is a character; a pattern that matches nothing is given back, to be reported missing.
    expect((await list("[a.pcap")).files).toEqual(["[a.pcap"]);
    expect((await list("nothing*")).files).toEqual(["nothing*"]);
  });

  it("a glob in the working directory gives names relative to it", async () => {
    const folder = mkdtempSync(join(tmpdir(), "glob-cwd-"));
    writeFileSync(join(folder, "x.pcap"), readFileSync(join(FIXTURES, "vsftpd-curl.pcap")));
    const cwd = process.cwd();
    process.chdir(folder);
    try {
      expect((await listCaptureFiles(["*.pcap"])).files).toEqual(["x.pcap"]);
      expect((await listCaptureFiles(["./*.pcap"])).files).toEqual(["x.pcap"]);
    } finally {
      process.chdir(cwd);
    }
  });
});
