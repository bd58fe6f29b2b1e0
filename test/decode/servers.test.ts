/**
 * The decoders on replies recorded from real servers (fixtures/servers/<server>/*.replies.bin: vsftpd, ProFTPD,
 * Pure-FTPd and ftp-srv on 127.0.0.1, recorded by test/interop). Ports and times change with every recording,
 * so they are checked against the reply's own digits (read here by a plain regex, an oracle independent of the
 * decoders); paths and sizes are what the interop session created.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import {
  parseEpsv,
  parseFeatures,
  parseModifyTime,
  parsePasv,
  parsePathname,
  parseReplies,
  parseSize,
  parseSystemType,
  parseTransferSize,
  type Reply,
  ReplySyntaxError,
  resolvePassiveTarget,
} from "../../src/index.js";

const SERVERS_DIRECTORY = join(import.meta.dirname, "../../fixtures/servers");
const servers = existsSync(SERVERS_DIRECTORY) ? readdirSync(SERVERS_DIRECTORY).sort() : [];
/** The interop session's upload (70 001 bytes), its restarted tail (REST 1000) and the anonymous welcome.txt. */
const TRANSFER_SIZES = [70_001, 69_001, 40];
/** Paths the session made: the root, a folder named `quote"dir`, and a Unicode folder name. */
const SESSION_PATHS = new Set(["/", '/quote"dir', "/ünïcödé-目录"]);

function recordedReplies(server: string): Reply[] {
  const replies: Reply[] = [];
  for (const file of readdirSync(join(SERVERS_DIRECTORY, server))) {
    if (!file.endsWith(".replies.bin") && file !== "replies.bin") continue;
    if (file.startsWith("long-line")) continue;
    replies.push(...parseReplies(new Uint8Array(readFileSync(join(SERVERS_DIRECTORY, server, file)))));
  }
  return replies;
}

describe.skipIf(servers.length === 0)("decoders on recorded real-server replies", () => {
  test.each(servers)("%s", (server) => {
    const replies = recordedReplies(server);
    const seen = new Set<number>();
    for (const reply of replies) {
      const first = reply.lines[0]!;
      switch (reply.code) {
        case 227: {
          const [, a, b, c, d, p1, p2] = /\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)/.exec(first)!;
          expect(parsePasv(reply)).toEqual({
            host: `${a}.${b}.${c}.${d}`,
            port: Number(p1) * 256 + Number(p2),
          });
          expect(resolvePassiveTarget(reply, { controlHost: "127.0.0.1", policy: "nat" })).toMatchObject({
            host: "127.0.0.1",
            decidedBy: "advertised", // both loopback
          });
          break;
        }
        case 229: {
          const [, port] = /\(\|\|\|(\d+)\|\)/.exec(first)!;
          expect(parseEpsv(reply)).toEqual({ port: Number(port) });
          break;
        }
        case 257: {
          const path = parsePathname(reply);
          if (server === "pure-ftpd" && first.includes('quote"dir')) {
            // Pure-FTPd does not double the quote (RFC 959 Appendix II): the first quote ends the path.
            expect(["quote", "/quote"]).toContain(path);
          } else if (server === "ftp-srv" && !path.startsWith("/tmp/")) {
            // ftp-srv strips `"` from command lines, and names MKD results by their path on its own disk.
            expect(["/", "/quotedir", "/ünïcödé-目录"]).toContain(path);
          } else if (server === "ftp-srv") {
            expect(path).toMatch(/^\/tmp\/ftp-reply-ftp-srv-[^/]+\/user\/(quotedir|ünïcödé-目录)$/);
          } else if (server === "pure-ftpd" && !path.startsWith("/")) {
            expect(path).toBe("ünïcödé-目录"); // MKD answered with the name as sent
          } else {
            expect(SESSION_PATHS).toContain(path);
          }
          break;
        }
        case 211:
          if (reply.multiline && /Features|Extensions/.test(first)) {
            const names = parseFeatures(reply).map((feature) => feature.name);
            expect(names).toContain("SIZE");
            expect(names).toContain("MDTM");
            for (const name of names) expect(name).toMatch(/^[A-Z0-9]+$/);
          }
          break;
        case 215:
          expect(parseSystemType(reply)).toEqual({ name: "UNIX", details: "Type: L8" });
          break;
        case 213:
          if (reply.multiline) {
            // A STAT reply, not SIZE or MDTM: decoding it as one fails with the typed error.
            expect(() => parseSize(reply)).toThrow(ReplySyntaxError);
          } else if (/^213 \d{14}/.test(first)) {
            const date = parseModifyTime(reply);
            const digits = first.slice(4, 18);
            expect(date.toISOString().replace(/\D/g, "").slice(0, 14)).toBe(digits);
          } else {
            expect(parseSize(reply)).toBe(70_001);
          }
          break;
        case 150: {
          const size = parseTransferSize(reply);
          const announced = /\((\d+) bytes\)/.exec(reply.text);
          if (announced === null) expect(size).toBeUndefined();
          else {
            expect(size).toBe(Number(announced[1]));
            expect(TRANSFER_SIZES).toContain(size);
          }
          break;
        }
        default:
          continue;
      }
      seen.add(reply.code);
    }
    // Every recording holds each kind of reply the session asks for.
    for (const code of [227, 229, 257, 211, 215, 213, 150]) expect(seen).toContain(code);
  });
});
