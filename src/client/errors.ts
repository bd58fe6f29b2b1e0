/**
 * Errors of the client side: a command that cannot be encoded safely, and a control channel that failed.
 * Each carries a stable `type` string to switch on.
 */
import type { Reply } from "../reply/reply.js";

/**
 * Why a command was refused before a byte was written.
 *
 * - `forbidden-byte` the argument holds CR, LF or NUL (RFC 959 §4.1: a command line ends at CRLF, so these would
 *                    end the line early and start another command: command injection).
 * - `invalid-verb`   the verb is not 1–16 ASCII letters (RFC 959 §5.3.1).
 * - `unencodable`    a character of the argument has no byte in the connection's encoding.
 */
export type CommandEncodeErrorType = "forbidden-byte" | "invalid-verb" | "unencodable";

export class CommandEncodeError extends Error {
  override readonly name = "CommandEncodeError";
  readonly type: CommandEncodeErrorType;
  /** The verb of the refused command. */
  readonly verb: string;
  /** Position of the offending character (text) or byte (bytes) in the argument or verb, when there is one. */
  readonly index: number | undefined;

  constructor(type: CommandEncodeErrorType, verb: string, message: string, index?: number) {
    super(message);
    this.type = type;
    this.verb = verb;
    this.index = index;
  }
}

/**
 * Why a request (or the whole channel) failed.
 *
 * - `timeout`          no final reply within the request's timeout; the channel is failed, since a reply that comes
 *                      later would be paired with the next command.
 * - `unexpected-reply` a reply came while no command was waiting for one: the stream is out of step.
 * - `invalid-reply`    (with `strict`) a reply RFC 959 §5.4 does not allow for its command: the stream is taken to be
 *                      out of step.
 * - `framing`          the reply parser found bytes that are not a well-formed reply (or dropped a reply).
 * - `closed`           the stream ended, or the server said 421, while requests waited (or a request was made
 *                      after that).
 * - `transport`        the transport failed (a socket error) or writing threw.
 * - `failed`           a request made after the channel failed: `cause` is the error that failed it.
 * - `callback-threw`   a callback of this request (`onPreliminary`) threw: the request rejects, the channel goes on.
 * - `passive-refused`  (createPassiveMode) every passive command was refused; the channel goes on.
 */
export type ControlChannelErrorType =
  | "timeout"
  | "unexpected-reply"
  | "invalid-reply"
  | "framing"
  | "closed"
  | "transport"
  | "failed"
  | "callback-threw"
  | "passive-refused";

export class ControlChannelError extends Error {
  override readonly name = "ControlChannelError";
  readonly type: ControlChannelErrorType;
  /** The reply concerned (the unexpected one, the 421 …), if any. */
  readonly reply: Reply | undefined;
  /** The command line concerned (PASS masked), if any. */
  readonly command: string | undefined;

  constructor(
    type: ControlChannelErrorType,
    message: string,
    details: { reply?: Reply | undefined; command?: string | undefined; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.type = type;
    this.reply = details.reply;
    this.command = details.command;
  }
}
