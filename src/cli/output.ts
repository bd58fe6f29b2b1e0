/**
 * The writers behind `--format`: one interface, four formats, all streaming (each record is written as it comes;
 * only the summary's counters are kept).
 *
 * - `pretty`  for people: `C:` commands, `S:` replies with each code's meaning in the user's language, coloured.
 * - `json`    one JSON array of records (`{"record":"exchange"|"reply"|"diagnostic"|"summary", …}`), streamed.
 * - `ndjson`  the same records, one per line.
 * - `zeek`    Zeek's ftp.log in its tab-separated ASCII format (`#fields` header, one row per command). Text that
 *             has no place in ftp.log (diagnostics, the summary) goes to `options.stderr` when given.
 *
 * Text from the input never reaches the output raw (escape.ts has the rules): pretty and stderr lines escape C0
 * (but TAB), DEL, C1 and the bidi controls as `\xNN`/`\uNNNN`; json/ndjson write them as `\uNNNN`; zeek escapes
 * C0, DEL and C1 as `\xNN` bytes.
 */

import { Buffer } from "node:buffer";
import { Writable } from "node:stream";
import type { Lang } from "../codes.js";
import type { Exchange } from "../connection/index.js";
import { FILE_TRANSFER_COMMANDS, TRANSFER_COMMANDS } from "../connection/rules.js";
import { parseTransferSize } from "../decode/size.js";
import { escapeJson, escapeText, jsonString } from "../node/escape.js";
import {
  type ConnectionInfo,
  createZeekLogWriter,
  type TransferRecord,
  toFtpLogRecord,
  transferToFtpLogRecord,
  ZEEK_LOGGED_COMMANDS,
} from "../records.js";
import type { Reply } from "../reply/reply.js";
import { createPalette, type Palette, styleForCode } from "./color.js";
import { zhDialogueMessage } from "./messages.js";

export type OutputFormat = "pretty" | "json" | "ndjson" | "zeek";
export const OUTPUT_FORMATS: readonly OutputFormat[] = ["pretty", "json", "ndjson", "zeek"];

/** Something to write text to (a stream, or a collector in tests). */
export interface TextSink {
  write(text: string): unknown;
}

export interface WriterOptions {
  /** Language of the meanings and of the pretty labels. */
  lang: Lang;
  /** Colour the pretty output (ANSI). */
  color: boolean;
  /** Write a summary at `end()`: counts by code and class, logins, errors, transfers, bytes. */
  summary: boolean;
  /**
   * Keep PASS arguments as the exchange carries them; otherwise the writer masks them (default false). `"guest"`:
   * the session kept only anonymous users' passwords (Zeek's `guest_ids` rule), so what it carries is shown.
   */
  showPasswords?: boolean | "guest";
  /** `zeek`: only the rows of Zeek's `FTP::logged_commands` (APPE, DELE, RETR, STOR, STOU, ACCT, PORT, PASV, EPRT, EPSV). */
  zeekLoggedCommands?: boolean;
  /** `pretty`: a header per session (`conn.uid`) and each session as one block (see `Writer.sessionEnd`). */
  sessions?: boolean;
  /**
   * `pretty` with `sessions`: how much text of overlapping sessions may wait for the one shown to end (default
   * 8 Mi characters). Past it everything waiting is written and sessions interleave, each run of a session under
   * its header again, so memory stays bounded whatever the log.
   */
  maxHeldChars?: number;
  /** Where text that the format has no room for goes (`zeek`: diagnostics and the summary). Dropped if absent. */
  stderr?: TextSink;
}

/** A problem found while reading the input: a reader's unknown line, a framing error, a pcap's bad packet … */
export interface OutputDiagnostic {
  message: string;
  /** Byte offset in the input, when known. */
  offset?: number | undefined;
  /** Line number (1-based) in a log file, when known. */
  line?: number | undefined;
  /** A stable type string (`unknown-line`, `unexpected-line`, `truncated` …). */
  type?: string | undefined;
}

/** The file a transfer command's data connection carries, as far as known when its exchange is written. */
export interface ExchangeFile {
  /** ftp.log's `fuid`: the id of the file in files.log. */
  fuid: string;
  /** ftp.log's `mime_type`. */
  mimeType?: string | undefined;
}

export interface Writer {
  /**
   * One command with its replies (or a greeting, an unsolicited 421 …). Renders `ex.diagnostics` with it.
   * `file` fills ftp.log's `fuid`/`mime_type` (zeek) and the record's `fuid`/`mimeType` (json, ndjson).
   */
  exchange(ex: Exchange, conn?: ConnectionInfo, file?: ExchangeFile): void;
  /**
   * A record of another kind (`data-connection`, `session`, a notice, a weird, a TLS handshake …) as its own
   * element: `json` and `ndjson` write it in the same array or stream; `pretty` and `zeek` have no room for it.
   */
  record(record: Record<string, unknown>): void;
  /** One reply on its own (`ftp-reply parse`). */
  reply(reply: Reply): void;
  /**
   * One transfer a transfer log recorded (no dialogue): pretty `transfer:` lines in its session's block, json and
   * ndjson `{"record":"transfer"}`, zeek an ftp.log row of the command it stands for. Counted in the summary's
   * transfers and bytes.
   */
  transfer(transfer: TransferRecord, conn?: ConnectionInfo): void;
  /** A problem that belongs to no exchange. */
  diagnostic(diagnostic: OutputDiagnostic): void;
  /**
   * A session (`conn.uid`) has ended: no more exchanges of it come. `pretty` shows each session as its own block
   * (sessions read at the same time wait, in order, until the one shown has ended); the other formats stream
   * every exchange as it comes, with its uid.
   */
  sessionEnd(conn: ConnectionInfo): void;
  /**
   * Writes the summary (if asked) and closes the format (`]` for json, `#close` for zeek). `fields` join the json
   * and ndjson summary record (`pcap`: its packet and connection counts, the data bytes measured).
   */
  end(fields?: Readonly<Record<string, unknown>>): void;
  /** The counters so far (the `--summary` numbers, also what `--strict` looks at). */
  readonly summary: Summary;
}

