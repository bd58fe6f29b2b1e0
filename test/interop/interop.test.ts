/**
 * The library against real FTP servers on 127.0.0.1: ftp-srv always, vsftpd, proftpd and pure-ftpd from
 * /opt/ftp-servers (.ci/install-servers.sh). Each server gets the same scripted sessions; every reply goes
 * through the reply parser and the decoders, and the decoded values are checked against what is on disk.
 *
 * A Debian server that is not installed fails the run under CI=true, and is skipped loudly otherwise.
 * FTP_REPLY_RECORD=1 saves each session's bytes and transcript to fixtures/servers/ (see fixtures.ts).
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  parseFeatures,
  parseModifyTime,
  parsePathname,
  parseSize,
  parseSystemType,
  type Reply,
} from "../../src/index.js";
import { ControlConnection, type DataConnection } from "./control.js";
import { saveSession } from "./fixtures.js";
import {
  debianServerProblem,
  patternBytes,
  type RunningServer,
  SAMPLE_BYTES,
  SAMPLE_FILE,
  SERVER_NAMES,
  type ServerName,
  startServer,
  TEST_PASSWORD,
  TEST_USER,
  WELCOME_FILE,
  WELCOME_TEXT,
} from "./servers.js";

const IN_CI = process.env.CI === "true";
const EXAMPLE_CLIENT = "examples/client.mjs";
/** What `ftp-reply` resolves to for the example (package.json exports → ./dist, built by `npm run build`). */
const BUILT_ENTRY = "dist/index.js";
const QUOTE_DIRECTORY = 'quote"dir';
const UTF8_DIRECTORY = "ünïcödé-目录";
const UPLOAD_FILE = "upload.bin";
const UPLOAD_BYTES = patternBytes(70_001, 17);
const RESTART_AT = 1_000;
const LONG_LINE = `NOOP ${"x".repeat(8 * 1024)}`;
/** How many PWDs to send after the long line, each waiting this long for an answer (a liveness probe). */
const PROBES = 10;
const PROBE_WAIT_MS = 1_000;

/**
 * What each server really does where servers differ, found by these tests. Anything not listed is asserted
 * the same way for every server.
 */
interface ServerTraits {
  /**
   * How the 257 reply to MKD names the created folder: by its absolute FTP path, as the name was sent, or by its
   * path on the server's own file system (ftp-srv: it leaks where its root is).
   */
  mkdReplies: "absolute" | "as-sent" | "host-path";
  /** Every `"` is removed from command lines before they are run (ftp-srv). */
  stripsQuotes: boolean;
  /** The 257 reply doubles a `"` inside the path, as RFC 959 Appendix II asks. */
  doublesQuotes: boolean;
  /** STAT without an argument is a multi-line reply. */
  multilineStat: boolean;
  /** The server closes the connection after an over-long command line. */
  closesOnLongLine: boolean;
  /** USER anonymous is answered 230 at once, without asking for a password. */
  anonymousWithoutPassword: boolean;
  /** After a 530 to PASS, a new USER is accepted (false: refused with "Username already set", PASS again works). */
  acceptsUserAfterFailedLogin: boolean;
  /** FEAT lists EPSV (ftp-srv implements EPSV but does not list it). */
  listsEpsv: boolean;
}

const TRAITS: Record<ServerName, ServerTraits> = {
  "ftp-srv": {
    mkdReplies: "host-path",
    stripsQuotes: true,
    doublesQuotes: true,
    multilineStat: false,
    closesOnLongLine: false,
    anonymousWithoutPassword: true,
    acceptsUserAfterFailedLogin: false,
    listsEpsv: false,
  },
  vsftpd: {
    mkdReplies: "absolute",
    stripsQuotes: false,
    doublesQuotes: true,
    multilineStat: true,
    closesOnLongLine: true,
    anonymousWithoutPassword: false,
    acceptsUserAfterFailedLogin: true,
    listsEpsv: true,
  },
  proftpd: {
    mkdReplies: "absolute",
    stripsQuotes: false,
    doublesQuotes: true,
    multilineStat: true,
    closesOnLongLine: false,
    anonymousWithoutPassword: false,
    acceptsUserAfterFailedLogin: true,
    listsEpsv: true,
  },
  "pure-ftpd": {
    mkdReplies: "as-sent",
    stripsQuotes: false,
    doublesQuotes: false,
    multilineStat: false,
    closesOnLongLine: true,
    anonymousWithoutPassword: true,
    acceptsUserAfterFailedLogin: true,
    listsEpsv: true,
  },
};

/** What parsePathname gives for a path the server sent unescaped: the text up to the first inner quote. */
function expectedPathname(server: ServerName, path: string): string {
  if (TRAITS[server].doublesQuotes) return path;
  const quote = path.indexOf('"');
  return quote === -1 ? path : path.slice(0, quote);
}

