/**
 * The packed package in fresh projects, as a new user installs it: a strict TypeScript ESM project (compiled
 * under `nodenext` and `bundler` resolution, with the README's and docs/' examples), and a CommonJS project
 * (compiled under `node10` and `nodenext`, and run, with the dual-package check).
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProject, exec, type Project, REPO, tsc } from "./helpers.js";
import { readSnippets } from "./snippets.js";

const STRICT = {
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  noImplicitOverride: true,
  noEmit: true,
  skipLibCheck: true,
  target: "ES2022",
  // @types/node from this repository: the projects install nothing but the tarball.
  typeRoots: [join(REPO, "node_modules", "@types")],
  types: ["node"],
};

function tsconfig(compilerOptions: Record<string, unknown>, files: readonly string[]): string {
  return `${JSON.stringify({ compilerOptions, files }, null, 2)}\n`;
}

/** tsc on a project of examples takes tens of seconds on a loaded 2-core machine: a guard against a hang, not a timing. */
const COMPILE_TIMEOUT = 300_000;

describe.concurrent("a strict TypeScript ESM project", () => {
  let project: Project;
  const snippets = readSnippets();
  const ts = snippets.filter((s) => s.language === "ts").map((s) => `snippets/${s.file}`);
  const js = snippets.filter((s) => s.language === "js").map((s) => `snippets/${s.file}`);

  beforeAll(async () => {
    const files: Record<string, string> = {};
    for (const snippet of snippets) {
      // Where it came from, on the first line (or the second, after a `#!` line).
      const code = snippet.code;
      const first = code.startsWith("#!") ? code.indexOf("\n") + 1 : 0;
      files[`snippets/${snippet.file}`] = `${code.slice(0, first)}// ${snippet.origin}\n${code.slice(first)}`;
    }
    project = await createProject({ name: "strict-esm", type: "module", files, copy: ["consumer.ts"] });
    project.write(
      "tsconfig.nodenext.json",
      // skipLibCheck off here only (checking @types/node too makes it the slowest compile): the package's own
      // .d.ts files must compile in a strict project that checks its libraries.
      tsconfig(
        { ...STRICT, skipLibCheck: false, module: "nodenext", moduleResolution: "nodenext", lib: ["ES2022"] },
        ["consumer.ts", ...ts],
      ),
    );
    project.write(
      "tsconfig.bundler.json",
      tsconfig(
        {
          ...STRICT,
          module: "preserve",
          moduleResolution: "bundler",
          lib: ["ES2022", "DOM", "DOM.Iterable"],
        },
        ["consumer.ts", ...ts],
      ),
    );
    project.write(
      "tsconfig.js.json",
      tsconfig(
        {
          ...STRICT,
          // The README's JavaScript examples index arrays the way JavaScript users do.
          noUncheckedIndexedAccess: false,
          module: "nodenext",
          moduleResolution: "nodenext",
          lib: ["ES2022"],
          allowJs: true,
          checkJs: true,
        },
        js,
      ),
    );
  });

  afterAll(() => project?.remove());

  it("finds the README's and docs/' examples", () => {
    expect(snippets.length).toBeGreaterThanOrEqual(5);
  });

  it("compiles the consumer file and the TypeScript examples under nodenext", {
    timeout: COMPILE_TIMEOUT,
  }, async () => {
    await tsc(project, "tsconfig.nodenext.json");
  });

  it("compiles them under bundler resolution", { timeout: COMPILE_TIMEOUT }, async () => {
    await tsc(project, "tsconfig.bundler.json");
  });

  it("checks the JavaScript examples", { timeout: COMPILE_TIMEOUT }, async () => {
    await tsc(project, "tsconfig.js.json");
  });
});

describe.concurrent("a CommonJS project", () => {
  let project: Project;

  beforeAll(async () => {
    project = await createProject({
      name: "commonjs",
      type: "commonjs",
      copy: ["consumer.cts", "consumer.cjs"],
    });
    project.write(
      "tsconfig.node10.json",
      tsconfig(
        {
          ...STRICT,
          module: "commonjs",
          moduleResolution: "node10",
          ignoreDeprecations: "6.0",
          lib: ["ES2022"],
        },
        ["consumer.cts"],
      ),
    );
    project.write(
      "tsconfig.nodenext.json",
      tsconfig({ ...STRICT, module: "nodenext", moduleResolution: "nodenext", lib: ["ES2022"] }, [
        "consumer.cts",
      ]),
    );
  });

  afterAll(() => project?.remove());

  it("compiles under node10 resolution (ftp-reply/node through typesVersions)", {
    timeout: COMPILE_TIMEOUT,
  }, async () => {
    await tsc(project, "tsconfig.node10.json");
  });

  it("compiles under nodenext from CommonJS", { timeout: COMPILE_TIMEOUT }, async () => {
    await tsc(project, "tsconfig.nodenext.json");
  });

  it("requires both entries, and the ESM guards recognise the CJS copy's errors", async () => {
    const output = await exec(process.execPath, ["consumer.cjs"], { cwd: project.dir });
    expect(output.trim()).toBe("ok");
  });
});
