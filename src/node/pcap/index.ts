/** Packet captures: pcap/pcapng readers, link/IP/TCP decoding, TCP reassembly and the FTP analysis on top. */
export {
  type CaptureStats,
  createTcpCapture,
  readTcpStreams,
  type TcpCapture,
  type TcpCaptureCallbacks,
  type TcpCaptureOptions,
} from "./capture.js";
export {
  type DecodedFrame,
  type DecodeProblem,
  decodeFrame,
  formatAddress,
  formatEndpoint,
  LinkType,
  type TcpSegment,
} from "./decode.js";
export {
  type CaptureDiagnostic,
  type CaptureDiagnosticType,
  CaptureFormatError,
  type CaptureFormatErrorType,
  type DroppedState,
  isCaptureFormatError,
} from "./errors.js";
export {
  CaptureFiles,
  DEFAULT_HASHES,
  DEFAULT_MAX_EXTRACT_BYTES,
  DEFAULT_MAX_OPEN_EXTRACTIONS,
  ExtractDirError,
  type FileOptions,
  HASH_ALGORITHMS,
  type HashAlgorithm,
  type HashStatus,
  prepareExtractDir,
  safeFileName,
  type TransferredFile,
  transferFileName,
} from "./files.js";
export {
  analyzeFtpCapture,
  type ControlConnection,
  createFtpCaptureAnalyzer,
  type DataConnection,
  DEFAULT_MAX_PENDING_DATA_CONNECTIONS,
  type FtpCaptureAnalyzer,
  type FtpCaptureCallbacks,
  type FtpCaptureOptions,
  type FtpCaptureResult,
  type TransferInProgress,
} from "./ftp.js";
export {
  analyzeFtpCaptureFiles,
  type FtpCaptureFilesCallbacks,
  type FtpCaptureFilesOptions,
  type FtpCaptureFilesResult,
  listCaptureFiles,
} from "./many-captures.js";
export { MAGIC_NUMBERS, type MagicNumber, MIME_SNIFF_LENGTH, sniffMimeType } from "./mime.js";
export {
  type CapturedPacket,
  type CaptureFormat,
  type CaptureInterface,
  type CaptureReader,
  type CaptureReaderCallbacks,
  type CaptureReaderOptions,
  type CaptureReaderStats,
  createCaptureReader,
  DEFAULT_MAX_BLOCK_SIZE,
  MAX_CAPTURE_SECONDS,
  MIN_CAPTURE_SECONDS,
  readCapture,
} from "./reader.js";
export {
  createTcpReassembler,
  DEFAULT_MAX_BUFFERED_BYTES,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_HALF_OPEN_CONNECTIONS,
  DEFAULT_MAX_HELD_SEGMENTS,
  DEFAULT_MAX_LINGERING_CONNECTIONS,
  DEFAULT_MAX_TOTAL_BUFFERED_BYTES,
  DEFAULT_MAX_TOTAL_HELD_SEGMENTS,
  type FlowDirection,
  type ReassemblyCallbacks,
  type ReassemblyOptions,
  type ReassemblyStats,
  type TcpConnection,
  type TcpEndpoint,
  type TcpReassembler,
} from "./reassembly.js";
export { DEFAULT_MAX_SESSION_SUMMARIES, SessionSummaries, type SessionSummary } from "./sessions.js";
export {
  cipherSuiteName,
  createTlsReader,
  DEFAULT_MAX_TLS_HANDSHAKE_BYTES,
  type TlsCertificate,
  type TlsClientHello,
  type TlsHandshake,
  type TlsReader,
  type TlsServerHello,
  tlsVersionName,
} from "./tls.js";
export {
  decideVerdict,
  type TransferContext,
  TransferContexts,
  type TransferFacts,
  type TransferVerdict,
  VERDICT_RULES,
  type Verdict,
} from "./verdicts.js";
export {
  FILES_LOG_FIELDS,
  type FilesLogRecord,
  toFilesLogRecord,
} from "./zeek-files.js";
