/**
 * `ftp-reply pcap <file>`: the FTP dialogue of a pcap or pcapng capture, in the same formats as `ftp-reply log`.
 */
import { stat } from "node:fs/promises";
import type { Lang } from "../codes.js";
import { cutArgument, escapeText } from "../node/escape.js";
import type { CaptureStats } from "../node/pcap/capture.js";
import { type CaptureDiagnostic, CaptureFormatError } from "../node/pcap/errors.js";
import type { FileOptions } from "../node/pcap/files.js";
import {
  analyzeFtpCapture,
  type ControlConnection,
  type DataConnection,
  type FtpCaptureCallbacks,
  type FtpCaptureOptions,
  type FtpCaptureResult,
} from "../node/pcap/ftp.js";
import { analyzeFtpCaptureFiles, listCaptureFiles } from "../node/pcap/many-captures.js";
import { SessionSummaries } from "../node/pcap/sessions.js";
import { describeFileError, InputError, isFileError, openSource } from "../node/sources.js";
import { COMMON_OPTIONS_HELP, type ParsedArgs, parseArgs, UsageError, VERSION } from "./args.js";
import { PCAP_TEXT, type PcapText } from "./messages.js";
import { createBufferedSink, createWriter, type TextSink, type WritableLike } from "./output.js";
import { createPcapAnalysis } from "./pcap-analysis.js";
import {
  fileFields,
  fileOptionsOf,
  fileText,
  PCAP_FILES_HELP,
  PCAP_FILES_OPTIONS,
  prepareFolders,
  sessionLines,
  sessionRecord,
} from "./pcap-files.js";
import { parseNoticeOptions } from "./pcap-notice-options.js";
import { createProgress } from "./progress.js";

const EXIT_OK = 0;
const EXIT_PROBLEMS = 1;
const EXIT_USAGE = 2;
/** The capture was read and holds no FTP control connection (docs/cli.md). */
const EXIT_NO_FTP = 3;

export interface PcapCommandIO {
  /** With `once("drain")` (a Node stream), the reading waits for the output to drain (back-pressure). */
  stdout: WritableLike & { isTTY?: boolean | undefined };
  /** On a terminal (`isTTY`), a large capture gets a progress bar here. */
  stderr: TextSink & { isTTY?: boolean | undefined };
  env: Record<string, string | undefined>;
  stdin: AsyncIterable<Uint8Array | string>;
}

const PCAP_USAGE = `usage: ftp-reply pcap [options] <file.pcap|file.pcapng|directory|glob …|->

Reads a packet capture (pcap or pcapng, any byte order, µs or ns), reassembles its TCP streams and prints the
FTP dialogue of every control connection, with the data connections each one opened. Several files (rotated
captures, a directory of them, a glob such as 'trace.pcap*') are read as one capture, merged in time order.

Options:
${COMMON_OPTIONS_HELP}
      --port N[,N…]   server ports of FTP control connections (default 21); others are found by their 220 greeting
      --no-detect     only the --port ports: do not look for greetings on other ports
      --no-data       do not list data connections
${PCAP_FILES_HELP}
      --zeek-dir DIR  also write Zeek logs to DIR: ftp.log, files.log, notice.log, weird.log, ssl.log (docs/notices.md)
      --bruteforce-threshold N    refused logins from one address that raise FTP::Bruteforcing (default 20)
      --bruteforce-interval SECS  the window they must fall in, in seconds (default 900)
      --jobs N        worker threads reading several files (default: one per core; 1: none)
  -h, --help          this help

Exit codes: 0 ok; 1 a damaged capture, or problems with --strict; 2 usage or I/O error; 3 the capture holds no
FTP control connection (said on stderr).
`;

/** `--jobs N`: a whole number from 1 to 256. */
function parseJobs(value: string): number {
  const jobs = Number(value);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 256) {
    throw new UsageError(`--jobs takes a number of threads 1-256, not ${JSON.stringify(cutArgument(value))}`);
  }
  return jobs;
}