/** What `--summary` reports. */
export interface Summary {
  /** Replies seen (every reply of every exchange, or every parsed reply). */
  replies: number;
  /** Replies by code, e.g. `{ "226": 3 }`. */
  byCode: Record<string, number>;
  /** Replies by class, `1xx` … `6xx`. */
  byClass: Record<string, number>;
  /** Exchanges with a command. */
  commands: number;
  /** Logins accepted (230/202 to USER, PASS or ACCT) — in `parse` mode, 230 replies. */
  logins: number;
  /** Logins refused (530, or 4xx/5xx to PASS) — in `parse` mode, 530 replies. */
  failedLogins: number;
  /** 4xx and 5xx final replies. */
  errors: number;
  /** Diagnostics: the reader's, the parser's and the dialogue's, by type. */
  diagnostics: number;
  byDiagnostic: Record<string, number>;
  /** Completed transfers: RETR, STOR, STOU, APPE, LIST, NLST, MLSD ending in 226/250 — in `parse` mode, 226s. */
  transfers: number;
  /** Transfers that ended with a 4xx/5xx reply. */
  failedTransfers: number;
  /** Sum of the sizes announced for completed file transfers (`150 … (N bytes)`, or a SIZE reply). */
  bytes: number;
}

const DEFAULT_PASSWORD_MASK = "<hidden>";
const DEFAULT_MAX_HELD_CHARS = 8 * 1024 * 1024;

/**
 * The counters as a writer keeps them: replies by code in an array indexed by the code (a string key per reply, in
 * an object whose keys are numbers, was a tenth of a server-only capture's pretty output), the rest as in `Summary`.
 * `finishedSummary` makes the `Summary`.
 */
interface Tally extends Summary {
  /** Replies by code, for the codes 0–999 (every code the reply grammar lets through); `byCode` holds the others. */
  readonly codeCounts: number[];
}

function emptySummary(): Tally {
  return {
    codeCounts: new Array<number>(1000).fill(0),
    replies: 0,
    byCode: {},
    byClass: {},
    commands: 0,
    logins: 0,
    failedLogins: 0,
    errors: 0,
    diagnostics: 0,
    byDiagnostic: {},
    transfers: 0,
    failedTransfers: 0,
    bytes: 0,
  };
}

function increment(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

/** `1xx` … `9xx` made once: a key string built per reply cost a string and its interning each time. */
const CLASS_KEYS = Array.from({ length: 10 }, (_, digit) => `${digit}xx`);

function classKey(code: number): string {
  return CLASS_KEYS[Math.trunc(code / 100)] ?? `${Math.trunc(code / 100)}xx`;
}

/**
 * `… (1234 bytes).` in a 150/125 reply → 1234: the same rule as the dialogue's (`parseTransferSize`), so that
 * `parse --summary` and `log --summary` count the same bytes for the same reply. A size it refuses counts 0.
 */
function announcedSize(reply: Reply): number | undefined {
  try {
    return parseTransferSize(reply);
  } catch {
    return undefined;
  }
}

function countReply(summary: Tally, reply: Reply): void {
  summary.replies++;
  const code = reply.code;
  if (Number.isInteger(code) && code >= 0 && code < 1000) summary.codeCounts[code]!++;
  else {
    increment(summary.byCode, String(code));
    increment(summary.byClass, classKey(code));
  }
}

function countExchange(summary: Tally, ex: Exchange): void {
  for (const reply of ex.replies) countReply(summary, reply);
  for (const diagnostic of ex.diagnostics) countDiagnostic(summary, diagnostic.type);
  const verb = ex.command?.verb;
  if (ex.kind === "command") summary.commands++;
  const final = ex.final;
  if (final !== undefined && final.code >= 400) summary.errors++;
  if (ex.login === "success") summary.logins++;
  else if (ex.login === "failure") summary.failedLogins++;
  if (verb !== undefined && TRANSFER_COMMANDS.has(verb) && final !== undefined) {
    if (final.code === 226 || final.code === 250) {
      summary.transfers++;
      if (FILE_TRANSFER_COMMANDS.has(verb) && ex.fileSize !== undefined) summary.bytes += ex.fileSize;
    } else if (final.code >= 400) summary.failedTransfers++;
  }
}

function countTransfer(summary: Tally, transfer: TransferRecord): void {
  if (transfer.direction === "delete") return;
  if (transfer.complete) {
    summary.transfers++;
    summary.bytes += transfer.size;
  } else summary.failedTransfers++;
}

/** A transfer record as its json/ndjson record: the anonymous e-mail address only with passwords shown. */
function transferRecord(
  transfer: TransferRecord,
  conn: ConnectionInfo | undefined,
  showPasswords: boolean,
): Record<string, unknown> {
  return {
    record: "transfer",
    ...(conn ?? {}),
    ...transfer,
    anonymousId: showPasswords ? transfer.anonymousId : undefined,
  };
}

function countLoneReply(summary: Tally, reply: Reply): void {
  countReply(summary, reply);
  const code = reply.code;
  if (code >= 400) summary.errors++;
  if (code === 230) summary.logins++;
  else if (code === 530) summary.failedLogins++;
  else if (code === 226) summary.transfers++;
  else if (code === 150 || code === 125) summary.bytes += announcedSize(reply) ?? 0;
}

function countDiagnostic(summary: Tally, type: string | undefined): void {
  summary.diagnostics++;
  increment(summary.byDiagnostic, type ?? "error");
}

/** Keys sorted numerically/alphabetically, so output does not depend on arrival order. */
function sorted(counts: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of Object.keys(counts).sort()) out[key] = counts[key]!;
  return out;
}

