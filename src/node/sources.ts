/**
 * Where the CLI reads from: a file or stdin (`-`), as a stream of byte chunks, with the total size when it is
 * known (a regular file) and a count of the bytes read so far (for the progress bar).
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { brandError, errorBrand } from "../brand.js";
import { cutArgument } from "./escape.js";

/** A file that cannot be read: its message is one line, for the CLI to print as is. */
export class InputError extends Error {
  override readonly name = "InputError";

  constructor(message: string) {
    super(message);
    brandError(this, "InputError");
  }
}

/** True for an `InputError` from any copy of this library (a brand check, not `instanceof`). */
export function isInputError(value: unknown): value is InputError {
  return errorBrand(value) === "InputError";
}

export interface ByteSource {
  /** The file's path, or `-` for stdin. */
  readonly name: string;
  /** Size in bytes, when known before reading (regular files). */
  readonly size: number | undefined;
  /** The file's modification time (seconds since the Unix epoch), for files. */
  readonly mtime?: number | undefined;
  /** The bytes, in chunks. Iterate once. */
  readonly chunks: AsyncIterable<Uint8Array>;
  /** Bytes delivered so far. */
  readonly bytesRead: number;
}

/** Chunk size for files: large enough to amortise the per-chunk work, small enough to stay cache-friendly. */
const READ_CHUNK_SIZE = 256 * 1024;

/** What each file-system error code means, in a few words (the path is said once, in front). */
const FILE_ERRORS: Record<string, string> = {
  ENOENT: "no such file",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EISDIR: "is a directory",
  ENOTDIR: "not a directory (a part of the path is a file)",
  ELOOP: "too many symbolic links (a loop?)",
  ENAMETOOLONG: "file name too long",
  EMFILE: "too many open files",
  ENFILE: "too many open files",
  EIO: "input/output error",
  ENXIO: "no such device",
  ENODEV: "no such device",
  EBUSY: "device or resource busy",
  EINVAL: "cannot be read (invalid argument)",
};

/**
 * One line about a file that cannot be read: `path: reason`, the path cut to 200 characters (`…`). Node's own
 * message is not used where the code is known: it repeats the path (`ENOENT: no such file or directory, stat
 * '…'`), so a 100 KB path would be printed twice.
 */
export function describeFileError(path: string, error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const name = cutArgument(path);
  if (typeof code === "string") {
    const reason = FILE_ERRORS[code];
    return `${name}: ${reason ?? `cannot be read (${cutArgument(code)})`}`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return `${name}: ${cutArgument(message.split("\n", 1)[0] ?? "")}`;
}

/** True for an error from the file system (it has an errno code such as `ENOENT`). */
export function isFileError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    typeof code === "string" &&
    /^E[A-Z0-9]+$/.test(code) &&
    (error as { syscall?: unknown }).syscall !== undefined
  );
}

class CountingSource implements ByteSource {
  bytesRead = 0;
  mtime: number | undefined;
  constructor(
    readonly name: string,
    readonly size: number | undefined,
    private readonly stream: AsyncIterable<Uint8Array | string>,
  ) {}

  get chunks(): AsyncIterable<Uint8Array> {
    const source = this;
    return {
      async *[Symbol.asyncIterator]() {
        try {
          for await (const chunk of source.stream) {
            const bytes = typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk;
            source.bytesRead += bytes.length;
            yield bytes;
          }
        } catch (error) {
          throw new InputError(describeFileError(source.name, error));
        }
      },
    };
  }
}

/**
 * Opens a file, or stdin for `-` (or no path).
 *
 * @throws InputError when the file does not exist, is a directory or cannot be read (its message: one line, the
 * path cut to 200 characters).
 */
export async function openSource(
  path: string | undefined,
  stdin: AsyncIterable<Uint8Array | string> = process.stdin,
): Promise<ByteSource> {
  if (path === undefined || path === "-") return new CountingSource("-", undefined, stdin);
  let size: number | undefined;
  let mtime: number | undefined;
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw Object.assign(new Error("is a directory"), { code: "EISDIR" });
    size = info.isFile() ? info.size : undefined;
    mtime = info.mtimeMs / 1000;
  } catch (error) {
    throw new InputError(describeFileError(path, error));
  }
  const source = new CountingSource(path, size, createReadStream(path, { highWaterMark: READ_CHUNK_SIZE }));
  source.mtime = mtime;
  return source;
}
