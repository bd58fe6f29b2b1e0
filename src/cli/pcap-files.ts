/**
 * The files, verdicts and session summaries of `ftp-reply pcap`: its options (`--hash`, `--extract`,
 * `--extract-max`, `--zeek-dir`), how a data connection's file and verdict are shown in each format, Zeek's
 * ftp.log and files.log written to a folder, and the per-session lines of the summary.
 */
import { createWriteStream } from "node:fs";
import { join } from "node:path";
import { cutArgument, escapeText } from "../node/escape.js";
import {
  type FileOptions,
  HASH_ALGORITHMS,
  type HashAlgorithm,
  prepareExtractDir,
} from "../node/pcap/files.js";
import type { DataConnection } from "../node/pcap/ftp.js";
import type { SessionSummary } from "../node/pcap/sessions.js";
import { createFilesLogWriter, toFilesLogRecord } from "../node/pcap/zeek-files.js";
import { UsageError } from "./args.js";
import {
  type BufferedSink,
  createBufferedSink,
  createWriter,
  type Writer,
  type WriterOptions,
} from "./output.js";

export const PCAP_FILES_HELP = `      --hash LIST     hashes of the files on data connections: md5, sha1, sha256 (default) or none
      --extract DIR   copy each file into DIR (created if missing) as <fuid>-<name>
      --extract-max N bytes per extracted file at most (default 104857600, Zeek's); K, M, G suffixes
      --zeek-dir DIR  also write Zeek's ftp.log and files.log into DIR`;

export const PCAP_FILES_OPTIONS = [
  { name: "hash", takesValue: true },
  { name: "extract", takesValue: true },
  { name: "extract-max", takesValue: true },
  { name: "zeek-dir", takesValue: true },
] as const;

const SIZE_SUFFIXES: Readonly<Record<string, number>> = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };

/** `--hash md5,sha256` → the algorithms; `none` → none. */
function parseHashes(value: string): HashAlgorithm[] {
  if (value.trim().toLowerCase() === "none") return [];
  const names = value.split(",").map((part) => part.trim().toLowerCase().replace("-", ""));
  for (const name of names) {
    if (!(HASH_ALGORITHMS as readonly string[]).includes(name)) {
      throw new UsageError(
        `--hash takes md5, sha1, sha256 or none, not ${JSON.stringify(cutArgument(value))}`,
      );
    }
  }
  return [...new Set(names as HashAlgorithm[])];
}

/** `--extract-max 10M` → bytes. */
function parseSize(value: string): number {
  const match = /^(\d+)([KMG]?)$/i.exec(value.trim());
  const bytes = match === null ? Number.NaN : Number(match[1]) * SIZE_SUFFIXES[match[2]!.toUpperCase()]!;
  if (!Number.isSafeInteger(bytes)) {
    throw new UsageError(
      `--extract-max takes a size in bytes (K, M, G), not ${JSON.stringify(cutArgument(value))}`,
    );
  }
  return bytes;
}

/** The analyzer's file options from the command line (usage errors thrown as `UsageError`). */
export function fileOptionsOf(extra: Map<string, string | true>): FileOptions {
  const options: FileOptions = {};
  const hash = extra.get("hash");
  if (typeof hash === "string") options.hashes = parseHashes(hash);
  const extract = extra.get("extract");
  if (typeof extract === "string") options.extractDir = extract;
  const max = extra.get("extract-max");
  if (typeof max === "string") options.maxExtractBytes = parseSize(max);
  return options;
}

