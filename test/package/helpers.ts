/**
 * The package as a new user gets it: `npm pack` once (cached by the content of dist/ and package.json), then a
 * fresh project per test file that installs the tarball (`npm install --offline`: the package has no
 * dependencies, so nothing else is fetched).
 */
import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const FIXTURES = join(REPO, "test", "package", "fixtures");

const run = promisify(execFile);

/** Runs a command; resolves with stdout, rejects with its stderr and stdout in the message. */
export async function exec(
  file: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeout?: number },
): Promise<string> {
  try {
    const { stdout } = await run(file, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      timeout: options.timeout ?? 120_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const failure = error as Error & { stdout?: string; stderr?: string };
    throw new Error(
      `${file} ${args.join(" ")} failed in ${options.cwd}:\n${failure.stderr ?? ""}\n${failure.stdout ?? ""}\n${failure.message}`,
    );
  }
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(path));
    else out.push(path);
  }
  return out.sort();
}

/** The build this tarball is made of: package.json, README, CHANGELOG and every file of dist/ with size and mtime. */
function buildKey(): string {
  const hash = createHash("sha256");
  for (const file of ["package.json", "README.md", "CHANGELOG.md"]) {
    if (existsSync(join(REPO, file))) hash.update(readFileSync(join(REPO, file)));
  }
  for (const file of listFiles(join(REPO, "dist"))) {
    const info = statSync(file);
    hash.update(`${relative(REPO, file)}:${info.size}:${info.mtimeMs}\n`);
  }
  return hash.digest("hex").slice(0, 16);
}

/**
 * The path of `ftp-reply.tgz`, packed from this repository's dist/ (built first when missing). Packed once per
 * build: test files running side by side share it (each packs into a folder of its own, the first rename wins).
 */
export function packedTarball(): string {
  if (!existsSync(join(REPO, "dist", "index.js")) || !existsSync(join(REPO, "dist", "index.cjs"))) {
    execFileSync("npm", ["run", "build"], { cwd: REPO, stdio: "ignore" });
  }
  const cache = join(tmpdir(), `ftp-reply-pack-${buildKey()}`);
  const tarball = join(cache, "ftp-reply.tgz");
  if (existsSync(tarball)) return tarball;
  const work = mkdtempSync(join(tmpdir(), "ftp-reply-packing-"));
  // --ignore-scripts: dist/ is built; `prepack` would build it again.
  const [packed] = JSON.parse(
    execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], {
      cwd: REPO,
      encoding: "utf8",
    }),
  ) as [{ filename: string }];
  renameSync(join(work, packed.filename), join(work, "ftp-reply.tgz"));
  try {
    renameSync(work, cache);
  } catch {
    rmSync(work, { recursive: true, force: true }); // another worker packed it first
  }
  return tarball;
}

/** The tarball unpacked (its `package/` folder), for tools that read a package folder. */
export function unpackedPackage(): string {
  const tarball = packedTarball();
  const dir = mkdtempSync(join(tmpdir(), "ftp-reply-unpacked-"));
  execFileSync("tar", ["-xzf", tarball, "-C", dir]);
  return join(dir, "package");
}

export interface Project {
  readonly dir: string;
  write(file: string, text: string): void;
  remove(): void;
}

/**
 * A fresh project with the tarball installed. `type` is its package.json `type`; `files` are written into it,
 * `copy` lists fixture files (from test/package/fixtures) copied in.
 */
export async function createProject(options: {
  name: string;
  type: "module" | "commonjs";
  files?: Record<string, string>;
  copy?: readonly string[];
}): Promise<Project> {
  const tarball = packedTarball();
  const dir = mkdtempSync(join(tmpdir(), `ftp-reply-${options.name}-`));
  writeFileSync(
    join(dir, "package.json"),
    `${JSON.stringify({ name: options.name, private: true, type: options.type, dependencies: { "ftp-reply": `file:${tarball}` } }, null, 2)}\n`,
  );
  await exec(
    "npm",
    ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
    {
      cwd: dir,
    },
  );
  const project: Project = {
    dir,
    write(file, text) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), text);
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
  for (const [file, text] of Object.entries(options.files ?? {})) project.write(file, text);
  for (const file of options.copy ?? []) cpSync(join(FIXTURES, file), join(dir, file));
  return project;
}

/** Runs the TypeScript compiler of this repository on a project's tsconfig. */
export function tsc(project: Project, tsconfig: string): Promise<string> {
  return exec(process.execPath, [join(REPO, "node_modules", "typescript", "bin", "tsc"), "-p", tsconfig], {
    cwd: project.dir,
  });
}
