/**
 * `curl --trace-ascii FILE` output (optionally with `--trace-time`), for ftp:// URLs. Each block starts with a
 * header line — `<= Recv header, N bytes (0x…)`, `=> Send header, …`, `<= Recv data, …`, `== Info: …` — and the
 * bytes follow as rows `OOOO: text`, OOOO the hexadecimal offset in the block. In this mode curl ends a row at
 * each CR LF (not shown) and wraps longer lines every 64 characters, showing bytes outside printable ASCII as
 * `.` (curl's src/tool_cb_dbg.c, `dump()`). So a row followed by a row 64 bytes further on is a wrapped line;
 * a row followed by one `shown + 2` further on ended with CR LF. Only header blocks are the control connection.
 */
import { DIGIT_0, excerpt, readClock, readDigits, startsWithAscii } from "./bytes.js";
import { tryingEndpoint } from "./curl-verbose.js";
import type { TranscriptDirection, TranscriptFormat, TranscriptReader, TranscriptSink } from "./types.js";

/** curl's row width in `--trace-ascii` mode. */
const ROW_WIDTH = 64;
const CRLF_LENGTH = 2;
const COLON = 0x3a;
const LOWER_A = 0x61;
const LOWER_F = 0x66;
const UPPER_A = 0x41;
const UPPER_F = 0x46;

/** `HH:MM:SS.ffffff ` (from --trace-time) → seconds since midnight, and where the rest of the line starts. */
function readTraceTime(bytes: Uint8Array): { ts: number | undefined; start: number } {
  const clock = readClock(bytes, 0);
  if (clock < 0 || bytes[8] !== 0x2e) return { ts: undefined, start: 0 };
  let i = 9;
  let fraction = 0;
  let scale = 1;
  while (i < bytes.length && readDigits(bytes, i, 1) >= 0) {
    fraction = fraction * 10 + (bytes[i]! - DIGIT_0);
    scale *= 10;
    i++;
  }
  return { ts: clock + fraction / scale, start: bytes[i] === 0x20 ? i + 1 : i };
}

function hexValue(byte: number): number {
  if (byte >= DIGIT_0 && byte <= DIGIT_0 + 9) return byte - DIGIT_0;
  if (byte >= LOWER_A && byte <= LOWER_F) return byte - LOWER_A + 10;
  if (byte >= UPPER_A && byte <= UPPER_F) return byte - UPPER_A + 10;
  return -1;
}

/** `OOOO: ` → the offset, or -1 when the line is not a dump row. */
function readRowOffset(bytes: Uint8Array): number {
  let value = 0;
  let i = 0;
  while (i < bytes.length && bytes[i] !== COLON) {
    const digit = hexValue(bytes[i]!);
    if (digit < 0 || i >= 8) return -1;
    value = value * 16 + digit;
    i++;
  }
  if (i < 4 || bytes[i] !== COLON || bytes[i + 1] !== 0x20) return -1;
  return value;
}

/** ` N bytes` after `header,` → N. */
function readBlockSize(bytes: Uint8Array, from: number): number {
  let i = from;
  while (i < bytes.length && readDigits(bytes, i, 1) < 0) i++;
  let value = 0;
  let digits = 0;
  while (i < bytes.length && readDigits(bytes, i, 1) >= 0) {
    value = value * 10 + (bytes[i]! - DIGIT_0);
    digits++;
    i++;
  }
  return digits === 0 ? -1 : value;
}

const enum Block {
  None = 0,
  Header = 1,
  Skipped = 2,
}

function createCurlTraceReader(sink: TranscriptSink): TranscriptReader {
  let block = Block.None;
  let direction: TranscriptDirection = "server";
  let blockSize = 0;
  let blockTs: number | undefined;
  /** A 64-character row that may go on in the next row. */
  let pending: { parts: Uint8Array[]; offset: number; lineNumber: number } | undefined;
  let connectionOpen = false;

  const emit = (parts: Uint8Array[], lineNumber: number): void => {
    let line: Uint8Array;
    if (parts.length === 1) line = parts[0]!;
    else {
      let total = 0;
      for (const part of parts) total += part.length;
      line = new Uint8Array(total);
      let at = 0;
      for (const part of parts) {
        line.set(part, at);
        at += part.length;
      }
    }
    sink.event({ direction, line, ts: blockTs, lineNumber });
  };

  const flushPending = (): void => {
    if (pending === undefined) return;
    emit(pending.parts, pending.lineNumber);
    pending = undefined;
  };

  const row = (offset: number, text: Uint8Array, lineNumber: number): void => {
    if (pending !== undefined) {
      if (offset === pending.offset + ROW_WIDTH) {
        // The previous row was wrapped: this row continues its line.
        pending.parts.push(text);
        pending.offset = offset;
        if (text.length < ROW_WIDTH || offset + ROW_WIDTH + CRLF_LENGTH >= blockSize) flushPending();
        return;
      }
      flushPending();
    }
    const endsBlock = offset + text.length + CRLF_LENGTH >= blockSize;
    if (text.length < ROW_WIDTH || endsBlock) {
      emit([text], lineNumber);
      return;
    }
    pending = { parts: [text], offset, lineNumber };
  };

  return {
    line(bytes, lineNumber) {
      const { ts, start } = readTraceTime(bytes);
      const rest = start === 0 ? bytes : bytes.subarray(start);
      const offset = block === Block.None ? -1 : readRowOffset(rest);
      if (offset >= 0) {
        if (block === Block.Header) row(offset, rest.subarray(rest.indexOf(COLON) + 2), lineNumber);
        return;
      }
      flushPending();
      if (startsWithAscii(rest, "<= Recv header") || startsWithAscii(rest, "=> Send header")) {
        block = Block.Header;
        direction = rest[0] === 0x3c ? "server" : "client";
        blockSize = readBlockSize(rest, 14);
        blockTs = ts;
        connectionOpen = true;
        return;
      }
      if (startsWithAscii(rest, "<= Recv ") || startsWithAscii(rest, "=> Send ")) {
        block = Block.Skipped; // data connection bytes, TLS records
        return;
      }
      if (startsWithAscii(rest, "== Info:")) {
        block = Block.None;
        if (startsWithAscii(rest, "== Info:   Trying ") && !connectionOpen) {
          connectionOpen = true;
          sink.connection(tryingEndpoint(rest, 18), { lineNumber, ts });
        } else if (
          startsWithAscii(rest, "== Info: Closing connection") ||
          startsWithAscii(rest, "== Info: Connection #")
        )
          connectionOpen = false;
        return;
      }
      if (bytes.length === 0) return;
      block = Block.None;
      sink.diagnostic({
        type: "unknown-line",
        message: "not a curl --trace-ascii line",
        lineNumber,
        excerpt: excerpt(bytes),
      });
    },
    end(lastLineNumber) {
      if (pending !== undefined) {
        sink.diagnostic({
          type: "truncated",
          message: "the trace ends inside a wrapped line",
          lineNumber: lastLineNumber,
          excerpt: "",
        });
        flushPending();
      }
    },
  };
}

export const curlTraceAsciiFormat: TranscriptFormat = {
  name: "curl-trace-ascii",
  description: "curl --trace-ascii output (with or without --trace-time)",
  hasGreeting: true,
  detect(lines) {
    let score = 0;
    for (const line of lines) {
      if (/^(\d\d:\d\d:\d\d\.\d+ )?(== Info:|<= Recv (header|data)|=> Send (header|data))/.test(line))
        score++;
    }
    return score;
  },
  createReader: createCurlTraceReader,
};
