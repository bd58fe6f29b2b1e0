/**
 * One summary per control connection of a capture: who talked to whom, as which user, whether the login worked,
 * how many commands, files and data bytes. Kept per session (a few numbers each) up to a cap, so a capture of a
 * million sessions does not keep a million records: past the cap sessions are only counted.
 */
import { FILE_TRANSFER_COMMANDS } from "../../connection/rules.js";
import type { Exchange } from "../../connection/types.js";
import type { ControlConnection, DataConnection } from "./ftp.js";

/** Sessions summarised one by one; beyond, they are counted in `SessionSummaries.omitted`. */
export const DEFAULT_MAX_SESSION_SUMMARIES = 10_000;

/** One control connection, summed up. */
export interface SessionSummary {
  /** The control connection's uid (`tcpN`). */
  readonly uid: string;
  /** `host:port` of the FTP client and of the FTP server. */
  readonly client: string;
  readonly server: string;
  /** The last user name sent (USER), if any. */
  user: string | undefined;
  /** How the last login attempt ended: `success`, `failure`, or `none` when there was none. */
  login: "success" | "failure" | "none";
  /** Logins refused. */
  failedLogins: number;
  /** Commands sent (exchanges with a command). */
  commands: number;
  /** File transfers (RETR, STOR, STOU, APPE) with a data connection. */
  files: number;
  /** Bytes the session's data connections carried, listings included (holes not counted). */
  bytes: number;
  /** Notices raised about the session (brute force is about a source and counts for none). */
  notices: number;
}

export class SessionSummaries {
  readonly #sessions = new Map<string, SessionSummary>();
  readonly #max: number;
  /** Sessions past the cap, counted but not summarised. */
  omitted = 0;

  constructor(max = DEFAULT_MAX_SESSION_SUMMARIES) {
    this.#max = max;
  }

  #of(control: ControlConnection): SessionSummary | undefined {
    const uid = control.info.uid;
    let session = this.#sessions.get(uid);
    if (session === undefined) {
      if (this.#sessions.size >= this.#max) {
        this.omitted++;
        return undefined;
      }
      session = {
        uid,
        client: control.tcp.client.text,
        server: control.tcp.server.text,
        user: undefined,
        login: "none",
        failedLogins: 0,
        commands: 0,
        files: 0,
        bytes: 0,
        notices: 0,
      };
      this.#sessions.set(uid, session);
    }
    return session;
  }

  /** A new control connection (so that one without exchanges is listed too). */
  control(control: ControlConnection): void {
    this.#of(control);
  }

  exchange(exchange: Exchange, control: ControlConnection): void {
    const session = this.#sessions.get(control.info.uid);
    if (session === undefined) return;
    if (exchange.command !== undefined) session.commands++;
    if (exchange.user !== undefined) session.user = exchange.user;
    if (exchange.login !== undefined) session.login = exchange.login;
    if (exchange.login === "failure") session.failedLogins++;
  }

  data(data: DataConnection): void {
    const session = this.#sessions.get(data.control.info.uid);
    if (session === undefined) return;
    session.bytes += data.bytesToClient + data.bytesToServer;
    const verb = data.exchange?.command?.verb;
    if (verb !== undefined && FILE_TRANSFER_COMMANDS.has(verb)) session.files++;
  }

  /** A notice raised about the session `uid` (a control connection's). */
  notice(uid: string): void {
    const session = this.#sessions.get(uid);
    if (session !== undefined) session.notices++;
  }

  /** The sessions, in the order they started. */
  list(): SessionSummary[] {
    return [...this.#sessions.values()];
  }
}
