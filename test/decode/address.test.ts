import { isIPv4, isIPv6 } from "node:net";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { formatIPv6, parseIPv4, parseIPv6 } from "../../src/decode/address.js";
import { addressScope } from "../../src/index.js";
import { configureProperties, propertyTest } from "./support.js";

configureProperties();

describe("addressScope", () => {
  test.each([
    ["0.0.0.0", "unspecified"],
    ["0.1.2.3", "unspecified"],
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["169.254.0.1", "link-local"],
    ["10.255.255.255", "private"],
    ["172.16.0.0", "private"],
    ["172.31.0.1", "private"],
    ["172.15.0.1", "global"],
    ["172.32.0.1", "global"],
    ["192.168.0.1", "private"],
    ["192.169.0.1", "global"],
    ["100.64.0.0", "shared"],
    ["100.127.255.255", "shared"],
    ["100.63.255.255", "global"],
    ["100.128.0.0", "global"],
    ["224.0.0.1", "reserved"],
    ["255.255.255.255", "reserved"],
    ["8.8.8.8", "global"],
    ["::", "unspecified"],
    ["::1", "loopback"],
    ["fe80::1", "link-local"],
    ["fe80::1%eth0", "link-local"],
    ["febf::1", "link-local"],
    ["fec0::1", "global"],
    ["fc00::1", "private"],
    ["fdff::1", "private"],
    ["ff02::1", "reserved"],
    ["::ffff:10.0.0.1", "private"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:8.8.8.8", "global"],
    ["2001:db8::1", "global"],
    ["[::1]", "loopback"],
    ["ftp.example.com", "name"],
    ["", "name"],
    ["1.2.3", "name"],
    ["1.2.3.256", "name"],
    ["01.2.3.4", "name"],
    ["1.2.3.04", "name"],
    ["1:2:3:4:5:6:7:8:9", "name"],
    ["1::2::3", "name"],
    ["12345::", "name"],
  ] as const)("%s is %s", (host, scope) => {
    expect(addressScope(host)).toBe(scope);
  });

  propertyTest.prop([fc.ipV6()])(
    "parseIPv6 reads every IPv6 text fast-check makes, formatIPv6 writes it back",
    (text) => {
      const bytes = parseIPv6(text);
      expect(bytes).toBeDefined();
      const formatted = formatIPv6(bytes!);
      expect(isIPv6(formatted)).toBe(true);
      expect(parseIPv6(formatted)).toEqual(bytes);
    },
  );

  propertyTest.prop([fc.ipV4()])("parseIPv4 reads every dotted quad", (text) => {
    expect(parseIPv4(text)?.join(".")).toBe(text);
  });

  propertyTest.prop([fc.string({ maxLength: 50 })])("parsers agree with node:net on random text", (text) => {
    expect(parseIPv4(text) !== undefined).toBe(isIPv4(text));
    if (!text.includes("%") && !text.includes("[")) expect(parseIPv6(text) !== undefined).toBe(isIPv6(text));
  });
});
