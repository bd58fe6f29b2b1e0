/**
 * The FTP layer's bounds: data-connection announcements, transfers and data connections waiting for their
 * match are capped per control connection (`maxPendingDataConnections`), with a typed diagnostic when the cap
 * drops one; a SYN flood on port 21 leaves no more control sessions than the half-open cap.
 */
import { describe, expect, it } from "vitest";
import type { Exchange } from "../../../src/connection/index.js";
import type { CaptureDiagnostic } from "../../../src/node/pcap/errors.js";
import {
  createFtpCaptureAnalyzer,
  type DataConnection,
  DEFAULT_MAX_PENDING_DATA_CONNECTIONS,
  type FtpCaptureOptions,
} from "../../../src/node/pcap/ftp.js";
import { Capture, ethernet, ipv4Tcp, pcapFile, SYN } from "./synthetic.js";

const CLIENT = [10, 0, 0, 2];
const SERVER = [10, 0, 0, 1];

function analyzer(options: FtpCaptureOptions = {}) {
  const exchanges: Exchange[] = [];
  const data: DataConnection[] = [];
  const diagnostics: CaptureDiagnostic[] = [];
  const a = createFtpCaptureAnalyzer(
    {
      onExchange: (e) => exchanges.push(e),
      onDataConnection: (d) => data.push(d),
      onDiagnostic: (d) => diagnostics.push(d),
    },
    options,
  );
  return { a, exchanges, data, diagnostics };
}

/** `227` with port p (each a new endpoint: 10.0.0.1:p). */
const pasv227 = (port: number) => `227 Entering Passive Mode (10,0,0,1,${port >> 8},${port & 0xff}).\r\n`;

describe("FTP capture: pending data connections per control connection", () => {
  it("N × (PASV→227, RETR→150/226) without data connections keeps at most the cap of each", () => {
    const n = 2000;
    const capture = new Capture();
    const control = capture.conversation(CLIENT, 40000, SERVER, 21).handshake().s("220 hi\r\n");
    for (let i = 0; i < n; i++) {
      control
        .c("PASV\r\n")
        .s(pasv227(20000 + i))
        .c(`RETR f${i}\r\n`)
        .s("150 here it comes\r\n")
        .s("226 done\r\n");
    }
    const file = capture.bytes();
    const { a, exchanges, diagnostics } = analyzer();
    let peak = 0;
    // Feed in pieces, watching the pending announcements while the connection is open.
    for (let at = 0; at < file.length; at += 4096) {
      a.feed(file.subarray(at, at + 4096));
      peak = Math.max(peak, a.pendingExpectations);
    }
    const result = a.end();
    expect(exchanges.filter((e) => e.command?.verb === "RETR")).toHaveLength(n);
    expect(peak).toBe(DEFAULT_MAX_PENDING_DATA_CONNECTIONS);
    const drops = diagnostics.filter((d) => d.type === "state-dropped");
    expect(drops.every((d) => d.what === "pending-data-connection" && d.stream === 0)).toBe(true);
    // Announcements and transfers beyond the cap: 2 × (n − 64) drops, reported on the 1st, 2nd, 4th …
    const total = 2 * (n - DEFAULT_MAX_PENDING_DATA_CONNECTIONS);
    expect(result.stats.dropped["pending-data-connection"]).toBe(total);
    expect(drops.map((d) => d.dropped)).toEqual(
      Array.from({ length: Math.floor(Math.log2(total)) + 1 }, (_, i) => 2 ** i),
    );
    // The control connection's end forgets what it announced.
    expect(a.pendingExpectations).toBe(0);
  });

  it("a matched data connection is still paired with its transfer under the cap", () => {
    const capture = new Capture();
    const control = capture.conversation(CLIENT, 40000, SERVER, 21).handshake().s("220 hi\r\n");
    control.c("PASV\r\n").s(pasv227(30000));
    const data = capture.conversation(CLIENT, 40001, SERVER, 30000).handshake();
    control.c("RETR f\r\n").s("150 ok\r\n");
    data.s("hello").close();
    control.s("226 done\r\n").close();
    const { a, data: seen, diagnostics } = analyzer({ maxPendingDataConnections: 1 });
    a.feed(capture.bytes());
    a.end();
    expect(seen.map((d) => [d.exchange?.command?.verb, d.bytesToClient])).toEqual([["RETR", 5]]);
    expect(diagnostics.filter((d) => d.type === "state-dropped")).toEqual([]);
  });

  it("data connections waiting for a transfer command beyond the cap are reported unpaired", () => {
    const capture = new Capture();
    const control = capture.conversation(CLIENT, 40000, SERVER, 21).handshake().s("220 hi\r\n");
    for (let i = 0; i < 5; i++) {
      control.c("PASV\r\n").s(pasv227(30000 + i));
      capture
        .conversation(CLIENT, 41000 + i, SERVER, 30000 + i)
        .handshake()
        .s("x")
        .close();
    }
    const { a, data, diagnostics } = analyzer({ maxPendingDataConnections: 2 });
    a.feed(capture.bytes());
    // Before the control connection ends: the 3 oldest were let go (reported without a transfer).
    expect(data.map((d) => d.tcp.index)).toEqual([1, 2, 3]);
    expect(diagnostics.filter((d) => d.type === "state-dropped").map((d) => d.dropped)).toEqual([1, 2]);
    a.end();
    expect(data).toHaveLength(5);
  });
});

describe("FTP capture: a SYN flood on port 21", () => {
  it("keeps at most maxHalfOpenConnections control sessions, with state-dropped", () => {
    const n = 3000;
    const packets = Array.from({ length: n }, (_, i) => ({
      seconds: 1_700_000_000,
      data: ethernet(
        ipv4Tcp({
          src: [10, 3, i >> 8, i & 0xff],
          dst: SERVER,
          sport: 1024 + i,
          dport: 21,
          seq: 1,
          flags: SYN,
        }),
      ),
    }));
    const { a, diagnostics } = analyzer({ maxHalfOpenConnections: 100 });
    a.feed(pcapFile(packets));
    const result = a.end();
    expect(result.controlConnections).toBe(n);
    expect(result.stats.dropped["half-open-connection"]).toBe(n - 100);
    const drops = diagnostics.filter((d) => d.type === "state-dropped");
    expect(drops.length).toBe(Math.floor(Math.log2(n - 100)) + 1);
    expect(drops.every((d) => d.what === "half-open-connection")).toBe(true);
    expect(diagnostics).toHaveLength(drops.length);
  });
});
