/**
 * The control connection: the one composition of the layers that every source uses — a socket, a raw file, a
 * log, a capture. Client→server bytes go to the command parser, server→client bytes to the reply parser, and both
 * into one session that pairs them (RFC 959 §5.4) and follows what the client and server agreed on. Timestamps,
 * gaps in the bytes and the endpoints come with the bytes; every problem of every layer comes out in one shape.
 *
 * ```ts
 * const connection = createControlConnection({ onExchange: (e) => console.log(e.command?.verb, e.final?.code) });
 * connection.fromServer("220 ready\r\n", 0.0);
 * connection.fromClient("USER anonymous\r\n", 0.1);
 * connection.fromServer("331 password please\r\n", 0.2); // USER anonymous → 331
 * connection.end(0.3);
 * ```
 */
import {
  type Command,
  type CommandParserOptions,
  type CommandReader,
  createCommandReader,
} from "../command/parser.js";
import { RETAINED_BYTES, type RetainsBytes, retainedBytesOf } from "../lines/memory.js";
import type { TelnetCommand } from "../lines/telnet.js";
import type { Problem } from "../problem.js";
import { createReplyReader, type ReplyParserOptions, type ReplyReader } from "../reply/parser.js";
import type { Reply } from "../reply/reply.js";
import { createSession } from "./session.js";
import type { Diagnostic, Exchange, Session, SessionOptions, SessionState } from "./types.js";

/** Who sent the bytes: the client (commands) or the server (replies). */
export type Direction = "client" | "server";

export interface ControlConnectionOptions {
  /** Text encoding of both directions (see the reply parser's `encoding`). Default UTF-8. */
  encoding?: string | undefined;
  /** Encoding of lines that are not UTF-8 in `auto` mode. */
  fallbackEncoding?: string | undefined;
  /** Interpret Telnet (RFC 854) in both directions. Default true. */
  telnet?: boolean | undefined;
  /** The reply parser's limits and framing options. */
  replies?: Omit<ReplyParserOptions, "encoding" | "fallbackEncoding" | "telnet"> | undefined;
  /** The command parser's limit. */
  commands?: Pick<CommandParserOptions, "maxLineLength"> | undefined;
  /** The session's options: passwords, greeting, endpoints, caps. */
  session?: Omit<SessionOptions, "onExchange" | "onDiagnostic"> | undefined;
  /**
   * After 234 to AUTH (RFC 4217) the bytes are TLS records: a passive observer (a capture) cannot read them, and
   * they are not parsed (one `encrypted` problem per direction). Default true; false for a client that hands the
   * connection its decrypted bytes.
   */
  encryptedAfterAuth?: boolean | undefined;
  /**
   * With `encryptedAfterAuth`: each chunk of bytes that is not read because the connection is protected (the TLS
   * records after 234 to AUTH), for a reader of the TLS handshake (a capture's; see src/node/pcap/tls.ts).
   */
  onEncrypted?(chunk: Uint8Array, direction: Direction, ts: number | undefined): void;
  /** Each command with its replies, as soon as its final reply came (or at the end). */
  onExchange?(exchange: Exchange): void;
  /** Each reply as it completes, with the timestamp it came with, once the session has paired it. */
  onReply?(reply: Reply, ts: number | undefined): void;
  /** Each command as it completes, with the timestamp it came with. */
  onCommand?(command: Command, ts: number | undefined): void;
  /** Every problem any layer found, in one shape. */
  onProblem?(problem: ConnectionProblem): void;
  /** Telnet commands removed from either direction. */
  onTelnet?(command: TelnetCommand, direction: Direction): void;
}

/** A problem of a control connection: the shared `Problem` shape, with the direction whose bytes showed it. */
export interface ConnectionProblem extends Problem {
  readonly layer: "reply" | "command" | "dialogue" | "connection";
  /** Whose bytes showed it (absent for dialogue problems, which are about both). */
  readonly direction?: Direction | undefined;
  /** The timestamp of the bytes (or event) that showed it. */
  readonly ts?: number | undefined;
  /** The dialogue's own record of it, for dialogue problems. */
  readonly diagnostic?: Diagnostic | undefined;
}

export interface ControlConnection {
  /** Server→client bytes, with their timestamp (seconds in captures and logs) when known. */
  fromServer(chunk: Uint8Array | string, ts?: number): void;
  /** Client→server bytes, with their timestamp when known. */
  fromClient(chunk: Uint8Array | string, ts?: number): void;
  /**
   * `missing` bytes of one direction are not there (a capture's hole): the unfinished line is dropped and reading
   * goes on after it; offsets stay those of the whole stream. A single-line reply cut by the hole counts as lost.
   */
  gap(direction: Direction, missing: number, ts?: number): void;
  /** The connection ended: unfinished lines are reported, commands still waiting are emitted unanswered. */
  end(ts?: number): void;
  /**
   * From the next line on, both directions are text in another encoding (after the 200 to `OPTS UTF8 ON`, RFC
   * 2640 §3.1). Called from a callback, it takes effect right after the reply or command being delivered.
   */
  setEncoding(encoding: string, fallbackEncoding?: string): void;
  /** What the session knows now. */
  readonly state: SessionState;
}

