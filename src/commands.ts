/** The command parser lives in `command/parser.ts`; this module keeps the old import path. */
export * from "./command/parser.js";
