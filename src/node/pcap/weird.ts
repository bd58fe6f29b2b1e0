/**
 * Anomalies as Zeek's weird.log names them (scripts/base/frameworks/notice/weird.zeek; the FTP analyzer
 * src/analyzer/protocol/ftp/FTP.cc, its script base/protocols/ftp/main.zeek, and the line analyzers NVT.cc and
 * ContentLine.cc), with our own name in Zeek's style where Zeek has none. One table maps every problem type of
 * our layers (src/problem.ts: reply, command, dialogue, connection, capture) to its weird; a few more come from
 * the bytes and fields of exchanges, as Zeek's scripts check them.
 *
 * As Zeek's `ACTION_LOG_PER_CONN` (and the line analyzers' `FlagEvent`), each name is written once per connection;
 * every occurrence is counted.
 */
import type { Exchange } from "../../connection/types.js";
import { CR, LF } from "../../lines/bytes.js";
import { IAC } from "../../lines/telnet.js";
import type { Problem } from "../../problem.js";
import type { ConnectionInfo } from "../../records.js";

/** A weird name and whether it is Zeek's own (`zeek: true`) or ours in its style. */
export interface WeirdName {
  readonly name: string;
  readonly zeek: boolean;
}

const zeek = (name: string): WeirdName => ({ name, zeek: true });
const ours = (name: string): WeirdName => ({ name, zeek: false });

/**
 * Our problem types (`layer:type`) and the weird each is. Absent: not an anomaly (`connection:encrypted` is AUTH
 * TLS doing its job; the TLS handshake is read instead).
 */
export const WEIRD_BY_PROBLEM: ReadonlyMap<string, WeirdName> = new Map([
  // Line framing, both directions (NVT.cc: the FTP analyzer's line reader).
  ["reply:line-too-long", zeek("nvt_line_size_exceeded")],
  ["command:line-too-long", zeek("nvt_line_size_exceeded")],
  // FTP.cc: a command word that is not one, a line left unfinished at the end.
  ["command:invalid-verb", zeek("FTP_invalid_command")],
  ["command:truncated", zeek("partial_ftp_request")],
  // main.zeek: `reply_msg` past `max_reply_msg_length`.
  ["reply:reply-too-long", zeek("FTP_reply_msg_too_long")],
  // FTP.cc treats these as analyzer violations ("non-numeric reply code", "invalid reply line"), not weirds.
  ["reply:unexpected-line", ours("FTP_invalid_reply_code")],
  ["reply:missing-space", ours("FTP_invalid_reply_line")],
  ["reply:mismatched-close", ours("FTP_mismatched_multiline_reply")],
  ["reply:truncated", ours("partial_ftp_reply")],
  // The dialogue (RFC 959 §5.4 and the extension RFCs).
  ["dialogue:too-many-pending", zeek("FTP_too_many_pending_commands")],
  ["dialogue:invalid-reply", ours("FTP_unexpected_reply_code")],
  ["dialogue:invalid-greeting", ours("FTP_invalid_greeting")],
  ["dialogue:missing-greeting", ours("FTP_missing_greeting")],
  ["dialogue:unmatched-reply", ours("FTP_unmatched_reply")],
  ["dialogue:unanswered-command", ours("FTP_unanswered_command")],
  // A reply paired past a waiting command (the server dropped it: Zeek's get_pending_cmd skips it silently).
  ["dialogue:no-reply", ours("FTP_command_without_reply")],
  ["dialogue:too-many-preliminary", ours("FTP_too_many_preliminary_replies")],
  ["dialogue:foreign-data-address", ours("FTP_foreign_data_address")],
  ["dialogue:lost-reply", ours("FTP_lost_reply")],
  ["dialogue:malformed-reply", ours("FTP_malformed_reply")],
  // The capture (packet_analysis/protocol/ip/IP.cc, tcp/TCP.cc), for the TCP streams of control connections.
  ["capture:malformed-ip", zeek("truncated_IP")],
  ["capture:malformed-tcp", zeek("truncated_header")],
  ["capture:gap", ours("content_gap")],
  ["capture:overlap-mismatch", ours("TCP_retransmission_inconsistency")],
  ["capture:buffer-overflow", ours("TCP_reassembly_buffer_overflow")],
  ["capture:snapped-packet", ours("truncated_tcp_payload")],
]);

