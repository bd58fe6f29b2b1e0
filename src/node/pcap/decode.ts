/**
 * Link layer, IPv4/IPv6 and TCP header decoding: a captured frame in, a TCP segment (or the reason there is
 * none) out.
 */
import { formatIPv4, formatIPv6 } from "../../decode/address.js";
import type { CaptureDiagnosticType } from "./errors.js";

/** LINKTYPE_* values (https://www.tcpdump.org/linktypes.html). */
export const LinkType = {
  Null: 0,
  Ethernet: 1,
  /** DLT_RAW as written by some BSDs. */
  RawBsd12: 12,
  RawBsd14: 14,
  Raw: 101,
  Loop: 108,
  LinuxSll: 113,
  Ipv4: 228,
  Ipv6: 229,
  LinuxSll2: 276,
} as const;

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100;
const ETHERTYPE_QINQ = 0x88a8;
const ETHERTYPE_QINQ_OLD = 0x9100;
const ETHERNET_HEADER_LENGTH = 14;
const VLAN_TAG_LENGTH = 4;
const SLL_HEADER_LENGTH = 16;
const SLL2_HEADER_LENGTH = 20;
const NULL_HEADER_LENGTH = 4;
/** BSD loopback address families: AF_INET is 2 everywhere; AF_INET6 differs between systems. */
const AF_INET = 2;
const AF_INET6_VALUES = new Set([10, 23, 24, 28, 30]);

const IPV4_MIN_HEADER_LENGTH = 20;
const IPV6_HEADER_LENGTH = 40;
const IP_PROTOCOL_TCP = 6;
// IPv6 extension headers (RFC 8200 §4).
const IPV6_HOP_BY_HOP = 0;
const IPV6_ROUTING = 43;
const IPV6_FRAGMENT = 44;
const IPV6_ESP = 50;
const IPV6_AUTHENTICATION = 51;
const IPV6_NO_NEXT_HEADER = 59;
const IPV6_DESTINATION_OPTIONS = 60;
const IPV6_MOBILITY = 135;
const IPV4_MORE_FRAGMENTS = 0x2000;
const IPV4_FRAGMENT_OFFSET_MASK = 0x1fff;

const TCP_MIN_HEADER_LENGTH = 20;
export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_ACK = 0x10;

/** A decoded TCP segment. */
export interface TcpSegment {
  /** 4 or 6. */
  readonly ipVersion: 4 | 6;
  /** The source and destination addresses as bytes (views into the frame). */
  readonly sourceAddress: Uint8Array;
  readonly destinationAddress: Uint8Array;
  readonly sourcePort: number;
  readonly destinationPort: number;
  readonly sequence: number;
  readonly acknowledgment: number;
  /** TCP flag bits (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10 …). */
  readonly flags: number;
  /** The TCP payload that was captured (a view into the frame). */
  readonly payload: Uint8Array;
  /** Payload bytes that the segment carried on the wire but the snapshot length cut off. */
  readonly missingPayload: number;
}

/** Why a frame gave no TCP segment, or the problem found with it. */
export interface DecodeProblem {
  readonly type: CaptureDiagnosticType;
  readonly message: string;
}

/** What `decodeFrame` found: a segment, a reason to skip (`problem`), or nothing (not TCP: counted only). */
export interface DecodedFrame {
  segment?: TcpSegment;
  problem?: DecodeProblem;
  /** The frame is IP but not TCP (UDP, ICMP …): counted, not a problem. */
  otherProtocol?: number;
}

function problem(type: CaptureDiagnosticType, message: string): DecodedFrame {
  return { problem: { type, message } };
}

/**
 * A TCP segment decoded in place: numbers and offsets into its frame, written over by each `decodeSegment`. The
 * capture pipeline decodes every packet into one of these (no object, no view per packet); the reassembler reads
 * the IPv4 endpoint numbers from it, and the views (`payload`, addresses) are made only when asked for.
 */
export class FrameSegment implements TcpSegment {
  frame: Uint8Array = new Uint8Array(0);
  ipVersion: 4 | 6 = 4;
  /** Offsets of the addresses in the frame (4 bytes each for IPv4, 16 for IPv6). */
  sourceAt = 0;
  destinationAt = 0;
  /** IPv4: `address × 65536 + port` of each end (below 2^48, exact); -1 for IPv6. */
  sourceNumber = 0.5;
  destinationNumber = 0.5;
  sourcePort = 0;
  destinationPort = 0;
  // Sequence numbers are uint32: start as doubles, so that the first one past 2^30 changes no object shape.
  sequence = 0.5;
  acknowledgment = 0.5;
  flags = 0;
  payloadStart = 0;
  payloadEnd = 0;
  missingPayload = 0;

