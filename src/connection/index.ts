/**
 * The control connection's public API: the composition (connection.ts), the session that pairs commands with
 * replies (session.ts) and its types (types.ts), the command–reply rules of RFC 959 §5.4 (rules.ts) and path
 * resolution (path.ts). What each final reply teaches the session is in learn.ts.
 */

export {
  type ConnectionProblem,
  type ControlConnection,
  type ControlConnectionOptions,
  createControlConnection,
  type Direction,
} from "./connection.js";
export { resolvePath } from "./path.js";
export { type CommandReplies, isValidReplyFor, repliesForCommand } from "./rules.js";
export * from "./session.js";
export * from "./types.js";
