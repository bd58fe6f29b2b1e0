import { defineConfig } from "tsup";

/** The public entries (package.json `exports`). */
const ENTRIES = {
  index: "src/index.ts",
  "node/index": "src/node/index.ts",
  lite: "src/lite.ts",
};

const common = {
  target: "node20",
  platform: "neutral",
  sourcemap: false,
} as const;

// dist/ is emptied by scripts/clean-dist.mjs first: tsup runs these configurations side by side, and its own
// `clean` would let one delete what another has just written.
export default defineConfig([
  {
    // ESM: one output file per source file (unbundled), so that `"sideEffects": false` lets every bundler
    // (esbuild, Rollup, Vite, webpack) drop whole modules an import does not reach. A bundled file would keep
    // any top-level statement esbuild cannot prove pure (a class with a computed key, `extends` of a global),
    // and with it everything that statement references: esbuild bundled `parsePasv` alone to 55 KB that way.
    ...common,
    entry: ["src/**/*.ts", "!src/**/*.d.ts", "!src/cli/**"],
    format: ["esm"],
    bundle: false,
    dts: { entry: ENTRIES, compilerOptions: { ignoreDeprecations: "6.0" } },
  },
  {
    // CJS: bundled per entry, shared code in chunks (nothing to tree-shake there, and bundling rewrites no
    // `./x.js` import to `./x.cjs`).
    ...common,
    entry: ENTRIES,
    format: ["cjs"],
    splitting: true,
    treeshake: true,
    dts: { entry: ENTRIES, compilerOptions: { ignoreDeprecations: "6.0" } },
  },
  {
    // The CLI: one bundled file (it imports package.json, which only a bundle can inline), and beside it the
    // worker thread that reads capture files for `pcap --jobs` (files.ts finds it next to the module).
    ...common,
    entry: { "cli/main": "src/cli/main.ts", "cli/capture-worker": "src/node/pcap/capture-worker.ts" },
    format: ["esm"],
    treeshake: true,
  },
]);
