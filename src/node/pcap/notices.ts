/**
 * Notices: what an analyst should look at in the FTP of a capture, as Zeek's notice framework raises them
 * (scripts/base/frameworks/notice/main.zeek; the FTP policies in scripts/policy/protocols/ftp/). Zeek's own notes
 * keep Zeek's names (`FTP::Bruteforcing`, `FTP::Site_Exec_Success`); the ones Zeek has not keep its style.
 *
 * Fed with the exchanges and data connections of a capture in time order; all state is bounded (sources and
 * sessions tracked are capped, the oldest forgotten first).
 */

import type { Exchange } from "../../connection/types.js";
import { formatIPv6, parseIPv6 } from "../../decode/address.js";
import type { ConnectionInfo } from "../../records.js";
import { formatAddress } from "./decode.js";
import type { DataConnection } from "./ftp.js";

/** The notes, by what they say. */
export const NOTE = {
  /** A source with many refused logins in a window (Zeek's policy/protocols/ftp/detect-bruteforcing.zeek). */
  bruteforcing: "FTP::Bruteforcing",
  /** A 2xx to `SITE EXEC …` (Zeek's policy/protocols/ftp/detect.zeek). */
  siteExecSuccess: "FTP::Site_Exec_Success",
  /** PORT/EPRT/LPRT naming another host than the client: the FTP bounce of RFC 2577 §3 (ours). */
  bounce: "FTP::Bounce_Attempt",
  /** A data connection from another host than the one that should open it (RFC 2577 §5; ours). */
  dataHijack: "FTP::Data_Connection_Hijack",
  /** A password sent while the control connection was not protected (RFC 4217 §1; ours). */
  cleartextPassword: "FTP::Cleartext_Password",
  /** AUTH refused by the server, then USER sent in clear text anyway (RFC 4217 §4; ours). */
  loginAfterRefusedAuth: "FTP::Login_After_Refused_AUTH",
} as const;

export type NoteName = (typeof NOTE)[keyof typeof NOTE];

/** Zeek's `FTP::bruteforce_threshold`: refused logins from one source that make it a notice. */
export const DEFAULT_BRUTEFORCE_THRESHOLD = 20;
/** Zeek's `FTP::bruteforce_measurement_interval` (15 min): the window the threshold must be reached in. */
export const DEFAULT_BRUTEFORCE_INTERVAL = 15 * 60;
/** User names whose "password" is an e-mail address by convention (Zeek's `FTP::guest_ids`): not credentials. */
export const GUEST_USERS: ReadonlySet<string> = new Set(["anonymous", "ftp", "ftpuser", "guest"]);
/** Commands that name a data address (RFC 959 §4.1.2 PORT, RFC 2428 EPRT, RFC 1639 LPRT). */
const ACTIVE_COMMANDS: ReadonlySet<string> = new Set(["PORT", "EPRT", "LPRT"]);
/** `SITE EXEC` in any case, as Zeek's `/[Ee][Xx][Ee][Cc]/` in the argument. */
const SITE_EXEC = /exec/i;
/** Sources and sessions tracked at once; beyond, the oldest is forgotten. */
export const MAX_TRACKED = 65536;
/** Characters of a user name or argument quoted in a notice (Zeek's `FTP::max_user_length`). */
const MAX_QUOTED = 128;
/** Zeek's `Notice::default_suppression_interval` (1 h), written in `suppress_for`. */
export const SUPPRESS_FOR = 3600;

/** One notice, with the fields of Zeek's notice.log. */
export interface Notice {
  readonly note: NoteName;
  /** One line for people. */
  readonly msg: string;
  /** More detail (the reply, the address). */
  readonly sub?: string | undefined;
  /** When it happened (seconds since the Unix epoch), when known. */
  readonly ts: number | undefined;
  /** The control connection, when the notice is about one (brute force is about a source, as in Zeek). */
  readonly conn?: ConnectionInfo | undefined;
  /** Zeek's `src`, `dst`, `p`, `n`. */
  readonly src?: string | undefined;
  readonly dst?: string | undefined;
  readonly p?: number | undefined;
  readonly n?: number | undefined;
}

