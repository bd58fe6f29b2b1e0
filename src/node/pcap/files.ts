/**
 * Files on FTP data connections: what each data connection carried, measured as it is reassembled — the bytes,
 * their hashes (updated segment by segment: a file is never held in memory), the MIME type of its first bytes,
 * and optionally a copy on disk (`extract`). Zeek's files framework does the same (base/frameworks/files,
 * base/files/hash, base/files/extract); the field names follow its files.log.
 *
 * A data connection carries one file one way (RFC 959 §3.2): the direction whose first payload byte comes first
 * is the file; bytes the other way are counted by the TCP layer but are no part of it.
 */
import { createHash, type Hash, randomBytes } from "node:crypto";
import {
  closeSync,
  constants,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { resolvePath } from "../../connection/path.js";
import { FILE_TRANSFER_COMMANDS } from "../../connection/rules.js";
import type { Exchange } from "../../connection/types.js";
import { MIME_SNIFF_LENGTH, sniffMimeType } from "./mime.js";
import type { FlowDirection, TcpConnection } from "./reassembly.js";

/** The hashes a file may get (Zeek's HASH analyzers: MD5, SHA1, SHA256). */
export type HashAlgorithm = "md5" | "sha1" | "sha256";
export const HASH_ALGORITHMS: readonly HashAlgorithm[] = ["md5", "sha1", "sha256"];
/** SHA-256 unless told otherwise. */
export const DEFAULT_HASHES: readonly HashAlgorithm[] = ["sha256"];
/** Zeek's `FileExtract::default_limit` (100 MiB): beyond, an extracted file is cut (`extractedCutoff`). */
export const DEFAULT_MAX_EXTRACT_BYTES = 104_857_600;
/** Extracted files open at once (one per data connection in flight); beyond, a file is not extracted. */
export const DEFAULT_MAX_OPEN_EXTRACTIONS = 256;
/** The longest name an extracted file gets (the fuid, a dash, and the cleaned base name). */
const MAX_EXTRACT_NAME = 120;
/** Tries at a free name (`name`, `name.1` …) when a file of the same name is already in the folder. */
const MAX_NAME_TRIES = 100;

export interface FileOptions {
  /** Hashes computed over each file's bytes. Default `["sha256"]`; `[]` computes none. */
  hashes?: readonly HashAlgorithm[];
  /** Copy each file into this folder (it is created if missing). Off by default. */
  extractDir?: string;
  /** Bytes written per extracted file at most. Default 100 MiB (Zeek's default). */
  maxExtractBytes?: number;
  /** Extracted files open at once. Default 256. */
  maxOpenExtractions?: number;
}

/** Whether a file's hashes are those of its bytes. */
export type HashStatus =
  /** Every byte was seen: the hashes are the file's. */
  | "complete"
  /** The capture lacks bytes of the file: no hash is given (a hash of the rest would be wrong). */
  | "unknown"
  /** No hash was asked for. */
  | "off";

/** What a data connection carried, as a file. */
export interface TransferredFile {
  /** Its id in files.log and in ftp.log's `fuid`: `F` and the data connection's uid. */
  readonly fuid: string;
  /** True when the data connection's originator sent it (Zeek's `is_orig`). */
  readonly isOrig: boolean;
  /** True for an upload (client → server). */
  readonly toServer: boolean;
  /** Bytes of the file that the capture holds (Zeek's `seen_bytes`). */
  readonly size: number;
  /** Bytes of the file the capture lacks (Zeek's `missing_bytes`). */
  readonly missingBytes: number;
  /** The MIME type of its first bytes (mime.ts), when one is recognised. */
  readonly mimeType?: string | undefined;
  readonly hashStatus: HashStatus;
  /** Hex digests, only when `hashStatus` is `complete`. */
  readonly md5?: string | undefined;
  readonly sha1?: string | undefined;
  readonly sha256?: string | undefined;
  /** Time of its first and last byte (seconds), when it carried any. */
  readonly firstTs?: number | undefined;
  readonly lastTs?: number | undefined;
  /** The extracted copy's name inside the extraction folder, when extracted. */
  readonly extracted?: string | undefined;
  /** True when the copy stops at `maxExtractBytes`. */
  readonly extractedCutoff?: boolean | undefined;
  /** Bytes written to the copy (holes included, as zeros). */
  readonly extractedSize?: number | undefined;
}

/** A file problem for the capture's diagnostics. */
export interface FileProblem {
  readonly type: "hash-unknown" | "extract-failed" | "extract-cutoff";
  readonly message: string;
  readonly stream: number;
}

/** Per data connection, while it is open. */
interface FileState {
  readonly tcp: TcpConnection;
  /** The direction of the file, from its first payload byte. */
  direction: FlowDirection | undefined;
  readonly hashes: Hash[];
  /** The first bytes, for the MIME sniffer. */
  sniff: Uint8Array;
  sniffed: number;
  size: number;
  missing: number;
  firstTs: number | undefined;
  lastTs: number | undefined;
  /** The extraction: an open file descriptor and its temporary name, until closed. */
  fd: number | undefined;
  partName: string | undefined;
  written: number;
  cutoff: boolean;
  /** Once closed: the result, minus the final name of an extracted copy. */
  done: TransferredFile | undefined;
}

/** Problems with the extraction folder, thrown before any reading (`ftp-reply pcap` exits 2 on them). */
export class ExtractDirError extends Error {
  override readonly name = "ExtractDirError";
}

/**
 * Checks an output folder (`--extract`, `--zeek-dir`) before any reading: creates it if missing; refuses a path
 * that is not a folder or that cannot be written to.
 */
export function prepareExtractDir(dir: string): void {
  try {
    const stat = statSync(dir, { throwIfNoEntry: false });
    if (stat !== undefined && !stat.isDirectory()) throw new ExtractDirError(`${dir} is not a folder`);
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    if (error instanceof ExtractDirError) throw error;
    throw new ExtractDirError(`cannot create the folder ${dir}: ${(error as Error).message}`);
  }
  const probe = join(dir, `.ftp-reply-probe-${process.pid}`);
  try {
    const fd = openSync(
      probe,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    );
    closeSync(fd);
    unlinkSync(probe);
  } catch (error) {
    throw new ExtractDirError(`cannot write files in ${dir}: ${(error as Error).message}`);
  }
}

/**
 * A name safe inside the extraction folder, from a file name the capture gives (any bytes): its last path
 * segment, every character outside `A-Z a-z 0-9 . _ -` replaced by `_` (so no `/`, `\`, NUL, control or
 * non-ASCII character), no leading dot (no hidden file, no `..`), at most `MAX_EXTRACT_NAME` characters.
 */
export function safeFileName(fuid: string, name: string | undefined): string {
  const base = name === undefined ? "" : (name.split(/[/\\]/).pop() ?? "");
  const cleaned = base.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^\.+/, "_");
  const full = cleaned === "" ? fuid : `${fuid}-${cleaned}`;
  return full.slice(0, MAX_EXTRACT_NAME);
}

