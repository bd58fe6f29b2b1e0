/**
 * examples/client.mjs, run on the built package as a user would, against every server of the client tests:
 * a plain and an anonymous download, AUTH TLS, a resumed download (REST), and a URL that tries to inject a
 * command. A scripted server (node:net) covers what no real server here does: 332 (ACCT) and a transfer slower
 * than the client's timeout.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  CLIENT_SERVER_NAMES,
  type ClientServer,
  clientServerProblem,
  makeTlsFiles,
  SAMPLE_BYTES,
  SAMPLE_FILE,
  startClientServer,
  TEST_PASSWORD,
  TEST_USER,
  type TlsFiles,
  WELCOME_FILE,
  WELCOME_TEXT,
} from "./servers.js";

const IN_CI = process.env.CI === "true";
const BUILT_ENTRY = "dist/index.js";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

async function runExample(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  if (!existsSync(BUILT_ENTRY)) throw new Error(`${BUILT_ENTRY} is missing: run \`npm run build\` first`);
  const child = spawn(process.execPath, ["examples/client.mjs", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const [code] = (await once(child, "close")) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** The command lines the example sent, from its dialogue on stderr. */
function sent(run: Run): string[] {
  return run.stderr
    .split("\n")
    .filter((line) => line.startsWith("> "))
    .map((line) => line.slice(2));
}

