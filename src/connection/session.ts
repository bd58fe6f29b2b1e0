/**
 * The session: pairs each client command with the server's replies and tracks what an analyst wants to know
 * about the session (user, login, directory, TYPE, data-connection endpoints, sizes, timing).
 *
 * Pairing (RFC 959 §4.2, §5.4): every command gets zero or more 1xx preliminary replies and then exactly one
 * final reply (2xx–5xx; a 6xx protected reply of RFC 2228 counts as final, since what it wraps cannot be seen).
 * Commands may be pipelined: they are answered first-in, first-out — unless a later waiting command fits the reply
 * strictly better (its code, the verb or argument the reply names: `pairingScore` in rules.ts), in which case the
 * commands before it were dropped by the server and are emitted with `no-reply`. Before any command the server sends its
 * greeting (220, 120 then 220, or 421). A 421 may come at any time (RFC 959 §4.2 "service closing"). A reply
 * that is not valid for its command per the §5.4 table (rules.ts) is reported as a diagnostic and paired all the
 * same. What each exchange teaches the session is in learn.ts, one small step per command.
 */
import type { Command } from "../command/parser.js";
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from "../decode/address.js";
import { isReplyDecodeError } from "../decode/errors.js";
import { parseTransferSize } from "../decode/size.js";
import { bytesBytes, OBJECT_BYTES, RETAINED_BYTES, stringBytes, TYPED_ARRAY_BYTES } from "../lines/memory.js";
import type { Reply } from "../reply/reply.js";
import { ANNOUNCE, type Findings, LEARN, type SessionFacts, stepFor, TAKE } from "./learn.js";
import { resolvePath } from "./path.js";
import {
  DATA_CHANNEL_COMMANDS,
  GREETING_REPLIES,
  GUEST_USERS,
  isValidReplyFor,
  PAIRING_WINDOW,
  PASSIVE_COMMANDS,
  PATH_COMMANDS,
  pairingScore,
  TRANSFER_COMMANDS,
} from "./rules.js";
import type {
  DataChannel,
  Diagnostic,
  DialogueEvent,
  DialogueResult,
  Exchange,
  ExchangeKind,
  Session,
  SessionOptions,
  SessionState,
} from "./types.js";

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
  /** Bytes of the 1xx replies kept. */
  preliminaryBytes: number;
}

/** What fills the queue's slot of an answered command. */
const ANSWERED: OpenExchange = open("command", undefined, undefined);

/**
 * A reply's cost, counted from its length without making its lazy fields: its lines and its message (each at most
 * two bytes a byte of the reply), its bytes, two objects.
 */
function replyBytes(reply: Reply): number {
  return 2 * OBJECT_BYTES + TYPED_ARRAY_BYTES + 5 * reply.byteLength;
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
    preliminaryBytes: 0,
  };
}

function describe(command: Command | undefined): string {
  return command === undefined
    ? "the greeting"
    : command.verb === ""
      ? "an empty command line"
      : command.verb;
}

class ControlSession implements Session {
  private readonly options: SessionOptions;
  private readonly mask: string;
  private readonly maxPending: number;
  private readonly maxPreliminary: number;
  private readonly maxDiagnostics: number;
  private readonly maxPreliminaryBytes: number;
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
  private readonly facts: SessionFacts = {
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
    this.maxDiagnostics = options.maxDiagnostics ?? 64;
    this.maxPreliminaryBytes = options.maxPreliminaryBytes ?? 1024 * 1024;
    this.expectGreeting = options.expectGreeting ?? true;
    this.clientHost = canonicalHost(options.endpoints?.clientHost);
    this.serverHost = canonicalHost(options.endpoints?.serverHost);
    if (!this.expectGreeting) this.facts.greeted = true;
  }

  get state(): SessionState {
    return this.facts;
  }

