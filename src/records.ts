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

/**
 * Zeek's caps on ftp.log fields, in bytes (main.zeek `max_arg_length`, `max_reply_msg_length`, `max_user_length`,
 * `max_password_length`): a longer value is cut there (Zeek also reports a weird, e.g. `FTP_arg_too_long`).
 */
export const ZEEK_FIELD_CAPS = { arg: 4096, reply_msg: 4096, user: 128, password: 128 } as const;

/** Where a byte that is not UTF-8 is kept in a string: U+DC80 + byte (a lone low surrogate, as Python's `surrogateescape`). */
const ESCAPED_BYTE_BASE = 0xdc00;
const REPLACEMENT_CHARACTER = "\ufffd";

/** The length of the valid UTF-8 sequence at `i` (1–4), or 0 when the bytes there are not UTF-8 (RFC 3629 §4). */
function utf8SequenceLength(bytes: Uint8Array, i: number): number {
  const b0 = bytes[i]!;
  if (b0 < 0x80) return 1;
  const continuation = (at: number, low = 0x80, high = 0xbf): boolean =>
    at < bytes.length && bytes[at]! >= low && bytes[at]! <= high;
  if (b0 >= 0xc2 && b0 <= 0xdf) return continuation(i + 1) ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const low = b0 === 0xe0 ? 0xa0 : 0x80;
    const high = b0 === 0xed ? 0x9f : 0xbf;
    return continuation(i + 1, low, high) && continuation(i + 2) ? 3 : 0;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const low = b0 === 0xf0 ? 0x90 : 0x80;
    const high = b0 === 0xf4 ? 0x8f : 0xbf;
    return continuation(i + 1, low, high) && continuation(i + 2) && continuation(i + 3) ? 4 : 0;
  }
  return 0;
}

const strictDecoder = new TextDecoder("utf-8");

/**
 * Bytes as text, every byte that is not part of valid UTF-8 kept as U+DC80 + byte, so that the Zeek writer can
 * write it back as `\xNN` (Zeek escapes the bytes it cannot print; a decoder's U+FFFD would lose them).
 */
function decodeKeepingBytes(bytes: Uint8Array): string {
  let out = "";
  let start = 0;
  let i = 0;
  while (i < bytes.length) {
    const length = utf8SequenceLength(bytes, i);
    if (length > 0) {
      i += length;
      continue;
    }
    out +=
      strictDecoder.decode(bytes.subarray(start, i)) + String.fromCharCode(ESCAPED_BYTE_BASE + bytes[i]!);
    i++;
    start = i;
  }
  return out + strictDecoder.decode(bytes.subarray(start));
}

/** The inverse of `decodeKeepingBytes`: escaped bytes back to their byte, the rest as UTF-8. */
function encodeKeepingBytes(text: string): Uint8Array {
  const out: number[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (!isEscapedByte(text, i)) continue;
    out.push(...utf8Encoder.encode(text.slice(start, i)), unit - ESCAPED_BYTE_BASE);
    start = i + 1;
  }
  out.push(...utf8Encoder.encode(text.slice(start)));
  return Uint8Array.from(out);
}

/** A lone U+DC80–U+DCFF (not the second half of a pair): a byte `decodeKeepingBytes` kept. */
function isEscapedByte(text: string, i: number): boolean {
  const unit = text.charCodeAt(i);
  if (unit < 0xdc80 || unit > 0xdcff) return false;
  const before = i > 0 ? text.charCodeAt(i - 1) : 0;
  return !(before >= 0xd800 && before <= 0xdbff);
}

/** `value` cut to `max` bytes as Zeek cuts (`s[:max]`): a character cut in two leaves its first bytes, escaped. */
function capBytes(value: string | undefined, max: number): string | undefined {
  if (value === undefined || value.length * 3 <= max) return value;
  const bytes = encodeKeepingBytes(value);
  return bytes.length <= max ? value : decodeKeepingBytes(bytes.subarray(0, max));
}

/**
 * The text of a command's argument or a reply's last line with the bytes that were not UTF-8 kept (see
 * `decodeKeepingBytes`), read again from the raw bytes; `text` itself when it holds no U+FFFD (nothing was lost).
 */
function keepBytes(text: string, raw: Uint8Array | undefined, pick: (line: string) => string): string {
  if (raw === undefined || !text.includes(REPLACEMENT_CHARACTER) || raw.includes(0xff)) return text;
  return pick(decodeKeepingBytes(raw));
}

/** A raw command line → its argument: everything after the first space, the line end removed (RFC 959 §5.3). */
function argumentOf(line: string): string {
  const body = line.replace(/\r?\n$/, "").replace(/\r$/, "");
  const space = body.indexOf(" ");
  return space === -1 ? "" : body.slice(space + 1);
}

