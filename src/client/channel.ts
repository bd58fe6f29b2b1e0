/**
 * The client's control channel over any transport: commands go out through `write(bytes)`, the server's bytes come
 * in through `feed(chunk)`, and every `send` returns a promise of its exchange (the 1xx preliminary replies and the
 * final reply, RFC 959 §4.2).
 *
 * Pairing is the control connection's (`createControlConnection`: the commands the channel writes and the replies it
 * reads go through the same parsers and session as every other source, first in, first out, with the RFC 959
 * §5.4 diagnostics). What
 * this adds is what a client needs to stay safe: a reply that belongs to no command, bytes that are not replies, a
 * stream that ends, a transport error or a timeout fail every waiting request with a `ControlChannelError` and put
 * the channel in the `failed` state; nothing is ever silently paired with the wrong command. No `node:` import:
 * the Node adapter (`ftp-reply/node`, `attachControlSocket`) wires a socket to it.
 */
import {
  type ConnectionProblem,
  type ControlConnection,
  createControlConnection,
} from "../connection/connection.js";
import type { Diagnostic, Exchange, SessionState } from "../connection/types.js";
import { IAC } from "../lines/telnet.js";
import type { ReplyParserOptions } from "../reply/framing.js";
import type { Reply } from "../reply/reply.js";
import { type CommandArgument, type CommandEncoding, encodeCommand } from "./encoder.js";
import { ControlChannelError } from "./errors.js";

/** Telnet Interrupt Process and Data Mark (RFC 854), sent before ABOR (RFC 959 §4.1.3). */
const IP = 0xf4;
const DM = 0xf2;

/** Where the channel writes. Swap it with `setTransport` (AUTH TLS). */
export interface ControlTransport {
  /** Writes bytes to the server, in order. May throw: the channel then fails with `transport`. */
  write(bytes: Uint8Array): void;
  /**
   * Writes bytes as TCP urgent data (the last byte urgent), for the Telnet Synch before ABOR. Optional: without
   * it the Data Mark goes inline, which is what servers read anyway.
   */
  writeUrgent?(bytes: Uint8Array): void;
}

/** A command's exchange: its preliminary replies and its final reply. */
export interface ControlResponse {
  /** The command line as sent, without CRLF (`PASS ****` for a password). `""` for the greeting. */
  readonly command: string;
  /** The final reply's code. */
  readonly code: number;
  readonly final: Reply;
  /** The 1xx replies that came first, in order. */
  readonly preliminary: readonly Reply[];
  /** What the dialogue layer found wrong with the exchange (e.g. `invalid-reply`), none fatal unless `strict`. */
  readonly diagnostics: readonly Diagnostic[];
}

export interface SendOptions {
  /** Milliseconds without a reply before the channel fails (default: the channel's `timeout`; 0: none). */
  timeout?: number;
  /** Each 1xx reply as it arrives (e.g. open the data connection on 150). A throw rejects this request. */
  onPreliminary?(reply: Reply): void;
  /**
   * After a 2xx final reply, decode the following replies in this encoding, and encode commands in
   * `commandEncoding` (default: `"utf-8"` for a UTF-8 label, else unchanged). For `OPTS UTF8 ON` (RFC 2640).
   */
  switchEncoding?: string;
  commandEncoding?: CommandEncoding;
}

export interface ControlChannelOptions {
  /** Milliseconds without a reply while a reply is awaited before the channel fails. Default 30 000; 0: none. */
  timeout?: number;
  /** How replies are decoded: a WHATWG label, or `"auto"` (see `createReplyParser`). Default `"utf-8"`. */
  encoding?: string;
  /** How command arguments given as text are encoded. Default `"utf-8"`. */
  commandEncoding?: CommandEncoding;
  /** The reply parser's other options (line and reply size limits …). */
  parser?: Omit<ReplyParserOptions, "encoding">;
  /**
   * Fail the channel when a final reply is not one RFC 959 §5.4 allows for its command (an `invalid-reply`
   * diagnostic): such a reply usually means the stream is out of step. Default false (the diagnostic is only
   * reported, in `ControlResponse.diagnostics`).
   */
  strict?: boolean;
  /** Every reply, as it is parsed (for logs). A throw is caught and ignored. */
  onReply?(reply: Reply): void;
  /** Every command line as it is written, without CRLF (`PASS ****` for a password). A throw is ignored. */
  onCommand?(line: string): void;
  /**
   * Parser warnings (`missing-space` …) and dialogue diagnostics, in the shape every layer's problems share (a
   * dialogue diagnostic is on `warning.diagnostic`). A throw is ignored.
   */
  onWarning?(warning: ConnectionProblem): void;
}

