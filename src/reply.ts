/** `Reply` lives in `reply/reply.ts`; this module keeps the old import path. */
export { createReply } from "./reply/annotated.js";
export type { PlainReply, Reply } from "./reply/reply.js";
