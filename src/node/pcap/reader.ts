/**
 * Streaming readers for pcap and pcapng capture files.
 *
 * The reader is a push parser: `feed()` it chunks of any size, it calls `onPacket` for every complete packet
 * record and keeps at most one unfinished record (bounded by `maxBlockSize`), so a multi-GB file is read in
 * constant memory. The format and byte order are detected from the first bytes.
 *
 * pcap: https://www.ietf.org/archive/id/draft-ietf-opsawg-pcap-04.html (microsecond 0xA1B2C3D4 and nanosecond
 * 0xA1B23C4D magic, either byte order). pcapng: draft-ietf-opsawg-pcapng (SHB, IDB, EPB, SPB, and the obsolete
 * Packet Block; several interfaces and sections, either byte order per section).
 */
import {
  type CaptureDiagnostic,
  CaptureFormatError,
  type CaptureFormatErrorType,
  isReportedDrop,
} from "./errors.js";

/** One packet as recorded in the capture file. */
export interface CapturedPacket {
  /** 1-based packet number in the file (tshark's `frame.number`). */
  readonly frame: number;
  /** Byte offset in the file of the packet's record or block. */
  readonly fileOffset: number;
  /** The interface the packet was captured on (always 0 for pcap). */
  readonly interfaceId: number;
  /** LINKTYPE_* of the packet's interface (1 Ethernet, 113 Linux cooked …). */
  readonly linkType: number;
  /** Capture time: whole seconds since 1970-01-01 UTC. */
  readonly seconds: number;
  /** Capture time: nanoseconds within the second (0 … 999 999 999), exact for µs and ns files. */
  readonly nanoseconds: number;
  /** The captured bytes (a view: copy it to keep it after the callback returns if the source reuses chunks). */
  readonly data: Uint8Array;
  /** The packet's length on the wire (larger than `data.length` when the snapshot length cut it). */
  readonly originalLength: number;
}

/** An interface of the capture (pcap has exactly one). */
export interface CaptureInterface {
  readonly interfaceId: number;
  readonly linkType: number;
  readonly snapLength: number;
  /** pcapng `if_name`, when present. */
  readonly name?: string;
}

export type CaptureFormat = "pcap" | "pcapng";

export interface CaptureReaderCallbacks {
  onPacket(packet: CapturedPacket): void;
  /** The file's format and byte order, once known. */
  onFormat?(format: CaptureFormat, littleEndian: boolean, nanosecond: boolean): void;
  onInterface?(iface: CaptureInterface): void;
  /** A pcapng block that is not a packet or an interface description (type, file offset): it is skipped. */
  onSkippedBlock?(blockType: number, fileOffset: number): void;
  /** The fatal error that stops the file; everything before `error.offset` has been delivered. */
  onError(error: CaptureFormatError): void;
  /** A packet-level problem the reader works around (a timestamp out of range); the reading goes on. */
  onDiagnostic?(diagnostic: CaptureDiagnostic): void;
}

export interface CaptureReaderOptions {
  /** Largest pcap record or pcapng block accepted, in bytes. Default 16 MiB. */
  maxBlockSize?: number;
}

export interface CaptureReader {
  feed(chunk: Uint8Array): void;
  /** The input is complete: a record cut short is reported as a `truncated` error. */
  end(): void;
  /** True once a fatal error was reported: further input is ignored (the caller should stop reading). */
  readonly failed: boolean;
  /** Internal counters, for tests and benchmarks: what the carry of an unfinished record costs. */
  stats(): CaptureReaderStats;
}

/** What the reader holds and has copied to carry records across chunks. */
export interface CaptureReaderStats {
  /** Bytes of the unfinished record held now. */
  readonly carriedBytes: number;
  /** Size of the buffer holding them (never more than `maxBlockSize`). */
  readonly carryCapacity: number;
  /** Bytes copied into carry buffers since the start (each byte of a record is copied O(1) times). */
  readonly bytesCopied: number;
  /** Carry buffers allocated since the start. */
  readonly buffersAllocated: number;
}

export const DEFAULT_MAX_BLOCK_SIZE = 16 * 1024 * 1024;

