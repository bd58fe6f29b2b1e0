/**
 * Errors and diagnostics of the capture pipeline.
 *
 * A `CaptureFormatError` is fatal for the file: the framing of the capture is lost (wrong magic, a block length
 * that cannot be right, a file cut in the middle of a record). Everything before its `offset` has already been
 * delivered. A `CaptureDiagnostic` concerns one packet or one stream (a fragment, a gap, a packet that is not
 * IP …): it is reported and the reading goes on, so that nothing is dropped silently.
 */

import { brandError, errorBrand } from "../../brand.js";
import type { Problem } from "../../problem.js";

/** Why a capture file cannot be read on. */
export type CaptureFormatErrorType =
  /** The first bytes are neither a pcap nor a pcapng magic number. */
  | "bad-magic"
  /** The file ends inside a header, a record or a block. */
  | "truncated"
  /** A pcapng block length that is too small, not a multiple of 4, or differs from its trailing copy. */
  | "bad-block-length"
  /** A pcap record or pcapng block larger than the configured limit (`maxBlockSize`). */
  | "block-too-large"
  /** A pcap record whose captured length is larger than its block or impossible. */
  | "bad-record-length"
  /** A pcapng byte-order magic that is neither 0x1A2B3C4D nor its swap. */
  | "bad-byte-order"
  /** A packet block that names an interface not described before it. */
  | "unknown-interface";

/** A fatal error of the capture file's framing, with the byte offset in the file where it was found. */
export class CaptureFormatError extends Error {
  override readonly name = "CaptureFormatError";
  readonly type: CaptureFormatErrorType;
  /** Byte offset in the file of the header, record or block at fault. */
  readonly offset: number;

  constructor(type: CaptureFormatErrorType, message: string, offset: number) {
    super(`${message} at byte ${offset}`);
    this.type = type;
    this.offset = offset;
    brandError(this, "CaptureFormatError");
  }
}

/** True for a `CaptureFormatError` from any copy of this library (a brand check, not `instanceof`). */
export function isCaptureFormatError(value: unknown): value is CaptureFormatError {
  return errorBrand(value) === "CaptureFormatError";
}

/** A packet- or stream-level problem: reported, then the reading goes on. */
export type CaptureDiagnosticType =
  /** The capture's link type is not one this reader decodes; the packet is counted, not analysed. */
  | "unsupported-link-type"
  /** The packet is neither IPv4 nor IPv6 (ARP, LLDP …); counted, not analysed. */
  | "not-ip"
  /** The IP header is damaged or cut by the snapshot length. */
  | "malformed-ip"
  /** An IP fragment: fragments are not reassembled, the packet is reported and skipped. */
  | "ip-fragment"
  /** The TCP header is damaged or cut by the snapshot length. */
  | "malformed-tcp"
  /** The packet was cut by the snapshot length: TCP payload bytes are missing from the capture. */
  | "snapped-packet"
  /** Bytes of a TCP stream never appear in the capture; the stream goes on after them. */
  | "gap"
  /** A retransmitted segment carries bytes different from the ones first seen; the first ones are kept. */
  | "overlap-mismatch"
  /** More out-of-order bytes than `maxBufferedBytes` were waiting: the stream skips to the first of them. */
  | "buffer-overflow"
  /** A stream starts without its SYN (the capture began mid-connection). */
  | "missing-handshake"
  /** A pcapng block whose type is not read (name resolution, statistics, custom …); it is skipped. */
  | "skipped-block"
  /** A reply or command stream could not be parsed at some byte (from the FTP layer). */
  | "ftp"
  /** The control connection switched to TLS (234 to AUTH, RFC 4217): its bytes from here on are not read. */
  | "encrypted"
  /** A pcapng timestamp outside years 0001–9999: the packet gets the previous packet's time. */
  | "timestamp-out-of-range"
  /**
   * A cap on per-connection state was reached and the oldest state of that kind was dropped (`what` says which
   * cap, `dropped` how many so far). See docs/pcap-limits.md.
   */
  | "state-dropped"
  /** A file on a data connection lost bytes in the capture: its hashes are not given (files.ts). */
  | "hash-unknown"
  /** A file could not be extracted (the folder, the open-files cap, a write error). */
  | "extract-failed"
  /** An extracted copy stops at the size cap (`maxExtractBytes`, `--extract-max`). */
  | "extract-cutoff";

/** Which cap a `state-dropped` diagnostic is about (each is an option; see docs/pcap-limits.md). */
export type DroppedState =
  /** `maxHalfOpenConnections`: a connection whose responder never answered was forgotten. */
  | "half-open-connection"
  /** `maxConnections`: the oldest open connection was closed early (as at the end of the capture). */
  | "connection"
  /** `maxLingeringConnections`: a closed connection was forgotten before its linger time. */
  | "lingering-connection"
  /** `maxPendingDataConnections`: a data-connection announcement or transfer waiting for its match was dropped. */
  | "pending-data-connection";

export interface CaptureDiagnostic extends Problem {
  /** The layer that found it (see `Problem`, the shape every layer's problems share). */
  readonly layer: "capture";
  readonly type: CaptureDiagnosticType;
  readonly message: string;
  /** 1-based number of the packet (frame) concerned, as tshark counts them; 0 when not tied to a packet. */
  readonly frame: number;
  /** Byte offset in the capture file of the record or block concerned. */
  readonly fileOffset: number;
  /**
   * When several files are read as one capture (`analyzeFtpCaptureFiles`): the file being read when it was found;
   * `frame` and `fileOffset` count in that file.
   */
  readonly file?: string;
  /** The TCP connection concerned, by its index (tshark's `tcp.stream`). */
  readonly stream?: number;
  /** For stream diagnostics: the byte position in the reassembled direction (0 = first payload byte). */
  readonly streamOffset?: number;
  /** For `gap`: how many bytes are missing. */
  readonly missingBytes?: number;
  /** For stream diagnostics: which way the bytes flow. */
  readonly direction?: "client-to-server" | "server-to-client";
  /** For `state-dropped`: the cap that dropped state. */
  readonly what?: DroppedState;
  /** For `state-dropped`: states of that kind dropped so far in the capture. */
  readonly dropped?: number;
}

/**
 * Whether the `count`th occurrence of a repeated drop is reported: the 1st, 2nd, 4th, 8th … (each report gives
 * the count so far). A flood of a million drops then yields 21 diagnostics, not a million, and none is silent.
 */
export function isReportedDrop(count: number): boolean {
  return count > 0 && 2 ** Math.floor(Math.log2(count)) === count;
}
