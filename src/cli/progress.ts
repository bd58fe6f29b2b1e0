/**
 * A progress bar on stderr for long inputs: shown only when stderr is a terminal and the input is larger than a
 * few megabytes (small inputs finish before a bar would help), redrawn at most every 100 ms, erased at the end.
 */
import { quoteArgument } from "../node/escape.js";

/** Inputs at least this large get a bar. */
export const PROGRESS_THRESHOLD_BYTES = 4 * 1024 * 1024;
const REDRAW_INTERVAL_MS = 100;
const BAR_WIDTH = 30;

export interface ProgressTarget {
  write(text: string): unknown;
  readonly isTTY?: boolean | undefined;
}

export interface Progress {
  /** Bytes processed so far. */
  update(bytesRead: number): void;
  /** Erases the bar. */
  done(): void;
}

const NO_PROGRESS: Progress = { update() {}, done() {} };

function formatMegabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** The bar's text for `read` of `total` bytes. `label` (a file name) is cut to 200 characters and escaped. */
export function renderProgress(label: string, read: number, total: number): string {
  const fraction = total > 0 ? Math.min(1, read / total) : 0;
  const filled = Math.round(fraction * BAR_WIDTH);
  const bar = `${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}`;
  return `${quoteArgument(label)} [${bar}] ${String(Math.floor(fraction * 100)).padStart(3)}% ${formatMegabytes(read)}/${formatMegabytes(total)}`;
}

/** A bar for an input of `total` bytes, or a no-op when it would not help (not a TTY, small or unknown size). */
export function createProgress(
  target: ProgressTarget,
  label: string,
  total: number | undefined,
  now: () => number = Date.now,
): Progress {
  if (target.isTTY !== true || total === undefined || total < PROGRESS_THRESHOLD_BYTES) return NO_PROGRESS;
  let last = 0;
  let shown = false;
  return {
    update(read) {
      const time = now();
      if (time - last < REDRAW_INTERVAL_MS) return;
      last = time;
      shown = true;
      target.write(`\r${renderProgress(label, read, total)}`);
    },
    done() {
      // Erase the line: CR, then clear to its end (ANSI EL).
      if (shown) target.write("\r\u001b[K");
    },
  };
}