function finishedSummary(summary: Tally): Summary {
  const { codeCounts, ...counts } = summary;
  const byCode = { ...summary.byCode };
  const byClass = { ...summary.byClass };
  codeCounts.forEach((n, code) => {
    if (n === 0) return;
    byCode[String(code)] = n;
    byClass[classKey(code)] = (byClass[classKey(code)] ?? 0) + n;
  });
  return {
    ...counts,
    byCode: sorted(byCode),
    byClass: sorted(byClass),
    byDiagnostic: sorted(summary.byDiagnostic),
  };
}

// ───────────────────────────── records (json, ndjson) ─────────────────────────────

function replyRecord(reply: Reply, lang: Lang): Record<string, unknown> {
  return {
    code: reply.code,
    text: reply.text,
    lines: reply.lines,
    multiline: reply.multiline,
    offset: reply.offset,
    byteLength: reply.byteLength,
    meaning: reply.info.meaning[lang],
  };
}

function maskedCommand(ex: Exchange, showPasswords: boolean): Exchange["command"] {
  const command = ex.command;
  if (command === undefined || showPasswords || command.verb !== "PASS" || command.arg === "") return command;
  // The session masks by default; this catches exchanges from a session told to record passwords.
  if (command.arg === DEFAULT_PASSWORD_MASK) return command;
  const line = `${command.line.slice(0, command.line.length - command.arg.length)}${DEFAULT_PASSWORD_MASK}`;
  return { ...command, arg: DEFAULT_PASSWORD_MASK, line, raw: new TextEncoder().encode(`${line}\r\n`) };
}

function exchangeRecord(
  ex: Exchange,
  conn: ConnectionInfo | undefined,
  lang: Lang,
  showPasswords: boolean,
  file?: ExchangeFile,
): Record<string, unknown> {
  const command = maskedCommand(ex, showPasswords);
  return {
    record: "exchange",
    index: ex.index,
    kind: ex.kind,
    ...(conn ?? {}),
    startTs: ex.startTs,
    endTs: ex.endTs,
    duration: ex.duration,
    command:
      command === undefined
        ? undefined
        : { verb: command.verb, arg: command.arg, line: command.line, offset: command.offset },
    replies: ex.replies.map((reply) => replyRecord(reply, lang)),
    code: ex.final?.code,
    user: ex.user,
    password: showPasswords ? ex.password : ex.password === undefined ? undefined : DEFAULT_PASSWORD_MASK,
    login: ex.login,
    cwd: ex.cwd,
    path: ex.path,
    type: ex.type,
    dataChannel: ex.dataChannel,
    fileSize: ex.fileSize,
    fuid: file?.fuid,
    mimeType: file?.mimeType,
    diagnostics: ex.diagnostics.map((d) => ({ type: d.type, message: d.message })),
  };
}

// The exchange record as JSON text, built here rather than by `JSON.stringify` of `exchangeRecord`: a server-only
// capture writes one per reply (438 594 records, 239 MB), and the generic stringifier's cost per call and per
// string was most of its time. The text is exactly `escapeJson(JSON.stringify(exchangeRecord(…)))`: the same keys
// in the same order, a key whose value is undefined left out, numbers as `String` writes them (non-finite: null),
// strings through `jsonString` (escape.ts, the one home of JSON escaping).

/** A number as JSON.stringify writes it. */
function jsonNumber(value: number): string {
  return Number.isFinite(value) ? `${value}` : "null";
}

/**
 * `jsonNumber` of a timestamp, the last one kept: a packet's replies share its timestamp (a server-only capture: 38
 * replies a packet, each with a start and an end), and a fraction's digits cost.
 */
function timeJson(value: number): string {
  if (value !== lastTime) {
    lastTime = value;
    lastTimeJson = jsonNumber(value);
  }
  return lastTimeJson;
}
let lastTime = 0;
let lastTimeJson = "0";

/** `,"key":n`, or nothing for undefined (JSON.stringify leaves such a key out). */
function numberField(key: string, value: number | undefined): string {
  return value === undefined ? "" : `,"${key}":${jsonNumber(value)}`;
}

/** `numberField` of a timestamp. */
function timeField(key: string, value: number | undefined): string {
  return value === undefined ? "" : `,"${key}":${timeJson(value)}`;
}

/** `,"key":"text"`, or nothing for undefined. */
function stringField(key: string, value: string | undefined): string {
  return value === undefined ? "" : `,"${key}":${jsonString(value)}`;
}

/** The keys of an exchange record before and after the connection's: a connection with one of them is not merged. */
const EXCHANGE_KEYS = new Set([
  "record",
  "index",
  "kind",
  "startTs",
  "endTs",
  "duration",
  "command",
  "replies",
  "code",
  "user",
  "password",
  "login",
  "cwd",
  "path",
  "type",
  "dataChannel",
  "fileSize",
  "fuid",
  "mimeType",
  "diagnostics",
]);

/**
 * The connection's fields as they stand in every exchange record of it (`,"uid":"tcp0",…`), made once per
 * connection: each call checks that the object and its `ConnectionInfo` fields are the ones the text was made of
 * (keys beyond those are taken as they were then). Undefined when the connection has a key of the record itself
 * (the spread would overwrite that key in place): the record is then made the generic way.
 */
