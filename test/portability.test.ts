import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, test } from "vitest";

const dist = new URL("../dist/index.js", import.meta.url).pathname;

describe("the core runs without Node: built ESM in a context with only web globals", () => {
  test.runIf(existsSync(dist) || process.env.CI === "true")(
    "parses with no Buffer, process or require",
    () => {
      const output = execFileSync(
        process.execPath,
        [
          "--experimental-vm-modules",
          "--no-warnings",
          new URL("helpers/web-context.mjs", import.meta.url).pathname,
          dist,
        ],
        { encoding: "utf8" },
      );
      const result = JSON.parse(output);
      expect(result.globals).toEqual({ Buffer: "undefined", process: "undefined", require: "undefined" });
      expect(result.replies).toEqual([
        { code: 220, text: "Welcome\nready", class: 2 },
        { code: 227, text: "Entering Passive Mode (10,0,0,1,4,210).", class: 2 },
      ]);
      expect(result.streamed).toEqual(["213 12345"]);
      expect(result.piped).toEqual([200]);
      expect(result.extra).toMatchObject({ host: "10.0.0.1", port: 1234 });
    },
  );
});