export interface NoticeOptions {
  /** Refused logins from one source within `bruteforceInterval` that raise `FTP::Bruteforcing`. Default 20. */
  bruteforceThreshold?: number | undefined;
  /** The window, in seconds, from the source's first refused login. Default 900. */
  bruteforceInterval?: number | undefined;
  onNotice(notice: Notice): void;
}

export interface NoticeDetector {
  /** An exchange of a control connection. */
  exchange(exchange: Exchange, conn: ConnectionInfo): void;
  /** A data connection, when it is reported. */
  dataConnection(data: DataConnection): void;
  /** The control connection ended: its state is forgotten. */
  sessionEnd(uid: string | undefined): void;
  /** Notices raised so far, by note. */
  readonly counts: Readonly<Record<string, number>>;
}

interface SourceState {
  start: number;
  failures: number;
  servers: Set<string>;
  noticed: boolean;
}

interface SessionState {
  /** 234 to AUTH: the rest is protected (and unreadable). */
  secured: boolean;
  /** The AUTH command the server refused, when it did. */
  refusedAuth: string | undefined;
  noticed: Set<NoteName>;
}

/** `%dm%ds`, Zeek's `duration_to_mins_secs`. */
function minutesSeconds(seconds: number): string {
  const whole = Math.max(0, Math.trunc(seconds));
  return `${Math.trunc(whole / 60)}m${whole % 60}s`;
}

