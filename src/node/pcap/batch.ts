/**
 * Packets of one capture file in batches: read and decoded (down to the TCP segment) by a worker thread or the
 * main thread, packed into two transferable buffers (the frames' bytes, and one row of numbers per packet), and
 * unpacked on the main thread into the packet and segment objects the reassembler takes. A worker's batch crosses
 * to the main thread without a copy (its buffers are transferred).
 */
import { createReadStream } from "node:fs";
import { type DecodedFrame, type DecodeProblem, decodeFrame } from "./decode.js";
import type { CaptureDiagnostic } from "./errors.js";
import {
  type CapturedPacket,
  type CaptureFormat,
  type CaptureReaderOptions,
  createCaptureReader,
} from "./reader.js";

/** Bytes of frames per batch (a larger frame gets a batch of its own size). */
export const BATCH_BYTES = 512 * 1024;
/** Packets per batch at most. */
const BATCH_PACKETS = 4096;
/** Bytes read from the file at a time. */
const READ_CHUNK_BYTES = 256 * 1024;

/** What a row of the batch holds. */
const enum Kind {
  /** A TCP segment: the segment fields are filled. */
  Segment = 0,
  /** IP of another protocol: `Other` holds its number. */
  OtherProtocol = 1,
  /** No segment: `Other` indexes the problem in `notes`. */
  Problem = 2,
  /** A reader diagnostic (a timestamp out of range) before the next packet: `Other` indexes `notes`. */
  Diagnostic = 3,
}

/** Column of each field in a row. */
const enum Col {
  Kind = 0,
  Frame,
  FileOffset,
  Interface,
  LinkType,
  Seconds,
  Nanoseconds,
  OriginalLength,
  DataStart,
  DataLength,
  Other,
  IpVersion,
  SourceAddress,
  DestinationAddress,
  AddressLength,
  SourcePort,
  DestinationPort,
  Sequence,
  Acknowledgment,
  Flags,
  PayloadStart,
  PayloadLength,
  MissingPayload,
  Width,
}

/** Packets of one file, packed: `rows` numbers per packet, `bytes` their frames. */
export interface PacketBatch {
  readonly count: number;
  readonly rows: Float64Array;
  readonly bytes: Uint8Array;
  /** Decode problems and reader diagnostics, referenced by index from their rows. */
  readonly notes: Array<DecodeProblem | CaptureDiagnostic>;
}

/** How a file's reading ended: counts for the statistics, and the error that stopped it, if any. */
export interface FileEnd {
  readonly end: true;
  readonly format: CaptureFormat | undefined;
  readonly skippedBlocks: number;
  /** A `CaptureFormatError`'s fields (it is rebuilt on the main thread), or a file system error's. */
  readonly error?: {
    type: string;
    message: string;
    offset?: number;
    code?: string | undefined;
    syscall?: string | undefined;
  };
}

/** Rows a batch starts with room for; they double as packets come (up to BATCH_PACKETS). */
const FIRST_ROW_CAPACITY = 256;

class BatchWriter {
  /**
   * Room for as many rows as the last batch needed (rounded up to a power of two), not for BATCH_PACKETS: a batch
   * of full-size frames holds a few hundred packets, and zeroing 750 KB of rows per batch, and the collections
   * its memory brought on, cost more than reading the packets.
   */
  private capacity = FIRST_ROW_CAPACITY;
  private rows = new Float64Array(this.capacity * Col.Width);
  private bytes = new Uint8Array(BATCH_BYTES);
  private count = 0;
  private used = 0;
  private notes: Array<DecodeProblem | CaptureDiagnostic> = [];
  private lastSeconds = 0;
  private lastNanoseconds = 0;

  /** True when the batch has no room for a frame of `length` bytes more. */
  full(length: number): boolean {
    return this.count === BATCH_PACKETS || (this.count > 0 && this.used + length > this.bytes.length);
  }

