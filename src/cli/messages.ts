/**
 * The CLI's own sentences in each language (`--lang`, or `LANG=zh_CN.UTF-8`): the lines `pcap` writes around the
 * dialogue (connections, data connections, its summary rows, the capture's diagnostics) and the dialogue's
 * diagnostics as the pretty writer shows them. English keeps the messages the layers wrote; Chinese rebuilds each
 * from the diagnostic's fields (type, stream, offsets, command, reply), so no English sentence reaches a Chinese
 * reader. Numbers, addresses, verbs and the stable `type` names stay as they are.
 */
import type { Lang } from "../codes.js";
import type { Diagnostic } from "../connection/types.js";
import { escapeText } from "../node/escape.js";
import type { CaptureStats } from "../node/pcap/capture.js";
import type { CaptureDiagnostic } from "../node/pcap/errors.js";

/** What `pcap` writes, per language. */
export interface PcapText {
  control: string;
  byPort(port: number): string;
  byGreeting: string;
  midConnection: string;
  data: string;
  forCommand(command: string): string;
  passive: string;
  active: string;
  bytes(toClient: number, toServer: number): string;
  missing(bytes: number): string;
  reset: string;
  stillOpen: string;
  captureRow(
    format: string,
    packets: number,
    tcp: number,
    otherIp: number,
    notIp: number,
    skipped: string,
  ): string;
  connectionsRow(tcp: number, control: number, data: number, other: number): string;
  dataBytesRow(bytes: number): string;
  droppedRow(dropped: string): string;
  /** Several capture files read as one (the summary's capture row). */
  files(count: number): string;
  /** The summary rows of notices, weirds and TLS handshakes (`list`: name and count, escaped). */
  noticesRow(count: number, list: string): string;
  weirdRow(count: number, list: string): string;
  tlsRow(count: number, list: string): string;
  /** The label of a `⚑` line and of a `↳` TLS line. */
  notice: string;
  tlsOn(stream: number): string;
  noFtp(stats: CaptureStats): string;
  frame(frame: number): string;
  diagnostic(d: CaptureDiagnostic): string;
}

/** A summary row: the label padded to the writer's column (CJK characters are two columns wide). */
function row(label: string, width: number, value: string): string {
  return `  ${label}${" ".repeat(Math.max(1, 13 - width))}${value}\n`;
}

const EN: PcapText = {
  control: "control connection",
  byPort: (port) => `port ${port}`,
  byGreeting: "found by its greeting",
  midConnection: ", capture starts mid-connection",
  data: "data",
  forCommand: (command) => ` for ${command}`,
  passive: "passive",
  active: "active",
  bytes: (toClient, toServer) =>
    toServer > 0 && toClient === 0
      ? `${toServer} bytes to server`
      : toServer > 0
        ? `${toClient} bytes to client, ${toServer} to server`
        : `${toClient} bytes to client`,
  missing: (bytes) => `, ${bytes} bytes missing from the capture`,
  reset: ", reset",
  stillOpen: ", still open at the end",
  captureRow: (format, packets, tcp, otherIp, notIp, skipped) =>
    row(
      "capture",
      7,
      `${format}, ${packets} packets: ${tcp} TCP, ${otherIp} other IP, ${notIp} not IP${skipped === "" ? "" : `, skipped: ${skipped}`}`,
    ),
  connectionsRow: (tcp, control, data, other) =>
    row("connections", 11, `${tcp} TCP: ${control} FTP control, ${data} FTP data, ${other} other`),
  dataBytesRow: (bytes) => row("data bytes", 10, `${bytes} (measured on the data connections)`),
  droppedRow: (dropped) => row("dropped", 7, `${dropped} (caps reached)`),
  files: (count) => `${count} file${count === 1 ? "" : "s"}`,
  noticesRow: (count, list) => row("notices", 7, count === 0 ? "none" : `${count}: ${list}`),
  weirdRow: (count, list) => row("weird", 5, count === 0 ? "none" : `${count}: ${list}`),
  tlsRow: (count, list) => row("tls", 3, `${count} handshake${count === 1 ? "" : "s"}: ${list}`),
  notice: "notice",
  tlsOn: (stream) => `TLS on tcp.stream ${stream}`,
  noFtp: (stats) =>
    `no FTP control connection in ${stats.packets} packets (${stats.connections} TCP connection${stats.connections === 1 ? "" : "s"}); if the server listens on another port, try --port`,
  frame: (frame) => `frame ${frame}`,
  diagnostic: (d) => d.message,
};

const ZH_DIRECTION = { "client-to-server": "客户端→服务器", "server-to-client": "服务器→客户端" } as const;

/** Each capture diagnostic type in Chinese. */
const ZH_CAPTURE: Readonly<Record<CaptureDiagnostic["type"], string>> = {
  "unsupported-link-type": "不支持的链路类型：数据包只计数，不分析",
  "not-ip": "不是 IP 数据包（ARP 等）：只计数",
  "malformed-ip": "IP 首部损坏或被快照长度截断",
  "ip-fragment": "IP 分片：不重组，跳过该数据包",
  "malformed-tcp": "TCP 首部损坏或被快照长度截断",
  "snapped-packet": "数据包被快照长度截断：缺少 TCP 负载字节",
  gap: "抓包中缺少字节；之后的数据从下一行重新同步",
  "overlap-mismatch": "重传的字节与首次看到的不同；保留首次的字节",
  "buffer-overflow": "等待的乱序字节超过上限：跳过缺口",
  "missing-handshake": "连接没有 SYN（抓包从连接中途开始）",
  "skipped-block": "跳过不读取的 pcapng 块",
  ftp: "FTP 字节无法解析",
  encrypted: "控制连接已切换到 TLS（对 AUTH 的 234 答复）：此后的字节无法读取",
  "timestamp-out-of-range": "时间戳超出 0001–9999 年：使用上一个数据包的时间",
  "state-dropped": "达到状态上限：最旧的状态被丢弃（见 docs/pcap-limits.md）",
  "hash-unknown": "文件缺少字节：无法得出其哈希值",
  "extract-failed": "文件无法提取",
  "extract-cutoff": "提取的副本达到 --extract-max 上限：已截断（哈希值仍覆盖整个文件）",
};

