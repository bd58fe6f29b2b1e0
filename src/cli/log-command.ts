/**
 * `ftp-reply log [file|-]`: a captured session's log → its dialogue (each command with its replies).
 * The format is recognised from the first lines, or given with `--input-format`.
 */

import { readFile } from "node:fs/promises";
import { cutArgument, escapeText } from "../node/escape.js";
import { InputError, openSource } from "../node/sources.js";
import {
  INPUT_FORMAT_NAMES,
  readTranscript,
  TRANSCRIPT_FORMATS,
  TranscriptFormatError,
  type TranscriptFormatName,
} from "../node/transcripts/index.js";
import { logFormatsOfConfig } from "../node/transcripts/log-format.js";
import {
  type CliIO,
  COMMON_OPTIONS_HELP,
  EXIT_OK,
  EXIT_PROTOCOL_ERRORS,
  EXIT_USAGE,
  parseArgs,
  UsageError,
  VERSION,
} from "./args.js";
import { createBufferedSink, createWriter } from "./output.js";
import { createProgress } from "./progress.js";

const LOG_USAGE = `usage: ftp-reply log [options] [file|-]

Reads a captured FTP session's log (stdin when no file or -) and prints its dialogue: each command with its
replies, the greeting, unsolicited replies, and what broke the rules.
  --input-format F    the log's format (default: recognised from its first lines):
${[
  "raw      server→client bytes as sent",
  ...TRANSCRIPT_FORMATS.map((f) => `${f.name.padEnd(16)} ${f.description}`),
]
  .map((line) => `                        ${line}`)
  .join("\n")
  .replace("raw      ", "raw              ")}
  --log-format F      ProFTPD ExtendedLog: the server's LogFormat string, e.g. '%t %a %u "%r" %s'
                      (default: %h %l %u %t "%r" %s, then "%S" or %b)
  --log-format-file C the LogFormat lines of a ProFTPD configuration file C (each line is read with the
                      first that matches it; --log-format-name N takes the one named N)
  --year YYYY         the year of dates logged without one (syslog's "Nov 24 11:51:39"); default: the
                      file's modification time (now for stdin), the year before for months after it
${COMMON_OPTIONS_HELP}
`;

/**
 * The LogFormat(s) to read a ProFTPD ExtendedLog with: `--log-format`, or the `LogFormat` lines of
 * `--log-format-file` (all of them, or the one `--log-format-name` names).
 */
async function logFormatOption(extra: Map<string, string | true>): Promise<string | string[] | undefined> {
  const given = extra.get("log-format");
  const file = extra.get("log-format-file");
  const name = extra.get("log-format-name");
  if (given !== undefined && file !== undefined)
    throw new UsageError("--log-format and --log-format-file: give one of them");
  if (name !== undefined && file === undefined)
    throw new UsageError("--log-format-name needs --log-format-file");
  if (typeof given === "string") return given;
  if (typeof file !== "string") return undefined;
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new UsageError(
      `cannot read ${cutArgument(file)}: ${(error as NodeJS.ErrnoException).code ?? "error"}`,
    );
  }
  const formats = logFormatsOfConfig(text).filter((f) => name === undefined || f.name === name);
  if (formats.length === 0)
    throw new UsageError(
      `${cutArgument(file)} has no LogFormat line${typeof name === "string" ? ` named ${JSON.stringify(cutArgument(name))}` : ""}`,
    );
  return formats.map((f) => f.format);
}

export async function runLog(argv: readonly string[], io: CliIO): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(argv, { env: io.env, stdoutIsTTY: io.stdout.isTTY }, [
      { name: "input-format", takesValue: true, values: INPUT_FORMAT_NAMES },
      { name: "year", takesValue: true },
      { name: "log-format", takesValue: true },
      { name: "log-format-file", takesValue: true },
      { name: "log-format-name", takesValue: true },
    ]);
    const year = parsed.extra.get("year");
    if (year !== undefined && !/^\d{4}$/.test(String(year)))
      throw new UsageError("--year takes a four-digit year");
    if (parsed.positionals.length > 1) throw new UsageError("log reads one file (or - for stdin)");
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`ftp-reply log: ${escapeText(error.message)} (see ftp-reply log --help)\n`);
    return EXIT_USAGE;
  }
  const { options, extra, positionals } = parsed;
  if (options.help) {
    io.stdout.write(LOG_USAGE);
    return EXIT_OK;
  }
  if (options.version) {
    io.stdout.write(`${VERSION}\n`);
    return EXIT_OK;
  }
  const inputFormat = (extra.get("input-format") as TranscriptFormatName | undefined) ?? "auto";
  let logFormat: string | string[] | undefined;
  try {
    logFormat = await logFormatOption(extra);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`ftp-reply log: ${escapeText(error.message)} (see ftp-reply log --help)\n`);
    return EXIT_USAGE;
  }
  const out = createBufferedSink(io.stdout);
  const writer = createWriter(options.format, out, {
    lang: options.lang,
    color: options.color,
    summary: options.summary,
    showPasswords: options.showPasswords,
    zeekLoggedCommands: options.zeekLoggedCommands,
    sessions: true,
    stderr: io.stderr,
  });
  try {
    const source = await openSource(positionals[0], io.stdin);
    const progress = createProgress(io.stderr, source.name, source.size);
    await readTranscript(source.chunks, {
      format: inputFormat,
      encoding: options.encoding,
      recordPasswords: options.showPasswords,
      year: extra.get("year") === undefined ? undefined : Number(extra.get("year")),
      logFormat,
      onTransfer: (transfer, conn) => writer.transfer(transfer, conn),
      referenceTime: source.mtime,
      onExchange: (exchange, conn) => writer.exchange(exchange, conn),
      onSessionEnd: (conn) => writer.sessionEnd(conn),
      onProblem: (problem) => writer.diagnostic(problem),
      onChunk: async () => {
        progress.update(source.bytesRead);
        await out.drain();
      },
    });
    progress.done();
  } catch (error) {
    if (error instanceof InputError || error instanceof TranscriptFormatError) {
      await out.close();
      io.stderr.write(`ftp-reply log: ${escapeText(error.message)}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
  writer.end();
  await out.close();
  return options.strict && writer.summary.diagnostics > 0 ? EXIT_PROTOCOL_ERRORS : EXIT_OK;
}
