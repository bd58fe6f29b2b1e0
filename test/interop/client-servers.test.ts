/**
 * The client side (createControlChannel through the Node adapter) against real servers: vsftpd, ProFTPD,
 * Pure-FTPd, ftp-srv and pyftpdlib, each offering AUTH TLS with a certificate made at test time by `openssl`.
 * A server that is not installed fails the run under CI=true and is skipped loudly otherwise.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import type net from "node:net";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import type tls from "node:tls";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  type ControlChannel,
  type ControlResponse,
  createPassiveMode,
  type PassiveCommand,
  parseFeatures,
  parsePathname,
} from "../../src/index.js";
import {
  abortTransfer,
  type ControlConnection,
  connectControl,
  openDataConnection,
  runTransfer,
} from "../../src/node/index.js";
import {
  CLIENT_SERVER_NAMES,
  type ClientServer,
  type ClientServerName,
  clientServerProblem,
  makeTlsFiles,
  patternBytes,
  startClientServer,
  TEST_PASSWORD,
  TEST_USER,
  type TlsFiles,
  WELCOME_FILE,
} from "./servers.js";

const IN_CI = process.env.CI === "true";
const UPLOAD = patternBytes(200_003, 23);
const RESTART_AT = 4_321;
const BIG_FILE = "big.bin";
const BIG_SIZE = 48 * 1024 * 1024;
/** The control timeout of the throttled transfer: far shorter than the transfer itself. */
const SHORT_TIMEOUT_MS = 1_000;

/** What each server answered to ABOR during a RETR, for the report at the end. */
const abortPairs: Record<string, string> = {};

function sink(): { writable: Writable; bytes(): Uint8Array } {
  const chunks: Buffer[] = [];
  return {
    writable: new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk);
        callback();
      },
    }),
    bytes: () => new Uint8Array(Buffer.concat(chunks)),
  };
}

function expectCode(response: ControlResponse, ...codes: number[]): void {
  expect(codes, `${response.command} → ${response.final.lines.join(" / ")}`).toContain(response.code);
}

/** USER and PASS, each given time whatever the channel's timeout (PAM and failed-login delays). */
async function login(channel: ControlChannel): Promise<void> {
  const user = await channel.send("USER", TEST_USER, { timeout: 20_000 });
  expectCode(user, 331);
  expectCode(await channel.send("PASS", TEST_PASSWORD, { timeout: 20_000 }), 230);
}

interface DataOptions {
  secure?: tls.TLSSocket | undefined;
  ca?: string | undefined;
}

async function open(control: ControlConnection, commands: readonly PassiveCommand[]): Promise<net.Socket> {
  const mode = createPassiveMode({ controlHost: control.remoteAddress, commands });
  return openDataConnection(await mode.request(control.channel));
}

function secured(options: DataOptions) {
  return options.secure === undefined
    ? {}
    : { tls: { control: options.secure, options: { ca: options.ca } } };
}

async function download(
  control: ControlConnection,
  commands: readonly PassiveCommand[],
  verb: string,
  arg: string | undefined,
  options: DataOptions = {},
): Promise<Uint8Array> {
  const data = await open(control, commands);
  const into = sink();
  expectCode(
    await runTransfer(control.channel, verb, arg, data, { sink: into.writable, ...secured(options) }),
    226,
    250,
  );
  return into.bytes();
}

async function upload(
  control: ControlConnection,
  commands: readonly PassiveCommand[],
  name: string,
  source: Uint8Array | Readable,
  options: DataOptions & { timeout?: number } = {},
): Promise<void> {
  const data = await open(control, commands);
  const timeout = options.timeout === undefined ? {} : { timeout: options.timeout };
  expectCode(
    await runTransfer(control.channel, "STOR", name, data, { source, ...timeout, ...secured(options) }),
    226,
    250,
  );
}

async function quit(control: ControlConnection): Promise<void> {
  expectCode(await control.channel.send("QUIT"), 221);
  control.close();
}

