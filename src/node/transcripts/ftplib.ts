/**
 * Python ftplib debug output (`FTP.set_debuglevel(1)` or `(2)`), printed with `repr()` of each string:
 *
 *   *cmd* 'USER anonymous'      (level ≥ 1) the command, PASS masked by ftplib
 *   *put* 'USER anonymous\r\n'  (level 2)   the same, as sent
 *   *get* '331 Please …\n'      (level 2)   each line received
 *   *resp* '331 Please …'       (level ≥ 1) the whole reply, lines joined by \n
 *   *welcome* '220 …'           (level ≥ 1, older Pythons) the greeting
 *
 * At level 2 the `*put*`/`*get*` lines are read and their `*cmd*`/`*resp*` summaries skipped; at level 1 the
 * summaries are all there is. Anything else (the program's own output, e.g. a LIST printed by retrlines) is an
 * unknown line.
 */
import { excerpt, startsWithAscii } from "./bytes.js";
import type { TranscriptFormat, TranscriptReader, TranscriptSink } from "./types.js";

const utf8 = new TextDecoder("utf-8");

const SIMPLE_ESCAPES: Record<string, string> = {
  "\\": "\\",
  "'": "'",
  '"': '"',
  n: "\n",
  r: "\r",
  t: "\t",
  a: "\x07",
  b: "\b",
  f: "\f",
  v: "\v",
  "0": "\0",
};

/** Undoes Python's `repr()` of a str: `'…'` or `"…"` with backslash escapes. Undefined when not a repr. */
export function unrepr(text: string): string | undefined {
  const quote = text[0];
  if ((quote !== "'" && quote !== '"') || text.length < 2 || text[text.length - 1] !== quote)
    return undefined;
  const body = text.slice(1, -1);
  if (!body.includes("\\")) return body;
  const parts: string[] = [];
  let start = 0;
  for (let i = body.indexOf("\\"); i !== -1; i = body.indexOf("\\", start)) {
    parts.push(body.slice(start, i));
    const kind = body[i + 1];
    if (kind === undefined) return undefined;
    const width = kind === "x" ? 2 : kind === "u" ? 4 : kind === "U" ? 8 : 0;
    if (width > 0) {
      const hex = body.slice(i + 2, i + 2 + width);
      const value = Number.parseInt(hex, 16);
      if (hex.length !== width || Number.isNaN(value) || value > 0x10ffff) return undefined;
      parts.push(String.fromCodePoint(value));
      start = i + 2 + width;
    } else {
      const simple = SIMPLE_ESCAPES[kind];
      if (simple === undefined) return undefined;
      parts.push(simple);
      start = i + 2;
    }
  }
  parts.push(body.slice(start));
  return parts.join("");
}

function stripLineEnd(text: string): string {
  if (text.endsWith("\r\n")) return text.slice(0, -2);
  if (text.endsWith("\n") || text.endsWith("\r")) return text.slice(0, -1);
  return text;
}

const TAGS = ["*cmd* ", "*put* ", "*get* ", "*resp* ", "*welcome* "] as const;
type Tag = (typeof TAGS)[number];

function createFtplibReader(sink: TranscriptSink): TranscriptReader {
  /** A `*cmd*` waiting to see whether a `*put*` (its exact form) follows. */
  let pendingCommand: { text: string; lineNumber: number } | undefined;
  /** Lines of the current reply were seen as `*get*`, so its `*resp*` summary is skipped. */
  let sawGet = false;
  /** A command was sent since the last reply. */
  let commandSinceReply = false;
  /** The last reply was a 1xx (a final reply follows without a command). */
  let lastWasPreliminary = false;
  let repliesSeen = 0;
  /** The last whole reply (`*resp*`), to recognise `*welcome*` repeating the greeting. */
  let lastReply: string | undefined;

  const flushCommand = (): void => {
    if (pendingCommand === undefined) return;
    sink.event({ direction: "client", line: pendingCommand.text, lineNumber: pendingCommand.lineNumber });
    commandSinceReply = true;
    pendingCommand = undefined;
  };

  /**
   * A reply begins. ftplib reads a reply only after a command, after a 1xx, or right after connecting: a 220
   * with neither before it is the greeting of a new `FTP()` connection (a new session).
   */
  const replyStarts = (text: string, lineNumber: number): void => {
    const code = Number.parseInt(text.slice(0, 3), 10);
    if (repliesSeen > 0 && !commandSinceReply && !lastWasPreliminary && code === 220) {
      sink.connection({}, { lineNumber });
    }
    repliesSeen++;
    commandSinceReply = false;
    lastWasPreliminary = code >= 100 && code < 200;
  };

  const unknown = (bytes: Uint8Array, lineNumber: number, message: string): void => {
    sink.diagnostic({ type: "unknown-line", message, lineNumber, excerpt: excerpt(bytes) });
  };

  return {
    line(bytes, lineNumber) {
      let tag: Tag | undefined;
      for (const candidate of TAGS) {
        if (startsWithAscii(bytes, candidate)) {
          tag = candidate;
          break;
        }
      }
      if (tag === undefined) {
        if (bytes.length > 0) unknown(bytes, lineNumber, "not an ftplib debug line (program output?)");
        return;
      }
      const text = unrepr(utf8.decode(bytes.subarray(tag.length)));
      if (text === undefined) {
        unknown(bytes, lineNumber, `${tag.trim()} is not followed by a Python string`);
        return;
      }
      switch (tag) {
        case "*cmd* ":
          flushCommand();
          pendingCommand = { text, lineNumber };
          break;
        case "*put* ":
          pendingCommand = undefined;
          sink.event({ direction: "client", line: stripLineEnd(text), lineNumber });
          commandSinceReply = true;
          sawGet = false;
          break;
        case "*get* ":
          flushCommand();
          if (!sawGet) replyStarts(text, lineNumber);
          sawGet = true;
          sink.event({ direction: "server", line: stripLineEnd(text), lineNumber });
          break;
        case "*welcome* ":
          // `getwelcome()` prints the greeting already read (as `*get*`/`*resp*`): nothing new, unless this log
          // has no such lines for it.
          flushCommand();
          if (!commandSinceReply && lastReply === text) break;
          replyStarts(text, lineNumber);
          for (const line of text.split("\n")) sink.event({ direction: "server", line, lineNumber });
          lastReply = text;
          sawGet = false;
          break;
        case "*resp* ":
          flushCommand();
          if (!sawGet) {
            replyStarts(text, lineNumber);
            for (const line of text.split("\n")) sink.event({ direction: "server", line, lineNumber });
          }
          lastReply = text;
          sawGet = false;
          break;
      }
    },
    end() {
      flushCommand();
    },
  };
}

export const ftplibFormat: TranscriptFormat = {
  name: "ftplib",
  description: "Python ftplib debug output (set_debuglevel(1) or (2))",
  hasGreeting: true,
  detect(lines) {
    let score = 0;
    for (const line of lines) if (/^\*(cmd|put|get|resp|welcome)\* ['"]/.test(line)) score++;
    return score;
  },
  createReader: createFtplibReader,
};
