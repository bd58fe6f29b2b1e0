/**
 * The data side every client needs, without sockets: asking for a passive data connection (EPSV, PASV or LPSV)
 * with the safe target policy and a sticky EPSV → PASV fallback, and the arguments of PORT and EPRT for active
 * mode (RFC 959 §4.1.2, RFC 2428 §2).
 */
import { formatIPv4, parseIPv4, parseIPv6 } from "../decode/address.js";
import { type PassivePolicy, type PassiveTarget, resolvePassiveTarget } from "../decode/passive.js";
import type { ControlChannel, ControlResponse } from "./channel.js";
import { ControlChannelError } from "./errors.js";

export type PassiveCommand = "EPSV" | "PASV" | "LPSV";

export interface PassiveModeOptions {
  /** The control connection's peer address (`socket.remoteAddress`). */
  controlHost: string;
  /** Where to connect for a 227/228 reply (see `resolvePassiveTarget`). Default `control`: the control peer. */
  policy?: PassivePolicy;
  /** The commands to try, in order. Default `["EPSV", "PASV"]`. */
  commands?: readonly PassiveCommand[];
}

export interface PassiveMode {
  /**
   * Sends the passive command in use and decodes where to connect. A 500, 501, 502 or 522 reply (not known, not
   * implemented, or address family not supported) moves on to the next command for good (sticky fallback).
   * Rejects with `ControlChannelError` (`passive-refused` reply in `reply`) when no command works, and with the
   * decoders' errors for a malformed 227/228/229.
   */
  request(channel: ControlChannel): Promise<PassiveTarget & { readonly response: ControlResponse }>;
  /** The command that will be tried first next time. */
  readonly command: PassiveCommand;
}

/** Replies that mean "this command will never work here": try the next one. */
const FALL_BACK = new Set([500, 501, 502, 522]);

/** Passive-mode negotiation with a sticky fallback (once EPSV is refused, PASV is used for the session). */
export function createPassiveMode(options: PassiveModeOptions): PassiveMode {
  const commands = options.commands ?? ["EPSV", "PASV"];
  if (commands.length === 0) throw new RangeError("createPassiveMode needs at least one command");
  let index = 0;
  return {
    get command() {
      return commands[index]!;
    },
    async request(channel) {
      for (;;) {
        const command = commands[index]!;
        const response = await channel.send(command);
        if (response.code >= 200 && response.code < 300) {
          const target = resolvePassiveTarget(response.final, {
            controlHost: options.controlHost,
            ...(options.policy === undefined ? {} : { policy: options.policy }),
          });
          return { ...target, response };
        }
        if (!FALL_BACK.has(response.code) || index === commands.length - 1) {
          throw new ControlChannelError(
            "passive-refused",
            `${command} was refused: ${response.final.lines.join(" / ")}`,
            { reply: response.final, command },
          );
        }
        index++;
      }
    },
  };
}

function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RangeError(`the data port must be an integer in 1–65535, not ${port}`);
  }
}

/** The argument of PORT (RFC 959 §4.1.2): `h1,h2,h3,h4,p1,p2` for an IPv4 address (or `::ffff:` IPv4). */
export function formatPortArgument(host: string, port: number): string {
  checkPort(port);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host);
  const bytes = parseIPv4(mapped === null ? host : mapped[1]!);
  if (bytes === undefined) throw new RangeError(`PORT needs an IPv4 address, not ${JSON.stringify(host)}`);
  return `${bytes.join(",")},${port >> 8},${port & 0xff}`;
}

/** The argument of EPRT (RFC 2428 §2): `|1|192.0.2.1|6446|` or `|2|2001:db8::1|6446|`. */
export function formatEprtArgument(host: string, port: number): string {
  checkPort(port);
  const v4 = parseIPv4(host);
  if (v4 !== undefined) return `|1|${formatIPv4(v4)}|${port}|`;
  if (parseIPv6(host) !== undefined && !host.includes("|")) return `|2|${host}|${port}|`;
  throw new RangeError(`EPRT needs an IPv4 or IPv6 address, not ${JSON.stringify(host)}`);
}
