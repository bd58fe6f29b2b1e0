/**
 * The dialogue layer: pairs each client command with the server's replies and tracks what an analyst wants to
 * know about the session (user, login, directory, TYPE, data-connection endpoints, sizes, timing).
 *
 * Pairing (RFC 959 §4.2, §5.4): every command gets zero or more 1xx preliminary replies and then exactly one
 * final reply (2xx–5xx; a 6xx protected reply of RFC 2228 counts as final, since what it wraps cannot be seen).
 * Commands may be pipelined: they are answered first-in, first-out. Before any command the server sends its
 * greeting (220, 120 then 220, or 421). A 421 may come at any time (RFC 959 §4.2 "service closing"). A reply
 * that is not valid for its command per the §5.4 table is reported as a diagnostic and paired all the same.
 */
import type { Command } from "./commands.js";
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from "./decode/address.js";
import { parseEpsv } from "./decode/epsv.js";
import { isReplyDecodeError } from "./decode/errors.js";
import { parseLpsv } from "./decode/lpsv.js";
import { parsePasv } from "./decode/pasv.js";
import { parsePathname } from "./decode/pathname.js";
import { parseSize, parseTransferSize } from "./decode/size.js";
import type { Reply } from "./reply.js";

// ───────────────────────────── public types ─────────────────────────────

/** What an exchange is. */
export type ExchangeKind =
  /** The server's greeting, before any command (120 then 220, 220, or 421). */
  | "greeting"
  /** A client command with its replies. */
  | "command"
  /** A 421 sent while no command was waiting (RFC 959 §4.2: the server is closing the connection). */
  | "unsolicited"
  /** A reply that arrived while no command was waiting (and that is not a 421). */
  | "unmatched-reply";

/**
 * Every way a dialogue can break the rules, as a stable string. None is fatal: the exchange is still emitted.
 *
 * - `invalid-reply`        the reply code is not one RFC 959 §5.4 (or RFC 2228/2389/2428/2640/3659) lists for the
 *                          command, e.g. `227` to `EPSV` or a `150` to `USER`.
 * - `invalid-greeting`     the first reply is not 120, 220 or 421 (RFC 959 §5.4, connection establishment).
 * - `missing-greeting`     a command was answered before any greeting (a capture that starts mid-session).
 * - `unmatched-reply`      a reply arrived while no command was waiting.
 * - `unanswered-command`   the session ended (or was closed by 421) with the command still waiting for its final
 *                          reply; its exchange is emitted without `final`.
 * - `too-many-pending`     more than `maxPendingCommands` commands waited at once; the oldest is given up.
 * - `too-many-preliminary` a command got more than `maxPreliminaryReplies` 1xx replies; the rest are not kept.
 * - `foreign-data-address` (with `endpoints`) a PORT/EPRT/LPRT names another address than the client's (the FTP
 *                          bounce of RFC 2577 §3), or a 227/228 reply another address than the server's (NAT, or
 *                          a server pointing the client elsewhere).
 * - `lost-reply`           the reply parser dropped a reply (`lostReply()`, e.g. after `reply-too-long`); the
 *                          waiting command is completed without `final` so that later replies stay paired.
 * - `malformed-reply`      a reply the session reads (227, 228, 229, 257, 213 to SIZE, 150 with a size) could not be
 *                          decoded: the decoder's error message says why (e.g. a 227 octet above 255).
 */
export type DiagnosticType =
  | "invalid-reply"
  | "invalid-greeting"
  | "missing-greeting"
  | "unmatched-reply"
  | "unanswered-command"
  | "too-many-pending"
  | "too-many-preliminary"
  | "foreign-data-address"
  | "lost-reply"
  | "malformed-reply";

/** A rule the dialogue broke. Never fatal. */
export interface Diagnostic {
  readonly type: DiagnosticType;
  /** One line of English for people. */
  readonly message: string;
  /** The command concerned, if any (PASS already masked). */
  readonly command?: Command | undefined;
  /** The reply concerned, if any. */
  readonly reply?: Reply | undefined;
  /** Timestamp of the event that raised it, when known. */
  readonly ts?: number | undefined;
}

/** The endpoint a data connection will go to (RFC 959 §3.2 PORT/PASV, RFC 2428 EPRT/EPSV, RFC 1639 LPRT/LPSV). */
export interface DataChannel {
  /** True when the server listens (PASV, EPSV, LPSV); false when the client does (PORT, EPRT, LPRT). */
  readonly passive: boolean;
  /**
   * The address that listens, as text (IPv4 dotted quad or IPv6). Absent for EPSV, whose reply carries only a
   * port: the address is then the server's control-connection address (RFC 2428 §3).
   */
  readonly host?: string | undefined;
  /** The port that listens. */
  readonly port: number;
}

