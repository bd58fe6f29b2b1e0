/**
 * 211 reply to FEAT (RFC 2389 §3.2):
 * ```
 * 211-Extensions supported:
 *  MLST type*;size*;modify*;
 *  SIZE
 * 211 END
 * ```
 * One feature per line between the first and the closing line. RFC 2389 has each feature line begin with a space;
 * some servers repeat the code instead (`211-MDTM`) or send no space, so every inner line counts, as lftp reads
 * them. Blank lines are skipped.
 */
import { isBlank, type ReplyInput, readMessage } from "./message.js";

/** One line of a FEAT reply. */
export interface Feature {
  /** The feature name, upper-cased (RFC 2389 §3.1: names are not case-sensitive): `MLST`, `UTF8`. */
  readonly name: string;
  /** The rest of the line after the name and the blanks that follow it, as sent (`type*;size*;modify*;`). */
  readonly params: string;
}

const DECODER = "parseFeatures";
const CODES = [211];

/** ASCII-only upper case: feature names are ASCII (RFC 2389 §3.2); other characters stay as sent. */
function asciiUpperCase(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x61 && c <= 0x7a) return text.replace(/[a-z]+/g, (run) => run.toUpperCase());
  }
  return text;
}

/**
 * Decodes a 211 FEAT reply to its features, in server order. A single-line 211 (no features) gives `[]`.
 * Throws `ReplySyntaxError` `unexpected-code` for another reply (a `500`/`502` to FEAT means none).
 */
export function parseFeatures(input: ReplyInput): Feature[] {
  const message = readMessage(input, DECODER, CODES);
  const text = message.text;
  const features: Feature[] = [];
  let lineStart = text.indexOf("\n");
  if (lineStart === -1) return features; // only the opening line
  lineStart++;
  while (lineStart <= text.length) {
    let lineEnd = text.indexOf("\n", lineStart);
    const last = lineEnd === -1;
    if (last) lineEnd = text.length;
    let i = lineStart;
    while (i < lineEnd && isBlank(text.charCodeAt(i))) i++;
    // The last line of a multi-line reply is its closing line (`211 END`). For a message given alone, a last
    // line that starts with a blank is a feature (the closing line was left off), one that does not is the close.
    const closing = last && (message.code === undefined ? i === lineStart : message.multiline);
    if (i < lineEnd && !closing) {
      let nameEnd = i;
      while (nameEnd < lineEnd && !isBlank(text.charCodeAt(nameEnd))) nameEnd++;
      let paramsStart = nameEnd;
      while (paramsStart < lineEnd && isBlank(text.charCodeAt(paramsStart))) paramsStart++;
      features.push({
        name: asciiUpperCase(text.slice(i, nameEnd)),
        params: text.slice(paramsStart, lineEnd),
      });
    }
    if (last) break;
    lineStart = lineEnd + 1;
  }
  return features;
}
