/**
 * The TLS handshake after AUTH + 234, read from recorded captures and set beside tshark's TLS dissector
 * (fixtures/pcap/NAME.tls.tsv, scripts/tshark-references.sh); and the reader on hostile bytes.
 */
import { createReadStream, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyzeFtpCapture, type ControlConnection } from "../../../src/node/pcap/ftp.js";
import {
  cipherSuiteName,
  createTlsReader,
  type TlsHandshake,
  tlsVersionName,
} from "../../../src/node/pcap/tls.js";
import { configureProperties, fc, propertyTest } from "../../helpers/properties.js";
import { readFollowFile } from "./tshark.js";

configureProperties();
const FIXTURES = join(import.meta.dirname, "../../../fixtures/pcap");

interface TlsRow {
  frame: number;
  stream: number;
  types: number[];
  serverName: string;
  version: number;
  supportedVersions: number[];
  cipherSuites: number[];
  utf8Strings: string[];
}

/** tshark's rows (`-T fields`, `|` between occurrences). */
function tsharkTls(name: string): TlsRow[] {
  const lines = readFileSync(join(FIXTURES, name.replace(/\.pcap$/, ".tls.tsv")), "utf8")
    .trim()
    .split("\n");
  const list = (cell: string | undefined) => (cell === undefined || cell === "" ? [] : cell.split("|"));
  return lines.slice(1).map((line) => {
    const c = line.split("\t");
    return {
      frame: Number(c[0]),
      stream: Number(c[1]),
      types: list(c[2]).map(Number),
      serverName: c[3] ?? "",
      version: Number(c[4]),
      supportedVersions: list(c[5]).map(Number),
      cipherSuites: list(c[6]).map(Number),
      utf8Strings: list(c[8]),
    };
  });
}

async function handshakes(name: string): Promise<Map<number, TlsHandshake>> {
  const found = new Map<number, TlsHandshake>();
  await analyzeFtpCapture(
    createReadStream(join(FIXTURES, name)),
    {
      onExchange() {},
      onTls(handshake: TlsHandshake, control: ControlConnection) {
        found.set(control.tcp.index, handshake);
      },
    },
    { ports: [21, 2321] },
  );
  return found;
}

/** What tshark says of one control connection: its first ClientHello, its last ServerHello, its Certificate. */
function expected(rows: TlsRow[], stream: number) {
  const own = rows.filter((r) => r.stream === stream);
  const client = own.find((r) => r.types.includes(1))!;
  const server = own.filter((r) => r.types.includes(2)).at(-1)!;
  const certificate = own.find((r) => r.types.includes(11));
  return { client, server, certificate };
}