/** A command with its replies, or a reply that stands alone. Emitted as soon as its final reply arrives. */
export interface Exchange {
  readonly kind: ExchangeKind;
  /** Sequence number of the exchange in the session, from 0, in emission order. */
  readonly index: number;
  /** The command (`kind: "command"` only). A PASS argument is masked unless `recordPasswords` says otherwise. */
  readonly command?: Command | undefined;
  /** Every reply of the exchange, in order: the preliminary ones, then the final one. */
  readonly replies: readonly Reply[];
  /** The 1xx replies. */
  readonly preliminary: readonly Reply[];
  /** The final reply; absent when the session ended before it came (`unanswered-command`). */
  readonly final?: Reply | undefined;
  /** When the command was sent (greeting: when its first reply came), in the caller's unit (seconds in pcaps). */
  readonly startTs?: number | undefined;
  /** When the final reply came. */
  readonly endTs?: number | undefined;
  /** `endTs - startTs`, when both are known. */
  readonly duration?: number | undefined;
  /** The rules this exchange broke (also passed to `onDiagnostic`). */
  readonly diagnostics: readonly Diagnostic[];
  /** The user name in effect (for USER, its argument). */
  readonly user?: string | undefined;
  /** The password in effect: the mask unless `recordPasswords` allows the real one. */
  readonly password?: string | undefined;
  /** The working directory when the command was sent, when known. */
  readonly cwd?: string | undefined;
  /**
   * For commands whose argument names a file or directory (RETR, STOR, CWD, DELE, SIZE …): the argument resolved
   * against `cwd` and normalised (`.`/`..` removed), when `cwd` is known or the argument is absolute.
   */
  readonly path?: string | undefined;
  /** The representation type in effect (RFC 959 §3.1.1: `A`, `I`, `E`, `L 8` …), when known. */
  readonly type?: string | undefined;
  /**
   * The data-connection endpoint this exchange set up (PASV/EPSV/LPSV replies, PORT/EPRT/LPRT arguments) or, for a
   * transfer command (RETR, STOR, LIST …), the one in effect.
   */
  readonly dataChannel?: DataChannel | undefined;
  /** Size in bytes the server announced: `150 … (N bytes)` on a transfer, `213 N` on SIZE (RFC 3659 §4). */
  readonly fileSize?: number | undefined;
  /** On USER/PASS/ACCT exchanges that decided a login: `success` (230, 202) or `failure` (530, 4xx/5xx to PASS). */
  readonly login?: "success" | "failure" | undefined;
}

/** What the session knows now. A live view: copy what you need to keep. */
export interface SessionState {
  /** A greeting has been seen (or given up on because commands were answered first). */
  readonly greeted: boolean;
  /** The server said it is closing (221 to QUIT, or 421). */
  readonly closed: boolean;
  readonly user: string | undefined;
  readonly loggedIn: boolean;
  /** Logins refused so far (530 to USER/PASS/ACCT, or any 4xx/5xx to PASS). */
  readonly failedLogins: number;
  readonly cwd: string | undefined;
  readonly type: string | undefined;
  readonly dataChannel: DataChannel | undefined;
  /** Commands waiting for their final reply. */
  readonly pendingCommands: number;
  /** Exchanges emitted so far. */
  readonly exchanges: number;
  /** The control connection is protected (234 to AUTH, RFC 4217 / RFC 2228). */
  readonly secured: boolean;
}

export interface SessionOptions {
  /** Called with each exchange as soon as it is complete (its final reply arrived, or at `end()`). */
  onExchange?(exchange: Exchange): void;
  /** Called with each diagnostic as it is found (the same objects end up in `exchange.diagnostics`). */
  onDiagnostic?(diagnostic: Diagnostic): void;
  /**
   * Whether PASS arguments are kept: `false` (default) masks every one; `true` keeps them; `"guest"` keeps
   * them for anonymous users only (`anonymous`, `ftp`, `ftpuser`, `guest`), as Zeek does.
   */
  recordPasswords?: boolean | "guest";
  /** What replaces a masked password. Default `"<hidden>"` (Zeek's). */
  passwordMask?: string;
  /**
   * Expect a greeting before any command (default true). Set false for a capture that starts mid-session: the
   * first reply then goes to the first command.
   */
  expectGreeting?: boolean;
  /** Most commands waiting at once before the oldest is given up (`too-many-pending`). Default 1024. */
  maxPendingCommands?: number;
  /** Most 1xx replies kept per command (`too-many-preliminary`). Default 256. */
  maxPreliminaryReplies?: number;
  /**
   * The control connection's addresses, when known (a pcap knows them). With them the session fills the host of
   * an EPSV data channel (the server's) and flags data channels that point elsewhere (`foreign-data-address`).
   */
  endpoints?: { clientHost?: string | undefined; serverHost?: string | undefined };
}

export interface Session {
  /** A command the client sent, with its timestamp if known. */
  command(command: Command, ts?: number): void;
  /** A reply the server sent, with its timestamp if known. */
  reply(reply: Reply, ts?: number): void;
  /**
   * The reply parser dropped a reply (its `onError` reported `reply-too-long` or `line-too-long`): pass the error's
   * `code` if it has one. A lost 1xx is only noted; any other lost reply (or one whose code is unknown) counts as
   * the final reply of the waiting command, which is emitted without `final` and with a `lost-reply` diagnostic,
   * so that the replies after it stay paired with their own commands.
   */
  lostReply(code?: number, ts?: number): void;
  /** The connection ended: commands still waiting are emitted as unanswered. */
  end(ts?: number): void;
  /** What the session knows now. */
  readonly state: SessionState;
}

/** One event of a dialogue in time order, for `runDialogue`. */
export type DialogueEvent =
  | { readonly type: "command"; readonly command: Command; readonly ts?: number | undefined }
  | { readonly type: "reply"; readonly reply: Reply; readonly ts?: number | undefined };

/** Everything `runDialogue` found. */
export interface DialogueResult {
  readonly exchanges: Exchange[];
  readonly diagnostics: Diagnostic[];
  readonly state: SessionState;
}

