/**
 * Many capture files as one capture: rotated files (`tcpdump -C`, `editcap -c`), a directory of them, or captures
 * of several interfaces. The files are read and decoded in parallel on worker threads (capture-worker.ts), their
 * packets merged on the main thread in time order (as `mergecap` does: the earliest packet first, ties in the
 * files' order) into ONE analyzer. So everything that spans files — a control or data connection that goes on in
 * the next file, a data connection announced in one file and opened in the next, tcp.stream numbers — is carried
 * over exactly: the result for the pieces of a capture is the result for the whole.
 */
import { existsSync } from "node:fs";
import { open, readdir, stat } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { basename, dirname, join } from "node:path";
import type { Worker } from "node:worker_threads";
import {
  deliverRow,
  type FileEnd,
  type PacketBatch,
  type RowSink,
  readPacketBatches,
  rowNanoseconds,
  rowSeconds,
} from "./batch.js";
import type { ToWorker } from "./capture-worker.js";
import { type CaptureDiagnostic, CaptureFormatError, type CaptureFormatErrorType } from "./errors.js";
import {
  createFtpCaptureAnalyzer,
  type FtpCaptureCallbacks,
  type FtpCaptureOptions,
  type FtpCaptureResult,
} from "./ftp.js";
import { type CaptureReaderOptions, createCaptureReader, looksLikeCapture } from "./reader.js";

/** Batches in flight per file between a worker and the merge: the memory bound per file is this × BATCH_BYTES. */
const WINDOW = 4;
/** Files opened at once to find their first packets. */
const PROBES_AT_ONCE = 16;
/** Bytes read at a time while looking for a file's first packet. */
const PROBE_CHUNK_BYTES = 64 * 1024;

export interface FtpCaptureFilesCallbacks extends FtpCaptureCallbacks {
  /**
   * A file that could not be read, or only in part: a `CaptureFormatError` (with its byte offset) or a file
   * system error (`code` ENOENT …). Called when the merge reaches the damage, after every packet before it; the
   * other files are read on.
   */
  onFileError?(path: string, error: Error): void;
}

export interface FtpCaptureFilesOptions extends FtpCaptureOptions {
  /** Worker threads reading and decoding files. Default: one per core (`os.availableParallelism()`); 1 reads on
   * the main thread. */
  jobs?: number;
  /** The worker script (default: capture-worker.js beside this module). */
  workerUrl?: URL;
}

export interface FtpCaptureFilesResult extends FtpCaptureResult {
  /** Each file in the order read (by first packet time), with the error that stopped it, if any. */
  files: Array<{ path: string; error?: Error }>;
  /** Worker threads that read the files (0: they were read on the main thread). */
  threads: number;
}

/** A file's packets as the merge takes them: batches, then how the reading ended. */
interface BatchSource {
  next(): Promise<PacketBatch | FileEnd>;
  /** The last batch was analysed: its buffers may go (a worker may read one batch more). */
  consumed(): void;
  close(): void;
}

function inThreadSource(path: string, options: CaptureReaderOptions): BatchSource {
  const batches = readPacketBatches(path, options);
  return {
    async next() {
      const item = await batches.next();
      return item.done ? { end: true, format: undefined, skippedBlocks: 0 } : item.value;
    },
    consumed() {},
    close() {
      void batches.return(undefined);
    },
  };
}

/** Worker threads, each reading any number of files at once; a file goes to the worker with the fewest. */
class WorkerPool {
  private readonly workers: Array<{ worker: Worker; open: number }> = [];
  private readonly sources = new Map<
    number,
    { queue: Array<PacketBatch | FileEnd>; waiting?: ((item: PacketBatch | FileEnd) => void) | undefined }
  >();
  private nextId = 0;
  private failure: ((error: Error) => void) | undefined;
  private failed: Error | undefined;

  constructor(
    private readonly size: number,
    private readonly url: URL,
    /** node:worker_threads' Worker, imported when a pool is made (a single file never loads the module). */
    private readonly Worker: typeof import("node:worker_threads").Worker,
  ) {}