const PCAP_MAGIC_MICRO = 0xa1b2c3d4;
const PCAP_MAGIC_NANO = 0xa1b23c4d;
const PCAP_MAGIC_MICRO_SWAPPED = 0xd4c3b2a1;
const PCAP_MAGIC_NANO_SWAPPED = 0x4d3cb2a1;
const PCAP_FILE_HEADER_LENGTH = 24;
const PCAP_RECORD_HEADER_LENGTH = 16;

const PCAPNG_SECTION_HEADER = 0x0a0d0d0a;
const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const PCAPNG_BYTE_ORDER_MAGIC_SWAPPED = 0x4d3c2b1a;
const PCAPNG_INTERFACE_DESCRIPTION = 1;
const PCAPNG_OBSOLETE_PACKET = 2;
const PCAPNG_SIMPLE_PACKET = 3;
const PCAPNG_ENHANCED_PACKET = 6;
/** Type, length, and trailing length: the smallest possible block. */
const PCAPNG_MIN_BLOCK_LENGTH = 12;
const OPT_ENDOFOPT = 0;
const IF_NAME = 2;
const IF_TSRESOL = 9;
const IF_TSOFFSET = 14;

/** True when the first 4 bytes of a file are a pcap magic (either byte order, µs or ns) or a pcapng section header. */
export function looksLikeCapture(first: Uint8Array): boolean {
  if (first.length < 4) return false;
  const magic = new DataView(first.buffer, first.byteOffset, 4).getUint32(0, false);
  return [
    PCAP_MAGIC_MICRO,
    PCAP_MAGIC_NANO,
    PCAP_MAGIC_MICRO_SWAPPED,
    PCAP_MAGIC_NANO_SWAPPED,
    PCAPNG_SECTION_HEADER,
  ].includes(magic);
}

/**
 * Capture times outside years 0001–9999 are not real and cannot be printed as ISO dates (a 2^64−1 tick count
 * at 1-second resolution is 5.8e11 years): such a packet gets the previous packet's time and a diagnostic.
 */
export const MIN_CAPTURE_SECONDS = -62_135_596_800;
export const MAX_CAPTURE_SECONDS = 253_402_300_799;

const TWO_POW_32 = 0x1_0000_0000;
const TWO_POW_16 = 0x1_0000;
const NANOS_PER_SECOND = 1_000_000_000;

const enum Format {
  Unknown = 0,
  Pcap = 1,
  Pcapng = 2,
}

/** How a pcapng interface's 64-bit timestamps convert to seconds and nanoseconds. */
interface InterfaceClock {
  /** Units per second when they are a power of ten up to 10^9 (the fast exact path), else 0. */
  readonly decimalUnits: number;
  /** Multiplier from a remainder in units to nanoseconds on the decimal path. */
  readonly nanosPerUnit: number;
  /** The resolution as units per second, for the general (BigInt) path. */
  readonly unitsPerSecond: bigint;
  /** if_tsoffset: seconds added to every timestamp. */
  readonly offsetSeconds: number;
}

interface InterfaceState extends CaptureInterface {
  readonly clock: InterfaceClock;
}

const MICROSECOND_CLOCK: InterfaceClock = {
  decimalUnits: 1_000_000,
  nanosPerUnit: 1000,
  unitsPerSecond: 1_000_000n,
  offsetSeconds: 0,
};

const latin1 = new TextDecoder("latin1");

function clockOf(tsresol: number, offsetSeconds: number): InterfaceClock {
  // pcapng if_tsresol: high bit clear = 10^-n, set = 2^-n.
  if ((tsresol & 0x80) === 0) {
    const exponent = tsresol;
    if (exponent <= 9) {
      const units = 10 ** exponent;
      return {
        decimalUnits: units,
        nanosPerUnit: NANOS_PER_SECOND / units,
        unitsPerSecond: BigInt(units),
        offsetSeconds,
      };
    }
    return { decimalUnits: 0, nanosPerUnit: 0, unitsPerSecond: 10n ** BigInt(exponent), offsetSeconds };
  }
  return { decimalUnits: 0, nanosPerUnit: 0, unitsPerSecond: 1n << BigInt(tsresol & 0x7f), offsetSeconds };
}

