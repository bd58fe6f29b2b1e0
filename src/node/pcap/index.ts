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
  isCaptureFormatError,
} from "./errors.js";
export {
  analyzeFtpCapture,
  type ControlConnection,
  createFtpCaptureAnalyzer,
  type DataConnection,
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
  createCaptureReader,
  DEFAULT_MAX_BLOCK_SIZE,
  readCapture,
} from "./reader.js";
export {
  createTcpReassembler,
  DEFAULT_MAX_BUFFERED_BYTES,
  type FlowDirection,
  type ReassemblyCallbacks,
  type ReassemblyOptions,
  type TcpConnection,
  type TcpEndpoint,
  type TcpReassembler,
} from "./reassembly.js";
