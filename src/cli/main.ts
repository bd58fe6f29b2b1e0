#!/usr/bin/env node
import { cutArgument, escapeText } from "../node/escape.js";
/**
 * `ftp-reply`: the command line. Subcommands:
 *   parse [file|-]     raw server→client bytes → replies
 *   log [file|-]       a captured session's log (curl, ftplib, lftp, vsftpd, ProFTPD, Pure-FTPd, C:/S:) → dialogue
 *   pcap <file>        a packet capture → the dialogue of each FTP control connection
 *   explain <code…>    what reply codes mean
 * Exit codes: 0 ok, 1 protocol errors with --strict or a damaged capture, 2 usage or I/O error (one line on stderr, never a trace),
 * 3 (pcap) a capture without FTP control connections.
 */
import { type CliIO, EXIT_OK, EXIT_USAGE, VERSION } from "./args.js";
import { runExplain } from "./explain.js";
import { runLog } from "./log-command.js";
import { runParse } from "./parse-command.js";
import { runPcapCommand } from "./pcap-command.js";

export const MAIN_USAGE = `usage: ftp-reply <command> [options] [file|-]

Reads the FTP control channel: replies, their meanings, and whole dialogues from logs and captures.

Commands:
  parse [file|-]    raw server→client bytes → replies, each with its meaning
  log [file|-]      a captured session's log → its dialogue (format recognised: curl -v, curl --trace-ascii,
                    Python ftplib, lftp, vsftpd, ProFTPD, Pure-FTPd, C:/S: dialogue, raw bytes)
  pcap <file>       a pcap/pcapng capture → the dialogue of each FTP control connection
  explain <code…>   what reply codes mean (--lang zh|en)

Common options: --format pretty|json|ndjson|zeek, --summary, --encoding E, --strict, --lang zh|en,
--no-color, --show-passwords. "ftp-reply <command> --help" tells more.
  -h, --help        this text
  -V, --version     the version

Exit codes: 0 ok; 1 the input had protocol errors (with --strict), or a capture file is damaged; 2 usage
or I/O error; 3 (pcap) the capture holds no FTP control connection.
`;

/** Runs the command line; returns the exit code. */
export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "parse":
      return runParse(rest, io);
    case "log":
      return runLog(rest, io);
    case "explain":
      return runExplain(rest, io);
    case "pcap":
      return runPcapCommand(rest, io);
    case "-h":
    case "--help":
    case "help":
      io.stdout.write(MAIN_USAGE);
      return EXIT_OK;
    case "-V":
    case "--version":
      io.stdout.write(`${VERSION}\n`);
      return EXIT_OK;
    case undefined:
      io.stderr.write("ftp-reply: no command given (parse, log, pcap or explain; see ftp-reply --help)\n");
      return EXIT_USAGE;
    default:
      io.stderr.write(
        `ftp-reply: unknown command ${escapeText(JSON.stringify(cutArgument(command)))} (see ftp-reply --help)\n`,
      );
      return EXIT_USAGE;
  }
}

// process.stdin is a getter that sets up the stream (a few milliseconds): only a `-` argument reads it.
const stdin: AsyncIterable<Uint8Array | string> = {
  [Symbol.asyncIterator]: () => process.stdin[Symbol.asyncIterator](),
};
const io: CliIO = { stdout: process.stdout, stderr: process.stderr, stdin, env: process.env };
// `ftp-reply … | head`: a closed pipe ends the output, not with an error.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(EXIT_OK);
  process.stderr.write(`ftp-reply: cannot write the output: ${error.message}\n`);
  process.exit(EXIT_USAGE);
});
/** A bug, not bad input: still one line (cut, escaped), never a stack trace. */
function internalError(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`ftp-reply: internal error: ${escapeText(cutArgument(message))}\n`);
  process.exitCode = EXIT_USAGE;
}
// An error thrown outside the promise (a stream's event handler) is reported the same way, not with a trace.
process.on("uncaughtException", (error) => {
  internalError(error);
  process.exit(EXIT_USAGE);
});
main(process.argv.slice(2), io).then((code) => {
  process.exitCode = code;
}, internalError);
