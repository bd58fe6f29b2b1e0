export { ReplyParseError, type ReplyParseErrorInit, type ReplyParseErrorType } from "./errors.js";
export {
  createReplyParser,
  DEFAULT_MAX_LINE_LENGTH,
  DEFAULT_MAX_REPLY_SIZE,
  parseReplies,
  type ReplyLine,
  type ReplyParser,
  type ReplyParserCallbacks,
  type ReplyParserOptions,
  type TelnetCommand,
} from "./parser.js";
export { createReply, type Reply } from "./reply.js";
export { ReplyParserStream, type ReplyStreamOptions, readReplies } from "./stream.js";
export { createTextDecoder, type TextDecodeFunction } from "./text.js";