/** Ports from `--port 21,2121`. */
function parsePorts(value: string): number[] {
  const ports = value.split(",").map((part) => Number(part.trim()));
  for (const port of ports) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new UsageError(`--port takes port numbers 1-65535, not ${JSON.stringify(cutArgument(value))}`);
    }
  }
  return ports;
}

/** True for an argument that names something other than a directory or a glob pattern (read as one file). */
async function isPlainFile(path: string): Promise<boolean> {
  const info = await stat(path).catch(() => undefined);
  return info === undefined ? !/[*?[]/.test(path) : !info.isDirectory();
}

function connectionLine(control: ControlConnection, text: PcapText): string {
  const how = control.foundBy === "port" ? text.byPort(control.tcp.server.port) : text.byGreeting;
  const partial = control.tcp.handshakeSeen ? "" : text.midConnection;
  return `── ${text.control} tcp.stream ${control.tcp.index}: ${control.tcp.client.text} → ${control.tcp.server.text} (${how}${partial})\n`;
}

function dataRecord(data: DataConnection): Record<string, unknown> {
  return {
    record: "data-connection",
    uid: `tcp${data.tcp.index}`,
    control: data.control.info.uid,
    passive: data.passive,
    "id.orig_h": data.control.info.origHost,
    origEndpoint: data.tcp.client.text,
    respEndpoint: data.tcp.server.text,
    command: data.exchange?.command?.verb,
    arg: data.exchange?.command?.arg,
    bytesToClient: data.bytesToClient,
    bytesToServer: data.bytesToServer,
    missingBytes: data.missingBytes,
    closed: data.closed,
    ...fileFields(data),
  };
}

function dataLine(data: DataConnection, text: PcapText): string {
  const command = data.exchange?.command;
  const what =
    command === undefined
      ? ""
      : text.forCommand(
          `${escapeText(command.verb)}${command.arg === "" ? "" : ` ${escapeText(command.arg)}`}`,
        );
  const missing = data.missingBytes > 0 ? text.missing(data.missingBytes) : "";
  const ending = data.closed === "rst" ? text.reset : data.closed === "end" ? text.stillOpen : "";
  return `   ↳ ${text.data} tcp.stream ${data.tcp.index}${what}: ${data.tcp.client.text} → ${data.tcp.server.text} (${data.passive ? text.passive : text.active}), ${text.bytes(data.bytesToClient, data.bytesToServer)}${missing}${ending}${fileText(data, text === PCAP_TEXT.zh ? "zh" : "en")}\n`;
}

/** The pcap rows of the pretty summary: the capture, its connections, data bytes measured, caps reached. */
function summaryRows(
  result: FtpCaptureResult,
  dataBytes: number,
  text: PcapText,
  files: number | undefined,
): string {
  const s = result.stats;
  const other = Object.values(s.otherProtocols).reduce((a, b) => a + b, 0);
  const skipped = Object.entries(s.skipped).map(([type, n]) => `${type} ${n}`);
  const dropped = Object.entries(s.dropped).map(([what, n]) => `${what} ${n}`);
  return (
    text.captureRow(
      files === undefined ? (s.format ?? "?") : text.files(files),
      s.packets,
      s.tcpSegments,
      other,
      s.notIp,
      skipped.join(", "),
    ) +
    text.connectionsRow(
      s.connections,
      result.controlConnections,
      result.dataConnections,
      result.otherConnections,
    ) +
    text.dataBytesRow(dataBytes) +
    (dropped.length === 0 ? "" : text.droppedRow(dropped.join(", ")))
  );
}

/** The same counts in the json/ndjson summary record. */
function summaryFields(result: FtpCaptureResult, dataBytes: number): Record<string, unknown> {
  const s: CaptureStats = result.stats;
  return {
    capture: {
      format: s.format,
      packets: s.packets,
      tcpSegments: s.tcpSegments,
      otherIp: Object.values(s.otherProtocols).reduce((a, b) => a + b, 0),
      notIp: s.notIp,
      skipped: s.skipped,
    },
    connections: {
      tcp: s.connections,
      control: result.controlConnections,
      data: result.dataConnections,
      other: result.otherConnections,
    },
    dataBytes,
    dropped: s.dropped,
  };
}

function diagnosticMessage(d: CaptureDiagnostic, lang: Lang): string {
  const message = PCAP_TEXT[lang].diagnostic(d);
  const where = d.frame > 0 ? `${PCAP_TEXT[lang].frame(d.frame)}: ${message}` : message;
  // Several files: the frame counts in the file named.
  return d.file === undefined ? where : `${cutArgument(d.file)}: ${where}`;
}

/**
 * Runs `ftp-reply pcap` with the arguments after `pcap`.
 *
 * @returns 0 when the capture was read; 1 when the file is damaged (after printing all that was readable) or,
 * with `--strict`, when it had problems; 2 on a usage error, an unreadable file or one that is no capture at all
 * (`bad-magic`: nothing in it was readable); 3 when it was read and holds no FTP control connection.
 */
export async function runPcapCommand(argv: string[], io: PcapCommandIO): Promise<number> {
  let parsed: ParsedArgs;
  let ports: number[] = [21];
  let notice: ReturnType<typeof parseNoticeOptions> = {};
  let fileOptions: FileOptions = {};
  let jobs: number | undefined;
  try {
    parsed = parseArgs(argv, { env: io.env, stdoutIsTTY: io.stdout.isTTY }, [
      { name: "port", takesValue: true },
      { name: "no-detect", takesValue: false },
      { name: "no-data", takesValue: false },
      { name: "zeek-dir", takesValue: true },
      { name: "bruteforce-threshold", takesValue: true },
      { name: "bruteforce-interval", takesValue: true },
      ...PCAP_FILES_OPTIONS,
      { name: "jobs", takesValue: true },
    ]);
    notice = parseNoticeOptions(parsed.extra);
    fileOptions = fileOptionsOf(parsed.extra);
    const portValue = parsed.extra.get("port");
    if (typeof portValue === "string") ports = parsePorts(portValue);
    const jobsValue = parsed.extra.get("jobs");
    if (typeof jobsValue === "string") jobs = parseJobs(jobsValue);
    if (!parsed.options.help && !parsed.options.version && parsed.positionals.length === 0) {
      throw new UsageError("no capture file given");
    }
    if (parsed.positionals.length > 1 && parsed.positionals.includes("-")) {
      throw new UsageError("stdin (-) cannot be read with other capture files");
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`ftp-reply pcap: ${escapeText(error.message)}; see ftp-reply pcap --help\n`);
    return EXIT_USAGE;
  }
  const { options, extra, positionals } = parsed;
  if (options.help) {
    io.stdout.write(PCAP_USAGE);
    return EXIT_OK;
  }
  if (options.version) {
    io.stdout.write(`${VERSION}\n`);
    return EXIT_OK;
  }
  const path = positionals[0]!;
  const format = options.format;
  const unusable = prepareFolders(extra);
  if (unusable !== undefined) {
    io.stderr.write(`ftp-reply pcap: ${escapeText(unusable)}\n`);
    return EXIT_USAGE;
  }
  const sessions = new SessionSummaries();
  // Output goes through a buffered sink whose drain the reading awaits: a slow reader of stdout slows the
  // reading of the capture instead of letting the output pile up in memory.
  const out = createBufferedSink(io.stdout);
  const writer = createWriter(format, out, {
    lang: options.lang,
    color: options.color,
    summary: options.summary,
    showPasswords: options.showPasswords,
    zeekLoggedCommands: options.zeekLoggedCommands,
    stderr: io.stderr,
  });
  const showData = !extra.has("no-data");
  let analysis: ReturnType<typeof createPcapAnalysis>;
  try {
    analysis = createPcapAnalysis({
      format,
      out,
      writer,
      writerOptions: {
        lang: options.lang,
        color: false,
        summary: false,
        showPasswords: options.showPasswords,
      },
      ...notice,
      onNotice: (raised) => {
        if (raised.conn?.uid !== undefined) sessions.notice(raised.conn.uid);
      },
    });
  } catch (error) {
    if (!isFileError(error)) throw error;
    const dir = notice.zeekDir ?? "";
    // mkdir of a path that is a file: EEXIST, which the readers' table words for reading.
    const why =
      (error as { code?: unknown }).code === "EEXIST"
        ? `${cutArgument(dir)}: is a file, not a folder`
        : describeFileError(dir, error);
    io.stderr.write(`ftp-reply pcap: --zeek-dir cannot be written: ${escapeText(why)}\n`);
    return EXIT_USAGE;
  }
  const text = PCAP_TEXT[options.lang];
  let lastControl = -1;
  let problems = 0;
  /** Payload bytes carried by the data connections, as measured (whatever 150 replies announced). */
  let dataBytes = 0;
  let noFtp = false;

  const emitData = (data: DataConnection): void => {
    analysis.dataConnection(data);
    sessions.data(data);
    dataBytes += data.bytesToClient + data.bytesToServer;
    if (!showData) return;
    if (format === "pretty") out.write(dataLine(data, text));
    // zeek: ftp.log has no room for it (files.log, with --zeek-dir, has).
    else if (format === "zeek") io.stderr.write(dataLine(data, text));
    else writer.record(dataRecord(data));
  };

  let progress: ReturnType<typeof createProgress> | undefined;
  const callbacks: FtpCaptureCallbacks = {
    onExchange(exchange, control, transfer) {
      if (format === "pretty" && control.tcp.index !== lastControl) {
        out.write(connectionLine(control, text));
        lastControl = control.tcp.index;
      }
      problems += exchange.diagnostics.length;
      writer.exchange(exchange, control.info, transfer);
      analysis.exchange(exchange, control, transfer);
      sessions.exchange(exchange, control);
    },
    onControlConnection(control) {
      sessions.control(control);
      analysis.controlStart(control);
    },
    onControlEnd: (control) => analysis.controlEnd(control),
    onControlProblem: (problem, control) => analysis.controlProblem(problem, control),
    onTls: (handshake, control) => analysis.tls(handshake, control),
    onDataConnection: emitData,
    onDiagnostic(d) {
      problems++;
      writer.diagnostic({
        type: d.type,
        message: diagnosticMessage(d, options.lang),
        offset: d.fileOffset,
      });
      analysis.diagnostic(d);
    },
    onChunk: async () => {
      await out.drain();
      await analysis.drain();
    },
  };
  const captureOptions: FtpCaptureOptions = {
    ports,
    detectByGreeting: !extra.has("no-detect"),
    encoding: options.encoding,
    session: { recordPasswords: options.showPasswords },
    files: fileOptions,
  };
  /** The summary, the Zeek logs' footers and the end of the output; an exit code when --zeek-dir failed. */
  const finish = async (
    result: FtpCaptureResult,
    files: number | undefined,
    anyRead = true,
  ): Promise<number | undefined> => {
    progress?.done();
    if (options.summary && (format === "json" || format === "ndjson"))
      writer.record(analysis.summaryRecord());
    if (options.summary) for (const session of sessions.list()) writer.record(sessionRecord(session));
    writer.end(summaryFields(result, dataBytes));
    if (options.summary && format !== "json" && format !== "ndjson") {
      (format === "zeek" ? io.stderr : out).write(
        summaryRows(result, dataBytes, text, files) +
          sessionLines(sessions.list(), sessions.omitted, options.lang) +
          analysis.summaryText(),
      );
    }
    try {
      await analysis.close();
    } catch (error) {
      if (!isFileError(error)) throw error;
      await out.close();
      io.stderr.write(
        `ftp-reply pcap: --zeek-dir cannot be written: ${escapeText(describeFileError(notice.zeekDir ?? "", error))}\n`,
      );
      return EXIT_USAGE;
    }
    await out.close();
    // (Files none of which could be read were each named already.)
    if (result.controlConnections === 0 && anyRead) {
      const what = files === undefined ? cutArgument(path) : `${files} files`;
      io.stderr.write(`ftp-reply pcap: ${escapeText(what)}: ${text.noFtp(result.stats)}\n`);
      noFtp = true;
    }
    return undefined;
  };
  const fileErrorLine = (file: string, error: unknown): string =>
    error instanceof CaptureFormatError
      ? `ftp-reply pcap: ${escapeText(`${cutArgument(file)}: ${error.type}: ${error.message}`)}\n`
      : `ftp-reply pcap: cannot read ${escapeText(describeFileError(file, error))}\n`;

  // Several files, a directory, a glob or --jobs: the files are merged into one capture (many-captures.ts).
  const single = positionals.length === 1 && jobs === undefined;
  if (!single || (path !== "-" && !(await isPlainFile(path)))) {
    const { files, skipped } = await listCaptureFiles(positionals);
    if (skipped.length > 0) {
      io.stderr.write(
        `ftp-reply pcap: ${skipped.length} file(s) that are not captures skipped: ${escapeText(skipped.slice(0, 5).map(cutArgument).join(", "))}${skipped.length > 5 ? ", …" : ""}\n`,
      );
    }
    if (files.length === 0) {
      const named = escapeText(positionals.slice(0, 3).map(cutArgument).join(", "));
      io.stderr.write(`ftp-reply pcap: no capture files in ${named}${positionals.length > 3 ? ", …" : ""}\n`);
      return EXIT_USAGE;
    }
    let unreadable = 0;
    const result = await analyzeFtpCaptureFiles(
      files,
      {
        ...callbacks,
        onFileError(file, error) {
          problems++;
          // Nothing of it was read: not a capture at all, or not readable.
          if (isFileError(error) || (error instanceof CaptureFormatError && error.type === "bad-magic"))
            unreadable++;
          io.stderr.write(fileErrorLine(file, error));
        },
      },
      { ...captureOptions, ...(jobs === undefined ? {} : { jobs }) },
    );
    const failed = await finish(result, result.files.length, unreadable < files.length);
    if (failed !== undefined) return failed;
    if (unreadable === files.length) return EXIT_USAGE;
    const damaged = result.files.some((f) => f.error !== undefined);
    if (damaged || (options.strict && problems > 0)) return EXIT_PROBLEMS;
    return noFtp ? EXIT_NO_FTP : EXIT_OK;
  }

  try {
    const source = await openSource(path, io.stdin);
    progress = createProgress(io.stderr, source.name, source.size);
    const reading = progress;
    callbacks.onChunk = async () => {
      reading.update(source.bytesRead);
      await out.drain();
      await analysis.drain();
    };
    const failed = await finish(await analyzeFtpCapture(source.chunks, callbacks, captureOptions), undefined);
    if (failed !== undefined) return failed;
  } catch (error) {
    if (error instanceof CaptureFormatError) {
      writer.end();
      await analysis.close();
      await out.close();
      io.stderr.write(fileErrorLine(path, error));
      // Not a capture at all (e.g. /dev/zero): nothing was readable, as for a file that cannot be opened.
      return error.type === "bad-magic" ? EXIT_USAGE : EXIT_PROBLEMS;
    }
    if (error instanceof InputError) {
      io.stderr.write(`ftp-reply pcap: cannot read ${escapeText(error.message)}\n`);
      return EXIT_USAGE;
    }
    if (isFileError(error)) {
      io.stderr.write(fileErrorLine(path, error));
      return EXIT_USAGE;
    }
    throw error;
  }
  if (options.strict && problems > 0) return EXIT_PROBLEMS;
  return noFtp ? EXIT_NO_FTP : EXIT_OK;
}
