/**
 * `ftp-reply log` on the server logs of fixtures/logs/formats, in process: each session's uid in every output
 * format, transfer records in every output format and the summary, the LogFormat options.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import type { CliIO } from "../../src/cli/args.js";
import { runLog } from "../../src/cli/log-command.js";

const FORMATS = join(import.meta.dirname, "../../fixtures/logs/formats");

function io() {
  const stream = () => {
    const target = {
      text: "",
      isTTY: false,
      write(s: string): boolean {
        target.text += s;
        return true;
      },
    };
    return target;
  };
  const stdout = stream();
  const stderr = stream();
  async function* empty(): AsyncGenerator<Uint8Array> {}
  const cli: CliIO = { stdout, stderr, stdin: empty(), env: {} };
  return { cli, stdout, stderr };
}

async function log(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { cli, stdout, stderr } = io();
  const code = await runLog(args, cli);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

const UID = /^C[0-9A-Za-z]{12}$/;
const CONFIG = join(FORMATS, "proftpd.conf");

/** The uids of each output format, and how many records/rows/blocks carry one. */
async function uidsOf(args: string[]): Promise<Record<string, Set<string>>> {
  const out: Record<string, Set<string>> = {};
  const ndjson = await log(["--format", "ndjson", ...args]);
  expect(ndjson.code).toBe(0);
  const records = ndjson.stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  out.ndjson = new Set(records.filter((r) => r.record !== "diagnostic").map((r) => r.uid as string));
  const json = await log(["--format", "json", ...args]);
  const array = JSON.parse(json.stdout) as Record<string, unknown>[];
  out.json = new Set(array.filter((r) => r.record !== "diagnostic").map((r) => r.uid as string));
  const zeek = await log(["--format", "zeek", ...args]);
  const fields = zeek.stdout
    .split("\n")
    .find((line) => line.startsWith("#fields"))!
    .split("\t")
    .slice(1);
  const rows = zeek.stdout.split("\n").filter((line) => line !== "" && !line.startsWith("#"));
  out.zeek = new Set(rows.map((row) => row.split("\t")[fields.indexOf("uid")]!));
  const pretty = await log(["--no-color", ...args]);
  out.pretty = new Set([...pretty.stdout.matchAll(/^── session (\S+) /gm)].map((m) => m[1]!));
  for (const uids of Object.values(out)) for (const uid of uids) expect(uid).toMatch(UID);
  return out;
}

describe("a uid per session in every output format", () => {
  for (const [name, args, sessions] of [
    ["ExtendedLog with %P", ["--log-format-file", CONFIG, join(FORMATS, "proftpd-extended-pid.log")], 4],
    [
      "ExtendedLog with %{remote-port}",
      [
        "--log-format-file",
        CONFIG,
        "--log-format-name",
        "byport",
        join(FORMATS, "proftpd-extended-port.log"),
      ],
      4,
    ],
    ["TraceLog", [join(FORMATS, "proftpd-trace.log")], 4],
    ["ftp-srv JSON", [join(FORMATS, "ftp-srv.json")], 4],
    ["vsftpd xferlog", [join(FORMATS, "vsftpd-xferlog")], 3],
  ] as const) {
    test(`${name}: ${sessions} sessions, the same uids in ndjson, json, zeek and pretty`, async () => {
      const uids = await uidsOf([...args]);
      expect(uids.ndjson!.size).toBe(sessions);
      for (const format of ["json", "zeek", "pretty"]) expect(uids[format]).toEqual(uids.ndjson);
    });
  }
});

describe("transfer records", () => {
  test("pretty: a transfer line in its session's block, the summary counts them and their bytes", async () => {
    const { code, stdout } = await log(["--no-color", "--summary", join(FORMATS, "proftpd-xferlog")]);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^\[2026-12-03 14:41:17\.000\] transfer: upload \/tmp\/\S+\/incoming\/upload\.txt · 57 bytes · binary · complete · 0 s · anonymous$/m,
    );
    // 21 + 100000 + 14 + 14 + 57 bytes in five completed transfers.
    expect(stdout).toMatch(/transfers +5 completed, 0 failed, 100106 bytes/);
    expect(stdout).not.toContain("@example");
  });

  test("json, ndjson: a transfer record; zeek: a row of the command it stands for", async () => {
    const ndjson = await log(["--format", "ndjson", join(FORMATS, "vsftpd-xferlog")]);
    const first = JSON.parse(ndjson.stdout.split("\n")[0]!) as Record<string, unknown>;
    expect(first).toMatchObject({
      record: "transfer",
      path: "/big.bin",
      size: 100000,
      direction: "download",
      complete: true,
      user: "anonymous",
      origHost: "127.0.0.1",
      sessionKey: "host 127.0.0.1 anonymous 1",
    });
    expect(first.anonymousId).toBeUndefined();
    const shown = await log(["--format", "ndjson", "--show-passwords", join(FORMATS, "vsftpd-xferlog")]);
    expect(JSON.parse(shown.stdout.split("\n")[0]!)).toMatchObject({ anonymousId: "ftp@example.com" });
    const zeek = await log(["--format", "zeek", join(FORMATS, "vsftpd-xferlog")]);
    const rows = zeek.stdout.split("\n").filter((line) => line !== "" && !line.startsWith("#"));
    expect(rows.map((row) => row.split("\t").slice(6, 14))).toEqual([
      ["anonymous", "-", "RETR", "/big.bin", "-", "100000", "-", "transfer complete"],
      ["anonymous", "-", "RETR", "/hello.txt", "-", "21", "-", "transfer complete"],
      ["anonymous", "-", "RETR", "/pub/notes.txt", "-", "14", "-", "transfer complete"],
      ["anonymous", "-", "RETR", "/pub/notes.txt", "-", "14", "-", "transfer complete"],
      ["anonymous", "-", "STOR", "/incoming/upload.txt", "-", "57", "-", "transfer complete"],
    ]);
  });
});

describe("LogFormat options", () => {
  test("--log-format reads the log in that format; without it the log is refused (exit 2)", async () => {
    const file = join(FORMATS, "proftpd-extended-port.log");
    const given = await log(["--format", "ndjson", "--log-format", '%t %a %{remote-port} %u "%r" %s', file]);
    expect(given.code).toBe(0);
    // 47 lines, two of them ProFTPD's second entry of OPTS (code `-`): 45 exchanges.
    expect(given.stdout.trim().split("\n")).toHaveLength(45);
    const refused = await log([file]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^ftp-reply log: cannot read this log/);
  });

  test("usage errors: both options, a name without a file, a file without LogFormat, a format without %s", async () => {
    const both = await log(["--log-format", "%r %s", "--log-format-file", CONFIG, "-"]);
    expect([both.code, both.stderr]).toEqual([2, expect.stringContaining("give one of them")]);
    const name = await log(["--log-format-name", "x", "-"]);
    expect(name.stderr).toContain("--log-format-name needs --log-format-file");
    const none = await log(["--log-format-file", join(FORMATS, "vsftpd.conf"), "-"]);
    expect([none.code, none.stderr]).toEqual([2, expect.stringContaining("has no LogFormat line")]);
    const unnamed = await log(["--log-format-file", CONFIG, "--log-format-name", "nope", "-"]);
    expect(unnamed.stderr).toContain('has no LogFormat line named "nope"');
    const bad = await log(["--log-format", '%t "%r"', join(FORMATS, "proftpd-extended-port.log")]);
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringContaining("it has no reply code (%s)")]);
  });
});