/**
 * Creates a push reader for a pcap or pcapng file. Every packet is passed to `onPacket` as soon as its record
 * is complete; the first framing error is passed to `onError` and stops the reader.
 */
export function createCaptureReader(
  callbacks: CaptureReaderCallbacks,
  options: CaptureReaderOptions = {},
): CaptureReader {
  return new CaptureStateMachine(callbacks, options.maxBlockSize ?? DEFAULT_MAX_BLOCK_SIZE);
}

class CaptureStateMachine implements CaptureReader {
  private readonly callbacks: CaptureReaderCallbacks;
  private readonly maxBlockSize: number;

  private format: Format = Format.Unknown;
  private littleEndian = true;
  /** Exact time split for pcap files: the fraction field is in µs or ns. */
  private pcapNanosPerUnit = 1000;
  private pcapLinkType = 0;
  private pcapSnapLength = 0;
  private interfaces: InterfaceState[] = [];
  private frame = 0;

  /** File offset of the carry's first byte (or of the next chunk's first byte when nothing is carried). */
  private base = 0;
  /**
   * Bytes of an unfinished record, carried between chunks (copied, so that sources may reuse chunks). Its size
   * is what the record needs (`needed`, at most `maxBlockSize`); a carry handed to `process()` is never written
   * again, because packets delivered from it are views of it.
   */
  private carry: Uint8Array = new Uint8Array(0);
  private carryLength = 0;
  /** Bytes needed in total before the carried record can make progress. */
  private needed = 4;
  private failedFlag = false;
  private bytesCopied = 0;
  private buffersAllocated = 0;
  /** Time of the last packet with a valid timestamp, given to packets whose timestamp is out of range. */
  private lastSeconds = 0;
  private lastNanoseconds = 0;
  private badTimestamps = 0;

  constructor(callbacks: CaptureReaderCallbacks, maxBlockSize: number) {
    this.callbacks = callbacks;
    this.maxBlockSize = maxBlockSize;
  }

  get failed(): boolean {
    return this.failedFlag;
  }

  feed(input: Uint8Array): void {
    if (this.failedFlag || input.length === 0) return;
    // A Node Buffer's subarray() is many times slower than a plain Uint8Array's, and every packet is a subarray:
    // view the chunk as a plain Uint8Array once.
    const chunk =
      input.constructor === Uint8Array
        ? input
        : new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    let offset = 0;
    // Complete the carried record from the chunk's first bytes, copying only what it still needs.
    while (this.carryLength > 0 && offset < chunk.length && !this.failedFlag) {
      const take = Math.min(this.needed - this.carryLength, chunk.length - offset);
      this.append(chunk.subarray(offset, offset + take));
      offset += take;
      if (this.carryLength < this.needed) return;
      const full = this.carry.subarray(0, this.carryLength);
      this.carry = new Uint8Array(0);
      this.carryLength = 0;
      this.keep(full, this.process(full));
    }
    if (offset < chunk.length && !this.failedFlag) {
      const rest = offset === 0 ? chunk : chunk.subarray(offset);
      this.keep(rest, this.process(rest));
    }
  }

  stats(): CaptureReaderStats {
    return {
      carriedBytes: this.carryLength,
      carryCapacity: this.carry.length,
      bytesCopied: this.bytesCopied,
      buffersAllocated: this.buffersAllocated,
    };
  }

  /** Appends bytes to the carry, growing it to `needed` (growth happens only when a header reveals a size). */
  private append(bytes: Uint8Array): void {
    const size = this.carryLength + bytes.length;
    if (size > this.carry.length) {
      const grown = new Uint8Array(Math.max(size, this.needed));
      grown.set(this.carry.subarray(0, this.carryLength));
      this.bytesCopied += this.carryLength;
      this.buffersAllocated++;
      this.carry = grown;
    }
    this.carry.set(bytes, this.carryLength);
    this.carryLength = size;
    this.bytesCopied += bytes.length;
  }

