import { describe, expect, it } from "vitest";
import {
  decodeFrame,
  decodeSegment,
  FrameSegment,
  formatAddress,
  formatEndpoint,
  LinkType,
} from "../../../src/node/pcap/decode.js";
import { ACK, concat, ethernet, ipv4Tcp, ipv6Tcp, PSH } from "./synthetic.js";

const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);
const spec = { sport: 21, dport: 40000, seq: 0xfffffff0, ack: 7, flags: PSH | ACK, payload: "220 ready\r\n" };

describe("link layers", () => {
  const ip = ipv4Tcp(spec);
  const cases: Array<[string, number, Uint8Array]> = [
    ["Ethernet", LinkType.Ethernet, ethernet(ip)],
    ["Ethernet 802.1Q", LinkType.Ethernet, ethernet(ip, 0x0800, [21])],
    ["Ethernet 802.1ad double tag", LinkType.Ethernet, ethernet(ip, 0x0800, [5, 21])],
    [
      "Linux cooked v1",
      LinkType.LinuxSll,
      concat(new Uint8Array([0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 8, 0]), ip),
    ],
    [
      "Linux cooked v2",
      LinkType.LinuxSll2,
      concat(new Uint8Array([8, 0, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0]), ip),
    ],
    ["raw IP", LinkType.Raw, ip],
    ["LINKTYPE_IPV4", LinkType.Ipv4, ip],
    ["BSD loopback, little-endian family", LinkType.Null, concat(new Uint8Array([2, 0, 0, 0]), ip)],
    ["BSD loopback, big-endian family", LinkType.Null, concat(new Uint8Array([0, 0, 0, 2]), ip)],
    ["OpenBSD loop", LinkType.Loop, concat(new Uint8Array([0, 0, 0, 2]), ip)],
  ];
  for (const [name, linkType, frame] of cases) {
    it(`decodes TCP over ${name}`, () => {
      const { segment, problem } = decodeFrame(linkType, frame, frame.length);
      expect(problem).toBeUndefined();
      expect(segment?.sourcePort).toBe(21);
      expect(segment?.destinationPort).toBe(40000);
      expect(segment?.sequence).toBe(0xfffffff0);
      expect(segment?.acknowledgment).toBe(7);
      expect(segment?.flags).toBe(PSH | ACK);
      expect(text(segment?.payload)).toBe("220 ready\r\n");
      expect(formatEndpoint(segment!.sourceAddress, segment!.sourcePort)).toBe("10.0.0.2:21");
    });
  }

  it("decodes IPv6 over BSD loopback (AF_INET6 = 30 on macOS)", () => {
    const frame = concat(new Uint8Array([30, 0, 0, 0]), ipv6Tcp(spec));
    expect(text(decodeFrame(LinkType.Null, frame, frame.length).segment?.payload)).toBe("220 ready\r\n");
  });

  it("reports link types it does not decode and non-IP frames", () => {
    expect(decodeFrame(147, new Uint8Array(40), 40).problem?.type).toBe("unsupported-link-type");
    const arp = ethernet(new Uint8Array(28), 0x0806);
    expect(decodeFrame(LinkType.Ethernet, arp, arp.length).problem?.type).toBe("not-ip");
    expect(decodeFrame(LinkType.Ethernet, new Uint8Array(10), 10).problem?.type).toBe("malformed-ip");
  });
});

