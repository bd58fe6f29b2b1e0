/**
 * Transfer integrity verdicts: each rule of docs/pcap.md § Transfer verdicts on its own, then on the transfers
 * recorded for them (a complete, a resumed, an ABORted, a client-killed and a server-killed download).
 */
import { createReadStream } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Exchange } from "../../../src/connection/types.js";
import { analyzeFtpCapture, type DataConnection } from "../../../src/node/pcap/ftp.js";
import { decideVerdict, TransferContexts, type TransferFacts } from "../../../src/node/pcap/verdicts.js";

const FIXTURES = join(import.meta.dirname, "../../../fixtures/pcap");

/** A transfer exchange with what the verdict reads of it. */
function transfer(verb: string, final: number | undefined, fileSize?: number, type = "I"): Exchange {
  return {
    kind: "command",
    index: 0,
    command: { verb, arg: "f" },
    replies: [],
    preliminary: [],
    final: final === undefined ? undefined : { code: final, text: "", lines: [] },
    diagnostics: [],
    fileSize,
    type,
  } as unknown as Exchange;
}

const facts = (
  exchange: Exchange | undefined,
  carried: number,
  more: Partial<TransferFacts> = {},
): TransferFacts => ({
  exchange,
  context: undefined,
  carried,
  closed: "fin",
  ...more,
});

describe("verdict rules", () => {
  it("complete: 226 and the bytes announced", () => {
    expect(decideVerdict(facts(transfer("RETR", 226, 100), 100)).verdict).toBe("complete");
    expect(decideVerdict(facts(transfer("RETR", 226), 100)).verdict).toBe("complete");
    expect(decideVerdict(facts(transfer("STOR", 226), 5)).verdict).toBe("complete");
  });

  it("complete in ASCII whatever the sizes (line ends change on the wire)", () => {
    const verdict = decideVerdict(facts(transfer("RETR", 226, 100, "A"), 104));
    expect(verdict.verdict).toBe("complete");
    expect(verdict.reason).toMatch(/not compared/);
  });

  it("resumed: 226 after REST, offset + bytes = size (whichever size the 150 gives)", () => {
    const context = { restOffset: 40, sizeReply: 100 };
    expect(decideVerdict(facts(transfer("RETR", 226, 60), 60, { context })).verdict).toBe("resumed");
    expect(decideVerdict(facts(transfer("RETR", 226, 100), 60, { context })).verdict).toBe("resumed");
    expect(decideVerdict(facts(transfer("RETR", 226), 60, { context })).verdict).toBe("resumed");
    expect(decideVerdict(facts(transfer("RETR", 226), 59, { context })).verdict).toBe("truncated");
  });

  it("aborted: a 4xx/5xx final reply, or a reset without 226", () => {
    expect(decideVerdict(facts(transfer("RETR", 426, 100), 50)).verdict).toBe("aborted");
    expect(decideVerdict(facts(transfer("RETR", 451), 50)).verdict).toBe("aborted");
    expect(decideVerdict(facts(transfer("RETR", undefined, 100), 50, { closed: "rst" })).verdict).toBe(
      "aborted",
    );
    // A reset after a 226 with every byte: the transfer was done.
    expect(decideVerdict(facts(transfer("RETR", 226, 100), 100, { closed: "rst" })).verdict).toBe("complete");
  });

  it("truncated: fewer bytes than expected with a 226, or no final reply", () => {
    expect(decideVerdict(facts(transfer("RETR", 226, 100), 99)).verdict).toBe("truncated");
    expect(decideVerdict(facts(transfer("RETR", undefined, 100), 30)).verdict).toBe("truncated");
    expect(decideVerdict(facts(transfer("STOR", undefined), 30, { closed: "end" })).verdict).toBe(
      "truncated",
    );
  });

  it("mismatch: more bytes than announced, or 150 and SIZE disagree", () => {
    expect(decideVerdict(facts(transfer("RETR", 226, 100), 101)).verdict).toBe("mismatch");
    const context = { sizeReply: 90 };
    const verdict = decideVerdict(facts(transfer("RETR", 226, 100), 100, { context }));
    expect(verdict.verdict).toBe("mismatch");
    expect(verdict.reason).toBe("150 announced 100 bytes, SIZE said 90");
  });

  it("unknown: no transfer command", () => {
    expect(decideVerdict(facts(undefined, 10)).verdict).toBe("unknown");
  });

  it("a REST applies to the next transfer only; SIZE to the same path", () => {
    const contexts = new TransferContexts();
    const cmd = (verb: string, arg: string, code: number, more: Partial<Exchange> = {}) =>
      ({ ...transfer(verb, code), command: { verb, arg }, path: `/${arg}`, ...more }) as Exchange;
    contexts.exchange(cmd("SIZE", "a", 213, { fileSize: 10 }));
    contexts.exchange(cmd("REST", "4", 350));
    const first = cmd("RETR", "a", 226);
    const second = cmd("RETR", "b", 226);
    contexts.exchange(first);
    contexts.exchange(second);
    expect(TransferContexts.of(first)).toEqual({ restOffset: 4, sizeReply: 10 });
    expect(TransferContexts.of(second)).toEqual({ restOffset: undefined, sizeReply: undefined });
    // A refused REST (501) sets no offset.
    contexts.exchange(cmd("REST", "x", 501));
    const third = cmd("RETR", "a", 226);
    contexts.exchange(third);
    expect(TransferContexts.of(third)?.restOffset).toBeUndefined();
  });
});

