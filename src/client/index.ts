export {
  type AbortOptions,
  type AbortResult,
  type ControlChannel,
  type ControlChannelOptions,
  type ControlChannelState,
  type ControlResponse,
  type ControlTransport,
  createControlChannel,
  type SendOptions,
} from "./channel.js";
export {
  createPassiveMode,
  formatEprtArgument,
  formatPortArgument,
  type PassiveCommand,
  type PassiveMode,
  type PassiveModeOptions,
} from "./data.js";
export { type CommandArgument, type CommandEncoding, encodeCommand, hasForbiddenBytes } from "./encoder.js";
export {
  CommandEncodeError,
  type CommandEncodeErrorType,
  ControlChannelError,
  type ControlChannelErrorType,
} from "./errors.js";
