/**
 * Starts real FTP servers on 127.0.0.1 for the interop tests: ftp-srv (npm, in this process) and vsftpd,
 * proftpd and pure-ftpd (Debian packages unpacked into /opt/ftp-servers by .ci/install-servers.sh), each on a
 * random high port with a throwaway configuration in a temporary folder, and stops them by process group id.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FtpSrv } from "ftp-srv";

const HOST = "127.0.0.1";
const SERVERS_ROOT = process.env.FTP_SERVERS_ROOT ?? "/opt/ftp-servers";
/** The account .ci/install-servers.sh creates; the password only guards throwaway servers on 127.0.0.1. */
export const TEST_USER = "ftpreply";
export const TEST_PASSWORD = "ftpreply-test-only";
/** pure-ftpd serves the home of the system account `ftp` to anonymous users. */
const ANON_HOME = "/srv/ftp";
const VSFTPD_PAM_SERVICE = "ftp-reply-vsftpd";

export type ServerName = "ftp-srv" | "vsftpd" | "proftpd" | "pure-ftpd";
export const SERVER_NAMES: readonly ServerName[] = ["ftp-srv", "vsftpd", "proftpd", "pure-ftpd"];
export type DebianServerName = Exclude<ServerName, "ftp-srv">;

export interface RunningServer {
  readonly name: ServerName;
  /** The version as packaged (Debian package version, or the npm version). */
  readonly version: string;
  readonly host: string;
  readonly port: number;
  /** Folder on this machine that the test user sees as `/` after login. */
  readonly userRoot: string;
  /** Folder on this machine that anonymous users see as `/`. */
  readonly anonRoot: string;
  /** What the server printed (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

/** The binary of a Debian server, and why it cannot run here (undefined when it can). */
export function debianServerProblem(name: DebianServerName): string | undefined {
  const binary = join(SERVERS_ROOT, name, "usr/sbin", name);
  if (!existsSync(binary)) return `${binary} is missing: run \`bash .ci/install-servers.sh\` as root`;
  if (process.getuid?.() !== 0) return `${name} must be started as root (it switches to the test accounts)`;
  for (const account of ["ftp", TEST_USER]) {
    if (accountIds(account) === undefined) {
      return `the account ${account} is missing: run \`bash .ci/install-servers.sh\` as root`;
    }
  }
  return undefined;
}

function accountIds(name: string): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync("id", ["-u", name], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", name], { encoding: "utf8" }).trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

function versionOf(name: ServerName): string {
  if (name === "ftp-srv") {
    const manifest = JSON.parse(readFileSync("node_modules/ftp-srv/package.json", "utf8")) as {
      version: string;
    };
    return manifest.version;
  }
  return readFileSync(join(SERVERS_ROOT, name, "VERSION"), "utf8").trim();
}

/** A free port in 30000–39999 (checked by binding it), optionally with `span - 1` free ports after it. */
async function freePort(span = 1): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const first = 30_000 + Math.floor(Math.random() * (10_000 - span));
    let free = true;
    for (let port = first; port < first + span && free; port++) free = await canBind(port);
    if (free) return first;
  }
  throw new Error("no free port range in 30000–39999");
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, HOST, () => probe.close(() => resolve(true)));
  });
}