// ───────────────────────────── RFC 959 §5.4 ─────────────────────────────

/** The replies a command may get: its 1xx preliminary codes and its final codes. */
export interface CommandReplies {
  readonly preliminary: readonly number[];
  readonly final: readonly number[];
}

const TRANSFER_IN = {
  preliminary: [110, 125, 150],
  final: [226, 250, 425, 426, 451, 450, 550, 500, 501, 421, 530],
};
const TRANSFER_OUT = {
  preliminary: [110, 125, 150],
  final: [226, 250, 425, 426, 451, 551, 552, 532, 450, 452, 553, 500, 501, 421, 530],
};
const LISTING = { preliminary: [125, 150], final: [226, 250, 425, 426, 451, 450, 500, 501, 502, 421, 530] };
const NONE: readonly number[] = [];

/**
 * The command–reply table: RFC 959 §5.4, with the additions of RFC 2228 (security), RFC 2389 (FEAT/OPTS),
 * RFC 2428 (EPRT/EPSV), RFC 2640 (LANG), RFC 3659 (SIZE/MDTM/MLST/MLSD/REST STREAM), RFC 1639 (LPRT/LPSV) and
 * RFC 775 (the X… directory commands, answered like their RFC 959 forms).
 */
const COMMAND_REPLIES: Record<string, CommandReplies> = {
  // RFC 959 §5.4 — login
  USER: { preliminary: NONE, final: [230, 530, 500, 501, 421, 331, 332] },
  PASS: { preliminary: NONE, final: [230, 202, 530, 500, 501, 503, 421, 332] },
  ACCT: { preliminary: NONE, final: [230, 202, 530, 500, 501, 503, 421] },
  CWD: { preliminary: NONE, final: [250, 500, 501, 502, 421, 530, 550] },
  CDUP: { preliminary: NONE, final: [200, 500, 501, 502, 421, 530, 550] },
  SMNT: { preliminary: NONE, final: [202, 250, 500, 501, 502, 421, 530, 550] },
  // logout
  REIN: { preliminary: [120], final: [220, 421, 500, 502] },
  QUIT: { preliminary: NONE, final: [221, 500] },
  // transfer parameters
  PORT: { preliminary: NONE, final: [200, 500, 501, 421, 530] },
  PASV: { preliminary: NONE, final: [227, 500, 501, 502, 421, 530] },
  MODE: { preliminary: NONE, final: [200, 500, 501, 504, 421, 530] },
  TYPE: { preliminary: NONE, final: [200, 500, 501, 504, 421, 530] },
  STRU: { preliminary: NONE, final: [200, 500, 501, 504, 421, 530] },
  // file action commands
  ALLO: { preliminary: NONE, final: [200, 202, 500, 501, 504, 421, 530] },
  REST: { preliminary: NONE, final: [500, 501, 502, 421, 530, 350] },
  STOR: TRANSFER_OUT,
  STOU: TRANSFER_OUT,
  RETR: TRANSFER_IN,
  LIST: LISTING,
  NLST: LISTING,
  APPE: {
    preliminary: [110, 125, 150],
    final: [226, 250, 425, 426, 451, 551, 552, 532, 450, 550, 452, 553, 500, 501, 502, 421, 530],
  },
  RNFR: { preliminary: NONE, final: [450, 550, 500, 501, 502, 421, 530, 350] },
  RNTO: { preliminary: NONE, final: [250, 532, 553, 500, 501, 502, 503, 421, 530] },
  DELE: { preliminary: NONE, final: [250, 450, 550, 500, 501, 502, 421, 530] },
  RMD: { preliminary: NONE, final: [250, 500, 501, 502, 421, 530, 550] },
  MKD: { preliminary: NONE, final: [257, 500, 501, 502, 421, 530, 550] },
  PWD: { preliminary: NONE, final: [257, 500, 501, 502, 421, 550] },
  ABOR: { preliminary: NONE, final: [225, 226, 500, 501, 502, 421] },
  // informational commands
  SYST: { preliminary: NONE, final: [215, 500, 501, 502, 421] },
  STAT: { preliminary: NONE, final: [211, 212, 213, 450, 500, 501, 502, 421, 530] },
  HELP: { preliminary: NONE, final: [211, 214, 500, 501, 502, 421] },
  // miscellaneous commands
  SITE: { preliminary: NONE, final: [200, 202, 500, 501, 530] },
  NOOP: { preliminary: NONE, final: [200, 500, 421] },
  // RFC 775: experimental directory commands
  XCWD: { preliminary: NONE, final: [250, 500, 501, 502, 421, 530, 550] },
  XCUP: { preliminary: NONE, final: [200, 250, 500, 501, 502, 421, 530, 550] },
  XMKD: { preliminary: NONE, final: [257, 500, 501, 502, 421, 530, 550] },
  XRMD: { preliminary: NONE, final: [250, 500, 501, 502, 421, 530, 550] },
  XPWD: { preliminary: NONE, final: [257, 500, 501, 502, 421, 550] },
  // RFC 2228 §4 (security extensions); the protected replies 631–633 answer MIC, CONF and ENC
  AUTH: { preliminary: NONE, final: [234, 334, 502, 504, 534, 431, 500, 501, 421] },
  ADAT: { preliminary: NONE, final: [235, 335, 503, 501, 535, 500, 421] },
  PROT: { preliminary: NONE, final: [200, 504, 536, 503, 534, 431, 500, 501, 421, 530] },
  PBSZ: { preliminary: NONE, final: [200, 503, 500, 501, 421, 530] },
  CCC: { preliminary: NONE, final: [200, 500, 533, 534, 501, 421] },
  MIC: { preliminary: NONE, final: [535, 533, 500, 501, 421, 631, 632, 633] },
  CONF: { preliminary: NONE, final: [535, 533, 500, 501, 421, 631, 632, 633] },
  ENC: { preliminary: NONE, final: [535, 533, 500, 501, 421, 631, 632, 633] },
  // RFC 2428 §2, §3
  EPRT: { preliminary: NONE, final: [200, 500, 501, 522, 421, 530] },
  EPSV: { preliminary: NONE, final: [229, 500, 501, 502, 522, 421, 530] },
  // RFC 1639
  LPRT: { preliminary: NONE, final: [200, 500, 501, 521, 421, 530] },
  LPSV: { preliminary: NONE, final: [228, 500, 501, 502, 421, 530] },
  // RFC 2389 §3, §4
  FEAT: { preliminary: NONE, final: [211, 500, 502] },
  OPTS: { preliminary: NONE, final: [200, 451, 500, 501, 502] },
  // RFC 2640 §4.1
  LANG: { preliminary: NONE, final: [200, 500, 501, 502, 504] },
  // RFC 3659 §3, §4, §5, §7
  MDTM: { preliminary: NONE, final: [213, 550, 500, 501, 502, 504, 421, 530] },
  SIZE: { preliminary: NONE, final: [213, 550, 500, 501, 502, 504, 421, 530] },
  MLST: { preliminary: NONE, final: [250, 501, 550, 500, 502, 421, 530] },
  MLSD: { preliminary: [125, 150], final: [226, 250, 425, 426, 451, 501, 550, 500, 502, 421, 530] },
};