async function transfers(name: string): Promise<DataConnection[]> {
  const data: DataConnection[] = [];
  await analyzeFtpCapture(createReadStream(join(FIXTURES, name)), {
    onExchange() {},
    onDataConnection: (d) => data.push(d),
  });
  return data;
}

describe("verdicts of recorded transfers", () => {
  it("vsftpd-files.pcap: five complete downloads, one resumed (curl -C -: REST 10000 + RETR)", async () => {
    const data = await transfers("vsftpd-files.pcap");
    const verdicts = data.map(
      (d) => `${d.exchange?.command?.verb} ${d.file.name ?? ""} ${d.verdict.verdict}`,
    );
    expect(verdicts.sort()).toEqual([
      "LIST  complete",
      "RETR /big.bin resumed",
      "RETR /doc.pdf complete",
      "RETR /hello.txt complete",
      "RETR /image.png complete",
      "RETR /numbers.gz complete",
    ]);
    const resumed = data.find((d) => d.verdict.verdict === "resumed")!;
    expect(resumed.verdict.expected).toBe(24576 - 10000);
  });

  it("vsftpd-abort.pcap: ABOR → aborted, client killed → aborted (reset, 426), server killed → truncated", async () => {
    const data = await transfers("vsftpd-abort.pcap");
    expect(data).toHaveLength(3);
    const [abor, clientKilled, serverKilled] = data;
    expect(abor!.verdict.verdict).toBe("aborted");
    // vsftpd answers the urgent Telnet IP/Synch bytes before ABOR with a 500, then 426: a failure either way.
    expect(abor!.exchange?.final?.code).toBeGreaterThanOrEqual(400);
    expect(abor!.closed).toBe("rst");
    expect(clientKilled!.exchange?.final?.code).toBe(426);
    expect(clientKilled!.verdict.verdict).toBe("aborted");
    expect(clientKilled!.closed).toBe("rst");
    expect(serverKilled!.verdict.verdict).toBe("truncated");
    expect(serverKilled!.exchange?.final).toBeUndefined();
    for (const d of data) {
      expect(d.verdict.expected).toBe(24576);
      expect(d.file.size).toBeLessThan(24576);
    }
  });

  it("proftpd-upload.pcap: uploads with 226 are complete", async () => {
    const data = await transfers("proftpd-upload.pcap");
    expect(data.map((d) => d.verdict.verdict)).toEqual(Array(data.length).fill("complete"));
  });
});
