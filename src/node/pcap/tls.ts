/**
 * The TLS handshake of an FTPS control connection, as a passive observer sees it after `AUTH TLS` and `234`
 * (RFC 4217 §4): the ClientHello (server name, offered versions and cipher suites), the ServerHello (version and
 * cipher suite) and, up to TLS 1.2, the server's certificate (subject, issuer, validity), read from the clear-text
 * handshake records (RFC 8446 §4, RFC 5246 §7.4) with a minimal DER reader of its own (X.690, RFC 5280 §4.1).
 *
 * Hostile bytes are expected: every read is bounded by its enclosing length, nothing throws, each direction keeps
 * at most `maxBytes` of handshake, and reading a direction stops at its first encrypted record.
 */

/** TLS record content types (RFC 8446 §5.1). */
const RECORD_CHANGE_CIPHER_SPEC = 20;
const RECORD_ALERT = 21;
const RECORD_HANDSHAKE = 22;
/** Record header: type, legacy version, length (RFC 8446 §5.1). */
const RECORD_HEADER_LENGTH = 5;
/** Largest record: 2^14 bytes of plaintext plus 2048 of expansion (RFC 5246 §6.2.3). */
const MAX_RECORD_LENGTH = 16384 + 2048;
/** Handshake message types (RFC 8446 §4). */
const CLIENT_HELLO = 1;
const SERVER_HELLO = 2;
const CERTIFICATE = 11;
/** Extensions (RFC 6066 §3, RFC 8446 §4.2.1). */
const EXTENSION_SERVER_NAME = 0;
const EXTENSION_SUPPORTED_VERSIONS = 43;
const SERVER_NAME_HOST = 0;
/** Handshake bytes kept per direction by default: a ClientHello and a certificate chain fit. */
export const DEFAULT_MAX_TLS_HANDSHAKE_BYTES = 65536;
/** Cipher suites and versions kept from a ClientHello (a hello may list thousands). */
const MAX_OFFERED = 128;
/** A server name is at most 255 bytes (RFC 6066 §3: a DNS host name). */
const MAX_SERVER_NAME = 255;

/** A HelloRetryRequest is a ServerHello with this random (RFC 8446 §4.1.3). */
const HELLO_RETRY_RANDOM = "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c";

/** Protocol versions by number, as Zeek's ssl.log names them (`version`). */
export const TLS_VERSION_NAMES: ReadonlyMap<number, string> = new Map([
  [0x0300, "SSLv3"],
  [0x0301, "TLSv10"],
  [0x0302, "TLSv11"],
  [0x0303, "TLSv12"],
  [0x0304, "TLSv13"],
]);

