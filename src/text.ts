/** Line decoding lives in `lines/decode.ts`; this module keeps the old import path. */
export { createTextDecoder, excerptOf, type TextDecodeFunction } from "./lines/text.js";
