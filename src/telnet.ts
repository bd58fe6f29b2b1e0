/** The Telnet machine lives in `lines/telnet.ts`; this module keeps the old import path. */
export * from "./lines/telnet.js";
