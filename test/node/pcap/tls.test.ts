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