/** Waits until something accepts TCP connections on the port (and closes the probe connection at once). */
async function waitListening(
  port: number,
  child: ChildProcess | undefined,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child !== undefined && child.exitCode !== null) {
      throw new Error(`the server exited with code ${child.exitCode} before listening:\n${output()}`);
    }
    const connected = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: HOST, port });
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (connected) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nothing listens on ${HOST}:${port} after 15 s:\n${output()}`);
}

/** Process groups of the servers still running: killed if the test process exits without stopping them. */
const running = new Set<number>();
process.once("exit", () => {
  for (const pid of running) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
});

/** The folders a session works in. Both roots hold `welcome.txt`; the anonymous root a writable `incoming/`. */
interface Layout {
  base: string;
  userRoot: string;
  anonRoot: string;
}

export const WELCOME_FILE = "welcome.txt";
/** The same bytes .ci/install-servers.sh writes to /srv/ftp/welcome.txt for pure-ftpd's anonymous users. */
export const WELCOME_TEXT = "Welcome to the ftp-reply interop test.\r\n";
/** A binary file in the user root that the example client downloads. */
export const SAMPLE_FILE = "sample.bin";

/** Deterministic bytes of every value, not a multiple of any buffer size, so a lost or added byte shows. */
export function patternBytes(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    // xorshift32
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[i] = state & 0xff;
  }
  return bytes;
}

export const SAMPLE_BYTES = patternBytes(150_001, 5);

function makeLayout(name: ServerName, owned: boolean): Layout {
  const base = mkdtempSync(join(tmpdir(), `ftp-reply-${name}-`));
  // mkdtemp makes the folder 0700: the servers drop to the test accounts and must be able to enter it.
  chmodSync(base, 0o755);
  const userRoot = join(base, "user");
  const anonRoot = join(base, "anon");
  mkdirSync(userRoot);
  mkdirSync(join(anonRoot, "incoming"), { recursive: true });
  writeFileSync(join(userRoot, WELCOME_FILE), WELCOME_TEXT);
  writeFileSync(join(userRoot, SAMPLE_FILE), SAMPLE_BYTES);
  writeFileSync(join(anonRoot, WELCOME_FILE), WELCOME_TEXT);
  if (owned) {
    const user = accountIds(TEST_USER)!;
    const ftp = accountIds("ftp")!;
    chownSync(userRoot, user.uid, user.gid);
    chownSync(join(userRoot, WELCOME_FILE), user.uid, user.gid);
    chownSync(join(userRoot, SAMPLE_FILE), user.uid, user.gid);
    // vsftpd refuses an anonymous root the anonymous user can write to: only incoming/ is writable.
    chownSync(join(anonRoot, "incoming"), ftp.uid, ftp.gid);
  }
  return { base, userRoot, anonRoot };
}

/** A self-signed certificate for 127.0.0.1, made with `openssl` (for AUTH TLS). */
export interface TlsFiles {
  readonly cert: string;
  readonly key: string;
  /** Key and certificate in one file (pure-ftpd's --certfile, pyftpdlib's certfile). */
  readonly combined: string;
  readonly folder: string;
}

/** Makes a throwaway key and self-signed certificate (CN and subjectAltName 127.0.0.1) in a temporary folder. */
export function makeTlsFiles(): TlsFiles {
  const folder = mkdtempSync(join(tmpdir(), "ftp-reply-tls-"));
  chmodSync(folder, 0o755);
  const cert = join(folder, "cert.pem");
  const key = join(folder, "key.pem");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "2",
      "-subj",
      `/CN=${HOST}`,
      "-addext",
      `subjectAltName=IP:${HOST}`,
      "-keyout",
      key,
      "-out",
      cert,
    ],
    { stdio: "ignore" },
  );
  const combined = join(folder, "combined.pem");
  writeFileSync(combined, readFileSync(key, "utf8") + readFileSync(cert, "utf8"), { mode: 0o600 });
  // The servers read the key as root before dropping privileges (pyftpdlib stays root).
  chmodSync(key, 0o600);
  return { cert, key, combined, folder };
}

export interface ServerOptions {
  /** Offer AUTH TLS (RFC 4217) with this certificate; TLS stays optional for clients. */
  tls?: TlsFiles | undefined;
}

export async function startServer(name: ServerName, options: ServerOptions = {}): Promise<RunningServer> {
  const tls = options.tls;
  switch (name) {
    case "ftp-srv":
      return startFtpSrv(tls);
    case "vsftpd":
      return startChild(name, (layout, port, passive) => {
        const empty = join(layout.base, "empty");
        mkdirSync(empty, { mode: 0o755 });
        const config = join(layout.base, "vsftpd.conf");
        writeFileSync(
          config,
          [
            "listen=YES",
            "listen_ipv6=NO",
            `listen_address=${HOST}`,
            `listen_port=${port}`,
            // Stay in the foreground: we own the process and stop it by its id.
            "background=NO",
            "anonymous_enable=YES",
            `anon_root=${layout.anonRoot}`,
            "anon_upload_enable=YES",
            "anon_mkdir_write_enable=YES",
            "write_enable=YES",
            "local_enable=YES",
            `local_root=${layout.userRoot}`,
            "chroot_local_user=YES",
            "allow_writeable_chroot=YES",
            `pam_service_name=${VSFTPD_PAM_SERVICE}`,
            `secure_chroot_dir=${empty}`,
            "nopriv_user=nobody",
            "ftp_username=ftp",
            "pasv_enable=YES",
            `pasv_min_port=${passive}`,
            `pasv_max_port=${passive + PASSIVE_SPAN - 1}`,
            // The seccomp sandbox needs kernel features containers often lack; the test does not depend on it.
            "seccomp_sandbox=NO",
            "xferlog_enable=NO",
            "vsftpd_log_file=/dev/null",
            "utf8_filesystem=YES",
            ...(tls === undefined
              ? []
              : [
                  "ssl_enable=YES",
                  "allow_anon_ssl=YES",
                  "force_local_logins_ssl=NO",
                  "force_local_data_ssl=NO",
                  "force_anon_logins_ssl=NO",
                  "force_anon_data_ssl=NO",
                  // Node reuses the control connection's TLS session only when the server issued a ticket in time.
                  "require_ssl_reuse=NO",
                  "ssl_ciphers=HIGH",
                  `rsa_cert_file=${tls.cert}`,
                  `rsa_private_key_file=${tls.key}`,
                ]),
            "",
          ].join("\n"),
        );
        return { args: [config], anonRoot: layout.anonRoot };
      });
    case "proftpd":
      return startChild(name, (layout, port, passive) => {
        const run = join(layout.base, "run");
        mkdirSync(run);
        const config = join(layout.base, "proftpd.conf");
        writeFileSync(
          config,
          [
            "ServerType standalone",
            'ServerName "ftp-reply interop"',
            `Port ${port}`,
            `DefaultAddress ${HOST}`,
            // Bind only 127.0.0.1, not every address.
            "SocketBindTight on",
            "UseIPv6 off",
            "User nobody",
            "Group nogroup",
            "Umask 022",
            `PassivePorts ${passive} ${passive + PASSIVE_SPAN - 1}`,
            `PidFile ${join(run, "proftpd.pid")}`,
            `ScoreboardFile ${join(run, "scoreboard")}`,
            "DelayTable none",
            "WtmpLog off",
            "TransferLog none",
            "UseReverseDNS off",
            // The test accounts have no login shell.
            "RequireValidShell off",
            "AuthOrder mod_auth_unix.c",
            "AllowOverwrite on",
            ...(tls === undefined
              ? []
              : [
                  // mod_tls ships in proftpd-mod-crypto, unpacked beside proftpd by .ci/install-servers.sh.
                  `ModulePath ${join(SERVERS_ROOT, "proftpd", "usr/lib/proftpd")}`,
                  "LoadModule mod_tls.c",
                  "TLSEngine on",
                  "TLSRequired off",
                  "TLSProtocol TLSv1.2 TLSv1.3",
                  `TLSRSACertificateFile ${tls.cert}`,
                  `TLSRSACertificateKeyFile ${tls.key}`,
                  "TLSOptions NoSessionReuseRequired",
                ]),
            `DefaultRoot ${layout.userRoot}`,
            `<Anonymous ${layout.anonRoot}>`,
            "  User ftp",
            "  Group ftp",
            "  UserAlias anonymous ftp",
            "  RequireValidShell off",
            "  <Directory incoming>",
            "    <Limit WRITE>",
            "      AllowAll",
            "    </Limit>",
            "  </Directory>",
            "</Anonymous>",
            "",
          ].join("\n"),
        );
        return { args: ["-n", "-c", config], anonRoot: layout.anonRoot };
      });
    case "pure-ftpd":
      return startChild(name, (layout, port, passive) => {
        // A virtual user (puredb) whose home is the throwaway user root, mapped to the test account's uid.
        const ids = accountIds(TEST_USER)!;
        const hash = execFileSync("openssl", ["passwd", "-6", "-stdin"], {
          input: `${TEST_PASSWORD}\n`,
          encoding: "utf8",
        }).trim();
        const passwd = join(layout.base, "pureftpd.passwd");
        const database = join(layout.base, "pureftpd.pdb");
        writeFileSync(
          passwd,
          `${TEST_USER}:${hash}:${ids.uid}:${ids.gid}::${layout.userRoot}/./::::::::::::\n`,
          {
            mode: 0o600,
          },
        );
        execFileSync(join(SERVERS_ROOT, "pure-ftpd", "usr/bin/pure-pw"), ["mkdb", database, "-f", passwd], {
          env: libraryEnv("pure-ftpd"),
        });
        return {
          args: [
            "--bind",
            `${HOST},${port}`,
            "--passiveportrange",
            `${passive}:${passive + PASSIVE_SPAN - 1}`,
            "--login",
            `puredb:${database}`,
            "--chrooteveryone",
            "--dontresolve",
            "--anonymouscancreatedirs",
            "--pidfile",
            join(layout.base, "pure-ftpd.pid"),
            ...(tls === undefined ? [] : ["--tls", "1", "--certfile", tls.combined]),
          ],
          // pure-ftpd has no setting for it: anonymous users get the home of the `ftp` account.
          anonRoot: ANON_HOME,
        };
      });
  }
}

const PASSIVE_SPAN = 20;

function libraryEnv(name: DebianServerName): NodeJS.ProcessEnv {
  const file = join(SERVERS_ROOT, name, "LD_LIBRARY_PATH");
  const path = existsSync(file) ? readFileSync(file, "utf8").trim() : "";
  return { ...process.env, LD_LIBRARY_PATH: path };
}

async function startChild(
  name: DebianServerName,
  configure: (layout: Layout, port: number, passive: number) => { args: string[]; anonRoot: string },
): Promise<RunningServer> {
  const problem = debianServerProblem(name);
  if (problem !== undefined) throw new Error(problem);
  const layout = makeLayout(name, true);
  const port = await freePort();
  const passive = await freePort(PASSIVE_SPAN);
  const { args, anonRoot } = configure(layout, port, passive);
  const binary = join(SERVERS_ROOT, name, "usr/sbin", name);
  // Its own process group: stopping the group also stops the per-session processes the server forked.
  const child = spawn(binary, args, {
    env: libraryEnv(name),
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${binary}`);
  running.add(pid);
  let printed = "";
  child.stdout.on("data", (chunk: Buffer) => {
    printed += chunk.toString("utf8");
  });
  child.stderr.on("data", (chunk: Buffer) => {
    printed += chunk.toString("utf8");
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-pid, "SIGTERM");
      } catch {
        // Already gone.
      }
      const killed = await Promise.race([
        exited.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 5_000)),
      ]);
      if (!killed) process.kill(-pid, "SIGKILL");
      await exited;
    }
    // Session processes may outlive the master for a moment; the group id is ours alone.
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // The whole group is gone.
    }
    running.delete(pid);
    rmSync(layout.base, { recursive: true, force: true });
  };
  try {
    await waitListening(port, child, () => printed);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    name,
    version: versionOf(name),
    host: HOST,
    port,
    userRoot: layout.userRoot,
    anonRoot,
    output: () => printed,
    stop,
  };
}

