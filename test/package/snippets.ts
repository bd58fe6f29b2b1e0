/**
 * The code examples of README.md and docs/*.md, as files a project can compile.
 *
 * Every fenced block whose language is `ts`, `typescript` or `js` and that imports from "ftp-reply" is an example
 * and must compile (a `ts` block as TypeScript, a `js` block as checked JavaScript). A block whose info string has
 * a second word `signature` (an API listing, not code) is skipped. Identifiers the examples take as given (an
 * open `socket`, a fetch `response`) are declared for them.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "./helpers.js";

export interface Snippet {
  /** Where it comes from: `README.md:65`. */
  readonly origin: string;
  /** A file name for it: `readme-65.ts`. */
  readonly file: string;
  readonly language: "ts" | "js";
  readonly code: string;
}

const FENCE = /^```([\w-]*)([^\n]*)\n([\s\S]*?)^```/gm;

const GIVEN_TS: Record<string, string> = {
  socket: 'declare const socket: import("node:net").Socket;',
  response: "declare const response: { readonly body: ReadableStream<Uint8Array> };",
  net: "",
};

const GIVEN_JS: Record<string, string> = {
  socket: '/** @type {import("node:net").Socket} */\nconst socket = /** @type {any} */ (undefined);',
  replies: '/** @type {import("ftp-reply").Reply[]} */\nconst replies = [];',
  reply: '/** @type {import("ftp-reply").Reply} */\nconst reply = /** @type {any} */ (undefined);',
  net: 'import net from "node:net";',
};

function declares(code: string, name: string): boolean {
  return new RegExp(`(?:const|let|var|function|import)\\s*(?:[{[][^}\\]]*)?\\b${name}\\b`).test(code);
}

function uses(code: string, name: string): boolean {
  return new RegExp(`\\b${name}\\b`).test(code);
}

/** The preamble a snippet needs: declarations of what it uses without declaring. */
function preamble(code: string, language: "ts" | "js"): string {
  const given = language === "ts" ? GIVEN_TS : GIVEN_JS;
  return Object.entries(given)
    .filter(([name, declaration]) => declaration !== "" && uses(code, name) && !declares(code, name))
    .map(([, declaration]) => declaration)
    .join("\n");
}

export function readSnippets(): Snippet[] {
  const sources = [
    "README.md",
    ...readdirSync(join(REPO, "docs"))
      .filter((f) => f.endsWith(".md"))
      .map((f) => `docs/${f}`),
  ];
  const snippets: Snippet[] = [];
  for (const source of sources) {
    const text = readFileSync(join(REPO, source), "utf8");
    for (const match of text.matchAll(FENCE)) {
      const [, info = "", rest = "", body = ""] = match;
      const language = info === "ts" || info === "typescript" ? "ts" : info === "js" ? "js" : undefined;
      if (language === undefined || /\bsignature\b/.test(rest)) continue;
      if (!/from "ftp-reply(\/[\w-]+)?"/.test(body)) continue;
      const line = text.slice(0, match.index).split("\n").length;
      const base = source
        .replace(/^docs\//, "docs-")
        .replace(/\.md$/, "")
        .toLowerCase();
      // A whole script shown as it is (docs/client.md shows examples/client.mjs) may start with a `#!` line, which
      // must stay first: it goes before the preamble.
      const shebang = body.startsWith("#!") ? body.slice(0, body.indexOf("\n") + 1) : "";
      const script = body.slice(shebang.length);
      const prelude = preamble(script, language);
      // `export {}` keeps every snippet a module (top-level await, no clash between their declarations).
      const code = `${shebang}${prelude}\n${script}\nexport {};\n`;
      snippets.push({ origin: `${source}:${line}`, file: `${base}-${line}.${language}`, language, code });
    }
  }
  return snippets;
}
