/**
 * Records modelled on Zeek's `ftp.log` (scripts/base/protocols/ftp/info.zeek and main.zeek), so the dialogue
 * drops into pipelines that already read Zeek logs, and a writer for Zeek's tab-separated ASCII log format.
 */

import type { Exchange } from "./connection/index.js";
import { DATA_CHANNEL_COMMANDS } from "./connection/rules.js";

/** The control connection's identity, as Zeek's `uid` and `id` (conn_id) give it. */
export interface ConnectionInfo {
  /** The connection's unique id (Zeek: `uid`, e.g. `CHhAvVGS1DHFjwGM9`). */
  uid?: string | undefined;
  /** The client's address (`id.orig_h`). */
  origHost?: string | undefined;
  /** The client's port (`id.orig_p`). */
  origPort?: number | undefined;
  /** The server's address (`id.resp_h`). */
  respHost?: string | undefined;
  /** The server's port (`id.resp_p`). */
  respPort?: number | undefined;
  /** The session's key in the log it was read from (vsftpd's `pid 6508`), when the log names sessions. */
  sessionKey?: string | undefined;
  /** When the session started (seconds since the Unix epoch), when the log says. */
  sessionStart?: number | undefined;
}

/**
 * One row of `ftp.log`, with Zeek's field names (dotted names as Zeek's JSON logs write them). `undefined` is an
 * unset field (`-`); `""` is an empty one (`(empty)`).
 */
export interface FtpLogRecord {
  /** When the command was sent (seconds since the Unix epoch). */
  ts: number | undefined;
  uid: string | undefined;
  "id.orig_h": string | undefined;
  "id.orig_p": number | undefined;
  "id.resp_h": string | undefined;
  "id.resp_p": number | undefined;
  /** The user name; Zeek's default `<unknown>` before any USER. */
  user: string;
  /** The password: the mask unless it was recorded; unset before any PASS. */
  password: string | undefined;
  command: string | undefined;
  /** The argument; for file commands `ftp://<server>/<cwd>/<arg>` as Zeek builds it. Unset when empty. */
  arg: string | undefined;
  mime_type: string | undefined;
  file_size: number | undefined;
  reply_code: number | undefined;
  reply_msg: string | undefined;
  "data_channel.passive": boolean | undefined;
  "data_channel.orig_h": string | undefined;
  "data_channel.resp_h": string | undefined;
  "data_channel.resp_p": number | undefined;
  fuid: string | undefined;
}

/** Zeek's ftp.log columns, in order, with their Zeek types. */
export const FTP_LOG_FIELDS = [
  ["ts", "time"],
  ["uid", "string"],
  ["id.orig_h", "addr"],
  ["id.orig_p", "port"],
  ["id.resp_h", "addr"],
  ["id.resp_p", "port"],
  ["user", "string"],
  ["password", "string"],
  ["command", "string"],
  ["arg", "string"],
  ["mime_type", "string"],
  ["file_size", "count"],
  ["reply_code", "count"],
  ["reply_msg", "string"],
  ["data_channel.passive", "bool"],
  ["data_channel.orig_h", "addr"],
  ["data_channel.resp_h", "addr"],
  ["data_channel.resp_p", "port"],
  ["fuid", "string"],
] as const satisfies readonly (readonly [keyof FtpLogRecord, string])[];

/** The commands Zeek writes to ftp.log by default (`FTP::logged_commands`). */
export const ZEEK_LOGGED_COMMANDS: ReadonlySet<string> = new Set([
  "APPE",
  "DELE",
  "RETR",
  "STOR",
  "STOU",
  "ACCT",
  "PORT",
  "PASV",
  "EPRT",
  "EPSV",
]);

/** Commands whose argument Zeek turns into an `ftp://` URL (`file_cmds` in main.zeek). */
const FILE_COMMANDS: ReadonlySet<string> = new Set([
  "APPE",
  "CWD",
  "DELE",
  "MKD",
  "RETR",
  "RMD",
  "RNFR",
  "RNTO",
  "STOR",
  "STOU",
  "REST",
  "SIZE",
  "MDTM",
]);

/** Zeek's `addr_to_uri`: IPv6 addresses go in brackets. */
function addressToUri(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

/**
 * Zeek's `build_path_compressed(cwd, arg)` as used by `build_url`: an unknown directory is `.` (Zeek's default
 * `cwd`), so a relative name under it stays `./name`.
 */
function zeekPath(cwd: string | undefined, arg: string): string {
  let path: string;
  if (arg.startsWith("/")) path = compress(arg);
  else if (cwd === undefined) path = `./${compress(arg)}`;
  else path = compress(`${cwd}${cwd.endsWith("/") ? "" : "/"}${arg}`);
  return path.startsWith("/") ? path : `/${path}`;
}

/** Removes `.` segments, `..` with their parent, and repeated slashes. */
function compress(path: string): string {
  const rooted = path.startsWith("/");
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === ".." && parts.length > 0 && parts[parts.length - 1] !== "..") parts.pop();
    else if (part !== ".." || !rooted) parts.push(part);
  }
  return (rooted ? "/" : "") + parts.join("/");
}