/** `FILE: name` in a reply to STOU (RFC 1123 §4.1.2.9: the server tells the name it chose). */
const STOU_FILE_NAME = /\bFILE:\s*(\S+)/;

/**
 * The file a transfer command names, resolved against the session's working directory when it is known:
 * RETR/STOR/APPE's argument, or for STOU the name its reply gives. Undefined for listings.
 */
export function transferFileName(exchange: Exchange | undefined): string | undefined {
  const command = exchange?.command;
  if (command === undefined || !FILE_TRANSFER_COMMANDS.has(command.verb)) return undefined;
  if (command.verb === "STOU") {
    for (const reply of exchange!.replies) {
      const name = STOU_FILE_NAME.exec(reply.text)?.[1];
      if (name !== undefined) return resolvePath(exchange!.cwd, name) ?? name;
    }
  }
  if (command.arg === "") return undefined;
  return exchange!.path ?? command.arg;
}

/** Opens a new file in `dir` without following a symbolic link and without replacing anything there. */
function openNew(dir: string, name: string): number {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
  return openSync(join(dir, name), flags, 0o600);
}

/** The files of a capture's data connections, fed by the reassembly. */
export class CaptureFiles {
  readonly #hashes: readonly HashAlgorithm[];
  readonly #extractDir: string | undefined;
  readonly #maxExtract: number;
  readonly #maxOpen: number;
  readonly #problem: (problem: FileProblem) => void;
  readonly #files = new Map<number, FileState>();
  #open = 0;

