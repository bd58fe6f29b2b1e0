/**
 * The dialogue layer's public API, kept at its historical path: the session (src/connection/session.ts), its
 * types (types.ts), the command–reply rules of RFC 959 §5.4 (rules.ts) and path resolution (path.ts). What each
 * final reply teaches the session is in src/connection/learn.ts.
 */
export { resolvePath } from "./connection/path.js";
export { type CommandReplies, isValidReplyFor, repliesForCommand } from "./connection/rules.js";
export * from "./connection/session.js";
export * from "./connection/types.js";
