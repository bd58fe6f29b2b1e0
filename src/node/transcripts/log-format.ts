/**
 * ProFTPD's `LogFormat` (mod_log): a format string of literal text and `%` variables, compiled once into a
 * matcher for the lines an `ExtendedLog` writes with it.
 *
 *   LogFormat bypid "%{iso8601} %P %a %u \"%m\" \"%J\" %s \"%S\""
 *
 * Matching is one pass, linear in the line, with no backtracking: a variable of a known shape (a date, a code, a
 * word without spaces) ends where its shape ends or at the next literal; a free-text variable (`%r`, `%J`, `%S`,
 * a path …) ends at the first occurrence of the literal after it that the next variable's shape accepts — and
 * the last free-text variable of the format takes everything between what the fields before it matched (left to
 * right) and what the fields after it matched (right to left, from the line's end), so that quotes inside a
 * reply text (`257 ""/" is the current directory"`) cannot end it early.
 */

/** How a variable's value looks, which says where it ends. */
export const enum FieldShape {
  /** `[24/Nov/2026:14:06:12 +0000]`: 28 characters. */
  ClfTime,
  /** `2026-11-24 14:06:12,345`: 23 characters (ProFTPD's `%{iso8601}`, local time). */
  Iso8601,
  /** A reply code: three digits, or `-` when the command got none. */
  Code,
  /** A word without spaces (an address, a port, a user name, a pid, a verb). */
  Word,
  /** Any text, spaces and quotes included. */
  Text,
}

/**
 * The variables this reader uses, by what they mean; every other variable is matched by its shape and ignored.
 * mod_log's names (doc/modules/mod_log.html, "LogFormat").
 */
const VARIABLES: Readonly<Record<string, { name: string; shape: FieldShape }>> = {
  t: { name: "time", shape: FieldShape.ClfTime },
  "{iso8601}": { name: "iso8601", shape: FieldShape.Iso8601 },
  a: { name: "address", shape: FieldShape.Word },
  h: { name: "host", shape: FieldShape.Word },
  "{remote-port}": { name: "port", shape: FieldShape.Word },
  u: { name: "user", shape: FieldShape.Word },
  r: { name: "request", shape: FieldShape.Text },
  m: { name: "verb", shape: FieldShape.Word },
  J: { name: "argument", shape: FieldShape.Text },
  s: { name: "code", shape: FieldShape.Code },
  S: { name: "message", shape: FieldShape.Text },
  "{protocol}": { name: "protocol", shape: FieldShape.Word },
  P: { name: "pid", shape: FieldShape.Word },
};

/** Other variables that never hold a space (numbers, addresses, flags); the rest are read as free text. */
const WORD_VARIABLES = new Set([
  "b",
  "l",
  "L",
  "p",
  "T",
  "I",
  "O",
  "R",
  "c",
  "g",
  "U",
  "H",
  "E",
  "{version}",
]);

export type LogFormatFieldName =
  | "time"
  | "iso8601"
  | "address"
  | "host"
  | "port"
  | "user"
  | "request"
  | "verb"
  | "argument"
  | "code"
  | "message"
  | "protocol"
  | "pid";

type Part =
  | { readonly literal: string }
  | { readonly variable: string; readonly name: string | undefined; readonly shape: FieldShape };

/** A compiled LogFormat: where each named variable is in a line. */
export interface CompiledLogFormat {
  /** The format string as given. */
  readonly source: string;
  /** The names of the variables it has that this reader uses. */
  readonly names: ReadonlySet<LogFormatFieldName>;
  /** The value of each named variable in `line`, or undefined when the line does not have this format. */
  match(line: string): Partial<Record<LogFormatFieldName, string>> | undefined;
}

/** A LogFormat this reader cannot use, with why. */
export class LogFormatError extends Error {
  override readonly name = "LogFormatError";
}

/** `%x`, `%{name}` or `%{arg}x` at `at` → the variable's key and its length, or undefined. */
function readVariable(format: string, at: number): { key: string; length: number } | undefined {
  if (format[at + 1] === "{") {
    const close = format.indexOf("}", at + 2);
    if (close === -1) return undefined;
    const braced = format.slice(at + 1, close + 1);
    // `%{…}x` forms (`%{env:X}`, `%{format}t`, `%{…}T`): a letter right after the braces belongs to the variable.
    const letter = format[close + 1];
    if (letter !== undefined && /[a-zA-Z]/.test(letter) && braced !== "{iso8601}")
      return { key: `${braced}${letter}`, length: close + 2 - at };
    return { key: braced, length: close + 1 - at };
  }
  const letter = format[at + 1];
  return letter === undefined ? undefined : { key: letter, length: 2 };
}

