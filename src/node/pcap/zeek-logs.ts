/**
 * notice.log, weird.log and ssl.log in Zeek's tab-separated ASCII format, with Zeek's columns (notice.log and
 * weird.log as Zeek 6/7 write them; ssl.log the subset of its columns a capture's clear-text handshake fills).
 * ftp.log is records.ts's; the escaping is its `escapeZeekString`.
 */
import {
  type ConnectionInfo,
  escapeZeekString,
  FTP_LOG_FIELDS,
  formatZeekValue,
  zeekDate,
} from "../../records.js";
import type { Notice } from "./notices.js";
import { SUPPRESS_FOR } from "./notices.js";
import { cipherSuiteName, type TlsHandshake, tlsVersionName } from "./tls.js";
import type { Weird } from "./weird.js";

/** A log's columns: name and Zeek type. */
export type ZeekFields = readonly (readonly [string, string])[];

/** `ts`, `uid` and the `id` (conn_id) columns every connection log starts with, as ftp.log's. */
const CONN_FIELDS: ZeekFields = FTP_LOG_FIELDS.slice(0, 6);

/** Zeek's notice.log columns (base/frameworks/notice/main.zeek `Notice::Info`, with `remote_location`). */
export const NOTICE_LOG_FIELDS: ZeekFields = [
  ...CONN_FIELDS,
  ["fuid", "string"],
  ["file_mime_type", "string"],
  ["file_desc", "string"],
  ["proto", "enum"],
  ["note", "enum"],
  ["msg", "string"],
  ["sub", "string"],
  ["src", "addr"],
  ["dst", "addr"],
  ["p", "port"],
  ["n", "count"],
  ["peer_descr", "string"],
  ["actions", "set[enum]"],
  ["email_dest", "set[string]"],
  ["suppress_for", "interval"],
  ["remote_location.country_code", "string"],
  ["remote_location.region", "string"],
  ["remote_location.city", "string"],
  ["remote_location.latitude", "double"],
  ["remote_location.longitude", "double"],
];

/** Zeek's weird.log columns (base/frameworks/notice/weird.zeek `Weird::Info`). */
export const WEIRD_LOG_FIELDS: ZeekFields = [
  ...CONN_FIELDS,
  ["name", "string"],
  ["addl", "string"],
  ["notice", "bool"],
  ["peer", "string"],
  ["source", "string"],
];

/** The ssl.log columns (base/protocols/ssl/main.zeek `SSL::Info`) a clear-text handshake fills. */
export const SSL_LOG_FIELDS: ZeekFields = [
  ...CONN_FIELDS,
  ["version", "string"],
  ["cipher", "string"],
  ["server_name", "string"],
  ["subject", "string"],
  ["issuer", "string"],
];

/** What the `peer` and `peer_descr` columns say: the node that wrote the row (Zeek writes its node name). */
export const PEER = "ftp-reply";

/** A row: field name to value; `undefined` is unset (`-`), `[]` an empty set. */
export type ZeekRow = Readonly<Record<string, string | number | boolean | readonly string[] | undefined>>;

function cell(value: ZeekRow[string], type: string): string {
  if (!Array.isArray(value)) return formatZeekValue(value as string | number | boolean | undefined, type);
  // A set: its elements joined by the set separator, which is escaped inside them.
  return value.length === 0
    ? "(empty)"
    : value.map((item) => escapeZeekString(item).replace(/,/g, "\\x2c")).join(",");
}

/** A streaming writer of one Zeek log: `header()` once, `row()` per record, `footer()` once. */
export interface ZeekTableWriter {
  header(open?: Date): string;
  row(row: ZeekRow): string;
  footer(close?: Date): string;
}

/** Creates a writer of Zeek's ASCII format for the log `path` with `fields`. */
export function createZeekTableWriter(path: string, fields: ZeekFields): ZeekTableWriter {
  return {
    header(open = new Date()) {
      return [
        "#separator \\x09",
        "#set_separator\t,",
        "#empty_field\t(empty)",
        "#unset_field\t-",
        `#path\t${path}`,
        `#open\t${zeekDate(open)}`,
        `#fields\t${fields.map(([name]) => name).join("\t")}`,
        `#types\t${fields.map(([, type]) => type).join("\t")}`,
        "",
      ].join("\n");
    },
    row(row) {
      return `${fields.map(([name, type]) => cell(row[name], type)).join("\t")}\n`;
    },
    footer(close = new Date()) {
      return `#close\t${zeekDate(close)}\n`;
    },
  };
}

function connColumns(ts: number | undefined, conn: ConnectionInfo | undefined): ZeekRow {
  return {
    ts,
    uid: conn?.uid,
    "id.orig_h": conn?.origHost,
    "id.orig_p": conn?.origPort,
    "id.resp_h": conn?.respHost,
    "id.resp_p": conn?.respPort,
  };
}

/** A notice as a notice.log row (Zeek's `Notice::ACTION_LOG`, the default suppression interval). */
export function noticeRow(notice: Notice): ZeekRow {
  return {
    ...connColumns(notice.ts, notice.conn),
    proto: notice.conn === undefined ? undefined : "tcp",
    note: notice.note,
    msg: notice.msg,
    sub: notice.sub,
    src: notice.src,
    dst: notice.dst,
    p: notice.p,
    n: notice.n,
    actions: ["Notice::ACTION_LOG"],
    email_dest: [],
    suppress_for: SUPPRESS_FOR,
  };
}

/** A weird as a weird.log row. */
export function weirdRow(weird: Weird): ZeekRow {
  return {
    ...connColumns(weird.ts, weird.conn),
    name: weird.name,
    addl: weird.addl,
    notice: false,
    peer: PEER,
    source: weird.source,
  };
}

/** A TLS handshake as an ssl.log row (no `established`: the Finished messages are encrypted). */
export function sslRow(handshake: TlsHandshake, conn: ConnectionInfo, ts: number | undefined): ZeekRow {
  const server = handshake.serverHello;
  return {
    ...connColumns(ts, conn),
    version: server === undefined ? undefined : tlsVersionName(server.version),
    cipher: server === undefined ? undefined : cipherSuiteName(server.cipherSuite),
    server_name: handshake.clientHello?.serverName,
    subject: handshake.certificate?.subject,
    issuer: handshake.certificate?.issuer,
  };
}

/** A row as a JSON object with Zeek's field names (dotted, as Zeek's JSON logs write them), unset fields left out. */
export function zeekJson(row: ZeekRow): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(row)) if (value !== undefined) record[name] = value;
  return record;
}
