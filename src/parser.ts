/**
 * The reply state machine: control-connection bytes in, replies out (RFC 959 §4.2).
 *
 * Bytes arrive in chunks of any size. Two paths give the same replies. The fast one (`fastReplies`,
 * `fastInnerLines`) decodes the complete lines of a big chunk with one call per window and frames replies on that
 * text. The general one jumps from line end to line end with `indexOf`, looks at the first four bytes of each line
 * to frame replies, and keeps the bytes of an unfinished reply in a growable buffer decoded once when the reply
 * closes. Each byte is searched, copied and decoded at most twice, so the cost is O(n) whatever the chunking.
 */
import { ReplyParseError, type ReplyParseErrorType, traceFromCaller } from "./errors.js";
import { createReply, createReplyInBuffer, createSingleLineReply, type Reply } from "./reply.js";
import { DONT, IAC, MAX_SUBNEGOTIATION_KEPT, SB, SE, telnetCommandName, WILL } from "./telnet.js";
import { createTextDecoder, excerptOf, type TextDecodeFunction } from "./text.js";

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const HYPHEN = 0x2d;
const DIGIT_0 = 0x30;
const DIGIT_1 = 0x31;
const DIGIT_6 = 0x36;
const DIGIT_9 = 0x39;

/** Where the Telnet layer stands (RFC 854): in data, or inside a command. */
const enum TelnetState {
  Data = 0,
  Iac = 1,
  Option = 2,
  Subnegotiation = 3,
  SubnegotiationIac = 4,
}

/** Where the reply grammar stands (RFC 959 §4.2). */
const enum ReplyState {
  /** Between replies: the next line must open one. */
  BetweenReplies = 0,
  /** Inside a multi-line reply opened by `nnn-`. */
  InMultiline = 1,
}

/** Whether the chunk's text (one decode for all its complete lines) is built, and usable. */
const enum RegionState {
  None = 0,
  Ready = 1,
}

/** What happens to the bytes of the line (or reply) now being read. */
const enum Skip {
  None = 0,
  /** The rest of the current line is dropped (it passed `maxLineLength`). */
  Line = 1,
  /** The rest of the current reply is dropped, up to its closing line (a limit was passed). */
  Reply = 2,
}

const EMPTY = new Uint8Array(0);
/** First capacity of the carry buffer, and the largest one kept between units. */
const CARRY_MIN = 256;
const CARRY_KEPT = 64 * 1024;
/** Bytes of complete lines decoded at once for the replies of a chunk. */
const REGION_WINDOW = 16 * 1024;
/** Chunks shorter than this take no shortcut (see `feed`). */
const REGION_MIN_CHUNK = 256;
/** Up to this many bytes are copied with a loop rather than `set()`. */
const SMALL_COPY = 32;
/**
 * The bytes replies keep (`raw`) are copied, when small, into shared slabs of this size: one buffer allocation
 * for many replies instead of one each (an allocation costs more than copying a few KiB). A slab is never
 * rewritten; a reply kept by the caller keeps at most its slab alive.
 */
const SLAB_SIZE = 16 * 1024;
/** Copies larger than this get a buffer of their own. */
const SLAB_MAX_COPY = 4 * 1024;
const IAC_BYTE = new Uint8Array([IAC]);
/** Up to this many bytes are searched with a loop rather than `indexOf` on a subarray. */
const SMALL_SCAN = 64;
const REPLACEMENT_CHARACTER = "\uFFFD";

/** A Telnet command found in the reply stream and removed from the reply text (RFC 854). */
export interface TelnetCommand {
  /** The command byte (e.g. 251 for WILL, 241 for NOP, 250 for a subnegotiation). */
  readonly command: number;
  /** The command's name (`WILL`, `DO`, `NOP`, `SB` …) or `UNKNOWN`. */
  readonly name: string;
  /** The option byte of WILL, WONT, DO, DONT and SB. */
  readonly option?: number;
  /** The subnegotiation payload (at most 256 bytes kept). */
  readonly data?: Uint8Array;
  /** Byte offset of the command's IAC in the stream. */
  readonly offset: number;
}

/** One physical line of a reply, delivered by `onLine` as soon as it is complete. */
export interface ReplyLine {
  /** The code of the reply the line belongs to. */
  readonly code: number;
  /** The line as sent, decoded, one line terminator removed. */
  readonly line: string;
  /** Position of the line in its reply (0 for the opening line). */
  readonly index: number;
  /** True for the line that closes the reply. */
  readonly last: boolean;
  /** Byte offset of the line's first byte in the stream. */
  readonly offset: number;
}

export interface ReplyParserCallbacks {
  /** A complete reply. */
  onReply(reply: Reply): void;
  /** A framing error; the parser has already resynced and goes on. */
  onError(error: ReplyParseError): void;
  /** A diagnostic that did not stop a reply from being delivered (`missing-space`, `mismatched-close`). */
  onWarning?(warning: ReplyParseError): void;
  /** Every line of every reply as it completes: consume huge replies line by line (see `retainLines`). */
  onLine?(line: ReplyLine): void;
  /** Telnet commands removed from the stream (option negotiation, NOP, subnegotiation …). */
  onTelnet?(command: TelnetCommand): void;
}

export interface ReplyParserOptions {
  /** `"utf-8"` (default, RFC 2640), `"auto"` (UTF-8 where valid, else `fallbackEncoding`) or a WHATWG label. */
  encoding?: string;
  /** Encoding for lines that are not valid UTF-8 in `auto` mode. Default `"windows-1252"` (WHATWG's latin1). */
  fallbackEncoding?: string;
  /** Longest line in bytes (Telnet commands included, terminator excluded). Default 1 MiB. */
  maxLineLength?: number;
  /** Largest reply in bytes that is held whole. Default 64 MiB. Not applied when `retainLines` is false. */
  maxReplySize?: number;
  /** Treat a bare CR as a line end too (CR LF still counts as one). Default false: a bare CR is data. */
  bareCrIsLineEnd?: boolean;
  /** Interpret Telnet IAC sequences (RFC 854). Default true; false passes 0xFF bytes through as data. */
  telnet?: boolean;
  /**
   * Close a multi-line reply at any line `ddd ` with a valid code, not only its own (glftpd sends `553-` … `150 …`).
   * Default false (RFC 959 §4.2). When it fires, `onWarning` gets a `mismatched-close` and the reply takes the
   * closing line's code.
   */
  closeOnAnyCode?: boolean;
  /**
   * Keep every line of a multi-line reply in `reply.lines`/`text`/`raw`. Default true. With false, inner lines
   * are only passed to `onLine` and dropped: `lines` holds the opening and closing line, `raw` their bytes, and
   * memory stays bounded by `maxLineLength` whatever the reply's size.
   */
  retainLines?: boolean;
}

export interface ReplyParser {
  /** Feeds the next chunk of the stream: bytes, or text (encoded as UTF-8). */
  feed(chunk: Uint8Array | string): void;
  /** Ends the stream: an unfinished line or reply is reported as a `truncated` error. The parser is then reset. */
  end(): void;
  /** Drops any partial state and restarts offsets at 0 (e.g. for a new connection or after a gap). */
  reset(): void;
}

export const DEFAULT_MAX_LINE_LENGTH = 1024 * 1024;
export const DEFAULT_MAX_REPLY_SIZE = 64 * 1024 * 1024;

const textEncoder = new TextEncoder();
// The same settings as the UTF-8 decoder of text.ts: replacement characters, a BOM kept as data.
const utf8Decoder = new TextDecoder("utf-8", { ignoreBOM: true });