function describeReply(reply: Reply): string {
  return reply.lines.join("\n");
}

function expectCode(reply: Reply, code: number): void {
  expect(reply.code, describeReply(reply)).toBe(code);
}

async function transfer(
  control: ControlConnection,
  data: DataConnection,
  command: string,
  upload?: Uint8Array,
): Promise<{ preliminary: Reply; final: Reply; received: Uint8Array }> {
  control.send(command);
  const preliminary = await control.nextReply(command);
  expect([125, 150], describeReply(preliminary)).toContain(preliminary.code);
  let received: Uint8Array = new Uint8Array(0);
  if (upload === undefined) received = await data.receiveAll();
  else await data.sendAll(upload);
  const { final } = await control.finalReply(command);
  expectCode(final, 226);
  return { preliminary, final, received };
}

function text(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

/** Login with a wrong password first, then the right one; some servers want USER again after a 530. */
async function loginWrongThenRight(control: ControlConnection, server: ServerName): Promise<void> {
  expectCode(await control.reply(`USER ${TEST_USER}`), 331);
  const refused = await control.reply("PASS wrong-password");
  expectCode(refused, 530);
  const again = await control.reply(`USER ${TEST_USER}`);
  expectCode(again, TRAITS[server].acceptsUserAfterFailedLogin ? 331 : 530);
  expectCode(await control.reply(`PASS ${TEST_PASSWORD}`), 230);
}

async function loginAnonymous(control: ControlConnection, server: ServerName): Promise<void> {
  const user = await control.reply("USER anonymous");
  // pure-ftpd logs anonymous users in at USER, without asking for a password (RFC 959 §5.4 allows 230 there).
  if (TRAITS[server].anonymousWithoutPassword) {
    expectCode(user, 230);
    return;
  }
  expectCode(user, 331);
  expectCode(await control.reply("PASS interop@example.com"), 230);
}

async function quit(control: ControlConnection): Promise<void> {
  expectCode(await control.reply("QUIT"), 221);
  await control.waitClosed();
}

function expectCleanFraming(control: ControlConnection): void {
  expect(control.parseErrors.map((error) => `${error.type}@${error.offset}`)).toEqual([]);
  expect(control.parseWarnings.map((warning) => `${warning.type}@${warning.offset}`)).toEqual([]);
}

async function userSession(server: RunningServer): Promise<void> {
  const traits = TRAITS[server.name];
  const control = await ControlConnection.connect(server.host, server.port);
  try {
    expectCode(await control.nextReply("the greeting"), 220);
    await loginWrongThenRight(control, server.name);

    const system = await control.reply("SYST");
    expectCode(system, 215);
    expect(parseSystemType(system).name).toBe("UNIX");

    const features = await control.reply("FEAT");
    expectCode(features, 211);
    expect(features.multiline).toBe(true);
    const featureNames = parseFeatures(features).map((feature) => feature.name);
    expect(featureNames.length, describeReply(features)).toBe(features.lines.length - 2);
    for (const name of ["SIZE", "MDTM", ...(traits.listsEpsv ? ["EPSV"] : [])]) {
      expect(featureNames, describeReply(features)).toContain(name);
    }

    // RFC 959 §5.4: HELP is answered 211 or 214 (ftp-srv sends 211).
    const help = await control.reply("HELP");
    expect([211, 214], describeReply(help)).toContain(help.code);
    expect(help.multiline, describeReply(help)).toBe(true);

    const status = await control.reply("STAT");
    expectCode(status, 211);
    expect(status.multiline, describeReply(status)).toBe(traits.multilineStat);
    // STAT with a path lists it over the control connection (RFC 959 §4.1.3): multi-line everywhere.
    const listing = await control.reply(`STAT ${WELCOME_FILE}`);
    expect([211, 212, 213], describeReply(listing)).toContain(listing.code);
    expect(listing.multiline, describeReply(listing)).toBe(true);
    expect(listing.text).toContain(WELCOME_FILE);

    expect(parsePathname(await control.reply("PWD"))).toBe("/");

    const utf8 = await control.reply("OPTS UTF8 ON");
    expect([200, 202, 501, 502, 504], describeReply(utf8)).toContain(utf8.code);
    expectCode(await control.reply("TYPE I"), 200);

    // Folders whose names need care: a quote (doubled in a 257 reply, RFC 959 Appendix II) and UTF-8 (RFC 2640).
    for (const name of [QUOTE_DIRECTORY, UTF8_DIRECTORY]) {
      const created = await control.reply(`MKD ${name}`);
      expectCode(created, 257);
      const made = traits.stripsQuotes ? name.replaceAll('"', "") : name;
      expect(existsSync(join(server.userRoot, made)), describeReply(created)).toBe(true);
      expect(statSync(join(server.userRoot, made)).isDirectory()).toBe(true);
      const named = { absolute: `/${made}`, "as-sent": name, "host-path": join(server.userRoot, made) };
      expect(parsePathname(created)).toBe(expectedPathname(server.name, named[traits.mkdReplies]));
      expectCode(await control.reply(`CWD ${name}`), 250);
      const current = await control.reply("PWD");
      expectCode(current, 257);
      expect(parsePathname(current)).toBe(expectedPathname(server.name, `/${made}`));
      expect([200, 250]).toContain((await control.reply("CDUP")).code);
    }

    // STOR over PASV, checked on disk; SIZE and MDTM against the file itself.
    const store = await control.openPassive("PASV");
    expect(store.target.code).toBe(227);
    expect(store.target.advertisedHost).toBe(server.host);
    await transfer(control, store.data, `STOR ${UPLOAD_FILE}`, UPLOAD_BYTES);
    const onDisk = join(server.userRoot, UPLOAD_FILE);
    expect(new Uint8Array(readFileSync(onDisk))).toEqual(UPLOAD_BYTES);

    const size = await control.reply(`SIZE ${UPLOAD_FILE}`);
    expectCode(size, 213);
    expect(parseSize(size)).toBe(UPLOAD_BYTES.length);
    const modified = await control.reply(`MDTM ${UPLOAD_FILE}`);
    expectCode(modified, 213);
    const mtime = statSync(onDisk).mtime.getTime();
    expect(Math.abs(parseModifyTime(modified).getTime() - mtime), describeReply(modified)).toBeLessThan(
      1_000,
    );

    // LIST over EPSV: the listing names what was created.
    const list = await control.openPassive("EPSV");
    expect(list.target).toMatchObject({ code: 229, host: server.host, advertisedHost: undefined });
    const listed = text((await transfer(control, list.data, "LIST")).received);
    const quoteDirectory = traits.stripsQuotes ? QUOTE_DIRECTORY.replaceAll('"', "") : QUOTE_DIRECTORY;
    for (const name of [UPLOAD_FILE, WELCOME_FILE, quoteDirectory, UTF8_DIRECTORY]) {
      expect(listed).toContain(name);
    }

    // RETR over EPSV, then REST + RETR over PASV: the bytes come back exactly.
    const download = await control.openPassive("EPSV");
    expect((await transfer(control, download.data, `RETR ${UPLOAD_FILE}`)).received).toEqual(UPLOAD_BYTES);
    expectCode(await control.reply(`REST ${RESTART_AT}`), 350);
    const resumed = await control.openPassive("PASV");
    const rest = await transfer(control, resumed.data, `RETR ${UPLOAD_FILE}`);
    expect(rest.received).toEqual(UPLOAD_BYTES.subarray(RESTART_AT));

    const unknown = await control.reply("XYZZY");
    expect([500, 502], describeReply(unknown)).toContain(unknown.code);

    await quit(control);
    expectCleanFraming(control);
    // Only a session that passed every check becomes a fixture.
    saveSession(server, "user", control);
  } finally {
    control.destroy();
  }
}

async function anonymousSession(server: RunningServer): Promise<void> {
  const control = await ControlConnection.connect(server.host, server.port);
  try {
    expectCode(await control.nextReply("the greeting"), 220);
    await loginAnonymous(control, server.name);
    expect(parsePathname(await control.reply("PWD"))).toBe("/");
    expectCode(await control.reply("TYPE I"), 200);
    const list = await control.openPassive("EPSV");
    expect(text((await transfer(control, list.data, "LIST")).received)).toContain(WELCOME_FILE);
    const download = await control.openPassive("PASV");
    const welcome = await transfer(control, download.data, `RETR ${WELCOME_FILE}`);
    expect(text(welcome.received)).toBe(WELCOME_TEXT);
    await quit(control);
    expectCleanFraming(control);
    // Only a session that passed every check becomes a fixture.
    saveSession(server, "anonymous", control);
  } finally {
    control.destroy();
  }
}

/**
 * An 8 KiB command line, then PWD until one is answered: the server refuses the line, cuts it, drops it, or hangs
 * up, and the framing of what it sends must stay intact. proftpd drops the rest of a read that held an over-long
 * line (a command sent with it included), so PWD is repeated, each waiting a short while, until one is answered.
 * PWD's 257 cannot be confused with an answer to the long `NOOP …` line.
 */
async function longLineSession(server: RunningServer): Promise<void> {
  const control = await ControlConnection.connect(server.host, server.port);
  try {
    expectCode(await control.nextReply("the greeting"), 220);
    await loginAnonymous(control, server.name);
    control.send(LONG_LINE);
    const answers: Reply[] = [];
    // The first round sends nothing: a server that hangs up on the line gets to say why before more bytes arrive
    // (bytes it never reads would make its close a reset, and the reset can discard its last reply).
    for (let probe = 0; probe <= PROBES && !control.closed && answers.at(-1)?.code !== 257; probe++) {
      if (probe > 0) control.send("PWD");
      for (;;) {
        const reply = await control.nextReplyWithin(PROBE_WAIT_MS);
        if (reply === undefined) break;
        answers.push(reply);
        if (reply.code === 257) break;
      }
    }
    const codes = answers.map((reply) => reply.code);
    if (TRAITS[server.name].closesOnLongLine) {
      expect(control.closed, JSON.stringify(codes)).toBe(true);
      // It says why before it goes: a 5xx, or 421 (closing).
      expect(codes, JSON.stringify(codes)).not.toContain(257);
      for (const code of codes) expect([421, 500, 501], JSON.stringify(codes)).toContain(code);
    } else {
      expect(control.closed, JSON.stringify(codes)).toBe(false);
      expect(codes.at(-1), JSON.stringify(codes)).toBe(257);
      // Before it: an error for the long line, or a 200 for it cut down to a NOOP with a long argument.
      for (const code of codes.slice(0, -1)) expect([200, 500, 501], JSON.stringify(codes)).toContain(code);
      // A PWD answered late is answered before QUIT's 221.
      control.send("QUIT");
      let reply = await control.nextReply("QUIT");
      while (reply.code === 257) reply = await control.nextReply("QUIT");
      expectCode(reply, 221);
      await control.waitClosed();
    }
    expectCleanFraming(control);
    // Only a session that passed every check becomes a fixture.
    saveSession(server, "long-line", control);
  } finally {
    control.destroy();
  }
}

/** Runs the example client as a user would, from the package root so `ftp-reply` resolves to ./dist. */
async function runExampleClient(
  address: string,
  output: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  if (!existsSync(BUILT_ENTRY)) {
    throw new Error(`${BUILT_ENTRY} is missing: run \`npm run build\` first (\`npm test\` does)`);
  }
  const child = spawn(process.execPath, [EXAMPLE_CLIENT, address, output], {
    stdio: ["ignore", "pipe", "pipe"],
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

for (const name of SERVER_NAMES) {
  const problem = name === "ftp-srv" ? undefined : debianServerProblem(name);
  if (problem !== undefined) {
    const message = `${name} CANNOT RUN: ${problem}`;
    console.error(`\n!!!!!!!!!! interop: ${message} !!!!!!!!!!\n`);
    if (IN_CI) {
      test(`${name} is installed (required when CI=true)`, () => {
        throw new Error(message);
      });
    } else {
      describe.skip(`${name} (not installed: ${problem})`, () => {
        test("sessions", () => {});
      });
    }
    continue;
  }

  describe(`interop with ${name}`, () => {
    let server: RunningServer;
    beforeAll(async () => {
      server = await startServer(name);
    });
    afterAll(async () => {
      await server?.stop();
    });

    test("user session: login after a wrong password, FEAT, STAT, MKD/CWD, STOR, SIZE, MDTM, LIST, RETR, REST", async () => {
      await userSession(server);
    });

    test("anonymous session: login, PWD, EPSV LIST, PASV RETR", async () => {
      await anonymousSession(server);
    });

    test("an over-long command line", async () => {
      await longLineSession(server);
    });

    test("the example client (examples/client.mjs, on the built package) downloads a file", async () => {
      const work = mkdtempSync(join(tmpdir(), "ftp-reply-example-"));
      try {
        const binary = join(work, SAMPLE_FILE);
        const asUser = await runExampleClient(
          `ftp://${TEST_USER}:${TEST_PASSWORD}@${server.host}:${server.port}/${SAMPLE_FILE}`,
          binary,
        );
        expect(asUser.code, asUser.stderr).toBe(0);
        expect(asUser.stdout).toContain(SAMPLE_FILE);
        expect(new Uint8Array(readFileSync(binary))).toEqual(SAMPLE_BYTES);
        // The dialogue it printed came through the parser: the 226 of both transfers and the 221.
        expect(asUser.stderr).toMatch(/^< 226[ -]/m);
        expect(asUser.stderr).toMatch(/^< 221[ -]/m);

        const welcome = join(work, WELCOME_FILE);
        const anonymous = await runExampleClient(
          `ftp://${server.host}:${server.port}/${WELCOME_FILE}`,
          welcome,
        );
        expect(anonymous.code, anonymous.stderr).toBe(0);
        expect(readFileSync(welcome, "utf8")).toBe(WELCOME_TEXT);
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    });
  });
}
