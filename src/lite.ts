/**
 * `ftp-reply/lite`: the reply parser and its stream adapters without the code table. Replies are the same but for
 * `info` (the documented meaning of the code), which they do not carry: a bundle that parses and never annotates
 * ships a third of the full entry. Look a code up when you need it with `describeCode` from `ftp-reply`.
 *
 * ```ts
 * import { createReplyParser } from "ftp-reply/lite";
 *
 * const parser = createReplyParser({ onReply: (r) => console.log(r.code, r.text), onError: console.warn });
 * parser.feed("227 Entering Passive Mode (127,0,0,1,4,1)\r\n");
 * ```
 */
import { isReplyParseError, ReplyParseError, type ReplyParseErrorType } from "./errors.js";
import {
  createReplyReaderWith,
  DEFAULT_MAX_LINE_LENGTH,
  DEFAULT_MAX_REPLY_SIZE,
  parseRepliesWith,
  type ReplyLine,
  type ReplyParser,
  type ReplyParserCallbacks,
  type ReplyParserOptions,
  type TelnetCommand,
} from "./reply/framing.js";
import { makePlainReply, type PlainReply } from "./reply/reply.js";
import {
  defineReplyParserStream,
  type ReplyParserStreamConstructor,
  type ReplyStreamOptions,
  readRepliesWith,
} from "./stream.js";

export type { ReplyEncoding } from "./encoding.js";
export {
  DEFAULT_MAX_LINE_LENGTH,
  DEFAULT_MAX_REPLY_SIZE,
  isReplyParseError,
  type PlainReply,
  type ReplyLine,
  ReplyParseError,
  type ReplyParseErrorType,
  type ReplyParser,
  type ReplyParserCallbacks,
  type ReplyParserOptions,
  type ReplyStreamOptions,
  type TelnetCommand,
};

/** Creates a streaming reply parser whose replies carry no `info`. */
export function createReplyParser(
  callbacks: ReplyParserCallbacks<PlainReply>,
  options: ReplyParserOptions = {},
): ReplyParser {
  // No memory accounting here (the full entry's parser has it, for the tests): every byte of this entry counts.
  const { feed, end, reset } = createReplyReaderWith(makePlainReply, callbacks, options);
  return { feed, end, reset };
}

/** Parses a whole input at once. Throws the first `ReplyParseError` (replies before it are on `error.replies`). */
export function parseReplies(input: Uint8Array | string, options: ReplyParserOptions = {}): PlainReply[] {
  return parseRepliesWith(makePlainReply, input, options, parseReplies);
}

/** Reads replies (without `info`) from an async source of chunks. */
export function readReplies(
  source: AsyncIterable<Uint8Array | string>,
  options: ReplyStreamOptions = {},
): AsyncGenerator<PlainReply, void, undefined> {
  return readRepliesWith(makePlainReply, source, options);
}

/** A `TransformStream` from chunks to replies without `info`. */
export const ReplyParserStream: ReplyParserStreamConstructor<PlainReply> =
  /* @__PURE__ */ defineReplyParserStream(makePlainReply);
