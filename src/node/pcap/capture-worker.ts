/**
 * The worker thread of `analyzeFtpCaptureFiles`: reads and decodes the capture files the main thread opens on it
 * (several at once, each at its own pace) and posts their packets in batches (batch.ts), transferring the buffers.
 * Each file has a window of batches in flight: the main thread returns a credit for each batch it has analysed,
 * so a worker never reads far ahead of the analysis (memory bounded per file, whatever the file's size).
 */
import { parentPort } from "node:worker_threads";
import { type PacketBatch, readPacketBatches } from "./batch.js";
import type { CaptureReaderOptions } from "./reader.js";

/** What the main thread sends (files.ts). */
export type ToWorker =
  | { op: "open"; id: number; path: string; options: CaptureReaderOptions; window: number }
  | { op: "credit"; id: number }
  | { op: "close"; id: number };

interface OpenFile {
  credits: number;
  closed: boolean;
  wake: (() => void) | undefined;
}

const files = new Map<number, OpenFile>();

async function read(id: number, path: string, options: CaptureReaderOptions, window: number): Promise<void> {
  const file: OpenFile = { credits: window, closed: false, wake: undefined };
  files.set(id, file);
  try {
    for await (const item of readPacketBatches(path, options)) {
      while (file.credits === 0 && !file.closed) await new Promise<void>((wake) => (file.wake = wake));
      if (file.closed) return;
      if ("end" in item) {
        parentPort!.postMessage({ id, end: item });
        return;
      }
      file.credits--;
      const batch: PacketBatch = item;
      parentPort!.postMessage({ id, batch }, [
        batch.rows.buffer as ArrayBuffer,
        batch.bytes.buffer as ArrayBuffer,
      ]);
    }
  } finally {
    files.delete(id);
  }
}

parentPort?.on("message", (message: ToWorker) => {
  if (message.op === "open") {
    void read(message.id, message.path, message.options, message.window);
    return;
  }
  const file = files.get(message.id);
  if (file === undefined) return;
  if (message.op === "credit") file.credits++;
  else file.closed = true;
  const wake = file.wake;
  file.wake = undefined;
  wake?.();
});