function isUtf8(encoding: string | undefined): boolean {
  if (encoding === undefined) return true;
  const label = encoding.trim().toLowerCase();
  return label === "utf-8" || label === "utf8" || label === "unicode-1-1-utf-8";
}

function isDigit(b: number): boolean {
  return b >= DIGIT_0 && b <= DIGIT_9;
}

function concat(parts: readonly Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Removes one line terminator (LF, CR LF, or a lone CR in bare-CR mode) from the end of a decoded line. */
function stripTerminator(line: string): string {
  let end = line.length;
  if (end > 0 && line.charCodeAt(end - 1) === LF) end--;
  if (end > 0 && line.charCodeAt(end - 1) === CR) end--;
  return end === line.length ? line : line.slice(0, end);
}

class ReplyStateMachine implements ReplyParser {
  private readonly callbacks: ReplyParserCallbacks;
  private readonly decode: TextDecodeFunction;
  private readonly maxLineLength: number;
  private readonly maxReplySize: number;
  private readonly bareCrIsLineEnd: boolean;
  private readonly telnet: boolean;
  private readonly closeOnAnyCode: boolean;
  private readonly retainLines: boolean;
  /** Lines are decoded one by one (for `onLine` or when not retained) instead of once per reply. */
  private readonly perLine: boolean;

  /** Stream offset of the first byte of the chunk being fed (after a feed: of the next chunk). */
  private base = 0;

  // The unit: bytes retained from `unitStart` on — the open reply, or the current line outside a reply
  // (with `perLine`, always just the current line). `carry` holds its bytes from earlier chunks.
  private unitStart = 0;
  // A growable buffer (doubling): appending a chunk's tail costs O(bytes), not an allocation per chunk, so
  // 1-byte chunks stay cheap and a reply spread over many chunks is copied once more in total, not per chunk.
  private carry: Uint8Array = EMPTY;
  private carryLength = 0;
  // When the unit holds Telnet commands its content (what is decoded) differs from its raw bytes: content is
  // then collected in `contentParts`, plain data from `plainStart` on not yet added.
  private unitHasTelnet = false;
  private contentParts: Uint8Array[] = [];
  private contentLength = 0;
  private plainStart = 0;

  // The current line.
  private lineStart = 0;
  private head0 = 0;
  private head1 = 0;
  private head2 = 0;
  private head3 = 0;
  private headLength = 0;
  /** Content bytes of the line so far (Telnet commands excluded). */
  private lineContentLength = 0;
  private lastByteIsCr = false;
  /** Bare-CR mode: a line ended with CR at a chunk's end; the next byte tells whether LF belongs to it. */
  private pendingCr = false;

  // The reply.
  private state: ReplyState = ReplyState.BetweenReplies;
  private replyCode = 0;
  private replyStart = 0;
  private replyLineCount = 0;
  /** Bytes of the reply's completed lines (for `maxReplySize`). */
  private replyBytes = 0;
  /** With `perLine`: completed lines of the open reply, their raw bytes and total raw length. */
  private replyLines: string[] = [];
  private replyRaw: Uint8Array[] = [];
  private replyRawLength = 0;
  private skip: Skip = Skip.None;
  /** The code whose closing line ends a skipped multi-line reply (0: a skipped line outside a reply). */
  private skipCode = 0;
  private skipMultiline = false;

  // The chunk's text (see `regionLocate`): the complete lines of the chunk from the first reply that starts in it,
  // decoded with one call, and a byte↔character position pair on a line start to find replies in it.
  private readonly regionAllowed: boolean;
  /** `singleLineReply` may take lines: the options change nothing it would have to handle. */
  private readonly fastPath: boolean;
  private regionState: RegionState = RegionState.None;
  private regionString = "";
  private syncByte = 0;
  private regionEnd = 0;
  private regionStart = 0;
  private regionOneToOne = false;
  /**
   * The chunk's next IAC at or after the last window's start (the chunk's length when none); -1 until the chunk
   * is first searched (only when a window's text shows a U+FFFD).
   */
  private regionIac = -1;
  private syncChar = 0;
  /** A private copy of the chunk being fed, made on first need: reply `raw`s are views into it. */
  private chunkCopy: Uint8Array | undefined = undefined;
  /** Where the chunk's first byte is in `chunkCopy` (a slab holds other copies before it). */
  private chunkCopyAt = 0;
  /** The slab small copies go to, and how much of it is used. */
  private slab: Uint8Array = EMPTY;
  private slabUsed = 0;
  /** Where the last `keep` put its copy in the buffer it returned. */
  private keptAt = 0;

  // Telnet.
  private telnetState: TelnetState = TelnetState.Data;
  private telnetCommand = 0;
  private telnetOffset = 0;
  private subnegotiation: number[] = [];

  constructor(callbacks: ReplyParserCallbacks, options: ReplyParserOptions) {
    this.callbacks = callbacks;
    this.decode = createTextDecoder(options.encoding, options.fallbackEncoding);
    this.maxLineLength = positive(options.maxLineLength, DEFAULT_MAX_LINE_LENGTH, "maxLineLength");
    this.maxReplySize = positive(options.maxReplySize, DEFAULT_MAX_REPLY_SIZE, "maxReplySize");
    this.bareCrIsLineEnd = options.bareCrIsLineEnd ?? false;
    this.telnet = options.telnet ?? true;
    this.closeOnAnyCode = options.closeOnAnyCode ?? false;
    this.retainLines = options.retainLines ?? true;
    this.perLine = callbacks.onLine !== undefined || !this.retainLines;
    // Only UTF-8 maps line ends one to one between bytes and text whatever the bytes (an LF is never part of a
    // sequence, and an invalid sequence ends before it); bare-CR mode ends lines the text search would not see.
    this.regionAllowed = isUtf8(options.encoding) && !this.bareCrIsLineEnd;
    this.fastPath = this.regionAllowed && !this.perLine;
  }

  /**
   * The common case, taken without the general machinery: from `pos` (a line start between replies, nothing
   * carried, no Telnet command open), the replies of the chunk's decoded window are framed on its text (RFC 959
   * §4.2): single-line `ddd text` / `ddd`, and multi-line `ddd-` … `ddd ` replies that close inside the window.
   * It stops at the first line it does not take — one that opens no reply or draws a warning, a limit to report,
   * a reply longer than a window — having changed nothing for that line: the general path takes it. Returns the
   * position after the last reply it delivered.
   */
  private fastReplies(bytes: Uint8Array, pos: number): number {
    if (this.regionState !== RegionState.Ready || pos >= this.regionEnd) {
      if (!this.buildRegion(bytes, pos, pos)) return pos;
    }
    const base = this.base;
    const maxLineLength = this.maxLineLength;
    const maxReplySize = this.maxReplySize;
    let text = this.regionString;
    let regionEnd = this.regionEnd;
    let oneToOne = this.regionOneToOne;
    // With one character a byte, a byte's position is its character's plus the window's start.
    let shift = this.regionStart;
    let b = pos;
    let c = this.regionCharOf(bytes, pos);
    let copy = this.chunkCopy;
    let copyAt = this.chunkCopyAt;
    while (b < regionEnd) {
      // The first three characters are digits exactly when the first three bytes are (ASCII is one to one).
      const h0 = text.charCodeAt(c);
      const h1 = text.charCodeAt(c + 1);
      const h2 = text.charCodeAt(c + 2);
      if (h0 < DIGIT_1 || h0 > DIGIT_6 || !isDigit(h1) || !isDigit(h2)) break;
      const h3 = text.charCodeAt(c + 3);
      const lf = text.indexOf("\n", c);
      const lfByte = oneToOne ? lf + shift : bytes.indexOf(LF, b);
      if (lfByte - b > maxLineLength) break;
      // RFC 959 §4.1.3: one terminator is removed, a CR before the LF with it.
      const contentEnd = text.charCodeAt(lf - 1) === CR ? lf - 1 : lf;
      const code = (h0 - DIGIT_0) * 100 + (h1 - DIGIT_0) * 10 + (h2 - DIGIT_0);
      if (contentEnd - c === 3 || h3 === SPACE) {
        const size = lfByte + 1 - b;
        if (size > maxReplySize) break;
        const message = contentEnd - c > 3 ? text.slice(c + 4, contentEnd) : "";
        if (copy === undefined) {
          copy = this.copyChunk(bytes);
          copyAt = this.chunkCopyAt;
        }
        const start = b;
        b = lfByte + 1;
        c = lf + 1;
        this.lineStart = this.unitStart = base + b;
        this.callbacks.onReply(
          createSingleLineReply(code, message, copy, copyAt + start, base + start, size),
        );
        continue;
      }
      if (h3 !== HYPHEN || this.closeOnAnyCode) break;
      // A multi-line reply: its lines up to the one that closes it, `ddd ` or a bare `ddd` (RFC 959 §4.2).
      const lines = [text.slice(c, contentEnd)];
      let lineByte = lfByte + 1;
      let lineChar = lf + 1;
      let closed = false;
      while (lineByte < regionEnd) {
        const next = text.indexOf("\n", lineChar);
        const nextByte = oneToOne ? next + shift : bytes.indexOf(LF, lineByte);
        if (nextByte - lineByte > maxLineLength || nextByte + 1 - b > maxReplySize) break;
        const end = next > lineChar && text.charCodeAt(next - 1) === CR ? next - 1 : next;
        lines.push(text.slice(lineChar, end));
        lineByte = nextByte + 1;
        closed =
          text.charCodeAt(lineChar) === h0 &&
          text.charCodeAt(lineChar + 1) === h1 &&
          text.charCodeAt(lineChar + 2) === h2 &&
          (end - lineChar === 3 || text.charCodeAt(lineChar + 3) === SPACE);
        lineChar = next + 1;
        if (closed) break;
      }
      if (!closed) {
        // The window ends before the reply does: begin a new window at the reply, unless one begins there.
        if (lineByte < regionEnd || b === this.regionStart || !this.buildRegion(bytes, b, b)) break;
        text = this.regionString;
        regionEnd = this.regionEnd;
        oneToOne = this.regionOneToOne;
        shift = this.regionStart;
        c = 0;
        continue;
      }
      if (copy === undefined) {
        copy = this.copyChunk(bytes);
        copyAt = this.chunkCopyAt;
      }
      const start = b;
      b = lineByte;
      c = lineChar;
      this.lineStart = this.unitStart = base + b;
      this.callbacks.onReply(
        createReplyInBuffer(
          code,
          lines,
          replyText(lines, code, true),
          true,
          copy,
          copyAt + start,
          base + start,
          b - start,
        ),
      );
    }
    this.syncByte = b;
    this.syncChar = c;
    return b;
  }

  /**
   * Inner lines of the open multi-line reply from `pos` (a line start in this chunk), walked on the decoded
   * window rather than byte by byte: the walk stops before a line that closes the reply (`ddd ` or a bare `ddd`
   * with the reply's code, RFC 959 §4.2) or may pass a limit, and the general path takes that one. Returns where
   * it stopped. A line's bytes are at least its characters and at most three times as many (no UTF-8 sequence
   * gives more characters than bytes, nor fewer than a third), so limits are checked on characters; where they
   * could fire the walk stops and the general path counts the bytes.
   */
  private fastInnerLines(bytes: Uint8Array, pos: number): number {
    if (this.regionState !== RegionState.Ready || pos >= this.regionEnd) {
      if (!this.buildRegion(bytes, pos, pos)) return pos;
    }
    const text = this.regionString;
    const oneToOne = this.regionOneToOne;
    // Bytes a character may stand for: exactly one, or up to three.
    const widest = oneToOne ? 1 : 3;
    const maxLineLength = this.maxLineLength;
    const sizeLeft = this.maxReplySize - this.replyBytes;
    const code = this.replyCode;
    const d0 = DIGIT_0 + ((code / 100) | 0);
    const d1 = DIGIT_0 + (((code / 10) | 0) % 10);
    const d2 = DIGIT_0 + (code % 10);
    const start = this.regionCharOf(bytes, pos);
    const textEnd = text.length;
    let c = start;
    let lines = 0;
    while (c < textEnd) {
      const lf = text.indexOf("\n", c);
      if ((lf - c) * widest > maxLineLength || (lf + 1 - start) * widest > sizeLeft) break;
      if (text.charCodeAt(c) === d0 && text.charCodeAt(c + 1) === d1 && text.charCodeAt(c + 2) === d2) {
        const h3 = text.charCodeAt(c + 3);
        if (h3 === SPACE || h3 === LF || (h3 === CR && c + 4 === lf)) break;
      }
      lines++;
      c = lf + 1;
    }
    if (lines === 0) return pos;
    let b: number;
    if (oneToOne) b = pos + c - start;
    else if (c === textEnd) b = this.regionEnd;
    else {
      // Stopped inside the window: its byte is found by walking the lines' LF bytes (the k-th LF is the k-th "\n").
      b = pos;
      for (let i = 0; i < lines; i++) b = bytes.indexOf(LF, b) + 1;
    }
    this.replyLineCount += lines;
    this.replyBytes += b - pos;
    this.startLine(this.base + b);
    this.syncByte = b;
    this.syncChar = c;
    return b;
  }

  feed(input: Uint8Array | string): void {
    // A Buffer's `slice` is a view, not a copy: work on a plain Uint8Array view so that kept bytes are copies.
    const bytes =
      typeof input === "string"
        ? textEncoder.encode(input)
        : input.constructor === Uint8Array
          ? input
          : new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    const length = bytes.length;
    if (length === 0) return;
    const base = this.base;
    let pos = 0;
    if (this.pendingCr) {
      this.pendingCr = false;
      // RFC 959 §4.1.3 / bare-CR mode: CR LF is one terminator even when a chunk ends between them.
      if (bytes[0] === LF) pos = 1;
      this.lineEnd(bytes, base - 1, pos);
    }
    // Small chunks hold about one reply: one decode and one copy for the chunk would not pay off there.
    const fast = this.fastPath && length >= REGION_MIN_CHUNK;
    // Without Telnet no byte is a command: the next IAC is past the chunk.
    let nextIac = this.telnet ? -1 : length + 1;
    // No IAC lies in [pos, iacClear): the search for the next one goes on from there (each byte read once).
    let iacClear = 0;
    let nextCr = -1;
    // Line ends found ahead are kept: rescanning after every Telnet command would be quadratic on IAC floods.
    let nextLf = -1;
    while (pos < length) {
      if (this.telnetState !== TelnetState.Data) {
        pos = this.telnetStep(bytes, pos, length);
        continue;
      }
      if (fast && this.skip === Skip.None && this.lineStart === base + pos) {
        let after = pos;
        if (this.state === ReplyState.BetweenReplies) {
          if (this.carryLength === 0) after = this.fastReplies(bytes, pos);
        } else if (!this.unitHasTelnet && !this.closeOnAnyCode) {
          after = this.fastInnerLines(bytes, pos);
        }
        if (after !== pos) {
          pos = after;
          continue;
        }
      }
      if (nextLf < pos) {
        nextLf = bytes.indexOf(LF, pos);
        if (nextLf === -1) nextLf = length;
      }
      let end = nextLf;
      if (this.bareCrIsLineEnd) {
        if (nextCr < pos) {
          nextCr = bytes.indexOf(CR, pos);
          if (nextCr === -1) nextCr = length;
        }
        if (nextCr < end) end = nextCr;
      }
      if (nextIac < pos) {
        // Where the fast paths may take the next lines (they need no search), only up to this line's end.
        const to = fast ? end : length;
        const from = iacClear > pos ? iacClear : pos;
        const found = from < to ? indexOfByte(bytes, IAC, from, to) : to;
        if (found < to) nextIac = found;
        else iacClear = to;
      }
      if (nextIac >= pos && nextIac < end) {
        this.data(bytes, pos, nextIac);
        this.enterTelnet(bytes, nextIac);
        pos = nextIac + 1;
        continue;
      }
      if (end === length) {
        this.data(bytes, pos, length);
        pos = length;
        break;
      }
      this.data(bytes, pos, end);
      let terminatorEnd = end + 1;
      if (bytes[end] === CR) {
        // Bare-CR mode: the line ended at CR; an LF right after it belongs to the same terminator.
        if (terminatorEnd === length) {
          this.pendingCr = true;
          pos = length;
          break;
        }
        if (bytes[terminatorEnd] === LF) terminatorEnd++;
      }
      this.lineEnd(bytes, base + end, terminatorEnd);
      pos = terminatorEnd;
    }
    this.chunkEnd(bytes, length);
    this.base = base + length;
    this.chunkCopy = undefined;
    this.chunkCopyAt = 0;
    this.regionIac = -1;
    if (this.regionState !== RegionState.None) {
      this.regionState = RegionState.None;
      this.regionString = "";
    }
  }

  end(): void {
    if (this.pendingCr) {
      this.pendingCr = false;
      this.lineEnd(EMPTY, this.base - 1, 0);
    }
    const lineHasBytes = this.base > this.lineStart;
    if (this.skip !== Skip.None) {
      if (lineHasBytes || this.skipMultiline) {
        const code = this.skipCode === 0 ? undefined : this.skipCode;
        this.error("truncated", "stream ended inside a skipped reply", this.lineStart, EMPTY, code);
      }
    } else if (this.state === ReplyState.InMultiline) {
      const carried = this.unitBytes();
      const raw =
        this.replyRawLength === 0
          ? carried
          : concat([...this.replyRaw, carried], this.replyRawLength + carried.length);
      this.error(
        "truncated",
        `stream ended inside multi-line reply ${this.replyCode}`,
        this.replyStart,
        raw,
        this.replyCode,
      );
    } else if (lineHasBytes) {
      this.error("truncated", "stream ended inside a line", this.lineStart, this.unitBytes(), undefined);
    }
    this.reset();
  }

  reset(): void {
    this.base = 0;
    this.pendingCr = false;
    this.telnetState = TelnetState.Data;
    this.subnegotiation = [];
    this.state = ReplyState.BetweenReplies;
    this.skip = Skip.None;
    this.skipCode = 0;
    this.skipMultiline = false;
    this.replyCode = 0;
    this.startLine(0);
    this.startUnit(0);
    this.clearReply();
  }

  // ─── line content ────────────────────────────────────────────────────────────────────────────────────────────

  /** Plain data bytes `[from, to)` of the current line (no line end, no IAC among them). */
  private data(bytes: Uint8Array, from: number, to: number): void {
    if (to <= from) return;
    this.lineContentLength += to - from;
    let at = from;
    while (this.headLength < 4 && at < to) {
      const b = bytes[at++]!;
      switch (this.headLength++) {
        case 0:
          this.head0 = b;
          break;
        case 1:
          this.head1 = b;
          break;
        case 2:
          this.head2 = b;
          break;
        default:
          this.head3 = b;
      }
    }
    this.lastByteIsCr = bytes[to - 1] === CR;
  }

  private startLine(at: number): void {
    this.lineStart = at;
    this.headLength = 0;
    this.lineContentLength = 0;
    this.lastByteIsCr = false;
  }

  private startUnit(at: number): void {
    this.unitStart = at;
    if (this.carryLength > 0) {
      this.carryLength = 0;
      // Give back the memory of a large unit; a small buffer is kept for the next one.
      if (this.carry.length > CARRY_KEPT) this.carry = EMPTY;
    }
    if (this.unitHasTelnet) {
      this.unitHasTelnet = false;
      this.contentParts = [];
      this.contentLength = 0;
    }
  }

  private clearReply(): void {
    this.replyLineCount = 0;
    this.replyBytes = 0;
    if (this.replyRawLength > 0 || this.replyLines.length > 0) {
      this.replyLines = [];
      this.replyRaw = [];
      this.replyRawLength = 0;
    }
  }

  /** The chunk's private copy, made once for all the replies in it: a view costs less than a copy each. */
  private copyChunk(bytes: Uint8Array): Uint8Array {
    let copy = this.chunkCopy;
    if (copy === undefined) {
      copy = this.keep(bytes, 0, bytes.length);
      this.chunkCopy = copy;
      this.chunkCopyAt = this.keptAt;
    }
    return copy;
  }

  /** A copy of `bytes[start, end)` that stays valid: in the current slab when small, else a buffer of its own. */
  private keep(bytes: Uint8Array, start: number, end: number): Uint8Array {
    const length = end - start;
    if (length > SLAB_MAX_COPY) {
      this.keptAt = 0;
      return bytes.slice(start, end);
    }
    const at = this.slabRoom(length);
    const slab = this.slab;
    if (length <= SMALL_COPY) {
      for (let i = 0; i < length; i++) slab[at + i] = bytes[start + i]!;
    } else {
      slab.set(bytes.subarray(start, end), at);
    }
    this.keptAt = at;
    return slab;
  }

  /** Where the next `length` bytes go in the current slab, taken; a new slab when they do not fit (never rewritten). */
  private slabRoom(length: number): number {
    if (this.slabUsed + length > this.slab.length) {
      this.slab = new Uint8Array(SLAB_SIZE);
      this.slabUsed = 0;
    }
    const at = this.slabUsed;
    this.slabUsed = at + length;
    return at;
  }

  /** The unit's raw bytes up to `end` in the current chunk (a copy of its own, or a view of a kept copy). */
  private unitRaw(bytes: Uint8Array, end: number): Uint8Array {
    const from = this.unitStart - this.base;
    if (this.carryLength === 0) {
      const start = from < 0 ? 0 : from;
      if (bytes.length < REGION_MIN_CHUNK) {
        const kept = this.keep(bytes, start, end);
        return kept === this.slab ? kept.subarray(this.keptAt, this.keptAt + end - start) : kept;
      }
      const copy = this.copyChunk(bytes);
      return copy.subarray(this.chunkCopyAt + start, this.chunkCopyAt + end);
    }
    const start = from < 0 ? 0 : from;
    const total = this.carryLength + end - start;
    if (total > CARRY_KEPT) {
      // A large unit: hand the carry buffer itself over (its unit ends here; startUnit follows every call)
      // rather than copying it once more.
      if (end > start) this.appendCarry(bytes, start, end);
      const out = this.carry.subarray(0, total);
      this.carry = EMPTY;
      this.carryLength = 0;
      return out;
    }
    const carried = this.carryLength;
    if (total > SLAB_MAX_COPY) {
      const out = new Uint8Array(total);
      out.set(this.carry.subarray(0, carried));
      if (end > start) out.set(bytes.subarray(start, end), carried);
      return out;
    }
    // The carried part and this chunk's part, one after the other in the slab.
    const at = this.slabRoom(total);
    const slab = this.slab;
    const carry = this.carry;
    if (total <= 2 * SMALL_COPY) {
      for (let i = 0; i < carried; i++) slab[at + i] = carry[i]!;
      for (let i = start, to = at + carried; i < end; i++) slab[to++] = bytes[i]!;
    } else {
      slab.set(carry.subarray(0, carried), at);
      if (end > start) slab.set(bytes.subarray(start, end), at + carried);
    }
    return slab.subarray(at, at + total);
  }

  /** The unit's content (raw minus Telnet commands) up to `end` in the current chunk. */
  private unitContent(bytes: Uint8Array, end: number, raw: Uint8Array): Uint8Array {
    if (!this.unitHasTelnet) return raw;
    const from = this.plainStart - this.base;
    const start = from < 0 ? 0 : from;
    if (end <= start) return concat(this.contentParts, this.contentLength);
    const parts = this.contentParts.slice();
    parts.push(bytes.subarray(start, end));
    return concat(parts, this.contentLength + end - start);
  }

  /** Whatever the unit holds so far, for a `truncated` error. */
  private unitBytes(): Uint8Array {
    return this.carryLength === 0 ? EMPTY : this.carry.slice(0, this.carryLength);
  }

  // ─── Telnet (RFC 854) ───────────────────────────────────────────────────────────────────────────────────────

  /** An IAC at `at`: from here on the unit's content is collected apart from its raw bytes. */
  private enterTelnet(bytes: Uint8Array, at: number): void {
    this.telnetState = TelnetState.Iac;
    this.telnetOffset = this.base + at;
    if (this.skip !== Skip.None) return;
    if (!this.unitHasTelnet) {
      this.unitHasTelnet = true;
      this.contentParts = this.carryLength === 0 ? [] : [this.carry.slice(0, this.carryLength)];
      this.contentLength = this.carryLength;
      this.plainStart = this.unitStart;
    }
    const from = this.plainStart - this.base;
    const start = from < 0 ? 0 : from;
    if (at > start) {
      this.contentParts.push(bytes.slice(start, at));
      this.contentLength += at - start;
    }
  }

  /** Consumes bytes of a Telnet command; returns the position after what it consumed. */
  private telnetStep(bytes: Uint8Array, pos: number, length: number): number {
    while (pos < length) {
      const b = bytes[pos++]!;
      switch (this.telnetState) {
        case TelnetState.Iac:
          if (b === IAC) {
            // IAC IAC is one data byte 0xFF (RFC 854).
            this.telnetState = TelnetState.Data;
            this.data(IAC_BYTE, 0, 1);
            if (this.skip === Skip.None) {
              this.contentParts.push(IAC_BYTE);
              this.contentLength++;
            }
            this.plainStart = this.base + pos;
            return pos;
          }
          this.telnetCommand = b;
          if (b >= WILL && b <= DONT) {
            this.telnetState = TelnetState.Option;
          } else if (b === SB) {
            this.telnetState = TelnetState.Subnegotiation;
            this.subnegotiation = [];
          } else {
            return this.telnetDone(pos, undefined, undefined);
          }
          break;
        case TelnetState.Option:
          return this.telnetDone(pos, b, undefined);
        case TelnetState.Subnegotiation:
          if (b === IAC) this.telnetState = TelnetState.SubnegotiationIac;
          else this.keepSubnegotiation(b);
          break;
        default:
          // SubnegotiationIac: IAC SE ends it, IAC IAC is a 0xFF byte of the payload.
          if (b === SE) {
            const payload = Uint8Array.from(this.subnegotiation);
            const option = payload[0];
            return this.telnetDone(pos, option, payload.subarray(1));
          }
          this.telnetState = TelnetState.Subnegotiation;
          this.keepSubnegotiation(b);
      }
    }
    return pos;
  }

  private keepSubnegotiation(b: number): void {
    if (this.subnegotiation.length < MAX_SUBNEGOTIATION_KEPT) this.subnegotiation.push(b);
  }

  private telnetDone(pos: number, option: number | undefined, data: Uint8Array | undefined): number {
    this.telnetState = TelnetState.Data;
    this.plainStart = this.base + pos;
    const onTelnet = this.callbacks.onTelnet;
    if (onTelnet !== undefined) {
      const command = this.telnetCommand;
      const event: { -readonly [K in keyof TelnetCommand]: TelnetCommand[K] } = {
        command,
        name: telnetCommandName(command),
        offset: this.telnetOffset,
      };
      if (option !== undefined) event.option = option;
      if (data !== undefined) event.data = data;
      onTelnet(event);
    }
    return pos;
  }

  // ─── framing (RFC 959 §4.2) ─────────────────────────────────────────────────────────────────────────────────

  /**
   * The current line ends with a terminator (LF, or CR in bare-CR mode) at stream offset `terminatorAt`; the line
   * and its terminator end at index `terminatorEnd` of `bytes`.
   */
  private lineEnd(bytes: Uint8Array, terminatorAt: number, terminatorEnd: number): void {
    // Limits count the bytes before the terminator, Telnet commands included: they bound memory.
    const lineLength = terminatorAt - this.lineStart;
    // RFC 959 §4.1.3: one terminator is removed; a CR right before LF is part of it. (In bare-CR mode a CR never
    // reaches the content, so this only ever strips the CR of CR LF.)
    const contentLength = this.lineContentLength - (this.lastByteIsCr ? 1 : 0);
    const headLength = this.headLength < contentLength ? this.headLength : contentLength;
    const lineStart = this.lineStart;
    const next = this.base + terminatorEnd;

    if (this.skip !== Skip.None) {
      this.skippedLineEnd(headLength, next);
      return;
    }
    if (lineLength > this.maxLineLength) {
      this.lineTooLong(bytes, headLength, next);
      return;
    }

    const h0 = this.head0;
    const h1 = this.head1;
    const h2 = this.head2;
    const h3 = this.head3;
    const hasCode = headLength >= 3 && isDigit(h0) && isDigit(h1) && isDigit(h2);

    if (this.state === ReplyState.InMultiline) {
      const code = this.replyCode;
      const closesOwn =
        hasCode &&
        h0 - DIGIT_0 === ((code / 100) | 0) &&
        h1 - DIGIT_0 === ((code / 10) | 0) % 10 &&
        h2 - DIGIT_0 === code % 10 &&
        (headLength === 3 || h3 === SPACE);
      let closes = closesOwn;
      if (!closesOwn && this.closeOnAnyCode && hasCode && h0 >= DIGIT_1 && h0 <= DIGIT_6) {
        closes = headLength === 3 || h3 === SPACE;
      }
      this.replyLineCount++;
      this.replyBytes += next - lineStart;
      if (!closes) {
        if (this.replyBytes > this.maxReplySize && this.retainLines) {
          this.replyTooLong(code, next);
          return;
        }
        if (this.perLine) this.innerLinePerLine(bytes, terminatorEnd, lineStart, next);
        this.startLine(next);
        return;
      }
      if (this.replyBytes > this.maxReplySize && this.retainLines) {
        this.error(
          "reply-too-long",
          `reply ${code} is longer than ${this.maxReplySize} bytes`,
          this.replyStart,
          EMPTY,
          code,
        );
        this.afterReply(next);
        return;
      }
      let closingCode = code;
      if (!closesOwn) {
        closingCode = (h0 - DIGIT_0) * 100 + (h1 - DIGIT_0) * 10 + (h2 - DIGIT_0);
        this.warning(
          "mismatched-close",
          `multi-line reply ${code} closed by a line with code ${closingCode}`,
          lineStart,
          closingCode,
        );
      }
      this.emit(bytes, terminatorEnd, closingCode, true, lineStart);
      this.afterReply(next);
      return;
    }

    // Between replies: the line must open one.
    if (hasCode && h0 >= DIGIT_1 && h0 <= DIGIT_6 && (headLength === 3 || !isDigit(h3))) {
      const code = (h0 - DIGIT_0) * 100 + (h1 - DIGIT_0) * 10 + (h2 - DIGIT_0);
      if (headLength > 3 && h3 === HYPHEN) {
        this.state = ReplyState.InMultiline;
        this.replyCode = code;
        this.replyStart = this.unitStart;
        this.replyLineCount = 1;
        this.replyBytes = next - lineStart;
        if (this.replyBytes > this.maxReplySize && this.retainLines) {
          this.replyTooLong(code, next);
          return;
        }
        if (this.perLine) this.innerLinePerLine(bytes, terminatorEnd, lineStart, next);
        this.startLine(next);
        return;
      }
      if (headLength > 3 && h3 !== SPACE) {
        this.warning("missing-space", `reply code ${code} is not followed by a space`, lineStart, code);
      }
      this.replyCode = code;
      this.replyStart = this.unitStart;
      this.replyLineCount = 1;
      this.replyBytes = next - lineStart;
      if (this.replyBytes > this.maxReplySize && this.retainLines) {
        this.error(
          "reply-too-long",
          `reply ${code} is longer than ${this.maxReplySize} bytes`,
          lineStart,
          EMPTY,
          code,
        );
        this.afterReply(next);
        return;
      }
      this.emit(bytes, terminatorEnd, code, false, lineStart);
      this.afterReply(next);
      return;
    }

    const raw = this.unitRaw(bytes, terminatorEnd);
    const content = this.unitContent(bytes, terminatorEnd, raw);
    const message =
      contentLength === 0
        ? "blank line outside a reply"
        : "line outside a reply does not start with a reply code";
    this.error(
      "unexpected-line",
      message,
      lineStart,
      content,
      undefined,
      stripTerminator(this.decode(content)),
    );
    this.startLine(next);
    this.startUnit(next);
  }

  /** With `perLine`: a completed non-closing line of a multi-line reply is decoded now and its bytes moved out. */
  private innerLinePerLine(bytes: Uint8Array, terminatorEnd: number, lineStart: number, next: number): void {
    const raw = this.unitRaw(bytes, terminatorEnd);
    const line = stripTerminator(this.decode(this.unitContent(bytes, terminatorEnd, raw)));
    const index = this.replyLineCount - 1;
    if (this.retainLines || index === 0) {
      this.replyLines.push(line);
      this.replyRaw.push(raw);
      this.replyRawLength += raw.length;
    }
    this.startUnit(next);
    this.callbacks.onLine?.({ code: this.replyCode, line, index, last: false, offset: lineStart });
  }

  /** Builds and delivers the reply that closes at `terminatorEnd`. */
  private emit(
    bytes: Uint8Array,
    terminatorEnd: number,
    code: number,
    multiline: boolean,
    lineStart: number,
  ): void {
    const byteLength = this.base + terminatorEnd - this.replyStart;
    const offset = this.replyStart;
    const inChunk = this.carryLength === 0 && !this.unitHasTelnet && this.unitStart >= this.base;
    let raw = this.unitRaw(bytes, terminatorEnd);
    let decoded: string | undefined;
    let lines: string[];
    if (this.perLine) {
      const last = stripTerminator(this.decode(this.unitContent(bytes, terminatorEnd, raw)));
      lines = this.replyLines;
      lines.push(last);
      if (this.replyRawLength > 0) {
        this.replyRaw.push(raw);
        raw = concat(this.replyRaw, this.replyRawLength + raw.length);
      }
      this.callbacks.onLine?.({
        code,
        line: last,
        index: this.replyLineCount - 1,
        last: true,
        offset: lineStart,
      });
      this.replyLines = [];
      this.replyRaw = [];
      this.replyRawLength = 0;
    } else {
      if (inChunk && this.regionAllowed && bytes.length >= REGION_MIN_CHUNK) {
        const startChar = this.regionLocate(
          bytes,
          this.unitStart - this.base,
          terminatorEnd,
          this.replyLineCount,
        );
        if (startChar >= 0) decoded = this.regionString.slice(startChar, this.syncChar);
      }
      if (decoded !== undefined) {
        lines = splitLines(decoded, this.replyLineCount);
      } else {
        const content = this.unitContent(bytes, terminatorEnd, raw);
        if (this.regionAllowed && content.length > REGION_WINDOW) {
          lines = decodeLinesInWindows(content, this.replyLineCount);
        } else {
          decoded = this.decode(content);
          lines = this.bareCrIsLineEnd
            ? splitLinesBareCr(decoded, this.replyLineCount)
            : splitLines(decoded, this.replyLineCount);
        }
      }
    }
    // Inner lines lose the prefix of the reply's own (opening) code; the closing line may carry another one.
    const text = replyText(lines, this.replyCode, multiline);
    this.callbacks.onReply(createReply(code, lines, text, multiline, raw, offset, byteLength));
  }

  private afterReply(next: number): void {
    this.state = ReplyState.BetweenReplies;
    this.replyCode = 0;
    this.clearReply();
    this.startLine(next);
    this.startUnit(next);
  }

  // ─── limits ─────────────────────────────────────────────────────────────────────────────────────────────────

  /** A line passed `maxLineLength` (found at its end, or at a chunk's end while it was still open). */
  private lineTooLong(bytes: Uint8Array, headLength: number, next: number): void {
    // Outside a reply the line's code is not given: with a tiny limit it may not have arrived yet.
    const code = this.state === ReplyState.InMultiline ? this.replyCode : undefined;
    this.error(
      "line-too-long",
      `line is longer than ${this.maxLineLength} bytes`,
      this.lineStart,
      this.lineExcerptBytes(bytes),
      code,
    );
    this.beginSkip();
    if (next >= 0) this.skippedLineEnd(headLength, next);
  }

  /** Enters skip mode for the reply (or line) now open; the framing is still followed to find its end. */
  private beginSkip(): void {
    if (this.state === ReplyState.InMultiline) {
      this.skip = Skip.Reply;
      this.skipCode = this.replyCode;
      this.skipMultiline = true;
    } else {
      this.skip = Skip.Line;
      this.skipCode = 0;
      this.skipMultiline = false;
    }
    this.state = ReplyState.BetweenReplies;
    this.replyCode = 0;
    this.clearReply();
    this.startUnit(this.lineStart);
  }

  private replyTooLong(code: number, next: number): void {
    this.error(
      "reply-too-long",
      `reply ${code} is longer than ${this.maxReplySize} bytes`,
      this.replyStart,
      EMPTY,
      code,
    );
    this.state = ReplyState.BetweenReplies;
    this.replyCode = 0;
    this.clearReply();
    this.skip = Skip.Reply;
    this.skipCode = code;
    this.skipMultiline = true;
    this.startLine(next);
    this.startUnit(next);
  }

  /** The end of a line while skipping: find out whether the skipped reply goes on. */
  private skippedLineEnd(headLength: number, next: number): void {
    const h0 = this.head0;
    const h1 = this.head1;
    const h2 = this.head2;
    const h3 = this.head3;
    if (this.skip === Skip.Line) {
      // The skipped line itself: if it opened a multi-line reply (`nnn-`), skip to that reply's closing line.
      this.skip = Skip.None;
      const code = this.headCode(headLength);
      if (code !== undefined && headLength >= 4 && h3 === HYPHEN) {
        this.skip = Skip.Reply;
        this.skipCode = code;
        this.skipMultiline = true;
      }
    } else {
      const code = this.skipCode;
      const closes =
        headLength >= 3 &&
        isDigit(h0) &&
        isDigit(h1) &&
        isDigit(h2) &&
        (h0 - DIGIT_0) * 100 + (h1 - DIGIT_0) * 10 + (h2 - DIGIT_0) === code &&
        (headLength === 3 || h3 === SPACE);
      if (closes) this.skip = Skip.None;
    }
    if (this.skip === Skip.None) {
      this.skipCode = 0;
      this.skipMultiline = false;
    }
    this.startLine(next);
    this.startUnit(next);
  }

  private headCode(headLength: number): number | undefined {
    if (headLength < 3 || !isDigit(this.head0) || !isDigit(this.head1) || !isDigit(this.head2))
      return undefined;
    if (this.head0 < DIGIT_1 || this.head0 > DIGIT_6) return undefined;
    return (this.head0 - DIGIT_0) * 100 + (this.head1 - DIGIT_0) * 10 + (this.head2 - DIGIT_0);
  }

  /**
   * The first bytes of the current line, for an error excerpt: as many as every chunking has seen when the limit
   * fires (`maxLineLength + 1`), at most 320, so the excerpt does not depend on where chunks were cut.
   */
  private lineExcerptBytes(bytes: Uint8Array): Uint8Array {
    const want = Math.min(320, this.maxLineLength + 1);
    const from = this.lineStart - this.base;
    if (from >= 0) return bytes.slice(from, from + want);
    const carried = this.unitBytes();
    const inCarry = this.lineStart - this.unitStart;
    const head = carried.subarray(inCarry, inCarry + want);
    if (head.length >= want) return head;
    const out = new Uint8Array(Math.min(want, head.length + bytes.length));
    out.set(head);
    out.set(bytes.subarray(0, out.length - head.length), head.length);
    return out;
  }

  /** At a chunk's end: check the open line against its limit, then keep the unit's bytes for the next chunk. */
  private chunkEnd(bytes: Uint8Array, length: number): void {
    const lineLength = this.base + length - this.lineStart - (this.pendingCr ? 1 : 0);
    if (this.skip === Skip.None && lineLength > this.maxLineLength) {
      this.lineTooLong(bytes, this.headLength, -1);
    }
    if (this.skip !== Skip.None) return;
    const from = this.unitStart - this.base;
    const start = from < 0 ? 0 : from;
    if (start < length) {
      this.appendCarry(bytes, start, length);
    }
    if (this.unitHasTelnet && this.telnetState === TelnetState.Data) {
      const plain = this.plainStart - this.base;
      const plainFrom = plain < 0 ? 0 : plain;
      if (plainFrom < length) {
        this.contentParts.push(bytes.slice(plainFrom, length));
        this.contentLength += length - plainFrom;
      }
      this.plainStart = this.base + length;
    }
  }

  /**
   * Decodes the window of the chunk's complete lines from `from` (a line start) with one call — decoding the
   * lines of a chunk at once costs far less than a call per reply — so that it holds at least up to `to` (the end
   * of a unit that ends with an LF, holds no IAC, and is at most a window long: the window always reaches it).
   * About REGION_WINDOW bytes of whole lines (TextDecoder is fastest on pieces of some KiB), cut before a line
   * holding a Telnet command (commands are not text). False, with no window, when it would hold no line.
   */
  private buildRegion(bytes: Uint8Array, from: number, to: number): boolean {
    this.regionState = RegionState.None;
    // A unit bigger than a window is decoded on its own: one call is cheap against its size.
    if (to - from > REGION_WINDOW) return false;
    let regionEnd = bytes.lastIndexOf(LF, from + REGION_WINDOW - 1) + 1;
    if (regionEnd <= from) return false;
    let text: string | undefined;
    if (this.regionIac < 0) {
      // Not searched yet. 0xFF is never valid UTF-8: a window without U+FFFD holds no IAC, and needs no search.
      text = utf8Decoder.decode(bytes.subarray(from, regionEnd));
      if (this.telnet && text.indexOf(REPLACEMENT_CHARACTER) !== -1) {
        this.regionIac = indexOfByte(bytes, IAC, from, bytes.length);
      }
    } else if (this.regionIac < from) {
      // Once the chunk has been searched, the next IAC is found before decoding: decoding first would cost a
      // window per line on a line-by-line IAC flood.
      this.regionIac = indexOfByte(bytes, IAC, from, bytes.length);
    }
    if (this.regionIac >= 0 && this.regionIac < regionEnd) {
      regionEnd = bytes.lastIndexOf(LF, this.regionIac) + 1;
      if (regionEnd <= from) return false;
      text = undefined;
    }
    text ??= utf8Decoder.decode(bytes.subarray(from, regionEnd));
    this.regionString = text;
    this.regionState = RegionState.Ready;
    this.regionStart = from;
    this.regionEnd = regionEnd;
    // No byte sequence decodes to more characters than it has bytes, so equal lengths mean one each.
    this.regionOneToOne = text.length === regionEnd - from;
    this.syncByte = from;
    this.syncChar = 0;
    return true;
  }

  /**
   * The character of the window's text where the line starting at byte `from` starts. The k-th LF byte is the
   * k-th "\n" of the text (in UTF-8 an LF is never inside a sequence, and an invalid sequence ends before it),
   * so it is found by walking line ends in both from the last position known in both, each line once — or by
   * arithmetic when every byte decoded to one character.
   */
  private regionCharOf(bytes: Uint8Array, from: number): number {
    if (this.regionOneToOne) return from - this.regionStart;
    const text = this.regionString;
    let atByte = this.syncByte;
    let atChar = this.syncChar;
    // Lines between the last unit and this one (skipped or reported lines) are walked over first.
    while (atByte < from) {
      atByte = bytes.indexOf(LF, atByte) + 1;
      atChar = text.indexOf("\n", atChar) + 1;
    }
    this.syncByte = atByte;
    this.syncChar = atChar;
    return atChar;
  }

  /**
   * Finds the unit `bytes[from, to)` (`lineCount` whole lines of the current chunk) in the chunk's decoded
   * window, building one from `from` when the current one does not hold it. Returns the unit's first character
   * and leaves its end in `syncChar`; -1 when no window can hold it (see `buildRegion`).
   */
  private regionLocate(bytes: Uint8Array, from: number, to: number, lineCount: number): number {
    // The window may begin inside the unit (one was built for the inner lines of a long reply).
    if (this.regionState !== RegionState.Ready || to > this.regionEnd || from < this.regionStart) {
      if (!this.buildRegion(bytes, from, to)) return -1;
    }
    const startChar = this.regionCharOf(bytes, from);
    let atChar = startChar;
    if (this.regionOneToOne) {
      atChar = to - this.regionStart;
    } else {
      const text = this.regionString;
      for (let i = 0; i < lineCount; i++) atChar = text.indexOf("\n", atChar) + 1;
    }
    this.syncByte = to;
    this.syncChar = atChar;
    return startChar;
  }

  /** Appends `bytes[start, end)` to the carry buffer, growing it by doubling. */
  private appendCarry(bytes: Uint8Array, start: number, end: number): void {
    const count = end - start;
    let carry = this.carry;
    const needed = this.carryLength + count;
    if (needed > carry.length) {
      let capacity = carry.length < CARRY_MIN ? CARRY_MIN : carry.length * 2;
      while (capacity < needed) capacity *= 2;
      const grown = new Uint8Array(capacity);
      grown.set(carry.subarray(0, this.carryLength));
      this.carry = carry = grown;
    }
    if (count <= SMALL_COPY) {
      // A byte loop beats creating a subarray for set() on the few bytes a small chunk leaves.
      let at = this.carryLength;
      for (let i = start; i < end; i++) carry[at++] = bytes[i]!;
    } else {
      carry.set(bytes.subarray(start, end), this.carryLength);
    }
    this.carryLength = needed;
  }

  // ─── reporting ──────────────────────────────────────────────────────────────────────────────────────────────

  private error(
    type: ReplyParseErrorType,
    message: string,
    offset: number,
    bytes: Uint8Array,
    code: number | undefined,
    excerpt?: string,
  ): void {
    const init: { offset: number; excerpt?: string; code?: number; raw?: Uint8Array } = { offset };
    const text = excerpt ?? (bytes.length > 0 ? excerptOf(bytes) : undefined);
    if (text !== undefined) init.excerpt = text.length > 80 ? `${text.slice(0, 80)}…` : text;
    if (code !== undefined) init.code = code;
    if (type === "truncated" && bytes.length > 0) init.raw = bytes;
    this.callbacks.onError(new ReplyParseError(type, message, init));
  }

  private warning(type: ReplyParseErrorType, message: string, offset: number, code: number): void {
    this.callbacks.onWarning?.(new ReplyParseError(type, message, { offset, code }));
  }
}

/**
 * The first `value` in `bytes[from, to)`, or `to` when there is none. `Uint8Array#indexOf` has no end bound and
 * reads about a byte a nanosecond: the search must stop where the caller's interest does, or a chunk would be
 * read once per line.
 */
function indexOfByte(bytes: Uint8Array, value: number, from: number, to: number): number {
  if (to - from <= SMALL_SCAN) {
    for (let i = from; i < to; i++) if (bytes[i] === value) return i;
    return to;
  }
  const found = bytes.subarray(from, to).indexOf(value);
  return found === -1 ? to : from + found;
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(value > 0) || !Number.isFinite(value))
    throw new RangeError(`${name} must be a positive number, got ${value}`);
  return value;
}

