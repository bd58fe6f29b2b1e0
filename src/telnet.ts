/** Telnet bytes the control connection may carry (RFC 854), shared by the reply parser, the command splitter and
 * the 257 decoder's byte scan. */

/** Interpret As Command: every Telnet command starts with it; `IAC IAC` is a 0xFF data byte. */
export const IAC = 0xff;
/** Subnegotiation begin and end (`IAC SB option … IAC SE`). */
export const SB = 0xfa;
export const SE = 0xf0;
/** WILL, WONT, DO and DONT (0xFB–0xFE) take one option byte. */
export const WILL = 0xfb;
export const DONT = 0xfe;

/** Longest subnegotiation payload kept for `onTelnet`; the rest is counted, not kept. */
export const MAX_SUBNEGOTIATION_KEPT = 256;

const TELNET_COMMAND_NAMES: Record<number, string> = {
  240: "SE",
  241: "NOP",
  242: "DM",
  243: "BRK",
  244: "IP",
  245: "AO",
  246: "AYT",
  247: "EC",
  248: "EL",
  249: "GA",
  250: "SB",
  251: "WILL",
  252: "WONT",
  253: "DO",
  254: "DONT",
};

/** The name of a Telnet command byte (`WILL`, `NOP`, `SB` …), or `UNKNOWN`. */
export function telnetCommandName(command: number): string {
  return TELNET_COMMAND_NAMES[command] ?? "UNKNOWN";
}