  /** Carries the bytes of `buf` after `consumed` (an unfinished record) over to the next chunk. */
  private keep(buf: Uint8Array, consumed: number): void {
    if (this.failedFlag || consumed >= buf.length) return;
    this.append(buf.subarray(consumed));
  }

  end(): void {
    if (this.failedFlag) return;
    if (this.format === Format.Unknown) {
      if (this.carryLength === 0 && this.base === 0) {
        this.fail("truncated", "empty capture file: no pcap or pcapng header", 0);
      } else {
        this.fail("truncated", `capture file ends inside its header (${this.carryLength} bytes)`, this.base);
      }
      return;
    }
    if (this.carryLength > 0) {
      const what = this.format === Format.Pcap ? "pcap record" : "pcapng block";
      this.fail(
        "truncated",
        `capture file ends inside a ${what} (${this.carryLength} of ${this.needed} bytes present)`,
        this.base,
      );
    }
  }

  private fail(type: CaptureFormatErrorType, message: string, offset: number): void {
    this.failedFlag = true;
    this.carry = new Uint8Array(0);
    this.carryLength = 0;
    this.callbacks.onError(new CaptureFormatError(type, message, offset));
  }

  /**
   * Parses every complete record in `buf` (whose first byte is at file offset `this.base`). Returns the bytes
   * consumed; the rest is the start of an unfinished record.
   */
  private process(buf: Uint8Array): number {
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let pos = 0;
    while (!this.failedFlag) {
      let consumed: number;
      if (this.format === Format.Pcapng) consumed = this.pcapngBlock(buf, view, pos);
      else if (this.format === Format.Pcap) consumed = this.pcapRecord(buf, view, pos);
      else consumed = this.fileHeader(buf, view, pos);
      if (consumed <= 0) break;
      pos += consumed;
      this.base += consumed;
    }
    return pos;
  }

  private u32(view: DataView, at: number): number {
    return view.getUint32(at, this.littleEndian);
  }

  /**
   * Detects the format from the first block. Returns the bytes consumed, 0 when more are needed (with
   * `this.needed` set), or -1 after a fatal error.
   */
  private fileHeader(buf: Uint8Array, view: DataView, pos: number): number {
    const available = buf.length - pos;
    if (available < 4) {
      this.needed = 4;
      return 0;
    }
    const magic = view.getUint32(pos, false);
    if (
      magic === PCAP_MAGIC_MICRO ||
      magic === PCAP_MAGIC_NANO ||
      magic === PCAP_MAGIC_MICRO_SWAPPED ||
      magic === PCAP_MAGIC_NANO_SWAPPED
    ) {
      if (available < PCAP_FILE_HEADER_LENGTH) {
        this.needed = PCAP_FILE_HEADER_LENGTH;
        return 0;
      }
      this.littleEndian = magic === PCAP_MAGIC_MICRO_SWAPPED || magic === PCAP_MAGIC_NANO_SWAPPED;
      const nanosecond = magic === PCAP_MAGIC_NANO || magic === PCAP_MAGIC_NANO_SWAPPED;
      this.pcapNanosPerUnit = nanosecond ? 1 : 1000;
      this.pcapSnapLength = this.u32(view, pos + 16);
      // The upper bits of the link-type field carry FCS information (pcap draft §4): keep the low 16 bits.
      this.pcapLinkType = this.u32(view, pos + 20) & 0xffff;
      this.format = Format.Pcap;
      this.callbacks.onFormat?.("pcap", this.littleEndian, nanosecond);
      this.callbacks.onInterface?.({
        interfaceId: 0,
        linkType: this.pcapLinkType,
        snapLength: this.pcapSnapLength,
      });
      this.needed = PCAP_RECORD_HEADER_LENGTH;
      return PCAP_FILE_HEADER_LENGTH;
    }
    if (magic === PCAPNG_SECTION_HEADER) {
      this.format = Format.Pcapng;
      const consumed = this.pcapngBlock(buf, view, pos);
      if (consumed > 0) this.callbacks.onFormat?.("pcapng", this.littleEndian, false);
      else if (consumed === 0 && !this.failedFlag) this.format = Format.Unknown; // retry detection with more bytes
      return consumed;
    }
    this.fail(
      "bad-magic",
      `not a pcap or pcapng file: magic 0x${magic.toString(16).padStart(8, "0")} is unknown`,
      this.base,
    );
    return -1;
  }