/**
 * `splitLines(utf8Decoder.decode(content), count)` for a large reply, decoded in windows of whole lines:
 * TextDecoder is markedly faster on pieces of some KiB than on one of hundreds of KiB, and cutting UTF-8 after
 * an LF changes nothing in what it decodes to. `content` ends with LF (not bare-CR mode).
 */
function decodeLinesInWindows(content: Uint8Array, count: number): string[] {
  const lines: string[] = new Array(count);
  const length = content.length;
  let index = 0;
  let start = 0;
  while (start < length && index < count) {
    let end = content.lastIndexOf(LF, start + REGION_WINDOW - 1) + 1;
    if (end <= start) {
      // One line longer than a window: the window is that line.
      end = content.indexOf(LF, start + REGION_WINDOW) + 1;
      if (end === 0) end = length;
    }
    const text = utf8Decoder.decode(content.subarray(start, end));
    let from = 0;
    while (from < text.length && index < count) {
      let lineEnd = text.indexOf("\n", from);
      if (lineEnd === -1) lineEnd = text.length;
      const next = lineEnd + 1;
      if (lineEnd > from && text.charCodeAt(lineEnd - 1) === CR) lineEnd--;
      lines[index++] = text.slice(from, lineEnd);
      from = next;
    }
    start = end;
  }
  return lines;
}

