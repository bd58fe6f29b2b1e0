/**
 * weird.log names: the one table from our problem types, the checks on lines and fields, once per connection.
 */
import { createReadStream } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createControlConnection } from "../../../src/connection/connection.js";
import { analyzeFtpCapture } from "../../../src/node/pcap/ftp.js";
import { createNoticeDetector, type Notice } from "../../../src/node/pcap/notices.js";
import { createWeirdDetector, WEIRD_BY_PROBLEM, type Weird } from "../../../src/node/pcap/weird.js";
import { configureProperties, fc, propertyTest } from "../../helpers/properties.js";
import { Capture } from "./synthetic.js";
import { readDissectorFile } from "./tshark.js";

configureProperties();
const FIXTURES = join(import.meta.dirname, "../../../fixtures/pcap");

/**
 * Weird names found in Zeek's sources (git grep of `Weird("…")` / `conn_weird("…")` in src/analyzer/protocol/ftp,
 * login/NVT.cc, tcp/ContentLine.cc, packet_analysis/protocol/ip and tcp, and base/protocols/ftp/main.zeek).
 */
const ZEEK_WEIRDS = new Set([
  "FTP_invalid_command",
  "FTP_max_command_length_exceeded",
  "partial_ftp_request",
  "FTP_too_many_pending_commands",
  "FTP_user_too_long",
  "FTP_password_too_long",
  "FTP_arg_too_long",
  "FTP_reply_msg_too_long",
  "nvt_line_size_exceeded",
  "contentline_size_exceeded",
  "line_terminated_with_single_LF",
  "line_terminated_with_single_CR",
  "NUL_in_line",
  "truncated_IP",
  "truncated_header",
]);

describe("the problem table", () => {
  it("names every problem type of the reply, command and dialogue layers and the capture's stream problems", () => {
    const types = [
      ...[
        "line-too-long",
        "reply-too-long",
        "unexpected-line",
        "truncated",
        "missing-space",
        "mismatched-close",
      ].map((t) => `reply:${t}`),
      ...["line-too-long", "truncated", "invalid-verb"].map((t) => `command:${t}`),
      ...[
        "invalid-reply",
        "invalid-greeting",
        "missing-greeting",
        "unmatched-reply",
        "unanswered-command",
        "too-many-pending",
        "too-many-preliminary",
        "foreign-data-address",
        "lost-reply",
        "malformed-reply",
      ].map((t) => `dialogue:${t}`),
      ...[
        "gap",
        "overlap-mismatch",
        "buffer-overflow",
        "snapped-packet",
        "malformed-ip",
        "malformed-tcp",
      ].map((t) => `capture:${t}`),
    ];
    for (const type of types) expect(WEIRD_BY_PROBLEM.get(type), type).toBeDefined();
  });

  it("a name marked Zeek's is one of Zeek's; ours are not Zeek's names", () => {
    for (const [type, weird] of WEIRD_BY_PROBLEM) {
      expect(ZEEK_WEIRDS.has(weird.name), `${type} → ${weird.name}`).toBe(weird.zeek);
    }
  });
});

/** Bytes of a string, one byte per character (so that `\xff` is the byte IAC). */
const bytes = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));

/** Runs a dialogue (server line, then client line, …) through a control connection into a weird detector. */
function weirdsOf(steps: Array<["S" | "C", string]>) {
  const weirds: Weird[] = [];
  const detector = createWeirdDetector((w) => weirds.push(w));
  const conn = { uid: "C1", origHost: "10.0.0.2", origPort: 40000, respHost: "10.0.0.1", respPort: 21 };
  const connection = createControlConnection({
    onExchange: (e) => detector.exchange(e, conn),
    onProblem: (p) => detector.problem(p, conn, p.ts),
  });
  steps.forEach(([who, text], ts) => {
    if (who === "S") connection.fromServer(bytes(text), ts);
    else connection.fromClient(bytes(text), ts);
  });
  connection.end(steps.length);
  return { weirds, counts: detector.counts };
}

