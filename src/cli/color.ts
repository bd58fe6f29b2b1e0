/**
 * Terminal colours for the pretty output: plain ANSI SGR sequences, no dependency.
 *
 * Whether to colour follows the common conventions: `FORCE_COLOR` (set and not `0`/`false`) forces colour on,
 * `NO_COLOR` (set and not empty, https://no-color.org) turns it off, and otherwise colour is on only when the
 * output is a terminal. `FORCE_COLOR` wins over `NO_COLOR`, as in Node itself.
 */

/** Decides whether to colour a stream. */
export function shouldColor(env: Record<string, string | undefined>, isTTY: boolean | undefined): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== "0" && force !== "false";
  const noColor = env.NO_COLOR;
  if (noColor !== undefined && noColor !== "") return false;
  return isTTY === true;
}

/** The styles the CLI uses; each wraps a text, or returns it unchanged when colour is off. */
export interface Palette {
  readonly enabled: boolean;
  /** Commands the client sent. */
  command(text: string): string;
  /** 1xx, 2xx, 3xx replies. */
  positive(text: string): string;
  /** 4xx replies. */
  transient(text: string): string;
  /** 5xx and 6xx replies, errors. */
  negative(text: string): string;
  /** Meanings, timestamps, secondary text. */
  dim(text: string): string;
  /** Diagnostics. */
  warning(text: string): string;
  bold(text: string): string;
}

const ESC = "\u001b[";
const RESET_INTENSITY = 22;
const RESET_COLOR = 39;

function sgr(open: number, close: number): (text: string) => string {
  return (text) => `${ESC}${open}m${text}${ESC}${close}m`;
}

const identity = (text: string): string => text;

/** Builds the palette, coloured or plain. */
export function createPalette(enabled: boolean): Palette {
  if (!enabled) {
    return {
      enabled,
      command: identity,
      positive: identity,
      transient: identity,
      negative: identity,
      dim: identity,
      warning: identity,
      bold: identity,
    };
  }
  return {
    enabled,
    command: sgr(36, RESET_COLOR), // cyan
    positive: sgr(32, RESET_COLOR), // green
    transient: sgr(33, RESET_COLOR), // yellow
    negative: sgr(31, RESET_COLOR), // red
    dim: sgr(2, RESET_INTENSITY),
    warning: sgr(35, RESET_COLOR), // magenta
    bold: sgr(1, RESET_INTENSITY),
  };
}

/** The style for a reply code, by its class (RFC 959 §4.2.1: 1–3 positive, 4 transient, 5 permanent negative). */
export function styleForCode(palette: Palette, code: number): (text: string) => string {
  const replyClass = Math.trunc(code / 100);
  if (replyClass === 4) return palette.transient;
  if (replyClass >= 5) return palette.negative;
  return palette.positive;
}