/** Splits a reply's decoded text into its `count` lines (each ends with LF), terminators removed. */
function splitLines(text: string, count: number): string[] {
  if (count === 1) return [stripTerminator(text)];
  const lines: string[] = new Array(count);
  let start = 0;
  for (let i = 0; i < count; i++) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = text.length;
    const next = end + 1;
    if (end > start && text.charCodeAt(end - 1) === CR) end--;
    lines[i] = text.slice(start, end);
    start = next;
  }
  return lines;
}

/** The same in bare-CR mode: lines end with LF, CR LF or CR (a CR never occurs inside a line there). */
function splitLinesBareCr(text: string, count: number): string[] {
  const lines: string[] = new Array(count);
  let start = 0;
  let nextLf = -1;
  let nextCr = -1;
  for (let i = 0; i < count; i++) {
    if (nextLf < start) {
      nextLf = text.indexOf("\n", start);
      if (nextLf === -1) nextLf = text.length;
    }
    if (nextCr < start) {
      nextCr = text.indexOf("\r", start);
      if (nextCr === -1) nextCr = text.length;
    }
    const end = nextCr < nextLf ? nextCr : nextLf;
    lines[i] = text.slice(start, end);
    start = end === nextCr && nextLf === end + 1 ? end + 2 : end + 1;
  }
  return lines;
}

