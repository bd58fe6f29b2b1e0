/**
 * What a parser holds, counted: the accounting behind the memory budgets in docs/memory.md. Each parser object
 * answers `[RETAINED_BYTES]()` with the bytes its state holds now — payload and an approximate V8 (64-bit) cost per
 * object — computed when asked, never on the hot path. It is a test and benchmark hook, not API: the symbol is not
 * exported by the package entries.
 */

/** The method key (registered, so that a bundled copy answers the same key). */
export const RETAINED_BYTES: unique symbol = Symbol.for("ftp-reply.retainedBytes") as never;

/** An object that can say how many bytes it holds. */
export interface RetainsBytes {
  [RETAINED_BYTES](): number;
}

/** A small object or array header (and one pointer slot to it). */
export const OBJECT_BYTES = 64;
/**
 * A `Uint8Array` with its own `ArrayBuffer`, without its bytes: the typed array, the buffer object and the
 * backing store's bookkeeping (about 200 bytes measured with `--expose-gc` on Node 20 for 3-byte arrays).
 */
export const TYPED_ARRAY_BYTES = 200;
/** A string's header and its slot in an array. */
export const STRING_BYTES = 32;

/** A string's cost, counted as two bytes a character (V8 keeps Latin-1 text in one: this is an upper bound). */
export function stringBytes(text: string): number {
  return STRING_BYTES + 2 * text.length;
}

/** Strings' cost, each with its slot in an array. */
export function stringsBytes(texts: readonly string[]): number {
  let total = 0;
  for (const text of texts) total += stringBytes(text) + 8;
  return total;
}

/** A byte array's cost: its whole buffer (a view keeps all of it alive). */
export function bytesBytes(bytes: Uint8Array): number {
  return bytes.buffer.byteLength === 0 ? 0 : TYPED_ARRAY_BYTES + bytes.buffer.byteLength;
}

/** What `value` says it holds, or 0 when it keeps no account. */
export function retainedBytesOf(value: unknown): number {
  const method = (value as Partial<RetainsBytes> | undefined)?.[RETAINED_BYTES];
  return typeof method === "function" ? method.call(value) : 0;
}
