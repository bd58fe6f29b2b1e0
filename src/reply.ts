/** `Reply` lives in `reply/reply.ts`; this module keeps the old import path. */
export { createReply, type Reply } from "./reply/reply.js";