function createConnectionJson(): (conn: ConnectionInfo | undefined) => string | undefined {
  let last: ConnectionInfo | undefined;
  let fields: unknown[] = [];
  let json: string | undefined = "";
  const fieldsOf = (conn: ConnectionInfo): unknown[] => [
    conn.uid,
    conn.origHost,
    conn.origPort,
    conn.respHost,
    conn.respPort,
    conn.sessionKey,
    conn.sessionStart,
  ];
  return (conn) => {
    if (conn === undefined) return "";
    if (
      conn === last &&
      conn.uid === fields[0] &&
      conn.origHost === fields[1] &&
      conn.origPort === fields[2] &&
      conn.respHost === fields[3] &&
      conn.respPort === fields[4] &&
      conn.sessionKey === fields[5] &&
      conn.sessionStart === fields[6]
    )
      return json;
    last = conn;
    fields = fieldsOf(conn);
    const whole = escapeJson(JSON.stringify({ ...conn }));
    json = Object.keys(conn).some((key) => EXCHANGE_KEYS.has(key))
      ? undefined
      : whole === "{}"
        ? ""
        : `,${whole.slice(1, -1)}`;
    return json;
  };
}

/** A reply as it stands in an exchange record's `replies` (`replyRecord`); `meaning` is its `,"meaning":…`. */
function replyJson(reply: Reply, meaning: string): string {
  const lines = reply.lines;
  const text = reply.text;
  let linesJson = "[";
  for (let i = 0; i < lines.length; i++) linesJson += `${i === 0 ? "" : ","}${jsonString(lines[i]!)}`;
  // A single line that needed no escape: its text, the end of it, needs none either.
  const first = lines[0];
  const textJson =
    lines.length === 1 && linesJson.length === first!.length + 3 && first!.endsWith(text)
      ? `"${text}"`
      : jsonString(text);
  return `{"code":${jsonNumber(reply.code)},"text":${textJson},"lines":${linesJson}],"multiline":${reply.multiline},"offset":${jsonNumber(reply.offset)},"byteLength":${jsonNumber(reply.byteLength)}${meaning}}`;
}

/**
 * `jsonString` of names the program gives (an exchange's kind, a diagnostic's type: a few dozen), kept per name.
 */
const namesJson = new Map<string, string>();
function nameJson(name: string): string {
  let json = namesJson.get(name);
  if (json === undefined) {
    json = jsonString(name);
    if (namesJson.size < 256) namesJson.set(name, json);
  }
  return json;
}

/** The command as an exchange record holds it: verb, arg, line, offset. */
function commandJson(command: NonNullable<Exchange["command"]>): string {
  const fields =
    stringField("verb", command.verb) +
    stringField("arg", command.arg) +
    stringField("line", command.line) +
    numberField("offset", command.offset);
  return `,"command":{${fields.slice(1)}}`;
}

/**
 * `escapeJson(JSON.stringify(exchangeRecord(ex, conn, …)))`, built directly. `connJson` is the connection's part
 * (`createConnectionJson`), `meaningOf` a reply's `,"meaning":…`.
 */
function exchangeJson(
  ex: Exchange,
  connJson: string,
  meaningOf: (reply: Reply) => string,
  showPasswords: boolean,
  file: ExchangeFile | undefined,
): string {
  const command = maskedCommand(ex, showPasswords);
  let json = `{"record":"exchange","index":${jsonNumber(ex.index)},"kind":${nameJson(ex.kind)}${connJson}${timeField("startTs", ex.startTs)}${timeField("endTs", ex.endTs)}${numberField("duration", ex.duration)}`;
  if (command !== undefined) json += commandJson(command);
  json += ',"replies":[';
  const replies = ex.replies;
  for (let i = 0; i < replies.length; i++) {
    const reply = replies[i]!;
    json += `${i === 0 ? "" : ","}${replyJson(reply, meaningOf(reply))}`;
  }
  json += `]${numberField("code", ex.final?.code)}${stringField("user", ex.user)}`;
  json += stringField(
    "password",
    showPasswords ? ex.password : ex.password === undefined ? undefined : DEFAULT_PASSWORD_MASK,
  );
  json += `${stringField("login", ex.login)}${stringField("cwd", ex.cwd)}${stringField("path", ex.path)}${stringField("type", ex.type)}`;
  // An object of its own shape (host only when known): the generic way, and rare (PORT, PASV, transfers).
  if (ex.dataChannel !== undefined) json += `,"dataChannel":${escapeJson(JSON.stringify(ex.dataChannel))}`;
  json += `${numberField("fileSize", ex.fileSize)}${stringField("fuid", file?.fuid)}${stringField("mimeType", file?.mimeType)},"diagnostics":[`;
  const diagnostics = ex.diagnostics;
  for (let i = 0; i < diagnostics.length; i++) {
    const d = diagnostics[i]!;
    const type = d.type === undefined ? "" : `"type":${nameJson(d.type)}`;
    const message = stringField("message", d.message);
    json += `${i === 0 ? "" : ","}{${type === "" ? message.slice(1) : `${type}${message}`}}`;
  }
  return `${json}]}`;
}

function diagnosticRecord(diagnostic: OutputDiagnostic): Record<string, unknown> {
  return {
    record: "diagnostic",
    type: diagnostic.type,
    message: diagnostic.message,
    line: diagnostic.line,
    offset: diagnostic.offset,
  };
}

