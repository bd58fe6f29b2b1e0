import type { Lang } from "../codes.js";
import { cutArgument, escapeText } from "../node/escape.js";
import {
  type FileOptions,
  HASH_ALGORITHMS,
  type HashAlgorithm,
  prepareExtractDir,
} from "../node/pcap/files.js";
import type { DataConnection } from "../node/pcap/ftp.js";
import type { SessionSummary } from "../node/pcap/sessions.js";
import { UsageError } from "./args.js";

export const PCAP_FILES_HELP = `      --hash LIST     hashes of the files on data connections: md5, sha1, sha256 (default) or none
      --extract DIR   copy each file into DIR (created if missing) as <fuid>-<name>
      --extract-max N bytes per extracted file at most (default 104857600, Zeek's); K, M, G suffixes`;

export const PCAP_FILES_OPTIONS = [
  { name: "hash", takesValue: true },
  { name: "extract", takesValue: true },
  { name: "extract-max", takesValue: true },
] as const;

const SIZE_SUFFIXES: Readonly<Record<string, number>> = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };

/** `--hash md5,sha256` → the algorithms; `none` → none. */
function parseHashes(value: string): HashAlgorithm[] {
  if (value.trim().toLowerCase() === "none") return [];
  const names = value.split(",").map((part) => part.trim().toLowerCase().replace("-", ""));
  for (const name of names) {
    if (!(HASH_ALGORITHMS as readonly string[]).includes(name)) {
      throw new UsageError(
        `--hash takes md5, sha1, sha256 or none, not ${JSON.stringify(cutArgument(value))}`,
      );
    }
  }
  return [...new Set(names as HashAlgorithm[])];
}

/** `--extract-max 10M` → bytes. */
function parseSize(value: string): number {
  const match = /^(\d+)([KMG]?)$/i.exec(value.trim());
  const bytes = match === null ? Number.NaN : Number(match[1]) * SIZE_SUFFIXES[match[2]!.toUpperCase()]!;
  if (!Number.isSafeInteger(bytes)) {
    throw new UsageError(
      `--extract-max takes a size in bytes (K, M, G), not ${JSON.stringify(cutArgument(value))}`,
    );
  }
  return bytes;
}

/** The analyzer's file options from the command line (usage errors thrown as `UsageError`). */
export function fileOptionsOf(extra: Map<string, string | true>): FileOptions {
  const options: FileOptions = {};
  const hash = extra.get("hash");
  if (typeof hash === "string") options.hashes = parseHashes(hash);
  const extract = extra.get("extract");
  if (typeof extract === "string") options.extractDir = extract;
  const max = extra.get("extract-max");
  if (typeof max === "string") options.maxExtractBytes = parseSize(max);
  return options;
}

/** Checks the folders the options name before any reading; the message of what is wrong, or undefined. */
export function prepareFolders(extra: Map<string, string | true>): string | undefined {
  try {
    const extract = extra.get("extract");
    if (typeof extract === "string") prepareExtractDir(extract);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** The file and verdict of a data connection, as fields of its json/ndjson record. */
export function fileFields(data: DataConnection): Record<string, unknown> {
  const { file, verdict } = data;
  return {
    file: {
      fuid: file.fuid,
      name: file.name,
      direction: file.toServer ? "upload" : "download",
      size: file.size,
      missingBytes: file.missingBytes,
      mimeType: file.mimeType,
      hashStatus: file.hashStatus,
      md5: file.md5,
      sha1: file.sha1,
      sha256: file.sha256,
      extracted: file.extracted,
      extractedCutoff: file.extractedCutoff,
      extractedSize: file.extractedSize,
    },
    verdict: verdict.verdict,
    expectedBytes: verdict.expected,
    verdictReason: verdict.reason,
  };
}

/** The verdicts in Chinese; the reason's numbers follow as figures. */
const ZH_VERDICT: Readonly<Record<DataConnection["verdict"]["verdict"], string>> = {
  complete: "完整",
  resumed: "续传完成",
  aborted: "中止",
  truncated: "不完整",
  mismatch: "大小不符",
  unknown: "未知",
};

/** `, image/png, sha256 5c37…, complete (226, …)` for the pretty data line (the MIME type and hashes as they are). */
export function fileText(data: DataConnection, lang: Lang = "en"): string {
  const { file, verdict } = data;
  const zh = lang === "zh";
  const parts: string[] = [];
  if (file.mimeType !== undefined) parts.push(file.mimeType);
  for (const name of HASH_ALGORITHMS) {
    const digest = file[name];
    if (digest !== undefined) parts.push(`${name} ${digest}`);
  }
  if (file.hashStatus === "unknown") parts.push(zh ? "哈希未知（缺少字节）" : "hash unknown (bytes missing)");
  if (file.extracted !== undefined) {
    const cut = file.extractedCutoff === true ? (zh ? "（已截断）" : " (cut)") : "";
    parts.push(`${zh ? "已提取到 " : "extracted to "}${escapeText(file.extracted)}${cut}`);
  }
  if (zh) {
    const expected = verdict.expected === undefined ? "" : `，预期 ${verdict.expected}`;
    parts.push(`${ZH_VERDICT[verdict.verdict]}（${file.size} 字节${expected}）`);
  } else parts.push(`${verdict.verdict} (${escapeText(verdict.reason)})`);
  return `, ${parts.join(", ")}`;
}

/** The per-session lines of the pretty summary. */
export function sessionLines(
  sessions: readonly SessionSummary[],
  omitted: number,
  lang: Lang = "en",
): string {
  if (sessions.length === 0 && omitted === 0) return "";
  const zh = lang === "zh";
  const lines = sessions.map((s) => {
    const user =
      s.user === undefined ? (zh ? "无用户" : "no user") : `${zh ? "用户" : "user"} ${escapeText(s.user)}`;
    const login = zh
      ? s.login === "none"
        ? "未登录"
        : s.login === "success"
          ? "登录成功"
          : "登录失败"
      : s.login === "none"
        ? "no login"
        : s.login === "success"
          ? "login ok"
          : "login failed";
    const failed =
      s.failedLogins > 0 && s.login === "success"
        ? zh
          ? `（之前失败 ${s.failedLogins} 次）`
          : ` after ${s.failedLogins} failed`
        : "";
    const counts = zh
      ? `命令 ${s.commands}，文件 ${s.files}，${s.bytes} 字节，告警 ${s.notices}`
      : `${s.commands} commands, ${s.files} files, ${s.bytes} bytes, ${s.notices} notices`;
    return `    ${s.uid}  ${s.client} → ${s.server}  ${user}${zh ? "，" : ", "}${login}${failed}${zh ? "，" : ", "}${counts}\n`;
  });
  const total = sessions.length + omitted;
  const more =
    omitted > 0
      ? zh
        ? `    … 另有 ${omitted} 个会话（未逐一列出）\n`
        : `    … and ${omitted} more sessions (not summarised one by one)\n`
      : "";
  return `${zh ? "  会话         " : "  sessions     "}${total}\n${lines.join("")}${more}`;
}

/** A session as a json/ndjson record. */
export function sessionRecord(session: SessionSummary): Record<string, unknown> {
  return { record: "session", ...session };
}