describe("FTPS handshakes in recorded captures, as tshark reads them", () => {
  it("ProFTPD mod_tls: a TLS 1.2 session (SNI, suite, certificate in clear), a TLS 1.3 one, ftplib's AUTH TLS", async () => {
    const rows = tsharkTls("proftpd-auth-tls.pcap");
    const ours = await handshakes("proftpd-auth-tls.pcap");
    // Control connections 0, 2 and 4; 1, 3 and 5 are their data connections (tshark reads their TLS by heuristics).
    expect([...ours.keys()].sort()).toEqual([0, 2, 4]);
    const auth = readFileSync(join(FIXTURES, "proftpd-auth-tls.ftp.tsv"), "utf8").match(/\tAUTH\t\w+/g);
    expect(auth).toEqual(["\tAUTH\tSSL", "\tAUTH\tSSL", "\tAUTH\tTLS"]);
    for (const stream of [0, 2, 4]) {
      const { client, server, certificate } = expected(rows, stream);
      const handshake = ours.get(stream)!;
      expect(handshake.clientHello?.serverName).toBe(client.serverName);
      expect(handshake.clientHello?.version).toBe(client.version);
      expect(handshake.clientHello?.supportedVersions).toEqual(client.supportedVersions);
      expect(handshake.clientHello?.cipherSuites).toEqual(client.cipherSuites);
      expect(handshake.serverHello?.cipherSuite).toBe(server.cipherSuites[0]);
      expect(handshake.serverHello?.version).toBe(server.supportedVersions[0] ?? server.version);
      expect(handshake.problem).toBeUndefined();
      if (certificate === undefined) {
        expect(handshake.certificate).toBeUndefined();
        continue;
      }
      // tshark lists the UTF8String values of the issuer, then of the subject: O and CN of each.
      const [issuerO, issuerCn, subjectO, subjectCn] = certificate.utf8Strings;
      expect(handshake.certificate?.issuer).toBe(`CN=${issuerCn},O=${issuerO},C=DE`);
      expect(handshake.certificate?.subject).toBe(`CN=${subjectCn},O=${subjectO},C=DE`);
      expect(handshake.certificates).toBe(1);
    }
    expect(tlsVersionName(ours.get(0)!.serverHello!.version)).toBe("TLSv12");
    expect(cipherSuiteName(ours.get(0)!.serverHello!.cipherSuite)).toBe(
      "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    );
    expect(tlsVersionName(ours.get(2)!.serverHello!.version)).toBe("TLSv13");
    expect(cipherSuiteName(ours.get(2)!.serverHello!.cipherSuite)).toBe("TLS_AES_256_GCM_SHA384");
    expect(ours.get(4)!.clientHello!.supportedVersions.map(tlsVersionName)).toEqual(["TLSv13", "TLSv12"]);
  });

  it("vsftpd: TLS 1.3 after a HelloRetryRequest (two ClientHellos, two ServerHellos in tshark's rows)", async () => {
    const rows = tsharkTls("vsftpd-auth-tls.pcap");
    const ours = await handshakes("vsftpd-auth-tls.pcap");
    const controlStreams = [...ours.keys()];
    expect(controlStreams).toHaveLength(1);
    const stream = controlStreams[0]!;
    expect(rows.filter((r) => r.stream === stream && r.types.includes(2))).toHaveLength(2);
    const { client, server } = expected(rows, stream);
    const handshake = ours.get(stream)!;
    expect(handshake.clientHello?.serverName).toBeUndefined();
    expect(client.serverName).toBe("");
    expect(handshake.clientHello?.cipherSuites).toEqual(client.cipherSuites);
    expect(handshake.serverHello).toEqual({
      version: server.supportedVersions[0],
      cipherSuite: server.cipherSuites[0],
      helloRetry: true,
    });
    expect(handshake.certificate).toBeUndefined();
  });
});

/** The TLS bytes each side of a control connection sent after the 234 (from tshark's followed streams). */
function tlsBytesOf(name: string, stream: number): { client: Uint8Array; server: Uint8Array } {
  const followed = readFollowFile(join(FIXTURES, name.replace(/\.pcap$/, ".follow.txt"))).get(stream)!;
  const after234 = (bytes: Uint8Array) => {
    const text = new TextDecoder("latin1").decode(bytes);
    const at = text.indexOf("\r\n234 ");
    return at === -1 ? bytes : bytes.subarray(text.indexOf("\n", at + 2) + 1);
  };
  const afterAuth = (bytes: Uint8Array) => {
    const text = new TextDecoder("latin1").decode(bytes);
    const at = text.lastIndexOf("AUTH ");
    return bytes.subarray(text.indexOf("\n", at) + 1);
  };
  return { client: afterAuth(followed.bytes[0]), server: after234(followed.bytes[1]) };
}

describe("the TLS reader on hostile bytes", () => {
  const real = tlsBytesOf("proftpd-auth-tls.pcap", 0);

  it("reads the same handshake whatever the segment boundaries (1-byte segments)", () => {
    const whole = createTlsReader();
    whole.feed("client", real.client);
    whole.feed("server", real.server);
    const bytewise = createTlsReader();
    for (const byte of real.client) bytewise.feed("client", Uint8Array.of(byte));
    for (const byte of real.server) bytewise.feed("server", Uint8Array.of(byte));
    expect(whole.handshake.certificate?.subject).toBe("CN=ftp.example.test,O=ftp-reply fixtures,C=DE");
    expect(bytewise.handshake).toEqual(whole.handshake);
    expect(whole.done).toBe(true);
  });

  it("stops at the byte cap and says so", () => {
    const reader = createTlsReader(100);
    reader.feed("server", real.server);
    expect(reader.handshake.problem).toMatch(/more than 100 server bytes/);
    expect(reader.bufferedBytes).toBe(0);
  });

  it("says when the bytes are not TLS", () => {
    const reader = createTlsReader();
    reader.feed("client", new TextEncoder().encode("USER anonymous\r\n"));
    expect(reader.handshake.problem).toBe("client bytes are not TLS records");
  });

  propertyTest.prop([
    fc.uint8Array({ maxLength: 4096 }),
    fc.uint8Array({ maxLength: 4096 }),
    fc.integer({ min: 1, max: 64 }),
  ])("random bytes: never throws, holds at most the cap", (client, server, segment) => {
    const reader = createTlsReader(2048);
    for (let at = 0; at < Math.max(client.length, server.length); at += segment) {
      reader.feed("client", client.subarray(at, at + segment));
      reader.feed("server", server.subarray(at, at + segment));
      if (reader.bufferedBytes > 2 * 2048) return false;
    }
    return typeof reader.handshake.certificates === "number";
  });

  propertyTest.prop([
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 24 }),
  ])("a real handshake with bytes changed (lengths, tags, DER): never throws", (changes) => {
    const client = real.client.slice();
    const server = real.server.slice();
    for (const [at, value] of changes) {
      const target = at % 2 === 0 ? server : client;
      target[at % target.length] = value;
    }
    const reader = createTlsReader();
    reader.feed("client", client);
    reader.feed("server", server);
    const { certificate } = reader.handshake;
    return certificate === undefined || (certificate.subject?.length ?? 0) < 32 * 300;
  });
});

