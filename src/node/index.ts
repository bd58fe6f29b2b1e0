export {
  type AbortTransferOptions,
  abortTransfer,
  attachControlSocket,
  type ConnectControlOptions,
  type ControlConnection,
  connectControl,
  type DataConnectionOptions,
  openDataConnection,
  runTransfer,
  type TransferOptions,
} from "./client.js";
export * from "./pcap/index.js";
export { type ByteSource, InputError, isInputError, openSource } from "./sources.js";
export {
  detectTranscriptFormat,
  INPUT_FORMAT_NAMES,
  isTranscriptFormatError,
  type ReadTranscriptOptions,
  readTranscript,
  TRANSCRIPT_FORMATS,
  type TranscriptDiagnostic,
  type TranscriptDiagnosticType,
  type TranscriptDirection,
  type TranscriptEvent,
  type TranscriptFormat,
  TranscriptFormatError,
  type TranscriptFormatName,
  type TranscriptProblem,
  type TranscriptReader,
  type TranscriptSink,
} from "./transcripts/index.js";
export {
  type CompiledLogFormat,
  compileLogFormat,
  LogFormatError,
  logFormatsOfConfig,
} from "./transcripts/log-format.js";
