/**
 * The out-of-order segments of one TCP direction, ordered by stream position: a binary min-heap, so that holding
 * or releasing a segment costs O(log n) whatever order the segments arrive in (a sorted array costs O(n) a
 * segment when they arrive in reverse order: quadratic in the segments held).
 */

/** A segment waiting for the bytes before it. */
export interface HeldSegment {
  /** Position of the first byte in the direction's sequence space (0 = first byte after the SYN). */
  readonly position: number;
  readonly bytes: Uint8Array;
  /** Arrival order: segments at the same position leave in the order they came (the first copy wins). */
  readonly arrival: number;
}

/** Min-heap of held segments by (position, arrival). */
export class SegmentHeap {
  private readonly items: HeldSegment[] = [];
  /** The last segment held at each position, to recognise a duplicate in O(1). */
  private readonly lastAt = new Map<number, HeldSegment>();
  private arrivals = 0;
  /** Counts the comparisons made (shared between heaps): the work done, for tests that check O(n log n). */
  private readonly work: { comparisons: number };

  constructor(work: { comparisons: number } = { comparisons: 0 }) {
    this.work = work;
  }

  get size(): number {
    return this.items.length;
  }

  /** The segment that comes first in the stream, if any. */
  peek(): HeldSegment | undefined {
    return this.items[0];
  }

  /** The last segment held at exactly `position`, if one is still held. */
  at(position: number): HeldSegment | undefined {
    return this.lastAt.get(position);
  }

  push(position: number, bytes: Uint8Array): void {
    const segment: HeldSegment = { position, bytes, arrival: this.arrivals++ };
    const items = this.items;
    items.push(segment);
    this.lastAt.set(position, segment);
    let index = items.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.before(segment, items[parent]!)) break;
      items[index] = items[parent]!;
      index = parent;
    }
    items[index] = segment;
  }

  /** Lets every held segment go. */
  clear(): void {
    this.items.length = 0;
    this.lastAt.clear();
  }

  /** Removes and returns the segment that comes first in the stream. */
  pop(): HeldSegment | undefined {
    const items = this.items;
    const first = items[0];
    if (first === undefined) return undefined;
    const last = items.pop()!;
    if (items.length > 0) this.siftDown(last);
    if (this.lastAt.get(first.position) === first) this.lastAt.delete(first.position);
    return first;
  }

  private siftDown(segment: HeldSegment): void {
    const items = this.items;
    const length = items.length;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      const child = right < length && this.before(items[right]!, items[left]!) ? right : left;
      if (!this.before(items[child]!, segment)) break;
      items[index] = items[child]!;
      index = child;
    }
    items[index] = segment;
  }

  private before(a: HeldSegment, b: HeldSegment): boolean {
    this.work.comparisons++;
    return a.position < b.position || (a.position === b.position && a.arrival < b.arrival);
  }
}
