/**
 * IP address text: IPv4 dotted quads, IPv6 in the RFC 5952 canonical form, and the scope of an address (is it
 * loopback, private, …) for the `nat` passive policy.
 */

/** `a.b.c.d` from four bytes. */
export function formatIPv4(bytes: ArrayLike<number>, from = 0): string {
  return `${bytes[from]}.${bytes[from + 1]}.${bytes[from + 2]}.${bytes[from + 3]}`;
}

/**
 * RFC 5952 §4 canonical text of 16 bytes: lowercase hex without leading zeros (§4.1, §4.3), the longest run of
 * two or more zero groups (the first on a tie) shortened to `::` (§4.2), and IPv4-mapped addresses in mixed
 * notation `::ffff:a.b.c.d` (§5).
 */
export function formatIPv6(bytes: ArrayLike<number>, from = 0): string {
  const groups: number[] = new Array(8);
  for (let i = 0; i < 8; i++) groups[i] = (bytes[from + 2 * i]! << 8) | bytes[from + 2 * i + 1]!;
  if (
    groups[0] === 0 &&
    groups[1] === 0 &&
    groups[2] === 0 &&
    groups[3] === 0 &&
    groups[4] === 0 &&
    groups[5] === 0xffff
  ) {
    return `::ffff:${formatIPv4(bytes, from + 12)}`;
  }
  let bestStart = -1;
  let bestLength = 1; // §4.2.2: a single zero group is not shortened
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (from_: number, to: number): string => {
    const parts: string[] = [];
    for (let i = from_; i < to; i++) parts.push(groups[i]!.toString(16));
    return parts.join(":");
  };
  if (bestStart === -1) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`;
}

/** The four bytes of a strict dotted quad (`192.168.1.2`: decimal, no sign, no leading zero), or undefined. */
export function parseIPv4(text: string): number[] | undefined {
  const bytes: number[] = [];
  let i = 0;
  for (let part = 0; part < 4; part++) {
    if (part > 0) {
      if (text.charCodeAt(i) !== 0x2e) return undefined;
      i++;
    }
    const start = i;
    let value = 0;
    while (i < text.length && i - start < 4) {
      const c = text.charCodeAt(i);
      if (c < 0x30 || c > 0x39) break;
      value = value * 10 + (c - 0x30);
      i++;
    }
    // A leading zero is refused: inet_aton reads `010` as octal 8, so such text means different hosts to different
    // tools.
    if (i === start || i - start > 3 || value > 255) return undefined;
    if (i - start > 1 && text.charCodeAt(start) === 0x30) return undefined;
    bytes.push(value);
  }
  return i === text.length ? bytes : undefined;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/**
 * The 16 bytes of an IPv6 address text (RFC 4291 §2.2: `::` once, an IPv4 tail allowed), or undefined. A zone
 * (`fe80::1%eth0`) and surrounding brackets are ignored.
 */
export function parseIPv6(input: string): number[] | undefined {
  let text = input;
  if (text.length > 1 && text.charCodeAt(0) === 0x5b && text.charCodeAt(text.length - 1) === 0x5d) {
    text = text.slice(1, -1);
  }
  const zone = text.indexOf("%");
  if (zone !== -1) text = text.slice(0, zone);
  if (text.length === 0 || text.length > 45) return undefined;
  const head: number[] = [];
  const tail: number[] = [];
  let groups = head;
  let compressed = false;
  let i = 0;
  if (text.startsWith("::")) {
    compressed = true;
    groups = tail;
    i = 2;
  }
  while (i < text.length) {
    // An IPv4 tail: the rest holds a dot and no colon.
    const rest = text.slice(i);
    if (rest.includes(".") && !rest.includes(":")) {
      const v4 = parseIPv4(rest);
      if (v4 === undefined) return undefined;
      groups.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      i = text.length;
      break;
    }
    let value = 0;
    let digits = 0;
    while (i < text.length) {
      const h = hexValue(text.charCodeAt(i));
      if (h === -1) break;
      value = value * 16 + h;
      digits++;
      i++;
    }
    if (digits === 0 || digits > 4) return undefined;
    groups.push(value);
    if (i === text.length) break;
    if (text.charCodeAt(i) !== 0x3a) return undefined;
    i++;
    if (text.charCodeAt(i) === 0x3a) {
      if (compressed) return undefined;
      compressed = true;
      groups = tail;
      i++;
      if (i === text.length) break;
    } else if (i === text.length) {
      return undefined; // a trailing single colon
    }
  }
  const total = head.length + tail.length;
  if (compressed ? total > 7 : total !== 8) return undefined;
  const all = [...head, ...new Array<number>(8 - total).fill(0), ...tail];
  const bytes: number[] = [];
  for (const group of all) bytes.push(group >> 8, group & 0xff);
  return bytes;
}

/**
 * Where an address can be reached from:
 * - `unspecified` `0.0.0.0/8` (RFC 1122 §3.2.1.3 "this network"), `::` — never a place to connect to;
 * - `loopback`    `127.0.0.0/8`, `::1`;
 * - `link-local`  `169.254.0.0/16` (RFC 3927), `fe80::/10`;
 * - `private`     `10/8`, `172.16/12`, `192.168/16` (RFC 1918), `fc00::/7` (RFC 4193);
 * - `shared`      `100.64.0.0/10`, carrier-grade NAT (RFC 6598);
 * - `reserved`    multicast and the reserved/broadcast block `224.0.0.0/3`, `ff00::/8` — never a TCP peer;
 * - `global`      any other address;
 * - `name`        not an IP address (a host name): its scope cannot be told without resolving it.
 * IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`) have the scope of their IPv4 address.
 */
export type AddressScope =
  | "unspecified"
  | "loopback"
  | "link-local"
  | "private"
  | "shared"
  | "reserved"
  | "global"
  | "name";

function ipv4Scope(b: readonly number[], from: number): AddressScope {
  const a = b[from]!;
  const second = b[from + 1]!;
  if (a === 0) return "unspecified";
  if (a === 127) return "loopback";
  if (a === 169 && second === 254) return "link-local";
  if (a === 10 || (a === 172 && (second & 0xf0) === 16) || (a === 192 && second === 168)) return "private";
  if (a === 100 && (second & 0xc0) === 64) return "shared";
  if (a >= 224) return "reserved";
  return "global";
}

/** The scope of an address given as text (IPv4, IPv6, or a name). */
export function addressScope(host: string): AddressScope {
  const v4 = parseIPv4(host);
  if (v4 !== undefined) return ipv4Scope(v4, 0);
  const v6 = parseIPv6(host);
  if (v6 === undefined) return "name";
  let zeroPrefix = true; // the first 10 bytes are zero
  for (let i = 0; i < 10; i++) if (v6[i] !== 0) zeroPrefix = false;
  if (zeroPrefix && v6[10] === 0xff && v6[11] === 0xff) return ipv4Scope(v6, 12);
  if (zeroPrefix && v6[10] === 0 && v6[11] === 0 && v6[12] === 0 && v6[13] === 0 && v6[14] === 0) {
    if (v6[15] === 0) return "unspecified";
    if (v6[15] === 1) return "loopback";
  }
  const first = v6[0]!;
  if (first === 0xff) return "reserved";
  if (first === 0xfe && (v6[1]! & 0xc0) === 0x80) return "link-local";
  if ((first & 0xfe) === 0xfc) return "private";
  return "global";
}
