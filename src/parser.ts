/** The reply parser lives in `reply/parser.ts`; this module keeps the old import path. */
export * from "./reply/parser.js";
