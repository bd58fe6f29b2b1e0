/**
 * What the dialogue teaches the session, as named tables of small steps, one per command:
 *
 * - `ANNOUNCE`: what a command's own argument says, as soon as it is sent (PORT, EPRT, LPRT name the endpoint the
 *   client listens on);
 * - `TAKE`: what a command changes as soon as the server takes it, whatever it answers (USER, PASS);
 * - `LEARN`: what a final reply to a command teaches (the user logged in, the working directory, TYPE, the
 *   endpoint a passive reply names, a size, TLS, closing).
 *
 * A step reads and writes plain data: the session's facts and the exchange's findings. Diagnostics, the
 * connection's endpoints and the bookkeeping of the queue stay in session.ts.
 */

import { parseEpsv } from "../decode/epsv.js";
import { parseLpsv } from "../decode/lpsv.js";
import { parsePasv } from "../decode/pasv.js";
import { parsePathname } from "../decode/pathname.js";
import { parseEprt, parseLprt, parsePort } from "../decode/port.js";
import { parseSize } from "../decode/size.js";
import type { Reply } from "../reply/reply.js";
import { resolvePath } from "./path.js";
import { RFC_775_COMMANDS } from "./rules.js";
import type { DataChannel } from "./types.js";

/** What the session knows: the writable form of `SessionState`, with the password in effect. */
export interface SessionFacts {
  greeted: boolean;
  closed: boolean;
  user: string | undefined;
  password: string | undefined;
  loggedIn: boolean;
  failedLogins: number;
  cwd: string | undefined;
  type: string | undefined;
  dataChannel: DataChannel | undefined;
  pendingCommands: number;
  exchanges: number;
  secured: boolean;
}

/** The exchange being completed, as a step sees it: its command's argument and what it has found so far. */
export interface Findings {
  /** The command's argument as kept (a PASS argument already masked unless passwords are recorded). */
  readonly arg: string;
  /** The working directory when the command was sent (every earlier command has completed: replies are FIFO). */
  readonly cwd: string | undefined;
  /** The data channel the exchange set up or uses; the passive steps fill it from the reply. */
  dataChannel: DataChannel | undefined;
  /** The size the exchange announced; SIZE's step fills it from the 213. */
  fileSize: number | undefined;
  /** Whether the exchange decided a login; the login steps fill it. */
  login: "success" | "failure" | undefined;
  /** Runs a decoder of src/decode on the final reply; a decode error becomes a `malformed-reply` diagnostic. */
  decode<T>(decoder: (reply: Reply) => T): T | undefined;
}

/** What a final reply to one command teaches. Called once per exchange, with its final reply. */
export type LearnStep = (session: SessionFacts, exchange: Findings, reply: Reply) => void;

/** The step a table holds for `verb`, if any. Own keys only: a client's `constructor` is no command. */
export function stepFor<T>(table: Readonly<Record<string, T>>, verb: string): T | undefined {
  return Object.hasOwn(table, verb) ? table[verb] : undefined;
}

// ───────────────────────────── send time ─────────────────────────────

/** Reads the endpoint a command's argument names; throws the decode layer's errors on an argument it cannot read. */
export type AnnounceStep = (arg: string) => { readonly host: string; readonly port: number };

/**
 * The commands whose argument names the endpoint the client listens on (RFC 959 §4.1.2 PORT, RFC 2428 §2 EPRT,
 * RFC 1639 §2 LPRT), with their decoders. An argument that cannot be read announces nothing.
 */
export const ANNOUNCE: Readonly<Record<string, AnnounceStep>> = {
  PORT: parsePort,
  EPRT: parseEprt,
  LPRT: parseLprt,
};

// ───────────────────────────── taken ─────────────────────────────

/** What a command changes once the server takes it, whatever it answers. */
export type TakeStep = (session: SessionFacts, arg: string) => void;

/**
 * Steps run when the server takes a command: by then every earlier command is answered (RFC 959 §4.2, replies in
 * order), so the session is what the server knew when it read this one.
 */
export const TAKE: Readonly<Record<string, TakeStep>> = {
  // RFC 959 §4.1.1: a new USER flushes the user, password and account information already supplied.
  USER: (session, arg) => {
    session.user = arg;
    session.password = undefined;
  },
  PASS: (session, arg) => {
    session.password = arg;
  },
};

// ───────────────────────────── final replies ─────────────────────────────

/** Records the outcome of a login step, counting refusals. */
function settleLogin(
  session: SessionFacts,
  exchange: Findings,
  login: "success" | "failure" | undefined,
): void {
  exchange.login = login;
  if (login === "failure") session.failedLogins++;
}

/** USER (RFC 959 §4.1.1, §5.4): 230 logs in without a password, 530 refuses; anything else leaves it to PASS. */
const learnUser: LearnStep = (session, exchange, reply) => {
  const code = reply.code;
  settleLogin(session, exchange, code === 230 ? "success" : code === 530 ? "failure" : undefined);
  session.loggedIn = code === 230;
};

/**
 * PASS (RFC 959 §4.1.1, §5.4): 230 (or 202, "superfluous") logs in. Every 4xx/5xx counts as a refused login, not
 * only 530: a server may refuse a password with another code (a throttled or locked account), and for an analyst
 * counting failed logins that is a failure all the same.
 */
const learnPassword: LearnStep = (session, exchange, reply) => {
  const code = reply.code;
  const login = code === 230 || code === 202 ? "success" : code >= 400 && code < 600 ? "failure" : undefined;
  settleLogin(session, exchange, login);
  if (login !== undefined) session.loggedIn = login === "success";
};

