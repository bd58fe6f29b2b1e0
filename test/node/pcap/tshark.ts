/**
 * Readers for tshark's committed reference outputs in fixtures/pcap/ (made by scripts/tshark-references.sh).
 */
import { readFileSync } from "node:fs";

export interface FollowedStream {
  stream: number;
  /** `Node 0` and `Node 1` endpoints as tshark prints them (`10.21.0.2:33518`, `[fd21::2]:40000`). */
  nodes: [string, string];
  /** The bytes each node sent, in tshark's order. */
  bytes: [Uint8Array, Uint8Array];
  /** Each chunk tshark printed, in order: which node, how many bytes. */
  chunks: Array<[0 | 1, number]>;
}

function hexToBytes(hex: string): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < hex.length; i += 2) out.push(Number.parseInt(hex.slice(i, i + 2), 16));
  return out;
}

/** Parses the output of `tshark -q -z follow,tcp,raw,N` (several streams concatenated). */
export function readFollowFile(path: string): Map<number, FollowedStream> {
  const streams = new Map<number, FollowedStream>();
  let current:
    | { stream: number; nodes: string[]; data: [number[], number[]]; chunks: Array<[0 | 1, number]> }
    | undefined;
  const flush = () => {
    if (current === undefined) return;
    streams.set(current.stream, {
      stream: current.stream,
      nodes: [current.nodes[0] ?? "", current.nodes[1] ?? ""],
      bytes: [new Uint8Array(current.data[0]), new Uint8Array(current.data[1])],
      chunks: current.chunks,
    });
    current = undefined;
  };
  for (const line of readFileSync(path, "latin1").split("\n")) {
    if (line.startsWith("=====")) {
      flush();
      continue;
    }
    const filter = /^Filter: tcp\.stream eq (\d+)$/.exec(line);
    if (filter) {
      current = { stream: Number(filter[1]), nodes: [], data: [[], []], chunks: [] };
      continue;
    }
    if (current === undefined || line === "" || line.startsWith("Follow:")) continue;
    const node = /^Node ([01]): (.*)$/.exec(line);
    if (node) {
      current.nodes[Number(node[1])] = node[2]!;
      continue;
    }
    const side: 0 | 1 = line.startsWith("\t") ? 1 : 0;
    const bytes = hexToBytes(line.trim());
    current.data[side].push(...bytes);
    current.chunks.push([side, bytes.length]);
  }
  flush();
  return streams;
}

export interface DissectorRow {
  frame: number;
  stream: number;
  sourcePort: number;
  destinationPort: number;
  requestCommand: string[];
  requestArg: string[];
  responseCode: string[];
  responseArg: string[];
}

/** Parses NAME.ftp.tsv: tshark's FTP dissector fields, one row per FTP packet. */
export function readDissectorFile(path: string): DissectorRow[] {
  const lines = readFileSync(path, "utf8").split("\n").slice(1);
  const list = (field: string | undefined) => (field === undefined || field === "" ? [] : field.split("|"));
  return lines
    .filter((line) => line !== "")
    .map((line) => {
      const f = line.split("\t");
      return {
        frame: Number(f[0]),
        stream: Number(f[1]),
        sourcePort: Number(f[2]),
        destinationPort: Number(f[3]),
        requestCommand: list(f[4]),
        requestArg: list(f[5]),
        responseCode: list(f[6]),
        responseArg: list(f[7]),
      };
    });
}
