import { readFileSync } from "node:fs";
import { expect, test } from "vitest";

test("docs/client.md shows examples/client.mjs as it is", () => {
  const doc = readFileSync("docs/client.md", "utf8");
  const shown = /<!-- example:begin[^>]*-->\n```js\n([\s\S]*?)```\n<!-- example:end -->/.exec(doc)?.[1];
  expect(shown).toBe(readFileSync("examples/client.mjs", "utf8"));
});