/**
 * Replies any command may get whatever the table says: 421 (RFC 959 §5.4: "421 … may be sent in response to any
 * command"), 500/501/502 (command not recognised or not implemented — a server need not know every command), and
 * 530 (not logged in: servers refuse any command but a few before login, e.g. `OPTS UTF8 ON` sent by clients
 * before USER).
 */
const ANY_COMMAND = new Set([421, 500, 501, 502, 530]);

/** The replies RFC 959 §5.4 (and the extension RFCs) allow for a command, or undefined for an unknown command. */
export function repliesForCommand(verb: string): CommandReplies | undefined {
  return Object.hasOwn(COMMAND_REPLIES, verb) ? COMMAND_REPLIES[verb] : undefined;
}

/**
 * Whether a reply code is valid for a command per the table. Unknown commands accept any code; 421, 500, 501,
 * 502 and 530 are valid for every command. `REST STREAM` (RFC 3659 §5) is answered like REST.
 */
export function isValidReplyFor(verb: string, code: number): boolean {
  if (ANY_COMMAND.has(code)) return true;
  const table = repliesForCommand(verb);
  if (table === undefined) return true;
  return code < 200 ? table.preliminary.includes(code) : table.final.includes(code);
}

// ───────────────────────────── small decoders ─────────────────────────────
// Linear scanners over one reply's text or one command's argument (never a hot loop over the stream).

const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const COMMA = 0x2c;

function isDigitCode(c: number): boolean {
  return c >= DIGIT_0 && c <= DIGIT_9;
}

/** Reads comma-separated decimal numbers from `text` at `start` (RFC 959 §4.1.2 host-port form). */
function readNumberList(text: string, start: number): { numbers: number[]; end: number } {
  const numbers: number[] = [];
  let i = start;
  for (;;) {
    let value = 0;
    let digits = 0;
    while (i < text.length && isDigitCode(text.charCodeAt(i)) && digits < 10) {
      value = value * 10 + (text.charCodeAt(i) - DIGIT_0);
      digits++;
      i++;
    }
    if (digits === 0) break;
    numbers.push(value);
    if (i < text.length && text.charCodeAt(i) === COMMA && isDigitCode(text.charCodeAt(i + 1))) i++;
    else break;
  }
  return { numbers, end: i };
}

function isByte(n: number): boolean {
  return n >= 0 && n <= 255;
}

/** The argument as a whole list of comma-separated numbers (blanks around it allowed), or undefined. */
function numberListArgument(arg: string): number[] | undefined {
  const text = arg.trim();
  const { numbers, end } = readNumberList(text, 0);
  return end === text.length && numbers.length > 0 && numbers.every(isByte) ? numbers : undefined;
}

/** `h1,h2,h3,h4,p1,p2` (PORT argument, RFC 959 §4.1.2) → endpoint. */
function decodeHostPort(arg: string): DataChannel | undefined {
  const numbers = numberListArgument(arg);
  if (numbers === undefined || numbers.length !== 6) return undefined;
  const port = numbers[4]! * 256 + numbers[5]!;
  return port === 0 ? undefined : { passive: false, host: formatIPv4(numbers), port };
}

/** `af,hal,h1…,pal,p1…` (RFC 1639 LPRT argument: af 4 with 4 address bytes, or 6 with 16) → endpoint. */
function decodeLongHostPort(arg: string): DataChannel | undefined {
  const numbers = numberListArgument(arg);
  if (numbers === undefined) return undefined;
  const [af, hal] = numbers;
  if (!((af === 4 && hal === 4) || (af === 6 && hal === 16))) return undefined;
  const pal = numbers[2 + hal];
  if (pal !== 2 || numbers.length !== 3 + hal + pal) return undefined;
  const host = numbers.slice(2, 2 + hal);
  const port = numbers[3 + hal]! * 256 + numbers[4 + hal]!;
  if (port === 0) return undefined;
  return { passive: false, host: af === 4 ? formatIPv4(host) : formatIPv6(host), port };
}

