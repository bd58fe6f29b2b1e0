export * from "./client/index.js";
export {
  type CodeDefinition,
  type CodeInfo,
  describeCode,
  type FormatCodeOptions,
  FUNCTION_GROUPS,
  formatCode,
  formatDefinition,
  type KnownReplyCode,
  type Lang,
  type LocalizedText,
  listCodes,
  REPLY_CLASSES,
  REPLY_CODES,
  type ReplyClass,
} from "./codes.js";
export * from "./command/parser.js";
export * from "./connection/index.js";
export * from "./decode/index.js";
export type { ReplyEncoding } from "./encoding.js";
export {
  isParseError,
  isReplyParseError,
  ParseError,
  ReplyParseError,
  type ReplyParseErrorInit,
  type ReplyParseErrorType,
} from "./errors.js";
export { createTextDecoder, type TextDecodeFunction } from "./lines/text.js";
export type { Problem, ProblemLayer } from "./problem.js";
export * from "./records.js";
export { createReply } from "./reply/annotated.js";
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
} from "./reply/parser.js";
export type { PlainReply, Reply } from "./reply/reply.js";
export {
  ReplyParserStream,
  type ReplyParserStreamConstructor,
  type ReplyStreamOptions,
  readReplies,
} from "./stream.js";