/** RFC 959 §4.2: the message is the lines with the code prefix removed where the reply's own code repeats. */
function replyText(lines: readonly string[], code: number, multiline: boolean): string {
  const first = lines[0]!;
  if (!multiline) return first.length > 3 ? first.slice(first.charCodeAt(3) === SPACE ? 4 : 3) : "";
  const prefix = String(code);
  const parts: string[] = new Array(lines.length);
  parts[0] = first.slice(4);
  const lastIndex = lines.length - 1;
  for (let i = 1; i < lastIndex; i++) {
    const line = lines[i]!;
    // Only `nnn-` can repeat the reply's own code here: an inner line `nnn ` would have closed the reply.
    parts[i] = line.charCodeAt(3) === HYPHEN && line.startsWith(prefix) ? line.slice(4) : line;
  }
  const last = lines[lastIndex]!;
  parts[lastIndex] = last.length > 4 ? last.slice(4) : "";
  return parts.join("\n");
}

/** Creates a streaming reply parser: feed it chunks, get replies through `onReply`. */
export function createReplyParser(
  callbacks: ReplyParserCallbacks,
  options: ReplyParserOptions = {},
): ReplyParser {
  const machine = new ReplyStateMachine(callbacks, options);
  return {
    feed: (chunk) => machine.feed(chunk),
    end: () => machine.end(),
    reset: () => machine.reset(),
  };
}

/** Parses a whole input at once. Throws the first `ReplyParseError` (replies before it are on `error.replies`). */
export function parseReplies(input: Uint8Array | string, options: ReplyParserOptions = {}): Reply[] {
  const replies: Reply[] = [];
  let first: ReplyParseError | undefined;
  const parser = createReplyParser(
    {
      onReply: (reply) => {
        if (first === undefined) replies.push(reply);
      },
      onError: (error) => {
        first ??= error;
      },
    },
    options,
  );
  parser.feed(input);
  parser.end();
  if (first !== undefined) {
    (first as ReplyParseError & { replies?: Reply[] }).replies = replies;
    traceFromCaller(first, parseReplies);
    throw first;
  }
  return replies;
}