for (const name of CLIENT_SERVER_NAMES) {
  const problem = clientServerProblem(name);
  if (problem !== undefined) {
    if (IN_CI) {
      test(`${name} is installed (required when CI=true)`, () => {
        throw new Error(`${name} CANNOT RUN: ${problem}`);
      });
    } else {
      describe.skip(`${name} (not installed: ${problem})`, () => {
        test("example", () => {});
      });
    }
    continue;
  }

  describe(`examples/client.mjs against ${name}`, () => {
    let server: ClientServer;
    let tlsFiles: TlsFiles;
    let work: string;
    beforeAll(async () => {
      tlsFiles = makeTlsFiles();
      server = await startClientServer(name, { tls: tlsFiles });
      work = mkdtempSync(join(tmpdir(), "ftp-reply-example-"));
    });
    afterAll(async () => {
      await server?.stop();
      rmSync(tlsFiles.folder, { recursive: true, force: true });
      rmSync(work, { recursive: true, force: true });
    });
    const userUrl = (path: string) =>
      `ftp://${TEST_USER}:${TEST_PASSWORD}@${server.host}:${server.port}/${path}`;

    test("user and anonymous downloads, byte for byte", async () => {
      const binary = join(work, "plain.bin");
      const run = await runExample([userUrl(SAMPLE_FILE), binary]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain(SAMPLE_FILE);
      expect(new Uint8Array(readFileSync(binary))).toEqual(SAMPLE_BYTES);
      expect(run.stderr).toMatch(/^< 226[ -]/m);
      expect(run.stderr).toMatch(/^< 221[ -]/m);
      expect(sent(run)).toContain("PASS ****");

      const welcome = join(work, "welcome.txt");
      const anonymous = await runExample([`ftp://${server.host}:${server.port}/${WELCOME_FILE}`, welcome]);
      expect(anonymous.code, anonymous.stderr).toBe(0);
      expect(readFileSync(welcome, "utf8")).toBe(WELCOME_TEXT);
    });

    test("--tls: AUTH TLS, PBSZ 0, PROT P, the listing and the file over TLS", async () => {
      const binary = join(work, "secure.bin");
      const run = await runExample(["--tls", userUrl(SAMPLE_FILE), binary], {
        NODE_EXTRA_CA_CERTS: tlsFiles.cert,
      });
      expect(run.code, run.stderr).toBe(0);
      expect(sent(run).slice(0, 1)).toEqual(["AUTH TLS"]);
      expect(sent(run)).toEqual(expect.arrayContaining(["PBSZ 0", "PROT P"]));
      expect(run.stdout).toContain(SAMPLE_FILE);
      expect(new Uint8Array(readFileSync(binary))).toEqual(SAMPLE_BYTES);
    });

    test("a partial local file is resumed with REST", async () => {
      const binary = join(work, "partial.bin");
      const have = 12_345;
      writeFileSync(binary, SAMPLE_BYTES.subarray(0, have));
      const run = await runExample([userUrl(SAMPLE_FILE), binary]);
      expect(run.code, run.stderr).toBe(0);
      expect(sent(run)).toContain(`REST ${have}`);
      expect(new Uint8Array(readFileSync(binary))).toEqual(SAMPLE_BYTES);
    });

    test("a URL with %0D%0A cannot inject DELE", async () => {
      const run = await runExample([userUrl(`x%0D%0ADELE%20${WELCOME_FILE}/y`), join(work, "y")]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/holds CR/);
      expect(sent(run).some((line) => line.startsWith("DELE"))).toBe(false);
      expect(existsSync(join(server.userRoot, WELCOME_FILE))).toBe(true);
    });
  });
}

describe("examples/client.mjs against a scripted server", () => {
  const FILE = Buffer.from("slow but steady\n".repeat(64));
  let control: net.Server;
  let data: net.Server;
  let port: number;
  beforeAll(async () => {
    // One data connection at a time: the listing, then the file dribbled out in pieces.
    let next: ((socket: net.Socket) => void) | undefined;
    data = net.createServer((socket) => {
      socket.on("error", () => {});
      next?.(socket);
    });
    await new Promise<void>((resolve) => data.listen(0, "127.0.0.1", () => resolve()));
    const dataPort = (data.address() as net.AddressInfo).port;
    const waitData = () => new Promise<net.Socket>((resolve) => (next = resolve));
    let socketReady = waitData();
    control = net.createServer((socket) => {
      socket.on("error", () => {});
      socket.write("220 scripted\r\n");
      let buffer = "";
      socket.on("data", async (chunk) => {
        buffer += chunk.toString("latin1");
        for (let end = buffer.indexOf("\r\n"); end !== -1; end = buffer.indexOf("\r\n")) {
          const [verb = ""] = buffer.slice(0, end).split(" ");
          buffer = buffer.slice(end + 2);
          const answers: Record<string, string> = {
            USER: "331 password\r\n",
            PASS: "332 account please\r\n",
            ACCT: "230 in\r\n",
            OPTS: "200 ok\r\n",
            TYPE: "200 ok\r\n",
            EPSV: `229 Entering Extended Passive Mode (|||${dataPort}|)\r\n`,
            SIZE: `213 ${FILE.length}\r\n`,
            QUIT: "221 bye\r\n",
          };
          if (verb === "LIST" || verb === "RETR") {
            socket.write("150 here\r\n");
            const out = await socketReady;
            socketReady = waitData();
            if (verb === "LIST") out.end("-rw-r--r-- 1 u g 1024 Jan 1 00:00 slow.txt\r\n");
            else {
              // 8 pieces, 100 ms apart: far longer than the client's 250 ms timeout.
              for (let i = 0; i < 8; i++) {
                out.write(FILE.subarray((i * FILE.length) / 8, ((i + 1) * FILE.length) / 8));
                await new Promise((resolve) => setTimeout(resolve, 100));
              }
              out.end();
            }
            await once(out, "close");
            socket.write("226 done\r\n");
          } else socket.write(answers[verb] ?? "502 no\r\n");
          if (verb === "QUIT") socket.end();
        }
      });
    });
    await new Promise<void>((resolve) => control.listen(0, "127.0.0.1", () => resolve()));
    port = (control.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => control.close(resolve));
    await new Promise((resolve) => data.close(resolve));
  });

  test("332 is answered with ACCT; a transfer slower than the timeout completes", async () => {
    const work = mkdtempSync(join(tmpdir(), "ftp-reply-example-"));
    try {
      const file = join(work, "slow.txt");
      const url = `ftp://u:p@127.0.0.1:${port}/slow.txt`;
      const refused = await runExample([url, file]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/asks for an account/);
      const run = await runExample(["--account", "acme", url, file], { FTP_TIMEOUT_MS: "250" });
      expect(run.code, run.stderr).toBe(0);
      expect(sent(run)).toContain("ACCT ****");
      expect(readFileSync(file)).toEqual(FILE);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