function zhCaptureDiagnostic(d: CaptureDiagnostic): string {
  const parts: string[] = [];
  if (d.stream !== undefined) parts.push(`流 ${d.stream}`);
  if (d.direction !== undefined) {
    parts.push(
      d.streamOffset === undefined
        ? ZH_DIRECTION[d.direction]
        : `${ZH_DIRECTION[d.direction]}第 ${d.streamOffset} 字节`,
    );
  }
  let sentence = ZH_CAPTURE[d.type] ?? d.type;
  if (d.type === "gap" && d.missingBytes !== undefined) sentence = `缺少 ${d.missingBytes} 字节；${sentence}`;
  // A parser problem carried by the FTP layer: its own type name (`line-too-long` …) is in the message.
  if (d.type === "ftp") sentence = `${sentence}（${/: ([a-z-]+): /.exec(d.message)?.[1] ?? "?"}）`;
  if (d.type === "state-dropped") sentence = `${sentence}：${d.what ?? "?"} 已丢弃 ${d.dropped ?? 0} 个`;
  return parts.length === 0 ? sentence : `${parts.join("，")}：${sentence}`;
}

const ZH: PcapText = {
  control: "控制连接",
  byPort: (port) => `端口 ${port}`,
  byGreeting: "由欢迎信息识别",
  midConnection: "，抓包从连接中途开始",
  data: "数据连接",
  forCommand: (command) => `（${command}）`,
  passive: "被动",
  active: "主动",
  bytes: (toClient, toServer) =>
    toServer > 0 && toClient === 0
      ? `${toServer} 字节发往服务器`
      : toServer > 0
        ? `${toClient} 字节发往客户端，${toServer} 字节发往服务器`
        : `${toClient} 字节发往客户端`,
  missing: (bytes) => `，抓包缺少 ${bytes} 字节`,
  reset: "，被重置",
  stillOpen: "，结束时仍未关闭",
  captureRow: (format, packets, tcp, otherIp, notIp, skipped) =>
    row(
      "抓包",
      4,
      `${format}，${packets} 个数据包：TCP ${tcp}，其他 IP ${otherIp}，非 IP ${notIp}${skipped === "" ? "" : `，跳过：${skipped}`}`,
    ),
  connectionsRow: (tcp, control, data, other) =>
    row("连接", 4, `TCP ${tcp}：FTP 控制 ${control}，FTP 数据 ${data}，其他 ${other}`),
  dataBytesRow: (bytes) => row("数据字节", 8, `${bytes}（在数据连接上测得）`),
  droppedRow: (dropped) => row("丢弃", 4, `${dropped}（达到上限）`),
  files: (count) => `${count} 个文件`,
  noticesRow: (count, list) => row("告警", 4, count === 0 ? "无" : `${count}：${list}`),
  weirdRow: (count, list) => row("异常", 4, count === 0 ? "无" : `${count}：${list}`),
  tlsRow: (count, list) => row("TLS 握手", 8, `${count} 次：${list}`),
  notice: "告警",
  tlsOn: (stream) => `TLS（tcp.stream ${stream}）`,
  noFtp: (stats) =>
    `${stats.packets} 个数据包（${stats.connections} 个 TCP 连接）中没有 FTP 控制连接；如果服务器监听其他端口，请用 --port`,
  frame: (frame) => `第 ${frame} 帧`,
  diagnostic: zhCaptureDiagnostic,
};

export const PCAP_TEXT: Readonly<Record<Lang, PcapText>> = { en: EN, zh: ZH };

/** Each dialogue diagnostic in Chinese, from its command and reply (RFC sections as in the English messages). */
export function zhDialogueMessage(d: Pick<Diagnostic, "type" | "command" | "reply" | "message">): string {
  const verb =
    d.command === undefined ? "欢迎信息" : escapeText(d.command.verb === "" ? "空命令行" : d.command.verb);
  const code = d.reply?.code;
  switch (d.type) {
    case "invalid-reply":
      return `答复 ${code} 不是 ${verb} 的有效答复（RFC 959 §5.4）`;
    case "invalid-greeting":
      return `欢迎信息 ${code} 不是 120、220 或 421（RFC 959 §5.4）`;
    case "missing-greeting":
      return `在任何欢迎信息之前就收到了对命令的答复（${code}）`;
    case "unmatched-reply":
      return `收到答复 ${code} 时没有等待答复的命令`;
    case "unanswered-command":
      return `会话结束前 ${verb} 没有收到最终答复`;
    case "no-reply":
      return `${verb} 没有收到答复：服务器答复了后面的命令（该命令被丢弃或忽略）`;
    case "too-many-pending":
      return `等待答复的命令过多；放弃 ${verb}`;
    case "too-many-preliminary":
      return `${verb} 的初步答复过多；其余的不保留`;
    case "foreign-data-address":
      return `数据连接地址不是控制连接的地址（FTP 跳转攻击或 NAT，RFC 2577 §3）`;
    case "lost-reply":
      return code === undefined
        ? "一个答复丢失（答复解析器丢弃了它）"
        : `答复 ${code} 丢失（答复解析器丢弃了它）`;
    case "malformed-reply":
      return `无法解码答复 ${code}`;
    default:
      return d.message;
  }
}