async function startFtpSrv(tls?: TlsFiles): Promise<RunningServer> {
  const layout = makeLayout("ftp-srv", false);
  const port = await freePort();
  const passive = await freePort(PASSIVE_SPAN);
  const logged: string[] = [];
  const record =
    (level: string) =>
    (...parts: unknown[]) => {
      logged.push(
        `${level}: ${parts.map((part) => (typeof part === "string" ? part : JSON.stringify(part))).join(" ")}`,
      );
    };
  const log = {
    trace: () => {},
    debug: () => {},
    info: () => {},
    warn: record("warn"),
    error: record("error"),
    fatal: record("fatal"),
    child() {
      return log;
    },
  };
  const server = new FtpSrv({
    url: `ftp://${HOST}:${port}`,
    pasv_url: HOST,
    pasv_min: passive,
    pasv_max: passive + PASSIVE_SPAN - 1,
    anonymous: true,
    greeting: ["ftp-srv for the ftp-reply interop test"],
    ...(tls === undefined ? {} : { tls: { key: readFileSync(tls.key), cert: readFileSync(tls.cert) } }),
    // biome-ignore lint/suspicious/noExplicitAny: ftp-srv types its logger as bunyan's.
    log: log as any,
  });
  server.on(
    "login",
    (
      { username, password }: { username: string; password: string },
      resolve: (config: { root: string }) => void,
      reject: (error: Error) => void,
    ) => {
      if (username === "anonymous") resolve({ root: layout.anonRoot });
      else if (username === TEST_USER && password === TEST_PASSWORD) resolve({ root: layout.userRoot });
      else reject(new Error("Login incorrect"));
    },
  );
  await server.listen();
  return {
    name: "ftp-srv",
    version: versionOf("ftp-srv"),
    host: HOST,
    port,
    userRoot: layout.userRoot,
    anonRoot: layout.anonRoot,
    output: () => logged.join("\n"),
    stop: async () => {
      await server.close();
      rmSync(layout.base, { recursive: true, force: true });
    },
  };
}