describe("IPv4", () => {
  it("skips options by the header length", () => {
    const ip = ipv4Tcp(spec, [0x07, 0x07, 0x04, 0, 0, 0, 0, 0x01]); // record route + NOP
    expect(text(decodeFrame(LinkType.Raw, ip, ip.length).segment?.payload)).toBe("220 ready\r\n");
  });

  it("drops Ethernet padding past the IP total length", () => {
    const ip = ipv4Tcp({ ...spec, payload: "" });
    const padded = concat(ethernet(ip), new Uint8Array(6).fill(0xee));
    expect(decodeFrame(LinkType.Ethernet, padded, padded.length).segment?.payload.length).toBe(0);
  });

  it("takes the frame length when the total length is 0 (TSO frame captured on the sender)", () => {
    const ip = ipv4Tcp(spec);
    ip[2] = 0;
    ip[3] = 0;
    expect(text(decodeFrame(LinkType.Raw, ip, ip.length).segment?.payload)).toBe("220 ready\r\n");
  });

  it("reports fragments: first (MF) and later (offset)", () => {
    const first = ipv4Tcp(spec, [], 0x2000);
    const later = ipv4Tcp(spec, [], 0x0010);
    expect(decodeFrame(LinkType.Raw, first, first.length).problem?.type).toBe("ip-fragment");
    const problem = decodeFrame(LinkType.Raw, later, later.length).problem;
    expect(problem?.type).toBe("ip-fragment");
    expect(problem?.message).toContain("offset 128");
  });

  it("counts other protocols without a problem", () => {
    const ip = ipv4Tcp(spec);
    ip[9] = 17;
    expect(decodeFrame(LinkType.Raw, ip, ip.length)).toEqual({ otherProtocol: 17 });
  });

  it("reports cut and damaged headers", () => {
    const ip = ipv4Tcp(spec);
    expect(decodeFrame(LinkType.Raw, ip.subarray(0, 15), ip.length).problem?.type).toBe("malformed-ip");
    expect(decodeFrame(LinkType.Raw, ip.subarray(0, 30), ip.length).problem?.type).toBe("malformed-tcp");
    const badLength = ip.slice();
    badLength[0] = 0x43;
    expect(decodeFrame(LinkType.Raw, badLength, ip.length).problem?.type).toBe("malformed-ip");
  });

  it("tells how many payload bytes the snapshot length cut", () => {
    const ip = ipv4Tcp(spec);
    const segment = decodeFrame(LinkType.Raw, ip.subarray(0, ip.length - 4), ip.length).segment;
    expect(text(segment?.payload)).toBe("220 rea");
    expect(segment?.missingPayload).toBe(4);
  });
});

describe("IPv6", () => {
  it("walks hop-by-hop, routing and destination options headers", () => {
    const hopByHop = new Uint8Array(8);
    const routing = new Uint8Array(24);
    routing[1] = 2; // (2 + 1) × 8 bytes
    const destination = new Uint8Array(8);
    const ip = ipv6Tcp(spec, [
      [0, hopByHop],
      [43, routing],
      [60, destination],
    ]);
    const { segment } = decodeFrame(LinkType.Raw, ip, ip.length);
    expect(text(segment?.payload)).toBe("220 ready\r\n");
    expect(segment?.ipVersion).toBe(6);
    expect(formatEndpoint(segment!.sourceAddress, segment!.sourcePort)).toBe("[fd21::2]:21");
  });

  it("accepts an atomic fragment and reports a real one", () => {
    const atomic = ipv6Tcp(spec, [[44, new Uint8Array(8)]]);
    expect(text(decodeFrame(LinkType.Raw, atomic, atomic.length).segment?.payload)).toBe("220 ready\r\n");
    const fragmentHeader = new Uint8Array(8);
    fragmentHeader[3] = 1; // M flag
    const fragment = ipv6Tcp(spec, [[44, fragmentHeader]]);
    expect(decodeFrame(LinkType.Raw, fragment, fragment.length).problem?.type).toBe("ip-fragment");
  });

  it("walks an authentication header (length in 4-byte units)", () => {
    const ah = new Uint8Array(16);
    ah[1] = 2; // (2 + 2) × 4 bytes
    const ip = ipv6Tcp(spec, [[51, ah]]);
    expect(text(decodeFrame(LinkType.Raw, ip, ip.length).segment?.payload)).toBe("220 ready\r\n");
  });
});