/** WEIRD_BY_PROBLEM by layer, then type: found without building the `layer:type` string per problem. */
function byLayer(table: ReadonlyMap<string, WeirdName>): ReadonlyMap<string, ReadonlyMap<string, WeirdName>> {
  const layers = new Map<string, Map<string, WeirdName>>();
  for (const [key, weird] of table) {
    const [layer, type] = key.split(":") as [string, string];
    const byType = layers.get(layer) ?? new Map<string, WeirdName>();
    layers.set(layer, byType);
    byType.set(type, weird);
  }
  return layers;
}
const WEIRD_BY_LAYER = /* @__PURE__ */ byLayer(WEIRD_BY_PROBLEM);

/** What Zeek's FTP script checks in the fields of a command or reply (main.zeek), with its limits. */
export const FIELD_LIMITS = {
  /** `FTP::max_user_length`: `FTP_user_too_long`. */
  user: 128,
  /** `FTP::max_password_length`: `FTP_password_too_long`. */
  password: 128,
  /** `FTP::max_arg_length`: `FTP_arg_too_long`. */
  arg: 4096,
  /** `FTP::max_reply_msg_length`: `FTP_reply_msg_too_long`. */
  replyMsg: 4096,
} as const;

/** Weirds found in the bytes of a line (ContentLine.cc / NVT.cc), once per connection. */
export const LINE_WEIRDS = {
  singleLf: zeek("line_terminated_with_single_LF"),
  nul: zeek("NUL_in_line"),
  /** A Telnet command (IAC, RFC 854) inside a command or reply line: legal, but rare and a way to hide text. */
  telnet: ours("FTP_telnet_command_in_line"),
} as const;

/** Distinct connections whose written names are remembered; beyond, the oldest is forgotten. */
const MAX_TRACKED_CONNECTIONS = 65536;
const NUL = 0x00;

/**
 * True when `bytes` hold what the line checks look for: a NUL, an IAC, or an LF without a CR before it
 * (`previous`: the byte before them in their stream, -1 at its start or after a gap). Over a whole stream, so
 * that a caller that saw none in it can tell the checks of its lines to skip their `raw`.
 */
export function hasOddLineBytes(bytes: Uint8Array, previous: number): boolean {
  if (bytes.indexOf(NUL) !== -1 || bytes.indexOf(IAC) !== -1) return true;
  for (let at = bytes.indexOf(LF); at !== -1; at = bytes.indexOf(LF, at + 1)) {
    if ((at === 0 ? previous : bytes[at - 1]) !== CR) return true;
  }
  return false;
}

/** One row of weird.log. */
export interface Weird {
  readonly ts: number | undefined;
  readonly conn?: ConnectionInfo | undefined;
  readonly name: string;
  /** Zeek's `addl`: the length, the limit, the excerpt. */
  readonly addl?: string | undefined;
  /** True when the name is Zeek's own. */
  readonly zeek: boolean;
  /** Zeek's `source`: the analyzer (`FTP`, `TCP`, `IP`). */
  readonly source: string;
}

export interface WeirdDetector {
  /** A problem of one of our layers, on the control connection `conn` when known. */
  problem(problem: Problem, conn: ConnectionInfo | undefined, ts: number | undefined): void;
  /**
   * An exchange: the field limits and the line bytes of its command and replies. `plainReplyBytes`: the caller
   * knows the replies' bytes hold no NUL, IAC or bare LF (their stream had none), so their `raw` is not read.
   */
  exchange(exchange: Exchange, conn: ConnectionInfo, plainReplyBytes?: boolean): void;
  /** The connection ended: forget which names it has written. */
  sessionEnd(uid: string | undefined): void;
  /** Occurrences so far, by name (also those not written again). */
  readonly counts: Readonly<Record<string, number>>;
}

