/**
 * Kill tests for src/decode/address.ts (issue 7): RFC 5952 text of IPv6 addresses, the strict IPv4 and IPv6
 * readers, and the address scopes of the `nat` passive policy, with exact values.
 */
import { describe, expect, test } from "vitest";
import { addressScope, formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from "../../src/decode/address.js";

/** 16 bytes from eight 16-bit groups. */
function bytesOf(groups: readonly number[]): number[] {
  return groups.flatMap((g) => [g >> 8, g & 0xff]);
}

describe("formatIPv6 (RFC 5952 §4)", () => {
  const cases: [string, number[], string][] = [
    ["no zero group", [1, 2, 3, 4, 5, 6, 7, 8], "1:2:3:4:5:6:7:8"],
    ["a single zero group is not shortened (§4.2.2)", [1, 0, 3, 4, 5, 6, 7, 8], "1:0:3:4:5:6:7:8"],
    ["two zero groups in the middle", [1, 0, 0, 4, 5, 6, 7, 8], "1::4:5:6:7:8"],
    ["the longest run is shortened (§4.2.3)", [1, 0, 0, 4, 0, 0, 0, 8], "1:0:0:4::8"],
    ["on a tie the first run is shortened (§4.2.3)", [1, 0, 0, 4, 5, 0, 0, 8], "1::4:5:0:0:8"],
    ["a run at the start", [0, 0, 0, 4, 5, 6, 7, 8], "::4:5:6:7:8"],
    ["a run at the end", [1, 2, 3, 4, 5, 6, 0, 0], "1:2:3:4:5:6::"],
    ["all zero", [0, 0, 0, 0, 0, 0, 0, 0], "::"],
    ["loopback", [0, 0, 0, 0, 0, 0, 0, 1], "::1"],
    [
      "lowercase hex without leading zeros (§4.1, §4.3)",
      [0x2001, 0xdb8, 0, 0, 0, 0, 0xabcd, 0xf],
      "2001:db8::abcd:f",
    ],
    [
      "an IPv4-mapped address in mixed notation (§5)",
      [0, 0, 0, 0, 0, 0xffff, 0x0a00, 0x0001],
      "::ffff:10.0.0.1",
    ],
    ["not IPv4-mapped when group 5 is not ffff", [0, 0, 0, 0, 0, 0xfffe, 0x0a00, 0x0001], "::fffe:a00:1"],
    ["not IPv4-mapped when group 4 is not zero", [0, 0, 0, 0, 1, 0xffff, 0x0a00, 0x0001], "::1:ffff:a00:1"],
    ["not IPv4-mapped when group 0 is not zero", [1, 0, 0, 0, 0, 0xffff, 0x0a00, 0x0001], "1::ffff:a00:1"],
    ["not IPv4-mapped when group 1 is not zero", [0, 1, 0, 0, 0, 0xffff, 0x0a00, 0x0001], "0:1::ffff:a00:1"],
    [
      "not IPv4-mapped when group 2 is not zero",
      [0, 0, 1, 0, 0, 0xffff, 0x0a00, 0x0001],
      "::1:0:0:ffff:a00:1",
    ],
    ["not IPv4-mapped when group 3 is not zero", [0, 0, 0, 1, 0, 0xffff, 0x0a00, 0x0001], "::1:0:ffff:a00:1"],
  ];
  for (const [name, groups, text] of cases) {
    test(`formatIPv6: ${name}`, () => {
      expect(formatIPv6(bytesOf(groups))).toBe(text);
    });
  }

  test("formatIPv6 and formatIPv4 read from an offset", () => {
    expect(formatIPv6([9, 9, ...bytesOf([1, 0, 0, 0, 0, 0, 0, 2])], 2)).toBe("1::2");
    expect(formatIPv4([9, 9, 10, 0, 0, 1], 2)).toBe("10.0.0.1");
    expect(formatIPv4([192, 168, 1, 2])).toBe("192.168.1.2");
  });
});

describe("parseIPv4", () => {
  const cases: [string, string, number[] | undefined][] = [
    ["a dotted quad", "192.168.1.2", [192, 168, 1, 2]],
    ["zeros", "0.0.0.0", [0, 0, 0, 0]],
    ["255 in every place", "255.255.255.255", [255, 255, 255, 255]],
    ["256 is refused", "1.2.3.256", undefined],
    ["a leading zero is refused", "1.02.3.4", undefined],
    ["a four-digit part is refused", "1.2.3.0255", undefined],
    ["an empty part is refused", "1..3.4", undefined],
    ["three parts are refused", "1.2.3", undefined],
    ["five parts are refused", "1.2.3.4.5", undefined],
    ["a trailing dot is refused", "1.2.3.4.", undefined],
    ["a comma instead of a dot is refused", "1,2.3.4", undefined],
    ["a slash after a digit is refused", "1/.2.3.4", undefined],
    ["a colon after a digit is refused", "1.2.3.4:", undefined],
    ["the empty text is refused", "", undefined],
  ];
  for (const [name, text, bytes] of cases) {
    test(`parseIPv4: ${name}`, () => {
      expect(parseIPv4(text)).toEqual(bytes);
    });
  }
});

describe("parseIPv6", () => {
  const cases: [string, string, number[] | undefined][] = [
    ["full form", "1:2:3:4:5:6:7:8", bytesOf([1, 2, 3, 4, 5, 6, 7, 8])],
    ["upper- and lowercase hex", "ABCD:ef01:A:b:C:d:E:F", bytesOf([0xabcd, 0xef01, 10, 11, 12, 13, 14, 15])],
    ["hex digits 9, a, f, A, F", "9:a:f:A:F:0:0:1", bytesOf([9, 10, 15, 10, 15, 0, 0, 1])],
    ["compressed in the middle", "1::8", bytesOf([1, 0, 0, 0, 0, 0, 0, 8])],
    ["compressed at the start", "::8", bytesOf([0, 0, 0, 0, 0, 0, 0, 8])],
    ["compressed at the end", "1::", bytesOf([1, 0, 0, 0, 0, 0, 0, 0])],
    ["all zero", "::", bytesOf([0, 0, 0, 0, 0, 0, 0, 0])],
    ["seven groups and ::", "1:2:3:4:5:6:7::", bytesOf([1, 2, 3, 4, 5, 6, 7, 0])],
    ["eight groups and :: is refused", "1:2:3:4:5:6:7:8::", undefined],
    ["seven groups without :: are refused", "1:2:3:4:5:6:7", undefined],
    ["nine groups are refused", "1:2:3:4:5:6:7:8:9", undefined],
    ["two :: are refused", "1::2::3", undefined],
    ["a leading :: then another are refused", "::1::", undefined],
    ["five hex digits are refused", "12345::", undefined],
    ["four hex digits are read", "ffff::", bytesOf([0xffff, 0, 0, 0, 0, 0, 0, 0])],
    ["a trailing single colon is refused", "1:2:3:4:5:6:7:", undefined],
    ["a leading single colon is refused", ":1:2:3:4:5:6:7", undefined],
    ["a non-hex character is refused", "1:2:3:4:5:6:7:g", undefined],
    ["a full stop inside a group is refused", "1.2::", undefined],
    ["a space inside a group is refused", "1 2::", undefined],
    ["a trailing colon after eight groups is refused", "1:2:3:4:5:6:7:8:", undefined],
    ["a trailing colon after a compressed address is refused", "1::2:", undefined],
    ["a closing bracket without an opening one is refused", "1::1]", undefined],
    ["a character before the hex range is refused", "1:2:3:4:5:6:7:/", undefined],
    ["an IPv4 tail", "::ffff:10.0.0.1", bytesOf([0, 0, 0, 0, 0, 0xffff, 0x0a00, 1])],
    ["an IPv4 tail after six groups", "1:2:3:4:5:6:1.2.3.4", bytesOf([1, 2, 3, 4, 5, 6, 0x0102, 0x0304])],
    ["a broken IPv4 tail is refused", "::ffff:10.0.0.256", undefined],
    ["an IPv4 tail in the head is refused", "1.2.3.4::", undefined],
    ["brackets are removed", "[2001:db8::1]", bytesOf([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1])],
    ["a zone is ignored", "fe80::1%eth0", bytesOf([0xfe80, 0, 0, 0, 0, 0, 0, 1])],
    ["a bracket on one side only is refused", "[::1", undefined],
    ["a closing bracket alone is refused", "::1]", undefined],
    ["the empty text is refused", "", undefined],
    ["only a zone is refused", "%eth0", undefined],
    ["empty brackets are refused", "[]", undefined],
    ["a single bracket is refused", "[", undefined],
    [
      "45 characters are read",
      "0000:0000:0000:0000:0000:ffff:192.168.100.200",
      bytesOf([0, 0, 0, 0, 0, 0xffff, 0xc0a8, 0x64c8]),
    ],
  ];
  for (const [name, text, bytes] of cases) {
    test(`parseIPv6: ${name}`, () => {
      expect(parseIPv6(text)).toEqual(bytes);
    });
  }
});

describe("addressScope, each rule at its edges", () => {
  const cases: [string, string][] = [
    ["1.0.0.0", "global"],
    ["126.255.255.255", "global"],
    ["128.0.0.0", "global"],
    ["169.253.0.1", "global"],
    ["169.255.0.1", "global"],
    ["168.254.0.1", "global"],
    ["9.0.0.1", "global"],
    ["11.0.0.1", "global"],
    ["171.16.0.1", "global"],
    ["173.16.0.1", "global"],
    ["172.0.0.1", "global"],
    ["172.48.0.1", "global"],
    ["191.168.0.1", "global"],
    ["193.168.0.1", "global"],
    ["192.167.0.1", "global"],
    ["99.64.0.1", "global"],
    ["101.64.0.1", "global"],
    ["100.0.0.1", "global"],
    ["100.192.0.1", "global"],
    ["223.255.255.255", "global"],
    ["224.0.0.0", "reserved"],
    ["::2", "global"],
    ["::ffff:0.0.0.0", "unspecified"],
    ["::ffff:169.254.1.1", "link-local"],
    ["::fffe:10.0.0.1", "global"],
    ["::feff:10.0.0.1", "global"],
    ["1::ffff:10.0.0.1", "global"],
    ["0:0:0:0:1::1", "global"],
    ["::1:0:0:0:1", "global"],
    ["::1:0:0:1", "global"],
    ["::1:0:1", "global"],
    ["::100:1", "global"],
    ["::1:1", "global"],
    ["::100:0:1", "global"],
    ["::101", "global"],
    ["::100", "global"],
    ["2080::1", "global"],
    ["20bf::1", "global"],
    ["1::", "global"],
    ["0:1::", "global"],
    ["::1:0:0:0:0", "global"],
    ["100::", "global"],
    ["100::1", "global"],
    ["fe00::1", "global"],
    ["fec0::1", "global"],
    ["fe40::1", "global"],
    ["ff00::", "reserved"],
    ["fe::1", "global"],
    ["fb00::1", "global"],
    ["fe80::", "link-local"],
    ["fd00::", "private"],
    ["fe00::", "global"],
  ];
  for (const [host, scope] of cases) {
    test(`addressScope of ${host} is ${scope}`, () => {
      expect(addressScope(host)).toBe(scope);
    });
  }
});
