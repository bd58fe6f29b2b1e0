/**
 * The capture pipeline up to TCP: file chunks → packets → segments → reassembled streams, with every packet
 * accounted for in `CaptureStats` (nothing is dropped silently).
 */
import { type DecodedFrame, decodeSegment, FrameSegment } from "./decode.js";
import type { CaptureDiagnostic, CaptureFormatError, DroppedState } from "./errors.js";
import {
  type CapturedPacket,
  type CaptureFormat,
  type CaptureReaderOptions,
  type CaptureReaderStats,
  createCaptureReader,
} from "./reader.js";
import {
  createTcpReassembler,
  type ReassemblyCallbacks,
  type ReassemblyOptions,
  type ReassemblyStats,
  type TcpConnection,
} from "./reassembly.js";

/** What happened to every packet of the capture. */
export interface CaptureStats {
  format: CaptureFormat | undefined;
  packets: number;
  /** Packets that carried a TCP segment (all of them went to reassembly). */
  tcpSegments: number;
  /** IP packets of other protocols (UDP, ICMP …), by IP protocol number. */
  otherProtocols: Record<number, number>;
  /** Frames that are not IP (ARP …). */
  notIp: number;
  /** Packets skipped for a problem, by diagnostic type (fragments, malformed headers, unknown link types). */
  skipped: Record<string, number>;
  /** TCP connections seen. */
  connections: number;
  /** pcapng blocks skipped (statistics, name resolution …). */
  skippedBlocks: number;
  /** States dropped by each cap (see docs/pcap-limits.md); filled in at the end. */
  dropped: Partial<Record<DroppedState, number>>;
}

export interface TcpCaptureCallbacks extends ReassemblyCallbacks {
  /** Called for the first bad packet of each kind per link type and for every stream diagnostic. */
  onDiagnostic?(diagnostic: CaptureDiagnostic): void;
  onFormat?(format: CaptureFormat, littleEndian: boolean, nanosecond: boolean): void;
  /** Every packet, before decoding (e.g. for progress). */
  onPacket?(packet: CapturedPacket): void;
}

export interface TcpCaptureOptions extends CaptureReaderOptions, ReassemblyOptions {}

export interface TcpCapture {
  feed(chunk: Uint8Array): void;
  /**
   * One packet read elsewhere (another file, a worker thread) instead of `feed`: counted, decoded (unless
   * `decoded` is given: a worker decoded it already) and reassembled as if it came from this capture's file.
   */
  packet(packet: CapturedPacket, decoded?: DecodedFrame): void;
  /** Ends the input: closes open streams. Returns the framing error of a damaged file, if any. */
  end(): CaptureFormatError | undefined;
  /** Ends packet input given by `packet()`: closes open streams (no file was fed, so no framing error). */
  finish(): void;
  /** The connection's payload is not needed any more (see `TcpReassembler.ignorePayload`). */
  ignorePayload(connection: TcpConnection): void;
  readonly stats: CaptureStats;
  /** The framing error, once one was found (the capture then ignores further input: stop reading). */
  readonly error: CaptureFormatError | undefined;
  /** What the reader and the reassembler hold now (for tests and benchmarks of the memory bounds). */
  held(): { reader: CaptureReaderStats; reassembly: ReassemblyStats };
}

/** Creates the pipeline; feed it the file's bytes. */
export function createTcpCapture(
  callbacks: TcpCaptureCallbacks,
  options: TcpCaptureOptions = {},
): TcpCapture {
  const stats: CaptureStats = {
    format: undefined,
    packets: 0,
    tcpSegments: 0,
    otherProtocols: {},
    notIp: 0,
    skipped: {},
    connections: 0,
    skippedBlocks: 0,
    dropped: {},
  };
  let error: CaptureFormatError | undefined;
  const reassembler = createTcpReassembler(callbacks, options);
  // Every packet is decoded into this one segment: the reassembler keeps no segment past its call.
  const inPlace = new FrameSegment();
  const onPacket = (packet: CapturedPacket, given: DecodedFrame | undefined): void => {
    stats.packets++;
    callbacks.onPacket?.(packet);
    const decoded = given ?? decodeSegment(inPlace, packet.linkType, packet.data, packet.originalLength);
    if (decoded === undefined || decoded.segment !== undefined) {
      stats.tcpSegments++;
      reassembler.segment(decoded?.segment ?? inPlace, packet);
      return;
    }
    if (decoded.otherProtocol !== undefined) {
      stats.otherProtocols[decoded.otherProtocol] = (stats.otherProtocols[decoded.otherProtocol] ?? 0) + 1;
      return;
    }
    const problem = decoded.problem!;
    if (problem.type === "not-ip") {
      stats.notIp++;
      return;
    }
    const seen = stats.skipped[problem.type] ?? 0;
    stats.skipped[problem.type] = seen + 1;
    // Every fragment and damaged header is reported; an unknown link type once (it repeats on each packet).
    if (problem.type !== "unsupported-link-type" || seen === 0) {
      callbacks.onDiagnostic?.({
        layer: "capture",
        type: problem.type,
        message: problem.message,
        frame: packet.frame,
        fileOffset: packet.fileOffset,
      });
    }
  };
  const finish = (): void => {
    const dropped = reassembler.stats().dropped;
    reassembler.finish();
    stats.connections = reassembler.connectionCount;
    for (const [what, count] of Object.entries(dropped)) {
      if (count > 0) stats.dropped[what as DroppedState] = (stats.dropped[what as DroppedState] ?? 0) + count;
    }
  };
  const reader = createCaptureReader(
    {
      onFormat(format, littleEndian, nanosecond) {
        stats.format = format;
        callbacks.onFormat?.(format, littleEndian, nanosecond);
      },
      onSkippedBlock() {
        stats.skippedBlocks++;
      },
      onError(e) {
        error = e;
      },
      onDiagnostic(d) {
        callbacks.onDiagnostic?.(d);
      },
      onPacket(packet) {
        onPacket(packet, undefined);
      },
    },
    options,
  );
  return {
    feed(chunk) {
      reader.feed(chunk);
    },
    packet: onPacket,
    end() {
      reader.end();
      finish();
      return error;
    },
    finish,
    ignorePayload(connection) {
      reassembler.ignorePayload(connection);
    },
    held() {
      return { reader: reader.stats(), reassembly: reassembler.stats() };
    },
    stats,
    get error() {
      return error;
    },
  };
}

/**
 * Reads a capture from an async source of chunks through TCP reassembly. Resolves with the statistics; a
 * damaged file rejects with its `CaptureFormatError` after everything readable before the damage was delivered
 * and the open streams were closed.
 */
export async function readTcpStreams(
  source: AsyncIterable<Uint8Array>,
  callbacks: TcpCaptureCallbacks,
  options: TcpCaptureOptions = {},
): Promise<CaptureStats> {
  const capture = createTcpCapture(callbacks, options);
  for await (const chunk of source) {
    capture.feed(chunk);
    if (capture.error !== undefined) break;
  }
  const error = capture.end();
  if (error !== undefined) throw error;
  return capture.stats;
}