describe("the TLS reader on crafted records", () => {
  const cat = (...parts: (Uint8Array | number[])[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
  const be = (value: number, width: number) =>
    Array.from({ length: width }, (_, i) => (value >> (8 * (width - 1 - i))) & 0xff);
  const vec = (width: number, ...parts: (Uint8Array | number[])[]) => {
    const body = cat(...parts);
    return cat(be(body.length, width), body);
  };
  const record = (type: number, ...parts: (Uint8Array | number[])[]) => cat([type, 3, 3], vec(2, ...parts));
  const handshake = (type: number, ...parts: (Uint8Array | number[])[]) => cat([type], vec(3, ...parts));
  /** DER: a tag and its contents, the length short or long as X.690 §8.1.3 says. */
  const der = (tag: number, ...parts: (Uint8Array | number[])[]) => {
    const body = cat(...parts);
    const length = body.length < 0x80 ? [body.length] : [0x82, ...be(body.length, 2)];
    return cat([tag], length, body);
  };
  const ascii = (text: string) => [...new TextEncoder().encode(text)];
  const random = new Array(32).fill(7);
  const serverHello = (version: number, suite: number, ...extensions: number[][]) =>
    handshake(
      2,
      be(version, 2),
      random,
      vec(1),
      be(suite, 2),
      [0],
      ...(extensions.length ? [vec(2, ...extensions)] : []),
    );
  const attribute = (oid: number[], tag: number, value: number[]) =>
    der(0x31, der(0x30, der(0x06, oid), der(tag, value)));
  const CN = [0x55, 0x04, 0x03];

  it("a TLS 1.2 flight: names in every string type, RFC 4514 escapes, both time forms, unknown OIDs dotted", () => {
    const issuer = der(
      0x30,
      attribute(CN, 0x1e, [0, 0x41, 0, 0x4e, 0, 0x2d, 0xd8, 0x00]), // BMP "AN-" and a lone surrogate
      attribute([0x55, 0x04, 0x0a], 0x1c, [0, 0, 0x00, 0xe9, 0, 0x11, 0, 0]), // Universal "é", past U+10FFFF
      attribute([0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01], 0x16, ascii("a@b")),
    );
    const subject = der(
      0x30,
      attribute(CN, 0x14, [0x23, 0x66, 0xfc, 0x72, 0x2c, 0x20]), // T61 "#für, " as Latin-1
      attribute([0x88, 0x37, 0x01], 0x04, [0xca, 0xfe]), // an OCTET STRING under 2.999.1
    );
    const tbs = der(
      0x30,
      der(0xa0, der(0x02, [2])),
      der(0x02, [0x01, 0xab]),
      der(0x30, der(0x06, [0x2a, 0x86, 0x48])),
      issuer,
      der(0x30, der(0x17, ascii("491231235959Z")), der(0x18, ascii("20500101000000Z"))),
      subject,
    );
    const certificate = der(0x30, tbs, der(0x30), der(0x03, [0]));
    const reader = createTlsReader();
    reader.feed(
      "client",
      record(
        22,
        handshake(1, be(0x0303, 2), random, vec(1), vec(2, be(0x1a1a, 2), be(0xc02f, 2)), vec(1, [0])),
      ),
    );
    reader.feed(
      "server",
      cat(record(22, serverHello(0x0303, 0xc02f)), record(22, handshake(11, vec(3, vec(3, certificate))))),
    );
    reader.feed("server", record(21, [1, 0])); // a warning alert: read on
    reader.feed("server", record(20, [1]));
    reader.feed("client", record(23, [1, 2, 3])); // application data: the clear handshake is over
    const { clientHello, serverHello: hello, certificate: cert, certificates, problem } = reader.handshake;
    expect(problem).toBeUndefined();
    // No extensions (optional before TLS 1.3), the GREASE suite left out.
    expect(clientHello).toEqual({ version: 0x0303, supportedVersions: [], cipherSuites: [0xc02f] });
    expect(hello).toEqual({ version: 0x0303, cipherSuite: 0xc02f, helloRetry: false });
    expect(certificates).toBe(1);
    expect(cert).toEqual({
      serial: "01AB",
      issuer: "emailAddress=a@b,O=é\ufffd,CN=AN-\ufffd",
      subject: "2.999.1=#cafe,CN=\\#für\\,\\ ", // a value in hex form is not escaped (RFC 4514 §2.4)
      notValidBefore: Date.UTC(2049, 11, 31, 23, 59, 59) / 1000,
      notValidAfter: Date.UTC(2050, 0, 1) / 1000,
    });
    expect(reader.done).toBe(true);
  });

  it("a certificate cut short keeps what it had; a serial-only one, and one that is not DER, count", () => {
    const serialOnly = der(0x30, der(0x30, der(0x02, [5])));
    const badTime = der(
      0x30,
      der(
        0x30,
        der(0x02, [6]),
        der(0x30),
        der(0x30),
        der(0x30, der(0x17, ascii("nonsense")), der(0x02, [1])),
      ),
    );
    const notDer = [0x30, 0x80, 0, 0]; // indefinite length
    const reader = createTlsReader();
    reader.feed(
      "server",
      cat(
        record(22, serverHello(0x0303, 0x1234)),
        record(22, handshake(11, vec(3, vec(3, serialOnly), vec(3, badTime), vec(3, notDer)))),
      ),
    );
    expect(reader.handshake.certificates).toBe(3);
    expect(reader.handshake.certificate).toEqual({ serial: "05" });
    expect(cipherSuiteName(reader.handshake.serverHello!.cipherSuite)).toBe("0x1234");
    expect(tlsVersionName(0x7f1c)).toBe("0x7f1c");

    const times = createTlsReader();
    times.feed(
      "server",
      cat(record(22, serverHello(0x0303, 1)), record(22, handshake(11, vec(3, vec(3, badTime))))),
    );
    expect(times.handshake.certificate).toEqual({
      serial: "06",
      issuer: "",
      subject: undefined,
      notValidBefore: undefined,
      notValidAfter: undefined,
    });
  });

  it("a TLS 1.3 ServerHello stops the server side; its version from supported_versions", () => {
    const reader = createTlsReader();
    reader.feed("server", record(22, serverHello(0x0303, 0x1302, [0, 43, ...vec(2, be(0x0304, 2))])));
    expect(reader.handshake.serverHello).toEqual({ version: 0x0304, cipherSuite: 0x1302, helloRetry: false });
    reader.feed("server", record(22, handshake(11, vec(3)))); // encrypted in TLS 1.3: not read
    expect(reader.handshake.certificates).toBe(0);
  });

  it("a server name with bytes outside printable ASCII is escaped; an offered GREASE version is left out", () => {
    const sni = [0, 0, ...vec(2, vec(2, [0], vec(2, [0x61, 0x09, 0x5c, 0x62])))];
    const versions = [0, 43, ...vec(2, vec(1, be(0x2a2a, 2), be(0x0304, 2)))];
    const reader = createTlsReader();
    reader.feed(
      "client",
      record(22, handshake(1, be(0x0303, 2), random, vec(1), vec(2), vec(1, [0]), vec(2, sni, versions))),
    );
    expect(reader.handshake.clientHello).toEqual({
      version: 0x0303,
      supportedVersions: [0x0304],
      serverName: "a\\x09\\x5cb",
      cipherSuites: [],
    });
  });

  it("malformed messages: the problem names the message, reading stops", () => {
    const cases: Array<["client" | "server", Uint8Array, string]> = [
      ["client", record(22, handshake(1, [3])), "client handshake: malformed ClientHello"],
      [
        "client",
        record(22, handshake(1, be(0x0303, 2), random, vec(1), vec(2), vec(1), vec(2, [0, 9, 0, 5, 1, 1]))),
        "client handshake: malformed ClientHello",
      ],
      ["server", record(22, handshake(2, be(0x0303, 2))), "server handshake: malformed ServerHello"],
      [
        "server",
        record(22, handshake(2, be(0x0303, 2), random, vec(1))),
        "server handshake: malformed ServerHello",
      ],
      [
        "server",
        record(22, serverHello(0x0303, 1, [0, 43, 0, 9])),
        "server handshake: malformed ServerHello",
      ],
      ["server", record(22, handshake(11, [0, 0])), "server handshake: malformed Certificate"],
      ["server", record(22, handshake(11, vec(3, [0, 0, 9]))), "server handshake: malformed Certificate"],
      ["server", record(22, [11, 0x7f, 0, 0]), "a server handshake message of 8323072 bytes"],
    ];
    for (const [side, bytes, problem] of cases) {
      const reader = createTlsReader();
      reader.feed(side, bytes);
      expect(reader.handshake.problem, problem).toBe(problem);
      expect(reader.bufferedBytes).toBe(0);
    }
  });
});