for (const name of CLIENT_SERVER_NAMES) {
  const problem = clientServerProblem(name);
  if (problem !== undefined) {
    const message = `${name} CANNOT RUN: ${problem}`;
    console.error(`\n!!!!!!!!!! client interop: ${message} !!!!!!!!!!\n`);
    if (IN_CI) {
      test(`${name} is installed (required when CI=true)`, () => {
        throw new Error(message);
      });
    } else {
      describe.skip(`${name} (not installed: ${problem})`, () => {
        test("client", () => {});
      });
    }
    continue;
  }

  describe(`client against ${name}`, () => {
    let server: ClientServer;
    let tlsFiles: TlsFiles;
    beforeAll(async () => {
      tlsFiles = makeTlsFiles();
      server = await startClientServer(name as ClientServerName, { tls: tlsFiles });
    });
    afterAll(async () => {
      await server?.stop();
      rmSync(tlsFiles.folder, { recursive: true, force: true });
    });

    const connect = () =>
      connectControl({ host: server.host, port: server.port, channel: { timeout: 20_000 } });

    test("login, FEAT, PWD, OPTS UTF8, EPSV and PASV, LIST, STOR/RETR round trip, REST", async () => {
      const control = await connect();
      try {
        expectCode(control.greeting, 220);
        await login(control.channel);
        const features = await control.channel.send("FEAT");
        expectCode(features, 211);
        expect(parseFeatures(features.final).map((feature) => feature.name)).toContain("SIZE");
        expect(parsePathname(await control.channel.send("PWD").then((r) => r.final))).toBe("/");
        const utf8 = await control.channel.send("OPTS", "UTF8 ON", { switchEncoding: "utf-8" });
        expectCode(utf8, 200, 202, 501, 502, 504);
        expectCode(await control.channel.send("TYPE", "I"), 200);

        await upload(control, ["PASV"], "upload.bin", UPLOAD);
        expect(new Uint8Array(readFileSync(join(server.userRoot, "upload.bin")))).toEqual(UPLOAD);
        const listing = new TextDecoder().decode(await download(control, ["EPSV"], "LIST", undefined));
        expect(listing).toContain("upload.bin");
        expect(listing).toContain(WELCOME_FILE);
        expect(await download(control, ["EPSV"], "RETR", "upload.bin")).toEqual(UPLOAD);
        expect(await download(control, ["PASV"], "RETR", "upload.bin")).toEqual(UPLOAD);
        expectCode(await control.channel.send("REST", String(RESTART_AT)), 350);
        expect(await download(control, ["EPSV", "PASV"], "RETR", "upload.bin")).toEqual(
          UPLOAD.subarray(RESTART_AT),
        );
        // A path that would inject a command is refused before a byte is written; the session goes on.
        await expect(control.channel.send("RETR", `x\r\nDELE ${WELCOME_FILE}`)).rejects.toMatchObject({
          type: "forbidden-byte",
        });
        expectCode(await control.channel.send("NOOP"), 200);
        await quit(control);
      } finally {
        control.close();
      }
    });

    test("ABOR during a RETR: the transfer's reply and ABOR's, paired right", async () => {
      writeFileSync(join(server.userRoot, BIG_FILE), Buffer.alloc(BIG_SIZE, 0x5a));
      const control = await connect();
      try {
        await login(control.channel);
        expectCode(await control.channel.send("TYPE", "I"), 200);
        const data = await open(control, ["EPSV", "PASV"]);
        let received = 0;
        const first = new Promise<void>((resolve) => {
          data.once("data", (chunk: Buffer) => {
            received += chunk.length;
            // Stop reading: the server fills its buffers and waits, mid-transfer.
            data.pause();
            resolve();
          });
        });
        data.on("error", () => {});
        const started = new Promise<void>((resolve) => {
          void control.channel.send("RETR", BIG_FILE, { onPreliminary: () => resolve() }).catch(() => {});
        });
        await started;
        await first;
        // ftp-srv does not strip Telnet commands: `IAC IP IAC DM ABOR` is an unknown command to it.
        const telnet = name !== "ftp-srv";
        const { transfer, abort } = await abortTransfer(control.channel, data, { timeout: 20_000, telnet });
        abortPairs[name] = `${transfer?.code} ${abort.code}`;
        expect(received).toBeLessThan(BIG_SIZE);
        expect(transfer, "the RETR got its own final reply").toBeDefined();
        // 426 when the server stopped the transfer; 226 when it finished it before reading ABOR (vsftpd without
        // async_abor_enable, ProFTPD while the client drains the data), ABOR then answered 225 or 226.
        expectCode(transfer!, 426, 226);
        expectCode(abort, 225, 226);
        // Still in step: the next command gets its own reply.
        expectCode(await control.channel.send("PWD"), 257);
        await quit(control);
      } finally {
        control.close();
        rmSync(join(server.userRoot, BIG_FILE), { force: true });
      }
    });

    test("AUTH TLS, PBSZ 0, PROT P: login, LIST and a STOR/RETR round trip over TLS", async () => {
      const control = await connect();
      try {
        const ca = readFileSync(tlsFiles.cert, "utf8");
        expectCode(await control.upgradeToTls({ ca }), 234);
        expect(control.channel.session.secured).toBe(true);
        await login(control.channel);
        expectCode(await control.channel.send("PBSZ", "0"), 200);
        expectCode(await control.channel.send("PROT", "P"), 200);
        expectCode(await control.channel.send("TYPE", "I"), 200);
        const secure = control.socket as tls.TLSSocket;
        await upload(control, ["EPSV", "PASV"], "secure.bin", UPLOAD, { secure, ca });
        expect(new Uint8Array(readFileSync(join(server.userRoot, "secure.bin")))).toEqual(UPLOAD);
        const listing = new TextDecoder().decode(
          await download(control, ["EPSV", "PASV"], "LIST", undefined, { secure, ca }),
        );
        expect(listing).toContain("secure.bin");
        expect(await download(control, ["EPSV", "PASV"], "RETR", "secure.bin", { secure, ca })).toEqual(
          UPLOAD,
        );
        await quit(control);
      } finally {
        control.close();
      }
    });

    test("a throttled STOR outlives the control timeout: paused while the data flows", async () => {
      const control = await connect();
      try {
        await login(control.channel);
        expectCode(await control.channel.send("TYPE", "I"), 200);
        const chunk = 8 * 1024;
        const pieces = 20;
        const expected = patternBytes(chunk * pieces, 41);
        async function* slowly() {
          for (let i = 0; i < pieces; i++) {
            // Each pause alone is a fair part of the control timeout; together they are many times it.
            await new Promise((resolve) => setTimeout(resolve, SHORT_TIMEOUT_MS / 5));
            yield Buffer.from(expected.subarray(i * chunk, (i + 1) * chunk));
          }
        }
        await upload(control, ["EPSV", "PASV"], "slow.bin", Readable.from(slowly()), {
          timeout: SHORT_TIMEOUT_MS,
        });
        expect(new Uint8Array(readFileSync(join(server.userRoot, "slow.bin")))).toEqual(expected);
        expect(control.channel.state).toBe("open");
        await quit(control);
      } finally {
        control.close();
      }
    });
  });
}

afterAll(() => {
  console.error(
    `client interop: ABOR during RETR (transfer reply, ABOR reply): ${JSON.stringify(abortPairs)}`,
  );
});
