/**
 * The one line splitter of the control connection, for both directions: bytes in, in chunks of any size; lines
 * out, decoded, with their stream offsets. RFC 959 §4.1.3 / RFC 854: a line ends with CR LF; a bare LF is
 * accepted as servers and clients do; a bare CR ends a line only in bare-CR mode (CR LF stays one terminator).
 * One line limit — the bytes before the LF, a CR and Telnet commands included — bounds memory whatever the input.
 *
 * Speed lives here, not in a second grammar: the complete lines of a chunk are decoded with one `TextDecoder`
 * call per batch of about 4 KiB and cut at each "\n" of the text. A line holding a U+FFFD (an IAC, invalid
 * UTF-8) or passing the limit takes the byte path instead (Telnet, exact bytes). The bytes of an
 * unfinished line are kept in one growable buffer; every byte is searched, copied and decoded O(1) times, so the
 * cost is O(n) whatever the chunking. In small chunks, complete lines the sink lets wait (`deferrable`: a long
 * reply's inner lines) stay in that buffer, up to one batch, and are decoded with the lines after them.
 *
 * Callbacks may throw or call `feed` again: a chunk fed from inside a callback is queued and read after the
 * current one, in order; when a callback throws, what was delivered counts as delivered, the rest of the chunk
 * waits for the next `feed` (or `end`), and the error reaches the caller of `feed`.
 *
 * ```ts
 * const splitter = new LineSplitter(sink, { maxLineLength: 1024, keepOfLongLine: 80 });
 * splitter.feed("220 ready\r\n331 pass");
 * splitter.feed("word please\r\n"); // sink.line("220 ready", 0, 11, …), then sink.line("331 password please", 11, 21, …)
 * ```
 */
import { bytesOf, CR, EMPTY, indexOfByte, LF } from "./bytes.js";
import { bytesBytes, RETAINED_BYTES } from "./memory.js";
import { IAC, removeTelnet, type TelnetCommand } from "./telnet.js";
import { createTextDecoder, decodeUtf8, isUtf8Label, type TextDecodeFunction } from "./text.js";

/** How a line ended: with `text`, it makes the line's exact bytes when the splitter gives none. */
export const enum Ending {
  CrLf = 0,
  Lf = 1,
  Cr = 2,
}

/** The terminator of each `Ending`, as text. */
export const ENDING_TEXT: readonly string[] = ["\r\n", "\n", "\r"];

/** Where the lines go. */
export interface LineSink {
  /**
   * A complete line: `text` is its content decoded, Telnet commands and one terminator removed; `offset` is the
   * stream offset of its first byte and `byteLength` its length with the terminator. `bytes` (a view, valid
   * during the call only) is given when the line's bytes are not exactly `text` in UTF-8 followed by `ending`.
   */
  line(text: string, offset: number, byteLength: number, ending: Ending, bytes: Uint8Array | undefined): void;
  /**
   * Optional: whether the complete line from `bytes[start]` (up to its LF, not decoded) may reach `line` later,
   * with the lines after it. The splitter then holds such lines (a few KiB at most) and decodes them in one call
   * with those that follow: small chunks of a long reply cost one decode per batch, not one per chunk. Held lines
   * are always delivered, in order, before any line after them and before `longLine`, `end` or a `skip`.
   */
  deferrable?(bytes: Uint8Array, start: number): boolean;
  /** The line at `offset` passed the limit; `excerpt` holds its first bytes. Its end comes as `cutLine`. */
  longLine(offset: number, excerpt: Uint8Array): void;
  /** The end of a line `longLine` reported: `head` is its first bytes kept (`headBytes`), decoded, Telnet removed. */
  cutLine(head: string, offset: number, byteLength: number, headBytes: Uint8Array): void;
  /** Telnet commands removed from the line that comes next (RFC 854). */
  telnet(commands: readonly TelnetCommand[]): void;
  /** The stream ended; `partial` holds an unfinished line from `offset` (empty if none); `cut` if it had passed the limit. */
  end(offset: number, partial: Uint8Array, cut: boolean): void;
}