  add(packet: CapturedPacket, decoded: DecodedFrame): void {
    const data = packet.data;
    if (data.length > this.bytes.length) this.bytes = new Uint8Array(data.length);
    const at = this.row();
    const rows = this.rows;
    const start = this.used;
    this.bytes.set(data, start);
    this.used += data.length;
    rows[at + Col.Frame] = packet.frame;
    rows[at + Col.FileOffset] = packet.fileOffset;
    rows[at + Col.Interface] = packet.interfaceId;
    rows[at + Col.LinkType] = packet.linkType;
    rows[at + Col.Seconds] = this.lastSeconds = packet.seconds;
    rows[at + Col.Nanoseconds] = this.lastNanoseconds = packet.nanoseconds;
    rows[at + Col.OriginalLength] = packet.originalLength;
    rows[at + Col.DataStart] = start;
    rows[at + Col.DataLength] = data.length;
    const segment = decoded.segment;
    if (segment !== undefined) {
      // Addresses and payload are views into the frame: keep their places in it.
      const base = data.byteOffset;
      rows[at + Col.Kind] = Kind.Segment;
      rows[at + Col.IpVersion] = segment.ipVersion;
      rows[at + Col.SourceAddress] = segment.sourceAddress.byteOffset - base;
      rows[at + Col.DestinationAddress] = segment.destinationAddress.byteOffset - base;
      rows[at + Col.AddressLength] = segment.sourceAddress.length;
      rows[at + Col.SourcePort] = segment.sourcePort;
      rows[at + Col.DestinationPort] = segment.destinationPort;
      rows[at + Col.Sequence] = segment.sequence;
      rows[at + Col.Acknowledgment] = segment.acknowledgment;
      rows[at + Col.Flags] = segment.flags;
      rows[at + Col.PayloadStart] = segment.payload.byteOffset - base;
      rows[at + Col.PayloadLength] = segment.payload.length;
      rows[at + Col.MissingPayload] = segment.missingPayload;
    } else if (decoded.otherProtocol !== undefined) {
      rows[at + Col.Kind] = Kind.OtherProtocol;
      rows[at + Col.Other] = decoded.otherProtocol;
    } else {
      rows[at + Col.Kind] = Kind.Problem;
      rows[at + Col.Other] = this.notes.push(decoded.problem!) - 1;
    }
  }

  /** A reader diagnostic, ordered at the time of the packet before it. */
  diagnostic(diagnostic: CaptureDiagnostic): void {
    const at = this.row();
    this.rows[at + Col.Kind] = Kind.Diagnostic;
    this.rows[at + Col.Seconds] = this.lastSeconds;
    this.rows[at + Col.Nanoseconds] = this.lastNanoseconds;
    this.rows[at + Col.Other] = this.notes.push(diagnostic) - 1;
  }

  /** A new row's first column, the rows grown (doubled) when they are full. */
  private row(): number {
    if (this.count === this.capacity) {
      this.capacity *= 2;
      const grown = new Float64Array(this.capacity * Col.Width);
      grown.set(this.rows);
      this.rows = grown;
    }
    return this.count++ * Col.Width;
  }

  get empty(): boolean {
    return this.count === 0;
  }

  /** The batch so far; the writer starts a new one (the old buffers may be transferred). */
  take(): PacketBatch {
    const batch: PacketBatch = {
      count: this.count,
      rows: this.rows,
      bytes: this.bytes,
      notes: this.notes,
    };
    let capacity = FIRST_ROW_CAPACITY;
    while (capacity < this.count) capacity *= 2;
    this.capacity = capacity;
    this.rows = new Float64Array(capacity * Col.Width);
    this.bytes = new Uint8Array(BATCH_BYTES);
    this.count = 0;
    this.used = 0;
    this.notes = [];
    return batch;
  }
}

/**
 * Reads one capture file into batches of decoded packets, in file order; the last item says how the reading
 * ended. A damaged file ends with its framing error after every packet before the damage.
 */
