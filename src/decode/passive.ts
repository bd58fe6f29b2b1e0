/**
 * Where to open the data connection after PASV, LPSV or EPSV: the passive target.
 *
 * The reply is decoded by its code, not by the command sent (servers answer EPSV with 227 and PASV with 229).
 * Which host to connect to is a security decision. A 227 or 228 reply names an address, and a hostile server can
 * name any address: the client then connects wherever the server wants, from inside the client's network, and
 * can be made to probe or talk to hosts and ports the server could never reach itself. That is curl
 * CVE-2020-8284 and Python CVE-2021-4189 (also GNU inetutils CVE-2021-40491, Apache Commons Net NET-711); all
 * fixed it by connecting to the control connection's peer, as EPSV (RFC 2428 §3) always does. So here too:
 *
 * - `control` (default): the control connection's peer, with the port from the reply.
 * - `advertised`: the address in the reply (trust the server).
 * - `nat`: the advertised address when it is global, or in the same scope as the control peer (both private, both
 *   loopback, both link-local, both CGNAT); else the control peer. An unspecified (`0.0.0.0`, `::`) or multicast
 *   address is never used. This refines "advertised unless private while the control peer is not": a LAN server
 *   (control peer private) still cannot aim the client at its own loopback.
 *
 * A 229 reply names no address: the host is always the control peer.
 */
import { type AddressScope, addressScope } from "./address.js";
import { parseEpsv } from "./epsv.js";
import { ReplyRangeError } from "./errors.js";
import { parseLpsv } from "./lpsv.js";
import { type ReplyInput, readMessage, syntaxError } from "./message.js";
import { parsePasv } from "./pasv.js";

/** How to choose the data connection's host (see the module comment). */
export type PassivePolicy = "control" | "advertised" | "nat";

export interface PassiveTargetOptions {
  /**
   * The control connection's peer address, as the socket reports it (`socket.remoteAddress`: `203.0.113.7`,
   * `2001:db8::7`, `::ffff:203.0.113.7`), or the host name connected to. An IPv6 address in URL brackets
   * (`[2001:db8::7]`, as in `new URL(…).hostname`) is taken without them. `undefined` (what
   * `socket.remoteAddress` is once the socket is closed) and `""` throw `ReplyRangeError` `invalid-option`.
   */
  controlHost: string | undefined;
  /** Default `control`. */
  policy?: PassivePolicy | undefined;
}

/** Where to connect, and why. */
export interface PassiveTarget {
  /** The host to connect the data connection to. */
  readonly host: string;
  /** The port to connect to, from the reply. */
  readonly port: number;
  /** The address the server advertised (227, 228), for inspection and logs; undefined for 229. */
  readonly advertisedHost: string | undefined;
  /** The policy that was applied. */
  readonly policy: PassivePolicy;
  /** Whose address `host` is: the control peer's, or the advertised one. For `nat` this is what it decided. */
  readonly decidedBy: "control" | "advertised";
  /** The reply code that was decoded: 227 (PASV), 228 (LPSV) or 229 (EPSV). */
  readonly code: 227 | 228 | 229;
}

const DECODER = "resolvePassiveTarget";
const CODES = [227, 228, 229];
const POLICIES: readonly string[] = ["control", "advertised", "nat"];

function optionError(what: string, excerpt: string): ReplyRangeError {
  return new ReplyRangeError("invalid-option", what, {
    decoder: DECODER,
    code: undefined,
    offset: 0,
    excerpt,
  });
}

/** Scopes an advertised address may never have: nothing listens there for us. */
function isNeverTarget(scope: AddressScope): boolean {
  return scope === "unspecified" || scope === "reserved";
}

/** The `nat` rule: trust the advertised address when it is global or as local as the control peer. */
function natTrusts(advertised: string, controlHost: string): boolean {
  const advertisedScope = addressScope(advertised);
  if (isNeverTarget(advertisedScope)) return false;
  if (advertisedScope === "global") return true;
  return advertisedScope === addressScope(controlHost);
}

/** `[2001:db8::7]` → `2001:db8::7`: sockets and `net.connect` take IPv6 addresses without URL brackets. */
function unbracket(host: string): string {
  return host.length > 2 && host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

/**
 * Decodes a 227, 228 or 229 reply and decides where to open the data connection. A string must carry its code
 * (`"227 Entering Passive Mode (…)"`): the code decides how to read it.
 *
 * With an IPv6 control connection and a 227 reply (whose address can only be IPv4), `control` connects to the
 * IPv6 peer on the advertised port, which is what a dual-stack server behind the same name expects; `nat` takes
 * the IPv4 address only when it is global; `advertised` takes it as sent.
 *
 * Throws the decoders' `ReplySyntaxError`/`ReplyRangeError`, and `ReplyRangeError` `invalid-option` for an
 * unknown policy or an empty `controlHost`.
 */
export function resolvePassiveTarget(reply: ReplyInput, options: PassiveTargetOptions): PassiveTarget {
  const givenHost = typeof options === "object" && options !== null ? options.controlHost : undefined;
  if (typeof givenHost !== "string" || givenHost.length === 0) {
    throw optionError("controlHost must be the control connection's peer address", typeof givenHost);
  }
  const controlHost = unbracket(givenHost);
  const policy = options.policy ?? "control";
  if (!POLICIES.includes(policy)) {
    const shown = typeof policy === "string" ? policy.slice(0, 64) : typeof policy;
    throw optionError(`policy must be "control", "advertised" or "nat"`, shown);
  }
  const message = readMessage(reply, DECODER, CODES);
  if (message.code === undefined) {
    throw syntaxError(message, "unexpected-code", "no reply code: 227, 228 or 229 is needed to decode it", 0);
  }
  const code = message.code as 227 | 228 | 229;
  if (code === 229) {
    const { port } = parseEpsv(reply);
    return { host: controlHost, port, advertisedHost: undefined, policy, decidedBy: "control", code };
  }
  const { host: advertisedHost, port } = code === 227 ? parsePasv(reply) : parseLpsv(reply);
  const trustAdvertised =
    policy === "advertised" || (policy === "nat" && natTrusts(advertisedHost, controlHost));
  return trustAdvertised
    ? { host: advertisedHost, port, advertisedHost, policy, decidedBy: "advertised", code }
    : { host: controlHost, port, advertisedHost, policy, decidedBy: "control", code };
}