function parsePort(text: string): number | undefined {
  if (text.length === 0 || text.length > 5) return undefined;
  let port = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!isDigitCode(c)) return undefined;
    port = port * 10 + (c - DIGIT_0);
  }
  return port >= 1 && port <= 65535 ? port : undefined;
}

/**
 * `<d><af><d><addr><d><port><d>` (RFC 2428 §2 EPRT argument) → endpoint, the delimiter being any printable ASCII
 * character (33–126) other than a digit.
 */
function decodeExtended(text: string): DataChannel | undefined {
  const delimiter = text[0];
  if (delimiter === undefined) return undefined;
  const d = delimiter.charCodeAt(0);
  if (d < 33 || d > 126 || isDigitCode(d)) return undefined;
  const afEnd = text.indexOf(delimiter, 1);
  if (afEnd === -1) return undefined;
  const addrEnd = text.indexOf(delimiter, afEnd + 1);
  if (addrEnd === -1) return undefined;
  const portEnd = text.indexOf(delimiter, addrEnd + 1);
  if (portEnd !== text.length - 1) return undefined;
  const port = parsePort(text.slice(addrEnd + 1, portEnd));
  if (port === undefined) return undefined;
  const af = text.slice(1, afEnd);
  const host = text.slice(afEnd + 1, addrEnd);
  // RFC 2428 §2: address family 1 is IPv4, 2 is IPv6; the address is written in canonical form.
  const bytes = af === "1" ? parseIPv4(host) : af === "2" ? parseIPv6(host) : undefined;
  if (bytes === undefined) return undefined;
  return { passive: false, host: af === "1" ? formatIPv4(bytes) : formatIPv6(bytes), port };
}

/** An address in one canonical text form for comparing (IPv4-mapped IPv6 as IPv4), or undefined. */
function canonicalHost(host: string | undefined): string | undefined {
  if (host === undefined) return undefined;
  const v4 = parseIPv4(host);
  if (v4 !== undefined) return formatIPv4(v4);
  const v6 = parseIPv6(host);
  if (v6 === undefined) return host.toLowerCase();
  const text = formatIPv6(v6);
  return text.startsWith("::ffff:") && text.includes(".") ? text.slice(7) : text;
}

// ───────────────────────────── paths ─────────────────────────────

/** Joins `arg` to `cwd` and removes `.`, `..` and repeated slashes. Undefined when the base is unknown. */
export function resolvePath(cwd: string | undefined, arg: string): string | undefined {
  const absolute = arg.startsWith("/");
  if (!absolute && cwd === undefined) return undefined;
  const joined = absolute ? arg : `${cwd}/${arg}`;
  const rooted = joined.startsWith("/");
  const parts: string[] = [];
  for (const part of joined.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === ".." && parts.length > 0 && parts[parts.length - 1] !== "..") parts.pop();
    else if (part !== ".." || !rooted) parts.push(part);
  }
  const path = parts.join("/");
  return rooted ? `/${path}` : path === "" ? "." : path;
}

// ───────────────────────────── the session ─────────────────────────────

/** User ids Zeek treats as anonymous (`FTP::guest_ids`). */
const GUEST_USERS: ReadonlySet<string> = new Set(["anonymous", "ftp", "ftpuser", "guest"]);
/** Commands that move data over the data connection. */
const TRANSFER_COMMANDS: ReadonlySet<string> = new Set([
  "RETR",
  "STOR",
  "STOU",
  "APPE",
  "LIST",
  "NLST",
  "MLSD",
]);
/** Commands whose argument names a file or directory. */
const PATH_COMMANDS: ReadonlySet<string> = new Set([
  "APPE",
  "CWD",
  "XCWD",
  "DELE",
  "MKD",
  "XMKD",
  "RETR",
  "RMD",
  "XRMD",
  "RNFR",
  "RNTO",
  "STOR",
  "STOU",
  "SIZE",
  "MDTM",
  "MLST",
  "MLSD",
]);

const textEncoder = new TextEncoder();

interface OpenExchange {
  kind: ExchangeKind;
  command: Command | undefined;
  startTs: number | undefined;
  preliminary: Reply[];
  replies: Reply[];
  diagnostics: Diagnostic[];
  /** Data channel announced by the command itself (PORT/EPRT/LPRT argument). */
  dataChannel: DataChannel | undefined;
  fileSize: number | undefined;
  droppedPreliminary: boolean;
}

