/**
 * The reply parser module loads and parses. Imported inside the test, not at the top of the file: a module
 * that throws while it loads (say, a TextDecoder built with a label no runtime knows) then fails this test, where
 * a static import would fail the file before any test ran — which vitest reports as no test at all, and a
 * mutation run as a surviving mutant.
 */
import { expect, test } from "vitest";

test("src/reply/parser.ts loads, and its UTF-8 decoder reads a window of replies", async () => {
  const { parseReplies } = await import("../../src/reply/parser.js");
  const input = "200 caf\u00e9 ok\r\n".repeat(40);
  const replies = parseReplies(input);
  expect(replies).toHaveLength(40);
  expect(replies.every((r) => r.code === 200 && r.text === "caf\u00e9 ok")).toBe(true);
});