function createJsonWriter(
  out: TextSink,
  options: WriterOptions,
  lines: boolean,
  summary: Tally,
): FormatWriter {
  const showPasswords = Boolean(options.showPasswords);
  const lang = options.lang;
  let count = 0;
  const write = (json: string): void => {
    if (lines) out.write(`${json}\n`);
    else out.write(`${count === 0 ? "[\n" : ",\n"}${json}`);
    count++;
  };
  const emit = (record: Record<string, unknown>): void => write(escapeJson(JSON.stringify(record)));
  const connectionJson = createConnectionJson();
  /** `,"meaning":…` of each code seen, made once per code (a reply's meaning depends on its code alone). */
  const meanings = new Map<number, string>();
  const meaningOf = (reply: Reply): string => {
    let meaning = meanings.get(reply.code);
    if (meaning === undefined) {
      meaning = stringField("meaning", reply.info.meaning[lang]);
      meanings.set(reply.code, meaning);
    }
    return meaning;
  };
  return {
    exchange(ex, conn, file) {
      countExchange(summary, ex);
      const connJson = connectionJson(conn);
      if (connJson === undefined) emit(exchangeRecord(ex, conn, lang, showPasswords, file));
      else write(exchangeJson(ex, connJson, meaningOf, showPasswords, file));
    },
    record: emit,
    reply(reply) {
      countLoneReply(summary, reply);
      emit({ record: "reply", ...replyRecord(reply, options.lang) });
    },
    transfer(transfer, conn) {
      countTransfer(summary, transfer);
      emit(transferRecord(transfer, conn, showPasswords));
    },
    diagnostic(diagnostic) {
      countDiagnostic(summary, diagnostic.type);
      emit(diagnosticRecord(diagnostic));
    },
    sessionEnd() {},
    end(fields) {
      if (options.summary) emit({ record: "summary", ...finishedSummary(summary), ...fields });
      if (!lines) out.write(count === 0 ? "[]\n" : "\n]\n");
    },
  };
}

// ───────────────────────────── zeek ─────────────────────────────

function createZeekWriter(out: TextSink, options: WriterOptions, summary: Tally): FormatWriter {
  const zeek = createZeekLogWriter();
  let headerWritten = false;
  const writeRow = (text: string): void => {
    if (!headerWritten) {
      out.write(zeek.header());
      headerWritten = true;
    }
    out.write(text);
  };
  const plainPalette = createPalette(false);
  return {
    exchange(ex, conn, file) {
      countExchange(summary, ex);
      for (const d of ex.diagnostics) {
        options.stderr?.write(`warning: ${escapeText(d.type)}: ${escapeText(d.message)}\n`);
      }
      // ftp.log has one row per command; the greeting and stray replies have no command to log.
      if (ex.command === undefined) return;
      if (options.zeekLoggedCommands === true && !ZEEK_LOGGED_COMMANDS.has(ex.command.verb)) return;
      const record = toFtpLogRecord(
        { ...ex, command: maskedCommand(ex, Boolean(options.showPasswords)) },
        conn,
      );
      if (!options.showPasswords && record.password !== undefined) record.password = DEFAULT_PASSWORD_MASK;
      record.fuid = file?.fuid;
      record.mime_type = file?.mimeType;
      writeRow(zeek.row(record));
    },
    reply(reply) {
      countLoneReply(summary, reply);
      const record = toFtpLogRecord({
        kind: "unmatched-reply",
        index: summary.replies - 1,
        replies: [reply],
        preliminary: reply.code < 200 ? [reply] : [],
        final: reply.code < 200 ? undefined : reply,
        diagnostics: [],
      });
      // A preliminary reply is no final reply, but it is what `parse` was given: log its code all the same.
      if (reply.code < 200) {
        record.reply_code = reply.code;
        record.reply_msg = reply.lines[reply.lines.length - 1]?.slice(4) ?? "";
      }
      writeRow(zeek.row(record));
    },
    transfer(transfer, conn) {
      countTransfer(summary, transfer);
      writeRow(zeek.row(transferToFtpLogRecord(transfer, conn)));
    },
    diagnostic(diagnostic) {
      countDiagnostic(summary, diagnostic.type);
      options.stderr?.write(`${formatDiagnosticLine(diagnostic, plainPalette)}\n`);
    },
    sessionEnd() {},
    record() {},
    end() {
      if (!headerWritten) out.write(zeek.header());
      out.write(zeek.footer());
      if (options.summary && options.stderr !== undefined) {
        options.stderr.write(formatSummary(finishedSummary(summary), options.lang, plainPalette));
      }
    },
  };
}

// ───────────────────────────── pretty ─────────────────────────────

const LABELS = {
  en: {
    summary: "Summary",
    replies: "replies",
    byCode: "by code",
    commands: "commands",
    logins: "logins",
    ok: "ok",
    failed: "failed",
    errors: "errors",
    errorsNote: "4xx/5xx replies",
    diagnostics: "diagnostics",
    transfers: "transfers",
    completed: "completed",
    bytes: "bytes",
    line: "line",
    byte: "byte",
    noFinal: "(no final reply)",
    greeting: "greeting",
    unsolicited: "unsolicited",
    unmatched: "unmatched reply",
    session: "session",
    transfer: "transfer",
    download: "download",
    upload: "upload",
    delete: "delete",
    complete: "complete",
    incomplete: "incomplete",
  },
  zh: {
    summary: "摘要",
    replies: "答复",
    byCode: "按代码",
    commands: "命令",
    logins: "登录",
    ok: "成功",
    failed: "失败",
    errors: "错误",
    errorsNote: "4xx/5xx 答复",
    diagnostics: "诊断",
    transfers: "传输",
    completed: "完成",
    bytes: "字节",
    line: "行",
    byte: "字节",
    noFinal: "（没有最终答复）",
    greeting: "欢迎信息",
    unsolicited: "主动发送",
    unmatched: "无对应命令的答复",
    session: "会话",
    transfer: "传输",
    download: "下载",
    upload: "上传",
    delete: "删除",
    complete: "完成",
    incomplete: "未完成",
  },
} as const;

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

/** Seconds → `HH:MM:SS.mmm` (UTC), with the date in front when the value is an epoch time. */
export function formatTimestamp(ts: number): string {
  const ms = Math.trunc(ts * 1000);
  const second = Math.floor(ms / 1000);
  // Consecutive exchanges mostly fall in the same second: its date and time are formatted once (a Date and
  // seven number strings per exchange were a tenth of the pretty output's cost on a server-only capture).
  if (second !== lastSecond) {
    const date = new Date(second * 1000);
    const time = `${pad2(date.getUTCHours())}:${pad2(date.getUTCMinutes())}:${pad2(date.getUTCSeconds())}`;
    // Below a day the value is a time of day (a transcript without a date), not an epoch time.
    lastSecondText =
      ts < 86_400
        ? time
        : `${date.getUTCFullYear()}-${pad2(date.getUTCMonth() + 1)}-${pad2(date.getUTCDate())} ${time}`;
    lastSecond = second;
  }
  return `${lastSecondText}.${String(ms - second * 1000).padStart(3, "0")}`;
}
let lastSecond = Number.NaN;
let lastSecondText = "";