  get sourceAddress(): Uint8Array {
    return this.frame.subarray(this.sourceAt, this.sourceAt + (this.ipVersion === 4 ? 4 : 16));
  }

  get destinationAddress(): Uint8Array {
    return this.frame.subarray(this.destinationAt, this.destinationAt + (this.ipVersion === 4 ? 4 : 16));
  }

  get payload(): Uint8Array {
    return this.frame.subarray(this.payloadStart, this.payloadEnd);
  }

  /** The segment as a plain object of its own (views into the frame), as `decodeFrame` gives it. */
  toSegment(): TcpSegment {
    return {
      ipVersion: this.ipVersion,
      sourceAddress: this.sourceAddress,
      destinationAddress: this.destinationAddress,
      sourcePort: this.sourcePort,
      destinationPort: this.destinationPort,
      sequence: this.sequence,
      acknowledgment: this.acknowledgment,
      flags: this.flags,
      payload: this.payload,
      missingPayload: this.missingPayload,
    };
  }
}

/** `address × 65536 + port` of the IPv4 address at `at`: one exact number per endpoint (below 2^48). */
export function ipv4EndpointNumber(frame: Uint8Array, at: number, port: number): number {
  return (
    (((frame[at]! << 24) | (frame[at + 1]! << 16) | (frame[at + 2]! << 8) | frame[at + 3]!) >>> 0) * 65536 +
    port
  );
}

/**
 * Decodes one captured frame down to its TCP segment. `originalLength` is the frame's length on the wire, used
 * to tell how much payload the snapshot length cut.
 */
export function decodeFrame(linkType: number, frame: Uint8Array, originalLength: number): DecodedFrame {
  return decodeSegment(scratch, linkType, frame, originalLength) ?? { segment: scratch.toSegment() };
}

/** `decodeFrame`'s segment in place, copied out before it returns (nothing runs in between: no callback). */
const scratch = new FrameSegment();

/**
 * `decodeFrame` in place: a TCP segment is written into `segment` (undefined is returned); anything else is
 * returned as `decodeFrame` returns it.
 */
export function decodeSegment(
  segment: FrameSegment,
  linkType: number,
  frame: Uint8Array,
  originalLength: number,
): DecodedFrame | undefined {
  let at: number;
  let etherType = 0;
  switch (linkType) {
    case LinkType.Ethernet: {
      if (frame.length < ETHERNET_HEADER_LENGTH) return problem("malformed-ip", "Ethernet header cut short");
      etherType = (frame[12]! << 8) | frame[13]!;
      at = ETHERNET_HEADER_LENGTH;
      // IEEE 802.1Q / 802.1ad tags, possibly stacked.
      while (
        etherType === ETHERTYPE_VLAN ||
        etherType === ETHERTYPE_QINQ ||
        etherType === ETHERTYPE_QINQ_OLD
      ) {
        if (frame.length < at + VLAN_TAG_LENGTH) return problem("malformed-ip", "802.1Q tag cut short");
        etherType = (frame[at + 2]! << 8) | frame[at + 3]!;
        at += VLAN_TAG_LENGTH;
      }
      break;
    }
    case LinkType.LinuxSll:
      if (frame.length < SLL_HEADER_LENGTH) return problem("malformed-ip", "Linux cooked header cut short");
      etherType = (frame[14]! << 8) | frame[15]!;
      at = SLL_HEADER_LENGTH;
      break;
    case LinkType.LinuxSll2:
      if (frame.length < SLL2_HEADER_LENGTH)
        return problem("malformed-ip", "Linux cooked v2 header cut short");
      etherType = (frame[0]! << 8) | frame[1]!;
      at = SLL2_HEADER_LENGTH;
      break;
    case LinkType.Null:
    case LinkType.Loop: {
      if (frame.length < NULL_HEADER_LENGTH) return problem("malformed-ip", "loopback header cut short");
      // DLT_NULL stores the family in the capturing host's byte order, DLT_LOOP in network order: accept both.
      const bigEndian = ((frame[0]! << 24) | (frame[1]! << 16) | (frame[2]! << 8) | frame[3]!) >>> 0;
      const littleEndian = ((frame[3]! << 24) | (frame[2]! << 16) | (frame[1]! << 8) | frame[0]!) >>> 0;
      const family = bigEndian < littleEndian ? bigEndian : littleEndian;
      if (family === AF_INET) etherType = ETHERTYPE_IPV4;
      else if (AF_INET6_VALUES.has(family)) etherType = ETHERTYPE_IPV6;
      else return { otherProtocol: -family };
      at = NULL_HEADER_LENGTH;
      break;
    }
    case LinkType.Raw:
    case LinkType.RawBsd12:
    case LinkType.RawBsd14:
    case LinkType.Ipv4:
    case LinkType.Ipv6: {
      if (frame.length < 1) return problem("malformed-ip", "empty raw IP packet");
      const version = frame[0]! >> 4;
      etherType = version === 4 ? ETHERTYPE_IPV4 : version === 6 ? ETHERTYPE_IPV6 : 0;
      at = 0;
      break;
    }
    default:
      return problem("unsupported-link-type", `link type ${linkType} is not decoded`);
  }
  const linkOverhead = at;
  if (etherType === ETHERTYPE_IPV4) return decodeIpv4(segment, frame, at, originalLength - linkOverhead);
  if (etherType === ETHERTYPE_IPV6) return decodeIpv6(segment, frame, at, originalLength - linkOverhead);
  return problem("not-ip", `EtherType 0x${etherType.toString(16).padStart(4, "0")} is not IP`);
}