  /** Rejects every waiting read when a worker dies. */
  private fail(error: Error): void {
    this.failed = error;
    this.failure?.(error);
  }

  private worker(): { worker: Worker; open: number } {
    if (this.workers.length < this.size) {
      const worker = new this.Worker(this.url);
      const entry = { worker, open: 0 };
      worker.on("message", (message: { id: number; batch?: PacketBatch; end?: FileEnd }) => {
        const source = this.sources.get(message.id);
        if (source === undefined) return;
        const item = message.batch ?? message.end!;
        if (message.end !== undefined) {
          entry.open--;
          this.sources.delete(message.id);
        }
        const waiting = source.waiting;
        source.waiting = undefined;
        if (waiting !== undefined) waiting(item);
        else source.queue.push(item);
      });
      worker.on("error", (error) => this.fail(error));
      worker.on("exit", (code) => {
        if (code !== 0) this.fail(new Error(`capture worker exited with code ${code}`));
      });
      this.workers.push(entry);
      return entry;
    }
    return this.workers.reduce((a, b) => (b.open < a.open ? b : a));
  }

  open(path: string, options: CaptureReaderOptions): BatchSource {
    const id = this.nextId++;
    const entry = this.worker();
    entry.open++;
    const state: {
      queue: Array<PacketBatch | FileEnd>;
      waiting?: ((item: PacketBatch | FileEnd) => void) | undefined;
    } = {
      queue: [],
    };
    this.sources.set(id, state);
    const send = (message: ToWorker): void => entry.worker.postMessage(message);
    send({ op: "open", id, path, options, window: WINDOW });
    return {
      next: () => {
        if (this.failed !== undefined) return Promise.reject(this.failed);
        const queued = state.queue.shift();
        if (queued !== undefined) return Promise.resolve(queued);
        return new Promise((resolve, reject) => {
          state.waiting = resolve;
          this.failure = reject;
        });
      },
      consumed: () => send({ op: "credit", id }),
      close: () => {
        if (this.sources.delete(id)) {
          entry.open--;
          send({ op: "close", id });
        }
      },
    };
  }

  get threads(): number {
    return this.workers.length;
  }

  async terminate(): Promise<void> {
    await Promise.all(this.workers.map(({ worker }) => worker.terminate()));
  }
}

/**
 * The worker script beside this module; undefined where there is none: the CommonJS build has no module URL,
 * and the TypeScript sources (tests) have no .js beside them. Files are then read on the main thread.
 */
function defaultWorkerUrl(): URL | undefined {
  try {
    const url = new URL("./capture-worker.js", import.meta.url);
    return existsSync(url) ? url : undefined;
  } catch {
    return undefined;
  }
}

/** A capture time, compared as seconds then nanoseconds (exact: a double of nanoseconds since 1970 is not). */
interface Time {
  seconds: number;
  nanoseconds: number;
}

function compareTime(a: Time, b: Time): number {
  return a.seconds - b.seconds || a.nanoseconds - b.nanoseconds;
}

/**
 * The time of a file's first packet (the merge opens files in that order), or the error that stops it before one;
 * undefined for a file without packets.
 */
async function firstPacketTime(
  path: string,
  options: CaptureReaderOptions,
): Promise<Time | Error | undefined> {
  let first: Time | undefined;
  let failure: Error | undefined;
  const reader = createCaptureReader(
    {
      onPacket(packet) {
        first ??= { seconds: packet.seconds, nanoseconds: packet.nanoseconds };
      },
      onError(error) {
        failure = error;
      },
    },
    options,
  );
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, "r");
    const buffer = new Uint8Array(PROBE_CHUNK_BYTES);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) {
        reader.end();
        break;
      }
      reader.feed(buffer.slice(0, bytesRead));
      if (first !== undefined || failure !== undefined) break;
    }
  } catch (error) {
    return error as Error;
  } finally {
    await handle?.close();
  }
  return first ?? failure;
}

