import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import type { Exchange } from "../../../src/connection/index.js";
import {
  type ReadTranscriptOptions,
  readTranscript,
  type TranscriptFormatName,
  type TranscriptProblem,
} from "../../../src/node/transcripts/index.js";
import type { ConnectionInfo } from "../../../src/records.js";

const LOGS = join(import.meta.dirname, "../../../fixtures/logs");

export function fixturePath(name: string): string {
  return join(LOGS, name);
}

export function fixtureText(name: string): string {
  return readFileSync(fixturePath(name), "latin1");
}

/** Yields `bytes` in chunks of the given sizes (cycled), to check that chunking changes nothing. */
async function* chunked(bytes: Uint8Array, sizes: readonly number[] = [bytes.length || 1]) {
  let at = 0;
  let i = 0;
  while (at < bytes.length) {
    const size = Math.max(1, sizes[i++ % sizes.length]!);
    yield bytes.subarray(at, at + size);
    at += size;
  }
}

export interface ReadResult {
  format: TranscriptFormatName;
  lines: number;
  exchanges: Exchange[];
  conns: ConnectionInfo[];
  problems: TranscriptProblem[];
}

export async function read(
  input: Uint8Array | string,
  options: Partial<ReadTranscriptOptions> = {},
  sizes?: readonly number[],
): Promise<ReadResult> {
  const bytes = typeof input === "string" ? new TextEncoder().encode(input) : input;
  const exchanges: Exchange[] = [];
  const conns: ConnectionInfo[] = [];
  const problems: TranscriptProblem[] = [];
  const { format, lines } = await readTranscript(chunked(bytes, sizes), {
    ...options,
    onExchange: (exchange, conn) => {
      exchanges.push(exchange);
      conns.push(conn);
    },
    onProblem: (problem) => problems.push(problem),
  });
  return { format, lines, exchanges, conns, problems };
}

export async function readFixture(
  name: string,
  options: Partial<ReadTranscriptOptions> = {},
): Promise<ReadResult> {
  return read(new Uint8Array(readFileSync(fixturePath(name))), options);
}

/** The dialogue as `C: …` / `S: …` lines: each command, then every line of every reply, in order. */
export function flatten(exchanges: readonly Exchange[]): string[] {
  const out: string[] = [];
  for (const exchange of exchanges) {
    if (exchange.command !== undefined) out.push(`C: ${exchange.command.line}`);
    for (const reply of exchange.replies) for (const line of reply.lines) out.push(`S: ${line}`);
  }
  return out;
}

/** A command line and the code of its final reply, as the capture references hold them. */
export type Pair = [command: string, code: number | null];

/**
 * A command as compared with a capture: PASS by its verb (each log shows its own mask: ftplib `**********`,
 * vsftpd `<password>`, ProFTPD `(hidden)`), the Telnet IP/DM before ABOR removed (the wire has them; a
 * server's parser drops them, RFC 854).
 */
export function normaliseCommand(command: string): string {
  const line = command.replace(/\xff[\xf0-\xfe]/g, "");
  return /^PASS( |$)/i.test(line) ? "PASS" : line;
}

/** One session of a log, as a test compares it with one stream of a capture. */
export interface LogSession {
  conn: ConnectionInfo;
  greeting: number | undefined;
  exchanges: Pair[];
  /** Every final reply after the greeting, in order. */
  finals: number[];
}

/** The log's sessions, in the order their first exchange came, by uid (each uid Zeek-shaped). */
export function sessionsOf(exchanges: readonly Exchange[], conns: readonly ConnectionInfo[]): LogSession[] {
  const byUid = new Map<string, LogSession>();
  exchanges.forEach((exchange, i) => {
    const conn = conns[i]!;
    expect(conn.uid).toMatch(/^C[0-9A-Za-z]{12}$/);
    let session = byUid.get(conn.uid!);
    if (session === undefined) {
      session = { conn, greeting: undefined, exchanges: [], finals: [] };
      byUid.set(conn.uid!, session);
    }
    if (exchange.kind === "greeting") session.greeting = exchange.final?.code;
    else if (exchange.final !== undefined) session.finals.push(exchange.final.code);
    if (exchange.command !== undefined)
      session.exchanges.push([normaliseCommand(exchange.command.line), exchange.final?.code ?? null]);
  });
  return [...byUid.values()];
}

/** One TCP stream of a capture's reference (scripts/ftp-reference.py: tshark's followed streams, paired). */
export interface CaptureStream {
  stream: number;
  greeting: number | null;
  exchanges: Pair[];
  /** Every final reply code after the greeting, in order (in references made since it was added). */
  finals: number[];
}

/** `<folder>/<name>.reference.json`. */
export function captureReference(folder: string, name: string): CaptureStream[] {
  return JSON.parse(readFileSync(fixturePath(`${folder}/${name}.reference.json`), "utf8")) as CaptureStream[];
}

/** A stream's pairs with its commands compared as `normaliseCommand` does. */
export function expectedOf(stream: CaptureStream): Pair[] {
  return stream.exchanges.map(([command, code]) => [normaliseCommand(command), code]);
}
