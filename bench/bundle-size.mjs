// Bundle size of the core, as an app would ship it: esbuild (from node_modules) bundles src/index.ts for a
// neutral platform (so a `node:` import in the core fails the build), minified, then gzip -9 via node:zlib.
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

async function measure(root, contents) {
  const result = await build({
    stdin: { contents, resolveDir: root, loader: "ts", sourcefile: "entry.ts" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    write: false,
    logLevel: "silent",
  });
  const code = result.outputFiles[0].contents;
  return { minified: code.length, gzipped: gzipSync(code, { level: 9 }).length };
}

/** Sizes of the whole core entry and of the parser alone (what tree-shaking leaves for `createReplyParser`). */
export async function measureBundleSizes(root) {
  const entry = `./${join("src", "index.ts")}`;
  const rows = [];
  rows.push({
    what: "core (`export * from src/index.ts`)",
    ...(await measure(root, `export * from "${entry}";`)),
  });
  rows.push({
    what: "parser only (`createReplyParser`)",
    ...(await measure(root, `export { createReplyParser } from "${entry}";`)),
  });
  return rows;
}
