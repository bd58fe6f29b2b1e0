/**
 * Preloaded into the CLI by scripts/cli-fuzz.mjs (`node --import`): at exit, writes the process's peak resident
 * set size in bytes to the file named by FTP_REPLY_RSS_FILE, so that a fuzzed run's memory is checked too.
 */
import { writeFileSync } from "node:fs";

const file = process.env.FTP_REPLY_RSS_FILE;
if (file) process.on("exit", () => writeFileSync(file, String(process.resourceUsage().maxRSS * 1024)));
