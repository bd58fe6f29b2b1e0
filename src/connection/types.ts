/**
 * The public types of the dialogue layer: what a session is given (commands, replies, options) and what it gives
 * back (exchanges, diagnostics, its state). The behaviour lives in session.ts and learn.ts; the rules in rules.ts.
 */
import type { Command } from "../command/parser.js";
import type { Reply } from "../reply/reply.js";

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
 * - `no-reply`             the server answered a later command and never this one (it dropped or ignored it, as
 *                          ProFTPD does with a line past its buffer): the exchange is emitted without `final`.
 *                          Pairing scores each waiting command (rules.ts `pairingScore`, as Zeek's `get_pending_cmd`).
 * - `too-many-pending`     more than `maxPendingCommands` commands waited at once; the oldest is given up.
 * - `too-many-preliminary` a command got more than `maxPreliminaryReplies` 1xx replies (or `maxPreliminaryBytes` of
 *                          them); the rest are not kept.
 * - `too-many-diagnostics` an exchange drew more than `maxDiagnostics` diagnostics (a flood of invalid 1xx
 *                          replies): the rest still go to `onDiagnostic` but are not kept in the exchange.
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
  | "no-reply"
  | "too-many-pending"
  | "too-many-preliminary"
  | "too-many-diagnostics"
  | "foreign-data-address"
  | "lost-reply"
  | "malformed-reply";

/** A rule the dialogue broke. Never fatal. */
export interface Diagnostic {
  /** The layer that found it: the dialogue (see `Problem`, the shape every layer's problems share). */
  readonly layer: "dialogue";
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
  /** The password in effect: the mask unless `recordPasswords` allows the real one. */
  readonly password: string | undefined;
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
  /** Most bytes of 1xx replies kept per command (`too-many-preliminary`). Default 1 MiB. */
  maxPreliminaryBytes?: number;
  /** Most diagnostics kept per exchange (`too-many-diagnostics`); all go to `onDiagnostic`. Default 64. */
  maxDiagnostics?: number;
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
