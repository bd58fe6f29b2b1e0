/**
 * The reply parser of the full entry: the one reply grammar (`framing.ts`) making annotated replies — each with the
 * documented meaning of its code (`reply.info`).
 *
 * ```ts
 * const parser = createReplyParser({ onReply: (r) => console.log(r.code, r.text), onError: console.warn });
 * parser.feed("220-Welcome\r\n220 ready\r");
 * parser.feed("\n"); // 220 "Welcome\nready"
 * parser.end();
 * ```
 */

import { makeReply } from "./annotated.js";
import {
  type ReplyParserCallbacks as CallbacksOf,
  createReplyReaderWith,
  parseRepliesWith,
  publicParser,
  type ReplyParser,
  type ReplyParserOptions,
  type ReplyReader,
} from "./framing.js";
import type { Reply } from "./reply.js";

export {
  DEFAULT_MAX_LINE_LENGTH,
  DEFAULT_MAX_REPLY_SIZE,
  type ReplyLine,
  type ReplyParser,
  type ReplyParserOptions,
  type ReplyReader,
  type TelnetCommand,
} from "./framing.js";

/** The callbacks of the full entry's parser: its replies carry `info`. */
export type ReplyParserCallbacks = CallbacksOf<Reply>;

/** The reply parser with `skip`, for a control connection. */
export function createReplyReader(
  callbacks: ReplyParserCallbacks,
  options: ReplyParserOptions = {},
): ReplyReader {
  return createReplyReaderWith(makeReply, callbacks, options);
}

/** Creates a streaming reply parser: feed it chunks, get replies through `onReply`. */
export function createReplyParser(
  callbacks: ReplyParserCallbacks,
  options: ReplyParserOptions = {},
): ReplyParser {
  return publicParser(createReplyReaderWith(makeReply, callbacks, options));
}

/** Parses a whole input at once. Throws the first `ReplyParseError` (replies before it are on `error.replies`). */
export function parseReplies(input: Uint8Array | string, options: ReplyParserOptions = {}): Reply[] {
  return parseRepliesWith(makeReply, input, options, parseReplies);
}