/** A raw reply → its last line's text after the code and separator (Zeek's `reply_msg`). */
function lastLineTextOf(reply: string): string {
  const lines = reply.split("\n").map((line) => line.replace(/\r$/, ""));
  while (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
  const last = lines[lines.length - 1]!;
  return /^\d{3}[ -]/.test(last) ? last.slice(4) : last;
}

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
 * unset (they come from the data connection, which the control channel does not see). Bytes of the argument and
 * of `reply_msg` that are not UTF-8 are kept (written `\xNN` by the Zeek writer, as Zeek does), and `arg`,
 * `reply_msg`, `user` and `password` are cut to Zeek's caps (`ZEEK_FIELD_CAPS`).
 */
export function toFtpLogRecord(exchange: Exchange, conn: ConnectionInfo = {}): FtpLogRecord {
  const command = exchange.command;
  const verb = command?.verb;
  let arg: string | undefined =
    command === undefined ? undefined : keepBytes(command.arg, command.raw, argumentOf);
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
    user: capBytes(exchange.user, ZEEK_FIELD_CAPS.user) ?? "<unknown>",
    password: capBytes(exchange.password, ZEEK_FIELD_CAPS.password),
    command: verb,
    arg: capBytes(arg, ZEEK_FIELD_CAPS.arg),
    mime_type: undefined,
    file_size: exchange.fileSize,
    reply_code: final?.code,
    reply_msg:
      final === undefined
        ? undefined
        : capBytes(
            keepBytes(lastMessageLine(final.text), final.raw, lastLineTextOf),
            ZEEK_FIELD_CAPS.reply_msg,
          ),
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

/**
 * One file transfer as a transfer log records it (xferlog: vsftpd `xferlog_std_format=YES`, ProFTPD
 * `TransferLog`): no dialogue, only what was moved, by whom, and whether it completed.
 */
export interface TransferRecord {
  /** When the transfer ended (seconds since the Unix epoch). */
  ts: number | undefined;
  /** How long it took, in whole seconds (xferlog's `transfer-time`). */
  duration: number;
  /** The client's address (`remote-host`). */
  host: string;
  /** The file's path as the server logged it. */
  path: string;
  /** Bytes transferred. */
  size: number;
  /** `download` (xferlog `o`), `upload` (`i`) or `delete` (ProFTPD's `d`). */
  direction: "download" | "upload" | "delete";
  /** The representation type: `ascii` (`a`) or `binary` (`b`). */
  type: "ascii" | "binary";
  /** How the user logged in: `anonymous` (`a`), `guest` (`g`), `real` (`r`). */
  access: "anonymous" | "guest" | "real";
  /**
   * The user: the account name, or `anonymous` for anonymous access (xferlog writes there the e-mail address
   * the client gave as its password: `anonymousId`).
   */
  user: string;
  /** The e-mail address an anonymous client gave as password: only when passwords are recorded. */
  anonymousId?: string | undefined;
  /** Whether the transfer completed (`c`) or not (`i`). */
  complete: boolean;
  /** The service name (`ftp`). */
  service: string;
  /** 1-based line number in the log. */
  line: number;
}

/** The command a transfer record stands for in an ftp.log row. */
const TRANSFER_VERBS = { download: "RETR", upload: "STOR", delete: "DELE" } as const;

/**
 * A transfer record as an ftp.log row: the command it stands for (`RETR`, `STOR`, `DELE`), the path as `arg`,
 * `file_size` the bytes moved; the log has no reply, so `reply_code` is unset and `reply_msg` says what the log
 * says (`transfer complete` / `transfer incomplete`).
 */
export function transferToFtpLogRecord(transfer: TransferRecord, conn: ConnectionInfo = {}): FtpLogRecord {
  return {
    ts: transfer.ts,
    uid: conn.uid,
    "id.orig_h": conn.origHost ?? transfer.host,
    "id.orig_p": conn.origPort,
    "id.resp_h": conn.respHost,
    "id.resp_p": conn.respPort,
    user: transfer.user,
    password: undefined,
    command: TRANSFER_VERBS[transfer.direction],
    arg: transfer.path,
    mime_type: undefined,
    file_size: transfer.size,
    reply_code: undefined,
    reply_msg: transfer.complete ? "transfer complete" : "transfer incomplete",
    "data_channel.passive": undefined,
    "data_channel.orig_h": undefined,
    "data_channel.resp_h": undefined,
    "data_channel.resp_p": undefined,
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
 * on ESC), which are escaped as their UTF-8 bytes (`\xc2\x9b`). A byte that was not UTF-8, kept by
 * `decodeKeepingBytes` as U+DC80 + byte, is written `\xNN` as Zeek writes it. A value equal to the unset or empty
 * marker gets its first character escaped.
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
    if (isEscapedByte(value, i)) {
      // A byte that was not UTF-8 (decodeKeepingBytes): written as that byte, as Zeek does.
      parts.push(hexEscape(c - ESCAPED_BYTE_BASE));
      start = i + 1;
      continue;
    }
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