/** Creates a weird detector: `onWeird` gets each name once per connection. */
export function createWeirdDetector(onWeird: (weird: Weird) => void): WeirdDetector {
  const written = new Map<string, Set<string>>();
  const counts: Record<string, number> = {};

  const report = (
    weird: WeirdName,
    source: string,
    conn: ConnectionInfo | undefined,
    ts: number | undefined,
    addl?: string,
  ): void => {
    counts[weird.name] = (counts[weird.name] ?? 0) + 1;
    const key = conn?.uid ?? "";
    let names = written.get(key);
    if (names === undefined) {
      names = new Set();
      written.set(key, names);
      if (written.size > MAX_TRACKED_CONNECTIONS) written.delete(written.keys().next().value!);
    }
    if (names.has(weird.name)) return;
    names.add(weird.name);
    onWeird({ ts, conn, name: weird.name, addl, zeek: weird.zeek, source });
  };

  /** A line's bytes: a bare LF ending, NUL, IAC (each at most once per line). */
  const lineBytes = (raw: Uint8Array, conn: ConnectionInfo, ts: number | undefined): void => {
    if (raw.indexOf(NUL) !== -1) report(LINE_WEIRDS.nul, "FTP", conn, ts);
    if (raw.indexOf(IAC) !== -1) report(LINE_WEIRDS.telnet, "FTP", conn, ts);
    for (let at = raw.indexOf(LF); at !== -1; at = raw.indexOf(LF, at + 1)) {
      if (at === 0 || raw[at - 1] !== CR) {
        report(LINE_WEIRDS.singleLf, "FTP", conn, ts);
        break;
      }
    }
  };

  return {
    problem(problem, conn, ts) {
      const weird = WEIRD_BY_LAYER.get(problem.layer)?.get(problem.type);
      if (weird === undefined) return;
      const source = problem.layer === "capture" ? (problem.type === "malformed-ip" ? "IP" : "TCP") : "FTP";
      report(
        weird,
        source,
        conn,
        ts,
        problem.excerpt === undefined ? undefined : problem.excerpt.slice(0, 80),
      );
    },
    exchange(exchange, conn, plainReplyBytes = false) {
      const command = exchange.command;
      const ts = exchange.startTs;
      if (command !== undefined) {
        // A masked PASS carries the mask: its length is the line's bytes less `PASS ` and CR LF.
        const length =
          command.verb === "PASS"
            ? command.byteLength - (command.line.length - command.arg.length) - 2
            : command.arg.length;
        if (command.verb === "USER" && length > FIELD_LIMITS.user)
          report(zeek("FTP_user_too_long"), "FTP", conn, ts, String(length));
        else if (command.verb === "PASS" && length > FIELD_LIMITS.password)
          report(zeek("FTP_password_too_long"), "FTP", conn, ts, String(length));
        else if (length > FIELD_LIMITS.arg) report(zeek("FTP_arg_too_long"), "FTP", conn, ts, String(length));
        if (command.verb !== "PASS") lineBytes(command.raw, conn, ts);
      }
      for (const reply of exchange.replies) {
        const last = reply.lines[reply.lines.length - 1] ?? "";
        const message = last.length > 4 ? last.length - 4 : 0;
        if (message > FIELD_LIMITS.replyMsg)
          report(zeek("FTP_reply_msg_too_long"), "FTP", conn, exchange.endTs ?? ts, String(message));
        // Reading `raw` may encode the reply's text again: skipped where it cannot find anything.
        if (!plainReplyBytes) lineBytes(reply.raw, conn, exchange.endTs ?? ts);
      }
    },
    sessionEnd(uid) {
      written.delete(uid ?? "");
    },
    get counts() {
      return counts;
    },
  };
}