function decodeIpv4(
  segment: FrameSegment,
  frame: Uint8Array,
  at: number,
  wireLength: number,
): DecodedFrame | undefined {
  if (frame.length < at + IPV4_MIN_HEADER_LENGTH) return problem("malformed-ip", "IPv4 header cut short");
  const versionAndLength = frame[at]!;
  if (versionAndLength >> 4 !== 4)
    return problem("malformed-ip", `IP version ${versionAndLength >> 4} in IPv4 frame`);
  // The header length counts 32-bit words; anything past 20 bytes is options (RFC 791 §3.1), skipped here.
  const headerLength = (versionAndLength & 0x0f) * 4;
  if (headerLength < IPV4_MIN_HEADER_LENGTH)
    return problem("malformed-ip", `IPv4 header length ${headerLength}`);
  if (frame.length < at + headerLength) return problem("malformed-ip", "IPv4 options cut short");
  let totalLength = (frame[at + 2]! << 8) | frame[at + 3]!;
  // A total length of 0 is what TSO/GSO frames captured on the sending host carry: the frame length stands.
  if (totalLength === 0) totalLength = wireLength;
  if (totalLength < headerLength) return problem("malformed-ip", `IPv4 total length ${totalLength}`);
  const fragment = (frame[at + 6]! << 8) | frame[at + 7]!;
  if ((fragment & IPV4_MORE_FRAGMENTS) !== 0 || (fragment & IPV4_FRAGMENT_OFFSET_MASK) !== 0) {
    return problem(
      "ip-fragment",
      `IPv4 fragment (id ${(frame[at + 4]! << 8) | frame[at + 5]!}, offset ${(fragment & IPV4_FRAGMENT_OFFSET_MASK) * 8}) not reassembled`,
    );
  }
  const protocol = frame[at + 9]!;
  if (protocol !== IP_PROTOCOL_TCP) return { otherProtocol: protocol };
  // Bytes past the IP total length are link padding (Ethernet minimum frame), not payload.
  const end = at + totalLength;
  return decodeTcp(segment, frame, at + headerLength, end, totalLength - headerLength, 4, at + 12, at + 16);
}