describe("formatAddress", () => {
  it("compresses IPv6 as RFC 5952 says", () => {
    const v6 = (groups: number[]) => new Uint8Array(groups.flatMap((g) => [g >> 8, g & 0xff]));
    expect(formatAddress(v6([0xfd21, 0, 0, 0, 0, 0, 0, 1]))).toBe("fd21::1");
    expect(formatAddress(v6([0, 0, 0, 0, 0, 0, 0, 1]))).toBe("::1");
    expect(formatAddress(v6([0x2001, 0xdb8, 0, 1, 0, 0, 0, 1]))).toBe("2001:db8:0:1::1");
    expect(formatAddress(v6([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1]))).toBe("2001:db8::1:0:0:1");
    expect(formatAddress(v6([1, 2, 3, 4, 5, 6, 7, 8]))).toBe("1:2:3:4:5:6:7:8");
    expect(formatAddress(new Uint8Array([127, 0, 0, 1]))).toBe("127.0.0.1");
  });
});

describe("damaged frames are problems, never exceptions", () => {
  const ip4 = ipv4Tcp(spec);
  const ip6 = ipv6Tcp(spec);
  const withByte = (bytes: Uint8Array, at: number, value: number) => {
    const copy = bytes.slice();
    copy[at] = value;
    return copy;
  };
  const cases: Array<[string, number, Uint8Array, string]> = [
    ["802.1Q tag cut", LinkType.Ethernet, ethernet(ip4, 0x0800, [21]).subarray(0, 16), "malformed-ip"],
    ["SLL header cut", LinkType.LinuxSll, new Uint8Array(10), "malformed-ip"],
    ["SLL2 header cut", LinkType.LinuxSll2, new Uint8Array(10), "malformed-ip"],
    ["loopback header cut", LinkType.Null, new Uint8Array(3), "malformed-ip"],
    ["empty raw packet", LinkType.Raw, new Uint8Array(0), "malformed-ip"],
    ["raw packet of IP version 5", LinkType.Raw, withByte(ip4, 0, 0x55), "not-ip"],
    ["IPv4 frame with version 6", LinkType.Ethernet, ethernet(ip6, 0x0800), "malformed-ip"],
    ["IPv6 frame with version 4", LinkType.Ethernet, ethernet(ip4, 0x86dd), "malformed-ip"],
    ["IPv6 header cut", LinkType.Raw, ip6.subarray(0, 30), "malformed-ip"],
    [
      "IPv4 total length below its header",
      LinkType.Raw,
      withByte(withByte(ip4, 2, 0), 3, 10),
      "malformed-ip",
    ],
    ["IPv4 options cut", LinkType.Raw, withByte(ip4, 0, 0x4f).subarray(0, 40), "malformed-ip"],
    ["TCP header length below 20", LinkType.Raw, withByte(ip4, 32, 0x40), "malformed-tcp"],
    [
      "TCP options cut by the snapshot",
      LinkType.Raw,
      withByte(ip4, 32, 0xf0).subarray(0, 50),
      "malformed-tcp",
    ],
  ];
  for (const [name, linkType, frame, type] of cases) {
    it(name, () => {
      expect(decodeFrame(linkType, frame, frame.length).problem?.type).toBe(type);
    });
  }

  it("IPv6 extension headers cut short or running past the payload", () => {
    const hop = ipv6Tcp(spec, [[0, new Uint8Array(8)]]);
    expect(decodeFrame(LinkType.Raw, hop.subarray(0, 41), hop.length).problem?.type).toBe("malformed-ip");
    const fragment = ipv6Tcp(spec, [[44, new Uint8Array(8)]]);
    expect(decodeFrame(LinkType.Raw, fragment.subarray(0, 44), fragment.length).problem?.type).toBe(
      "malformed-ip",
    );
    const ah = ipv6Tcp(spec, [[51, new Uint8Array(16)]]);
    expect(decodeFrame(LinkType.Raw, ah.subarray(0, 41), ah.length).problem?.type).toBe("malformed-ip");
    const long = new Uint8Array(8);
    long[1] = 200; // 1608 bytes: past the packet
    const past = ipv6Tcp(spec, [[60, long]]);
    expect(decodeFrame(LinkType.Raw, past, past.length).problem?.type).toBe("malformed-ip");
  });

  it("IPv6 without a TCP header: ESP, no next header, other protocols", () => {
    for (const next of [50, 59, 17]) {
      const ip = ipv6Tcp(spec);
      ip[6] = next;
      expect(decodeFrame(LinkType.Raw, ip, ip.length)).toEqual({ otherProtocol: next });
    }
  });

  it("IPv6 with payload length 0 (jumbogram or GSO) takes the frame length", () => {
    const ip = ipv6Tcp(spec);
    ip[4] = 0;
    ip[5] = 0;
    expect(text(decodeFrame(LinkType.Raw, ip, ip.length).segment?.payload)).toBe("220 ready\r\n");
  });

  it("a loopback family that is not IP is counted as another protocol", () => {
    const frame = concat(new Uint8Array([7, 0, 0, 0]), ipv4Tcp(spec));
    expect(decodeFrame(LinkType.Null, frame, frame.length).otherProtocol).toBe(-7);
  });
});

