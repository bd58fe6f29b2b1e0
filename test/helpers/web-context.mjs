// Runs the built ESM core (dist/index.js and the chunks it imports) inside a node:vm context that has only the
// web platform's globals: no Buffer, no process, no require. Prints what it parsed as JSON on stdout.
// Needs `node --experimental-vm-modules`.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import vm from "node:vm";

const entry = resolve(process.argv[2] ?? "dist/index.js");
const context = vm.createContext({
  TextEncoder,
  TextDecoder,
  TransformStream,
  ReadableStream,
  WritableStream,
  queueMicrotask,
  console,
});
const modules = new Map();
function load(file) {
  let module = modules.get(file);
  if (module === undefined) {
    module = new vm.SourceTextModule(readFileSync(file, "utf8"), { identifier: file, context });
    modules.set(file, module);
  }
  return module;
}
const root = load(entry);
await root.link((specifier, referencing) => {
  if (!specifier.startsWith(".")) throw new Error(`the core imports ${specifier}`);
  return load(resolve(dirname(referencing.identifier), specifier));
});
await root.evaluate();

const program = new vm.Script(`
  (async () => {
    const globals = { Buffer: typeof Buffer, process: typeof process, require: typeof require };
    const { parseReplies, readReplies, ReplyParserStream } = lib;
    const bytes = new TextEncoder().encode("220-Welcome\\r\\n220 ready\\r\\n227 Entering Passive Mode (10,0,0,1,4,210).\\r\\n");
    const replies = parseReplies(bytes).map((r) => ({ code: r.code, text: r.text, class: r.info.class }));
    async function* source() { yield "213 12"; yield "345\\r\\n"; }
    const streamed = [];
    for await (const r of readReplies(source())) streamed.push(r.code + " " + r.text);
    const piped = [];
    await new ReadableStream({ start(c) { c.enqueue("200 ok\\r\\n"); c.close(); } })
      .pipeThrough(new ReplyParserStream())
      .pipeTo(new WritableStream({ write(r) { piped.push(r.code); } }));
    const extra = lib.parsePasv(parseReplies(bytes)[1]);
    return JSON.stringify({ globals, replies, streamed, piped, extra });
  })()
`);
context.lib = root.namespace;
console.log(await program.runInContext(context));