export interface LineOptions {
  encoding?: string | undefined;
  fallbackEncoding?: string | undefined;
  /** Longest line: its bytes before the LF (a CR and Telnet commands included). */
  maxLineLength: number;
  /** A bare CR ends a line too (CR LF is still one terminator). */
  bareCrIsLineEnd?: boolean | undefined;
  /** Interpret Telnet (RFC 854); false passes 0xFF through as data. */
  telnet?: boolean | undefined;
  /** Bytes kept of a line that passed the limit (given to `cutLine`). */
  keepOfLongLine: number;
  /**
   * False: lines are not decoded — `text` is "" and `bytes` always given — for readers of other line-based
   * formats (a log's lines) that read bytes. Not with `setEncoding`.
   */
  decode?: boolean | undefined;
}

/**
 * Bytes of complete lines decoded with one call. Past a few KiB a bigger batch gains nothing (the call costs
 * about 150 ns), and a reply's text, a slice of its batch's, keeps at most this much text alive.
 */
const DECODE_BATCH = 4 * 1024;
/** A chunk shorter than this is joined to the unfinished line before it and decoded with it in one call. */
const SMALL_CHUNK = 512;
/** First capacity of the unfinished-line buffer, and the largest one kept once the line is done. */
const CARRY_MIN = 256;
/** Up to this many bytes, a copy is a loop rather than a call to `set` or `copyWithin`… */
const COPY_BY_LOOP = 128;
/** …but from this many on, a whole chunk (no subarray to make) is copied with one `set`. */
const COPY_WHOLE_FROM = 16;
const CARRY_KEPT = 64 * 1024;
/** Bytes of a too-long line shown in its error. */
const EXCERPT_BYTES = 320;
const REPLACEMENT = "\uFFFD";

/** Thrown from a delivery whose callback switched the encoding, and caught by `#run` (never seen outside). */
const SWITCHED = Symbol("encoding switched");

/** A queued `end()` or `reset()` (called from inside a callback), or the held lines to deliver before a `skip`. */
const END = 0;
const RESET = 1;
const RELEASE = 2;
type Queued = Uint8Array | typeof END | typeof RESET | typeof RELEASE;

export class LineSplitter {
  readonly #sink: LineSink;
  #decode: TextDecodeFunction;
  readonly #max: number;
  readonly #keep: number;
  readonly #bareCr: boolean;
  readonly #telnet: boolean;
  /** UTF-8, lines end at LF only: lines may be read on decoded text. */
  #onText: boolean;
  #utf8: boolean;

  /** Stream offset of byte 0 of the chunk being read. */
  #base = 0;
  /**
   * The unfinished line: its bytes, how many, and its stream offset. On the small-chunk path the buffer may start
   * with complete lines the sink let wait (`deferrable`): `#held` bytes, just before the unfinished line's.
   */
  #carry: Uint8Array = EMPTY;
  #carryLength = 0;
  #lineStart = 0;
  #held = 0;
  /** Reading past the limit: the line at `lineStart` is dropped up to its end, but for `cutHead`. */
  #cutting = false;
  #cutHead: Uint8Array = EMPTY;
  #cutHeadLength = 0;
  /** Bare-CR mode: the line ended with a CR at the last chunk's end; the next byte says whether LF belongs to it. */
  #crPending = false;
  /** The first byte of the chunk not yet taken, and where the carry's bytes stand against the chunk's. */
  #cursor = 0;
  // Re-entrancy: chunks fed (or end/reset called) from inside a callback wait here.
  #queue: Queued[] = [];
  #running = false;

  constructor(sink: LineSink, options: LineOptions) {
    this.#sink = sink;
    this.#decode = createTextDecoder(options.encoding, options.fallbackEncoding);
    this.#fallback = options.fallbackEncoding;
    this.#max = options.maxLineLength;
    this.#keep = options.keepOfLongLine;
    this.#bareCr = options.bareCrIsLineEnd ?? false;
    this.#telnet = options.telnet ?? true;
    this.#utf8 = isUtf8Label(options.encoding);
    if (options.decode === false) {
      // The byte path, with nothing to decode: `bytes` is given for every line since the text is not UTF-8.
      this.#decode = () => "";
      this.#utf8 = false;
    }
    this.#onText = this.#utf8 && !this.#bareCr;
  }