/** A `CaptureFormatError` or file system error sent by a worker, as the error object it was. */
function errorOf(error: NonNullable<FileEnd["error"]>): Error {
  if (error.type === "file") return Object.assign(new Error(error.message), error);
  const suffix = ` at byte ${error.offset}`;
  const message = error.message.endsWith(suffix) ? error.message.slice(0, -suffix.length) : error.message;
  return new CaptureFormatError(error.type as CaptureFormatErrorType, message, error.offset ?? 0);
}

/** One file in the merge: its source and the batch being taken from. */
interface Head {
  readonly order: number;
  readonly path: string;
  readonly source: BatchSource;
  batch: PacketBatch | undefined;
  row: number;
  /** Per row of the batch: the row with the earliest time from it to the batch's end (the file's merge key). */
  earliest: Int32Array;
}

function rowTime(batch: PacketBatch, row: number): Time {
  return { seconds: rowSeconds(batch, row), nanoseconds: rowNanoseconds(batch, row) };
}

/**
 * The earliest row from each row on. A file is merged by the earliest packet it still holds, not by its next one:
 * where its time stamps go back (dumpcap writes two interfaces' packets in the order it got them), the file's
 * later packets must not fall behind another file's, or a piece of a capture would read differently from the
 * whole (a connection's data before its SYN).
 */
function earliestRows(batch: PacketBatch): Int32Array {
  const earliest = new Int32Array(batch.count);
  let best = batch.count - 1;
  for (let row = batch.count - 1; row >= 0; row--) {
    if (compareTime(rowTime(batch, row), rowTime(batch, best)) <= 0) best = row;
    earliest[row] = best;
  }
  return earliest;
}

/**
 * Analyses several capture files as one capture: files are ordered by their first packet's time, read (and
 * decoded) on `jobs` worker threads, and their packets merged in time order into one analyzer (see the module
 * comment). A file that cannot be read, or is damaged, is reported to `onFileError` (diagnostics carry their
 * `file`); the other files are read on. Resolves with the counts over all files.
 */
