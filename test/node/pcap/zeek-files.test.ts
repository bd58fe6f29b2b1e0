/** files.log rows: Zeek's escaping of what the capture names (tabs, newlines, control bytes, set separators). */
import { describe, expect, it } from "vitest";
import type { DataConnection } from "../../../src/node/pcap/ftp.js";
import { FILES_LOG_FIELDS, toFilesLogRecord } from "../../../src/node/pcap/zeek-files.js";
import { createZeekTableWriter } from "../../../src/node/pcap/zeek-logs.js";

const address = (last: number) => new Uint8Array([10, 0, 0, last]);

function dataConnection(name: string): DataConnection {
  return {
    tcp: {
      index: 7,
      client: { address: address(2), port: 40000, text: "10.0.0.2:40000" },
      server: { address: address(1), port: 2230, text: "10.0.0.1:2230" },
      firstPacket: { frame: 1, seconds: 100, nanoseconds: 0 },
    },
    passive: true,
    exchange: undefined,
    file: {
      fuid: "Ftcp7",
      isOrig: false,
      toServer: false,
      size: 3,
      missingBytes: 0,
      hashStatus: "complete",
      sha256: "ab",
      firstTs: 100.5,
      lastTs: 101,
      name,
    },
    verdict: { verdict: "unknown", reason: "no transfer command" },
  } as unknown as DataConnection;
}

describe("files.log (the Zeek table writer with files.log's columns)", () => {
  it("a name with a tab, a newline, ESC and a comma stays one escaped cell", () => {
    const writer = createZeekTableWriter("files", FILES_LOG_FIELDS);
    const line = writer.row({ ...toFilesLogRecord(dataConnection("/a\tb\nc\u001bd,e")) });
    const cells = line.slice(0, -1).split("\t");
    expect(cells).toHaveLength(FILES_LOG_FIELDS.length);
    const column = (name: string) => cells[FILES_LOG_FIELDS.findIndex(([field]) => field === name)];
    expect(column("filename")).toBe("/a\\x09b\\x0ac\\x1bd,e");
    expect(column("analyzers")).toBe("SHA256");
    expect(column("duration")).toBe("0.500000");
    expect(column("ts")).toBe("100.500000");
    expect(column("id.orig_h")).toBe("10.0.0.2");
    expect(column("is_orig")).toBe("F");
    expect(column("_verdict")).toBe("unknown");
  });

  it("header: Zeek's lines, #path files, the columns and their types", () => {
    const header = createZeekTableWriter("files", FILES_LOG_FIELDS).header(
      new Date(Date.UTC(2026, 11, 3, 15, 4, 5)),
    );
    expect(header.split("\n").slice(0, 6)).toEqual([
      "#separator \\x09",
      "#set_separator\t,",
      "#empty_field\t(empty)",
      "#unset_field\t-",
      "#path\tfiles",
      "#open\t2026-12-03-15-04-05",
    ]);
    expect(header).toContain("\tanalyzers\t");
    expect(header).toContain("\tset[string]\t");
  });
});