// ───────────────────────────── pyftpdlib (client tests) ─────────────────────────────

/** Debian's python3-pyftpdlib belongs to this interpreter (.ci/install-pyftpdlib.sh). */
const DEBIAN_PYTHON = "/usr/bin/python3";

/** The servers the client tests run against: the four above and pyftpdlib. */
export type ClientServerName = ServerName | "pyftpdlib";
export const CLIENT_SERVER_NAMES: readonly ClientServerName[] = [...SERVER_NAMES, "pyftpdlib"];
export type ClientServer = Omit<RunningServer, "name"> & { readonly name: ClientServerName };

/** Why pyftpdlib cannot run here (undefined when it can). */
export function pyftpdlibProblem(): string | undefined {
  try {
    execFileSync(DEBIAN_PYTHON, ["-c", "import pyftpdlib, OpenSSL"], { stdio: "ignore" });
    return undefined;
  } catch {
    return `${DEBIAN_PYTHON} cannot import pyftpdlib: run \`bash .ci/install-pyftpdlib.sh\` as root`;
  }
}

/** Why a server of the client tests cannot run here (undefined when it can). */
export function clientServerProblem(name: ClientServerName): string | undefined {
  if (name === "ftp-srv") return undefined;
  if (name === "pyftpdlib") return pyftpdlibProblem();
  return debianServerProblem(name);
}