/** The format's parts: literal runs and variables (`%%` is a literal `%`). */
function parse(format: string): Part[] {
  const parts: Part[] = [];
  let literal = "";
  for (let i = 0; i < format.length; ) {
    if (format[i] !== "%") {
      literal += format[i++];
      continue;
    }
    if (format[i + 1] === "%") {
      literal += "%";
      i += 2;
      continue;
    }
    const variable = readVariable(format, i);
    if (variable === undefined) throw new LogFormatError(`an unfinished variable at character ${i + 1}`);
    if (literal !== "") parts.push({ literal });
    literal = "";
    const known = VARIABLES[variable.key];
    const shape = known?.shape ?? (WORD_VARIABLES.has(variable.key) ? FieldShape.Word : FieldShape.Text);
    const previous = parts[parts.length - 1];
    if (previous !== undefined && !("literal" in previous) && !isFixed(previous.shape))
      throw new LogFormatError(
        `%${previous.variable} and %${variable.key} have nothing between them: where one ends cannot be told`,
      );
    parts.push({ variable: variable.key, name: known?.name, shape });
    i += variable.length;
  }
  if (literal !== "") parts.push({ literal });
  return parts;
}

function isFixed(shape: FieldShape): boolean {
  return shape === FieldShape.ClfTime || shape === FieldShape.Iso8601;
}

const CLF_TIME = /^\[\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\]$/;
const ISO8601 = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}$/;

/** Whether `value` has the shape (the fixed ones are checked with anchored patterns of bounded length). */
function fits(shape: FieldShape, value: string): boolean {
  switch (shape) {
    case FieldShape.ClfTime:
      return CLF_TIME.test(value);
    case FieldShape.Iso8601:
      return ISO8601.test(value);
    case FieldShape.Code:
      return (
        value === "-" || (value.length === 3 && value >= "100" && value <= "699" && /^\d{3}$/.test(value))
      );
    case FieldShape.Word:
      return value !== "" && !value.includes(" ");
    case FieldShape.Text:
      return true;
  }
}

function fixedLength(shape: FieldShape): number {
  return shape === FieldShape.ClfTime ? 28 : 23;
}

/**
 * Compiles a LogFormat string.
 *
 * @throws LogFormatError when it has no command (`%r`, or `%m`) and no reply code (`%s`), or two variables with
 * nothing between them that cannot be told apart.
 */
export function compileLogFormat(format: string): CompiledLogFormat {
  const parts = parse(format);
  const names = new Set<LogFormatFieldName>();
  for (const part of parts)
    if ("name" in part && part.name !== undefined) names.add(part.name as LogFormatFieldName);
  if (!names.has("request") && !names.has("verb"))
    throw new LogFormatError("it has no command (%r, or %m with %J): a dialogue cannot be read from it");
  if (!names.has("code"))
    throw new LogFormatError("it has no reply code (%s): a dialogue cannot be read from it");
  let lastText = -1;
  parts.forEach((part, i) => {
    if ("shape" in part && part.shape === FieldShape.Text) lastText = i;
  });
  // After the last free text the fields are read from the line's end: each needs a literal before it to stop at.
  for (let i = lastText + 2; lastText !== -1 && i < parts.length; i++) {
    const [previous, part] = [parts[i - 1]!, parts[i]!];
    if ("variable" in previous && "variable" in part)
      throw new LogFormatError(
        `%${previous.variable} and %${part.variable} have nothing between them after free text: where one ends cannot be told`,
      );
  }
  return {
    source: format,
    names,
    match(line) {
      const values: Partial<Record<LogFormatFieldName, string>> = {};
      const take = (part: Part, value: string): boolean => {
        if (!("shape" in part)) return true;
        if (!fits(part.shape, value)) return false;
        if (part.name !== undefined) values[part.name as LogFormatFieldName] = value;
        return true;
      };
      // Left to right, up to the last free-text variable (or to the end).
      const forwardEnd = lastText === -1 ? parts.length : lastText;
      let at = 0;
      for (let i = 0; i < forwardEnd; i++) {
        const part = parts[i]!;
        if ("literal" in part) {
          if (!line.startsWith(part.literal, at)) return undefined;
          at += part.literal.length;
          continue;
        }
        const end =
          forwardEnd === parts.length && i === parts.length - 1 ? line.length : endOf(parts, i, line, at);
        if (end < 0 || !take(part, line.slice(at, end))) return undefined;
        at = end;
      }
      if (lastText === -1) return at === line.length ? values : undefined;
      // Right to left, from the line's end back to the last free-text variable.
      let stop = line.length;
      for (let i = parts.length - 1; i > lastText; i--) {
        const part = parts[i]!;
        if ("literal" in part) {
          if (stop - part.literal.length < at || !line.startsWith(part.literal, stop - part.literal.length))
            return undefined;
          stop -= part.literal.length;
          continue;
        }
        const start = startOf(parts, i, line, stop, at);
        if (start < 0 || !take(part, line.slice(start, stop))) return undefined;
        stop = start;
      }
      return take(parts[lastText]!, line.slice(at, stop)) ? values : undefined;
    },
  };
}

