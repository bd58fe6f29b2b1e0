import { readFileSync } from "node:fs";
import { join } from "node:path";
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