/** Text from the input quoted in a notice, cut to `MAX_QUOTED` characters with `…`. */
function quote(text: string): string {
  return text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}…` : text;
}

/** An address in our format (IPv6 compressed), so that it compares with the capture's endpoints. */
function normalise(host: string): string {
  if (!host.includes(":")) return host;
  const bytes = parseIPv6(host);
  return bytes === undefined ? host : formatIPv6(bytes);
}

/** Adds to a capped map, forgetting the oldest entry beyond `MAX_TRACKED`. */
function remember<K, V>(map: Map<K, V>, key: K, value: V): V {
  map.set(key, value);
  if (map.size > MAX_TRACKED) map.delete(map.keys().next().value!);
  return value;
}

/** Creates a notice detector. */
export function createNoticeDetector(options: NoticeOptions): NoticeDetector {
  const threshold = options.bruteforceThreshold ?? DEFAULT_BRUTEFORCE_THRESHOLD;
  const interval = options.bruteforceInterval ?? DEFAULT_BRUTEFORCE_INTERVAL;
  const sources = new Map<string, SourceState>();
  const sessions = new Map<string, SessionState>();
  const counts: Record<string, number> = {};

  const raise = (notice: Notice): void => {
    counts[notice.note] = (counts[notice.note] ?? 0) + 1;
    options.onNotice(notice);
  };

  /** Once per session and note. */
  const raiseOnce = (session: SessionState, notice: Notice): void => {
    if (session.noticed.has(notice.note)) return;
    session.noticed.add(notice.note);
    raise(notice);
  };

  const sessionOf = (conn: ConnectionInfo): SessionState => {
    const key = conn.uid ?? "";
    return (
      sessions.get(key) ??
      remember(sessions, key, { secured: false, refusedAuth: undefined, noticed: new Set<NoteName>() })
    );
  };

  /** Zeek counts a 5xx to USER or PASS per client address (SumStats `ftp.failed_auth`, unique servers). */
  const failedLogin = (conn: ConnectionInfo, ts: number | undefined): void => {
    const src = conn.origHost;
    if (src === undefined) return;
    const at = ts ?? 0;
    let state = sources.get(src);
    if (state === undefined || at - state.start > interval) {
      sources.delete(src);
      state = remember(sources, src, { start: at, failures: 0, servers: new Set<string>(), noticed: false });
    }
    state.failures++;
    if (conn.respHost !== undefined && state.servers.size < threshold) state.servers.add(conn.respHost);
    if (state.noticed || state.failures < threshold) return;
    state.noticed = true;
    const servers = state.servers.size;
    raise({
      note: NOTE.bruteforcing,
      msg: `${src} had ${state.failures} failed logins on ${servers} FTP server${servers > 1 ? "s" : ""} in ${minutesSeconds(at - state.start)}`,
      ts,
      src,
      n: state.failures,
    });
  };

  const onExchange = (exchange: Exchange, conn: ConnectionInfo): void => {
    const command = exchange.command;
    const final = exchange.final;
    if (command === undefined) return;
    const session = sessionOf(conn);
    const verb = command.verb;
    const ts = exchange.startTs;
    const code = final?.code;
    const base = { ts, conn, src: conn.origHost, dst: conn.respHost, p: conn.respPort };
    if (verb === "AUTH" && code !== undefined) {
      if (code === 234) session.secured = true;
      else if (code >= 400) session.refusedAuth = quote(`AUTH ${command.arg}`.trim());
    }
    if ((verb === "USER" || verb === "PASS") && code !== undefined && code >= 500 && code < 600) {
      failedLogin(conn, ts);
    }
    if (session.secured) return;
    if (verb === "USER" && session.refusedAuth !== undefined) {
      raiseOnce(session, {
        ...base,
        note: NOTE.loginAfterRefusedAuth,
        msg: `the server refused ${session.refusedAuth}; the client logged in in clear text anyway`,
        sub: `USER ${quote(command.arg)}`,
      });
    }
    if (verb === "PASS" && exchange.user !== undefined && !GUEST_USERS.has(exchange.user.toLowerCase())) {
      raiseOnce(session, {
        ...base,
        note: NOTE.cleartextPassword,
        msg: `the password of user ${quote(exchange.user)} was sent in clear text`,
        sub: final === undefined ? "no reply" : `${final.code} ${exchange.login ?? ""}`.trim(),
      });
    }
    if (verb === "SITE" && SITE_EXEC.test(command.arg) && code !== undefined && code >= 200 && code < 300) {
      raise({ ...base, note: NOTE.siteExecSuccess, msg: `FTP command: SITE ${quote(command.arg)}` });
    }
    const channel = exchange.dataChannel;
    if (ACTIVE_COMMANDS.has(verb) && channel?.host !== undefined && conn.origHost !== undefined) {
      const target = normalise(channel.host);
      if (target !== normalise(conn.origHost)) {
        raise({
          ...base,
          note: NOTE.bounce,
          msg: `${verb} asks the server to connect to ${target}:${channel.port}, not to the client ${conn.origHost}`,
          sub:
            final === undefined
              ? "no reply"
              : `${final.code >= 400 ? "refused" : "accepted"} (${final.code})`,
          dst: target,
          p: channel.port,
        });
      }
    }
  };

  return {
    exchange: onExchange,
    dataConnection(data) {
      const info = data.control.info;
      // Passive: the FTP client connects to the server; active: the FTP server connects to the client.
      const expected = data.passive ? info.origHost : info.respHost;
      const from = formatAddress(data.tcp.client.address);
      if (from === expected) return;
      const first = data.tcp.firstPacket;
      raise({
        note: NOTE.dataHijack,
        msg: `data connection to ${data.tcp.server.text} (${data.passive ? "passive" : "active"}) came from ${from}, not from ${expected}`,
        sub: `tcp.stream ${data.tcp.index}`,
        ts: first.seconds + first.nanoseconds / 1e9,
        conn: info,
        src: from,
        dst: formatAddress(data.tcp.server.address),
        p: data.tcp.server.port,
      });
    },
    sessionEnd(uid) {
      sessions.delete(uid ?? "");
    },
    get counts() {
      return counts;
    },
  };
}