function decodeIpv6(
  segment: FrameSegment,
  frame: Uint8Array,
  at: number,
  wireLength: number,
): DecodedFrame | undefined {
  if (frame.length < at + IPV6_HEADER_LENGTH) return problem("malformed-ip", "IPv6 header cut short");
  if (frame[at]! >> 4 !== 6) return problem("malformed-ip", `IP version ${frame[at]! >> 4} in IPv6 frame`);
  let payloadLength = (frame[at + 4]! << 8) | frame[at + 5]!;
  // 0 is a jumbogram (RFC 2675) or a GSO frame: the frame length stands.
  if (payloadLength === 0) payloadLength = wireLength - IPV6_HEADER_LENGTH;
  let next = frame[at + 6]!;
  const end = at + IPV6_HEADER_LENGTH + payloadLength;
  let header = at + IPV6_HEADER_LENGTH;
  // Walk the extension header chain (RFC 8200 §4.1).
  for (;;) {
    if (next === IP_PROTOCOL_TCP) break;
    if (
      next === IPV6_HOP_BY_HOP ||
      next === IPV6_ROUTING ||
      next === IPV6_DESTINATION_OPTIONS ||
      next === IPV6_MOBILITY
    ) {
      if (frame.length < header + 2) return problem("malformed-ip", "IPv6 extension header cut short");
      next = frame[header]!;
      header += (frame[header + 1]! + 1) * 8;
    } else if (next === IPV6_FRAGMENT) {
      if (frame.length < header + 8) return problem("malformed-ip", "IPv6 fragment header cut short");
      const offsetAndFlags = (frame[header + 2]! << 8) | frame[header + 3]!;
      // An atomic fragment (offset 0, M clear; RFC 6946) is a whole packet.
      if (offsetAndFlags >> 3 !== 0 || (offsetAndFlags & 1) !== 0) {
        return problem("ip-fragment", `IPv6 fragment (offset ${(offsetAndFlags >> 3) * 8}) not reassembled`);
      }
      next = frame[header]!;
      header += 8;
    } else if (next === IPV6_AUTHENTICATION) {
      if (frame.length < header + 2) return problem("malformed-ip", "IPv6 AH header cut short");
      next = frame[header]!;
      header += (frame[header + 1]! + 2) * 4; // RFC 4302 §2.2: length in 32-bit words minus 2
    } else if (next === IPV6_NO_NEXT_HEADER || next === IPV6_ESP) {
      return { otherProtocol: next };
    } else {
      return { otherProtocol: next };
    }
    if (header > end) return problem("malformed-ip", "IPv6 extension headers run past the payload");
  }
  return decodeTcp(segment, frame, header, end, end - header, 6, at + 8, at + 24);
}

/** Writes the TCP segment at `at` into `segment`; `sourceAt`/`destinationAt` are the IP addresses' offsets. */
function decodeTcp(
  segment: FrameSegment,
  frame: Uint8Array,
  at: number,
  end: number,
  wireLength: number,
  ipVersion: 4 | 6,
  sourceAt: number,
  destinationAt: number,
): DecodedFrame | undefined {
  if (frame.length < at + TCP_MIN_HEADER_LENGTH || end < at + TCP_MIN_HEADER_LENGTH) {
    return problem("malformed-tcp", "TCP header cut short");
  }
  const headerLength = (frame[at + 12]! >> 4) * 4;
  if (headerLength < TCP_MIN_HEADER_LENGTH || end < at + headerLength) {
    return problem("malformed-tcp", `TCP header length ${headerLength}`);
  }
  if (frame.length < at + headerLength) return problem("malformed-tcp", "TCP options cut short");
  const capturedEnd = end < frame.length ? end : frame.length;
  const sourcePort = (frame[at]! << 8) | frame[at + 1]!;
  const destinationPort = (frame[at + 2]! << 8) | frame[at + 3]!;
  segment.frame = frame;
  segment.ipVersion = ipVersion;
  segment.sourceAt = sourceAt;
  segment.destinationAt = destinationAt;
  segment.sourceNumber = ipVersion === 4 ? ipv4EndpointNumber(frame, sourceAt, sourcePort) : -1;
  segment.destinationNumber =
    ipVersion === 4 ? ipv4EndpointNumber(frame, destinationAt, destinationPort) : -1;
  segment.sourcePort = sourcePort;
  segment.destinationPort = destinationPort;
  segment.sequence =
    ((frame[at + 4]! << 24) | (frame[at + 5]! << 16) | (frame[at + 6]! << 8) | frame[at + 7]!) >>> 0;
  segment.acknowledgment =
    ((frame[at + 8]! << 24) | (frame[at + 9]! << 16) | (frame[at + 10]! << 8) | frame[at + 11]!) >>> 0;
  segment.flags = frame[at + 13]!;
  segment.payloadStart = at + headerLength;
  segment.payloadEnd = capturedEnd; // not before the start: the header was checked to fit in both
  segment.missingPayload = wireLength - headerLength - (segment.payloadEnd - segment.payloadStart);
  return undefined;
}

/** Formats an address for display: dotted quad, or RFC 5952 canonical IPv6 (the decoders' own form, so that
 * addresses from packets and from replies compare as text). */
export function formatAddress(address: Uint8Array): string {
  return address.length === 4 ? formatIPv4(address) : formatIPv6(address);
}

/** Formats an endpoint as tshark does: `addr:port`, or `[v6]:port`. */
export function formatEndpoint(address: Uint8Array, port: number): string {
  return address.length === 4 ? `${formatAddress(address)}:${port}` : `[${formatAddress(address)}]:${port}`;
}
