/**
 * The packed package in real runtimes: Node, Bun and Deno (their binaries come from the npm platform packages
 * pinned in package-lock.json) run test/package/fixtures/smoke.mjs in a fresh project that installed the
 * tarball; headless Chromium (Debian's, installed by .ci/install-chromium.sh) runs the same smoke test bundled
 * for the browser by esbuild.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProject, exec, type Project, REPO } from "./helpers.js";

const CHECKS = [
  "multi-line reply fed byte by byte",
  "latin1 reply",
  "gb18030 reply",
  "readReplies over an async iterable",
  "ReplyParserStream in pipeThrough",
  "decoders",
  "error guards",
];

const BUN = join(REPO, "node_modules", "@oven", "bun-linux-x64", "bin", "bun");
const DENO = join(REPO, "node_modules", "@deno", "linux-x64-glibc", "deno");
const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
];

/** A runtime that is missing fails the run in CI, and is skipped (with the reason) elsewhere. */
function missing(what: string, path: string): string | undefined {
  if (existsSync(path)) return undefined;
  const reason = `${what} not found at ${path}`;
  if (process.env.CI === "true")
    throw new Error(`${reason} (CI installs it: npm ci, .ci/install-chromium.sh)`);
  return reason;
}

function expectAllPassed(output: string): void {
  const results = JSON.parse(output.trim().split("\n").at(-1)!) as Record<string, true | string>;
  expect(Object.keys(results)).toEqual(CHECKS);
  const failed = Object.entries(results).filter(([, result]) => result !== true);
  expect(failed).toEqual([]);
}

let project: Project;

beforeAll(async () => {
  project = await createProject({
    name: "runtimes",
    type: "module",
    copy: ["smoke.mjs", "run-smoke.mjs", "browser-smoke.mjs"],
  });
});

afterAll(() => project?.remove());

describe.concurrent("the packed package runs the smoke test", () => {
  it("in Node", async () => {
    expectAllPassed(await exec(process.execPath, ["run-smoke.mjs"], { cwd: project.dir }));
  });

  it("in Bun", async (context) => {
    const reason = missing("bun", BUN);
    if (reason !== undefined) return context.skip(reason);
    expectAllPassed(
      await exec(BUN, ["run-smoke.mjs"], {
        cwd: project.dir,
        env: { BUN_INSTALL_CACHE_DIR: join(project.dir, ".bun") },
      }),
    );
  });

  it("in Deno", async (context) => {
    const reason = missing("deno", DENO);
    if (reason !== undefined) return context.skip(reason);
    // Deno reads node_modules through the project's package.json; nothing is fetched.
    const output = await exec(
      DENO,
      ["run", "--quiet", "--no-config", "--node-modules-dir=manual", "--allow-read", "run-smoke.mjs"],
      {
        cwd: project.dir,
        env: { DENO_NO_UPDATE_CHECK: "1", DENO_DIR: join(project.dir, ".deno"), NO_COLOR: "1" },
      },
    );
    expectAllPassed(output);
  });

  it("in headless Chromium, bundled by esbuild for the browser", async (context) => {
    const reason = missing("chromium", CHROMIUM);
    if (reason !== undefined) return context.skip(reason);
    const { build } = await import("esbuild");
    const bundle = await build({
      entryPoints: [join(project.dir, "browser-smoke.mjs")],
      absWorkingDir: project.dir,
      bundle: true,
      minify: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      write: false,
      logLevel: "silent",
    });
    const code = bundle.outputFiles[0]!.text;
    // A browser bundle of the core must not reach for Node: no `node:` import survives bundling.
    expect(code).not.toMatch(/["']node:/);
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage();
      const pageErrors: string[] = [];
      page.on("pageerror", (error) => pageErrors.push(String(error)));
      await page.setContent("<!doctype html><title>ftp-reply smoke</title>");
      await page.addScriptTag({ content: code, type: "module" });
      await page.waitForFunction(() => "smokeResults" in globalThis);
      const results = await page.evaluate(() => (globalThis as { smokeResults?: unknown }).smokeResults);
      expect(pageErrors).toEqual([]);
      expectAllPassed(JSON.stringify(results));
    } finally {
      await browser.close();
    }
  });
});
