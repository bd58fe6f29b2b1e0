/**
 * Where the interop sessions' real bytes are kept: fixtures/servers/<server>/<session>.replies (the exact
 * server→client bytes) and <session>.transcript.txt (`C:`/`S:` lines), with VERSION and README.md.
 * The main session is saved as replies.bin and transcript.txt.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ControlConnection } from "./control.js";
import type { RunningServer, ServerName } from "./servers.js";

export const FIXTURES_ROOT = "fixtures/servers";
/** Set to 1 to (re)write the fixtures from a run; a normal run never touches them. */
const RECORDING = process.env.FTP_REPLY_RECORD === "1";

export type SessionName = "user" | "anonymous" | "long-line";
export const SESSION_NAMES: readonly SessionName[] = ["user", "anonymous", "long-line"];

export function repliesPath(server: ServerName, session: SessionName): string {
  return join(FIXTURES_ROOT, server, session === "user" ? "replies.bin" : `${session}.replies.bin`);
}

export function transcriptPath(server: ServerName, session: SessionName): string {
  return join(FIXTURES_ROOT, server, session === "user" ? "transcript.txt" : `${session}.transcript.txt`);
}

const SESSION_DESCRIPTIONS: Record<SessionName, string> = {
  user: "the full scripted session as the test user (replies.bin, transcript.txt)",
  anonymous: "an anonymous login, PWD, EPSV LIST and PASV RETR (anonymous.*)",
  "long-line":
    "an 8 KiB command line, then PWD until one is answered, after an anonymous login (long-line.*)",
};

const ORIGINS: Record<ServerName, string> = {
  "ftp-srv": "ftp-srv (npm package, run in the test process)",
  vsftpd: "vsftpd (Debian bookworm package, unpacked by .ci/install-servers.sh)",
  proftpd: "proftpd-core (Debian bookworm package, unpacked by .ci/install-servers.sh)",
  "pure-ftpd": "pure-ftpd (Debian bookworm package, unpacked by .ci/install-servers.sh)",
};

/** Writes one session's bytes and transcript (only in record mode). */
export function saveSession(
  server: RunningServer,
  session: SessionName,
  connection: ControlConnection,
): void {
  if (!RECORDING) return;
  const folder = join(FIXTURES_ROOT, server.name);
  if (!existsSync(folder)) mkdirSync(folder, { recursive: true });
  writeFileSync(repliesPath(server.name, session), connection.receivedBytes());
  writeFileSync(transcriptPath(server.name, session), `${connection.transcript.join("\n")}\n`);
  writeFileSync(join(folder, "VERSION"), `${server.version}\n`);
  const lines = [
    `# ${server.name} ${server.version}`,
    "",
    `Recorded from ${ORIGINS[server.name]} on 127.0.0.1 by \`FTP_REPLY_RECORD=1 npx vitest run test/interop/interop.test.ts\`` +
      ` (test/interop/), ${new Date().toISOString().slice(0, 10)}. The *.bin files are the server→client bytes`,
    "exactly as received; the transcripts interleave the commands sent (`C:`) with the reply lines (`S:`).",
    "",
    ...SESSION_NAMES.map((name) => `- ${SESSION_DESCRIPTIONS[name]}`),
    "",
  ];
  writeFileSync(join(folder, "README.md"), lines.join("\n"));
}