interface MutableState {
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

function open(kind: ExchangeKind, command: Command | undefined, ts: number | undefined): OpenExchange {
  return {
    kind,
    command,
    startTs: ts,
    preliminary: [],
    replies: [],
    diagnostics: [],
    dataChannel: undefined,
    fileSize: undefined,
    droppedPreliminary: false,
  };
}

function describe(command: Command | undefined): string {
  return command === undefined
    ? "the greeting"
    : command.verb === ""
      ? "an empty command line"
      : command.verb;
}

class DialogueTracker implements Session {
  private readonly options: SessionOptions;
  private readonly mask: string;
  private readonly maxPending: number;
  private readonly maxPreliminary: number;
  private readonly expectGreeting: boolean;
  private readonly clientHost: string | undefined;
  private readonly serverHost: string | undefined;
  /** Commands waiting for their final reply, oldest first, from `head` on. */
  private queue: OpenExchange[] = [];
  private head = 0;
  /** The greeting once its 120 has come and until its final reply. */
  private greeting: OpenExchange | undefined;
  /** Diagnostic to attach to the next exchange (missing greeting). */
  private carried: Diagnostic[] = [];
  /** The last USER argument the client sent, to decide at send time whether a PASS is a guest's. */
  private lastUserSent: string | undefined;
  private readonly mutable: MutableState = {
    greeted: false,
    closed: false,
    user: undefined,
    password: undefined,
    loggedIn: false,
    failedLogins: 0,
    cwd: undefined,
    type: undefined,
    dataChannel: undefined,
    pendingCommands: 0,
    exchanges: 0,
    secured: false,
  };

  constructor(options: SessionOptions) {
    this.options = options;
    this.mask = options.passwordMask ?? "<hidden>";
    this.maxPending = options.maxPendingCommands ?? 1024;
    this.maxPreliminary = options.maxPreliminaryReplies ?? 256;
    this.expectGreeting = options.expectGreeting ?? true;
    this.clientHost = canonicalHost(options.endpoints?.clientHost);
    this.serverHost = canonicalHost(options.endpoints?.serverHost);
    if (!this.expectGreeting) this.mutable.greeted = true;
  }

  get state(): SessionState {
    return this.mutable;
  }

  command(command: Command, ts?: number): void {
    if (command.verb === "USER") this.lastUserSent = command.arg;
    const kept =
      command.verb === "PASS" && !this.keepsPassword(this.lastUserSent) ? this.maskCommand(command) : command;
    if (this.queue.length - this.head >= this.maxPending) {
      const oldest = this.queue[this.head]!;
      this.head++;
      this.diagnose(oldest, {
        type: "too-many-pending",
        message: `more than ${this.maxPending} commands waiting for replies; ${describe(oldest.command)} given up`,
        command: oldest.command,
        ts,
      });
      this.emit(oldest, undefined, ts);
    }
    const entry = open("command", kept, ts);
    const verb = kept.verb;
    if (verb === "PORT") entry.dataChannel = decodeHostPort(kept.arg);
    else if (verb === "EPRT") entry.dataChannel = decodeExtended(kept.arg.trim());
    else if (verb === "LPRT") entry.dataChannel = decodeLongHostPort(kept.arg);
    const target = entry.dataChannel?.host;
    if (target !== undefined && this.clientHost !== undefined && canonicalHost(target) !== this.clientHost) {
      // RFC 2577 §3: a PORT to a third host is the FTP bounce attack.
      this.diagnose(entry, {
        type: "foreign-data-address",
        message: `${verb} names ${target}, not the client's address ${this.clientHost} (FTP bounce, RFC 2577 §3)`,
        command: kept,
        ts,
      });
    }
    this.queue.push(entry);
    this.compact();
    this.mutable.pendingCommands = this.queue.length - this.head;
  }

  reply(reply: Reply, ts?: number): void {
    const code = reply.code;
    const waiting = this.queue.length - this.head;
    if (!this.mutable.greeted) {
      // RFC 959 §5.4, connection establishment: 120 then 220, or 220, or 421, before any command is answered.
      if (this.greeting !== undefined || waiting === 0 || code === 120 || code === 220 || code === 421) {
        this.greet(reply, ts);
        return;
      }
      this.mutable.greeted = true;
      this.carried.push(
        this.report({
          type: "missing-greeting",
          message: `a reply (${code}) to a command came before any greeting`,
          reply,
          ts,
        }),
      );
    }
    const entry = this.queue[this.head];
    if (entry === undefined) {
      const lone = open(code === 421 ? "unsolicited" : "unmatched-reply", undefined, ts);
      lone.replies.push(reply);
      if (code === 421) this.mutable.closed = true;
      else
        this.diagnose(lone, {
          type: "unmatched-reply",
          message: `reply ${code} came while no command was waiting`,
          reply,
          ts,
        });
      if (code < 200) lone.preliminary.push(reply);
      this.emit(lone, code < 200 ? undefined : reply, ts);
      return;
    }
    const verb = entry.command!.verb;
    if (!isValidReplyFor(verb, code)) {
      this.diagnose(entry, {
        type: "invalid-reply",
        message: `reply ${code} is not valid for ${describe(entry.command)} (RFC 959 §5.4)`,
        command: entry.command,
        reply,
        ts,
      });
    }
    if (code < 200) {
      this.addPreliminary(entry, reply, ts);
      if ((code === 150 || code === 125) && entry.fileSize === undefined && TRANSFER_COMMANDS.has(verb)) {
        entry.fileSize = this.decodeReply(entry, reply, ts, parseTransferSize);
      }
      return;
    }
    this.head++;
    this.mutable.pendingCommands = this.queue.length - this.head;
    entry.replies.push(reply);
    this.emit(entry, reply, ts);
  }

