/**
 * Transfer integrity verdicts: whether a transfer carried the whole file, set against what the control
 * connection said of it — the size a `150 … (N bytes)` announced, the size a `213` to SIZE gave for the same
 * path (RFC 3659 §4), the offset a REST accepted with `350` (RFC 959 §4.1.3, RFC 3659 §5), the final reply
 * (226/250 done, 426/451 and other 4xx/5xx failed, none) and how the data connection ended. docs/pcap.md has
 * the rules; `decideVerdict` applies them in the order of `VERDICT_RULES`.
 */
import { FILE_TRANSFER_COMMANDS } from "../../connection/rules.js";
import type { Exchange } from "../../connection/types.js";

/** What a transfer's bytes say against its control connection. */
export type Verdict =
  /** The final reply says done and the bytes carried are the size expected (or no size was given). */
  | "complete"
  /** Like complete, after a REST: the bytes carried plus the REST offset are the file's size. */
  | "resumed"
  /** The transfer was stopped: a 4xx/5xx final reply after it began (426, 451 …) or a reset data connection. */
  | "aborted"
  /** Fewer bytes than expected, without a failure reply (226 all the same, or no final reply at all). */
  | "truncated"
  /** The final reply says done but more bytes than expected came, or the sizes the server gave disagree. */
  | "mismatch"
  /** Nothing to judge by: no transfer command is known for the data connection. */
  | "unknown";

/** What the control connection said about a transfer before it, kept with its exchange. */
export interface TransferContext {
  /** The offset of a REST accepted (350) just before, when one was. */
  readonly restOffset?: number | undefined;
  /** The size a SIZE reply (213) gave for the same path earlier in the session. */
  readonly sizeReply?: number | undefined;
}

/** The facts a verdict is decided on. */
export interface TransferFacts {
  readonly exchange: Exchange | undefined;
  readonly context: TransferContext | undefined;
  /** Bytes the data connection carried in the file's direction, holes included. */
  readonly carried: number;
  readonly closed: "fin" | "rst" | "end";
}

export interface TransferVerdict {
  readonly verdict: Verdict;
  /** Bytes this transfer should have carried, when known: the whole size, less the REST offset. */
  readonly expected?: number | undefined;
  /** Why, in a few words (which rule applied and on which numbers). */
  readonly reason: string;
}

/** Final replies that say the transfer is done (RFC 959 §4.2: 226 closing data connection, 250 action okay). */
const DONE_CODES: ReadonlySet<number> = new Set([226, 250]);

/**
 * Representation types whose bytes on the wire are the file's bytes. In ASCII (and EBCDIC) the server converts
 * line ends (RFC 959 §3.1.1.1), so sizes are not compared there.
 */
const BYTE_EXACT_TYPES: ReadonlySet<string> = new Set(["I", "L 8", "L8"]);

/** The rules, in the order they are tried; docs/pcap.md lists the same. */
export const VERDICT_RULES: readonly string[] = [
  "unknown: no transfer command is linked to the data connection",
  "aborted: the final reply is 4xx/5xx, or the data connection was reset before a 226/250",
  "truncated: no final reply, and fewer bytes than expected (or the capture ended with the data connection open)",
  "mismatch: the 150 size and the SIZE reply disagree (binary, no REST), or more bytes than expected came",
  "truncated: a 226/250, but fewer bytes than expected",
  "resumed: a 226/250 after a REST offset > 0 (bytes + offset = size when the size is known)",
  "complete: a 226/250 (bytes = size when the size is known and the type is binary)",
];

/**
 * The size the whole file has, as the server told it: the 150's `(N bytes)` for a download (for a REST
 * download servers announce either the whole size or the rest: whichever matches is taken), else the SIZE reply.
 */
function expectedBytes(
  exchange: Exchange,
  context: TransferContext | undefined,
  carried: number,
): { expected: number | undefined; disagree: boolean } {
  const rest = context?.restOffset ?? 0;
  const announced = exchange.fileSize;
  const size = context?.sizeReply;
  const verb = exchange.command?.verb ?? "";
  // Sizes announced for an upload are the server's guesses at best; only downloads are compared.
  if (verb !== "RETR") return { expected: undefined, disagree: false };
  const candidates: number[] = [];
  if (announced !== undefined) candidates.push(announced - rest, announced);
  if (size !== undefined) candidates.push(size - rest);
  if (candidates.length === 0) return { expected: undefined, disagree: false };
  const disagree =
    announced !== undefined && size !== undefined && announced !== size && announced !== size - rest;
  const expected = candidates.includes(carried) ? carried : candidates[0]!;
  return { expected: Math.max(0, expected), disagree };
}

