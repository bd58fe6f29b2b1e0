/**
 * Tests as readable specs (after llhttp's `test/response/*.md`): a Markdown file holds cases, each a `## title`,
 * an optional ```options``` block (JSON), an ```input``` block and an ```events``` block. Input escapes: `\r`,
 * `\n`, `\t`, `\\`, `\xHH`; the block's own line breaks are not part of the input. Connection specs write
 * `C: ` / `S: ` before each line of input to say who sent it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

export interface SpecCase {
  readonly title: string;
  readonly options: Record<string, unknown>;
  /** The input lines as written (escapes not yet read). */
  readonly input: readonly string[];
  readonly events: readonly string[];
}

/** Reads the cases of `test/specs/<name>`. */
export function readSpec(name: string): SpecCase[] {
  const text = readFileSync(join(import.meta.dirname, name), "utf8");
  const cases: SpecCase[] = [];
  for (const section of text.split(/^## /m).slice(1)) {
    const title = section.slice(0, section.indexOf("\n")).trim();
    const blocks = new Map<string, string[]>();
    for (const match of section.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)) {
      blocks.set(match[1]!, match[2]!.split("\n").slice(0, -1));
    }
    const input = blocks.get("input");
    const events = blocks.get("events");
    if (input === undefined || events === undefined)
      throw new Error(`spec ${name}: "${title}" lacks input or events`);
    const options = blocks.has("options") ? JSON.parse(blocks.get("options")!.join("\n")) : {};
    cases.push({ title, options, input, events: events.filter((line) => line.length > 0) });
  }
  return cases;
}

/** The bytes an input line stands for. */
export function specBytes(line: string): Uint8Array {
  const bytes: number[] = [];
  const utf8 = new TextEncoder();
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c !== "\\") {
      const code = line.codePointAt(i)!;
      if (code > 0xffff) i++;
      bytes.push(...utf8.encode(String.fromCodePoint(code)));
      continue;
    }
    const next = line[++i];
    if (next === "r") bytes.push(0x0d);
    else if (next === "n") bytes.push(0x0a);
    else if (next === "t") bytes.push(0x09);
    else if (next === "\\") bytes.push(0x5c);
    else if (next === "x") {
      bytes.push(Number.parseInt(line.slice(i + 1, i + 3), 16));
      i += 2;
    } else throw new Error(`unknown escape \\${next} in ${JSON.stringify(line)}`);
  }
  return Uint8Array.from(bytes);
}

/** Every chunking a case runs under: whole, one byte at a time, and in two at every position. */
export function chunkings(length: number): { name: string; cuts: number[] }[] {
  const all = [{ name: "whole", cuts: [] as number[] }];
  all.push({ name: "byte by byte", cuts: Array.from({ length: Math.max(0, length - 1) }, (_, i) => i + 1) });
  for (let at = 1; at < length; at++) all.push({ name: `split at ${at}`, cuts: [at] });
  return all;
}

/** `bytes` cut at `cuts` (sorted positions). */
export function cut(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let at = 0;
  for (const position of cuts) {
    chunks.push(bytes.slice(at, position));
    at = position;
  }
  chunks.push(bytes.slice(at));
  return chunks;
}