const PYFTPDLIB_SCRIPT = `
import sys, logging
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer
host, port, low, high, user, password, user_root, anon_root, cert = sys.argv[1:10]
logging.basicConfig(level=logging.WARNING)
authorizer = DummyAuthorizer()
authorizer.add_user(user, password, user_root, perm="elradfmwMT")
authorizer.add_anonymous(anon_root)
handler = FTPHandler
if cert:
    from pyftpdlib.handlers import TLS_FTPHandler
    handler = TLS_FTPHandler
    handler.certfile = cert
    handler.tls_control_required = False
    handler.tls_data_required = False
handler.authorizer = authorizer
handler.banner = "pyftpdlib for the ftp-reply interop test"
handler.passive_ports = range(int(low), int(high) + 1)
server = FTPServer((host, int(port)), handler)
server.serve_forever()
`;

export async function startClientServer(
  name: ClientServerName,
  options: ServerOptions = {},
): Promise<ClientServer> {
  if (name !== "pyftpdlib") return startServer(name, options);
  const layout = makeLayout("ftp-srv", false);
  const port = await freePort();
  const passive = await freePort(PASSIVE_SPAN);
  const args = [
    "-c",
    PYFTPDLIB_SCRIPT,
    HOST,
    String(port),
    String(passive),
    String(passive + PASSIVE_SPAN - 1),
    TEST_USER,
    TEST_PASSWORD,
    layout.userRoot,
    layout.anonRoot,
    options.tls?.combined ?? "",
  ];
  const child = spawn(DEBIAN_PYTHON, args, { detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const pid = child.pid;
  if (pid === undefined) throw new Error("could not start pyftpdlib");
  running.add(pid);
  let printed = "";
  child.stdout.on("data", (chunk: Buffer) => {
    printed += chunk.toString("utf8");
  });
  child.stderr.on("data", (chunk: Buffer) => {
    printed += chunk.toString("utf8");
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // Already gone.
    }
    await exited;
    running.delete(pid);
    rmSync(layout.base, { recursive: true, force: true });
  };
  try {
    await waitListening(port, child, () => printed);
  } catch (error) {
    await stop();
    throw error;
  }
  const version = execFileSync(DEBIAN_PYTHON, ["-c", "import pyftpdlib; print(pyftpdlib.__ver__)"], {
    encoding: "utf8",
  }).trim();
  return {
    name: "pyftpdlib",
    version,
    host: HOST,
    port,
    userRoot: layout.userRoot,
    anonRoot: layout.anonRoot,
    output: () => printed,
    stop,
  };
}