describe("weirds of lines and fields", () => {
  it("a bare LF, a NUL and a Telnet command in lines; long USER and PASS; each name once per connection", () => {
    const long = "x".repeat(200);
    const { weirds, counts } = weirdsOf([
      ["S", "220 hi\r\n"],
      ["C", `USER ${long}\r\n`],
      ["S", "331 pw\r\n"],
      ["C", `PASS ${long}\r\n`],
      ["S", "230 ok\r\n"],
      ["C", "NOOP\n"],
      ["S", "200 a\0b\r\n"],
      ["C", "NOOP\n"],
      ["S", "200 c\0d\r\n"],
      ["C", "STAT \xff\xf1\r\n"],
      ["S", "211 e\r\n"],
    ]);
    expect(weirds.map((w) => [w.name, w.addl])).toEqual([
      ["FTP_user_too_long", "200"],
      ["FTP_password_too_long", "200"],
      ["line_terminated_with_single_LF", undefined],
      ["NUL_in_line", undefined],
      ["FTP_telnet_command_in_line", undefined],
    ]);
    expect(counts).toMatchObject({ line_terminated_with_single_LF: 2, NUL_in_line: 2 });
    expect(weirds.every((w) => w.conn?.uid === "C1" && w.source === "FTP")).toBe(true);
  });

  it("from a capture: replies' raw is skipped only while the server's bytes are plain, so nothing is missed", async () => {
    const capture = new Capture();
    const ftp = capture.conversation([10, 0, 0, 2], 40000, [10, 0, 0, 1], 21).handshake();
    // CR LF split across two segments is no bare LF.
    ftp.s("220 hi\r").s("\n").c("NOOP\r\n").s("200 ok\r\n");
    ftp.c("NOOP\r\n").s("200 lf\n").c("NOOP\r\n").s("200 c\0d\r\n");
    ftp
      .c("NOOP\r\n")
      .s(new Uint8Array([0x32, 0x30, 0x30, 0x20, 0xff, 0xf1, 0x65, 0x0d, 0x0a]))
      .close();
    const clean = new Capture();
    clean.conversation([10, 0, 0, 2], 40001, [10, 0, 0, 1], 21).handshake().s("220 hi\r").s("\n").close();
    const analyse = async (file: Uint8Array) => {
      const detector = createWeirdDetector(() => {});
      const plain: boolean[] = [];
      await analyzeFtpCapture(
        (async function* () {
          yield file;
        })(),
        {
          onExchange(exchange, control) {
            plain.push(!control.serverLineBytesOdd);
            detector.exchange(exchange, control.info, !control.serverLineBytesOdd);
          },
        },
      );
      return { counts: detector.counts, plain };
    };
    const { counts, plain } = await analyse(capture.bytes());
    expect(plain).toEqual([true, true, false, false, false]);
    expect(counts).toEqual({
      line_terminated_with_single_LF: 1,
      NUL_in_line: 1,
      FTP_telnet_command_in_line: 1,
    });
    expect((await analyse(clean.bytes())).plain).toEqual([true]);
  });

  it("an invalid command and a line without a reply code map through the table", () => {
    const { weirds } = weirdsOf([
      ["S", "220 hi\r\n"],
      ["C", "123\r\n"],
      ["S", "hello\r\n500 what\r\n"],
    ]);
    expect(weirds.map((w) => w.name)).toEqual(
      expect.arrayContaining(["FTP_invalid_reply_code", "FTP_invalid_command"]),
    );
  });
});

describe("weirds in a recorded capture (pureftpd-bruteforce.pcap)", () => {
  it("Pure-FTPd's unsolicited `530 Logout.` after each refused PASS: FTP_unmatched_reply, as many as tshark shows", async () => {
    const logouts = readDissectorFile(join(FIXTURES, "pureftpd-bruteforce.ftp.tsv")).filter(
      (r) => r.responseArg[0] === "Logout.",
    );
    expect(logouts).toHaveLength(22);
    const weirds: Weird[] = [];
    const detector = createWeirdDetector((w) => weirds.push(w));
    await analyzeFtpCapture(
      createReadStream(join(FIXTURES, "pureftpd-bruteforce.pcap")),
      {
        onExchange: (e, control) => detector.exchange(e, control.info),
        onControlProblem: (p, control) => detector.problem(p, control.info, p.ts),
      },
      { ports: [2321] },
    );
    expect(detector.counts).toEqual({ FTP_unmatched_reply: 22 });
    expect(weirds.map((w) => w.conn?.uid)).toEqual(logouts.map((r) => `tcp${r.stream}`));
  });
});

describe("detectors on arbitrary dialogues", () => {
  const line = fc.oneof(
    fc.constantFrom(
      "USER bob",
      "PASS x",
      "AUTH TLS",
      "SITE EXEC id",
      "PORT 1,2,3,4,5,6",
      "EPRT |2|::1|5|",
      "NOOP",
    ),
    fc.string({ maxLength: 40 }),
  );
  const reply = fc.oneof(
    fc.constantFrom("220 hi", "234 go", "530 no", "200 ok", "230 in", "331 pw"),
    fc.string({ maxLength: 40 }),
  );
  const endings = fc.constantFrom("\r\n", "\n", "\r", "");
  propertyTest.prop([fc.array(fc.tuple(fc.boolean(), line, reply, endings), { maxLength: 30 })])(
    "never throw; each weird written once per name, every one counted; each notice counted",
    (steps) => {
      const weirds: Weird[] = [];
      const notices: Notice[] = [];
      const weird = createWeirdDetector((w) => weirds.push(w));
      const notice = createNoticeDetector({ bruteforceThreshold: 2, onNotice: (n) => notices.push(n) });
      const conn = { uid: "C1", origHost: "10.0.0.2", origPort: 1, respHost: "10.0.0.1", respPort: 21 };
      const connection = createControlConnection({
        onExchange: (e) => {
          weird.exchange(e, conn);
          notice.exchange(e, conn);
        },
        onProblem: (p) => weird.problem(p, conn, p.ts),
      });
      steps.forEach(([client, command, answer, ending], ts) => {
        if (client) connection.fromClient(`${command}${ending}`, ts);
        else connection.fromServer(`${answer}${ending}`, ts);
      });
      connection.end(steps.length);
      const names = weirds.map((w) => w.name);
      const counted = Object.values(weird.counts).reduce((a, b) => a + b, 0);
      const noticed = Object.values(notice.counts).reduce((a, b) => a + b, 0);
      return new Set(names).size === names.length && counted >= names.length && noticed === notices.length;
    },
  );
});