  /** Feeds the next chunk: bytes, or text (encoded as UTF-8). */
  feed(chunk: Uint8Array | string): void {
    const bytes = bytesOf(chunk);
    if (bytes.length === 0) return;
    if (this.#running) {
      // Fed from inside a callback: read after the current chunk. A copy: the caller may reuse its buffer.
      this.#queue.push(bytes.slice());
      return;
    }
    this.#run(bytes);
  }

  /** Ends the stream (an unfinished line goes to `sink.end`), then starts again at offset 0. */
  end(): void {
    if (this.#running) this.#queue.push(END);
    else this.#run(END);
  }

  /** Drops any partial state and restarts offsets at 0. */
  reset(): void {
    if (this.#running) this.#queue.push(RESET);
    else this.#clear();
  }

  /**
   * What the splitter holds (see memory.ts): the unfinished line's buffer (at most about twice `maxLineLength` +
   * 512 bytes, and up to 4 KiB of held lines) and the kept head of a cut line. Chunks a callback feeds wait in a
   * queue: that is the caller's.
   */
  [RETAINED_BYTES](): number {
    return bytesBytes(this.#carry) + bytesBytes(this.#cutHead);
  }

  /**
   * Bytes are missing from the stream here (a capture's hole): the unfinished line is dropped and the bytes after
   * the hole are read as the start of a line, `missing` bytes further on in the stream. Returns the bytes dropped
   * (those of the line the hole cut, as far as they were kept).
   */
  skip(missing: number): Uint8Array {
    if (this.#running) throw new Error("skip() cannot be called from inside a callback");
    // Held lines came before the hole: they go out first. (Should a callback throw there, nothing is skipped.)
    if (this.#held > 0) this.#run(RELEASE);
    const dropped = this.#cutting
      ? this.#cutHead.slice(0, this.#cutHeadLength)
      : this.#carry.slice(0, this.#carryLength);
    const at = this.#base + missing;
    this.#clear();
    this.#base = at;
    return dropped;
  }

  /**
   * Decodes the lines after the current one (from the next byte on) in another encoding: a client switches after
   * the 200 to `OPTS UTF8 ON` (RFC 2640 §3.1), and the replies after it in the same chunk must be read the new way.
   * Throws `RangeError` for an unknown or non-ASCII-compatible label.
   */
  setEncoding(encoding: string, fallbackEncoding: string | undefined = this.#fallback): void {
    this.#decode = createTextDecoder(encoding, fallbackEncoding);
    this.#fallback = fallbackEncoding;
    this.#utf8 = isUtf8Label(encoding);
    this.#onText = this.#utf8 && !this.#bareCr;
    // Called from a callback, the lines after this one may be decoded already: the rest of the chunk is read again.
    if (this.#running) this.#switched = true;
  }

  #fallback: string | undefined;
  #switched = false;

  /** After a delivery: stop reading this chunk when a callback switched the encoding (see `#run`). */
  #afterDelivery(): void {
    if (this.#switched && this.#inChunk) throw SWITCHED;
  }

  /** Reading a chunk (not ending the stream). */
  #inChunk = false;

  #run(first: Queued): void {
    this.#running = true;
    let item: Queued | undefined = first;
    if (this.#queue.length > 0) {
      // What a throwing callback left: read first. (`first` may be the caller's buffer: copy it to wait.)
      this.#queue.push(first instanceof Uint8Array ? first.slice() : first);
      item = this.#queue.shift();
    }
    try {
      while (item !== undefined) {
        try {
          if (item === END) this.#finish();
          else if (item === RESET) this.#clear();
          else if (item === RELEASE) this.#release();
          else {
            this.#inChunk = true;
            this.#consume(item);
          }
        } catch (error) {
          if (item instanceof Uint8Array) {
            // The rest of the chunk waits (for the next feed after a throw; at once after a switch of encoding);
            // what was delivered stays delivered.
            if (this.#cursor < item.length) this.#queue.unshift(item.slice(this.#cursor));
            this.#base += this.#cursor;
          }
          if (error !== SWITCHED) throw error;
        } finally {
          this.#inChunk = false;
        }
        this.#switched = false;
        item = this.#queue.length === 0 ? undefined : this.#queue.shift();
      }
    } finally {
      this.#switched = false;
      this.#running = false;
    }
  }

  #clear(): void {
    this.#base = 0;
    this.#carryLength = 0;
    this.#held = 0;
    if (this.#carry.length > CARRY_KEPT) this.#carry = EMPTY;
    this.#lineStart = 0;
    this.#cutting = false;
    this.#cutHead = EMPTY;
    this.#crPending = false;
  }

  #consume(bytes: Uint8Array): void {
    const length = bytes.length;
    this.#cursor = 0;
    // A caller may feed the same buffer again with new bytes: nothing found in it before holds.
    this.#scanned = undefined;
    let pos = 0;
    if (this.#crPending) pos = this.#endPendingCr(bytes);
    if (pos < length && this.#cutting) pos = this.#skipCut(bytes, pos);
    if (pos < length && this.#onText && length - pos < SMALL_CHUNK) this.#small(bytes, pos);
    else {
      // The other paths read the buffer as the unfinished line alone.
      if (this.#held > 0) this.#release();
      if (pos < length && this.#carryLength > 0) pos = this.#completeCarried(bytes, pos);
      if (pos < length) pos = this.#lines(bytes, pos, length, this.#base, 0);
      if (pos < length) this.#keepTail(bytes, pos, length);
    }
    this.#cursor = length;
    this.#base += length;
  }

  // ─── finding line ends ──────────────────────────────────────────────────────────────────────────────────────

  // Bare-CR mode searches two bytes; the next of each is kept so that a chunk is read once, not once per line.
  #scanned: Uint8Array | undefined = undefined;
  #scannedTo = 0;
  #nextCr = -1;
  #nextLf = -1;

  /** Index of the next line terminator (LF, or CR in bare-CR mode) in `buf[from, to)`, or `to`. */
  #terminator(buf: Uint8Array, from: number, to: number): number {
    if (!this.#bareCr) {
      const lf = buf.indexOf(LF, from);
      return lf === -1 || lf >= to ? to : lf;
    }
    if (this.#scanned !== buf || this.#scannedTo !== to) {
      this.#scanned = buf;
      this.#scannedTo = to;
      this.#nextCr = -1;
      this.#nextLf = -1;
    }
    if (this.#nextLf < from) this.#nextLf = indexOfByte(buf, LF, from, to);
    if (this.#nextCr < from) this.#nextCr = indexOfByte(buf, CR, from, to);
    const end = this.#nextCr < this.#nextLf ? this.#nextCr : this.#nextLf;
    return end > to ? to : end;
  }

  /** Where the terminator at `at` ends: after the LF, or after CR (LF) in bare-CR mode. -1: a CR that ends `buf` before `to`'s end. */
  #terminatorEnd(buf: Uint8Array, at: number, to: number): number {
    if (buf[at] === LF) return at + 1;
    if (at + 1 === to) return -1;
    return buf[at + 1] === LF ? at + 2 : at + 1;
  }

  // ─── the unfinished line ────────────────────────────────────────────────────────────────────────────────────

  #append(bytes: Uint8Array, from: number, to: number): void {
    const count = to - from;
    const needed = this.#carryLength + count;
    let carry = this.#carry;
    if (needed > carry.length) {
      let capacity = carry.length < CARRY_MIN ? CARRY_MIN : carry.length * 2;
      while (capacity < needed) capacity *= 2;
      const grown = new Uint8Array(capacity);
      grown.set(carry.subarray(0, this.#carryLength));
      this.#carry = carry = grown;
    }
    // A built-in call costs more than a short loop, and a subarray for it more again: a few bytes are copied one
    // by one, a whole chunk with one call.
    if (count > COPY_WHOLE_FROM && count === bytes.length) carry.set(bytes, this.#carryLength);
    else if (count <= COPY_BY_LOOP) {
      let at = this.#carryLength;
      for (let i = from; i < to; i++) carry[at++] = bytes[i]!;
    } else carry.set(bytes.subarray(from, to), this.#carryLength);
    this.#carryLength = needed;
  }

  /**
   * A small chunk (about one line): appended whole to the unfinished line, whose complete lines are then read with
   * one decode, and what is left moved to the buffer's start. One copy and one decode a chunk — or none, when the
   * sink lets the complete lines wait (`deferrable`): they are held, and decoded later with the lines after them.
   */
  #small(bytes: Uint8Array, from: number): void {
    const length = bytes.length;
    const carried = this.#carryLength;
    const held = this.#held;
    if (carried === held) this.#lineStart = this.#base + from;
    this.#append(bytes, from, length);
    // Only the new bytes are searched: a long unfinished line is not read again with every chunk. (A loop: the
    // chunk is short, and the LF near its end.)
    let last = length - 1;
    while (last >= from && bytes[last] !== LF) last--;
    if (last >= from) {
      const shift = carried - from;
      const end = last + 1 + shift;
      const carry = this.#carry;
      if (this.#hold(carry, carried, end)) this.#lineStart = this.#base + last + 1;
      else {
        const total = this.#carryLength;
        // The lines are complete: should a callback throw, the rest of the chunk is fed again, not the buffer.
        this.#carryLength = 0;
        this.#held = 0;
        this.#cursor = -shift;
        try {
          this.#textLines(carry, 0, end, this.#lineStart - held, shift);
        } catch (error) {
          // A line delivered is delivered (`#cursor` goes past it first). A throw among the held lines: the rest
          // of them stays held, with the unfinished line, and the chunk is read again.
          const done = this.#cursor + shift;
          if (done <= held) {
            this.#move(done, carried);
            this.#held = held - done;
            this.#cursor = from;
          }
          throw error;
        }
        if (end < total) {
          this.#move(end, total);
          this.#lineStart = this.#base + last + 1;
        }
      }
    }
    this.#cursor = length;
    if (this.#carryLength > this.#held) this.#checkLimit();
  }

  /** Keeps `carry[from, to)` alone, at the buffer's start. */
  #move(from: number, to: number): void {
    const carry = this.#carry;
    if (to - from <= COPY_BY_LOOP) for (let i = from; i < to; i++) carry[i - from] = carry[i]!;
    else carry.copyWithin(0, from, to);
    this.#carryLength = to - from;
  }

  /**
   * Holds the complete lines `carry[held, end)` (the first has bytes from `carried` on to search for its LF) when
   * the sink lets every one of them wait and the held lines stay within one decode batch.
   */
  #hold(carry: Uint8Array, carried: number, end: number): boolean {
    const sink = this.#sink;
    if (sink.deferrable === undefined || end > DECODE_BATCH) return false;
    let start = this.#held;
    let at = carried;
    while (start < end) {
      if (!sink.deferrable(carry, start)) return false;
      while (carry[at] !== LF) at++;
      start = ++at;
    }
    this.#held = end;
    return true;
  }

  /**
   * Delivers the held lines (before a chunk that does not take the small-chunk path, a limit, the end or a skip):
   * the buffer is then the unfinished line alone. Should a callback throw, what is not delivered stays held.
   */
  #release(): void {
    const held = this.#held;
    if (held === 0) return;
    const total = this.#carryLength;
    this.#held = 0;
    this.#cursor = -held;
    try {
      // `#cursor` stays at or before the chunk's start: these bytes came with earlier chunks.
      this.#lines(this.#carry, 0, held, this.#lineStart - held, held);
    } catch (error) {
      const done = this.#cursor + held;
      this.#move(done, total);
      this.#held = held - done;
      this.#cursor = 0;
      throw error;
    }
    this.#move(held, total);
    this.#cursor = 0;
  }

  /** The chunk ends inside a line: keep its bytes, and check it against the limit now (an endless line is found early). */
  #keepTail(bytes: Uint8Array, from: number, to: number): void {
    if (this.#carryLength === 0) this.#lineStart = this.#base + from;
    const room = this.#max + 1 - this.#carryLength;
    this.#cursor = to;
    if (to - from <= room) {
      this.#append(bytes, from, to);
      this.#checkLimit();
      return;
    }
    // Bare-CR mode: a CR that ends the chunk ends the line (the next byte says whether an LF belongs to it).
    const pendingCr = this.#bareCr && bytes[to - 1] === CR;
    if (pendingCr) this.#crPending = true;
    this.#cutPast(bytes, from, pendingCr ? to - 1 : to);
  }

  /**
   * The unfinished line, continued by `bytes[from, to)`, passes the limit: only its first `maxLineLength + 1` bytes
   * are copied, the rest is read for the cut's head alone (a 100 MB chunk without LF grew the buffer to 128 MB).
   */
  #cutPast(bytes: Uint8Array, from: number, to: number): void {
    const kept = from + this.#max + 1 - this.#carryLength;
    this.#append(bytes, from, kept);
    const offset = this.#lineStart;
    const excerpt = this.#startCut(this.#carry, 0, this.#carryLength, offset);
    this.#growHead(bytes, kept, to);
    this.#sink.longLine(offset, excerpt);
  }

  #checkLimit(): void {
    let length = this.#carryLength - this.#held;
    if (this.#bareCr && this.#carry[this.#carryLength - 1] === CR) {
      // A CR that ends the chunk ends the line; whether an LF follows is known with the next byte.
      this.#crPending = true;
      length--;
    }
    if (length > this.#max) {
      this.#release();
      const offset = this.#lineStart;
      this.#sink.longLine(offset, this.#startCut(this.#carry, 0, length, offset));
    }
  }

  /**
   * The line from `start` in `buf` passed the limit: keep its head, drop the rest up to its end. Returns the
   * excerpt to report: as many bytes as every chunking has seen when the limit fires, at most 320.
   */
  #startCut(buf: Uint8Array, start: number, end: number, offset: number): Uint8Array {
    this.#cutting = true;
    // The head is the same whatever the chunking: it grows up to `keep` bytes as the line goes on.
    this.#cutHead = new Uint8Array(this.#keep);
    this.#cutHeadLength = 0;
    this.#growHead(buf, start, end);
    this.#lineStart = offset;
    const excerpt = buf.slice(start, start + Math.min(EXCERPT_BYTES, this.#max + 1, end - start));
    this.#dropCarry();
    return excerpt;
  }

  #growHead(buf: Uint8Array, from: number, to: number): void {
    const count = Math.min(this.#keep - this.#cutHeadLength, to - from);
    if (count <= 0) return;
    this.#cutHead.set(buf.subarray(from, from + count), this.#cutHeadLength);
    this.#cutHeadLength += count;
  }

  #dropCarry(): void {
    this.#carryLength = 0;
    if (this.#carry.length > CARRY_KEPT) this.#carry = EMPTY;
  }

  /** Reading a cut line: its end is searched for; returns where the next line starts (or `bytes.length`). */
  #skipCut(bytes: Uint8Array, from: number): number {
    const length = bytes.length;
    const at = this.#terminator(bytes, from, length);
    this.#growHead(bytes, from, at);
    if (at === length) return length;
    const end = this.#terminatorEnd(bytes, at, length);
    if (end < 0) {
      this.#crPending = true;
      return length;
    }
    this.#cursor = end;
    this.#endCut(this.#base + end);
    return end;
  }

  #endCut(next: number): void {
    this.#cutting = false;
    const head = this.#cutHead.subarray(0, this.#cutHeadLength);
    this.#cutHead = EMPTY;
    const offset = this.#lineStart;
    const text = this.#decode(this.#content(head, 0, head.length, offset));
    this.#withTelnet(() => this.#sink.cutLine(text, offset, next - offset, head));
  }

  /** Delivers the Telnet commands found in a line, then the line (even when `onTelnet` throws). */
  #withTelnet(deliver: () => void): void {
    const telnet = this.#pendingTelnet;
    if (telnet === undefined) {
      deliver();
      return;
    }
    this.#pendingTelnet = undefined;
    try {
      this.#sink.telnet(telnet);
    } finally {
      deliver();
    }
  }

  /** Bare-CR mode: the line that ended with a CR at the last chunk's end is delivered, with the LF if one follows. */
  #endPendingCr(bytes: Uint8Array): number {
    this.#crPending = false;
    const withLf = bytes[0] === LF ? 1 : 0;
    this.#cursor = withLf;
    if (this.#cutting) {
      this.#endCut(this.#base + withLf);
      return withLf;
    }
    if (withLf === 1) this.#append(bytes, 0, 1);
    const length = this.#carryLength;
    this.#carryLength = 0;
    this.#byteLine(this.#carry, 0, length - 1 - withLf, length, this.#lineStart);
    return withLf;
  }

  /** A big chunk (or any, on the byte path) completes the unfinished line. */
  #completeCarried(bytes: Uint8Array, from: number): number {
    const length = bytes.length;
    const at = this.#terminator(bytes, from, length);
    if (at === length) return from;
    const end = this.#terminatorEnd(bytes, at, length);
    if (end < 0) return from;
    const carried = this.#carryLength;
    if (carried + (at - from) > this.#max) {
      // Cut without copying the chunk's part of the line beyond the limit.
      this.#cursor = end;
      try {
        this.#cutPast(bytes, from, at);
      } finally {
        this.#endCut(this.#base + end);
      }
      return end;
    }
    this.#append(bytes, from, end);
    const total = this.#carryLength;
    // The lines are complete: the buffer is free for the next unfinished line once they are read.
    this.#carryLength = 0;
    const shift = carried - from;
    if (this.#onText) this.#textLines(this.#carry, 0, total, this.#lineStart, shift);
    else {
      this.#cursor = end;
      this.#byteLine(this.#carry, 0, at + shift, total, this.#lineStart);
    }
    return end;
  }

  // ─── complete lines ─────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Reads the complete lines of `buf[from, to)` (stream offset of `buf[0]`: `base`; a line ending at `buf[e]`
   * leaves the chunk read up to `e - shift`). Returns where the first unfinished line starts.
   */
  #lines(buf: Uint8Array, from: number, to: number, base: number, shift: number): number {
    if (this.#onText) {
      const last = buf.lastIndexOf(LF, to - 1);
      if (last < from) return from;
      this.#textLines(buf, from, last + 1, base, shift);
      return last + 1;
    }
    let pos = from;
    while (pos < to) {
      const at = this.#terminator(buf, pos, to);
      if (at === to) break;
      const end = this.#terminatorEnd(buf, at, to);
      if (end < 0) break;
      this.#cursor = end - shift;
      this.#byteLine(buf, pos, at, end, base);
      pos = end;
    }
    return pos;
  }

  /** UTF-8 lines `buf[from, to)` (`to` just after an LF), decoded a batch at a time and cut on the text. */
  #textLines(buf: Uint8Array, from: number, to: number, base: number, shift: number): void {
    const sink = this.#sink;
    const max = this.#max;
    while (from < to) {
      let batchEnd = to;
      if (to - from > DECODE_BATCH) {
        batchEnd = buf.lastIndexOf(LF, from + DECODE_BATCH - 1) + 1;
        // One line longer than a batch: the batch is that line.
        if (batchEnd <= from) batchEnd = buf.indexOf(LF, from + DECODE_BATCH) + 1;
      }
      const text = decodeUtf8(buf, from, batchEnd);
      // 0xFF is never UTF-8: a line without U+FFFD holds no IAC and no invalid byte.
      let odd = text.indexOf(REPLACEMENT);
      let c = 0;
      let b = from;
      while (b < batchEnd) {
        const nl = text.indexOf("\n", c);
        // No byte sequence decodes to more UTF-16 code units than it has bytes, and an LF is one byte and one
        // unit: the line's LF is the first at or after as many bytes as the line has units (at once, in ASCII).
        let lf = b + nl - c;
        while (buf[lf] !== LF && lf < batchEnd) lf++;
        const end = lf + 1;
        this.#cursor = end - shift;
        if ((odd !== -1 && odd < nl) || end - 1 - b > max) {
          this.#byteLine(buf, b, end - 1, end, base);
          if (odd !== -1 && odd < nl) odd = text.indexOf(REPLACEMENT, nl + 1);
        } else if (nl > c && text.charCodeAt(nl - 1) === CR) {
          sink.line(text.slice(c, nl - 1), base + b, end - b, Ending.CrLf, undefined);
        } else {
          sink.line(text.slice(c, nl), base + b, end - b, Ending.Lf, undefined);
        }
        this.#afterDelivery();
        c = nl + 1;
        b = end;
      }
      from = batchEnd;
    }
  }

  /** The content of `buf[start, end)` with Telnet commands removed (and reported). */
  #content(buf: Uint8Array, start: number, end: number, offset: number): Uint8Array {
    if (!this.#telnet || indexOfByte(buf, IAC, start, end) === end) return buf.subarray(start, end);
    const found: TelnetCommand[] = [];
    const content = removeTelnet(buf, start, end, offset, found);
    if (found.length > 0) this.#pendingTelnet = found;
    return content;
  }

  #pendingTelnet: TelnetCommand[] | undefined = undefined;

  /** One line on the byte path: `buf[start, at)` its bytes, `buf[at, end)` its terminator. */
  #byteLine(buf: Uint8Array, start: number, at: number, end: number, base: number): void {
    const offset = base + start;
    if (at - start > this.#max) {
      const excerpt = this.#startCut(buf, start, at, offset);
      try {
        this.#sink.longLine(offset, excerpt);
      } finally {
        this.#endCut(base + end);
      }
      return;
    }
    let content = this.#content(buf, start, at, offset);
    const clean = content.buffer === buf.buffer;
    let ending = Ending.Lf;
    if (buf[at] === LF) {
      // RFC 959 §4.1.3: one terminator is removed; a CR right before the LF (Telnet commands aside) is part of it.
      if (content.length > 0 && content[content.length - 1] === CR) {
        content = content.subarray(0, content.length - 1);
        ending = Ending.CrLf;
      }
    } else ending = end - at === 2 ? Ending.CrLf : Ending.Cr;
    const text = this.#decode(content);
    const bytes =
      clean && this.#utf8 && text.indexOf(REPLACEMENT) === -1 ? undefined : buf.subarray(start, end);
    this.#withTelnet(() => this.#sink.line(text, offset, end - start, ending, bytes));
    this.#afterDelivery();
  }

  // ─── the end ────────────────────────────────────────────────────────────────────────────────────────────────

  #finish(): void {
    this.#release();
    if (this.#crPending) {
      // Bare-CR mode: a CR at the very end ended its line.
      this.#crPending = false;
      if (this.#cutting) this.#endCut(this.#base);
      else {
        const length = this.#carryLength;
        this.#carryLength = 0;
        this.#byteLine(this.#carry, 0, length - 1, length, this.#lineStart);
      }
    }
    const sink = this.#sink;
    if (this.#cutting) {
      const offset = this.#lineStart;
      this.#clear();
      sink.end(offset, EMPTY, true);
    } else if (this.#carryLength > 0) {
      const offset = this.#lineStart;
      const partial = this.#carry.slice(0, this.#carryLength);
      this.#clear();
      sink.end(offset, partial, false);
    } else {
      const offset = this.#base;
      this.#clear();
      sink.end(offset, EMPTY, false);
    }
  }
}