  lostReply(code?: number, ts?: number): void {
    const entry = this.mutable.greeted
      ? this.queue[this.head]
      : (this.greeting ?? open("greeting", undefined, ts));
    const message =
      code === undefined
        ? "a reply was lost (the reply parser dropped it)"
        : `reply ${code} was lost (the reply parser dropped it)`;
    if (entry === undefined) {
      this.carried.push(this.report({ type: "lost-reply", message, ts }));
      return;
    }
    this.diagnose(entry, { type: "lost-reply", message, command: entry.command, ts });
    if (code !== undefined && code < 200) {
      if (!this.mutable.greeted) this.greeting = entry;
      return;
    }
    if (!this.mutable.greeted) {
      this.greeting = undefined;
      this.mutable.greeted = true;
    } else {
      this.head++;
      this.mutable.pendingCommands = this.queue.length - this.head;
    }
    this.emit(entry, undefined, ts);
  }

  end(ts?: number): void {
    if (this.greeting !== undefined) {
      const greeting = this.greeting;
      this.greeting = undefined;
      this.emit(greeting, undefined, ts);
    }
    while (this.head < this.queue.length) {
      const entry = this.queue[this.head]!;
      this.head++;
      this.mutable.pendingCommands = this.queue.length - this.head;
      this.diagnose(entry, {
        type: "unanswered-command",
        message: `${describe(entry.command)} got no final reply before the session ended`,
        command: entry.command,
        ts,
      });
      this.emit(entry, undefined, ts);
    }
    this.queue = [];
    this.head = 0;
  }

  private greet(reply: Reply, ts: number | undefined): void {
    const code = reply.code;
    this.greeting ??= open("greeting", undefined, ts);
    const greeting = this.greeting;
    if (code !== 120 && code !== 220 && code !== 421) {
      this.diagnose(greeting, {
        type: "invalid-greeting",
        message: `greeting ${code} is not 120, 220 or 421 (RFC 959 §5.4)`,
        reply,
        ts,
      });
    }
    if (code < 200) {
      this.addPreliminary(greeting, reply, ts);
      return;
    }
    greeting.replies.push(reply);
    this.greeting = undefined;
    this.mutable.greeted = true;
    if (code === 421) this.mutable.closed = true;
    this.emit(greeting, reply, ts);
  }

  private addPreliminary(entry: OpenExchange, reply: Reply, ts: number | undefined): void {
    if (entry.preliminary.length >= this.maxPreliminary) {
      if (!entry.droppedPreliminary) {
        entry.droppedPreliminary = true;
        this.diagnose(entry, {
          type: "too-many-preliminary",
          message: `more than ${this.maxPreliminary} preliminary replies to ${describe(entry.command)}; the rest are not kept`,
          command: entry.command,
          reply,
          ts,
        });
      }
      return;
    }
    entry.preliminary.push(reply);
    entry.replies.push(reply);
  }

  private keepsPassword(user: string | undefined): boolean {
    const mode = this.options.recordPasswords ?? false;
    if (mode === "guest") return user !== undefined && GUEST_USERS.has(user.toLowerCase());
    return mode;
  }

  private maskCommand(command: Command): Command {
    if (command.arg === "") return command;
    const line = `${command.line.slice(0, command.line.length - command.arg.length)}${this.mask}`;
    // `raw` would leak the password: it becomes the masked line's bytes.
    return { ...command, arg: this.mask, line, raw: textEncoder.encode(`${line}\r\n`) };
  }

  /** Runs a decoder of src/decode on a reply; a decode error becomes a `malformed-reply` diagnostic. */
  private decodeReply<T>(
    entry: OpenExchange,
    reply: Reply,
    ts: number | undefined,
    decode: (reply: Reply) => T,
  ): T | undefined {
    try {
      return decode(reply);
    } catch (error) {
      if (!isReplyDecodeError(error)) throw error;
      this.diagnose(entry, {
        type: "malformed-reply",
        message: error.message,
        command: entry.command,
        reply,
        ts,
      });
      return undefined;
    }
  }

  private report(diagnostic: Diagnostic): Diagnostic {
    this.options.onDiagnostic?.(diagnostic);
    return diagnostic;
  }

  private diagnose(entry: OpenExchange, diagnostic: Diagnostic): void {
    entry.diagnostics.push(this.report(diagnostic));
  }