/** Creates a control connection: bytes of both directions in, exchanges out. */
export function createControlConnection(options: ControlConnectionOptions = {}): ControlConnection {
  let ts: number | undefined;
  const encryptedAfterAuth = options.encryptedAfterAuth ?? true;
  const encryptedReported = { client: false, server: false };
  const problem = (p: ConnectionProblem): void => options.onProblem?.(p);

  const session: Session = createSession({
    ...options.session,
    ...(options.onExchange === undefined ? {} : { onExchange: options.onExchange }),
    onDiagnostic: (diagnostic) =>
      problem({
        layer: "dialogue",
        type: diagnostic.type,
        message: diagnostic.message,
        ts: diagnostic.ts,
        diagnostic,
        // Not a conditional spread: one problem per reply of a server-only capture, and a spread's shapes cost.
        code: diagnostic.reply?.code,
      }),
  });

  const replies: ReplyReader = createReplyReader(
    {
      onReply(reply) {
        // Paired first: when `onReply` runs, the session (and `onExchange`) has seen the reply.
        session.reply(reply, ts);
        options.onReply?.(reply, ts);
      },
      onError(error) {
        problem({ ...fromError(error, "reply", "server"), ts });
        // A reply dropped at a limit still answered its command: the replies after it stay paired with theirs.
        if (error.type === "reply-too-long" || error.type === "line-too-long")
          session.lostReply(error.code, ts);
      },
      onWarning(warning) {
        problem({ ...fromError(warning, "reply", "server"), ts });
      },
      ...(options.onTelnet === undefined
        ? {}
        : { onTelnet: (command) => options.onTelnet?.(command, "server") }),
    },
    {
      ...options.replies,
      encoding: options.encoding,
      fallbackEncoding: options.fallbackEncoding,
      telnet: options.telnet,
    },
  );
  const commands: CommandReader = createCommandReader(
    {
      onCommand(command) {
        options.onCommand?.(command, ts);
        session.command(command, ts);
      },
      onError(error) {
        problem({ ...fromError(error, "command", "client"), ts });
      },
      onWarning(warning) {
        problem({ ...fromError(warning, "command", "client"), ts });
      },
      ...(options.onTelnet === undefined
        ? {}
        : { onTelnet: (command) => options.onTelnet?.(command, "client") }),
    },
    {
      ...options.commands,
      encoding: options.encoding,
      fallbackEncoding: options.fallbackEncoding,
      telnet: options.telnet,
    },
  );

  /** True when the direction's bytes are TLS records now (reported once). */
  const encrypted = (direction: Direction): boolean => {
    if (!encryptedAfterAuth || !session.state.secured) return false;
    if (!encryptedReported[direction]) {
      encryptedReported[direction] = true;
      problem({
        layer: "connection",
        type: "encrypted",
        message: `the control connection is protected by TLS (234 to AUTH); ${direction} bytes from here on are not read`,
        direction,
        ts,
      });
    }
    return true;
  };

  const connection: ControlConnection & RetainsBytes = {
    fromServer(chunk, at) {
      ts = at;
      if (!encrypted("server")) replies.feed(chunk);
      else if (typeof chunk !== "string") options.onEncrypted?.(chunk, "server", at);
    },
    fromClient(chunk, at) {
      ts = at;
      if (!encrypted("client")) commands.feed(chunk);
      else if (typeof chunk !== "string") options.onEncrypted?.(chunk, "client", at);
    },
    gap(direction, missing, at) {
      ts = at;
      // A single-line reply cut by the hole still answered its command: the replies after it stay paired with
      // theirs. (A multi-line reply's closing line comes after the hole and answers it; a command cut by a hole
      // is not seen, and its reply then shows up as answering the next command.)
      if (direction === "server") {
        const lost = replies.skip(missing);
        if (lost > 0) session.lostReply(lost, at);
      } else commands.skip(missing);
    },
    end(at) {
      ts = at;
      commands.end();
      replies.end();
      session.end(at);
    },
    setEncoding(encoding, fallbackEncoding) {
      replies.setEncoding(encoding, fallbackEncoding);
      commands.setEncoding(encoding, fallbackEncoding);
    },
    get state() {
      return session.state;
    },
    // The memory accounting (a test hook under a symbol, see lines/memory.ts): both parsers and the session.
    [RETAINED_BYTES]: () => replies[RETAINED_BYTES]() + commands[RETAINED_BYTES]() + retainedBytesOf(session),
  };
  return connection;
}

/** A parser's error or warning as a connection problem. */
function fromError(
  error: { type: string; message: string; offset: number; excerpt: string; code?: number | undefined },
  layer: "reply" | "command",
  direction: Direction,
): ConnectionProblem {
  return {
    layer,
    type: error.type,
    message: error.message,
    offset: error.offset,
    excerpt: error.excerpt,
    direction,
    ...(error.code === undefined ? {} : { code: error.code }),
  };
}