  private pcapRecord(buf: Uint8Array, view: DataView, pos: number): number {
    const available = buf.length - pos;
    if (available < PCAP_RECORD_HEADER_LENGTH) {
      this.needed = PCAP_RECORD_HEADER_LENGTH;
      return 0;
    }
    const capturedLength = this.u32(view, pos + 8);
    const originalLength = this.u32(view, pos + 12);
    const total = PCAP_RECORD_HEADER_LENGTH + capturedLength;
    if (total > this.maxBlockSize) {
      this.fail(
        "block-too-large",
        `pcap record of ${capturedLength} captured bytes exceeds maxBlockSize ${this.maxBlockSize}`,
        this.base,
      );
      return -1;
    }
    if (available < total) {
      this.needed = total;
      return 0;
    }
    const fraction = this.u32(view, pos + 4);
    const nanoseconds = fraction * this.pcapNanosPerUnit;
    if (nanoseconds >= NANOS_PER_SECOND) {
      this.fail(
        "bad-record-length",
        `pcap record timestamp fraction ${fraction} is out of range (the record framing is probably lost)`,
        this.base,
      );
      return -1;
    }
    this.frame++;
    // A u32 of seconds is always a representable time (up to 2106).
    this.lastSeconds = this.u32(view, pos);
    this.lastNanoseconds = nanoseconds;
    this.callbacks.onPacket({
      frame: this.frame,
      fileOffset: this.base,
      interfaceId: 0,
      linkType: this.pcapLinkType,
      seconds: this.lastSeconds,
      nanoseconds,
      data: buf.subarray(pos + PCAP_RECORD_HEADER_LENGTH, pos + total),
      originalLength,
    });
    this.needed = PCAP_RECORD_HEADER_LENGTH;
    return total;
  }

  private pcapngBlock(buf: Uint8Array, view: DataView, pos: number): number {
    const available = buf.length - pos;
    if (available < 8) {
      this.needed = 8;
      return 0;
    }
    const rawType = view.getUint32(pos, false);
    if (rawType === PCAPNG_SECTION_HEADER) {
      // A new section may switch byte order: read its byte-order magic first.
      if (available < 12) {
        this.needed = 12;
        return 0;
      }
      const bom = view.getUint32(pos + 8, false);
      if (bom === PCAPNG_BYTE_ORDER_MAGIC) this.littleEndian = false;
      else if (bom === PCAPNG_BYTE_ORDER_MAGIC_SWAPPED) this.littleEndian = true;
      else {
        this.fail(
          "bad-byte-order",
          `pcapng section header with byte-order magic 0x${bom.toString(16)}`,
          this.base,
        );
        return -1;
      }
    }
    const blockType = this.u32(view, pos);
    const blockLength = this.u32(view, pos + 4);
    if (blockLength < PCAPNG_MIN_BLOCK_LENGTH || blockLength % 4 !== 0) {
      this.fail(
        "bad-block-length",
        `pcapng block type 0x${blockType.toString(16)} has invalid length ${blockLength}`,
        this.base,
      );
      return -1;
    }
    if (blockLength > this.maxBlockSize) {
      this.fail(
        "block-too-large",
        `pcapng block of ${blockLength} bytes exceeds maxBlockSize ${this.maxBlockSize}`,
        this.base,
      );
      return -1;
    }
    if (available < blockLength) {
      this.needed = blockLength;
      return 0;
    }
    const trailer = this.u32(view, pos + blockLength - 4);
    if (trailer !== blockLength) {
      this.fail(
        "bad-block-length",
        `pcapng block type 0x${blockType.toString(16)}: leading length ${blockLength} differs from trailing length ${trailer}`,
        this.base,
      );
      return -1;
    }
    this.needed = 8;
    const bodyEnd = pos + blockLength - 4;
    switch (blockType) {
      case PCAPNG_SECTION_HEADER:
        this.interfaces = [];
        break;
      case PCAPNG_INTERFACE_DESCRIPTION:
        this.interfaceDescription(buf, view, pos + 8, bodyEnd);
        break;
      case PCAPNG_ENHANCED_PACKET:
        this.enhancedPacket(buf, view, pos + 8, bodyEnd, false);
        break;
      case PCAPNG_OBSOLETE_PACKET:
        this.enhancedPacket(buf, view, pos + 8, bodyEnd, true);
        break;
      case PCAPNG_SIMPLE_PACKET:
        this.simplePacket(buf, view, pos + 8, bodyEnd);
        break;
      default:
        this.callbacks.onSkippedBlock?.(blockType, this.base);
    }
    return this.failedFlag ? -1 : blockLength;
  }

