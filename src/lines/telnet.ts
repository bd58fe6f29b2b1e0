/**
 * The one Telnet machine (RFC 854) of both directions: it runs over the content of one line at a time.
 *
 * `IAC IAC` is a 0xFF data byte; every other command (`WILL`/`WONT`/`DO`/`DONT` with their option, `SB … IAC SE`,
 * `NOP`, `IP`, `DM` …) is removed from the content and reported. A command is line-scoped: a line terminator ends
 * it, so an `IAC SB` that is never closed cannot swallow the replies or commands after it (servers read lines
 * the same way: vsftpd, ProFTPD and Pure-FTPd do not interpret Telnet). An unfinished command at the end of a
 * line is dropped.
 */

/** Interpret As Command: every Telnet command starts with it; `IAC IAC` is a 0xFF data byte. */
export const IAC = 0xff;
/** Subnegotiation begin and end (`IAC SB option … IAC SE`). */
export const SB = 0xfa;
export const SE = 0xf0;
/** WILL, WONT, DO and DONT (0xFB–0xFE) take one option byte. */
export const WILL = 0xfb;
export const DONT = 0xfe;
/** Interrupt Process and Data Mark: the Synch a client sends before ABOR (RFC 959 §4.1.3). */
export const IP = 0xf4;
export const DM = 0xf2;

/** Longest subnegotiation payload kept for `onTelnet`; the rest is counted, not kept. */
export const MAX_SUBNEGOTIATION_KEPT = 256;

/** A Telnet command found in the stream and removed from the text (RFC 854). */
export interface TelnetCommand {
  /** The command byte (e.g. 251 for WILL, 241 for NOP, 250 for a subnegotiation). */
  readonly command: number;
  /** The command's name (`WILL`, `DO`, `NOP`, `SB` …) or `UNKNOWN`. */
  readonly name: string;
  /** The option byte of WILL, WONT, DO, DONT and SB. */
  readonly option?: number;
  /** The subnegotiation payload (at most 256 bytes kept). */
  readonly data?: Uint8Array;
  /** Byte offset of the command's IAC in the stream. */
  readonly offset: number;
}

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

/** Where the machine stands inside a line. */
const enum TelnetState {
  Data = 0,
  Iac = 1,
  Option = 2,
  Subnegotiation = 3,
  SubnegotiationIac = 4,
}

function command(code: number, offset: number, option?: number, data?: Uint8Array): TelnetCommand {
  const event: { -readonly [K in keyof TelnetCommand]: TelnetCommand[K] } = {
    command: code,
    name: telnetCommandName(code),
    offset,
  };
  if (option !== undefined) event.option = option;
  if (data !== undefined) event.data = data;
  return event;
}

/**
 * The data bytes of `bytes[from, to)` (one line's content) with Telnet commands removed; each command found is
 * pushed to `found` with its stream offset (`offset` is the stream offset of `bytes[from]`).
 */
export function removeTelnet(
  bytes: Uint8Array,
  from: number,
  to: number,
  offset: number,
  found: TelnetCommand[],
): Uint8Array {
  const out = new Uint8Array(to - from);
  let n = 0;
  let state = TelnetState.Data;
  let code = 0;
  let at = 0;
  let payload: number[] = [];
  for (let i = from; i < to; i++) {
    const b = bytes[i]!;
    switch (state) {
      case TelnetState.Data:
        if (b === IAC) {
          state = TelnetState.Iac;
          at = offset + i - from;
        } else out[n++] = b;
        break;
      case TelnetState.Iac:
        if (b === IAC) {
          out[n++] = IAC;
          state = TelnetState.Data;
        } else if (b >= WILL && b <= DONT) {
          code = b;
          state = TelnetState.Option;
        } else if (b === SB) {
          payload = [];
          state = TelnetState.Subnegotiation;
        } else {
          found.push(command(b, at));
          state = TelnetState.Data;
        }
        break;
      case TelnetState.Option:
        found.push(command(code, at, b));
        state = TelnetState.Data;
        break;
      case TelnetState.Subnegotiation:
        if (b === IAC) state = TelnetState.SubnegotiationIac;
        else if (payload.length < MAX_SUBNEGOTIATION_KEPT) payload.push(b);
        break;
      default:
        // SubnegotiationIac: IAC SE ends it, IAC IAC is a 0xFF byte of the payload.
        if (b === SE) {
          const data = Uint8Array.from(payload);
          found.push(command(SB, at, data[0], data.subarray(1)));
          state = TelnetState.Data;
        } else {
          if (b === IAC && payload.length < MAX_SUBNEGOTIATION_KEPT) payload.push(IAC);
          state = TelnetState.Subnegotiation;
        }
    }
  }
  return out.subarray(0, n);
}
