/** Byte values of the control connection's grammar (RFC 959 §4, RFC 854), named once. */

export const LF = 0x0a;
export const CR = 0x0d;
export const SPACE = 0x20;
export const HYPHEN = 0x2d;
export const DIGIT_0 = 0x30;
export const DIGIT_1 = 0x31;
export const DIGIT_6 = 0x36;
export const DIGIT_9 = 0x39;

/** The empty byte string, shared. */
export const EMPTY = new Uint8Array(0);

/** A plain `Uint8Array` over the same bytes (a Buffer's `slice` is a view; ours must be `Uint8Array` copies). */
export function bytesOf(input: Uint8Array | string): Uint8Array {
  if (typeof input === "string") return textEncoder.encode(input);
  return input.constructor === Uint8Array
    ? input
    : new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
}

export const textEncoder = new TextEncoder();

/** Joins byte strings into one. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  let total = 0;
  for (const part of parts) total += part.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * The first `value` in `bytes[from, to)`, or `to` when there is none. `Uint8Array#indexOf` has no end bound: the
 * search must stop where the caller's interest does, or a chunk would be read once per line.
 */
export function indexOfByte(bytes: Uint8Array, value: number, from: number, to: number): number {
  if (to - from <= 64) {
    for (let i = from; i < to; i++) if (bytes[i] === value) return i;
    return to;
  }
  const found = bytes.subarray(from, to).indexOf(value);
  return found === -1 ? to : from + found;
}

/** Bytes a `ByteBlocks` block holds at least: a long reply of short lines costs one buffer per block. */
const BLOCK_BYTES = 64 * 1024;

/**
 * Bytes appended piece by piece into blocks of up to 64 KiB (or one piece when longer), each block filled before
 * the next is made: a long reply's bytes cost a buffer a block, not one per line (a reply of a million 3-byte lines
 * held 200 MB of typed arrays for 3 MB of bytes).
 */
export class ByteBlocks {
  #full: Uint8Array[] = [];
  #current: Uint8Array = EMPTY;
  #used = 0;
  /** Bytes appended so far. */
  length = 0;

  push(bytes: Uint8Array): void {
    let from = 0;
    const count = bytes.length;
    const room = this.#current.length - this.#used;
    if (room > 0) {
      from = room < count ? room : count;
      this.#current.set(bytes.subarray(0, from), this.#used);
      this.#used += from;
    }
    if (from < count) {
      if (this.#used > 0) this.#full.push(this.#current);
      const rest = count - from;
      // Blocks grow with what is held (at least 256 bytes, at most 64 KiB unless a piece is longer): a short reply
      // costs no 64 KiB block, and the room left unused is never more than what is held.
      const size = Math.max(rest, Math.min(BLOCK_BYTES, Math.max(256, this.length)));
      this.#current = new Uint8Array(size);
      this.#current.set(bytes.subarray(from), 0);
      this.#used = rest;
    }
    this.length += count;
  }

  /** Every byte appended, in one new array of exactly their length. */
  concat(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const block of this.#full) {
      out.set(block, at);
      at += block.length;
    }
    out.set(this.#current.subarray(0, this.#used), at);
    return out;
  }

  /** The buffers held, in bytes (capacity, not length). */
  get capacity(): number {
    let total = this.#current.length;
    for (const block of this.#full) total += block.length;
    return total;
  }

  /** How many buffers are held. */
  get blocks(): number {
    return this.#full.length + (this.#current.length > 0 ? 1 : 0);
  }
}