function formatDiagnosticLine(diagnostic: OutputDiagnostic, palette: Palette, lang: Lang = "en"): string {
  const labels = LABELS[lang];
  const where: string[] = [];
  if (diagnostic.line !== undefined) where.push(`${labels.line} ${diagnostic.line}`);
  if (diagnostic.offset !== undefined) where.push(`${labels.byte} ${diagnostic.offset}`);
  const type = diagnostic.type === undefined ? "" : `${escapeText(diagnostic.type)}: `;
  return palette.warning(
    `! ${where.length > 0 ? `${where.join(", ")}: ` : ""}${type}${escapeText(diagnostic.message)}`,
  );
}

/** Columns a label takes on a terminal: CJK characters are two wide. */
function displayWidth(text: string): number {
  let width = 0;
  for (let i = 0; i < text.length; i++) width += text.charCodeAt(i) >= CJK_START ? 2 : 1;
  return width;
}

/** From here on (CJK radicals, ideographs, full-width forms) characters take two columns. */
const CJK_START = 0x2e80;

function formatSummary(summary: Summary, lang: Lang, palette: Palette): string {
  const labels = LABELS[lang];
  const row = (label: string, value: string): string =>
    `  ${label}${" ".repeat(Math.max(1, 13 - displayWidth(label)))}${value}\n`;
  const classes = Object.entries(summary.byClass)
    .map(([key, n]) => `${key} ${n}`)
    .join(", ");
  const codes = Object.entries(summary.byCode)
    .map(([key, n]) => `${key}×${n}`)
    .join(" ");
  const diagnostics = Object.entries(summary.byDiagnostic)
    .map(([key, n]) => `${escapeText(key)} ${n}`)
    .join(", ");
  return [
    `${palette.bold(labels.summary)}\n`,
    row(labels.replies, `${summary.replies}${classes === "" ? "" : ` (${classes})`}`),
    row(labels.byCode, codes === "" ? "-" : codes),
    row(labels.commands, String(summary.commands)),
    row(labels.logins, `${summary.logins} ${labels.ok}, ${summary.failedLogins} ${labels.failed}`),
    row(labels.errors, `${summary.errors} (${labels.errorsNote})`),
    row(labels.diagnostics, `${summary.diagnostics}${diagnostics === "" ? "" : ` (${diagnostics})`}`),
    row(
      labels.transfers,
      `${summary.transfers} ${labels.completed}, ${summary.failedTransfers} ${labels.failed}, ${summary.bytes} ${labels.bytes}`,
    ),
  ].join("");
}