describe("decoding in place", () => {
  it("writes each frame over one segment object: the same fields as decodeFrame, nothing left of the one before", () => {
    const frames = [
      ethernet(ipv6Tcp({ ...spec, payload: "a longer payload, IPv6" })),
      ethernet(ipv4Tcp({ ...spec, src: [192, 168, 7, 9], dst: [10, 1, 2, 3], sport: 65535, seq: 1 })),
      ethernet(ipv4Tcp({ ...spec, payload: "" })),
    ];
    const inPlace = new FrameSegment();
    for (const frame of frames) {
      expect(decodeSegment(inPlace, LinkType.Ethernet, frame, frame.length)).toBeUndefined();
      expect(inPlace.toSegment()).toEqual(decodeFrame(LinkType.Ethernet, frame, frame.length).segment);
    }
    // The last one: IPv4 endpoints as numbers (address × 65536 + port), the views made from the frame.
    expect(inPlace.sourceNumber).toBe((10 * 2 ** 24 + 2) * 65536 + 21);
    expect(inPlace.destinationNumber).toBe((10 * 2 ** 24 + 1) * 65536 + 40000);
    expect(inPlace.payload.length).toBe(0);
    expect(formatAddress(inPlace.destinationAddress)).toBe("10.0.0.1");
  });

  it("numbers an IPv4 endpoint above 2^31 exactly, and gives IPv6 endpoints no number", () => {
    const inPlace = new FrameSegment();
    const v4 = ipv4Tcp({ ...spec, src: [255, 255, 255, 254], sport: 65535 });
    decodeSegment(inPlace, LinkType.Raw, v4, v4.length);
    expect(inPlace.sourceNumber).toBe(0xfffffffe * 65536 + 65535);
    const v6 = ipv6Tcp(spec);
    decodeSegment(inPlace, LinkType.Raw, v6, v6.length);
    expect([inPlace.sourceNumber, inPlace.destinationNumber]).toEqual([-1, -1]);
  });

  it("returns what is not a TCP segment as decodeFrame does, leaving the segment as it was", () => {
    const inPlace = new FrameSegment();
    const tcp = ipv4Tcp(spec);
    decodeSegment(inPlace, LinkType.Raw, tcp, tcp.length);
    const udp = ipv4Tcp(spec);
    udp[9] = 17;
    expect(decodeSegment(inPlace, LinkType.Raw, udp, udp.length)).toEqual({ otherProtocol: 17 });
    expect(decodeSegment(inPlace, 147, tcp, tcp.length)).toEqual(decodeFrame(147, tcp, tcp.length));
    expect(text(inPlace.payload)).toBe("220 ready\r\n");
  });
});