export interface AbortOptions extends Omit<SendOptions, "switchEncoding" | "commandEncoding"> {
  /**
   * Send Telnet IP and Synch before ABOR (default true, RFC 959 §4.1.3). False sends a bare `ABOR` line, for
   * servers that do not strip Telnet commands from the control stream (ftp-srv).
   */
  telnet?: boolean;
}

/** What `abort()` gives: the interrupted command's exchange (426 or 226) and ABOR's own (226 or 225). */
export interface AbortResult {
  /** The command that was waiting when ABOR was sent (the transfer), if any; undefined if none was. */
  readonly transfer: ControlResponse | undefined;
  readonly abort: ControlResponse;
}

export type ControlChannelState = "open" | "closed" | "failed";

export interface ControlChannel {
  /** The greeting: 220 (after any 120), or 421. Rejects if the stream fails first. */
  readonly greeting: Promise<ControlResponse>;
  /**
   * Sends `VERB[ SP arg]` and resolves with its exchange once the final reply arrives, whatever its code. Rejects
   * with `CommandEncodeError` (nothing written) for an argument holding CR, LF or NUL, and with
   * `ControlChannelError` when the channel fails or is closed. Commands may be pipelined.
   */
  send(verb: string, arg?: CommandArgument, options?: SendOptions): Promise<ControlResponse>;
  /**
   * ABOR as RFC 959 §4.1.3 describes: Telnet IP, Telnet Synch (IAC DM, urgent where the transport allows), then
   * `ABOR`. Resolves with both exchanges: the transfer's (426, or 226 if it had finished) and ABOR's (226/225).
   */
  abort(options?: AbortOptions): Promise<AbortResult>;
  /** Feeds bytes the server sent. */
  feed(chunk: Uint8Array): void;
  /** The server's stream ended: requests still waiting are rejected (`closed`). */
  end(): void;
  /** The transport failed: every waiting request is rejected (`transport`), the channel fails. */
  fail(cause: unknown): void;
  /** Writes from now on through another transport (the TLS socket after `234` to AUTH TLS). */
  setTransport(transport: ControlTransport): void;
  /**
   * Stops the timeout (a transfer is running and the server will not answer until it ends). Returns the function
   * that resumes it; the timeout starts again in full when every pause has been resumed.
   */
  pauseTimeouts(): () => void;
  /** Switches reply decoding (and optionally command encoding) now. Prefer `send`'s `switchEncoding`. */
  setEncoding(encoding: string, commandEncoding?: CommandEncoding): void;
  readonly state: ControlChannelState;
  /** The error that failed the channel, or the 421 that closed it. */
  readonly failure: ControlChannelError | undefined;
  /** Requests waiting for their final reply. */
  readonly pending: number;
  /** The dialogue layer's view (login, cwd, type, secured …). */
  readonly session: SessionState;
}

interface Request {
  readonly line: string;
  readonly options: SendOptions;
  readonly promise: Promise<ControlResponse>;
  resolve(response: ControlResponse): void;
  reject(error: unknown): void;
  /** A callback threw: reject with this once the exchange completes (the channel stays in step). */
  callbackError: unknown;
  settled: boolean;
}

function maskedLine(verb: string, arg: CommandArgument | undefined): string {
  const upper = verb.toUpperCase();
  if (arg === undefined || arg.length === 0) return upper;
  if (upper === "PASS" || upper === "ACCT") return `${upper} ****`;
  const text = typeof arg === "string" ? arg : new TextDecoder("utf-8", { ignoreBOM: true }).decode(arg);
  return `${upper} ${text}`;
}

function responseOf(line: string, exchange: Exchange, final: Reply): ControlResponse {
  return {
    command: line,
    code: final.code,
    final,
    preliminary: exchange.preliminary,
    diagnostics: exchange.diagnostics,
  };
}