function createPrettyWriter(out: TextSink, options: WriterOptions, summary: Tally): FormatWriter {
  const palette = createPalette(options.color);
  const lang = options.lang;
  const labels = LABELS[lang];
  const showPasswords = Boolean(options.showPasswords);

  /** ` · meaning` of each code seen, made once per code (a reply's meaning depends on its code alone). */
  const meanings = new Map<number, string>();
  const meaningOf = (reply: Reply): string => {
    let meaning = meanings.get(reply.code);
    if (meaning === undefined) {
      // In Chinese the meaning carries its note as `explain` prints it: where the Chinese table is wrong (202) or
      // left in English (426), the note says so.
      const note = lang === "zh" ? reply.info.note?.zh : undefined;
      meaning = palette.dim(`  · ${reply.info.meaning[lang]}${note === undefined ? "" : `（注：${note}）`}`);
      meanings.set(reply.code, meaning);
    }
    return meaning;
  };

  /** The reply's lines, `S: ` before the first, its meaning after the first. */
  const formatReply = (reply: Reply, indent: string): string => {
    const style = styleForCode(palette, reply.code);
    const meaning = meaningOf(reply);
    const lines = reply.lines;
    if (lines.length === 0) return `${indent}S: ${style(String(reply.code))}${meaning}\n`;
    let text = "";
    for (let i = 0; i < lines.length; i++) {
      const line = escapeText(lines[i]!);
      const shown = i === 0 || i === lines.length - 1 ? style(line) : line;
      text += `${indent}${i === 0 ? "S: " : "   "}${shown}${i === 0 ? meaning : ""}\n`;
    }
    return text;
  };

  /** `host:port`, `[v6]:port`, or the host alone. */
  const endpoint = (host: string | undefined, port: number | undefined): string | undefined => {
    if (host === undefined) return port === undefined ? undefined : `:${port}`;
    const shown = escapeText(host.includes(":") ? `[${host}]` : host);
    return port === undefined ? shown : `${shown}:${port}`;
  };

  /** `── session C… · 127.0.0.1 → 127.0.0.1:21 · pid 6508 · 2026-12-03 13:46:55.000 ──` */
  const header = (conn: ConnectionInfo): string => {
    const parts = [`${labels.session} ${escapeText(conn.uid ?? "-")}`];
    const orig = endpoint(conn.origHost, conn.origPort);
    const resp = endpoint(conn.respHost, conn.respPort);
    if (orig !== undefined || resp !== undefined) parts.push(`${orig ?? "?"} → ${resp ?? "?"}`);
    if (conn.sessionKey !== undefined) parts.push(escapeText(conn.sessionKey));
    if (conn.sessionStart !== undefined) parts.push(formatTimestamp(conn.sessionStart));
    return `${palette.bold(`── ${parts.join(" · ")} ──`)}\n`;
  };

  /**
   * Sessions in the order their first exchange came; the first is written as it comes, the others are kept
   * until it has ended (then the next is written, and streams if it is still going).
   */
  interface Block {
    readonly uid: string;
    readonly header: string;
    parts: string[];
    ended: boolean;
    shown: boolean;
  }
  const blocks: Block[] = [];
  const byUid = new Map<string, Block>();
  let blocksWritten = 0;
  const maxHeld = options.maxHeldChars ?? DEFAULT_MAX_HELD_CHARS;
  let held = 0;
  /** Too much was waiting: sessions are written as they come, a header whenever the session changes. */
  let interleaved = false;
  let lastWritten: string | undefined;
  const show = (block: Block): void => {
    out.write(`${blocksWritten > 0 ? "\n" : ""}${block.header}${block.parts.join("")}`);
    for (const part of block.parts) held -= part.length;
    block.parts = [];
    block.shown = true;
    blocksWritten++;
    lastWritten = block.uid;
  };
  const advance = (): void => {
    while (blocks[0]?.ended === true) {
      byUid.delete(blocks.shift()!.uid);
      const next = blocks[0];
      if (next !== undefined && !next.shown) show(next);
    }
  };
  const route = (text: string, conn: ConnectionInfo | undefined): void => {
    const uid = conn?.uid;
    if (uid === undefined || options.sessions !== true) {
      out.write(text);
      return;
    }
    let block = byUid.get(uid);
    if (block === undefined) {
      block = { uid, header: header(conn!), parts: [], ended: false, shown: false };
      blocks.push(block);
      byUid.set(uid, block);
      if (interleaved)
        block.shown = true; // its header comes with its first text, below
      else if (blocks.length === 1) show(block);
    }
    if (interleaved) {
      if (lastWritten !== uid) {
        out.write(`\n${block.header}`);
        lastWritten = uid;
      }
      out.write(text);
      return;
    }
    if (block.shown) {
      out.write(text);
      lastWritten = uid;
      return;
    }
    block.parts.push(text);
    held += text.length;
    if (held > maxHeld) {
      interleaved = true;
      for (const waiting of blocks) if (!waiting.shown) show(waiting);
    }
  };

  /**
   * A run of replies without a command on one connection (a capture that saw only the server's side): the first
   * is shown with its label and diagnostic, the others as reply lines only, and the run's end says how many more
   * there were — not one warning line per reply (every diagnostic is still counted in the summary and records).
   */
  let run: { conn: ConnectionInfo | undefined; count: number; indent: string } | undefined;
  const endRun = (): void => {
    const ended = run;
    run = undefined;
    if (ended === undefined || ended.count === 0) return;
    const message = `${ended.count} more replies above came while no command was waiting`;
    route(
      `${ended.indent}${formatDiagnosticLine({ type: "unmatched-reply", message }, palette, lang)}\n`,
      ended.conn,
    );
  };
  const isLoneReply = (ex: Exchange): boolean =>
    ex.kind === "unmatched-reply" &&
    ex.diagnostics.length === 1 &&
    ex.diagnostics[0]!.type === "unmatched-reply";

  return {
    record() {},
    sessionEnd(conn) {
      if (run?.conn?.uid === conn.uid) endRun();
      if (conn.uid === undefined) return;
      const block = byUid.get(conn.uid);
      if (block === undefined) return; // a session without exchanges: nothing was shown
      block.ended = true;
      advance();
    },
    exchange(ex, conn) {
      countExchange(summary, ex);
      const lone = isLoneReply(ex);
      if (lone && run !== undefined && run.conn?.uid === conn?.uid) {
        run.count++;
        const replies = ex.replies;
        const indent = run.indent;
        route(
          replies.length === 1
            ? formatReply(replies[0]!, indent)
            : replies.map((reply) => formatReply(reply, indent)).join(""),
          conn,
        );
        return;
      }
      endRun();
      const parts: string[] = [];
      const time = ex.startTs === undefined ? "" : formatTimestamp(ex.startTs);
      const stamp = time === "" ? "" : `${palette.dim(`[${time}]`)} `;
      const indent = time === "" ? "" : " ".repeat(time.length + 3);
      if (lone) run = { conn, count: 0, indent };
      const command = maskedCommand(ex, showPasswords);
      if (command !== undefined) {
        parts.push(`${stamp}${palette.command(`C: ${escapeText(command.line)}`)}\n`);
      } else if (
        ex.kind === "greeting" ||
        ex.kind === "unsolicited" ||
        // A reply without a command is only worth a label where it is a finding (not in server bytes alone).
        ex.diagnostics.some((d) => d.type === "unmatched-reply")
      ) {
        const label =
          ex.kind === "greeting"
            ? labels.greeting
            : ex.kind === "unsolicited"
              ? labels.unsolicited
              : labels.unmatched;
        parts.push(`${stamp}${palette.dim(`(${label})`)}\n`);
      }
      for (const reply of ex.replies) parts.push(formatReply(reply, indent));
      if (ex.final === undefined && ex.kind === "command")
        parts.push(`${indent}${palette.dim(labels.noFinal)}\n`);
      for (const d of ex.diagnostics) {
        const message = lang === "zh" ? zhDialogueMessage(d) : d.message;
        parts.push(`${indent}${formatDiagnosticLine({ type: d.type, message }, palette, lang)}\n`);
      }
      route(parts.join(""), conn);
    },
    reply(reply) {
      endRun();
      countLoneReply(summary, reply);
      out.write(formatReply(reply, ""));
    },
    transfer(transfer, conn) {
      countTransfer(summary, transfer);
      // `[time] transfer: download /pub/notes.txt · 14 bytes · binary · complete · 1 s · anonymous`
      const stamp = transfer.ts === undefined ? "" : `${palette.dim(`[${formatTimestamp(transfer.ts)}]`)} `;
      const who =
        showPasswords && transfer.anonymousId !== undefined
          ? `${transfer.user} (${transfer.anonymousId})`
          : transfer.user;
      const parts = [
        `${labels[transfer.direction]} ${transfer.path}`,
        `${transfer.size} ${labels.bytes}`,
        transfer.type,
        transfer.complete ? labels.complete : labels.incomplete,
        `${transfer.duration} s`,
        who,
      ];
      const text = `${labels.transfer}: ${escapeText(parts.join(" · "))}`;
      route(`${stamp}${transfer.complete ? palette.command(text) : palette.warning(text)}\n`, conn);
    },
    diagnostic(diagnostic) {
      endRun();
      countDiagnostic(summary, diagnostic.type);
      out.write(`${formatDiagnosticLine(diagnostic, palette, lang)}\n`);
    },
    end() {
      endRun();
      for (const block of blocks) block.ended = true;
      advance();
      if (options.summary) out.write(`\n${formatSummary(finishedSummary(summary), lang, palette)}`);
    },
  };
}