/**
 * Where the variable `parts[i]`, starting at `at`, ends (matching left to right), or -1. A fixed shape has its
 * length; any other ends at the next literal — for free text, the first occurrence after which the next
 * variable's shape fits (checked on a bounded stretch, so the whole search stays linear).
 */
function endOf(parts: readonly Part[], i: number, line: string, at: number): number {
  const part = parts[i] as Extract<Part, { shape: FieldShape }>;
  if (isFixed(part.shape))
    return at + fixedLength(part.shape) <= line.length ? at + fixedLength(part.shape) : -1;
  const next = parts[i + 1];
  if (next === undefined) return line.length;
  const literal = (next as { literal: string }).literal;
  if (part.shape !== FieldShape.Text) {
    const end = line.indexOf(literal[0]!, at);
    return end === -1 ? -1 : end;
  }
  const after = parts[i + 2];
  for (let end = line.indexOf(literal, at); end !== -1; end = line.indexOf(literal, end + 1)) {
    if (
      after === undefined ||
      "literal" in after ||
      plausibleAt(after.shape, line, end + literal.length, parts[i + 3])
    )
      return end;
  }
  return -1;
}

/** Whether a variable of `shape` can start at `at` (looking at most 28 characters ahead). */
function plausibleAt(shape: FieldShape, line: string, at: number, following: Part | undefined): boolean {
  const stopChar = following !== undefined && "literal" in following ? following.literal[0] : undefined;
  switch (shape) {
    case FieldShape.ClfTime:
    case FieldShape.Iso8601:
      return fits(shape, line.slice(at, at + fixedLength(shape)));
    case FieldShape.Code: {
      const value = line[at] === "-" ? "-" : line.slice(at, at + 3);
      const after = line[at + value.length];
      return fits(shape, value) && (after === undefined || after === stopChar);
    }
    case FieldShape.Word:
      return at < line.length && line[at] !== " " && line[at] !== stopChar;
    case FieldShape.Text:
      return true;
  }
}

/**
 * Where the variable `parts[i]`, ending at `stop`, starts (matching right to left), or -1: a fixed shape has its
 * length; any other starts after the last occurrence of the previous literal's last character (not before `floor`).
 */
function startOf(parts: readonly Part[], i: number, line: string, stop: number, floor: number): number {
  const part = parts[i] as Extract<Part, { shape: FieldShape }>;
  if (isFixed(part.shape))
    return stop - fixedLength(part.shape) >= floor ? stop - fixedLength(part.shape) : -1;
  const previous = parts[i - 1] as { literal: string };
  const boundary = previous.literal[previous.literal.length - 1]!;
  const found = line.lastIndexOf(boundary, stop - 1);
  return found < floor - 1 ? -1 : found + 1;
}

/** `LogFormat name "format"` in a ProFTPD configuration (the format's `\"` and `\\` escaped). */
const LOG_FORMAT_DIRECTIVE = /^\s*LogFormat\s+(\S+)\s+"((?:[^"\\]|\\.)*)"\s*$/i;

/** The `LogFormat` directives of a ProFTPD configuration file's text, in order. */
export function logFormatsOfConfig(text: string): { name: string; format: string }[] {
  const formats: { name: string; format: string }[] = [];
  for (const line of text.split("\n")) {
    const match = LOG_FORMAT_DIRECTIVE.exec(line.endsWith("\r") ? line.slice(0, -1) : line);
    if (match !== null) formats.push({ name: match[1]!, format: match[2]!.replace(/\\(.)/g, "$1") });
  }
  return formats;
}