export async function analyzeFtpCaptureFiles(
  paths: readonly string[],
  callbacks: FtpCaptureFilesCallbacks,
  options: FtpCaptureFilesOptions = {},
): Promise<FtpCaptureFilesResult> {
  const readerOptions: CaptureReaderOptions =
    options.maxBlockSize === undefined ? {} : { maxBlockSize: options.maxBlockSize };
  const reports: FtpCaptureFilesResult["files"] = [];
  const fileError = (path: string, error: Error): void => {
    reports.push({ path, error });
    callbacks.onFileError?.(path, error);
  };

  // Order the files by their first packet (a stable sort: ties keep the order given).
  // A few at a time: a directory of thousands of rotated files must not open them all at once (EMFILE).
  const probed: Array<Time | Error | undefined> = [];
  for (let at = 0; at < paths.length; at += PROBES_AT_ONCE) {
    const some = paths.slice(at, at + PROBES_AT_ONCE);
    probed.push(...(await Promise.all(some.map((path) => firstPacketTime(path, readerOptions)))));
  }
  const files: Array<{ path: string; first: Time }> = [];
  paths.forEach((path, i) => {
    const first = probed[i];
    if (first instanceof Error) fileError(path, first);
    else if (first !== undefined) files.push({ path, first });
    else reports.push({ path });
  });
  files.sort((a, b) => compareTime(a.first, b.first));

  let currentPath = files[0]?.path ?? "";
  const analyzer = createFtpCaptureAnalyzer(
    {
      ...callbacks,
      onDiagnostic: (d: CaptureDiagnostic) => callbacks.onDiagnostic?.({ ...d, file: currentPath }),
    },
    options,
  );
  const sink: RowSink = {
    packet: (packet, decoded) => analyzer.packet(packet, decoded),
    diagnostic: (d) => callbacks.onDiagnostic?.({ ...d, file: currentPath }),
  };

  const jobs = Math.max(1, Math.floor(options.jobs ?? availableParallelism()));
  const url = options.workerUrl ?? defaultWorkerUrl();
  const pool =
    jobs > 1 && url !== undefined
      ? new WorkerPool(jobs, url, (await import("node:worker_threads")).Worker)
      : undefined;
  const started: BatchSource[] = [];
  const source = (i: number): BatchSource => {
    // Start the files up to `jobs` ahead of the merge, so that the workers read while the main thread analyses.
    for (let k = started.length; k < files.length && k <= i + (pool === undefined ? 0 : jobs); k++) {
      started.push(
        pool?.open(files[k]!.path, readerOptions) ?? inThreadSource(files[k]!.path, readerOptions),
      );
    }
    return started[i]!;
  };

  const active: Head[] = [];
  let next = 0;
  let format: FtpCaptureResult["stats"]["format"];
  let skippedBlocks = 0;
  /** Takes the head's next batch; false once its file has ended (then reported and left). */
  const refill = async (head: Head): Promise<boolean> => {
    const item = await head.source.next();
    if (!("end" in item)) {
      head.batch = item;
      head.row = 0;
      head.earliest = earliestRows(item);
      return true;
    }
    format = item.format ?? format;
    skippedBlocks += item.skippedBlocks;
    if (item.error !== undefined) fileError(head.path, errorOf(item.error));
    else reports.push({ path: head.path });
    return false;
  };
  const headTime = (head: Head): Time => rowTime(head.batch!, head.earliest[head.row]!);
  /** True when `a` (time, file order) goes before `b`. */
  const before = (a: Time, aOrder: number, b: Time, bOrder: number): boolean => {
    const c = compareTime(a, b);
    return c < 0 || (c === 0 && aOrder < bOrder);
  };

  try {
    for (;;) {
      // Open every file whose first packet comes before the earliest packet waiting in the open ones.
      while (next < files.length) {
        const earliest = active.reduce<Head | undefined>(
          (best, h) =>
            best === undefined || before(headTime(h), h.order, headTime(best), best.order) ? h : best,
          undefined,
        );
        if (earliest !== undefined && !before(files[next]!.first, next, headTime(earliest), earliest.order))
          break;
        const head: Head = {
          order: next,
          path: files[next]!.path,
          source: source(next),
          batch: undefined,
          row: 0,
          earliest: new Int32Array(0),
        };
        next++;
        if (await refill(head)) active.push(head);
      }
      if (active.length === 0) break;
      // The earliest head, and the bound its run may go to: the next head's time or the next file's start.
      let head = active[0]!;
      for (const h of active) if (before(headTime(h), h.order, headTime(head), head.order)) head = h;
      let bound: Time | undefined;
      let boundOrder = Number.MAX_SAFE_INTEGER;
      for (const h of active) {
        if (h === head) continue;
        const t = headTime(h);
        if (bound === undefined || before(t, h.order, bound, boundOrder)) {
          bound = t;
          boundOrder = h.order;
        }
      }
      if (
        next < files.length &&
        (bound === undefined || before(files[next]!.first, next, bound, boundOrder))
      ) {
        bound = files[next]!.first;
        boundOrder = next;
      }
      currentPath = head.path;
      const batch = head.batch!;
      let row = head.row;
      // Per packet: the row's time compared with the bound as numbers (no Time object per row).
      const boundSeconds = bound?.seconds ?? Number.POSITIVE_INFINITY;
      const boundNanoseconds = bound?.nanoseconds ?? 0;
      const tieGoesFirst = head.order < boundOrder;
      for (;;) {
        deliverRow(batch, row, sink);
        row++;
        if (row >= batch.count) break;
        const earliest = head.earliest[row]!;
        const seconds = rowSeconds(batch, earliest);
        if (seconds > boundSeconds) break;
        if (seconds < boundSeconds) continue;
        const nanoseconds = rowNanoseconds(batch, earliest);
        if (nanoseconds > boundNanoseconds || (nanoseconds === boundNanoseconds && !tieGoesFirst)) break;
      }
      head.row = row;
      if (row < batch.count) continue;
      head.source.consumed();
      await callbacks.onChunk?.();
      if (!(await refill(head))) active.splice(active.indexOf(head), 1);
    }
  } finally {
    for (const s of started) s.close();
    await pool?.terminate();
  }
  const result = analyzer.finish();
  result.stats.format = format;
  result.stats.skippedBlocks += skippedBlocks;
  return { ...result, files: reports, threads: pool?.threads ?? 0 };
}