/** What each format implements; `record` only where the format has room for other records. */
type FormatWriter = Omit<Writer, "summary">;

/**
 * Creates the writer for a `--format`. Every method writes at once (nothing is buffered but the summary's
 * counters), so output streams whatever the input size.
 */
export function createWriter(format: OutputFormat, out: TextSink, options: WriterOptions): Writer {
  const summary = emptySummary();
  let writer: FormatWriter;
  switch (format) {
    case "pretty":
      writer = createPrettyWriter(out, options, summary);
      break;
    case "json":
      writer = createJsonWriter(out, options, false, summary);
      break;
    case "ndjson":
      writer = createJsonWriter(out, options, true, summary);
      break;
    case "zeek":
      writer = createZeekWriter(out, options, summary);
      break;
  }
  return {
    exchange: writer.exchange,
    reply: writer.reply,
    transfer: writer.transfer,
    diagnostic: writer.diagnostic,
    sessionEnd: writer.sessionEnd,
    record: writer.record,
    end: writer.end,
    get summary() {
      return finishedSummary(summary);
    },
  };
}

// ───────────────────────────── buffered stdout ─────────────────────────────

/** A stream the output goes to: `write` returns false when its buffer is full, then it emits `drain`. */
export interface WritableLike {
  write(text: string): unknown;
  once?(event: "drain", listener: () => void): unknown;
}

export interface BufferedSink extends TextSink {
  /** Waits until the stream has room again (back-pressure), so memory stays bounded whatever the output size. */
  drain(): Promise<void>;
  /** Writes what is buffered and waits for it to be taken. */
  close(): Promise<void>;
}

const SINK_BUFFER_CHARS = 64 * 1024;

/**
 * Gathers small writes into 64 KiB pieces and honours the stream's back-pressure. A Node stream (stdout) gets
 * bytes: each write is encoded into the piece as it comes, where a string of 64 Ki characters built of thousands of
 * small ones cost a flattening and two passes (its UTF-8 length, then its bytes) when written — a fifth of a
 * server-only capture's ndjson. Any other stream (a collector in tests) gets the text.
 */
export function createBufferedSink(stream: WritableLike): BufferedSink {
  let full = false;
  const written = (accepted: unknown): void => {
    if (accepted === false) full = true;
  };
  const wait = async (): Promise<void> => {
    if (!full || stream.once === undefined) return;
    const once = stream.once.bind(stream);
    await new Promise<void>((resolve) => once("drain", resolve));
    full = false;
  };
  const flush = stream instanceof Writable ? bytePieces(stream, written) : textPieces(stream, written);
  return {
    write: flush.write,
    async drain() {
      await wait();
    },
    async close() {
      flush.flush();
      await wait();
    },
  };
}

interface Pieces {
  write(text: string): void;
  flush(): void;
}

function textPieces(stream: WritableLike, written: (accepted: unknown) => void): Pieces {
  // One string grown by `+=` (a rope V8 flattens once, when it is written): faster than an array joined at each
  // flush, most of all when one piece is not Latin-1 and the whole joined piece becomes two bytes a character.
  let pending = "";
  const flush = (): void => {
    if (pending.length === 0) return;
    const text = pending;
    pending = "";
    written(stream.write(text));
  };
  return {
    write(text) {
      pending += text;
      if (pending.length >= SINK_BUFFER_CHARS) flush();
    },
    flush,
  };
}

const UTF8 = new TextEncoder();

/** How many characters of small writes the byte sink joins before encoding them. */
const ENCODE_CHARS = 4096;

function bytePieces(stream: Writable, written: (accepted: unknown) => void): Pieces {
  // A new buffer after each piece: the stream may hold the one written until it has gone out.
  let piece = Buffer.allocUnsafe(SINK_BUFFER_CHARS);
  let used = 0;
  const flush = (): void => {
    if (used === 0) return;
    const bytes = piece.subarray(0, used);
    piece = Buffer.allocUnsafe(SINK_BUFFER_CHARS);
    used = 0;
    written(stream.write(bytes));
  };
  // Small writes are joined first (a short rope flattens cheaply): one encoding call per few KiB, not per write.
  let pending = "";
  const encode = (): void => {
    const text = pending;
    pending = "";
    // A UTF-16 unit is at most three bytes of UTF-8.
    if (used + 3 * text.length > piece.length) {
      flush();
      if (3 * text.length > piece.length) {
        written(stream.write(text));
        return;
      }
    }
    used += UTF8.encodeInto(text, piece.subarray(used)).written;
  };
  return {
    write(text) {
      pending += text;
      if (pending.length >= ENCODE_CHARS) encode();
    },
    flush() {
      if (pending.length > 0) encode();
      flush();
    },
  };
}