/** Decides a transfer's verdict (rules in `VERDICT_RULES`, docs/pcap.md § Transfer verdicts). */
export function decideVerdict(facts: TransferFacts): TransferVerdict {
  const { exchange, context, carried, closed } = facts;
  const verb = exchange?.command?.verb;
  if (exchange === undefined || verb === undefined)
    return { verdict: "unknown", reason: "no transfer command" };
  const final = exchange.final?.code;
  const rest = context?.restOffset ?? 0;
  const exact = exchange.type === undefined || BYTE_EXACT_TYPES.has(exchange.type.toUpperCase());
  const { expected, disagree } = exact
    ? expectedBytes(exchange, context, carried)
    : { expected: undefined, disagree: false };
  const numbers = `${carried} bytes${expected === undefined ? "" : ` of ${expected} expected`}`;
  if (final !== undefined && final >= 400)
    return { verdict: "aborted", expected, reason: `${final}, ${numbers}` };
  const done = final !== undefined && DONE_CODES.has(final);
  if (closed === "rst" && !done)
    return { verdict: "aborted", expected, reason: `data connection reset, ${numbers}` };
  if (!done) {
    const why = final === undefined ? "no final reply" : `final reply ${final}`;
    return { verdict: "truncated", expected, reason: `${why}, ${numbers}` };
  }
  if (disagree) {
    return {
      verdict: "mismatch",
      expected,
      reason: `150 announced ${exchange.fileSize} bytes, SIZE said ${context?.sizeReply}`,
    };
  }
  if (expected !== undefined && carried > expected) return { verdict: "mismatch", expected, reason: numbers };
  if (expected !== undefined && carried < expected)
    return { verdict: "truncated", expected, reason: `${final}, ${numbers}` };
  if (rest > 0 && FILE_TRANSFER_COMMANDS.has(verb))
    return { verdict: "resumed", expected, reason: `${final} after REST ${rest}, ${numbers}` };
  return {
    verdict: "complete",
    expected,
    reason: `${final}, ${numbers}${exact ? "" : ` (type ${exchange.type}: sizes not compared)`}`,
  };
}

/** How many SIZE replies a session remembers (by path) for the transfers that follow. */
const MAX_REMEMBERED_SIZES = 16;

/**
 * Per control connection: the REST offset waiting for its transfer and the SIZE replies seen, so that each
 * transfer exchange gets its `TransferContext` when it is emitted.
 */
export class TransferContexts {
  #rest: number | undefined;
  readonly #sizes = new Map<string, number>();
  /** Each transfer exchange's context (weakly held: it goes with its exchange). */
  static readonly #contexts = new WeakMap<Exchange, TransferContext>();

  /** The context recorded for a transfer exchange. */
  static of(exchange: Exchange | undefined): TransferContext | undefined {
    return exchange === undefined ? undefined : TransferContexts.#contexts.get(exchange);
  }

  /** Each exchange of the control connection, in order. */
  exchange(exchange: Exchange): void {
    const verb = exchange.command?.verb;
    const code = exchange.final?.code;
    if (verb === undefined) return;
    if (verb === "REST") {
      // RFC 959 §4.1.3: 350 accepts the marker; the transfer command must follow.
      const offset = Number(exchange.command!.arg.trim());
      this.#rest = code === 350 && Number.isSafeInteger(offset) && offset >= 0 ? offset : undefined;
      return;
    }
    if (verb === "SIZE") {
      const key = exchange.path ?? exchange.command!.arg;
      if (code === 213 && exchange.fileSize !== undefined) {
        this.#sizes.delete(key);
        this.#sizes.set(key, exchange.fileSize);
        if (this.#sizes.size > MAX_REMEMBERED_SIZES) this.#sizes.delete(this.#sizes.keys().next().value!);
      }
      return;
    }
    if (!FILE_TRANSFER_COMMANDS.has(verb) && verb !== "LIST" && verb !== "NLST" && verb !== "MLSD") return;
    const key = exchange.path ?? exchange.command!.arg;
    TransferContexts.#contexts.set(exchange, {
      restOffset: this.#rest,
      sizeReply: FILE_TRANSFER_COMMANDS.has(verb) ? this.#sizes.get(key) : undefined,
    });
    this.#rest = undefined;
  }
}