/** ACCT (RFC 959 §4.1.1, §5.4): 230 or 202 logs in, 530 refuses. */
const learnAccount: LearnStep = (session, exchange, reply) => {
  const code = reply.code;
  const login = code === 230 || code === 202 ? "success" : code === 530 ? "failure" : undefined;
  settleLogin(session, exchange, login);
  if (login !== undefined) session.loggedIn = login === "success";
};

/**
 * REIN (RFC 959 §4.1.1): 220 means the server has flushed the user, password and account. (It also resets the
 * transfer parameters to their defaults; the session keeps the working directory and TYPE it knew.)
 */
const learnReinitialize: LearnStep = (session, _exchange, reply) => {
  if (reply.code !== 220) return;
  session.user = undefined;
  session.password = undefined;
  session.loggedIn = false;
};

/** CWD (RFC 959 §4.1.1): 250 moves to the argument, resolved against the directory the server was in. */
const learnChangeDirectory: LearnStep = (session, exchange, reply) => {
  if (reply.code === 250) session.cwd = resolvePath(exchange.cwd, exchange.arg);
};

/** CDUP (RFC 959 §4.1.1): 200 (§5.4) or 250 (CWD's replies, §4.1.1) moves up one level, when the directory is known. */
const learnChangeToParent: LearnStep = (session, exchange, reply) => {
  const code = reply.code;
  if (code === 200 || code === 250) {
    session.cwd = exchange.cwd === undefined ? undefined : resolvePath(exchange.cwd, "..");
  }
};

/** PWD (RFC 959 §4.1.3, Appendix II): its 257 names the working directory. MKD's 257 names the new one: no step. */
const learnPrintDirectory: LearnStep = (session, exchange, reply) => {
  if (reply.code === 257) session.cwd = exchange.decode(parsePathname) ?? session.cwd;
};

/** `TYPE a n` → `A N` (RFC 959 §4.1.2: type codes are case-insensitive letters, parameters after one space). */
function normaliseType(arg: string): string {
  return arg.trim().toUpperCase();
}

/** TYPE (RFC 959 §4.1.2): 200 puts the representation type in effect. */
const learnType: LearnStep = (session, exchange, reply) => {
  if (reply.code === 200) session.type = normaliseType(exchange.arg);
};

function passiveEndpoint(reply: Reply): DataChannel {
  const { host, port } = parsePasv(reply);
  return { passive: true, host, port };
}

function extendedPassiveEndpoint(reply: Reply): DataChannel {
  return { passive: true, port: parseEpsv(reply).port };
}

function longPassiveEndpoint(reply: Reply): DataChannel {
  const { host, port } = parseLpsv(reply);
  return { passive: true, host, port };
}

/**
 * PASV (RFC 959 §4.1.2) and EPSV (RFC 2428 §3): the 227 or 229 names where the server listens. Either reply is
 * decoded for either command, as Zeek does: a server that answers EPSV with 227 (an `invalid-reply` already) still
 * tells where the data connection goes —
 *
 * ```
 * C: EPSV
 * S: 227 Entering Passive Mode (10,0,0,9,195,80).
 * ```
 */
const learnPassive: LearnStep = (_session, exchange, reply) => {
  if (reply.code === 227) exchange.dataChannel = exchange.decode(passiveEndpoint);
  else if (reply.code === 229) exchange.dataChannel = exchange.decode(extendedPassiveEndpoint);
};

/** LPSV (RFC 1639 §3): the 228 names where the server listens. */
const learnLongPassive: LearnStep = (_session, exchange, reply) => {
  if (reply.code === 228) exchange.dataChannel = exchange.decode(longPassiveEndpoint);
};

/** SIZE (RFC 3659 §4): the 213 gives the file's size in bytes. */
const learnSize: LearnStep = (_session, exchange, reply) => {
  if (reply.code === 213) exchange.fileSize = exchange.decode(parseSize);
};

/** QUIT (RFC 959 §4.1.1): 221 means the server closes the control connection. */
const learnQuit: LearnStep = (session, _exchange, reply) => {
  if (reply.code === 221) session.closed = true;
};

/** AUTH (RFC 2228 §3; RFC 4217 for TLS): 234 means the security exchange starts: what follows is protected. */
const learnAuthentication: LearnStep = (session, _exchange, reply) => {
  if (reply.code === 234) session.secured = true;
};

/** CCC (RFC 2228 §3): 200 means the control connection is in the clear again. */
const learnClearCommandChannel: LearnStep = (session, _exchange, reply) => {
  if (reply.code === 200) session.secured = false;
};

/** The RFC 959 (and extension) commands whose final reply teaches something. */
const STEPS: Readonly<Record<string, LearnStep>> = {
  USER: learnUser,
  PASS: learnPassword,
  ACCT: learnAccount,
  REIN: learnReinitialize,
  CWD: learnChangeDirectory,
  CDUP: learnChangeToParent,
  PWD: learnPrintDirectory,
  TYPE: learnType,
  PASV: learnPassive,
  EPSV: learnPassive,
  LPSV: learnLongPassive,
  SIZE: learnSize,
  QUIT: learnQuit,
  AUTH: learnAuthentication,
  CCC: learnClearCommandChannel,
};

/**
 * What a final reply teaches, per command: the steps above, and for each RFC 775 X… form the step of the RFC 959
 * command it stands for (RFC 1123 §4.1.3.1: both forms mean the same). Commands without a step teach nothing
 * besides what every final reply teaches (session.ts: 421 closes; a 2xx to a data-channel command puts its
 * endpoint in effect).
 */
export const LEARN: Readonly<Record<string, LearnStep>> = {
  ...STEPS,
  ...Object.fromEntries(
    Object.entries(RFC_775_COMMANDS).flatMap(([experimental, standard]) => {
      const step = stepFor(STEPS, standard);
      return step === undefined ? [] : [[experimental, step]];
    }),
  ),
};
