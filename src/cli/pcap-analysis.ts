/**
 * `ftp-reply pcap`'s analyst layer: notices, weirds and TLS handshakes in every output format, their summary
 * section, and the Zeek logs of `--zeek-dir DIR` (ftp.log, notice.log, weird.log, ssl.log).
 *
 * - pretty: a notice as a `⚑` line where it happens, a TLS handshake as a `↳ TLS` line when its control connection
 *   ends; weirds only counted (the problems behind them are shown as diagnostics already).
 * - json / ndjson: `notice`, `weird` and `tls` records beside the exchanges, with Zeek's field names.
 * - zeek: stdout stays ftp.log; the other logs need `--zeek-dir`.
 */

import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { join } from "node:path";
import type { ConnectionProblem } from "../connection/connection.js";
import type { Exchange } from "../connection/index.js";
import { escapeText } from "../node/escape.js";
import type { CaptureDiagnostic } from "../node/pcap/errors.js";
import type { ControlConnection, DataConnection } from "../node/pcap/ftp.js";
import { createNoticeDetector, type Notice } from "../node/pcap/notices.js";
import { cipherSuiteName, type TlsHandshake, tlsVersionName } from "../node/pcap/tls.js";
import { createWeirdDetector, type Weird } from "../node/pcap/weird.js";
import { FILES_LOG_FIELDS, toFilesLogRecord } from "../node/pcap/zeek-files.js";
import {
  createZeekTableWriter,
  NOTICE_LOG_FIELDS,
  noticeRow,
  SSL_LOG_FIELDS,
  sslRow,
  WEIRD_LOG_FIELDS,
  weirdRow,
  type ZeekFields,
  type ZeekRow,
  type ZeekTableWriter,
  zeekJson,
} from "../node/pcap/zeek-logs.js";
import type { ConnectionInfo } from "../records.js";
import { PCAP_TEXT, type PcapText } from "./messages.js";
import type { ExchangeFile as TransferFile } from "./output.js";
import {
  type BufferedSink,
  createBufferedSink,
  createWriter,
  type OutputFormat,
  type TextSink,
  type Writer,
  type WriterOptions,
} from "./output.js";

export interface PcapAnalysisOptions {
  format: OutputFormat;
  /** The output (stdout's sink). */
  out: TextSink;
  /** The writer of the exchanges: its `record` takes the json/ndjson records. */
  writer: Writer;
  /** Options for the ftp.log writer of `--zeek-dir`. */
  writerOptions: WriterOptions;
  /** `--zeek-dir`: where the Zeek logs go. */
  zeekDir?: string | undefined;
  bruteforceThreshold?: number | undefined;
  bruteforceInterval?: number | undefined;
  /** Each notice as it is raised (the per-session summary counts them). */
  onNotice?: ((notice: Notice) => void) | undefined;
}

/** One Zeek log file of `--zeek-dir`, opened on its first row. */
interface LogFile {
  sink: BufferedSink;
  stream: WriteStream;
  /** Its writer (absent for ftp.log, written by the `zeek` format's writer). */
  table?: ZeekTableWriter;
}

export interface PcapAnalysis {
  exchange(exchange: Exchange, control: ControlConnection, transfer?: TransferFile): void;
  dataConnection(data: DataConnection): void;
  controlProblem(problem: ConnectionProblem, control: ControlConnection): void;
  diagnostic(diagnostic: CaptureDiagnostic): void;
  tls(handshake: TlsHandshake, control: ControlConnection): void;
  controlStart(control: ControlConnection): void;
  controlEnd(control: ControlConnection): void;
  /**
   * A row of another Zeek log of `--zeek-dir` (e.g. `files.log`), opened with its header on the first row; nothing
   * without `--zeek-dir`.
   */
  zeekLog(file: string, fields: ZeekFields, row: ZeekRow): void;
  /** Waits until the Zeek log files have room (back-pressure). */
  drain(): Promise<void>;
  /** The pretty summary section (notices, weird, TLS). */
  summaryText(): string;
  /** The same as a json record. */
  summaryRecord(): Record<string, unknown>;
  /** Closes the Zeek logs (footers) and waits for them to be written; throws the first write error. */
  close(): Promise<void>;
}