/** The last line of a reply's message, as Zeek's `reply_msg` holds it (one `ftp_reply` event per line). */
function lastMessageLine(text: string): string {
  const newline = text.lastIndexOf("\n");
  return newline === -1 ? text : text.slice(newline + 1);
}

/**
 * Turns an exchange into an ftp.log row the way Zeek's FTP scripts would log it: `ts` is when the command was
 * sent; `user` defaults to `<unknown>`; the PASS argument and `password` are whatever the session kept (masked
 * by default); for file commands `arg` is `ftp://<server>/<path>` with the path joined to the working directory
 * (the bare path when the server address is not known); `reply_msg` is the final reply's last line;
 * `data_channel.*` only on the PASV/EPSV/LPSV/PORT/EPRT/LPRT rows that set it up; `mime_type` and `fuid` stay
 * unset (they come from the data connection, which the control channel does not see).
 */
export function toFtpLogRecord(exchange: Exchange, conn: ConnectionInfo = {}): FtpLogRecord {
  const command = exchange.command;
  const verb = command?.verb;
  let arg: string | undefined = command?.arg;
  if (verb !== undefined && arg !== undefined && arg !== "" && FILE_COMMANDS.has(verb)) {
    const path = zeekPath(exchange.cwd, arg);
    arg = conn.respHost === undefined ? path : `ftp://${addressToUri(conn.respHost)}${path}`;
  }
  if (arg === "") arg = undefined;
  const final = exchange.final;
  // Only the rows of commands that set up a data channel carry `data_channel.*`, as in Zeek.
  const channel = verb !== undefined && DATA_CHANNEL_COMMANDS.has(verb) ? exchange.dataChannel : undefined;
  return {
    ts: exchange.startTs,
    uid: conn.uid,
    "id.orig_h": conn.origHost,
    "id.orig_p": conn.origPort,
    "id.resp_h": conn.respHost,
    "id.resp_p": conn.respPort,
    user: exchange.user ?? "<unknown>",
    password: exchange.password,
    command: verb,
    arg,
    mime_type: undefined,
    file_size: exchange.fileSize,
    reply_code: final?.code,
    reply_msg: final === undefined ? undefined : lastMessageLine(final.text),
    "data_channel.passive": channel?.passive,
    // Zeek: the data connection comes from the client for PASV (orig_h = id.orig_h) and from the server for
    // PORT (orig_h = id.resp_h); resp_h is the listening address (the server's own for EPSV).
    "data_channel.orig_h":
      channel === undefined ? undefined : channel.passive ? conn.origHost : conn.respHost,
    "data_channel.resp_h": channel === undefined ? undefined : (channel.host ?? conn.respHost),
    "data_channel.resp_p": channel?.port,
    fuid: undefined,
  };
}

// ───────────────────────────── Zeek ASCII log writer ─────────────────────────────

export interface ZeekLogOptions {
  /** Time written in `#open` (default: now). Zeek writes local time; this writes UTC. */
  open?: Date;
  /** Time written in `#close` (default: now, when the footer is made). */
  close?: Date;
  /**
   * Keep non-ASCII UTF-8 text as is (default true, Zeek's `LogAscii::enable_utf_8`). With false every byte
   * outside printable ASCII is written `\xHH`, as Zeek does with that option off.
   */
  utf8?: boolean;
}

/** A streaming ftp.log writer: header once, one line per record, footer once. Pure: it returns text. */
export interface ZeekLogWriter {
  /** The `#separator` … `#types` header lines, each ending in `\n`. */
  header(): string;
  /** One record as a tab-separated line ending in `\n`. */
  row(record: FtpLogRecord): string;
  /** The `#close` line. */
  footer(): string;
}

const UNSET_FIELD = "-";
const EMPTY_FIELD = "(empty)";
const SET_SEPARATOR = ",";
const BACKSLASH = 0x5c;
const FIRST_PRINTABLE = 0x20;
const LAST_PRINTABLE = 0x7e;
/** Past the C1 controls (U+0080–U+009F), which are escaped even with `utf8`. */
const FIRST_NON_C1 = 0xa0;

const utf8Encoder = new TextEncoder();

