/**
 * `ftp-reply parse [file|-]`: raw server→client bytes (a control connection's reply stream) → replies.
 */

import { createControlConnection } from "../connection/connection.js";
import { escapeText } from "../node/escape.js";
import { InputError, openSource } from "../node/sources.js";
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

const PARSE_USAGE = `usage: ftp-reply parse [options] [file|-]

Reads the bytes an FTP server sent on a control connection (stdin when no file or -) and prints each reply:
its code, its meaning and its lines; framing errors are reported with their byte offset and parsing goes on.
${COMMON_OPTIONS_HELP}
`;

export async function runParse(argv: readonly string[], io: CliIO): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(argv, { env: io.env, stdoutIsTTY: io.stdout.isTTY });
    if (parsed.positionals.length > 1) throw new UsageError("parse reads one file (or - for stdin)");
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`ftp-reply parse: ${escapeText(error.message)} (see ftp-reply parse --help)\n`);
    return EXIT_USAGE;
  }
  const { options, positionals } = parsed;
  if (options.help) {
    io.stdout.write(PARSE_USAGE);
    return EXIT_OK;
  }
  if (options.version) {
    io.stdout.write(`${VERSION}\n`);
    return EXIT_OK;
  }
  const out = createBufferedSink(io.stdout);
  const writer = createWriter(options.format, out, {
    lang: options.lang,
    color: options.color,
    summary: options.summary,
    showPasswords: options.showPasswords,
    stderr: io.stderr,
  });
  // The server's side of a control connection: its replies, and the problems of its bytes.
  const connection = createControlConnection({
    encoding: options.encoding,
    onReply: (reply) => writer.reply(reply),
    onProblem: (problem) => {
      if (problem.layer !== "dialogue")
        writer.diagnostic({ type: problem.type, message: problem.message, offset: problem.offset });
    },
  });
  try {
    const source = await openSource(positionals[0], io.stdin);
    const progress = createProgress(io.stderr, source.name, source.size);
    for await (const chunk of source.chunks) {
      connection.fromServer(chunk);
      progress.update(source.bytesRead);
      await out.drain();
    }
    progress.done();
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    await out.close();
    io.stderr.write(`ftp-reply parse: ${escapeText(error.message)}\n`);
    return EXIT_USAGE;
  }
  connection.end();
  writer.end();
  await out.close();
  return options.strict && writer.summary.diagnostics > 0 ? EXIT_PROTOCOL_ERRORS : EXIT_OK;
}