function isUtf8Label(label: string): boolean {
  return /^(utf-?8|unicode-1-1-utf-8)$/i.test(label.trim());
}

const DEFAULT_TIMEOUT_MS = 30_000;

class Channel implements ControlChannel {
  readonly greeting: Promise<ControlResponse>;
  private transport: ControlTransport;
  private readonly options: ControlChannelOptions;
  /** The one control connection (parsers and session) every source uses; the channel feeds it both directions. */
  private readonly connection: ControlConnection;
  /** `end()` is running: the exchanges it completes unanswered are its own concern. */
  private ending = false;
  private commandEncoding: CommandEncoding;
  private readonly requests: Request[] = [];
  private greetingRequest: Request | undefined;
  private status: ControlChannelState = "open";
  private error: ControlChannelError | undefined;
  private pauses = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(transport: ControlTransport, options: ControlChannelOptions) {
    this.transport = transport;
    this.options = options;
    this.commandEncoding = options.commandEncoding ?? "utf-8";
    this.connection = createControlConnection({
      encoding: options.encoding ?? "utf-8",
      replies: options.parser,
      // The channel is fed what the client itself reads: decrypted bytes after AUTH TLS.
      encryptedAfterAuth: false,
      onReply: (reply) => this.onReply(reply),
      onExchange: (exchange) => this.onExchange(exchange),
      onProblem: (problem) => this.onProblem(problem),
    });
    const greeting = this.makeRequest("", {});
    this.greetingRequest = greeting;
    // A caller that never awaits the greeting must not get an unhandled rejection when the channel fails.
    greeting.promise.catch(() => {});
    this.greeting = greeting.promise;
    this.arm();
  }

  get state(): ControlChannelState {
    return this.status;
  }

  get failure(): ControlChannelError | undefined {
    return this.error;
  }

  get pending(): number {
    return this.requests.length;
  }

  get session(): SessionState {
    return this.connection.state;
  }

  send(verb: string, arg?: CommandArgument, options: SendOptions = {}): Promise<ControlResponse> {
    return this.write(verb, arg, options, undefined);
  }

  async abort(options: AbortOptions = {}): Promise<AbortResult> {
    const interrupted = this.requests.at(-1);
    const telnet = options.telnet === false ? undefined : { inline: [IAC, IP], synch: [IAC, DM] };
    const abort = this.write("ABOR", undefined, options, telnet);
    const [transfer, aborted] = await Promise.allSettled([interrupted?.promise, abort]);
    if (transfer.status === "rejected") throw transfer.reason;
    if (aborted.status === "rejected") throw aborted.reason;
    return { transfer: transfer.value, abort: aborted.value };
  }

  feed(chunk: Uint8Array): void {
    if (this.status !== "open" || chunk.length === 0) return;
    this.connection.fromServer(chunk);
  }

  end(): void {
    if (this.status === "failed") return;
    if (this.status === "open") {
      this.ending = true;
      try {
        this.connection.end();
      } finally {
        this.ending = false;
      }
    }
    // The parser may have failed the channel (a reply cut off by the end).
    if (this.state === "failed") return;
    const waiting = this.requests.length + (this.greetingRequest === undefined ? 0 : 1);
    if (waiting > 0) {
      this.failWith(
        new ControlChannelError(
          "closed",
          `the server closed the connection with ${waiting} request(s) waiting`,
        ),
      );
      return;
    }
    this.close(this.error ?? new ControlChannelError("closed", "the server closed the connection"));
  }

  fail(cause: unknown): void {
    if (this.status !== "open") return;
    const message = cause instanceof Error ? cause.message : String(cause);
    this.failWith(
      new ControlChannelError("transport", `the control connection failed: ${message}`, { cause }),
    );
  }

  setTransport(transport: ControlTransport): void {
    this.transport = transport;
  }

  pauseTimeouts(): () => void {
    this.pauses++;
    this.disarm();
    let resumed = false;
    return () => {
      if (resumed) return;
      resumed = true;
      this.pauses--;
      this.arm();
    };
  }

