import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { type PassivePolicy, resolvePassiveTarget } from "../../src/index.js";
import { configureProperties, propertyTest, rangeErrorOf, reply, syntaxErrorOf } from "./support.js";

configureProperties();

const pasv = (host: string, port = 1234) =>
  `227 Entering Passive Mode (${host.replaceAll(".", ",")},${port >> 8},${port & 0xff}).`;

describe("resolvePassiveTarget", () => {
  test("default policy `control`: the control peer, the advertised address kept for inspection", () => {
    // A hostile server aims the client at a host inside the client's network (curl CVE-2020-8284).
    const target = resolvePassiveTarget(reply(pasv("192.168.0.10", 22)), { controlHost: "203.0.113.7" });
    expect(target).toEqual({
      host: "203.0.113.7",
      port: 22,
      advertisedHost: "192.168.0.10",
      policy: "control",
      decidedBy: "control",
      code: 227,
    });
  });

  test("`advertised` trusts the reply", () => {
    const target = resolvePassiveTarget(pasv("198.51.100.20"), {
      controlHost: "203.0.113.7",
      policy: "advertised",
    });
    expect(target).toMatchObject({
      host: "198.51.100.20",
      port: 1234,
      decidedBy: "advertised",
      policy: "advertised",
    });
  });

  test("decodes by the reply's code: a 229 to PASV, a 227 to EPSV", () => {
    expect(
      resolvePassiveTarget("229 Entering Extended Passive Mode (|||6446|)", {
        controlHost: "2001:db8::7",
        policy: "advertised",
      }),
    ).toEqual({
      host: "2001:db8::7",
      port: 6446,
      advertisedHost: undefined,
      policy: "advertised",
      decidedBy: "control",
      code: 229,
    });
    // basic-ftp issue #164: EPSV answered with 227.
    expect(
      resolvePassiveTarget("227 Entering Passive Mode (91,190,231,97,119,66).", {
        controlHost: "91.190.231.97",
      }),
    ).toMatchObject({
      host: "91.190.231.97",
      port: 30530,
      code: 227,
    });
    expect(
      resolvePassiveTarget(
        "228 Entering Long Passive Mode (6,16,32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,1,2,4,210)",
        {
          controlHost: "2001:db8::1",
          policy: "nat",
        },
      ),
    ).toMatchObject({
      host: "2001:db8::1",
      advertisedHost: "2001:db8::1",
      port: 1234,
      code: 228,
      decidedBy: "advertised",
    });
  });

  // `nat`: advertised unless it is private, loopback, link-local, CGNAT while the control peer is not (in that
  // scope); `0.0.0.0` and multicast never.
  test.each([
    ["10.0.0.5", "203.0.113.7", "control"],
    ["172.16.0.1", "203.0.113.7", "control"],
    ["172.31.255.255", "203.0.113.7", "control"],
    ["192.168.1.2", "203.0.113.7", "control"],
    ["127.0.0.1", "203.0.113.7", "control"],
    ["169.254.1.1", "203.0.113.7", "control"],
    ["100.64.0.1", "203.0.113.7", "control"],
    ["100.127.255.255", "203.0.113.7", "control"],
    ["0.0.0.0", "203.0.113.7", "control"],
    ["0.0.0.0", "0.0.0.0", "control"],
    ["0.0.0.0", "10.0.0.1", "control"],
    ["224.0.0.1", "203.0.113.7", "control"],
    ["255.255.255.255", "192.168.1.1", "control"],
    ["198.51.100.20", "203.0.113.7", "advertised"],
    ["172.32.0.1", "203.0.113.7", "advertised"],
    ["100.128.0.1", "203.0.113.7", "advertised"],
    ["198.51.100.20", "10.0.0.1", "advertised"],
    ["192.168.1.2", "10.0.0.1", "advertised"], // both private: a LAN server
    ["192.168.1.2", "::ffff:10.0.0.1", "advertised"],
    ["127.0.0.1", "127.0.0.1", "advertised"],
    ["127.0.0.1", "::1", "advertised"],
    ["127.0.0.1", "192.168.1.1", "control"], // a LAN server must not aim us at our own loopback
    ["192.168.1.2", "127.0.0.1", "control"], // a tunnel to localhost: the server's LAN address is not ours
    ["100.64.0.9", "100.64.0.1", "advertised"],
    ["10.0.0.5", "ftp.example.com", "control"],
    ["198.51.100.20", "ftp.example.com", "advertised"],
    ["10.0.0.5", "2001:db8::7", "control"], // IPv6 control, a private IPv4 227
    ["198.51.100.20", "2001:db8::7", "advertised"],
    ["10.0.0.5", "fd00::7", "advertised"], // both private (RFC 1918 / RFC 4193)
    ["169.254.3.3", "fe80::1%eth0", "advertised"],
  ] as const)("nat: advertised %s, control peer %s -> %s", (advertised, controlHost, decidedBy) => {
    const target = resolvePassiveTarget(pasv(advertised), { controlHost, policy: "nat" });
    expect(target.decidedBy).toBe(decidedBy);
    expect(target.host).toBe(decidedBy === "control" ? controlHost : advertised);
    expect(target.advertisedHost).toBe(advertised);
    expect(target.policy).toBe("nat");
  });

  test.each([
    ["::1", "2001:db8::7", "control"],
    ["fe80::1", "2001:db8::7", "control"],
    ["fd12:3456::1", "2001:db8::7", "control"],
    ["::", "2001:db8::7", "control"],
    ["ff02::1", "2001:db8::7", "control"],
    ["::ffff:10.0.0.1", "2001:db8::7", "control"],
    ["2001:db8::1", "2001:db8::7", "advertised"],
    ["fd12:3456::1", "fd00::9", "advertised"],
  ] as const)("nat on a 228: advertised %s, control peer %s -> %s", (advertised, controlHost, decidedBy) => {
    const bytes = ipv6Bytes(advertised);
    const wire = `228 Entering Long Passive Mode (6,16,${bytes.join(",")},2,4,210)`;
    const target = resolvePassiveTarget(wire, { controlHost, policy: "nat" });
    expect(target.decidedBy).toBe(decidedBy);
    expect(target.advertisedHost).toBe(advertised);
  });

  test("an IPv6 control peer with a 227 reply: `control` keeps the IPv6 peer and the reply's port", () => {
    const target = resolvePassiveTarget(pasv("10.0.0.5", 50000), { controlHost: "2001:db8::7" });
    expect(target).toMatchObject({
      host: "2001:db8::7",
      port: 50000,
      advertisedHost: "10.0.0.5",
      decidedBy: "control",
    });
  });

  test("errors: no code, wrong code, bad reply, bad options", () => {
    syntaxErrorOf(
      () => resolvePassiveTarget("Entering Passive Mode (10,0,0,1,4,210)", { controlHost: "10.0.0.1" }),
      "unexpected-code",
    );
    syntaxErrorOf(
      () => resolvePassiveTarget(reply("530 Not logged in"), { controlHost: "10.0.0.1" }),
      "unexpected-code",
    );
    rangeErrorOf(
      () => resolvePassiveTarget("227 (1216,256,2,127,127,127)", { controlHost: "10.0.0.1" }),
      "octet-out-of-range",
    );
    syntaxErrorOf(
      () => resolvePassiveTarget("229 (||6446|)", { controlHost: "10.0.0.1" }),
      "malformed-value",
    );
    rangeErrorOf(() => resolvePassiveTarget(pasv("10.0.0.1"), { controlHost: "" }), "invalid-option");
    rangeErrorOf(
      () =>
        resolvePassiveTarget(pasv("10.0.0.1"), {
          controlHost: "10.0.0.1",
          policy: "trust-me" as PassivePolicy,
        }),
      "invalid-option",
    );
    rangeErrorOf(() => resolvePassiveTarget(pasv("10.0.0.1"), undefined as never), "invalid-option");
  });

  propertyTest.prop([
    fc.ipV4(),
    fc.oneof(fc.ipV4(), fc.ipV6(), fc.domain()),
    fc.integer({ min: 1, max: 65535 }),
    fc.constantFrom<PassivePolicy>("control", "advertised", "nat"),
  ])(
    "the host is always the control peer or the advertised address; the port is the reply's",
    (advertised, controlHost, port, policy) => {
      const target = resolvePassiveTarget(pasv(advertised, port), { controlHost, policy });
      expect(target.port).toBe(port);
      expect(target.advertisedHost).toBe(advertised);
      expect(target.host).toBe(target.decidedBy === "control" ? controlHost : advertised);
      if (policy === "control") expect(target.decidedBy).toBe("control");
      if (policy === "advertised") expect(target.decidedBy).toBe("advertised");
    },
  );
});

/** 16 bytes of an IPv6 text, by the URL parser (an oracle independent of src/decode/address.ts). */
function ipv6Bytes(text: string): number[] {
  const canonical = new URL(`http://[${text}]/`).hostname.slice(1, -1);
  const [head = "", tail = ""] = canonical.split("::");
  const headGroups = head === "" ? [] : head.split(":");
  const tailGroups = tail === "" ? [] : tail.split(":");
  const groups = canonical.includes("::")
    ? [...headGroups, ...new Array(8 - headGroups.length - tailGroups.length).fill("0"), ...tailGroups]
    : headGroups;
  return groups.flatMap((g) => {
    const v = Number.parseInt(g, 16);
    return [v >> 8, v & 0xff];
  });
}
