/** `parse` and `log` run in process with stand-in streams (the spawned end-to-end runs are in cli.test.ts). */
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { type CliIO, VERSION } from "../../src/cli/args.js";
import { runLog } from "../../src/cli/log-command.js";
import { runParse } from "../../src/cli/parse-command.js";
import { runPcapCommand } from "../../src/cli/pcap-command.js";
import { PROGRESS_THRESHOLD_BYTES } from "../../src/cli/progress.js";
import { describeFileError, InputError, isFileError, openSource } from "../../src/node/sources.js";

const REPO = join(import.meta.dirname, "../..");
const work = mkdtempSync(join(tmpdir(), "ftp-reply-cli-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function* once(text: string): AsyncGenerator<Uint8Array> {
  yield new TextEncoder().encode(text);
}

function io(stdin = "", stderrIsTTY = false) {
  const stream = (isTTY: boolean) => {
    const target = {
      text: "",
      isTTY,
      write(s: string): boolean {
        target.text += s;
        return true;
      },
    };
    return target;
  };
  const stdout = stream(false);
  const stderr = stream(stderrIsTTY);
  const cli: CliIO = { stdout, stderr, stdin: once(stdin), env: {} };
  return { cli, stdout, stderr };
}

describe("log", () => {
  test("reads a fixture and writes its dialogue", async () => {
    const { cli, stdout } = io();
    const code = await runLog([join(REPO, "fixtures/logs/curl-v/curl-v.txt")], cli);
    expect(code).toBe(0);
    expect(stdout.text).toContain("C: USER ftpreply");
    expect(stdout.text).toContain("S: 230 OK. Current restricted directory is /");
  });

  test("reads stdin, honours --strict, and reports a missing file as one line", async () => {
    const strict = io("S: 220 hi\nC: NOOP\nS: 150 odd\nS: 200 ok\n");
    expect(await runLog(["--strict", "-"], strict.cli)).toBe(1);
    const missing = io();
    expect(await runLog([join(work, "none.log")], missing.cli)).toBe(2);
    expect(missing.stderr.text).toBe(`ftp-reply log: ${join(work, "none.log")}: no such file\n`);
    const usage = io();
    expect(await runLog(["--input-format", "word"], usage.cli)).toBe(2);
    expect(usage.stderr.text).toContain("--input-format takes raw, curl-trace-ascii, curl-verbose");
  });

  test("a large log on a terminal gets a progress bar on stderr, erased at the end", async () => {
    const line = "C: NOOP\nS: 200 ok\n";
    const path = join(work, "big.log");
    writeFileSync(path, `S: 220 hi\n${line.repeat(Math.ceil((PROGRESS_THRESHOLD_BYTES + 1) / line.length))}`);
    const { cli, stderr } = io("", true);
    cli.stdout.write = () => true; // the dialogue itself is not the point here
    expect(await runLog(["--format", "ndjson", path], cli)).toBe(0);
    expect(stderr.text).toContain(`\r${path} [`);
    expect(stderr.text.endsWith("\r\u001b[K")).toBe(true);
  });
});

describe("parse", () => {
  test("raw bytes from a file and from stdin; --help; a directory is an I/O error", async () => {
    const file = io();
    expect(
      await runParse(["--format", "ndjson", join(REPO, "fixtures/logs/raw/vsftpd-server.bin")], file.cli),
    ).toBe(0);
    expect(file.stdout.text.split("\n")[0]).toContain('"code":220');
    const stdin = io("421 going away\r\n");
    expect(await runParse([], stdin.cli)).toBe(0);
    expect(stdin.stdout.text).toContain("S: 421 going away");
    const help = io();
    expect(await runParse(["--help"], help.cli)).toBe(0);
    expect(help.stdout.text).toContain("usage: ftp-reply parse");
    const dir = io();
    expect(await runParse([work], dir.cli)).toBe(2);
    expect(dir.stderr.text).toContain("is a directory");
  });
});

describe("sources", () => {
  test("a file's size is known and its bytes counted; stdin's size is not", async () => {
    const path = join(REPO, "fixtures/logs/raw/vsftpd-server.bin");
    const source = await openSource(path);
    expect(source.size).toBe(readFileSync(path).length);
    let total = 0;
    for await (const chunk of source.chunks) total += chunk.length;
    expect(total).toBe(source.size);
    expect(source.bytesRead).toBe(total);
    const stdin = await openSource("-", once("abc"));
    expect(stdin.size).toBeUndefined();
    const chunks: Uint8Array[] = [];
    for await (const chunk of stdin.chunks) chunks.push(chunk);
    expect(new TextDecoder().decode(chunks[0])).toBe("abc");
  });
});

describe("errors and -V, in process", () => {
  const loop = join(work, "loop");
  symlinkSync(loop, loop);
  const commands = { parse: runParse, log: runLog, pcap: runPcapCommand } as const;

  test.each(Object.keys(commands))("%s -V prints the version", async (name) => {
    const { cli, stdout, stderr } = io();
    expect(await commands[name as keyof typeof commands](["-V"], cli)).toBe(0);
    expect(stdout.text).toBe(`${VERSION}\n`);
    expect(stderr.text).toBe("");
  });

  test.each(Object.keys(commands))("%s: file errors and bad encodings are one line, exit 2", async (name) => {
    const run = commands[name as keyof typeof commands];
    const cases: [string[], string][] = [
      [[loop], `${loop}: too many symbolic links (a loop?)`],
      [[join(REPO, "package.json", "x")], "not a directory (a part of the path is a file)"],
      [["a".repeat(100_000)], `${"a".repeat(200)}…: file name too long`],
      [[join(work, "\u001b[2J\u009b.log")], "\\x1b[2J\\x9b.log: no such file"],
      [["--encoding", "utf-16le", "-"], '--encoding "utf-16le" is not ASCII-compatible'],
      [["--encoding", "x".repeat(5000), "-"], `unknown --encoding "${"x".repeat(200)}…"`],
    ];
    for (const [args, message] of cases) {
      const { cli, stderr } = io();
      expect(await run(args, cli)).toBe(2);
      expect(stderr.text.split("\n")).toHaveLength(2);
      expect(stderr.text).toContain(message);
      expect(stderr.text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    }
  });

  test("describeFileError: the code's meaning, the path once and cut; other errors keep their first line", () => {
    const error = (code: string) =>
      Object.assign(new Error(`${code}: x, stat 'p'`), { code, syscall: "stat" });
    expect(describeFileError("p", error("ENOENT"))).toBe("p: no such file");
    expect(describeFileError("p", error("EACCES"))).toBe("p: permission denied");
    expect(describeFileError("p", error("EPERM"))).toBe("p: permission denied");
    expect(describeFileError("p", error("EMFILE"))).toBe("p: too many open files");
    expect(describeFileError("p", error("EWHATEVER"))).toBe("p: cannot be read (EWHATEVER)");
    expect(describeFileError("p", new Error("first\nsecond"))).toBe("p: first");
    expect(describeFileError("p", "a string")).toBe("p: a string");
    expect(isFileError(error("ENOENT"))).toBe(true);
    expect(isFileError(Object.assign(new Error("x"), { code: "ERR_INVALID_ARG_TYPE" }))).toBe(false);
    expect(isFileError(new Error("x"))).toBe(false);
    expect(isFileError(null)).toBe(false);
  });

  test("a stream that fails while read is an InputError with the described message", async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array([0x32]);
      throw Object.assign(new Error("EIO: i/o error, read"), { code: "EIO", syscall: "read" });
    }
    const source = await openSource("-", failing());
    await expect(async () => {
      for await (const _ of source.chunks) {
        // read all
      }
    }).rejects.toThrow(new InputError("-: input/output error"));
  });
});
