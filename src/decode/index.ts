export { type AddressScope, addressScope } from "./address.js";
export { type EpsvPort, parseEpsv } from "./epsv.js";
export {
  isReplyDecodeError,
  isReplyRangeError,
  isReplySyntaxError,
  type ReplyDecodeError,
  type ReplyDecodeErrorInit,
  ReplyRangeError,
  type ReplyRangeErrorType,
  ReplySyntaxError,
  type ReplySyntaxErrorType,
} from "./errors.js";
export { type Feature, parseFeatures } from "./features.js";
export { type LpsvAddress, parseLpsv } from "./lpsv.js";
export { parseModifyTime } from "./mdtm.js";
export type { ReplyInput } from "./message.js";
export {
  type PassivePolicy,
  type PassiveTarget,
  type PassiveTargetOptions,
  resolvePassiveTarget,
} from "./passive.js";
export { type PasvAddress, parsePasv } from "./pasv.js";
export { type PathnameBytesOptions, parsePathname, parsePathnameBytes } from "./pathname.js";
export {
  type EprtAddress,
  type LprtAddress,
  type PortAddress,
  parseEprt,
  parseLprt,
  parsePort,
} from "./port.js";
export { parseRestartMarker, type RestartMarker } from "./restart.js";
export { parseSize, parseTransferSize } from "./size.js";
export { parseSystemType, type SystemType } from "./system.js";