  command(command: Command, ts?: number): void {
    if (command.verb === "USER") this.lastUserSent = command.arg;
    const kept =
      command.verb === "PASS" && !this.keepsPassword(this.lastUserSent) ? this.maskCommand(command) : command;
    if (this.queue.length - this.head >= this.maxPending) {
      const oldest = this.queue[this.head]!;
      this.advance();
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
    entry.dataChannel = announcedEndpoint(verb, kept.arg);
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
    this.facts.pendingCommands = this.queue.length - this.head;
  }

  reply(reply: Reply, ts?: number): void {
    const code = reply.code;
    const waiting = this.queue.length - this.head;
    if (!this.facts.greeted) {
      // RFC 959 §5.4, connection establishment: 120 then 220, or 220, or 421, before any command is answered.
      if (this.greeting !== undefined || waiting === 0 || GREETING_REPLIES.has(code)) {
        this.greet(reply, ts);
        return;
      }
      this.facts.greeted = true;
      this.carried.push(
        this.report({
          type: "missing-greeting",
          message: `a reply (${code}) to a command came before any greeting`,
          reply,
          ts,
        }),
      );
    }
    if (waiting > 1) this.skipDropped(this.answered(reply, ts), ts);
    const entry = this.queue[this.head];
    if (entry === undefined) {
      const lone = open(code === 421 ? "unsolicited" : "unmatched-reply", undefined, ts);
      lone.replies.push(reply);
      if (code === 421) this.facts.closed = true;
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
    this.advance();
    this.facts.pendingCommands = this.queue.length - this.head;
    entry.replies.push(reply);
    this.emit(entry, reply, ts);
  }

  /**
   * The index of the waiting command a reply answers: the oldest, unless a later one (sent before the reply came)
   * scores strictly higher (rules.ts `pairingScore`). A command that got a 1xx was taken and keeps its place.
   */
  private answered(reply: Reply, ts: number | undefined): number {
    const head = this.head;
    if (this.queue[head]!.preliminary.length > 0) return head;
    const firstLine = reply.lines[0] ?? "";
    const score = (entry: OpenExchange): number =>
      pairingScore(entry.command!.verb, entry.command!.arg, reply.code, firstLine);
    let best = head;
    let bestScore = score(this.queue[head]!);
    const end = Math.min(this.queue.length, head + PAIRING_WINDOW);
    for (let i = head + 1; i < end; i++) {
      const entry = this.queue[i]!;
      if (ts !== undefined && entry.startTs !== undefined && entry.startTs > ts) break;
      const candidate = score(entry);
      if (candidate > bestScore) {
        best = i;
        bestScore = candidate;
      }
    }
    return best;
  }

  /** The commands before `index` got no reply: the server dropped them (it answered a later one). */
  private skipDropped(index: number, ts: number | undefined): void {
    while (this.head < index) {
      const entry = this.queue[this.head]!;
      this.head++;
      this.facts.pendingCommands = this.queue.length - this.head;
      this.diagnose(entry, {
        type: "no-reply",
        message: `${describe(entry.command)} got no reply: the server answered a later command (dropped or ignored)`,
        command: entry.command,
        ts,
      });
      this.emit(entry, undefined, ts, false);
    }
  }

  lostReply(code?: number, ts?: number): void {
    const entry = this.facts.greeted
      ? this.queue[this.head]
      : (this.greeting ?? open("greeting", undefined, ts));
    const message =
      code === undefined
        ? "a reply was lost (the reply parser dropped it)"
        : `reply ${code} was lost (the reply parser dropped it)`;
    if (entry === undefined) {
      this.keep(this.carried, this.report({ type: "lost-reply", message, ts }), undefined);
      return;
    }
    this.diagnose(entry, { type: "lost-reply", message, command: entry.command, ts });
    if (code !== undefined && code < 200) {
      if (!this.facts.greeted) this.greeting = entry;
      return;
    }
    if (!this.facts.greeted) {
      this.greeting = undefined;
      this.facts.greeted = true;
    } else {
      this.advance();
      this.facts.pendingCommands = this.queue.length - this.head;
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
      this.advance();
      this.facts.pendingCommands = this.queue.length - this.head;
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
    if (!GREETING_REPLIES.has(code)) {
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
    this.facts.greeted = true;
    if (code === 421) this.facts.closed = true;
    this.emit(greeting, reply, ts);
  }

  private addPreliminary(entry: OpenExchange, reply: Reply, ts: number | undefined): void {
    // 256 replies of up to maxReplySize each would be a budget of gigabytes: their bytes are capped too.
    if (
      entry.preliminary.length >= this.maxPreliminary ||
      entry.preliminaryBytes + reply.byteLength > this.maxPreliminaryBytes
    ) {
      if (!entry.droppedPreliminary) {
        entry.droppedPreliminary = true;
        this.diagnose(entry, {
          type: "too-many-preliminary",
          message:
            entry.preliminary.length >= this.maxPreliminary
              ? `more than ${this.maxPreliminary} preliminary replies to ${describe(entry.command)}; the rest are not kept`
              : `more than ${this.maxPreliminaryBytes} bytes of preliminary replies to ${describe(entry.command)}; the rest are not kept`,
          command: entry.command,
          reply,
          ts,
        });
      }
      return;
    }
    entry.preliminary.push(reply);
    entry.replies.push(reply);
    entry.preliminaryBytes += reply.byteLength;
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

  private report(init: Omit<Diagnostic, "layer">): Diagnostic {
    // Spelled out, not spread: the callers' literals have several shapes, and a spread of them went megamorphic
    // (a tenth of a server-only capture's analysis, one diagnostic per reply). One shape for every diagnostic.
    const diagnostic: Diagnostic = {
      layer: "dialogue",
      type: init.type,
      message: init.message,
      command: init.command,
      reply: init.reply,
      ts: init.ts,
    };
    this.options.onDiagnostic?.(diagnostic);
    return diagnostic;
  }

  private diagnose(entry: OpenExchange, init: Omit<Diagnostic, "layer">): void {
    this.keep(entry.diagnostics, this.report(init), entry.command);
  }

  /**
   * Keeps a diagnostic for its exchange, up to `maxDiagnostics`: a server's flood of invalid 1xx replies to one
   * command drew one diagnostic (holding its reply) each, kept without bound.
   */
  private keep(list: Diagnostic[], diagnostic: Diagnostic, command: Command | undefined): void {
    const max = this.maxDiagnostics;
    if (list.length < max) list.push(diagnostic);
    else if (list.length === max)
      list.push(
        this.report({
          type: "too-many-diagnostics",
          message: `more than ${max} diagnostics for one exchange; the rest are reported but not kept`,
          command,
          ts: diagnostic.ts,
        }),
      );
  }

  /** The waiting command at `head` is done: its slot lets go of it (the queue is compacted only now and then). */
  private advance(): void {
    this.queue[this.head] = ANSWERED;
    this.head++;
  }

  /**
   * What the session holds (see lines/memory.ts): the commands waiting (at most `maxPendingCommands`), the replies
   * and diagnostics of the one being answered (at most `maxPreliminaryBytes` of 1xx replies and `maxDiagnostics`),
   * the greeting in progress, the queue's slots.
   */
  [RETAINED_BYTES](): number {
    let total = OBJECT_BYTES + 8 * this.queue.length + OBJECT_BYTES * this.carried.length;
    const open = this.queue.slice(this.head);
    if (this.greeting !== undefined) open.push(this.greeting);
    for (const entry of open) {
      total += 2 * OBJECT_BYTES;
      const command = entry.command;
      if (command !== undefined)
        total +=
          OBJECT_BYTES + bytesBytes(command.raw) + stringBytes(command.line) + stringBytes(command.arg);
      for (const reply of entry.replies) total += replyBytes(reply);
      for (const diagnostic of entry.diagnostics) {
        total += OBJECT_BYTES;
        const reply = diagnostic.reply;
        if (reply !== undefined && !entry.replies.includes(reply)) total += replyBytes(reply);
      }
    }
    return total;
  }

  private compact(): void {
    // Drop answered entries once they are the larger part of the queue: amortised O(1) per command.
    if (this.head > 64 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  /** Applies what the exchange teaches about the session (learn.ts), then builds and emits it. */
  private emit(entry: OpenExchange, final: Reply | undefined, ts: number | undefined, taken = true): void {
    const state = this.facts;
    const command = entry.command;
    const verb = command?.verb ?? "";
    const arg = command?.arg ?? "";

    // What the server knew when it took the command: every earlier command has completed (FIFO). A command the
    // server dropped changed nothing.
    if (taken) stepFor(TAKE, verb)?.(state, arg);
    const cwd = state.cwd;
    const type = state.type;
    let found: Pick<Findings, "dataChannel" | "fileSize" | "login"> = {
      // A transfer uses the endpoint in effect; a PORT/EPRT/LPRT brings its own.
      dataChannel: entry.dataChannel ?? (TRANSFER_COMMANDS.has(verb) ? state.dataChannel : undefined),
      fileSize: entry.fileSize,
      login: undefined,
    };
    // RFC 959 §4.2.1: 421 "Service not available, closing control connection", whatever the command.
    if (final?.code === 421) state.closed = true;
    // A greeting or a reply without a command has no step to run and no data channel to place.
    if (final !== undefined && command !== undefined) {
      // Spelled out, not spread: a spread of objects of several shapes goes megamorphic in V8 and cost 5 µs per
      // exchange (80% of a server-only capture's analysis).
      const findings: Findings = {
        dataChannel: found.dataChannel,
        fileSize: found.fileSize,
        login: undefined,
        arg,
        cwd,
        decode: (decoder) => this.decodeReply(entry, final, ts, decoder),
      };
      this.learn(entry, findings, final, ts);
      found = findings;
    }

    let diagnostics = entry.diagnostics;
    if (this.carried.length > 0) {
      diagnostics = [...this.carried, ...entry.diagnostics];
      this.carried = [];
    }
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
      dataChannel: found.dataChannel,
      fileSize: found.fileSize,
      login: found.login,
    };
    this.options.onExchange?.(exchange);
  }

  /**
   * What a final reply to a command teaches (a 421 closing is `emit`'s): the command's own step (learn.ts `LEARN`),
   * then a passive reply's endpoint is checked against the server's address, and a 2xx to a
   * data-channel command puts its endpoint in effect for the transfers that follow.
   */
  private learn(entry: OpenExchange, findings: Findings, final: Reply, ts: number | undefined): void {
    const state = this.facts;
    const verb = entry.command?.verb ?? "";
    const code = final.code;
    stepFor(LEARN, verb)?.(state, findings, final);
    if (PASSIVE_COMMANDS.has(verb)) this.placePassiveEndpoint(entry, findings, final, ts);
    if (code >= 200 && code < 300 && findings.dataChannel !== undefined && DATA_CHANNEL_COMMANDS.has(verb)) {
      state.dataChannel = findings.dataChannel;
    }
  }

  /**
   * Gives an EPSV endpoint its host, the server's control address (RFC 2428 §3: EPSV names no address), or flags a
   * 227/228 that names another address than the server's (NAT, or a server pointing the client elsewhere).
   */
  private placePassiveEndpoint(
    entry: OpenExchange,
    findings: Findings,
    final: Reply,
    ts: number | undefined,
  ): void {
    const channel = findings.dataChannel;
    if (channel === undefined || this.serverHost === undefined) return;
    if (channel.host === undefined) {
      findings.dataChannel = { ...channel, host: this.serverHost };
    } else if (canonicalHost(channel.host) !== this.serverHost) {
      this.diagnose(entry, {
        type: "foreign-data-address",
        message: `${final.code} reply names ${channel.host}, not the server's address ${this.serverHost}`,
        command: entry.command,
        reply: final,
        ts,
      });
    }
  }
}

/**
 * The endpoint a PORT, EPRT or LPRT argument names (learn.ts `ANNOUNCE`), or undefined for any other command and
 * for an argument the decoder cannot read (the server will most likely refuse it with 501).
 */
export function announcedEndpoint(verb: string, arg: string): DataChannel | undefined {
  const decode = stepFor(ANNOUNCE, verb);
  if (decode === undefined) return undefined;
  try {
    const { host, port } = decode(arg);
    return { passive: false, host, port };
  } catch (error) {
    if (!isReplyDecodeError(error)) throw error;
    return undefined;
  }
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
  return new ControlSession(options);
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