const GLOB_CHARACTERS = /[*?[]/;

/** A glob pattern of one path component (`*`, `?`, `[abc]`, `[!abc]`) as a regular expression. */
function globPattern(component: string): RegExp {
  let pattern = "";
  for (let i = 0; i < component.length; i++) {
    const c = component[i]!;
    if (c === "*") pattern += "[^/]*";
    else if (c === "?") pattern += "[^/]";
    else if (c === "[") {
      const close = component.indexOf("]", i + 2);
      if (close === -1) pattern += "\\[";
      else {
        const body = component.slice(i + 1, close);
        const negated = body.startsWith("!");
        pattern += `[${negated ? "^" : ""}${(negated ? body.slice(1) : body).replace(/[\\^]/g, "\\$&")}]`;
        i = close;
      }
    } else pattern += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${pattern}$`);
}

async function expandGlob(pattern: string): Promise<string[]> {
  const directory = dirname(pattern);
  const parents = GLOB_CHARACTERS.test(directory) ? await expandGlob(directory) : [directory];
  const name = globPattern(basename(pattern));
  const matches: string[] = [];
  for (const parent of parents) {
    const entries = await readdir(parent).catch(() => [] as string[]);
    // A leading dot is matched only by a pattern that starts with one (as shells do).
    for (const entry of entries.sort()) {
      if (name.test(entry) && (!entry.startsWith(".") || basename(pattern).startsWith("."))) {
        matches.push(parent === "." && !pattern.startsWith("./") ? entry : join(parent, entry));
      }
    }
  }
  return matches;
}

async function isCaptureFile(path: string): Promise<boolean> {
  const handle = await open(path, "r").catch(() => undefined);
  if (handle === undefined) return false;
  try {
    const magic = new Uint8Array(4);
    const { bytesRead } = await handle.read(magic, 0, 4, 0);
    return bytesRead === 4 && looksLikeCapture(magic);
  } finally {
    await handle.close();
  }
}

/**
 * The capture files that command-line arguments name: a file as given (read even if it is no capture, to say so),
 * a directory's files that begin like a capture (others are counted in `skipped`), and a glob pattern
 * (`*`, `?`, `[…]`, for shells that leave it unexpanded) whose matches are treated the same way. A pattern that
 * matches nothing is given back as it is, so that reading it reports the file as missing.
 */
export async function listCaptureFiles(
  args: readonly string[],
): Promise<{ files: string[]; skipped: string[] }> {
  const files: string[] = [];
  const skipped: string[] = [];
  const addDirectory = async (directory: string): Promise<void> => {
    for (const entry of (await readdir(directory)).sort()) {
      if (entry.startsWith(".")) continue;
      const path = join(directory, entry);
      const info = await stat(path).catch(() => undefined);
      if (info?.isFile() !== true) continue;
      if (await isCaptureFile(path)) files.push(path);
      else skipped.push(path);
    }
  };
  for (const arg of args) {
    const info = await stat(arg).catch(() => undefined);
    if (info?.isDirectory() === true) await addDirectory(arg);
    else if (info !== undefined || !GLOB_CHARACTERS.test(arg)) files.push(arg);
    else {
      const matches = await expandGlob(arg);
      if (matches.length === 0) files.push(arg);
      for (const match of matches) {
        const matched = await stat(match).catch(() => undefined);
        if (matched?.isDirectory() === true) await addDirectory(match);
        else if (await isCaptureFile(match)) files.push(match);
        else skipped.push(match);
      }
    }
  }
  return { files, skipped };
}