  constructor(options: FileOptions, problem: (problem: FileProblem) => void) {
    this.#hashes = options.hashes ?? DEFAULT_HASHES;
    this.#extractDir = options.extractDir;
    this.#maxExtract = options.maxExtractBytes ?? DEFAULT_MAX_EXTRACT_BYTES;
    this.#maxOpen = options.maxOpenExtractions ?? DEFAULT_MAX_OPEN_EXTRACTIONS;
    this.#problem = problem;
  }

  /** Files held now: one per data connection in flight (each keeps its hashes and 512 first bytes, no more). */
  get openFiles(): number {
    return this.#files.size;
  }

  /** The fuid of a data connection's file. */
  static fuidOf(tcp: TcpConnection): string {
    return `Ftcp${tcp.index}`;
  }

  /** The MIME type known so far of a data connection's file (ftp.log's row is written before the file ends). */
  mimeTypeOf(tcp: TcpConnection): string | undefined {
    const state = this.#files.get(tcp.index);
    if (state === undefined) return undefined;
    return state.done?.mimeType ?? sniffMimeType(state.sniff.subarray(0, state.sniffed));
  }

  /** Bytes of a data connection, in order. */
  data(tcp: TcpConnection, direction: FlowDirection, bytes: Uint8Array, ts: number): void {
    const state = this.#state(tcp);
    state.direction ??= direction;
    if (direction !== state.direction || bytes.length === 0) return;
    state.firstTs ??= ts;
    state.lastTs = ts;
    if (state.sniffed < MIME_SNIFF_LENGTH) {
      const take = Math.min(MIME_SNIFF_LENGTH - state.sniffed, bytes.length);
      state.sniff.set(bytes.subarray(0, take), state.sniffed);
      state.sniffed += take;
    }
    if (state.missing === 0) for (const hash of state.hashes) hash.update(bytes);
    this.#extract(state, bytes, state.size + state.missing);
    state.size += bytes.length;
  }

  /** Bytes of a data connection the capture lacks: the hashes become unknown, the copy gets a hole. */
  gap(tcp: TcpConnection, direction: FlowDirection, missingBytes: number): void {
    const state = this.#state(tcp);
    state.direction ??= direction;
    if (direction === state.direction) state.missing += missingBytes;
  }