/** Checks the folders the options name before any reading; the message of what is wrong, or undefined. */
export function prepareFolders(extra: Map<string, string | true>): string | undefined {
  try {
    const extract = extra.get("extract");
    if (typeof extract === "string") prepareExtractDir(extract);
    const zeekDir = extra.get("zeek-dir");
    if (typeof zeekDir === "string") prepareExtractDir(zeekDir);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** The file and verdict of a data connection, as fields of its json/ndjson record. */
export function fileFields(data: DataConnection): Record<string, unknown> {
  const { file, verdict } = data;
  return {
    file: {
      fuid: file.fuid,
      name: file.name,
      direction: file.toServer ? "upload" : "download",
      size: file.size,
      missingBytes: file.missingBytes,
      mimeType: file.mimeType,
      hashStatus: file.hashStatus,
      md5: file.md5,
      sha1: file.sha1,
      sha256: file.sha256,
      extracted: file.extracted,
      extractedCutoff: file.extractedCutoff,
      extractedSize: file.extractedSize,
    },
    verdict: verdict.verdict,
    expectedBytes: verdict.expected,
    verdictReason: verdict.reason,
  };
}

/** `, image/png, sha256 5c37…, complete` for the pretty data line. */
export function fileText(data: DataConnection): string {
  const { file, verdict } = data;
  const parts: string[] = [];
  if (file.mimeType !== undefined) parts.push(file.mimeType);
  for (const name of HASH_ALGORITHMS) {
    const digest = file[name];
    if (digest !== undefined) parts.push(`${name} ${digest}`);
  }
  if (file.hashStatus === "unknown") parts.push("hash unknown (bytes missing)");
  if (file.extracted !== undefined)
    parts.push(`extracted to ${escapeText(file.extracted)}${file.extractedCutoff === true ? " (cut)" : ""}`);
  parts.push(`${verdict.verdict} (${escapeText(verdict.reason)})`);
  return `, ${parts.join(", ")}`;
}

/** ftp.log and files.log in a folder (`--zeek-dir`), streamed with back-pressure. */
export interface ZeekFolder {
  readonly ftp: Writer;
  data(data: DataConnection): void;
  drain(): Promise<void>;
  close(): Promise<void>;
}

function fileSink(path: string): BufferedSink & { end(): Promise<void> } {
  const stream = createWriteStream(path);
  // A write error (disk full …) is thrown by end(), not as an unhandled stream event.
  let failure: Error | undefined;
  stream.on("error", (error) => {
    failure ??= error;
  });
  const sink = createBufferedSink(stream);
  return {
    ...sink,
    async end() {
      if (failure !== undefined) throw new Error(`cannot write ${path}: ${failure.message}`);
      await sink.close();
      await new Promise<void>((resolve, reject) =>
        stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
      );
    },
  };
}

/** Opens `ftp.log` and `files.log` in `dir` (replacing earlier ones, as Zeek does). */
export function openZeekFolder(
  dir: string,
  options: Pick<WriterOptions, "lang" | "showPasswords">,
): ZeekFolder {
  const ftpSink = fileSink(join(dir, "ftp.log"));
  const filesSink = fileSink(join(dir, "files.log"));
  const ftp = createWriter("zeek", ftpSink, { ...options, color: false, summary: false });
  const files = createFilesLogWriter();
  let header = false;
  return {
    ftp,
    data(data) {
      if (!header) filesSink.write(files.header());
      header = true;
      filesSink.write(files.row(toFilesLogRecord(data)));
    },
    async drain() {
      await ftpSink.drain();
      await filesSink.drain();
    },
    async close() {
      ftp.end();
      if (!header) filesSink.write(files.header());
      filesSink.write(files.footer());
      await ftpSink.end();
      await filesSink.end();
    },
  };
}

/** The per-session lines of the pretty summary. */
export function sessionLines(sessions: readonly SessionSummary[], omitted: number): string {
  if (sessions.length === 0 && omitted === 0) return "";
  const lines = sessions.map((s) => {
    const user = s.user === undefined ? "no user" : `user ${escapeText(s.user)}`;
    const login = s.login === "none" ? "no login" : s.login === "success" ? "login ok" : `login failed`;
    const failed = s.failedLogins > 0 && s.login === "success" ? ` after ${s.failedLogins} failed` : "";
    return `    ${s.uid}  ${s.client} → ${s.server}  ${user}, ${login}${failed}, ${s.commands} commands, ${s.files} files, ${s.bytes} bytes\n`;
  });
  const more = omitted > 0 ? `    … and ${omitted} more sessions (not summarised one by one)\n` : "";
  return `  sessions     ${sessions.length + omitted}\n${lines.join("")}${more}`;
}

/** A session as a json/ndjson record. */
export function sessionRecord(session: SessionSummary): Record<string, unknown> {
  return { record: "session", ...session };
}
