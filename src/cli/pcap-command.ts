/**
 * `ftp-reply pcap <file>`: the FTP dialogue of a pcap or pcapng capture, in the same formats as `ftp-reply log`.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { cutArgument, escapeJson, escapeText } from "../node/escape.js";
import { type CaptureDiagnostic, CaptureFormatError } from "../node/pcap/errors.js";
import { analyzeFtpCaptureFiles, listCaptureFiles } from "../node/pcap/files.js";
import {
  analyzeFtpCapture,
  type ControlConnection,
  type DataConnection,
  type FtpCaptureCallbacks,
  type FtpCaptureOptions,
  type FtpCaptureResult,
} from "../node/pcap/ftp.js";
import { describeFileError, isFileError } from "../node/sources.js";
import { COMMON_OPTIONS_HELP, type ParsedArgs, parseArgs, UsageError, VERSION } from "./args.js";
import { createBufferedSink, createWriter, type TextSink, type WritableLike } from "./output.js";

const EXIT_OK = 0;
const EXIT_PROBLEMS = 1;
const EXIT_USAGE = 2;

export interface PcapCommandIO {
  /** With `once("drain")` (a Node stream), the reading waits for the output to drain (back-pressure). */
  stdout: WritableLike & { isTTY?: boolean | undefined };
  stderr: TextSink;
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
      --jobs N        worker threads reading several files (default: one per core; 1: none)
  -h, --help          this help
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

async function* toBytes(source: AsyncIterable<Uint8Array | string>): AsyncIterable<Uint8Array> {
  const encoder = new TextEncoder();
  for await (const chunk of source) yield typeof chunk === "string" ? encoder.encode(chunk) : chunk;
}

/** True for an argument that names something other than a directory or a glob pattern (read as one file). */
async function isPlainFile(path: string): Promise<boolean> {
  const info = await stat(path).catch(() => undefined);
  return info === undefined ? !/[*?[]/.test(path) : !info.isDirectory();
}

function connectionLine(control: ControlConnection): string {
  const how = control.foundBy === "port" ? `port ${control.tcp.server.port}` : "found by its greeting";
  const partial = control.tcp.handshakeSeen ? "" : ", capture starts mid-connection";
  return `── control connection tcp.stream ${control.tcp.index}: ${control.tcp.client.text} → ${control.tcp.server.text} (${how}${partial})\n`;
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
  };
}

function dataLine(data: DataConnection): string {
  const command = data.exchange?.command;
  const what =
    command === undefined
      ? ""
      : ` for ${escapeText(command.verb)}${command.arg === "" ? "" : ` ${escapeText(command.arg)}`}`;
  const bytes =
    data.bytesToServer > 0 && data.bytesToClient === 0
      ? `${data.bytesToServer} bytes to server`
      : data.bytesToServer > 0
        ? `${data.bytesToClient} bytes to client, ${data.bytesToServer} to server`
        : `${data.bytesToClient} bytes to client`;
  const missing = data.missingBytes > 0 ? `, ${data.missingBytes} bytes missing from the capture` : "";
  const ending = data.closed === "rst" ? ", reset" : data.closed === "end" ? ", still open at the end" : "";
  return `   ↳ data tcp.stream ${data.tcp.index}${what}: ${data.tcp.client.text} → ${data.tcp.server.text} (${data.passive ? "passive" : "active"}), ${bytes}${missing}${ending}\n`;
}

/** The summary line of states dropped by the caps (docs/pcap-limits.md), when any were. */
function droppedLine(dropped: Partial<Record<string, number>>): string {
  const parts = Object.entries(dropped).map(([what, n]) => `${what} ${n}`);
  return parts.length === 0 ? "" : `  dropped      ${parts.join(", ")} (caps reached)\n`;
}

function diagnosticMessage(d: CaptureDiagnostic): string {
  const where = d.frame > 0 ? `frame ${d.frame}: ${d.message}` : d.message;
  // Several files: the frame counts in the file named.
  return d.file === undefined ? where : `${cutArgument(d.file)}: ${where}`;
}

/** The summary's capture line: the format (or the number of files) and what every packet was. */
function captureLine(s: FtpCaptureResult["stats"], files: number | undefined): string {
  const other = Object.values(s.otherProtocols).reduce((a, b) => a + b, 0);
  const skipped = Object.entries(s.skipped)
    .map(([type, n]) => `${type} ${n}`)
    .join(", ");
  const what = files === undefined ? (s.format ?? "?") : `${files} file${files === 1 ? "" : "s"}`;
  return `  capture      ${what}, ${s.packets} packets: ${s.tcpSegments} TCP, ${other} other IP, ${s.notIp} not IP${skipped === "" ? "" : `, skipped: ${skipped}`}\n`;
}

