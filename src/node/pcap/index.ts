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
  analyzeFtpCaptureFiles,
  type FtpCaptureFilesCallbacks,
  type FtpCaptureFilesOptions,
  type FtpCaptureFilesResult,
  listCaptureFiles,
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
} from "./ftp.js";
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