  private interfaceDescription(buf: Uint8Array, view: DataView, body: number, bodyEnd: number): void {
    if (bodyEnd - body < 8) {
      this.fail("bad-block-length", "pcapng interface description block is too short", this.base);
      return;
    }
    const linkType = view.getUint16(body, this.littleEndian);
    const snapLength = this.u32(view, body + 4);
    let tsresol = 6;
    let offsetSeconds = 0;
    let name: string | undefined;
    let at = body + 8;
    // Options: code u16, length u16, value padded to 32 bits (pcapng §3.5).
    while (at + 4 <= bodyEnd) {
      const code = view.getUint16(at, this.littleEndian);
      const optionLength = view.getUint16(at + 2, this.littleEndian);
      const value = at + 4;
      if (code === OPT_ENDOFOPT || value + optionLength > bodyEnd) break;
      if (code === IF_TSRESOL && optionLength >= 1) tsresol = buf[value]!;
      else if (code === IF_TSOFFSET && optionLength >= 8) {
        offsetSeconds = Number(view.getBigInt64(value, this.littleEndian));
      } else if (code === IF_NAME) name = latin1.decode(buf.subarray(value, value + optionLength));
      at = value + ((optionLength + 3) & ~3);
    }
    const iface: InterfaceState = {
      interfaceId: this.interfaces.length,
      linkType,
      snapLength,
      clock: tsresol === 6 && offsetSeconds === 0 ? MICROSECOND_CLOCK : clockOf(tsresol, offsetSeconds),
      ...(name === undefined ? {} : { name }),
    };
    this.interfaces.push(iface);
    this.callbacks.onInterface?.({
      interfaceId: iface.interfaceId,
      linkType,
      snapLength,
      ...(name === undefined ? {} : { name }),
    });
  }

  private enhancedPacket(
    buf: Uint8Array,
    view: DataView,
    body: number,
    bodyEnd: number,
    obsolete: boolean,
  ): void {
    if (bodyEnd - body < 20) {
      this.fail("bad-block-length", "pcapng packet block is too short", this.base);
      return;
    }
    // Enhanced Packet Block: interface u32; obsolete Packet Block: interface u16 + drops count u16.
    const interfaceId = obsolete ? view.getUint16(body, this.littleEndian) : this.u32(view, body);
    const iface = this.interfaces[interfaceId];
    if (iface === undefined) {
      this.fail(
        "unknown-interface",
        `pcapng packet block for undescribed interface ${interfaceId}`,
        this.base,
      );
      return;
    }
    const high = this.u32(view, body + 4);
    const low = this.u32(view, body + 8);
    const capturedLength = this.u32(view, body + 12);
    const originalLength = this.u32(view, body + 16);
    const data = body + 20;
    if (data + capturedLength > bodyEnd) {
      this.fail(
        "bad-record-length",
        `pcapng packet block: captured length ${capturedLength} is larger than the block`,
        this.base,
      );
      return;
    }
    this.deliver(iface, high, low, buf.subarray(data, data + capturedLength), originalLength);
  }