  setEncoding(encoding: string, commandEncoding?: CommandEncoding): void {
    this.connection.setEncoding(encoding);
    if (commandEncoding !== undefined) this.commandEncoding = commandEncoding;
  }

  // ───────────────────────────── internals ─────────────────────────────

  private makeRequest(line: string, options: SendOptions): Request {
    let resolve!: (response: ControlResponse) => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<ControlResponse>((yes, no) => {
      resolve = yes;
      reject = no;
    });
    return { line, options, promise, resolve, reject, callbackError: undefined, settled: false };
  }

  private write(
    verb: string,
    arg: CommandArgument | undefined,
    options: SendOptions,
    telnet: { inline: number[]; synch: number[] } | undefined,
  ): Promise<ControlResponse> {
    let bytes: Uint8Array;
    try {
      bytes = encodeCommand(verb, arg, this.commandEncoding);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.status !== "open") {
      const error = this.error;
      return Promise.reject(
        this.status === "failed"
          ? new ControlChannelError("failed", `the control channel failed earlier: ${error?.message}`, {
              cause: error,
            })
          : new ControlChannelError("closed", "the control channel is closed", {
              reply: error?.reply,
              cause: error,
            }),
      );
    }
    const line = maskedLine(verb, arg);
    const request = this.makeRequest(line, options);
    this.requests.push(request);
    // The command goes into the connection before the server can answer it (a transport may answer at once).
    this.connection.fromClient(
      telnet === undefined ? bytes : new Uint8Array([...telnet.inline, ...telnet.synch, ...bytes]),
    );
    this.observe(() => this.options.onCommand?.(line));
    try {
      if (telnet !== undefined && this.transport.writeUrgent !== undefined) {
        this.transport.write(new Uint8Array(telnet.inline));
        this.transport.writeUrgent(new Uint8Array(telnet.synch));
      } else if (telnet !== undefined) {
        // One write: servers that read the control connection in chunks see one line.
        bytes = new Uint8Array([...telnet.inline, ...telnet.synch, ...bytes]);
      }
      this.transport.write(bytes);
    } catch (error) {
      this.fail(error);
      return request.promise;
    }
    if (this.requests.length === 1 && this.greetingRequest === undefined) this.arm();
    return request.promise;
  }

  /** The request the next reply belongs to: the greeting until it is complete, then the oldest command. */
  private current(): Request | undefined {
    return this.greetingRequest ?? this.requests[0];
  }

  /** A reply, once the session has paired it (an exchange it completed has been handled in `onExchange`). */
  private onReply(reply: Reply): void {
    if (this.status !== "open") return;
    this.observe(() => this.options.onReply?.(reply));
    this.arm();
    const target = this.current();
    if (reply.code >= 200 || target === undefined) return;
    const onPreliminary = target.options.onPreliminary;
    if (onPreliminary === undefined) return;
    try {
      onPreliminary(reply);
    } catch (error) {
      target.callbackError ??= error;
    }
  }

  private onProblem(problem: ConnectionProblem): void {
    if (
      problem.layer === "reply" &&
      problem.type !== "missing-space" &&
      problem.type !== "mismatched-close"
    ) {
      this.failWith(
        new ControlChannelError("framing", `the reply stream is broken: ${problem.message}`, {
          cause: problem,
        }),
      );
      return;
    }
    this.observe(() => this.options.onWarning?.(problem));
  }

