/**
 * The options of `ftp-reply pcap` for notices and Zeek logs: `--zeek-dir DIR`, `--bruteforce-threshold N`,
 * `--bruteforce-interval SECONDS` (docs/notices.md).
 */
import { cutArgument } from "../node/escape.js";
import { UsageError } from "./args.js";

export interface NoticeCliOptions {
  zeekDir?: string;
  bruteforceThreshold?: number;
  bruteforceInterval?: number;
}

/** A whole number of at least `min`, or a usage error naming the option. */
function wholeNumber(option: string, value: string, min: number): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number) || number < min) {
    throw new UsageError(
      `--${option} takes a whole number from ${min}, not ${JSON.stringify(cutArgument(value))}`,
    );
  }
  return number;
}

/** Reads the options from the parsed extras (values are strings, flags `true`). */
export function parseNoticeOptions(extra: ReadonlyMap<string, string | boolean>): NoticeCliOptions {
  const options: NoticeCliOptions = {};
  const dir = extra.get("zeek-dir");
  if (typeof dir === "string") {
    if (dir === "") throw new UsageError("--zeek-dir takes a folder");
    options.zeekDir = dir;
  }
  const threshold = extra.get("bruteforce-threshold");
  if (typeof threshold === "string")
    options.bruteforceThreshold = wholeNumber("bruteforce-threshold", threshold, 1);
  const interval = extra.get("bruteforce-interval");
  if (typeof interval === "string")
    options.bruteforceInterval = wholeNumber("bruteforce-interval", interval, 1);
  return options;
}