  /** The data connection closed: its file is complete. */
  close(tcp: TcpConnection): TransferredFile {
    const state = this.#state(tcp);
    if (state.done !== undefined) return state.done;
    this.#closeCopy(state);
    const complete = state.missing === 0;
    const digests: Partial<Record<HashAlgorithm, string>> = {};
    if (complete) {
      for (const [i, name] of this.#hashes.entries()) digests[name] = state.hashes[i]!.digest("hex");
    } else if (this.#hashes.length > 0) {
      this.#problem({
        type: "hash-unknown",
        stream: tcp.index,
        message: `stream ${tcp.index}: ${state.missing} bytes of the file are missing from the capture: its ${this.#hashes.join(", ")} is unknown`,
      });
    }
    const isOrig = (state.direction ?? 1) === 0;
    state.done = {
      fuid: CaptureFiles.fuidOf(tcp),
      isOrig,
      toServer: false,
      size: state.size,
      missingBytes: state.missing,
      mimeType: sniffMimeType(state.sniff.subarray(0, state.sniffed)),
      hashStatus: this.#hashes.length === 0 ? "off" : complete ? "complete" : "unknown",
      ...digests,
      firstTs: state.firstTs,
      lastTs: state.lastTs,
      ...(state.partName === undefined
        ? {}
        : { extractedCutoff: state.cutoff, extractedSize: state.written }),
    };
    return state.done;
  }

  /**
   * The file as reported with its data connection: the direction seen from the FTP client, and the copy renamed
   * after the file the transfer command names. Forgets the connection.
   */
  report(tcp: TcpConnection, passive: boolean, name: string | undefined): TransferredFile {
    const done = this.close(tcp);
    const state = this.#files.get(tcp.index)!;
    this.#files.delete(tcp.index);
    // Passive: the FTP client opened the data connection, so what its originator sent is an upload.
    const toServer = passive ? done.isOrig : !done.isOrig;
    const extracted = state.partName === undefined ? undefined : this.#rename(state, name);
    return { ...done, toServer, ...(extracted === undefined ? {} : { extracted }) };
  }

  #state(tcp: TcpConnection): FileState {
    let state = this.#files.get(tcp.index);
    if (state === undefined) {
      state = {
        tcp,
        direction: undefined,
        hashes: this.#hashes.map((name) => createHash(name)),
        sniff: new Uint8Array(MIME_SNIFF_LENGTH),
        sniffed: 0,
        size: 0,
        missing: 0,
        firstTs: undefined,
        lastTs: undefined,
        fd: undefined,
        partName: undefined,
        written: 0,
        cutoff: false,
        done: undefined,
      };
      this.#files.set(tcp.index, state);
      this.#startCopy(state);
    }
    return state;
  }

  /** Opens the copy under a temporary name (the file's name is known once its transfer command completes). */
  #startCopy(state: FileState): void {
    const dir = this.#extractDir;
    if (dir === undefined) return;
    const index = state.tcp.index;
    if (this.#open >= this.#maxOpen) {
      this.#problem({
        type: "extract-failed",
        stream: index,
        message: `stream ${index}: not extracted: ${this.#maxOpen} extracted files are open already (maxOpenExtractions)`,
      });
      return;
    }
    // Unique across processes and worker threads extracting into the same folder.
    const partName = `.part-${CaptureFiles.fuidOf(state.tcp)}-${randomBytes(6).toString("hex")}`;
    try {
      state.fd = openNew(dir, partName);
      state.partName = partName;
      this.#open++;
    } catch (error) {
      this.#problem({
        type: "extract-failed",
        stream: index,
        message: `stream ${index}: not extracted: ${(error as Error).message}`,
      });
    }
  }

  /** Writes bytes at their place in the file (a hole stays zeros), up to the size cap. */
  #extract(state: FileState, bytes: Uint8Array, position: number): void {
    if (state.fd === undefined) return;
    const room = this.#maxExtract - position;
    const take = Math.max(0, Math.min(bytes.length, room));
    if (take > 0) {
      try {
        writeSync(state.fd, bytes, 0, take, position);
        state.written = position + take;
      } catch (error) {
        this.#problem({
          type: "extract-failed",
          stream: state.tcp.index,
          message: `stream ${state.tcp.index}: extraction stopped: ${(error as Error).message}`,
        });
        this.#closeCopy(state);
        return;
      }
    }
    if (take < bytes.length && !state.cutoff) {
      state.cutoff = true;
      this.#problem({
        type: "extract-cutoff",
        stream: state.tcp.index,
        message: `stream ${state.tcp.index}: the extracted copy stops at ${this.#maxExtract} bytes (maxExtractBytes)`,
      });
      this.#closeCopy(state);
    }
  }

  #closeCopy(state: FileState): void {
    if (state.fd === undefined) return;
    closeSync(state.fd);
    state.fd = undefined;
    this.#open--;
  }

  /**
   * Gives the copy its final name, `<fuid>-<base name>`: a hard link (which never replaces an existing entry,
   * a symbolic link included) to a free name, then the temporary name removed.
   */
  #rename(state: FileState, name: string | undefined): string | undefined {
    const dir = this.#extractDir!;
    const part = join(dir, state.partName!);
    const wanted = safeFileName(CaptureFiles.fuidOf(state.tcp), name);
    for (let i = 0; i < MAX_NAME_TRIES; i++) {
      const candidate = i === 0 ? wanted : `${wanted}.${i}`;
      try {
        linkSync(part, join(dir, candidate));
        unlinkSync(part);
        return candidate;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "EEXIST") continue;
        break;
      }
    }
    // The temporary name stays: report it, so the bytes are not lost.
    return lstatSync(part, { throwIfNoEntry: false }) === undefined ? undefined : state.partName;
  }
}