  private onExchange(exchange: Exchange): void {
    if (this.status !== "open") return;
    // At the end, the channel fails the requests still waiting itself (`closed`).
    if (this.ending && exchange.final === undefined) return;
    const final = exchange.final;
    if (exchange.kind === "unmatched-reply" || exchange.kind === "unsolicited") {
      const reply = exchange.replies[0]!;
      if (exchange.kind === "unsolicited") {
        this.close(
          new ControlChannelError(
            "closed",
            `the server is closing the connection: ${reply.lines.join(" / ")}`,
            { reply },
          ),
        );
        return;
      }
      this.failWith(
        new ControlChannelError(
          "unexpected-reply",
          `reply ${reply.code} came while no command was waiting for one: the reply stream is out of step`,
          { reply },
        ),
      );
      return;
    }
    const request = exchange.kind === "greeting" ? this.greetingRequest : this.requests[0];
    if (request === undefined) return;
    if (exchange.kind === "greeting") this.greetingRequest = undefined;
    else this.requests.shift();
    if (final === undefined) {
      this.failWith(
        new ControlChannelError("framing", `the reply to ${request.line || "the greeting"} was lost`),
        request,
      );
      return;
    }
    if (this.options.strict === true && exchange.diagnostics.some((d) => d.type === "invalid-reply")) {
      this.failWith(
        new ControlChannelError(
          "invalid-reply",
          `reply ${final.code} is not a reply to ${request.line || "the greeting"} (RFC 959 §5.4): the reply stream is taken to be out of step`,
          { reply: final, command: request.line },
        ),
        request,
      );
      return;
    }
    const switchEncoding = request.options.switchEncoding;
    if (switchEncoding !== undefined && final.code >= 200 && final.code < 300) {
      // From the byte after this reply: the replies after it in the same chunk are read the new way.
      this.connection.setEncoding(switchEncoding);
      const commandEncoding =
        request.options.commandEncoding ?? (isUtf8Label(switchEncoding) ? "utf-8" : undefined);
      if (commandEncoding !== undefined) this.commandEncoding = commandEncoding;
    }
    request.settled = true;
    if (request.callbackError !== undefined) {
      request.reject(
        new ControlChannelError("callback-threw", `a callback of ${request.line} threw`, {
          command: request.line,
          reply: final,
          cause: request.callbackError,
        }),
      );
    } else {
      request.resolve(responseOf(request.line, exchange, final));
    }
    if (final.code === 421) {
      this.close(
        new ControlChannelError(
          "closed",
          `the server is closing the connection: ${final.lines.join(" / ")}`,
          { reply: final },
        ),
      );
      return;
    }
    if (this.current() === undefined) this.disarm();
    else this.arm();
  }

  /** (Re)starts the timeout while a reply is awaited and no transfer pauses it. */
  private arm(): void {
    this.disarm();
    const request = this.current();
    if (request === undefined || this.pauses > 0 || this.status !== "open") return;
    const ms = request.options.timeout ?? this.options.timeout ?? DEFAULT_TIMEOUT_MS;
    if (ms <= 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.failWith(
        new ControlChannelError("timeout", `no reply to ${request.line || "the greeting"} within ${ms} ms`, {
          command: request.line,
        }),
      );
    }, ms);
  }

  private disarm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Rejects everything waiting with `error` (or `first` with it and the rest with it too) and fails the channel. */
  private failWith(error: ControlChannelError, first?: Request): void {
    if (this.status === "failed") return;
    this.status = "failed";
    this.error = error;
    this.rejectAll(error, first);
  }

  /** The server is closing (421) or has closed: requests still waiting are rejected. */
  private close(error: ControlChannelError): void {
    if (this.status !== "open") return;
    this.status = "closed";
    this.error = error;
    this.rejectAll(error);
  }

  private rejectAll(error: ControlChannelError, first?: Request): void {
    this.disarm();
    const waiting = [
      ...(first === undefined ? [] : [first]),
      ...(this.greetingRequest === undefined ? [] : [this.greetingRequest]),
      ...this.requests,
    ];
    this.greetingRequest = undefined;
    this.requests.length = 0;
    for (const request of waiting) {
      if (request.settled) continue;
      request.settled = true;
      request.reject(error);
    }
  }

  /** Runs an observer callback; what it throws is not the channel's business. */
  private observe(callback: () => void): void {
    try {
      callback();
    } catch {
      // An observer (log) failed: the exchange goes on.
    }
  }
}

/**
 * A control channel writing through `transport`. Feed it what the server sends (`feed`, `end`, `fail`); the
 * Node adapter `attachControlSocket` does that for a socket.
 *
 * ```ts
 * const channel = createControlChannel({ write: (bytes) => socket.write(bytes) }, { timeout: 10_000 });
 * socket.on("data", (chunk) => channel.feed(chunk));
 * await channel.greeting;
 * const { code } = await channel.send("USER", name);
 * ```
 */
export function createControlChannel(
  transport: ControlTransport,
  options: ControlChannelOptions = {},
): ControlChannel {
  return new Channel(transport, options);
}
