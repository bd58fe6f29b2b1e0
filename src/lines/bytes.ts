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
export const EMPTY = /* @__PURE__ */ new Uint8Array(0);

/** A plain `Uint8Array` over the same bytes (a Buffer's `slice` is a view; ours must be `Uint8Array` copies). */
export function bytesOf(input: Uint8Array | string): Uint8Array {
  if (typeof input === "string") return textEncoder.encode(input);
  return input.constructor === Uint8Array
    ? input
    : new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
}

export const textEncoder = /* @__PURE__ */ new TextEncoder();

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

/**
 * Bytes appended piece by piece into one buffer that doubles as it fills: a long reply's bytes cost one buffer,
 * not one typed array per line (a reply of a million 3-byte lines held 200 MB of them for 3 MB of bytes). The
 * buffer holds less than twice what was appended, plus 256 bytes; each byte is copied O(1) times.
 */
export class ByteBuffer {
  bytes: Uint8Array = EMPTY;
  /** Bytes appended so far. */
  length = 0;

  push(bytes: Uint8Array): void {
    const needed = this.length + bytes.length;
    if (needed > this.bytes.length) {
      const grown = new Uint8Array(Math.max(256, needed, 2 * this.bytes.length));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    this.bytes.set(bytes, this.length);
    this.length = needed;
  }

  /** Every byte appended, in a new array of exactly their length. */
  concat(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}
