/**
 * Zeek's files.log rows for the files on FTP data connections (written by zeek-logs.ts): the columns of base/frameworks/files/main.zeek with
 * the hash (base/files/hash) and extract (base/files/extract) fields, in Zeek's order, and one extension
 * column, `_verdict` (Zeek's `Log::default_ext_prefix` is `_`), with the transfer's integrity verdict.
 */
import { formatAddress } from "./decode.js";
import type { DataConnection } from "./ftp.js";

/** One files.log row, with Zeek's field names. `undefined` is an unset field (`-`). */
export interface FilesLogRecord {
  ts: number | undefined;
  fuid: string;
  uid: string;
  "id.orig_h": string;
  "id.orig_p": number;
  "id.resp_h": string;
  "id.resp_p": number;
  source: string;
  depth: number;
  analyzers: readonly string[];
  mime_type: string | undefined;
  filename: string | undefined;
  duration: number;
  local_orig: boolean | undefined;
  is_orig: boolean;
  seen_bytes: number;
  total_bytes: number | undefined;
  missing_bytes: number;
  overflow_bytes: number;
  timedout: boolean;
  parent_fuid: string | undefined;
  md5: string | undefined;
  sha1: string | undefined;
  sha256: string | undefined;
  extracted: string | undefined;
  extracted_cutoff: boolean | undefined;
  extracted_size: number | undefined;
  _verdict: string;
}

/** Zeek's files.log columns (with the hash and extract fields), in order, with their Zeek types; then ours. */
export const FILES_LOG_FIELDS = [
  ["ts", "time"],
  ["fuid", "string"],
  ["uid", "string"],
  ["id.orig_h", "addr"],
  ["id.orig_p", "port"],
  ["id.resp_h", "addr"],
  ["id.resp_p", "port"],
  ["source", "string"],
  ["depth", "count"],
  ["analyzers", "set[string]"],
  ["mime_type", "string"],
  ["filename", "string"],
  ["duration", "interval"],
  ["local_orig", "bool"],
  ["is_orig", "bool"],
  ["seen_bytes", "count"],
  ["total_bytes", "count"],
  ["missing_bytes", "count"],
  ["overflow_bytes", "count"],
  ["timedout", "bool"],
  ["parent_fuid", "string"],
  ["md5", "string"],
  ["sha1", "string"],
  ["sha256", "string"],
  ["extracted", "string"],
  ["extracted_cutoff", "bool"],
  ["extracted_size", "count"],
  ["_verdict", "string"],
] as const satisfies readonly (readonly [keyof FilesLogRecord, string])[];

/** Zeek's names of the file analyzers a file went through (`Files::ANALYZER_SHA256` → `SHA256`). */
function analyzersOf(data: DataConnection): string[] {
  const file = data.file;
  const names: string[] = [];
  if (file.hashStatus !== "off") {
    for (const [field, name] of [
      ["md5", "MD5"],
      ["sha1", "SHA1"],
      ["sha256", "SHA256"],
    ] as const) {
      if (file[field] !== undefined || file.hashStatus === "unknown") names.push(name);
    }
  }
  if (file.extracted !== undefined) names.push("EXTRACT");
  return names;
}

/**
 * A data connection's file as a files.log row: the data connection's uid and endpoints, `source` FTP_DATA as in
 * Zeek, `filename` the path its transfer command named (Zeek leaves it unset for FTP), `total_bytes` the size the
 * server announced for a download (`150 … (N bytes)`).
 */
export function toFilesLogRecord(data: DataConnection): FilesLogRecord {
  const { file, tcp } = data;
  const firstTs = tcp.firstPacket.seconds + tcp.firstPacket.nanoseconds / 1e9;
  return {
    ts: file.firstTs ?? firstTs,
    fuid: file.fuid,
    uid: `tcp${tcp.index}`,
    "id.orig_h": formatAddress(tcp.client.address),
    "id.orig_p": tcp.client.port,
    "id.resp_h": formatAddress(tcp.server.address),
    "id.resp_p": tcp.server.port,
    source: "FTP_DATA",
    depth: 0,
    analyzers: analyzersOf(data),
    mime_type: file.mimeType,
    filename: file.name,
    duration: file.firstTs === undefined ? 0 : file.lastTs! - file.firstTs,
    local_orig: undefined,
    is_orig: file.isOrig,
    seen_bytes: file.size,
    total_bytes: data.exchange?.command?.verb === "RETR" ? data.exchange.fileSize : undefined,
    missing_bytes: file.missingBytes,
    overflow_bytes: 0,
    timedout: false,
    parent_fuid: undefined,
    md5: file.md5,
    sha1: file.sha1,
    sha256: file.sha256,
    extracted: file.extracted,
    extracted_cutoff: file.extractedCutoff,
    extracted_size: file.extractedSize,
    _verdict: data.verdict.verdict,
  };
}