/** `%Y-%m-%d-%H-%M-%S`, Zeek's `#open`/`#close` format (in UTC here). */
export function zeekDate(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, "0");
  return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}-${pad(date.getUTCHours())}-${pad(date.getUTCMinutes())}-${pad(date.getUTCSeconds())}`;
}

function hexEscape(byte: number): string {
  return `\\x${byte.toString(16).padStart(2, "0")}`;
}

/**
 * Escapes a string field as Zeek's ASCII writer does (ODesc::AddBytes): a backslash and every byte that is not
 * printable ASCII become `\xHH` (so the tab separator becomes `\x09`, a newline `\x0a`); with `utf8`, characters
 * beyond ASCII stay as they are, but for the C1 controls (U+0080–U+009F: a terminal may act on them as it does
 * on ESC), which are escaped as their UTF-8 bytes (`\xc2\x9b`). A value equal to the unset or empty marker gets its first character escaped.
 */
export function escapeZeekString(value: string, utf8 = true): string {
  if (value === "") return EMPTY_FIELD;
  if (value === UNSET_FIELD || value === EMPTY_FIELD) return hexEscape(value.charCodeAt(0)) + value.slice(1);
  let clean = true;
  for (let i = 0; i < value.length && clean; i++) {
    const c = value.charCodeAt(i);
    clean =
      c !== BACKSLASH &&
      c >= FIRST_PRINTABLE &&
      (c <= LAST_PRINTABLE || (utf8 && c >= FIRST_NON_C1 && (c < 0xd800 || c > 0xdfff)));
  }
  if (clean) return value;
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    const printable = c !== BACKSLASH && c >= FIRST_PRINTABLE && c <= LAST_PRINTABLE;
    if (printable) continue;
    if (utf8 && c >= FIRST_NON_C1) {
      // Keep whole code points; a lone surrogate is not valid UTF-8 and is escaped as its replacement bytes.
      const point = value.codePointAt(i)!;
      const isLoneSurrogate = point >= 0xd800 && point <= 0xdfff;
      if (!isLoneSurrogate) {
        if (point > 0xffff) i++;
        continue;
      }
    }
    parts.push(value.slice(start, i));
    const point = value.codePointAt(i)!;
    const width = point > 0xffff ? 2 : 1;
    for (const byte of utf8Encoder.encode(value.slice(i, i + width))) parts.push(hexEscape(byte));
    i += width - 1;
    start = i + 1;
  }
  parts.push(value.slice(start));
  return parts.join("");
}

/** One field of a Zeek ASCII log by its Zeek type (`time`, `interval`, `bool`, `count`, `port`, `addr`, strings). */
export function formatZeekValue(
  value: string | number | boolean | undefined,
  type: string,
  utf8 = true,
): string {
  if (value === undefined) return UNSET_FIELD;
  switch (type) {
    case "time":
    case "interval":
      return (value as number).toFixed(6);
    case "bool":
      return value ? "T" : "F";
    case "count":
    case "port":
      return String(Math.trunc(value as number));
    case "addr":
      return escapeZeekString(String(value), false);
    default:
      return escapeZeekString(String(value), utf8);
  }
}

/** Creates a streaming writer of Zeek's ASCII log format for ftp.log. */
export function createZeekLogWriter(options: ZeekLogOptions = {}): ZeekLogWriter {
  const utf8 = options.utf8 ?? true;
  return {
    header(): string {
      const open = options.open ?? new Date();
      return [
        "#separator \\x09",
        `#set_separator\t${SET_SEPARATOR}`,
        `#empty_field\t${EMPTY_FIELD}`,
        `#unset_field\t${UNSET_FIELD}`,
        "#path\tftp",
        `#open\t${zeekDate(open)}`,
        `#fields\t${FTP_LOG_FIELDS.map(([name]) => name).join("\t")}`,
        `#types\t${FTP_LOG_FIELDS.map(([, type]) => type).join("\t")}`,
        "",
      ].join("\n");
    },
    row(record: FtpLogRecord): string {
      const cells: string[] = [];
      for (const [name, type] of FTP_LOG_FIELDS) cells.push(formatZeekValue(record[name], type, utf8));
      return `${cells.join("\t")}\n`;
    },
    footer(): string {
      return `#close\t${zeekDate(options.close ?? new Date())}\n`;
    },
  };
}

/** Writes records as a complete Zeek ftp.log (header, rows, `#close`). */
export function formatZeekLog(records: Iterable<FtpLogRecord>, options: ZeekLogOptions = {}): string {
  const writer = createZeekLogWriter(options);
  const parts = [writer.header()];
  for (const record of records) parts.push(writer.row(record));
  parts.push(writer.footer());
  return parts.join("");
}