  private compact(): void {
    // Drop answered entries once they are the larger part of the queue: amortised O(1) per command.
    if (this.head > 64 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  /** Applies what the exchange teaches about the session, then builds and emits it. */
  private emit(entry: OpenExchange, final: Reply | undefined, ts: number | undefined): void {
    const state = this.mutable;
    const command = entry.command;
    const verb = command?.verb ?? "";
    const arg = command?.arg ?? "";
    const code = final?.code ?? 0;

    // What the server knew when it took the command: every earlier command has completed (FIFO).
    if (verb === "USER") {
      state.user = arg;
      state.password = undefined;
    } else if (verb === "PASS") {
      // Already masked at send time unless passwords are recorded.
      state.password = arg;
    }
    const cwd = state.cwd;
    const type = state.type;
    let dataChannel = entry.dataChannel;
    if (dataChannel === undefined && TRANSFER_COMMANDS.has(verb)) dataChannel = state.dataChannel;
    let fileSize = entry.fileSize;
    let login: "success" | "failure" | undefined;

    if (final !== undefined) {
      const success = code >= 200 && code < 300;
      switch (verb) {
        case "USER":
          if (code === 230) login = "success";
          else if (code === 530) login = "failure";
          state.loggedIn = code === 230;
          break;
        case "PASS":
        case "ACCT":
          if (code === 230 || code === 202) login = "success";
          else if (code === 530 || (verb === "PASS" && code >= 400 && code < 600)) login = "failure";
          if (login !== undefined) state.loggedIn = login === "success";
          break;
        case "REIN":
          if (code === 220) {
            state.user = undefined;
            state.password = undefined;
            state.loggedIn = false;
          }
          break;
        case "CWD":
        case "XCWD":
          if (code === 250) state.cwd = resolvePath(cwd, arg);
          break;
        case "CDUP":
        case "XCUP":
          if (code === 200 || code === 250)
            state.cwd = cwd === undefined ? undefined : resolvePath(cwd, "..");
          break;
        case "PWD":
        case "XPWD":
          if (code === 257) state.cwd = this.decodeReply(entry, final, ts, parsePathname) ?? state.cwd;
          break;
        case "TYPE":
          if (code === 200) state.type = normaliseType(arg);
          break;
        case "PASV":
        case "EPSV":
          // Either reply is decoded for either command, as Zeek does: a server that answers EPSV with 227 (a
          // diagnostic already) still tells where the data connection goes.
          if (code === 227) dataChannel = this.decodeReply(entry, final, ts, passiveEndpoint);
          else if (code === 229) dataChannel = this.decodeReply(entry, final, ts, extendedPassiveEndpoint);
          break;
        case "LPSV":
          if (code === 228) dataChannel = this.decodeReply(entry, final, ts, longPassiveEndpoint);
          break;
        case "SIZE":
          if (code === 213) fileSize = this.decodeReply(entry, final, ts, parseSize);
          break;
        case "QUIT":
          if (code === 221) state.closed = true;
          break;
        case "AUTH":
          if (code === 234) state.secured = true;
          break;
        case "CCC":
          if (code === 200) state.secured = false;
          break;
      }
      if (login === "failure") state.failedLogins++;
      if (code === 421) state.closed = true;
      const announced = verb === "PASV" || verb === "EPSV" || verb === "LPSV";
      if (announced && dataChannel !== undefined) {
        // RFC 2428 §3: EPSV names no address; the data connection goes to the server's control address.
        if (dataChannel.host === undefined && this.serverHost !== undefined) {
          dataChannel = { ...dataChannel, host: this.serverHost };
        } else if (this.serverHost !== undefined && canonicalHost(dataChannel.host) !== this.serverHost) {
          this.diagnose(entry, {
            type: "foreign-data-address",
            message: `${code} reply names ${dataChannel.host}, not the server's address ${this.serverHost}`,
            command,
            reply: final,
            ts,
          });
        }
      }
      if (
        success &&
        dataChannel !== undefined &&
        (verb === "PASV" ||
          verb === "EPSV" ||
          verb === "LPSV" ||
          verb === "PORT" ||
          verb === "EPRT" ||
          verb === "LPRT")
      ) {
        state.dataChannel = dataChannel;
      }
    }

    const diagnostics = this.carried.length > 0 ? [...this.carried, ...entry.diagnostics] : entry.diagnostics;
    this.carried = [];
    const endTs = final === undefined ? undefined : ts;
    const exchange: Exchange = {
      kind: entry.kind,
      index: state.exchanges++,
      command,
      replies: entry.replies,
      preliminary: entry.preliminary,
      final,
      startTs: entry.startTs,
      endTs,
      duration: endTs !== undefined && entry.startTs !== undefined ? endTs - entry.startTs : undefined,
      diagnostics,
      user: state.user,
      password: state.password,
      cwd,
      path: PATH_COMMANDS.has(verb) && arg !== "" ? resolvePath(cwd, arg) : undefined,
      type,
      dataChannel,
      fileSize,
      login,
    };
    this.options.onExchange?.(exchange);
  }
}

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

/** `TYPE a n` → `A N` (RFC 959 §4.1.2: type codes are case-insensitive letters, parameters after one space). */
function normaliseType(arg: string): string {
  return arg.trim().toUpperCase();
}

/**
 * Creates a session tracker. Feed it commands and replies in the order they happened; it calls `onExchange` with
 * each command and its replies as soon as the final reply arrives.
 *
 * ```ts
 * const session = createSession({ onExchange: (ex) => console.log(ex.command?.verb, ex.final?.code) });
 * session.reply(greeting);           // 220 → a "greeting" exchange
 * session.command(user); session.command(pass);   // pipelined
 * session.reply(r331); session.reply(r230);       // USER → 331, PASS → 230 (login: "success")
 * session.end();
 * ```
 */
export function createSession(options: SessionOptions = {}): Session {
  return new DialogueTracker(options);
}

/** Runs a whole dialogue (events in time order) through a session and collects what it found. */
export function runDialogue(
  events: Iterable<DialogueEvent>,
  options: Omit<SessionOptions, "onExchange" | "onDiagnostic"> = {},
): DialogueResult {
  const exchanges: Exchange[] = [];
  const diagnostics: Diagnostic[] = [];
  const session = createSession({
    ...options,
    onExchange: (exchange) => exchanges.push(exchange),
    onDiagnostic: (diagnostic) => diagnostics.push(diagnostic),
  });
  let lastTs: number | undefined;
  for (const event of events) {
    if (event.ts !== undefined) lastTs = event.ts;
    if (event.type === "command") session.command(event.command, event.ts);
    else session.reply(event.reply, event.ts);
  }
  session.end(lastTs);
  return { exchanges, diagnostics, state: session.state };
}