/** The common cipher suites by IANA number (IANA TLS Cipher Suites registry), with their registry names. */
export const CIPHER_SUITE_NAMES: ReadonlyMap<number, string> = new Map([
  [0x0004, "TLS_RSA_WITH_RC4_128_MD5"],
  [0x0005, "TLS_RSA_WITH_RC4_128_SHA"],
  [0x000a, "TLS_RSA_WITH_3DES_EDE_CBC_SHA"],
  [0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA"],
  [0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA"],
  [0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA"],
  [0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA"],
  [0x003c, "TLS_RSA_WITH_AES_128_CBC_SHA256"],
  [0x003d, "TLS_RSA_WITH_AES_256_CBC_SHA256"],
  [0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256"],
  [0x006b, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256"],
  [0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256"],
  [0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384"],
  [0x009e, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"],
  [0x009f, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"],
  [0x00ff, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV"],
  [0x1301, "TLS_AES_128_GCM_SHA256"],
  [0x1302, "TLS_AES_256_GCM_SHA384"],
  [0x1303, "TLS_CHACHA20_POLY1305_SHA256"],
  [0x1304, "TLS_AES_128_CCM_SHA256"],
  [0x1305, "TLS_AES_128_CCM_8_SHA256"],
  [0x5600, "TLS_FALLBACK_SCSV"],
  [0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"],
  [0xc00a, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"],
  [0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"],
  [0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"],
  [0xc023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"],
  [0xc024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"],
  [0xc027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"],
  [0xc028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"],
  [0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"],
  [0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"],
  [0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"],
  [0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"],
  [0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"],
  [0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"],
  [0xccaa, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"],
]);

/** Attribute types of a distinguished name by OID, with their RFC 4514 §3 short names (OpenSSL's for the rest). */
export const NAME_ATTRIBUTE_NAMES: ReadonlyMap<string, string> = new Map([
  ["2.5.4.3", "CN"],
  ["2.5.4.5", "serialNumber"],
  ["2.5.4.6", "C"],
  ["2.5.4.7", "L"],
  ["2.5.4.8", "ST"],
  ["2.5.4.9", "street"],
  ["2.5.4.10", "O"],
  ["2.5.4.11", "OU"],
  ["0.9.2342.19200300.100.1.1", "UID"],
  ["0.9.2342.19200300.100.1.25", "DC"],
  ["1.2.840.113549.1.9.1", "emailAddress"],
]);

/** What the ClientHello offered. */
export interface TlsClientHello {
  /** `legacy_version` of the hello (0x0303 for TLS 1.2 and 1.3). */
  readonly version: number;
  /** The versions of `supported_versions` (RFC 8446 §4.2.1), GREASE values (RFC 8701) left out. */
  readonly supportedVersions: readonly number[];
  /** The `server_name` host (RFC 6066 §3), when sent. */
  readonly serverName?: string | undefined;
  /** The offered cipher suites (at most 128), GREASE left out. */
  readonly cipherSuites: readonly number[];
}

/** What the ServerHello chose. */
export interface TlsServerHello {
  /** The negotiated version: `supported_versions` when the server sent it (TLS 1.3), else the hello's version. */
  readonly version: number;
  readonly cipherSuite: number;
  /** A HelloRetryRequest came before this ServerHello (RFC 8446 §4.1.4). */
  readonly helloRetry: boolean;
}

/** The server's first certificate (the leaf), as far as it was read. */
export interface TlsCertificate {
  /** The subject as RFC 4514 writes it (last RDN first, `CN=…,O=…,C=…`), as Zeek's x509.log does. */
  readonly subject?: string | undefined;
  readonly issuer?: string | undefined;
  /** Validity (seconds since the Unix epoch). */
  readonly notValidBefore?: number | undefined;
  readonly notValidAfter?: number | undefined;
  /** The serial number in upper-case hex, as Zeek's x509.log writes it. */
  readonly serial?: string | undefined;
}

/** What a TLS reader saw of one handshake. */
export interface TlsHandshake {
  readonly clientHello?: TlsClientHello | undefined;
  readonly serverHello?: TlsServerHello | undefined;
  readonly certificate?: TlsCertificate | undefined;
  /** Certificates in the server's chain (0 when none was seen: TLS 1.3 encrypts them). */
  readonly certificates: number;
  /** Why reading stopped early, when it did: the bytes were not TLS, a message was malformed, the cap. */
  readonly problem?: string | undefined;
}

/** Reads one TLS handshake from the two directions of a connection. Never throws. */
export interface TlsReader {
  /** Bytes of one direction (`client` → server or `server` → client), in stream order. */
  feed(direction: "client" | "server", bytes: Uint8Array): void;
  /** True once both directions stopped being read (encrypted records, a problem or the cap). */
  readonly done: boolean;
  /** What was read so far. */
  readonly handshake: TlsHandshake;
  /** Bytes held now (both directions): at most `2 × maxBytes`. */
  readonly bufferedBytes: number;
}

/** Version name for output (`TLSv12`, or the number in hex when unknown). */
export function tlsVersionName(version: number): string {
  return TLS_VERSION_NAMES.get(version) ?? `0x${version.toString(16).padStart(4, "0")}`;
}

/** Cipher suite name from the IANA table, or the number in hex. */
export function cipherSuiteName(suite: number): string {
  return CIPHER_SUITE_NAMES.get(suite) ?? `0x${suite.toString(16).padStart(4, "0")}`;
}

/** GREASE values (RFC 8701 §2): 0x0A0A, 0x1A1A … 0xFAFA. */
function isGrease(value: number): boolean {
  return (value & 0x0f0f) === 0x0a0a && value >> 8 === (value & 0xff);
}

/** A bounded read position in `bytes[start, end)`: every read checks the end and returns undefined past it. */
class Cursor {
  constructor(
    readonly bytes: Uint8Array,
    public at: number,
    readonly end: number,
  ) {}

  get left(): number {
    return this.end - this.at;
  }

  uint(width: 1 | 2 | 3): number | undefined {
    if (this.left < width) return undefined;
    let value = 0;
    for (let i = 0; i < width; i++) value = value * 256 + this.bytes[this.at + i]!;
    this.at += width;
    return value;
  }

  /** A sub-cursor over the next `length` bytes (which are skipped here). */
  take(length: number): Cursor | undefined {
    if (length < 0 || this.left < length) return undefined;
    const sub = new Cursor(this.bytes, this.at, this.at + length);
    this.at += length;
    return sub;
  }

  /** A sub-cursor over a vector with a `width`-byte length prefix (RFC 8446 §3.4). */
  vector(width: 1 | 2 | 3): Cursor | undefined {
    const length = this.uint(width);
    return length === undefined ? undefined : this.take(length);
  }
}

/** Creates a reader of one TLS handshake; `maxBytes` caps the handshake bytes kept per direction. */
export function createTlsReader(maxBytes = DEFAULT_MAX_TLS_HANDSHAKE_BYTES): TlsReader {
  const result: Result = { certificates: 0, helloRetry: false };
  const client = createDirection("client", result, maxBytes);
  const server = createDirection("server", result, maxBytes);
  return {
    feed(direction, bytes) {
      (direction === "client" ? client : server).feed(bytes);
    },
    get done() {
      return client.stopped && server.stopped;
    },
    get handshake() {
      const { helloRetry: _, ...handshake } = result;
      return handshake;
    },
    get bufferedBytes() {
      return client.buffered + server.buffered;
    },
  };
}

type Result = {
  clientHello?: TlsClientHello;
  serverHello?: TlsServerHello;
  certificate?: TlsCertificate;
  certificates: number;
  problem?: string;
  helloRetry: boolean;
};

/** One direction: record framing (RFC 8446 §5.1) into a handshake byte stream, split into messages (§4). */
function createDirection(name: "client" | "server", result: Result, maxBytes: number) {
  /** Record bytes not yet framed (at most one record header and body). */
  const pending = new ByteQueue();
  /** Handshake bytes not yet framed as messages. */
  const handshake = new ByteQueue();
  let received = 0;
  const state = {
    stopped: false,
    get buffered(): number {
      return pending.length + handshake.length;
    },
    feed(bytes: Uint8Array): void {
      if (state.stopped) return;
      received += bytes.length;
      if (received > maxBytes) {
        stop(`more than ${maxBytes} ${name} bytes before the handshake ended`);
        return;
      }
      pending.push(bytes);
      framing: while (!state.stopped && pending.length >= RECORD_HEADER_LENGTH) {
        const view = pending.view();
        const type = view[0]!;
        const length = view[3]! * 256 + view[4]!;
        if (view[1] !== 3 || length > MAX_RECORD_LENGTH) {
          stop(`${name} bytes are not TLS records`);
          return;
        }
        if (view.length < RECORD_HEADER_LENGTH + length) break;
        const body = view.subarray(RECORD_HEADER_LENGTH, RECORD_HEADER_LENGTH + length);
        pending.consume(RECORD_HEADER_LENGTH + length);
        switch (type) {
          case RECORD_HANDSHAKE:
            handshake.push(body);
            messages();
            break;
          case RECORD_CHANGE_CIPHER_SPEC:
            // TLS 1.3 sends one for middlebox compatibility (RFC 8446 §D.4) before its encrypted handshake; up to
            // TLS 1.2 what follows it is encrypted. Either way the clear-text handshake of this direction is over,
            // unless a HelloRetryRequest came: the ServerHello and the second ClientHello are still to come.
            if (!result.helloRetry || result.serverHello !== undefined) {
              state.stopped = true;
              break framing;
            }
            break;
          case RECORD_ALERT:
            break;
          default:
            // Application data (or an encrypted handshake): nothing more to read in clear.
            state.stopped = true;
            break framing;
        }
      }
      if (state.stopped) release();
    },
  };

  function release(): void {
    pending.clear();
    handshake.clear();
  }

  function stop(problem: string): void {
    state.stopped = true;
    result.problem ??= problem;
    release();
  }

  /** Frames and reads the complete handshake messages buffered so far. */
  function messages(): void {
    while (handshake.length >= 4) {
      const view = handshake.view();
      const type = view[0]!;
      const length = view[1]! * 65536 + view[2]! * 256 + view[3]!;
      if (length > maxBytes) {
        stop(`a ${name} handshake message of ${length} bytes`);
        return;
      }
      if (view.length - 4 < length) return;
      handshake.consume(4 + length);
      const problem = message(type, new Cursor(view, 4, 4 + length));
      if (problem !== undefined) {
        stop(`${name} handshake: ${problem}`);
        return;
      }
      if (state.stopped) return;
    }
  }

  /** One handshake message; returns a problem when it is malformed. */
  function message(type: number, body: Cursor): string | undefined {
    if (name === "client" && type === CLIENT_HELLO) {
      const hello = readClientHello(body);
      if (hello === undefined) return "malformed ClientHello";
      // After a HelloRetryRequest the client says it again; the first one is kept.
      result.clientHello ??= hello;
      return undefined;
    }
    if (name === "server" && type === SERVER_HELLO) {
      const hello = readServerHello(body, result.helloRetry);
      if (hello === undefined) return "malformed ServerHello";
      if (hello === "retry") result.helloRetry = true;
      else {
        result.serverHello = hello;
        // From TLS 1.3 on everything after the ServerHello is encrypted (RFC 8446 §2).
        if (hello.version >= 0x0304) state.stopped = true;
      }
      return undefined;
    }
    if (name === "server" && type === CERTIFICATE) {
      const chain = body.vector(3);
      if (chain === undefined) return "malformed Certificate";
      let first: TlsCertificate | undefined;
      while (chain.left > 0) {
        const der = chain.vector(3);
        if (der === undefined) return "malformed Certificate";
        result.certificates++;
        first ??= readCertificate(der) ?? {};
      }
      if (first !== undefined) result.certificate ??= first;
    }
    return undefined;
  }

  return state;
}

/**
 * Bytes waiting to be framed: appended at the end, consumed from the front, in one buffer that doubles when full
 * and compacts when more than half is consumed, so that a stream of 1-byte segments costs linear time.
 */
class ByteQueue {
  #buffer = new Uint8Array(0);
  #start = 0;
  #end = 0;

  get length(): number {
    return this.#end - this.#start;
  }

  /** The waiting bytes (valid until the next push). */
  view(): Uint8Array {
    return this.#buffer.subarray(this.#start, this.#end);
  }

  push(bytes: Uint8Array): void {
    if (this.#end + bytes.length > this.#buffer.length) {
      const length = this.length;
      const capacity = Math.max(length + bytes.length, this.#buffer.length * 2, 1024);
      const grown =
        capacity > this.#buffer.length || this.#start > 0 ? new Uint8Array(capacity) : this.#buffer;
      grown.set(this.#buffer.subarray(this.#start, this.#end));
      this.#buffer = grown;
      this.#start = 0;
      this.#end = length;
    }
    this.#buffer.set(bytes, this.#end);
    this.#end += bytes.length;
  }

  consume(count: number): void {
    this.#start += count;
    if (this.#start === this.#end) this.clear();
  }

  clear(): void {
    this.#buffer = new Uint8Array(0);
    this.#start = 0;
    this.#end = 0;
  }
}

/** ClientHello (RFC 8446 §4.1.2): version, random, session id, suites, compression, extensions. */
function readClientHello(body: Cursor): TlsClientHello | undefined {
  const version = body.uint(2);
  if (version === undefined || body.take(32) === undefined || body.vector(1) === undefined) return undefined;
  const suites = body.vector(2);
  if (suites === undefined || body.vector(1) === undefined) return undefined;
  const cipherSuites: number[] = [];
  while (suites.left >= 2) {
    const suite = suites.uint(2)!;
    if (!isGrease(suite) && cipherSuites.length < MAX_OFFERED) cipherSuites.push(suite);
  }
  const supportedVersions: number[] = [];
  let serverName: string | undefined;
  // Extensions are optional before TLS 1.3 (RFC 5246 §7.4.1.2).
  const extensions = body.left > 0 ? body.vector(2) : undefined;
  while (extensions !== undefined && extensions.left >= 4) {
    const type = extensions.uint(2)!;
    const data = extensions.vector(2);
    if (data === undefined) return undefined;
    if (type === EXTENSION_SERVER_NAME) serverName = readServerName(data);
    else if (type === EXTENSION_SUPPORTED_VERSIONS) {
      const list = data.vector(1);
      while (list !== undefined && list.left >= 2) {
        const offered = list.uint(2)!;
        if (!isGrease(offered) && supportedVersions.length < MAX_OFFERED) supportedVersions.push(offered);
      }
    }
  }
  return { version, supportedVersions, ...(serverName === undefined ? {} : { serverName }), cipherSuites };
}

/** server_name (RFC 6066 §3): a list of (type, name); the host_name entry. Non-printable bytes are escaped. */
function readServerName(data: Cursor): string | undefined {
  const list = data.vector(2);
  while (list !== undefined && list.left >= 3) {
    const type = list.uint(1)!;
    const name = list.vector(2);
    if (name === undefined) return undefined;
    if (type === SERVER_NAME_HOST) {
      return printable(name.bytes.subarray(name.at, Math.min(name.end, name.at + MAX_SERVER_NAME)));
    }
  }
  return undefined;
}

/** ServerHello (RFC 8446 §4.1.3); `"retry"` for a HelloRetryRequest. */
function readServerHello(body: Cursor, helloRetry: boolean): TlsServerHello | "retry" | undefined {
  const legacyVersion = body.uint(2);
  const random = body.take(32);
  if (legacyVersion === undefined || random === undefined || body.vector(1) === undefined) return undefined;
  const cipherSuite = body.uint(2);
  if (cipherSuite === undefined || body.uint(1) === undefined) return undefined;
  if (hex(random.bytes.subarray(random.at, random.end)) === HELLO_RETRY_RANDOM) return "retry";
  let version = legacyVersion;
  const extensions = body.left > 0 ? body.vector(2) : undefined;
  while (extensions !== undefined && extensions.left >= 4) {
    const type = extensions.uint(2)!;
    const data = extensions.vector(2);
    if (data === undefined) return undefined;
    if (type === EXTENSION_SUPPORTED_VERSIONS && data.left >= 2) version = data.uint(2)!;
  }
  return { version, cipherSuite, helloRetry };
}

function hex(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += byte.toString(16).padStart(2, "0");
  return text;
}

/** Bytes as text, with every byte outside printable ASCII written `\xHH` (names on the wire are ASCII). */
function printable(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) {
    text +=
      byte >= 0x20 && byte < 0x7f && byte !== 0x5c
        ? String.fromCharCode(byte)
        : `\\x${byte.toString(16).padStart(2, "0")}`;
  }
  return text;
}

// ───────────────────────────── DER (X.690 §8.1, §10) ─────────────────────────────

/** Universal tags used here (X.680 §8.4). */
const TAG_INTEGER = 0x02;
const TAG_OID = 0x06;
const TAG_UTF8_STRING = 0x0c;
const TAG_PRINTABLE_STRING = 0x13;
const TAG_T61_STRING = 0x14;
const TAG_IA5_STRING = 0x16;
const TAG_UTC_TIME = 0x17;
const TAG_GENERALIZED_TIME = 0x18;
const TAG_UNIVERSAL_STRING = 0x1c;
const TAG_BMP_STRING = 0x1e;
const TAG_SEQUENCE = 0x30;
const TAG_SET = 0x31;
/** The directory string types `readString` decodes as text (X.520); any other is written in hex. */
const STRING_TAGS: ReadonlySet<number> = new Set([
  TAG_UTF8_STRING,
  TAG_PRINTABLE_STRING,
  TAG_T61_STRING,
  TAG_IA5_STRING,
  TAG_BMP_STRING,
  TAG_UNIVERSAL_STRING,
]);
/** `[0] EXPLICIT Version` of a TBSCertificate (RFC 5280 §4.1). */
const TAG_VERSION = 0xa0;
/** Attributes written per name, values kept per attribute: a name of thousands of RDNs is cut. */
const MAX_NAME_ATTRIBUTES = 32;
const MAX_ATTRIBUTE_VALUE = 256;
const MAX_SERIAL_BYTES = 64;

/** One DER element: its tag and its contents as a cursor. */
interface Element {
  readonly tag: number;
  readonly contents: Cursor;
}

/** The next DER element (definite lengths up to 4 bytes; X.690 §8.1.3), or undefined when it does not fit. */
function element(cursor: Cursor): Element | undefined {
  const tag = cursor.uint(1);
  let length = cursor.uint(1);
  if (tag === undefined || length === undefined || (tag & 0x1f) === 0x1f) return undefined;
  if (length > 0x80) {
    const width = length - 0x80;
    if (width > 4) return undefined;
    length = 0;
    for (let i = 0; i < width; i++) {
      const byte = cursor.uint(1);
      if (byte === undefined) return undefined;
      length = length * 256 + byte;
    }
  } else if (length === 0x80) return undefined; // indefinite length: not DER (X.690 §10.1)
  const contents = cursor.take(length);
  return contents === undefined ? undefined : { tag, contents };
}

/** The next element when it has tag `tag`. */
function expect(cursor: Cursor, tag: number): Cursor | undefined {
  const next = element(cursor);
  return next?.tag === tag ? next.contents : undefined;
}

/**
 * A certificate's subject, issuer, validity and serial (RFC 5280 §4.1): Certificate ::= SEQUENCE { tbsCertificate
 * SEQUENCE { [0] version OPTIONAL, serialNumber, signature, issuer, validity, subject, … }, … }.
 */
function readCertificate(der: Cursor): TlsCertificate | undefined {
  const certificate = expect(der, TAG_SEQUENCE);
  const tbs = certificate === undefined ? undefined : expect(certificate, TAG_SEQUENCE);
  if (tbs === undefined) return undefined;
  let first = element(tbs);
  if (first?.tag === TAG_VERSION) first = element(tbs);
  if (first?.tag !== TAG_INTEGER) return undefined;
  const serialBytes = first.contents.bytes.subarray(first.contents.at, first.contents.end);
  const serial = hex(serialBytes.subarray(0, MAX_SERIAL_BYTES)).toUpperCase();
  if (expect(tbs, TAG_SEQUENCE) === undefined) return { serial };
  const issuerName = expect(tbs, TAG_SEQUENCE);
  const issuer = issuerName === undefined ? undefined : readName(issuerName);
  const validity = expect(tbs, TAG_SEQUENCE);
  const notValidBefore = validity === undefined ? undefined : readTime(validity);
  const notValidAfter = validity === undefined ? undefined : readTime(validity);
  const subjectName = expect(tbs, TAG_SEQUENCE);
  const subject = subjectName === undefined ? undefined : readName(subjectName);
  return { subject, issuer, notValidBefore, notValidAfter, serial };
}

/** Name ::= SEQUENCE OF SET OF SEQUENCE { type OID, value }, written as RFC 4514 §2.1 does: last RDN first. */
function readName(name: Cursor): string {
  const rdns: string[] = [];
  while (name.left > 0 && rdns.length < MAX_NAME_ATTRIBUTES) {
    const set = expect(name, TAG_SET);
    if (set === undefined) break;
    const parts: string[] = [];
    while (set.left > 0 && parts.length < MAX_NAME_ATTRIBUTES) {
      const pair = expect(set, TAG_SEQUENCE);
      const oid = pair === undefined ? undefined : expect(pair, TAG_OID);
      const value = pair === undefined ? undefined : element(pair);
      if (oid === undefined || value === undefined) break;
      const type = readOid(oid);
      // A value of no string type is written in hex form (`#…`), which RFC 4514 §2.4 leaves unescaped.
      const text = readString(value);
      const written = STRING_TAGS.has(value.tag) ? escapeRdnValue(text) : text;
      parts.push(`${NAME_ATTRIBUTE_NAMES.get(type) ?? type}=${written}`);
    }
    rdns.push(parts.join("+"));
  }
  return rdns.reverse().join(",");
}

/** An OBJECT IDENTIFIER in dotted form (X.690 §8.19); at most 32 arcs. */
function readOid(oid: Cursor): string {
  const arcs: number[] = [];
  let value = 0;
  while (oid.left > 0 && arcs.length < 32) {
    const byte = oid.uint(1)!;
    value = value * 128 + (byte & 0x7f);
    if (byte & 0x80) continue;
    if (arcs.length === 0)
      arcs.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
    else arcs.push(value);
    value = 0;
  }
  return arcs.join(".");
}

/** A directory string as text: UTF-8, Latin-1 (T61 read as such), UCS-2 (BMP) or UCS-4 (Universal). */
function readString(value: Element): string {
  const { contents } = value;
  const bytes = contents.bytes.subarray(
    contents.at,
    Math.min(contents.end, contents.at + MAX_ATTRIBUTE_VALUE),
  );
  switch (value.tag) {
    case TAG_UTF8_STRING:
      return new TextDecoder("utf-8", { fatal: false }).decode(bytes);
    case TAG_PRINTABLE_STRING:
    case TAG_IA5_STRING:
    case TAG_T61_STRING:
      return String.fromCharCode(...bytes);
    case TAG_BMP_STRING:
      return codeUnits(bytes, 2);
    case TAG_UNIVERSAL_STRING:
      return codeUnits(bytes, 4);
    default:
      return `#${hex(bytes)}`;
  }
}

/** Big-endian code points of `width` bytes; invalid ones become U+FFFD. */
function codeUnits(bytes: Uint8Array, width: 2 | 4): string {
  let text = "";
  for (let i = 0; i + width <= bytes.length; i += width) {
    let point = 0;
    for (let j = 0; j < width; j++) point = point * 256 + bytes[i + j]!;
    text += point <= 0x10ffff && (point < 0xd800 || point > 0xdfff) ? String.fromCodePoint(point) : "\ufffd";
  }
  return text;
}

/** RFC 4514 §2.4: `,` `+` `"` `\` `<` `>` `;` escaped with a backslash, a leading `#` or space and a trailing space. */
function escapeRdnValue(value: string): string {
  return value.replace(/[,+"\\<>;]|^[# ]| $/g, (c) => `\\${c}`);
}

/** UTCTime (YYMMDDHHMMSSZ, years 1950–2049, RFC 5280 §4.1.2.5.1) or GeneralizedTime (YYYYMMDDHHMMSSZ). */
function readTime(validity: Cursor): number | undefined {
  const time = element(validity);
  if (time === undefined || (time.tag !== TAG_UTC_TIME && time.tag !== TAG_GENERALIZED_TIME))
    return undefined;
  if (time.contents.left > 32) return undefined;
  const text = String.fromCharCode(...time.contents.bytes.subarray(time.contents.at, time.contents.end));
  const match = (
    time.tag === TAG_UTC_TIME
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/
      : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/
  ).exec(text);
  if (match === null) return undefined;
  let year = Number(match[1]);
  if (time.tag === TAG_UTC_TIME) year += year < 50 ? 2000 : 1900;
  const ms = Date.UTC(
    year,
    Number(match[2]) - 1,
    Number(match[3]),
    Number(match[4]),
    Number(match[5]),
    Number(match[6]),
  );
  return Number.isFinite(ms) ? ms / 1000 : undefined;
}
