/**
 * Bundle-size budgets, on the packed tarball: every row of scripts/bundle-size.mjs (esbuild, Rollup, Vite) must
 * stay within its budget, and the table committed in README.md and docs/package.md must be this build's.
 * A row whose entry is not exported yet is skipped with its reason.
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  committedTable,
  formatTable,
  type Measurement,
  measure,
  ROWS,
  TABLE_FILES,
} from "../../scripts/bundle-size.mjs";
import { unpackedPackage } from "./helpers.js";

let measured: Measurement;

beforeAll(async () => {
  measured = await measure(unpackedPackage());
});

describe("bundle-size budgets", () => {
  for (const { id } of ROWS) {
    it(id, (context) => {
      const row = measured.rows.find((r) => r.id === id)!;
      if (row.status === "pending") {
        console.warn(`bundle-size: ${row.import} is pending: ${row.reason}`);
        return context.skip(`pending: ${row.reason}`);
      }
      expect(row.over).toEqual([]);
    });
  }

  it("the decoders alone stay at most 5 KiB minified with every bundler", () => {
    const row = measured.rows.find((r) => r.id === "decoders")!;
    for (const result of Object.values(row.results!)) expect(result.minified).toBeLessThanOrEqual(5 * 1024);
  });

  for (const file of TABLE_FILES) {
    it(`the table in ${file} is this build's (npm run size -- --write)`, () => {
      expect(committedTable(file)).toBe(formatTable(measured));
    });
  }
});
