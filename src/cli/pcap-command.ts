/**
 * `ftp-reply pcap <file>`: the FTP dialogue of a pcap or pcapng capture, in the same formats as `ftp-reply log`.
 */
import { createReadStream } from "node:fs";
import { cutArgument, escapeText } from "../node/escape.js";
import { type CaptureDiagnostic, CaptureFormatError } from "../node/pcap/errors.js";
import type { FileOptions } from "../node/pcap/files.js";
import { analyzeFtpCapture, type ControlConnection, type DataConnection } from "../node/pcap/ftp.js";
import { SessionSummaries } from "../node/pcap/sessions.js";
import { describeFileError, isFileError } from "../node/sources.js";
import { COMMON_OPTIONS_HELP, type ParsedArgs, parseArgs, UsageError, VERSION } from "./args.js";
import { createBufferedSink, createWriter, type TextSink, type WritableLike } from "./output.js";
import {
  fileFields,
  fileOptionsOf,
  fileText,
  openZeekFolder,
  PCAP_FILES_HELP,
  PCAP_FILES_OPTIONS,
  prepareFolders,
  sessionLines,
  sessionRecord,
  type ZeekFolder,
} from "./pcap-files.js";

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

const PCAP_USAGE = `usage: ftp-reply pcap [options] <file.pcap|file.pcapng|->

Reads a packet capture (pcap or pcapng, any byte order, µs or ns), reassembles its TCP streams and prints the
FTP dialogue of every control connection, with the data connections each one opened.

Options:
${COMMON_OPTIONS_HELP}
      --port N[,N…]   server ports of FTP control connections (default 21); others are found by their 220 greeting
      --no-detect     only the --port ports: do not look for greetings on other ports
      --no-data       do not list data connections
${PCAP_FILES_HELP}
  -h, --help          this help
`;

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
    ...fileFields(data),
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
  return `   ↳ data tcp.stream ${data.tcp.index}${what}: ${data.tcp.client.text} → ${data.tcp.server.text} (${data.passive ? "passive" : "active"}), ${bytes}${missing}${ending}${fileText(data)}\n`;
}

/** The summary line of states dropped by the caps (docs/pcap-limits.md), when any were. */
function droppedLine(dropped: Partial<Record<string, number>>): string {
  const parts = Object.entries(dropped).map(([what, n]) => `${what} ${n}`);
  return parts.length === 0 ? "" : `  dropped      ${parts.join(", ")} (caps reached)\n`;
}

function diagnosticMessage(d: CaptureDiagnostic): string {
  return d.frame > 0 ? `frame ${d.frame}: ${d.message}` : d.message;
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
  let fileOptions: FileOptions = {};
  try {
    parsed = parseArgs(argv, { env: io.env, stdoutIsTTY: io.stdout.isTTY }, [
      { name: "port", takesValue: true },
      { name: "no-detect", takesValue: false },
      { name: "no-data", takesValue: false },
      ...PCAP_FILES_OPTIONS,
    ]);
    fileOptions = fileOptionsOf(parsed.extra);
    const portValue = parsed.extra.get("port");
    if (typeof portValue === "string") ports = parsePorts(portValue);
    if (!parsed.options.help && !parsed.options.version && parsed.positionals.length !== 1) {
      throw new UsageError(
        parsed.positionals.length === 0 ? "no capture file given" : "give exactly one capture file",
      );
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
  const zeekDirPath = extra.get("zeek-dir");
  const zeekDir: ZeekFolder | undefined =
    typeof zeekDirPath === "string"
      ? openZeekFolder(zeekDirPath, { lang: options.lang, showPasswords: options.showPasswords })
      : undefined;
  const sessions = new SessionSummaries();
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
  let problems = 0;
  let zeekFailed = false;

  /** Writes the footers of ftp.log and files.log (`--zeek-dir`); a write error is said and makes the exit 1. */
  const closeZeek = async (): Promise<void> => {
    try {
      await zeekDir?.close();
    } catch (error) {
      io.stderr.write(`ftp-reply pcap: ${escapeText((error as Error).message)}\n`);
      zeekFailed = true;
    }
  };

  const source: AsyncIterable<Uint8Array> =
    path === "-" ? toBytes(io.stdin) : createReadStream(path, { highWaterMark: 256 * 1024 });

  const emitData = (data: DataConnection): void => {
    sessions.data(data);
    zeekDir?.data(data);
    if (!showData) return;
    if (format === "pretty") out.write(dataLine(data));
    // zeek: ftp.log has no room for it (files.log, with --zeek-dir, has).
    else if (format === "zeek") io.stderr.write(dataLine(data));
    else writer.record(dataRecord(data));
  };

  try {
    const result = await analyzeFtpCapture(
      source,
      {
        onControlConnection: (control) => sessions.control(control),
        onExchange(exchange, control, transfer) {
          if (format === "pretty" && control.tcp.index !== lastControl) {
            out.write(connectionLine(control));
            lastControl = control.tcp.index;
          }
          problems += exchange.diagnostics.length;
          writer.exchange(exchange, control.info, transfer);
          zeekDir?.ftp.exchange(exchange, control.info, transfer);
          sessions.exchange(exchange, control);
        },
        onDataConnection: emitData,
        onDiagnostic(d) {
          problems++;
          writer.diagnostic({ type: d.type, message: diagnosticMessage(d), offset: d.fileOffset });
        },
        onChunk: async () => {
          await out.drain();
          await zeekDir?.drain();
        },
      },
      {
        ports,
        detectByGreeting: !extra.has("no-detect"),
        encoding: options.encoding,
        session: { recordPasswords: options.showPasswords },
        files: fileOptions,
      },
    );
    if (options.summary) for (const session of sessions.list()) writer.record(sessionRecord(session));
    writer.end();
    await closeZeek();
    if (options.summary && format !== "json" && format !== "ndjson") {
      const s = result.stats;
      const other = Object.values(s.otherProtocols).reduce((a, b) => a + b, 0);
      const skipped = Object.entries(s.skipped)
        .map(([type, n]) => `${type} ${n}`)
        .join(", ");
      const target = format === "zeek" ? io.stderr : out;
      target.write(
        `  capture      ${s.format ?? "?"}, ${s.packets} packets: ${s.tcpSegments} TCP, ${other} other IP, ${s.notIp} not IP${skipped === "" ? "" : `, skipped: ${skipped}`}\n` +
          `  connections  ${s.connections} TCP: ${result.controlConnections} FTP control, ${result.dataConnections} FTP data, ${result.otherConnections} other\n` +
          droppedLine(s.dropped) +
          sessionLines(sessions.list(), sessions.omitted),
      );
    }
    await out.close();
  } catch (error) {
    if (error instanceof CaptureFormatError) {
      writer.end();
      await closeZeek();
      await out.close();
      io.stderr.write(
        `ftp-reply pcap: ${escapeText(`${cutArgument(path)}: ${error.type}: ${error.message}`)}\n`,
      );
      // Not a capture at all (e.g. /dev/zero): nothing was readable, as for a file that cannot be opened.
      return error.type === "bad-magic" ? EXIT_USAGE : EXIT_PROBLEMS;
    }
    if (isFileError(error)) {
      io.stderr.write(`ftp-reply pcap: cannot read ${escapeText(describeFileError(path, error))}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
  return zeekFailed || (options.strict && problems > 0) ? EXIT_PROBLEMS : EXIT_OK;
}