export async function* readPacketBatches(
  path: string,
  options: CaptureReaderOptions = {},
): AsyncGenerator<PacketBatch | FileEnd> {
  const writer = new BatchWriter();
  const ready: PacketBatch[] = [];
  let format: CaptureFormat | undefined;
  let skippedBlocks = 0;
  let failure: FileEnd["error"];
  const reader = createCaptureReader(
    {
      onFormat(f) {
        format = f;
      },
      onSkippedBlock() {
        skippedBlocks++;
      },
      onError(e) {
        failure = { type: e.type, message: e.message, offset: e.offset };
      },
      onDiagnostic(d) {
        if (writer.full(0)) ready.push(writer.take());
        writer.diagnostic(d);
      },
      onPacket(packet) {
        if (writer.full(packet.data.length)) ready.push(writer.take());
        writer.add(packet, decodeFrame(packet.linkType, packet.data, packet.originalLength));
      },
    },
    options,
  );
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: READ_CHUNK_BYTES })) {
      reader.feed(chunk as Uint8Array);
      yield* ready.splice(0);
      if (reader.failed) break;
    }
    reader.end();
  } catch (error) {
    const e = error as { code?: string; syscall?: string; message?: string };
    failure = { type: "file", message: String(e.message), code: e.code, syscall: e.syscall };
  }
  yield* ready.splice(0);
  if (!writer.empty) yield writer.take();
  yield { end: true, format, skippedBlocks, ...(failure === undefined ? {} : { error: failure }) };
}

/** Capture time of a batch's row, for the merge: whole seconds and nanoseconds. */
export function rowSeconds(batch: PacketBatch, row: number): number {
  return batch.rows[row * Col.Width + Col.Seconds]!;
}

export function rowNanoseconds(batch: PacketBatch, row: number): number {
  return batch.rows[row * Col.Width + Col.Nanoseconds]!;
}

/** Where an unpacked row goes: the analyzer's packet entry, and its diagnostics. */
export interface RowSink {
  packet(packet: CapturedPacket, decoded: DecodedFrame): void;
  diagnostic(diagnostic: CaptureDiagnostic): void;
}

/** Unpacks one row into the packet and segment objects the reassembler takes, and hands them on. */
export function deliverRow(batch: PacketBatch, row: number, sink: RowSink): void {
  const rows = batch.rows;
  const at = row * Col.Width;
  const kind = rows[at + Col.Kind] as Kind;
  if (kind === Kind.Diagnostic) {
    sink.diagnostic(batch.notes[rows[at + Col.Other]!] as CaptureDiagnostic);
    return;
  }
  const dataStart = rows[at + Col.DataStart]!;
  const data = batch.bytes.subarray(dataStart, dataStart + rows[at + Col.DataLength]!);
  const packet: CapturedPacket = {
    frame: rows[at + Col.Frame]!,
    fileOffset: rows[at + Col.FileOffset]!,
    interfaceId: rows[at + Col.Interface]!,
    linkType: rows[at + Col.LinkType]!,
    seconds: rows[at + Col.Seconds]!,
    nanoseconds: rows[at + Col.Nanoseconds]!,
    data,
    originalLength: rows[at + Col.OriginalLength]!,
  };
  let decoded: DecodedFrame;
  if (kind === Kind.Segment) {
    const source = rows[at + Col.SourceAddress]!;
    const destination = rows[at + Col.DestinationAddress]!;
    const addressLength = rows[at + Col.AddressLength]!;
    const payload = rows[at + Col.PayloadStart]!;
    decoded = {
      segment: {
        ipVersion: rows[at + Col.IpVersion] as 4 | 6,
        sourceAddress: data.subarray(source, source + addressLength),
        destinationAddress: data.subarray(destination, destination + addressLength),
        sourcePort: rows[at + Col.SourcePort]!,
        destinationPort: rows[at + Col.DestinationPort]!,
        sequence: rows[at + Col.Sequence]!,
        acknowledgment: rows[at + Col.Acknowledgment]!,
        flags: rows[at + Col.Flags]!,
        payload: data.subarray(payload, payload + rows[at + Col.PayloadLength]!),
        missingPayload: rows[at + Col.MissingPayload]!,
      },
    };
  } else if (kind === Kind.OtherProtocol) {
    decoded = { otherProtocol: rows[at + Col.Other]! };
  } else {
    decoded = { problem: batch.notes[rows[at + Col.Other]!] as DecodeProblem };
  }
  sink.packet(packet, decoded);
}