  private simplePacket(buf: Uint8Array, view: DataView, body: number, bodyEnd: number): void {
    const iface = this.interfaces[0];
    if (iface === undefined) {
      this.fail(
        "unknown-interface",
        "pcapng simple packet block before any interface description",
        this.base,
      );
      return;
    }
    if (bodyEnd - body < 4) {
      this.fail("bad-block-length", "pcapng simple packet block is too short", this.base);
      return;
    }
    const originalLength = this.u32(view, body);
    // SPB: the captured length is the original length cut by the snap length and by the block (pcapng §4.4).
    let capturedLength = Math.min(originalLength, bodyEnd - body - 4);
    if (iface.snapLength > 0) capturedLength = Math.min(capturedLength, iface.snapLength);
    this.frame++;
    this.callbacks.onPacket({
      frame: this.frame,
      fileOffset: this.base,
      interfaceId: 0,
      linkType: iface.linkType,
      seconds: 0,
      nanoseconds: 0,
      data: buf.subarray(body + 4, body + 4 + capturedLength),
      originalLength,
    });
  }

  private deliver(
    iface: InterfaceState,
    high: number,
    low: number,
    data: Uint8Array,
    originalLength: number,
  ): void {
    const clock = iface.clock;
    let seconds: number;
    let nanoseconds: number;
    const units = clock.decimalUnits;
    if (units !== 0) {
      // Exact 64-bit division by units (≤ 10^9 < 2^30) in 16-bit steps, so no intermediate passes 2^53.
      const highQuotient = Math.floor(high / units);
      const r0 = high - highQuotient * units;
      const x1 = r0 * TWO_POW_16 + (low >>> 16);
      const q1 = Math.floor(x1 / units);
      const x2 = (x1 - q1 * units) * TWO_POW_16 + (low & 0xffff);
      const q2 = Math.floor(x2 / units);
      seconds = highQuotient * TWO_POW_32 + q1 * TWO_POW_16 + q2;
      nanoseconds = (x2 - q2 * units) * clock.nanosPerUnit;
    } else {
      const ticks = (BigInt(high) << 32n) | BigInt(low);
      const whole = ticks / clock.unitsPerSecond;
      seconds = Number(whole);
      nanoseconds = Number(((ticks - whole * clock.unitsPerSecond) * 1_000_000_000n) / clock.unitsPerSecond);
    }
    this.frame++;
    let time = seconds + clock.offsetSeconds;
    if (time >= MIN_CAPTURE_SECONDS && time <= MAX_CAPTURE_SECONDS) {
      this.lastSeconds = time;
      this.lastNanoseconds = nanoseconds;
    } else {
      this.timestampOutOfRange(time);
      time = this.lastSeconds;
      nanoseconds = this.lastNanoseconds;
    }
    this.callbacks.onPacket({
      frame: this.frame,
      fileOffset: this.base,
      interfaceId: iface.interfaceId,
      linkType: iface.linkType,
      seconds: time,
      nanoseconds,
      data,
      originalLength,
    });
  }

  /** Reports a timestamp outside years 0001–9999 (the 1st, 2nd, 4th, 8th … of the file, with the count). */
  private timestampOutOfRange(seconds: number): void {
    this.badTimestamps++;
    if (!isReportedDrop(this.badTimestamps)) return;
    this.callbacks.onDiagnostic?.({
      layer: "capture",
      type: "timestamp-out-of-range",
      message: `packet timestamp ${seconds} s is outside years 0001-9999; the previous packet's time is used (${this.badTimestamps} such packets so far)`,
      frame: this.frame,
      fileOffset: this.base,
    });
  }
}

/**
 * Reads every packet of a capture from an async source of chunks (a file stream, stdin …). Packets are
 * delivered to `onPacket` as they are read; the promise resolves when the source ends and rejects with the
 * `CaptureFormatError` of a damaged file, after all packets before the damage were delivered.
 */
export async function readCapture(
  source: AsyncIterable<Uint8Array>,
  callbacks: Omit<CaptureReaderCallbacks, "onError">,
  options: CaptureReaderOptions = {},
): Promise<void> {
  let failure: CaptureFormatError | undefined;
  const reader = createCaptureReader(
    {
      ...callbacks,
      onError(error) {
        failure = error;
      },
    },
    options,
  );
  for await (const chunk of source) {
    reader.feed(chunk);
    if (failure !== undefined) throw failure;
  }
  reader.end();
  if (failure !== undefined) throw failure;
}
