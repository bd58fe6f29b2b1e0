/**
 * The memory budgets of docs/memory.md as functions of an entry's limits, and two ways to measure what an entry
 * holds: its own accounting (`[RETAINED_BYTES]()`, see src/lines/memory.ts) for property tests, and V8's heap after
 * a full collection for the few tests that must also fail on a design without the accounting.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { OBJECT_BYTES, retainedBytesOf, STRING_BYTES, TYPED_ARRAY_BYTES } from "../../src/lines/memory.js";

export { retainedBytesOf };

/** Lines of a long reply held one by one before they are joined (src/reply/framing.ts). */
const LINES_PER_BLOCK = 8192;
/** Kept head of a cut reply line (src/reply/framing.ts). */
const KEPT_OF_LONG_LINE = 320;

/** The line splitter: its unfinished-line buffer (doubling, so < 2 × what it held) and a cut line's head. */
export function splitterBound(maxLineLength: number, keepOfLongLine: number, heldLines = 0): number {
  return 2 * TYPED_ARRAY_BYTES + Math.max(256, 2 * (maxLineLength + 512 + heldLines)) + keepOfLongLine;
}

/** Complete lines the reply parser's splitter may hold for one decode with the lines after them (docs/memory.md). */
const HELD_LINES = 4096;

/** The reply parser's splitter: a cut line keeps 320 bytes, and the buffer may also hold lines (kept for reuse). */
export function replySplitterBound(maxLineLength: number): number {
  return splitterBound(maxLineLength, KEPT_OF_LONG_LINE, HELD_LINES);
}

/**
 * The reply parser, between two `feed`s: the splitter, plus the open reply — its text (two bytes a character, a
 * character a byte at most), its bytes when they are not its text (blocks that grow with it: at most twice), the
 * string headers of the lines not yet joined into a block.
 */
export function replyParserBound(options: {
  maxLineLength: number;
  maxReplySize: number;
  retainLines: boolean;
}) {
  const held = options.retainLines ? Math.max(options.maxReplySize, 1) : options.maxLineLength + 2;
  const lines = options.retainLines ? Math.min(held, LINES_PER_BLOCK) : 1;
  const blocks = options.retainLines ? Math.ceil(held / LINES_PER_BLOCK) + 1 : 0;
  const text = 2 * held + (lines + blocks) * (STRING_BYTES + 8) + 2 * OBJECT_BYTES;
  // Blocks grow with what is held up to 64 KiB: a few small ones, then one per 64 KiB (or per longer piece).
  const bytes = 2 * held + 256 + (2 * Math.ceil(held / 65_536) + 10) * TYPED_ARRAY_BYTES;
  return replySplitterBound(options.maxLineLength) + text + bytes;
}

/** The command parser: its splitter (a cut line keeps up to `maxLineLength` bytes of head); no command is held. */
export function commandParserBound(maxLineLength: number): number {
  return splitterBound(maxLineLength, maxLineLength);
}

let collect: (() => void) | undefined;

/** Bytes V8 holds after a full collection: heap and array buffers. */
export function heapAfterCollection(): number {
  if (collect === undefined) {
    setFlagsFromString("--expose-gc");
    collect = runInNewContext("gc") as () => void;
  }
  collect();
  collect();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/** `bytes` cut into chunks of `size`. */
export function chunksOf(bytes: Uint8Array, size: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
  return chunks;
}

/** Limits of a control connection, for its bound. */
export interface ConnectionLimits {
  replyLine: number;
  maxReplySize: number;
  commandLine: number;
  maxPendingCommands: number;
  maxPreliminaryReplies: number;
  maxPreliminaryBytes: number;
  maxDiagnostics: number;
}

/** A reply's cost as the session counts it (src/connection/session.ts). */
function replyCost(byteLength: number): number {
  return 2 * OBJECT_BYTES + TYPED_ARRAY_BYTES + 5 * byteLength;
}

/**
 * The control connection: both parsers, and the session — the commands waiting (each its bytes and two strings),
 * the 1xx replies kept for the one being answered, its diagnostics (each may hold a reply it did not keep), the
 * queue's slots (compacted once half are answered).
 */
export function connectionBound(limits: ConnectionLimits): number {
  const command =
    3 * OBJECT_BYTES +
    TYPED_ARRAY_BYTES +
    limits.commandLine +
    2 +
    2 * (STRING_BYTES + 2 * limits.commandLine);
  const largestReply = limits.maxReplySize + limits.replyLine;
  const preliminary = limits.maxPreliminaryReplies * replyCost(0) + 5 * limits.maxPreliminaryBytes;
  const diagnostics = (limits.maxDiagnostics + 1) * (OBJECT_BYTES + replyCost(largestReply));
  const session =
    OBJECT_BYTES +
    8 * 2 * (limits.maxPendingCommands + 64) +
    (limits.maxPendingCommands + 1) * command +
    preliminary +
    diagnostics +
    2 * OBJECT_BYTES;
  return (
    replyParserBound({
      maxLineLength: limits.replyLine,
      maxReplySize: limits.maxReplySize,
      retainLines: true,
    }) +
    commandParserBound(limits.commandLine) +
    session
  );
}