/**
 * Runs `ftp-reply pcap` with the arguments after `pcap`.
 *
 * @returns 0 when the capture was read; 1 when the file is damaged (after printing all that was readable) or,
 * with `--strict`, when it had problems; 2 on a usage error, an unreadable file or one that is no capture at all
 * (`bad-magic`: nothing in it was readable).
 */
export async function runPcapCommand(argv: string[], io: PcapCommandIO): Promise<number> {
  let parsed: ParsedArgs;
  let ports: number[] = [21];
  let jobs: number | undefined;
  try {
    parsed = parseArgs(argv, { env: io.env, stdoutIsTTY: io.stdout.isTTY }, [
      { name: "port", takesValue: true },
      { name: "no-detect", takesValue: false },
      { name: "no-data", takesValue: false },
      { name: "jobs", takesValue: true },
    ]);
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
  // Output goes through a buffered sink whose drain the reading awaits: a slow reader of stdout slows the
  // reading of the capture instead of letting the output pile up in memory.
  const out = createBufferedSink(io.stdout);
  const writer = createWriter(format, out, {
    lang: options.lang,
    color: options.color,
    summary: options.summary,
    showPasswords: options.showPasswords,
    stderr: io.stderr,
  });
  const showData = !extra.has("no-data");
  let lastControl = -1;
  let records = 0;
  let problems = 0;

  const emitData = (data: DataConnection): void => {
    if (!showData) return;
    if (format === "pretty") out.write(dataLine(data));
    else if (format === "ndjson") out.write(`${escapeJson(JSON.stringify(dataRecord(data)))}\n`);
    // json: the array is open and holds at least the transfer's exchange, so another element can follow.
    else if (format === "json" && records > 0)
      out.write(`,\n${escapeJson(JSON.stringify(dataRecord(data)))}`);
  };
  const callbacks: FtpCaptureCallbacks = {
    onExchange(exchange, control) {
      if (format === "pretty" && control.tcp.index !== lastControl) {
        out.write(connectionLine(control));
        lastControl = control.tcp.index;
      }
      problems += exchange.diagnostics.length;
      writer.exchange(exchange, control.info);
      records++;
    },
    onDataConnection: emitData,
    onDiagnostic(d) {
      problems++;
      writer.diagnostic({ type: d.type, message: diagnosticMessage(d), offset: d.fileOffset });
      records++;
    },
    onChunk: () => out.drain(),
  };
  const analysis: FtpCaptureOptions = {
    ports,
    detectByGreeting: !extra.has("no-detect"),
    encoding: options.encoding,
    session: { recordPasswords: options.showPasswords },
  };
  const finish = async (result: FtpCaptureResult, files: number | undefined): Promise<void> => {
    writer.end();
    if (options.summary && format !== "json" && format !== "ndjson") {
      const s = result.stats;
      const target = format === "zeek" ? io.stderr : out;
      target.write(
        captureLine(s, files) +
          `  connections  ${s.connections} TCP: ${result.controlConnections} FTP control, ${result.dataConnections} FTP data, ${result.otherConnections} other\n` +
          droppedLine(s.dropped),
      );
    }
    await out.close();
  };
  const fileErrorLine = (file: string, error: unknown): string =>
    error instanceof CaptureFormatError
      ? `ftp-reply pcap: ${escapeText(`${cutArgument(file)}: ${error.type}: ${error.message}`)}\n`
      : `ftp-reply pcap: cannot read ${escapeText(describeFileError(file, error))}\n`;

  // Several files, a directory, a glob or --jobs: the files are merged into one capture (files.ts).
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
      { ...analysis, ...(jobs === undefined ? {} : { jobs }) },
    );
    await finish(result, result.files.length);
    if (unreadable === files.length) return EXIT_USAGE;
    const damaged = result.files.some((f) => f.error !== undefined);
    return damaged || (options.strict && problems > 0) ? EXIT_PROBLEMS : EXIT_OK;
  }

  const source: AsyncIterable<Uint8Array> =
    path === "-" ? toBytes(io.stdin) : createReadStream(path, { highWaterMark: 256 * 1024 });
  try {
    await finish(await analyzeFtpCapture(source, callbacks, analysis), undefined);
  } catch (error) {
    if (error instanceof CaptureFormatError) {
      writer.end();
      await out.close();
      io.stderr.write(fileErrorLine(path, error));
      // Not a capture at all (e.g. /dev/zero): nothing was readable, as for a file that cannot be opened.
      return error.type === "bad-magic" ? EXIT_USAGE : EXIT_PROBLEMS;
    }
    if (isFileError(error)) {
      io.stderr.write(fileErrorLine(path, error));
      return EXIT_USAGE;
    }
    throw error;
  }
  return options.strict && problems > 0 ? EXIT_PROBLEMS : EXIT_OK;
}