/** `FTP::Bruteforcing 1, FTP::Cleartext_Password 2` (sorted by name). */
function countList(counts: Readonly<Record<string, number>>): string {
  return Object.keys(counts)
    .sort()
    .map((name) => `${escapeText(name)} ${counts[name]}`)
    .join(", ");
}

function total(counts: Readonly<Record<string, number>>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

function noticeLine(notice: Notice, text: PcapText): string {
  const where = notice.conn?.uid === undefined ? "" : ` [${notice.conn.uid}]`;
  const sub = notice.sub === undefined ? "" : ` (${notice.sub})`;
  return `   ⚑ ${text.notice} ${notice.note}${where}: ${escapeText(notice.msg)}${escapeText(sub)}\n`;
}

function tlsLine(handshake: TlsHandshake, control: ControlConnection, text: PcapText): string {
  const server = handshake.serverHello;
  const client = handshake.clientHello;
  const parts = [
    server === undefined
      ? "no ServerHello seen"
      : `${tlsVersionName(server.version)} ${cipherSuiteName(server.cipherSuite)}${server.helloRetry ? " (after a HelloRetryRequest)" : ""}`,
  ];
  if (client?.serverName !== undefined) parts.push(`server name ${client.serverName}`);
  if (client !== undefined && client.supportedVersions.length > 0)
    parts.push(`client offers ${client.supportedVersions.map(tlsVersionName).join(" ")}`);
  const certificate = handshake.certificate;
  if (certificate?.subject !== undefined) parts.push(`certificate ${certificate.subject}`);
  if (certificate?.issuer !== undefined) parts.push(`issued by ${certificate.issuer}`);
  if (handshake.problem !== undefined) parts.push(`stopped: ${handshake.problem}`);
  return `   ↳ ${text.tlsOn(control.tcp.index)}: ${escapeText(parts.join(", "))}\n`;
}

/** The json record of a handshake: ssl.log's fields plus what the hellos offered. */
function tlsRecord(handshake: TlsHandshake, control: ControlConnection, ts: number | undefined) {
  const client = handshake.clientHello;
  return {
    record: "tls",
    ...zeekJson(sslRow(handshake, control.info, ts)),
    client_version: client === undefined ? undefined : tlsVersionName(client.version),
    client_supported_versions: client?.supportedVersions.map(tlsVersionName),
    client_ciphers: client?.cipherSuites.map(cipherSuiteName),
    hello_retry: handshake.serverHello?.helloRetry,
    certificates: handshake.certificates,
    not_valid_before: handshake.certificate?.notValidBefore,
    not_valid_after: handshake.certificate?.notValidAfter,
    serial: handshake.certificate?.serial,
    problem: handshake.problem,
  };
}

/** Creates the analysis for one capture. */
export function createPcapAnalysis(options: PcapAnalysisOptions): PcapAnalysis {
  const text = PCAP_TEXT[options.writerOptions.lang];
  const { format, out, writer, zeekDir } = options;
  const json = format === "json" || format === "ndjson";
  const logs = new Map<string, LogFile>();
  const controls = new Map<number, ConnectionInfo>();
  const tlsVersions: Record<string, number> = {};
  let lastTs: number | undefined;

  if (zeekDir !== undefined) mkdirSync(zeekDir, { recursive: true });

  /** The first error of a log file (a full disk …): `close()` throws it, the reading goes on meanwhile. */
  let writeError: Error | undefined;
  const openLog = (file: string, table?: ZeekTableWriter): LogFile => {
    const stream = createWriteStream(join(zeekDir!, file));
    stream.on("error", (error) => {
      writeError ??= error;
    });
    const log: LogFile = {
      stream,
      sink: createBufferedSink(stream),
      ...(table === undefined ? {} : { table }),
    };
    logs.set(file, log);
    return log;
  };

  // ftp.log: the same writer as `--format zeek`.
  const ftpLog =
    zeekDir === undefined
      ? undefined
      : createWriter("zeek", openLog("ftp.log").sink, { ...options.writerOptions, summary: false });

  const zeekRow = (file: string, fields: ZeekFields, row: ZeekRow): void => {
    if (zeekDir === undefined) return;
    let log = logs.get(file);
    if (log === undefined) {
      log = openLog(file, createZeekTableWriter(file.replace(/\.log$/, ""), fields));
      log.sink.write(log.table!.header());
    }
    log.sink.write(log.table!.row(row));
  };

  const notices = createNoticeDetector({
    bruteforceThreshold: options.bruteforceThreshold,
    bruteforceInterval: options.bruteforceInterval,
    onNotice(notice) {
      options.onNotice?.(notice);
      if (format === "pretty") out.write(noticeLine(notice, text));
      else if (json) writer.record({ record: "notice", ...zeekJson(noticeRow(notice)) });
      zeekRow("notice.log", NOTICE_LOG_FIELDS, noticeRow(notice));
    },
  });

  const weird = createWeirdDetector((found: Weird) => {
    if (json) writer.record({ record: "weird", ...zeekJson(weirdRow(found)), zeek_name: found.zeek });
    zeekRow("weird.log", WEIRD_LOG_FIELDS, weirdRow(found));
  });

  return {
    exchange(exchange, control, transfer) {
      lastTs = exchange.endTs ?? exchange.startTs ?? lastTs;
      ftpLog?.exchange(exchange, control.info, transfer);
      weird.exchange(exchange, control.info, !control.serverLineBytesOdd);
      notices.exchange(exchange, control.info);
    },
    dataConnection(data) {
      notices.dataConnection(data);
      zeekRow("files.log", FILES_LOG_FIELDS, { ...toFilesLogRecord(data) });
    },
    controlProblem(problem, control) {
      lastTs = problem.ts ?? lastTs;
      weird.problem(problem, control.info, problem.ts);
    },
    diagnostic(diagnostic) {
      // Capture problems of control connections only: the rest of the traffic is not FTP's business.
      const conn = diagnostic.stream === undefined ? undefined : controls.get(diagnostic.stream);
      if (conn !== undefined) weird.problem(diagnostic, conn, lastTs);
    },
    tls(handshake, control) {
      const version =
        handshake.serverHello === undefined ? "none" : tlsVersionName(handshake.serverHello.version);
      tlsVersions[version] = (tlsVersions[version] ?? 0) + 1;
      const first = control.tcp.firstPacket;
      const ts = first.seconds + first.nanoseconds / 1e9;
      if (format === "pretty") out.write(tlsLine(handshake, control, text));
      else if (json) writer.record(tlsRecord(handshake, control, ts));
      zeekRow("ssl.log", SSL_LOG_FIELDS, sslRow(handshake, control.info, ts));
    },
    controlStart(control) {
      controls.set(control.tcp.index, control.info);
    },
    controlEnd(control) {
      controls.delete(control.tcp.index);
      notices.sessionEnd(control.info.uid);
      weird.sessionEnd(control.info.uid);
    },
    zeekLog: zeekRow,
    async drain() {
      for (const log of logs.values()) await log.sink.drain();
    },
    summaryText() {
      const n = total(notices.counts);
      const w = total(weird.counts);
      const t = total(tlsVersions);
      return (
        text.noticesRow(n, countList(notices.counts)) +
        text.weirdRow(w, countList(weird.counts)) +
        (t === 0 ? "" : text.tlsRow(t, countList(tlsVersions)))
      );
    },
    summaryRecord() {
      return {
        record: "notice-summary",
        notices: { ...notices.counts },
        weird: { ...weird.counts },
        tls: { ...tlsVersions },
      };
    },
    async close() {
      ftpLog?.end();
      for (const log of logs.values()) {
        if (log.table !== undefined) log.sink.write(log.table.footer());
        if (writeError !== undefined) break;
        await log.sink.close();
        await new Promise<void>((resolve) => {
          log.stream.end(() => resolve());
          log.stream.once("error", () => resolve());
        });
      }
      if (writeError !== undefined) throw writeError;
    },
  };
}
