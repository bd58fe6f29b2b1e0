/**
 * One shape for "a problem found in the input", whatever layer found it: the reply and command parsers, the
 * dialogue, a control connection, a log reader, a capture reader. Each layer's own record (`ReplyParseError`,
 * `Diagnostic`, a capture diagnostic …) carries these fields too; this is what code that handles all of them
 * reads.
 */

/** The layer that found a problem. */
export type ProblemLayer = "reply" | "command" | "dialogue" | "connection" | "log" | "capture";

export interface Problem {
  /** Which layer found it. */
  readonly layer: ProblemLayer;
  /** A stable name within the layer (`line-too-long`, `invalid-reply`, `gap` …). */
  readonly type: string;
  /** One line of English for people. */
  readonly message: string;
  /** Byte offset in the stream (or file) where it was found, when the layer counts bytes. */
  readonly offset?: number | undefined;
  /** 1-based line of a log, when it came from one. */
  readonly line?: number | undefined;
  /** Up to 80 characters of what was found there. */
  readonly excerpt?: string | undefined;
  /** The reply code concerned, when known. */
  readonly code?: number | undefined;
}
