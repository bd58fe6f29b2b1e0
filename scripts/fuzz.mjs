#!/usr/bin/env node
/**
 * The long fuzz campaign (issue 7): fast-check properties of the reply parser, the command splitter, the
 * decoders and the pcap reader, run in seeded batches until every property has reached its run count.
 *
 *   npm run fuzz                          resume the campaign in .fuzz-state/ (or start one, random seed)
 *   npm run fuzz -- --fresh [--seed N]    start a new campaign (the seed is printed; the same seed replays it)
 *   npm run fuzz -- --scale 0.01          a new campaign at 1% of the run counts (a quick look)
 *   npm run fuzz -- --only parser.roundtrip,commands.invariants
 *   npm run fuzz -- --replay NAME SEED [PATH]   re-run one failing batch (PATH: fast-check's counterexample path)
 *
 * The campaign state (base seed, runs done per property, failures) is written to .fuzz-state/campaign.json after
 * every batch, so a stopped campaign resumes where it was. Each batch of a property has its own seed, derived from
 * the base seed, the property's name and the batch number, and printed with the batch.
 *
 * The code under test is bundled from src/ with tsup into .fuzz-state/build first, so the campaign always fuzzes
 * the tree as it is; the CLI too (.fuzz-state/build/cli/main.js), which `cli.process` runs as a process
 * (scripts/cli-fuzz.mjs). Run with `node --expose-gc` (the npm script does) to let the memory properties measure what
 * the parser retains.
 *
 * When the campaign completes, fuzz/RESULTS.md is rewritten with its date, seed, runs and failures.
 */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import { build } from "tsup";
import { cliRunArbitrary, cliRunProblems, runCli } from "./cli-fuzz.mjs";

const STATE_DIR = ".fuzz-state";
const STATE_FILE = join(STATE_DIR, "campaign.json");
const BUILD_DIR = join(STATE_DIR, "build");
const RESULTS_FILE = "fuzz/RESULTS.md";

// ─── arguments ──────────────────────────────────────────────────────────────────────────────────────────────────

const argv = process.argv.slice(2);
const has = (name) => argv.includes(name);
const argumentValue = (name) => {
  const at = argv.indexOf(name);
  return at === -1 ? undefined : argv[at + 1];
};

// ─── the code under test ────────────────────────────────────────────────────────────────────────────────────────

function sourceFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (path !== join("src", "cli")) out.push(...sourceFiles(path));
    } else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

/** Bundles every module of src/ (the CLI aside) so that each can be imported by its own path. */
async function buildModules() {
  await build({
    entry: sourceFiles("src"),
    outDir: BUILD_DIR,
    format: ["esm"],
    dts: false,
    config: false,
    silent: true,
    platform: "node",
    target: "node20",
    splitting: true,
    treeshake: false,
    clean: true,
    sourcemap: false,
  });
  // The CLI as users run it: one bundle, spawned by `cli.process`.
  await build({
    entry: { main: join("src", "cli", "main.ts") },
    outDir: join(BUILD_DIR, "cli"),
    format: ["esm"],
    dts: false,
    config: false,
    silent: true,
    platform: "node",
    target: "node20",
    clean: false,
    sourcemap: false,
  });
}

async function load(path) {
  const file = join(BUILD_DIR, path);
  if (!existsSync(file)) return undefined;
  return import(pathToFileURL(file).href);
}

// ─── bytes ──────────────────────────────────────────────────────────────────────────────────────────────────────

const encoder = new TextEncoder();
const LF = 0x0a;
const CR = 0x0d;
const IAC = 0xff;
const SB = 0xfa;
const SE = 0xf0;
const NOP = 0xf1;
const WILL = 0xfb;
const DONT = 0xfe;

function bytesOf(...parts) {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const ascii = (s) => encoder.encode(s);
const hex = (bytes) => Buffer.from(bytes).toString("hex");

/** Sorted, distinct cut points inside [1, length - 1] from arbitrary naturals. */
function normalizeCuts(raw, length) {
  if (length < 2) return [];
  const set = new Set();
  for (const r of raw) set.add(1 + (r % (length - 1)));
  return [...set].sort((a, b) => a - b);
}

function chunksOf(bytes, cuts) {
  const out = [];
  let at = 0;
  for (const cut of cuts) {
    out.push(bytes.subarray(at, cut));
    at = cut;
  }
  out.push(bytes.subarray(at));
  return out;
}

/** Cuts: none, every byte, or a random set. */
const cutsArb = fc.oneof(
  { weight: 1, arbitrary: fc.constant("none") },
  { weight: 1, arbitrary: fc.constant("every") },
  { weight: 6, arbitrary: fc.array(fc.nat(), { maxLength: 24, size: "large" }) },
);

function cutsFor(spec, length) {
  if (spec === "none") return [];
  if (spec === "every") return Array.from({ length: Math.max(0, length - 1) }, (_, i) => i + 1);
  return normalizeCuts(spec, length);
}

// ─── hostile generators ─────────────────────────────────────────────────────────────────────────────────────────

const printable = fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c));
const lineText = fc.string({ unit: printable, maxLength: 40 });
const nonDigitStart = fc
  .tuple(
    printable.filter((c) => c < "0" || c > "9"),
    lineText,
  )
  .map(([a, b]) => a + b);
const replyCode = fc.integer({ min: 100, max: 699 });

/**
 * A byte of a Telnet command's option or data: never a line terminator (LF, or CR in bare-CR mode), since Telnet
 * is line-scoped — a line end ends any command (found by parser.roundtrip, seed 2018439783 of campaign 20261203:
 * the generator still put an LF inside `IAC SB … IAC SE`).
 */
const telnetByte = fc.integer({ min: 0, max: 255 }).map((b) => (b === LF || b === CR ? b + 1 : b));

/** One Telnet command (RFC 854) as bytes. */
const telnetCommand = fc.oneof(
  fc.constant(Uint8Array.of(IAC, NOP)),
  fc.integer({ min: 0xf0, max: 0xf9 }).map((c) => Uint8Array.of(IAC, c)),
  fc.tuple(fc.integer({ min: WILL, max: DONT }), telnetByte).map(([c, o]) => Uint8Array.of(IAC, c, o)),
  fc
    .tuple(
      telnetByte.filter((o) => o !== IAC),
      fc.array(telnetByte, { maxLength: 12 }),
    )
    .map(([o, d]) => bytesOf(Uint8Array.of(IAC, SB, o), escapeIac(d), Uint8Array.of(IAC, SE))),
);

function escapeIac(data) {
  const out = [];
  for (const b of data) {
    out.push(b);
    if (b === IAC) out.push(IAC);
  }
  return Uint8Array.from(out);
}

/** Fragments that steer the parsers into their corners, glued together at random. */
const TOKENS = [
  "220 ",
  "220-",
  "220",
  "226 ",
  "550-",
  "550 ",
  "150-",
  "211-",
  "211 End",
  "1234 ",
  "099 ",
  "\r\n",
  "\n",
  "\r",
  "\r\r\n",
  " ",
  "-",
  "227 Entering Passive Mode (127,0,0,1,4,1)",
  "229 Entering Extended Passive Mode (|||6446|)",
  '257 "/a ""b""" created',
  "USER anonymous",
  "PASS x",
  "ABOR",
].map(ascii);

const token = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...TOKENS) },
  { weight: 2, arbitrary: telnetCommand },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 6 }) },
  { weight: 2, arbitrary: lineText.map(ascii) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(Uint8Array.of(IAC), Uint8Array.of(IAC, IAC), Uint8Array.of(0xe4, 0xb8)),
  },
);
const hostileBytes = fc.array(token, { maxLength: 60, size: "large" }).map((parts) => bytesOf(...parts));

/** IAC storms: mostly Telnet bytes, some framing. */
const iacStorm = fc
  .array(
    fc.constantFrom(
      IAC,
      IAC,
      IAC,
      0xfb,
      0xfc,
      0xfd,
      0xfe,
      SB,
      SE,
      NOP,
      0xf2,
      CR,
      LF,
      0x32,
      0x30,
      0x20,
      0x2d,
      0x00,
    ),
    {
      maxLength: 500,
      size: "max",
    },
  )
  .map((b) => Uint8Array.from(b));

/** CR/LF storms: terminators and the bytes of a code. */
const crlfStorm = fc
  .array(fc.constantFrom(CR, LF, CR, LF, 0x32, 0x32, 0x30, 0x20, 0x2d, 0x35, 0x41), {
    maxLength: 500,
    size: "max",
  })
  .map((b) => Uint8Array.from(b));

const parserOptions = fc.record(
  {
    maxLineLength: fc.oneof(fc.integer({ min: 1, max: 80 }), fc.integer({ min: 81, max: 100_000 })),
    maxReplySize: fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 301, max: 100_000 })),
    bareCrIsLineEnd: fc.boolean(),
    telnet: fc.boolean(),
    closeOnAnyCode: fc.boolean(),
    retainLines: fc.boolean(),
    encoding: fc.constantFrom("utf-8", "auto", "latin1", "shift_jis", "gb18030"),
  },
  { requiredKeys: [] },
);

// ─── reply parser ───────────────────────────────────────────────────────────────────────────────────────────────

/** Feeds `chunks` and records everything the parser reports, in order, as plain data. */
function observeReplies(core, chunks, options, withLines) {
  const events = [];
  const shapeError = (kind) => (e) => {
    if (!(e instanceof core.ReplyParseError)) throw new Error(`${kind} is not a ReplyParseError: ${e}`);
    events.push({ kind, type: e.type, offset: e.offset, code: e.code, excerpt: e.excerpt });
  };
  const callbacks = {
    onReply: (r) =>
      events.push({
        kind: "reply",
        code: r.code,
        lines: [...r.lines],
        text: r.text,
        multiline: r.multiline,
        raw: hex(r.raw),
        offset: r.offset,
        byteLength: r.byteLength,
      }),
    onError: shapeError("error"),
    onWarning: shapeError("warning"),
    // Telnet commands are kept apart: where a line passes its limit inside a Telnet command, whether the error
    // or the command is reported first depends on where the chunk ends (both are reported, at the same offsets).
    onTelnet: (t) =>
      telnet.push({
        kind: "telnet",
        command: t.command,
        option: t.option,
        data: t.data && hex(t.data),
        offset: t.offset,
      }),
  };
  const telnet = [];
  if (withLines) callbacks.onLine = (l) => events.push({ kind: "line", ...l });
  const parser = core.createReplyParser(callbacks, options);
  for (const chunk of chunks) parser.feed(chunk);
  parser.end();
  events.push(...telnet);
  return events;
}

const ERROR_TYPES = new Set(["line-too-long", "reply-too-long", "unexpected-line", "truncated"]);
const WARNING_TYPES = new Set(["missing-space", "mismatched-close"]);

/** What must hold of any run of the parser on `input`. */
function checkReplyInvariants(events, input, options) {
  let end = 0;
  for (const e of events) {
    if (e.kind === "reply") {
      if (!(e.code >= 100 && e.code <= 699)) throw new Error(`code ${e.code} out of range`);
      if (e.offset < end) throw new Error(`reply at ${e.offset} overlaps the previous one ending at ${end}`);
      if (e.byteLength <= 0 || e.offset + e.byteLength > input.length)
        throw new Error(`bad byteLength ${e.byteLength}`);
      if (!e.multiline && e.lines.length !== 1) throw new Error("single-line reply with several lines");
      if (options.retainLines !== false && e.raw !== hex(input.subarray(e.offset, e.offset + e.byteLength)))
        throw new Error(`raw of the reply at ${e.offset} is not the input's bytes`);
      end = e.offset + e.byteLength;
    } else if (e.kind === "error" || e.kind === "warning") {
      const types = e.kind === "error" ? ERROR_TYPES : WARNING_TYPES;
      if (!types.has(e.type)) throw new Error(`unknown ${e.kind} type ${e.type}`);
      if (!Number.isInteger(e.offset) || e.offset < 0 || e.offset > input.length)
        throw new Error(`${e.kind} offset ${e.offset} outside the input`);
    } else if (e.kind === "telnet") {
      if (input[e.offset] !== IAC) throw new Error(`Telnet command at ${e.offset} does not start with IAC`);
    }
  }
}

function firstDifference(a, b) {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (!isDeepStrictEqual(a[i], b[i]))
      return `event ${i}: ${JSON.stringify(a[i])} vs ${JSON.stringify(b[i])}`;
  }
  return "same";
}

/** Whole input vs. the same input in chunks: every event identical, and the invariants hold. */
function replyChunkingProperty(core, inputArb) {
  return fc.property(inputArb, cutsArb, parserOptions, fc.boolean(), (input, cutSpec, options, withLines) => {
    const whole = observeReplies(core, [input], options, withLines);
    checkReplyInvariants(whole, input, options);
    const chunked = observeReplies(core, chunksOf(input, cutsFor(cutSpec, input.length)), options, withLines);
    if (!isDeepStrictEqual(whole, chunked))
      throw new Error(`chunking changed the result: ${firstDifference(whole, chunked)}`);
    // parseReplies agrees with the streaming parser: the replies before the first error, and that error.
    const replies = whole.filter((e) => e.kind === "reply" || e.kind === "error");
    const firstError = replies.findIndex((e) => e.kind === "error");
    try {
      const parsed = core.parseReplies(input, options);
      if (firstError !== -1) throw new Error("parseReplies did not throw the error the parser reported");
      if (parsed.length !== replies.length) throw new Error("parseReplies lost replies");
    } catch (error) {
      if (!(error instanceof core.ReplyParseError)) throw error;
      const expected = replies[firstError];
      if (expected === undefined || error.type !== expected.type || error.offset !== expected.offset)
        throw new Error(
          `parseReplies threw ${error.type}@${error.offset}, parser reported ${JSON.stringify(expected)}`,
        );
      if (error.replies?.length !== firstError)
        throw new Error("parseReplies error.replies is not the replies before it");
    }
  });
}

/** A generated well-formed reply with its expected fields (RFC 959 §4.2). */
const replySpec = fc
  .record({
    code: replyCode,
    kind: fc.constantFrom("text", "bare", "empty", "multi"),
    first: lineText,
    inner: fc.array(
      fc.oneof(
        nonDigitStart,
        fc.constant(""),
        lineText.map((t) => `#-${t}`), // `#` is replaced by the reply's own code: a repeated prefix
        fc.tuple(replyCode, lineText).map(([c, t]) => `${c}-${t}`),
        fc.tuple(replyCode, lineText).map(([c, t]) => `${c} ${t}`), // another code's `ddd `: not a close
        fc.tuple(fc.integer({ min: 0, max: 99 }), lineText).map(([c, t]) => `${c} ${t}`),
      ),
      { maxLength: 5 },
    ),
    last: fc.oneof(
      lineText.map((t) => ` ${t}`),
      fc.constant(""),
    ),
  })
  .map(({ code, kind, first, inner, last }) => {
    const c = String(code);
    if (kind === "text") return { code, lines: [`${c} ${first}`] };
    if (kind === "bare") return { code, lines: [c] };
    if (kind === "empty") return { code, lines: [`${c} `] };
    const middle = inner
      .map((l) => (l.startsWith("#-") ? `${c}-${l.slice(2)}` : l))
      .filter((l) => !(l === c || l.startsWith(`${c} `)));
    return { code, lines: [`${c}-${first}`, ...middle, `${c}${last}`] };
  });

function expectedText(lines, code) {
  if (lines.length === 1) return lines[0].length > 3 ? lines[0].slice(lines[0][3] === " " ? 4 : 3) : "";
  const c = String(code);
  const parts = [lines[0].slice(4)];
  for (let i = 1; i < lines.length - 1; i++) {
    const l = lines[i];
    parts.push(l.startsWith(c) && (l[3] === "-" || l[3] === " ") ? l.slice(4) : l);
  }
  const last = lines.at(-1);
  parts.push(last.length > 4 ? last.slice(4) : "");
  return parts.join("\n");
}

/** Inserts Telnet commands into a line's bytes at the given positions. */
function withTelnet(line, inserts) {
  if (inserts.length === 0) return { bytes: line, at: [] };
  const sorted = inserts.map(([pos, cmd]) => [pos % (line.length + 1), cmd]).sort((a, b) => a[0] - b[0]);
  const parts = [];
  const at = [];
  let prev = 0;
  let offset = 0;
  for (const [pos, cmd] of sorted) {
    parts.push(line.subarray(prev, pos));
    offset += pos - prev;
    at.push(offset);
    parts.push(cmd);
    offset += cmd.length;
    prev = pos;
  }
  parts.push(line.subarray(prev));
  return { bytes: bytesOf(...parts), at };
}

/**
 * Well-formed replies, garbage lines and over-long lines between them, Telnet commands inside lines, any
 * terminators, any chunking: exactly the generated replies come out, each garbage line is one error, and the
 * Telnet commands are all reported at their offsets.
 */
function replyRoundtripProperty(core) {
  const item = fc.oneof(
    { weight: 6, arbitrary: replySpec.map((r) => ({ type: "reply", ...r })) },
    {
      weight: 1,
      arbitrary: fc.oneof(nonDigitStart, fc.constant("")).map((line) => ({ type: "garbage", line })),
    },
    { weight: 1, arbitrary: fc.nat({ max: 300 }).map((extra) => ({ type: "overlong", extra })) },
  );
  const telnetInserts = fc.oneof(
    { weight: 4, arbitrary: fc.constant([]) },
    { weight: 1, arbitrary: fc.array(fc.tuple(fc.nat(), telnetCommand), { maxLength: 3 }) },
  );
  return fc.property(
    fc.array(fc.record({ item, terminator: fc.constantFrom("\r\n", "\n", "\r"), telnet: telnetInserts }), {
      maxLength: 12,
      size: "large",
    }),
    fc.boolean(),
    fc.boolean(),
    fc.boolean(),
    fc.nat({ max: 40 }),
    cutsArb,
    (items, bareCr, retainLines, withLines, slack, cutSpec) => {
      const terminatorOf = (t) => (t === "\r" && !bareCr ? "\r\n" : t);
      let longest = 1;
      for (const { item, telnet } of items) {
        if (item.type === "reply")
          for (const l of item.lines) longest = Math.max(longest, l.length + 2 + telnet.length * 32);
        else if (item.type === "garbage") longest = Math.max(longest, item.line.length + 2);
      }
      const maxLineLength = longest + slack;
      const parts = [];
      const expected = [];
      const expectedTelnet = [];
      let offset = 0;
      let previousEndsWithCr = false;
      for (const { item, terminator, telnet } of items) {
        let term = terminatorOf(terminator);
        // A bare CR followed by an empty line's LF would be one CR LF terminator: give that line CR LF.
        if (previousEndsWithCr && item.type === "garbage" && item.line === "" && term === "\n") term = "\r\n";
        previousEndsWithCr = term === "\r";
        if (item.type === "reply") {
          const start = offset;
          const raws = [];
          item.lines.forEach((line, i) => {
            const { bytes, at } = withTelnet(ascii(line), i === 0 ? telnet : []);
            for (const a of at) expectedTelnet.push(offset + a);
            const raw = bytesOf(bytes, ascii(term));
            raws.push(raw);
            parts.push(raw);
            offset += raw.length;
          });
          const lines =
            retainLines || item.lines.length <= 2 ? item.lines : [item.lines[0], item.lines.at(-1)];
          const raw = retainLines || raws.length <= 2 ? bytesOf(...raws) : bytesOf(raws[0], raws.at(-1));
          expected.push({
            kind: "reply",
            code: item.code,
            lines,
            text: expectedText(lines, item.code),
            multiline: item.lines.length > 1,
            raw: hex(raw),
            offset: start,
            byteLength: offset - start,
          });
        } else {
          const line = item.type === "garbage" ? item.line : `x${"y".repeat(maxLineLength + item.extra)}`;
          const raw = ascii(line + term);
          expected.push({
            kind: "error",
            type: item.type === "garbage" ? "unexpected-line" : "line-too-long",
            offset,
          });
          parts.push(raw);
          offset += raw.length;
        }
      }
      const input = bytesOf(...parts);
      const events = [];
      const lines = [];
      const telnetSeen = [];
      const callbacks = {
        onReply: (r) =>
          events.push({
            kind: "reply",
            code: r.code,
            lines: [...r.lines],
            text: r.text,
            multiline: r.multiline,
            raw: hex(r.raw),
            offset: r.offset,
            byteLength: r.byteLength,
          }),
        onError: (e) => events.push({ kind: "error", type: e.type, offset: e.offset }),
        onWarning: (w) => {
          throw new Error(`unexpected warning ${w.type} at ${w.offset}`);
        },
        onTelnet: (t) => telnetSeen.push(t.offset),
      };
      if (withLines) callbacks.onLine = (l) => lines.push(l);
      const parser = core.createReplyParser(callbacks, {
        bareCrIsLineEnd: bareCr,
        retainLines,
        maxLineLength,
      });
      for (const chunk of chunksOf(input, cutsFor(cutSpec, input.length))) parser.feed(chunk);
      parser.end();
      if (!isDeepStrictEqual(events, expected))
        throw new Error(`replies differ: ${firstDifference(events, expected)}`);
      if (!isDeepStrictEqual(telnetSeen, expectedTelnet))
        throw new Error(`Telnet offsets ${telnetSeen} instead of ${expectedTelnet}`);
      if (withLines) {
        const want = items
          .filter((i) => i.item.type === "reply")
          .reduce((n, i) => n + i.item.lines.length, 0);
        if (lines.length !== want) throw new Error(`onLine saw ${lines.length} lines, ${want} sent`);
      }
    },
  );
}

/** Retained bytes, measured after a full collection (needs --expose-gc); undefined without it. */
function retainedBytes() {
  if (typeof globalThis.gc !== "function") return undefined;
  globalThis.gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/**
 * Endless lines and endless replies, fed in chunks: one error, bounded memory, linear time, and the reply after
 * them is still delivered at its offset.
 */
function endlessProperty(core) {
  return fc.property(
    fc.record({
      size: fc.integer({ min: 100_000, max: 3_000_000 }),
      chunk: fc.integer({ min: 512, max: 65_536 }),
      // At least the length of the lines that follow the endless input, which must come through.
      limit: fc.integer({ min: 32, max: 4096 }),
      shape: fc.constantFrom("line", "line-220-", "line-220 ", "iac-line", "reply", "reply-unretained"),
    }),
    ({ size, chunk, limit, shape }) => {
      const events = [];
      const retainLines = shape !== "reply-unretained";
      let lineCount = 0;
      const parser = core.createReplyParser(
        {
          onReply: (r) => events.push({ kind: "reply", code: r.code, offset: r.offset }),
          onError: (e) => events.push({ kind: "error", type: e.type, offset: e.offset }),
          onLine: () => lineCount++,
        },
        { maxLineLength: limit, maxReplySize: limit * 4, retainLines },
      );
      const unit =
        shape === "iac-line"
          ? Uint8Array.of(IAC, NOP, 0x41)
          : shape.startsWith("reply")
            ? ascii("220-endless\r\n")
            : ascii("x");
      const buffer = new Uint8Array(chunk);
      for (let i = 0; i < chunk; i++) buffer[i] = unit[i % unit.length];
      const head =
        shape === "line-220-" ? ascii("220-") : shape === "line-220 " ? ascii("220 ") : new Uint8Array(0);
      const before = retainedBytes();
      const started = performance.now();
      parser.feed(head);
      let fed = head.length;
      const rounds = Math.ceil(size / chunk);
      for (let i = 0; i < rounds; i++) {
        // Whole units per chunk, so the stream stays the repeated unit whatever the chunk size.
        const n = chunk - (chunk % unit.length);
        parser.feed(buffer.subarray(0, n));
        fed += n;
      }
      const after = retainedBytes();
      const tail = ascii("\r\n220 closes a skipped reply\r\n226 done\r\n");
      parser.feed(tail);
      parser.end();
      const elapsed = performance.now() - started;
      // Linear: 3 MB goes through in well under a second; a quadratic path would take minutes.
      if (elapsed > 10_000) throw new Error(`${fed} bytes took ${elapsed.toFixed(0)} ms`);
      if (before !== undefined && after !== undefined && after - before > 4 * limit + 4 * chunk + 2_000_000)
        throw new Error(`parser retained ${after - before} bytes with limits ${limit}`);
      const last = events.at(-1);
      const doneOffset = fed + tail.length - "226 done\r\n".length;
      if (last?.kind !== "reply" || last.code !== 226 || last.offset !== doneOffset)
        throw new Error(`the reply after the endless input was lost: ${JSON.stringify(events.slice(-3))}`);
      const errors = events.filter((e) => e.kind === "error");
      if (shape === "reply-unretained") {
        if (errors.length !== 0)
          throw new Error(`unretained endless reply reported ${JSON.stringify(errors[0])}`);
      } else if (errors.length !== 1 || errors[0].offset !== 0)
        throw new Error(`expected one error at 0, got ${JSON.stringify(errors.slice(0, 3))}`);
    },
  );
}

/**
 * readReplies and ReplyParserStream deliver the replies and errors the callback parser delivers. Replies and
 * errors are compared as two sequences: `onError` is a callback, called while the parser runs, whereas replies
 * reach the consumer when it pulls them, so an error may be seen before the replies of the same chunk.
 */
function adaptersProperty(core) {
  return fc.asyncProperty(hostileBytes, cutsArb, async (input, cutSpec) => {
    const chunks = chunksOf(input, cutsFor(cutSpec, input.length));
    const events = observeReplies(core, chunks, {}, false);
    const want = {
      replies: events.filter((e) => e.kind === "reply").map((e) => `${e.code}@${e.offset}`),
      errors: events.filter((e) => e.kind === "error").map((e) => `${e.type}@${e.offset}`),
    };
    const seen = { replies: [], errors: [] };
    async function* source() {
      yield* chunks;
    }
    for await (const r of core.readReplies(source(), {
      onError: (e) => seen.errors.push(`${e.type}@${e.offset}`),
    }))
      seen.replies.push(`${r.code}@${r.offset}`);
    if (!isDeepStrictEqual(seen, want))
      throw new Error(`readReplies: ${JSON.stringify(seen)} vs ${JSON.stringify(want)}`);
    const streamed = { replies: [], errors: [] };
    const readable = new ReadableStream({
      start(controller) {
        for (const c of chunks) controller.enqueue(c);
        controller.close();
      },
    }).pipeThrough(
      new core.ReplyParserStream({ onError: (e) => streamed.errors.push(`${e.type}@${e.offset}`) }),
    );
    for await (const r of readable) streamed.replies.push(`${r.code}@${r.offset}`);
    if (!isDeepStrictEqual(streamed, want))
      throw new Error(`ReplyParserStream: ${JSON.stringify(streamed)} vs ${JSON.stringify(want)}`);
    // Without onError the first error ends the iteration, after the replies before it.
    const firstError = events.findIndex((e) => e.kind === "error");
    const before = events
      .slice(0, firstError === -1 ? events.length : firstError)
      .filter((e) => e.kind === "reply").length;
    const got = [];
    try {
      for await (const r of core.readReplies(source())) got.push(r);
      if (firstError !== -1) throw new Error("readReplies without onError did not throw");
    } catch (error) {
      if (!(error instanceof core.ReplyParseError)) throw error;
      if (firstError === -1) throw new Error(`readReplies threw ${error.type} the parser did not report`);
    }
    if (got.length !== before)
      throw new Error(`readReplies without onError gave ${got.length} replies, ${before} before the error`);
  });
}

// ─── command splitter ───────────────────────────────────────────────────────────────────────────────────────────

function observeCommands(commands, chunks, options) {
  const events = [];
  const error = (kind) => (e) => {
    if (!(e instanceof commands.CommandParseError)) throw new Error(`${kind} is not a CommandParseError`);
    events.push({ kind, type: e.type, offset: e.offset, excerpt: e.excerpt });
  };
  const splitter = commands.createCommandParser(
    {
      onCommand: (c) =>
        events.push({
          kind: "command",
          verb: c.verb,
          arg: c.arg,
          line: c.line,
          raw: hex(c.raw),
          offset: c.offset,
          byteLength: c.byteLength,
          truncated: c.truncated,
        }),
      onError: error("error"),
      onWarning: error("warning"),
      onTelnet: (t) =>
        events.push({
          kind: "telnet",
          command: t.command,
          option: t.option,
          data: t.data && hex(t.data),
          offset: t.offset,
        }),
    },
    options,
  );
  for (const chunk of chunks) splitter.feed(chunk);
  splitter.end();
  return events;
}

const commandOptions = fc.record(
  {
    maxLineLength: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 41, max: 70_000 })),
    telnet: fc.boolean(),
    encoding: fc.constantFrom("utf-8", "auto", "latin1"),
  },
  { requiredKeys: [] },
);

function commandChunkingProperty(commands, inputArb) {
  return fc.property(inputArb, cutsArb, commandOptions, (input, cutSpec, options) => {
    const whole = observeCommands(commands, [input], options);
    const chunked = observeCommands(commands, chunksOf(input, cutsFor(cutSpec, input.length)), options);
    if (!isDeepStrictEqual(whole, chunked))
      throw new Error(`chunking changed the result: ${firstDifference(whole, chunked)}`);
    let end = 0;
    for (const e of whole) {
      if (e.kind === "command") {
        if (e.offset !== end) throw new Error(`command at ${e.offset}, previous line ended at ${end}`);
        if (!e.truncated && e.raw !== hex(input.subarray(e.offset, e.offset + e.byteLength)))
          throw new Error(`raw of the command at ${e.offset} is not the input's bytes`);
        if (e.verb !== e.verb.toUpperCase()) throw new Error("verb not upper-cased");
        end = e.offset + e.byteLength;
      } else if (e.kind !== "telnet" && (e.offset < 0 || e.offset > input.length)) {
        throw new Error(`${e.kind} offset ${e.offset} outside the input`);
      }
    }
  });
}

/** Generated command lines come back as sent: verb upper-cased, argument after the first space. */
function commandRoundtripProperty(commands) {
  const verb = fc.string({
    unit: fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"),
    minLength: 1,
    maxLength: 6,
  });
  const line = fc.tuple(verb, fc.option(lineText, { nil: undefined }), fc.constantFrom("\r\n", "\n"));
  return fc.property(fc.array(line, { maxLength: 12 }), cutsArb, (lines, cutSpec) => {
    const text = lines.map(([v, a, t]) => (a === undefined ? v : `${v} ${a}`) + t).join("");
    const input = ascii(text);
    const got = observeCommands(commands, chunksOf(input, cutsFor(cutSpec, input.length)), {}).filter(
      (e) => e.kind !== "telnet",
    );
    const want = [];
    let offset = 0;
    for (const [v, a, t] of lines) {
      const l = a === undefined ? v : `${v} ${a}`;
      want.push({
        kind: "command",
        verb: v.toUpperCase(),
        arg: a ?? "",
        line: l,
        raw: hex(ascii(l + t)),
        offset,
        byteLength: l.length + t.length,
        truncated: false,
      });
      offset += l.length + t.length;
    }
    if (!isDeepStrictEqual(got, want)) throw new Error(`commands differ: ${firstDifference(got, want)}`);
  });
}

// ─── fixtures ───────────────────────────────────────────────────────────────────────────────────────────────────

function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path));
    else if (statSync(path).size <= 4 * 1024 * 1024) out.push(path);
  }
  return out.sort();
}

// Every fixture is real input for the chunking property: server bytes, transcripts and logs, even captures (any
// bytes must parse the same whatever the chunking).
const serverFixtures = () => filesUnder("fixtures");
const captureFixtures = () => filesUnder("fixtures/pcap").filter((f) => /\.(pcap|pcapng|cap)$/.test(f));

/** Random chunkings of real fixtures (server bytes, transcripts, logs, captures): the chunking never matters. */
function fixtureChunkingProperty(core, files) {
  const contents = files.map((f) => new Uint8Array(readFileSync(f)));
  return fc.property(
    fc.nat({ max: contents.length - 1 }),
    cutsArb,
    parserOptions,
    (index, cutSpec, options) => {
      const input = contents[index];
      const whole = observeReplies(core, [input], options, false);
      checkReplyInvariants(whole, input, options);
      const chunked = observeReplies(core, chunksOf(input, cutsFor(cutSpec, input.length)), options, false);
      if (!isDeepStrictEqual(whole, chunked))
        throw new Error(`${files[index]}: chunking changed the result: ${firstDifference(whole, chunked)}`);
    },
  );
}

// ─── pcap reader ────────────────────────────────────────────────────────────────────────────────────────────────

function observeCapture(pcap, chunks, options) {
  const events = [];
  const reader = pcap.createCaptureReader(
    {
      onPacket: (p) =>
        events.push({
          kind: "packet",
          frame: p.frame,
          fileOffset: p.fileOffset,
          interfaceId: p.interfaceId,
          linkType: p.linkType,
          seconds: p.seconds,
          nanoseconds: p.nanoseconds,
          data: hex(p.data),
          originalLength: p.originalLength,
        }),
      onFormat: (format, littleEndian, nanosecond) =>
        events.push({ kind: "format", format, littleEndian, nanosecond }),
      onInterface: (i) => events.push({ kind: "interface", ...i }),
      onSkippedBlock: (type, fileOffset) => events.push({ kind: "skipped", type, fileOffset }),
      onError: (e) => events.push({ kind: "error", type: e.type, offset: e.offset }),
    },
    options,
  );
  for (const chunk of chunks) reader.feed(chunk);
  reader.end();
  return events;
}

/** Bit flips and cuts in real captures: typed errors only, chunking never matters, frames decode or say why. */
function captureProperty(pcap, frames, files) {
  const contents = files.map((f) => new Uint8Array(readFileSync(f)));
  return fc.property(
    fc.nat({ max: contents.length - 1 }),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { maxLength: 16 }),
    fc.option(fc.nat(), { nil: undefined }),
    cutsArb,
    fc.option(fc.integer({ min: 16, max: 70_000 }), { nil: undefined }),
    (index, flips, truncateAt, cutSpec, maxBlockSize) => {
      const original = contents[index];
      let input = original.slice();
      for (const [at, bit] of flips) input[at % input.length] ^= 1 << bit;
      if (truncateAt !== undefined) input = input.subarray(0, truncateAt % (input.length + 1));
      const options = maxBlockSize === undefined ? {} : { maxBlockSize };
      const whole = observeCapture(pcap, [input], options);
      const chunked = observeCapture(pcap, chunksOf(input, cutsFor(cutSpec, input.length)), options);
      if (!isDeepStrictEqual(whole, chunked))
        throw new Error(`${files[index]}: chunking changed the result: ${firstDifference(whole, chunked)}`);
      const errors = whole.filter((e) => e.kind === "error");
      if (errors.length > 1) throw new Error("more than one fatal error");
      for (const e of whole) {
        if (e.kind === "packet" && frames !== undefined)
          frames.decodeFrame(e.linkType, Buffer.from(e.data, "hex"), e.originalLength);
      }
    },
  );
}

/** The packets of the real captures, as [linkType, frame, originalLength]. */
function realFrames(pcap, files) {
  const frames = [];
  for (const file of files) {
    const reader = pcap.createCaptureReader({
      onPacket: (p) => frames.push([p.linkType, p.data.slice(), p.originalLength]),
      onError: () => {},
    });
    reader.feed(new Uint8Array(readFileSync(file)));
    reader.end();
  }
  return frames;
}

/**
 * Link-layer decoding of damaged frames never throws: real frames from the captures with bits flipped, cut
 * short or grown, and arbitrary bytes under every link type; each decodes to a segment or to a problem.
 */
function frameDecodeProperty(frames, real) {
  const realFrame =
    real.length === 0
      ? fc.constant(undefined)
      : fc
          .tuple(
            fc.nat({ max: real.length - 1 }),
            fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { maxLength: 8 }),
            fc.option(fc.nat(), { nil: undefined }),
          )
          .map(([i, flips, cut]) => {
            const [linkType, data, originalLength] = real[i];
            let frame = data.slice();
            for (const [at, bit] of flips) if (frame.length > 0) frame[at % frame.length] ^= 1 << bit;
            if (cut !== undefined) frame = frame.subarray(0, cut % (frame.length + 1));
            return [linkType, frame, originalLength];
          });
  const randomFrame = fc.tuple(
    fc.constantFrom(0, 1, 101, 113, 276, 12, 228, 229, 9999),
    fc.uint8Array({ maxLength: 200 }),
    fc.nat({ max: 3000 }),
  );
  return fc.property(
    fc.oneof({ weight: 3, arbitrary: realFrame }, { weight: 1, arbitrary: randomFrame }),
    (item) => {
      if (item === undefined) return;
      const [linkType, frame, originalLength] = item;
      const decoded = frames.decodeFrame(linkType, frame, Math.max(originalLength, frame.length));
      if (decoded === null || typeof decoded !== "object") throw new Error("decodeFrame returned no object");
    },
  );
}

/** A summary of what the FTP capture analyzer reports, for comparing runs. */
function observeFtpCapture(ftp, chunks) {
  const events = [];
  const analyzer = ftp.createFtpCaptureAnalyzer({
    onExchange: (x, control) =>
      events.push(
        `x ${control.tcp.index} ${x.kind} ${x.command?.verb ?? "-"} ${x.final?.code ?? "-"} ${x.replies.length} ${x.diagnostics.map((d) => d.type).join(",")}`,
      ),
    onDataConnection: (d) =>
      events.push(`data ${d.tcp.index} ${d.bytesToClient} ${d.bytesToServer} ${d.missingBytes} ${d.closed}`),
    onDiagnostic: (d) => events.push(`diag ${d.type}`),
  });
  for (const chunk of chunks) analyzer.feed(chunk);
  const result = analyzer.end();
  if (result.error !== undefined && !(result.error instanceof Error))
    throw new Error("result.error is not an Error");
  events.push(`end ${result.controlConnections} ${result.dataConnections} ${result.error?.type ?? "-"}`);
  return events;
}

/**
 * The whole capture pipeline (reader, link layers, TCP reassembly, reply and command parsers, dialogue) on real
 * captures with bits flipped and cut short: it never throws, and the chunking of the file never matters.
 */
function ftpCaptureProperty(ftp, files) {
  const contents = files.map((f) => new Uint8Array(readFileSync(f)));
  return fc.property(
    fc.nat({ max: contents.length - 1 }),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { maxLength: 12 }),
    fc.option(fc.nat(), { nil: undefined }),
    cutsArb,
    (index, flips, truncateAt, cutSpec) => {
      let input = contents[index].slice();
      for (const [at, bit] of flips) input[at % input.length] ^= 1 << bit;
      if (truncateAt !== undefined) input = input.subarray(0, truncateAt % (input.length + 1));
      const whole = observeFtpCapture(ftp, [input]);
      const chunked = observeFtpCapture(ftp, chunksOf(input, cutsFor(cutSpec, input.length)));
      if (!isDeepStrictEqual(whole, chunked))
        throw new Error(`${files[index]}: chunking changed the result: ${firstDifference(whole, chunked)}`);
    },
  );
}

// ─── decoders ───────────────────────────────────────────────────────────────────────────────────────────────────

/** The reply decoders (`parse*` of src/decode/*.ts taking a reply or its text) and their error test. */
async function loadDecoders() {
  if (!existsSync(join(BUILD_DIR, "decode"))) return undefined;
  const merged = {};
  for (const file of readdirSync(join(BUILD_DIR, "decode"))) {
    if (file.endsWith(".js")) Object.assign(merged, await load(join("decode", file)));
  }
  const isDecodeError = merged.isReplyDecodeError;
  // parseIPv4/parseIPv6 take an address, not a reply: they are fuzzed through the decoders that call them.
  const decoders = Object.entries(merged).filter(
    ([name, f]) => typeof f === "function" && /^parse/.test(name) && !/^parseIP/.test(name),
  );
  if (typeof isDecodeError !== "function" || decoders.length === 0) return undefined;
  return { ...merged, decoders, isDecodeError };
}

/** Calls every decoder on `input`: a value or a typed decode error with an offset inside the input, in linear time. */
function decodeAll(decode, input, limitMs) {
  const length = typeof input === "string" ? input.length : Math.max(input.text.length, input.raw.length);
  for (const [name, f] of decode.decoders) {
    const started = performance.now();
    try {
      f(input);
    } catch (error) {
      if (!decode.isDecodeError(error)) throw new Error(`${name} threw an untyped ${error?.stack ?? error}`);
      if (!(error.offset >= 0 && error.offset <= length))
        throw new Error(`${name}: offset ${error.offset} outside ${length}`);
    }
    const elapsed = performance.now() - started;
    if (elapsed > limitMs) throw new Error(`${name} took ${elapsed.toFixed(0)} ms on ${length} characters`);
  }
}

/** Digits-and-commas floods for 227 (and the other codes): decoders answer in linear time, with a value or a typed error. */
function decoderFloodProperty(decode, core) {
  const flood = fc
    .record({
      code: fc.constantFrom(227, 229, 228, 257, 227, 227),
      prefix: fc.constantFrom(
        "Entering Passive Mode (",
        "=",
        "(",
        "",
        "(|||",
        '"',
        "Entering Long Passive Mode (",
      ),
      units: fc.array(
        fc.constantFrom(
          "1",
          "2",
          "5",
          "0",
          ",",
          ",",
          ",",
          "255",
          "256",
          "|",
          "(",
          ")",
          " ",
          '"',
          '""',
          "-",
          "+",
          "9999999999",
          "4,16,",
        ),
        { minLength: 1, maxLength: 40 },
      ),
      repeat: fc.integer({ min: 1, max: 5000 }),
      multiline: fc.boolean(),
    })
    .map(({ code, prefix, units, repeat, multiline }) => {
      const body = `${prefix}${units.join("").repeat(repeat)}`;
      return multiline ? `${code}-${body}\r\n${body}\r\n${code} end\r\n` : `${code} ${body}\r\n`;
    });
  const hostile = fc.tuple(fc.constantFrom(227, 228, 229, 257), hostileBytes).map(
    ([code, b]) =>
      `${code} ${Buffer.from(b)
        .toString("latin1")
        .replace(/[\r\n]/g, " ")}\r\n`,
  );
  return fc.property(fc.oneof(flood, hostile), fc.boolean(), (text, asReply) => {
    let input = text;
    if (asReply) {
      const replies = core.parseReplies(text, { maxLineLength: 1 << 26, telnet: false, encoding: "latin1" });
      if (replies.length !== 1) throw new Error(`the generator made ${replies.length} replies`);
      input = replies[0];
    }
    // Linear: even 200 000 characters take milliseconds; a quadratic scan would take seconds.
    decodeAll(decode, input, 2_000);
  });
}

const octet = fc.integer({ min: 0, max: 255 });

/** Well-formed 227/229/257 replies in the shapes servers send: the decoders give back what was put in. */
function decoderRoundtripProperty(decode, core) {
  const pasv = fc
    .record({
      h: fc.tuple(octet, octet, octet, octet),
      port: fc.integer({ min: 1, max: 65535 }),
      before: fc.constantFrom(
        "Entering Passive Mode (",
        "Entering Passive Mode ",
        "PASV ok =",
        "Entering Passive Mode. ",
      ),
      blank: fc.constantFrom("", " "),
      after: fc.constantFrom(")", ").", "", " "),
    })
    .map(({ h, port, before, blank, after }) => ({
      kind: "pasv",
      text: `227 ${before}${[...h, port >> 8, port & 255].join(`,${blank}`)}${after}`,
      want: { host: h.join("."), port },
    }));
  const epsv = fc
    .record({
      d: fc.integer({ min: 33, max: 126 }).filter((c) => c < 0x30 || c > 0x39),
      port: fc.integer({ min: 1, max: 65535 }),
      after: fc.constantFrom("", ".", " ok"),
    })
    .map(({ d, port, after }) => {
      const c = String.fromCharCode(d);
      return {
        kind: "epsv",
        text: `229 Entering Extended Passive Mode (${c}${c}${c}${port}${c})${after}`,
        want: { port },
      };
    });
  const pathname = fc
    .record({
      path: fc.string({
        unit: fc.oneof(printable, fc.constantFrom("é", "中", "\t")),
        minLength: 1,
        maxLength: 40,
      }),
      after: fc.constantFrom(" created", " is current directory.", ""),
    })
    .map(({ path, after }) => ({
      kind: "pathname",
      text: `257 "${path.replaceAll('"', '""')}"${after}`,
      want: path,
    }));
  return fc.property(fc.oneof(pasv, epsv, pathname), fc.boolean(), ({ kind, text, want }, asReply) => {
    const input = asReply ? core.parseReplies(`${text}\r\n`)[0] : text;
    const got =
      kind === "pasv"
        ? decode.parsePasv(input)
        : kind === "epsv"
          ? decode.parseEpsv(input)
          : decode.parsePathname(input);
    if (!isDeepStrictEqual(kind === "pathname" ? got : { ...got }, want))
      throw new Error(`${kind}: ${JSON.stringify(got)} instead of ${JSON.stringify(want)}`);
    if (kind === "pathname" && asReply) {
      const bytes = decode.parsePathnameBytes(input);
      if (Buffer.from(bytes).toString("utf8") !== want) throw new Error(`parsePathnameBytes: ${hex(bytes)}`);
    }
  });
}

/** Any bytes after `257 `, a quoted run of any bytes often: a path re-sent in a CWD holds no Telnet command. */
function pathnameBytesProperty(decode, core, commands) {
  const anyByte = fc.oneof(
    fc.integer({ min: 0, max: 255 }),
    fc.constantFrom(0x22, IAC, IAC, 0xf4, SB, SE, WILL, DONT, NOP, CR, LF, 0),
  );
  const body = fc.oneof(
    fc.array(anyByte, { maxLength: 80 }),
    fc
      .tuple(fc.array(anyByte, { maxLength: 8 }), fc.array(anyByte, { minLength: 1, maxLength: 60 }))
      .map(([before, path]) => [...before, 0x22, ...path, 0x22]),
  );
  return fc.property(body, fc.boolean(), (bytes, telnet) => {
    const replies = [];
    const parser = core.createReplyParser({ onReply: (r) => replies.push(r), onError() {} }, { telnet });
    parser.feed(bytesOf("257 ", bytes, "\r\n"));
    parser.end();
    if (replies[0]?.code !== 257) return;
    let path;
    try {
      path = decode.parsePathnameBytes(replies[0], { telnet });
    } catch (error) {
      if (!decode.isDecodeError(error)) throw new Error(`untyped ${error?.stack ?? error}`);
      return;
    }
    for (const b of path) {
      if (b === IAC || b === CR || b === LF || b === 0) throw new Error(`path byte ${b} in ${hex(path)}`);
    }
    const seen = [];
    const splitter = commands.createCommandParser({
      onCommand: (c) => seen.push(c.verb),
      onTelnet: (t) => seen.push(`telnet ${t.command}`),
      onError: (e) => seen.push(`error ${e.type}`),
    });
    splitter.feed(bytesOf("CWD ", Array.from(path), "\r\n"));
    splitter.end();
    if (!isDeepStrictEqual(seen, ["CWD"]))
      throw new Error(`CWD ${hex(path)} re-sent as ${JSON.stringify(seen)}`);
  });
}

/** 213 with edge field values (and any bytes): a Date whose UTC year is 1000-9999, or a typed error. */
function modifyTimeProperty(decode) {
  const field = (width, values) =>
    fc
      .oneof(fc.constantFrom(...values), fc.integer({ min: 0, max: 10 ** width - 1 }))
      .map((n) => String(n).padStart(width, "0"));
  const edge = fc
    .tuple(
      field(4, [0, 999, 1000, 9999, 9998, 1900, 2000]),
      field(2, [0, 1, 2, 12, 13]),
      field(2, [0, 1, 28, 29, 30, 31, 32]),
      field(2, [0, 23, 24]),
      field(2, [0, 59, 60]),
      field(2, [0, 59, 60, 61]),
      fc.constantFrom("", ".0", ".999", ".9999999"),
    )
    .map((parts) => `213 ${parts.join("")}`);
  const anyText = fc.uint8Array({ maxLength: 40 }).map((b) => `213 ${Buffer.from(b).toString("latin1")}`);
  return fc.property(fc.oneof(edge, anyText), (text) => {
    let date;
    try {
      date = decode.parseModifyTime(text);
    } catch (error) {
      if (!decode.isDecodeError(error)) throw new Error(`untyped ${error?.stack ?? error}`);
      return;
    }
    const year = date.getUTCFullYear();
    if (!(year >= 1000 && year <= 9999)) throw new Error(`${JSON.stringify(text)} → ${date.toISOString()}`);
  });
}

/** The CLI as a process (scripts/cli-fuzz.mjs): exit 0/1/2, no internal error, trace or raw control character. */
function cliProcessProperty(cli) {
  return fc.property(cliRunArbitrary(fc), (run) => {
    const problems = cliRunProblems(runCli(cli, process.cwd(), run), run);
    if (problems.length > 0) throw new Error(problems.join("; "));
  });
}

// ─── generated captures (issue 15) ──────────────────────────────────────────────────────────────────────────────

/** One Ethernet/IPv4/TCP frame. */
function tcpFrame({ src, dst, sport, dport, seq, ack = 0, flags, payload = new Uint8Array(0) }) {
  const frame = new Uint8Array(14 + 20 + 20 + payload.length);
  const view = new DataView(frame.buffer);
  frame[5] = 1;
  frame[11] = 2;
  view.setUint16(12, 0x0800);
  frame[14] = 0x45;
  view.setUint16(16, 40 + payload.length);
  frame[22] = 64;
  frame[23] = 6;
  frame.set(src, 26);
  frame.set(dst, 30);
  view.setUint16(34, sport);
  view.setUint16(36, dport);
  view.setUint32(38, seq >>> 0);
  view.setUint32(42, ack >>> 0);
  frame[46] = 5 << 4;
  frame[47] = flags;
  view.setUint16(48, 65535);
  frame.set(payload, 54);
  return frame;
}

/** A classic pcap (microseconds) of `packets` ({ seconds, fraction, frame }). */
function pcapOf(packets) {
  const parts = [
    Uint8Array.of(0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 1, 0, 0, 0),
  ];
  for (const { seconds, fraction, frame } of packets) {
    const header = new Uint8Array(16);
    const view = new DataView(header.buffer);
    view.setUint32(0, seconds >>> 0, true);
    view.setUint32(4, fraction >>> 0, true);
    view.setUint32(8, frame.length, true);
    view.setUint32(12, frame.length, true);
    parts.push(header, frame);
  }
  return bytesOf(...parts);
}

/** A pcapng with one interface of resolution `tsresol` and 64-bit timestamps `ticks` (BigInt) per packet. */
function pcapngOf(packets, tsresol) {
  const block = (type, body) => {
    const padded = new Uint8Array((body.length + 3) & ~3);
    padded.set(body);
    const out = new Uint8Array(12 + padded.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, type, true);
    view.setUint32(4, out.length, true);
    out.set(padded, 8);
    view.setUint32(out.length - 4, out.length, true);
    return out;
  };
  const shb = new Uint8Array(16);
  new DataView(shb.buffer).setUint32(0, 0x1a2b3c4d, true);
  new DataView(shb.buffer).setUint16(4, 1, true);
  new DataView(shb.buffer).setBigInt64(8, -1n, true);
  const idb = new Uint8Array(8 + 8 + 4);
  const idbView = new DataView(idb.buffer);
  idbView.setUint16(0, 1, true);
  idbView.setUint32(4, 262144, true);
  idbView.setUint16(8, 9, true); // if_tsresol
  idbView.setUint16(10, 1, true);
  idb[12] = tsresol;
  const parts = [block(0x0a0d0d0a, shb), block(1, idb)];
  for (const { ticks, frame } of packets) {
    const body = new Uint8Array(20 + frame.length);
    const view = new DataView(body.buffer);
    view.setUint32(4, Number((ticks >> 32n) & 0xffffffffn), true);
    view.setUint32(8, Number(ticks & 0xffffffffn), true);
    view.setUint32(12, frame.length, true);
    view.setUint32(16, frame.length, true);
    body.set(frame, 20);
    parts.push(block(6, body));
  }
  return bytesOf(...parts);
}

const SERVER_ADDRESS = [10, 0, 0, 1];

/**
 * The frames of one FTP session: handshake, greeting, `pairs` PASV→227, RETR→150/226 (each with a data connection
 * to the announced port when `withData`), QUIT, FIN; server payloads optionally cut into 1-byte segments.
 */
function sessionFrames(index, pairs, withData, oneByte) {
  const client = [10, 1, (index >> 8) & 0xff, index & 0xff];
  const port = 1024 + (index % 60000);
  const frames = [];
  let cseq = 1000;
  let sseq = 5000;
  const send = (fromClient, flags, text, sport = fromClient ? port : 21, dport = fromClient ? 21 : port) => {
    const payload = ascii(text);
    const seq = fromClient ? cseq : sseq;
    const pieces = oneByte && !fromClient && payload.length > 1 ? payload.length : 1;
    for (let i = 0; i < pieces; i++) {
      const part = pieces === 1 ? payload : payload.subarray(i, i + 1);
      frames.push(
        tcpFrame({
          src: fromClient ? client : SERVER_ADDRESS,
          dst: fromClient ? SERVER_ADDRESS : client,
          sport,
          dport,
          seq: seq + i,
          ack: fromClient ? sseq : cseq,
          flags,
          payload: part,
        }),
      );
    }
    const advance = payload.length + ((flags & 0x03) !== 0 ? 1 : 0);
    if (fromClient) cseq += advance;
    else sseq += advance;
  };
  cseq--;
  send(true, 0x02, "");
  sseq--;
  send(false, 0x12, "");
  send(true, 0x10, "");
  send(false, 0x18, "220 hi\r\n");
  for (let i = 0; i < pairs; i++) {
    const dataPort = 20000 + ((index * 7 + i) % 40000);
    send(true, 0x18, "PASV\r\n");
    send(false, 0x18, `227 Entering Passive Mode (10,0,0,1,${dataPort >> 8},${dataPort & 0xff}).\r\n`);
    send(true, 0x18, `RETR f${i}\r\n`);
    send(false, 0x18, "150 Opening\r\n");
    if (withData) {
      const data = tcpFrame({
        src: client,
        dst: SERVER_ADDRESS,
        sport: 30000 + i,
        dport: dataPort,
        seq: 1,
        flags: 0x02,
      });
      frames.push(data);
      frames.push(
        tcpFrame({
          src: SERVER_ADDRESS,
          dst: client,
          sport: dataPort,
          dport: 30000 + i,
          seq: 9,
          ack: 2,
          flags: 0x19,
          payload: ascii("file data"),
        }),
      );
    }
    send(false, 0x18, "226 Transfer complete\r\n");
  }
  send(true, 0x18, "QUIT\r\n");
  send(false, 0x18, "221 bye\r\n");
  send(true, 0x11, "");
  send(false, 0x11, "");
  return frames;
}

/** A generated capture: sessions interleaved, a reordering storm over a window, duplicates, extreme timestamps. */
const generatedCapture = fc
  .record({
    sessions: fc.array(
      fc.record({
        pairs: fc.integer({ min: 0, max: 25 }),
        withData: fc.boolean(),
        oneByte: fc.boolean(),
      }),
      { minLength: 1, maxLength: 16 },
    ),
    interleave: fc.array(fc.nat(), { maxLength: 400 }),
    window: fc.constantFrom(0, 2, 16, 200),
    shuffle: fc.array(fc.nat(), { maxLength: 400 }),
    duplicates: fc.array(fc.nat(), { maxLength: 20 }),
    pcapng: fc.boolean(),
    tsresol: fc.oneof(fc.constantFrom(0, 6, 9, 0x80, 0x86, 0x9e, 0xff), fc.integer({ min: 0, max: 255 })),
    start: fc.oneof(
      fc.constantFrom(0n, 1n, 2n ** 31n - 1n, 2n ** 32n - 1n, 2n ** 63n - 1n, 2n ** 64n - 1n),
      fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    ),
    step: fc.constantFrom(0n, 1n, 1000n, 2n ** 40n),
  })
  .map((spec) => {
    const queues = spec.sessions.map((s, i) => sessionFrames(i, s.pairs, s.withData, s.oneByte));
    // Sessions interleaved packet by packet, in an order the arbitrary picks.
    const frames = [];
    let pick = 0;
    while (queues.some((q) => q.length > 0)) {
      const live = queues.filter((q) => q.length > 0);
      const queue = live[(spec.interleave[pick++ % Math.max(1, spec.interleave.length)] ?? 0) % live.length];
      frames.push(queue.shift());
    }
    // A reordering storm: frames swapped within `window` of each other.
    if (spec.window > 0) {
      for (let i = 0; i < spec.shuffle.length && frames.length > 1; i++) {
        const a = spec.shuffle[i] % frames.length;
        const b = Math.min(
          frames.length - 1,
          a + 1 + (spec.shuffle[(i + 1) % spec.shuffle.length] % spec.window),
        );
        [frames[a], frames[b]] = [frames[b], frames[a]];
      }
    }
    for (const at of spec.duplicates)
      if (frames.length > 0) frames.splice(at % frames.length, 0, frames[at % frames.length]);
    const mask = 2n ** 64n - 1n;
    if (spec.pcapng) {
      const packets = frames.map((frame, i) => ({
        ticks: (spec.start + BigInt(i) * spec.step) & mask,
        frame,
      }));
      return pcapngOf(packets, spec.tsresol);
    }
    const packets = frames.map((frame, i) => {
      const micros = (spec.start + BigInt(i) * spec.step) & mask;
      return {
        seconds: Number((micros / 1_000_000n) & 0xffffffffn),
        fraction: Number(micros % 1_000_000n),
        frame,
      };
    });
    return pcapOf(packets);
  });

/**
 * Generated captures through the whole pipeline: many connections, reordering storms, long PASV sessions, extreme
 * timestamps (pcapng of any resolution). Never throws; the chunking never matters; every time printed is a date.
 */
function generatedCaptureProperty(ftp) {
  return fc.property(generatedCapture, cutsArb, (input, cutSpec) => {
    const whole = observeFtpCapture(ftp, [input]);
    const chunked = observeFtpCapture(ftp, chunksOf(input, cutsFor(cutSpec, input.length)));
    if (!isDeepStrictEqual(whole, chunked))
      throw new Error(`chunking changed the result: ${firstDifference(whole, chunked)}`);
    const times = [];
    const analyzer = ftp.createFtpCaptureAnalyzer({
      onExchange: (x) => times.push(x.startTs, x.endTs),
      onDiagnostic() {},
    });
    analyzer.feed(input);
    analyzer.end();
    for (const t of times) {
      if (t === undefined) continue;
      const year = new Date(t * 1000).getUTCFullYear();
      if (!Number.isFinite(t) || !(year >= 1 && year <= 9999)) throw new Error(`timestamp ${t} is no date`);
    }
  });
}

/**
 * An endless source that is no capture (zeros, random bytes, a pcap header then 0xFF lengths, a pcapng section
 * that never ends): `analyzeFtpCapture` stops pulling after its fatal error, within a few chunks.
 */
function infiniteCaptureProperty(ftp) {
  const kind = fc.constantFrom("zeros", "random", "pcap-huge-record", "pcapng-huge-block", "text");
  return fc.asyncProperty(
    kind,
    fc.integer({ min: 1, max: 70_000 }),
    fc.integer(),
    async (what, size, seed) => {
      let pulls = 0;
      let state = seed | 1;
      const random = (n) => {
        const out = new Uint8Array(n);
        for (let i = 0; i < n; i++) {
          state ^= state << 13;
          state ^= state >>> 17;
          state ^= state << 5;
          out[i] = state & 0xff;
        }
        return out;
      };
      async function* source() {
        for (;;) {
          if (++pulls > 64) throw new Error(`${what}: still reading after 64 chunks of ${size} bytes`);
          let chunk =
            what === "random" ? random(size) : new Uint8Array(size).fill(what === "zeros" ? 0 : 0xff);
          if (what === "text") chunk = ascii("220 hello\r\n".repeat(Math.ceil(size / 11))).subarray(0, size);
          if (pulls === 1 && what === "pcap-huge-record")
            chunk = bytesOf(
              Uint8Array.of(
                0xd4,
                0xc3,
                0xb2,
                0xa1,
                2,
                0,
                4,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                4,
                0,
                1,
                0,
                0,
                0,
              ),
              chunk,
            );
          if (pulls === 1 && what === "pcapng-huge-block")
            chunk = bytesOf(
              Uint8Array.of(0x0a, 0x0d, 0x0d, 0x0a, 0xf0, 0xff, 0xff, 0x0f, 0x4d, 0x3c, 0x2b, 0x1a),
              chunk,
            );
          yield chunk;
        }
      }
      try {
        await ftp.analyzeFtpCapture(source(), { onExchange() {}, onDiagnostic() {} });
      } catch (error) {
        if (error?.name !== "CaptureFormatError") throw error;
      }
    },
  );
}

// ─── logs through format detection (issue 15) ───────────────────────────────────────────────────────────────────

/** Lines of every fixture log (curl, ftplib, lftp, vsftpd, ProFTPD, Pure-FTPd, dialogue, raw), a sample. */
function logFixtureLines() {
  const lines = [];
  for (const file of filesUnder("fixtures/logs")) {
    if (/\.(md|txt|pcap|pcapng|json|tsv|sha256)$/i.test(file)) continue;
    const text = readFileSync(file, "latin1");
    lines.push(...text.split("\n").slice(0, 200));
  }
  return lines;
}

/** What a log read reports, for comparing runs. */
async function observeTranscript(transcripts, chunks, options) {
  const events = [];
  async function* source() {
    for (const chunk of chunks) yield chunk;
  }
  try {
    const result = await transcripts.readTranscript(source(), {
      ...options,
      referenceTime: 1_700_000_000,
      onFormat: (f) => events.push(`format ${f}`),
      onExchange: (x, conn) =>
        events.push(`x ${conn.uid} ${x.command?.verb ?? "-"} ${x.final?.code ?? "-"} ${x.replies.length}`),
      onProblem: (p) => {
        if (typeof p.type !== "string" || typeof p.layer !== "string" || typeof p.message !== "string")
          throw new Error(`untyped problem ${JSON.stringify(p)}`);
        if (RAW_CONTROL_IN_PROBLEM.test(p.message))
          throw new Error(`raw control byte in ${JSON.stringify(p.message)}`);
        events.push(`problem ${p.layer} ${p.type} ${p.line ?? p.offset ?? "-"}`);
      },
    });
    events.push(`end ${result.format} ${result.lines}`);
  } catch (error) {
    if (!transcripts.isTranscriptFormatError(error)) throw error;
    events.push(`refused ${error.message}`);
  }
  return events;
}

/** ESC and BEL: a problem message quoting the log must not carry them raw (NUL and the rest are quoted by JSON). */
const RAW_CONTROL_IN_PROBLEM = /[\u001b\u0007]/;

/**
 * Logs made of real log lines of every format, mutated, mixed and interleaved with hostile lines, read with format
 * detection: never an untyped error, the same events whatever the chunking (1-byte chunks included).
 */
function transcriptProperty(transcripts) {
  const pool = logFixtureLines();
  const hostileLine = fc.oneof(
    fc.uint8Array({ maxLength: 120 }).map((b) => Buffer.from(b).toString("latin1").replaceAll("\n", " ")),
    fc.constantFrom(
      "S: 220 \u001b]0;pwned\u0007",
      "C: USER \u001b[2J",
      "S: 211-x",
      "S: 211 End",
      "C: PASS secret",
      "",
    ),
  );
  const line = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...pool) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom(...pool), fc.nat(), fc.integer({ min: 0, max: 255 }))
        .map(([l, at, byte]) =>
          l.length === 0
            ? l
            : l.slice(0, at % l.length) + String.fromCharCode(byte) + l.slice((at % l.length) + 1),
        ),
    },
    { weight: 1, arbitrary: hostileLine },
  );
  const log = fc
    .tuple(fc.array(line, { maxLength: 80 }), fc.constantFrom("\n", "\r\n"))
    .map(([lines, eol]) => new Uint8Array(Buffer.from(lines.join(eol), "latin1")));
  const options = fc.record({
    maxLineLength: fc.constantFrom(undefined, 40, 1024),
    maxSessions: fc.constantFrom(undefined, 1, 3),
    format: fc.constantFrom("auto", "auto", "auto", "dialogue", "raw", "vsftpd"),
  });
  return fc.asyncProperty(log, options, cutsArb, async (input, opts, cutSpec) => {
    const clean = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
    const whole = await observeTranscript(transcripts, [input], clean);
    const chunked = await observeTranscript(
      transcripts,
      chunksOf(input, cutsFor(cutSpec, input.length)),
      clean,
    );
    if (!isDeepStrictEqual(whole, chunked))
      throw new Error(`chunking changed the result: ${firstDifference(whole, chunked)}`);
  });
}

/** Every decoder on replies whose text is any bytes (IAC, CR, NUL, C1 …) after one of its codes. */
function decoderAllBytesProperty(decode, core) {
  const code = fc.constantFrom(110, 150, 211, 213, 215, 226, 227, 228, 229, 257, 350);
  return fc.property(code, fc.uint8Array({ maxLength: 120 }), fc.boolean(), (c, body, telnet) => {
    const replies = [];
    const parser = core.createReplyParser({ onReply: (r) => replies.push(r), onError() {} }, { telnet });
    parser.feed(
      bytesOf(
        ascii(`${c} `),
        body.map((b) => (b === LF ? 0x20 : b)),
        ascii("\r\n"),
      ),
    );
    parser.end();
    for (const reply of replies) decodeAll(decode, reply, 1000);
  });
}

// ─── the campaign ───────────────────────────────────────────────────────────────────────────────────────────────

/**
 * Every property: its run count, batch size, and how to build it (undefined when the module or fixtures it
 * needs are not in the tree yet; it then waits for a later resume).
 */
function catalogue(m) {
  const servers = serverFixtures();
  const captures = captureFixtures();
  return [
    {
      name: "parser.roundtrip",
      runs: 250_000,
      batch: 25_000,
      make: () => m.core && replyRoundtripProperty(m.core),
    },
    {
      name: "parser.hostile-chunking",
      runs: 250_000,
      batch: 25_000,
      make: () => m.core && replyChunkingProperty(m.core, hostileBytes),
    },
    {
      name: "parser.random-bytes",
      runs: 100_000,
      batch: 25_000,
      make: () => m.core && replyChunkingProperty(m.core, fc.uint8Array({ maxLength: 400, size: "max" })),
    },
    {
      name: "parser.iac-storm",
      runs: 100_000,
      batch: 25_000,
      make: () => m.core && replyChunkingProperty(m.core, iacStorm),
    },
    {
      name: "parser.crlf-storm",
      runs: 100_000,
      batch: 25_000,
      make: () => m.core && replyChunkingProperty(m.core, crlfStorm),
    },
    { name: "parser.endless", runs: 600, batch: 100, make: () => m.core && endlessProperty(m.core) },
    { name: "parser.adapters", runs: 20_000, batch: 5_000, make: () => m.core && adaptersProperty(m.core) },
    {
      name: "parser.fixture-chunking",
      runs: 20_000,
      batch: 2_000,
      make: () => m.core && servers.length > 0 && fixtureChunkingProperty(m.core, servers),
    },
    {
      name: "commands.hostile-chunking",
      runs: 100_000,
      batch: 25_000,
      make: () => m.commands && commandChunkingProperty(m.commands, hostileBytes),
    },
    {
      name: "commands.storms",
      runs: 50_000,
      batch: 25_000,
      make: () => m.commands && commandChunkingProperty(m.commands, fc.oneof(iacStorm, crlfStorm)),
    },
    {
      name: "commands.roundtrip",
      runs: 50_000,
      batch: 25_000,
      make: () => m.commands && commandRoundtripProperty(m.commands),
    },
    {
      name: "decode.floods",
      runs: 30_000,
      batch: 5_000,
      make: () => m.decode && m.core && decoderFloodProperty(m.decode, m.core),
    },
    {
      name: "decode.roundtrip",
      runs: 100_000,
      batch: 25_000,
      make: () =>
        m.decode?.parsePasv &&
        m.decode.parseEpsv &&
        m.decode.parsePathname &&
        decoderRoundtripProperty(m.decode, m.core),
    },
    {
      name: "decode.pathname-bytes",
      runs: 100_000,
      batch: 25_000,
      make: () =>
        m.decode?.parsePathnameBytes &&
        m.core &&
        m.commands &&
        pathnameBytesProperty(m.decode, m.core, m.commands),
    },
    {
      name: "decode.modify-time",
      runs: 100_000,
      batch: 25_000,
      make: () => m.decode?.parseModifyTime && modifyTimeProperty(m.decode),
    },
    {
      name: "cli.process",
      runs: 2_000,
      batch: 100,
      make: () => m.cli && cliProcessProperty(m.cli),
    },
    {
      name: "pcap.frames",
      runs: 50_000,
      batch: 25_000,
      make: () => m.frames && m.pcap && frameDecodeProperty(m.frames, realFrames(m.pcap, captures)),
    },
    {
      name: "pcap.ftp-pipeline",
      runs: 10_000,
      batch: 1_000,
      make: () => m.ftp && captures.length > 0 && ftpCaptureProperty(m.ftp, captures),
    },
    {
      name: "pcap.bit-flips",
      runs: 20_000,
      batch: 2_000,
      make: () => m.pcap && captures.length > 0 && captureProperty(m.pcap, m.frames, captures),
    },
    {
      name: "pcap.generated",
      runs: 3_000,
      batch: 250,
      make: () => m.ftp && generatedCaptureProperty(m.ftp),
    },
    {
      name: "pcap.infinite",
      runs: 1_000,
      batch: 250,
      make: () => m.ftp?.analyzeFtpCapture && infiniteCaptureProperty(m.ftp),
    },
    {
      name: "logs.detect",
      runs: 10_000,
      batch: 1_000,
      make: () => m.transcripts?.readTranscript && transcriptProperty(m.transcripts),
    },
    {
      name: "decode.all-bytes",
      runs: 50_000,
      batch: 10_000,
      make: () => m.decode && m.core && decoderAllBytesProperty(m.decode, m.core),
    },
  ];
}

/** A 32-bit seed for batch `index` of property `name` under the campaign's base seed (FNV-1a mix). */
function batchSeed(base, name, index) {
  let h = 0x811c9dc5 ^ base;
  for (const ch of `${name}#${index}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
  return h | 0;
}

function readState() {
  return existsSync(STATE_FILE) ? JSON.parse(readFileSync(STATE_FILE, "utf8")) : undefined;
}

function writeState(state) {
  mkdirSync(STATE_DIR, { recursive: true });
  writeFileSync(`${STATE_FILE}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${STATE_FILE}.tmp`, STATE_FILE);
}

function describeValue(value) {
  const text = JSON.stringify(value, (_, v) => (v instanceof Uint8Array ? { hex: hex(v) } : v));
  return text.length > 4000 ? `${text.slice(0, 4000)}…` : text;
}

async function runBatch(property, seed, numRuns, path) {
  const started = performance.now();
  const params = { seed, numRuns, endOnFailure: false };
  if (path !== undefined) params.path = path;
  const details = await fc.check(property, params);
  return { details, seconds: (performance.now() - started) / 1000 };
}

function writeResults(state) {
  const rows = Object.entries(state.properties)
    .map(
      ([name, p]) =>
        `| ${name} | ${p.done.toLocaleString("en")} | ${p.batches} | ${p.seconds.toFixed(0)} | ${p.failures.length} |`,
    )
    .join("\n");
  const total = Object.values(state.properties).reduce((n, p) => n + p.done, 0);
  const failures = Object.values(state.properties).flatMap((p) => p.failures);
  const text = `# Fuzz campaign results

Written by \`npm run fuzz\` (scripts/fuzz.mjs) when a campaign completes.

- Started: ${state.started}
- Completed: ${state.completed}
- Base seed: ${state.seed} (replay: \`npm run fuzz -- --fresh --seed ${state.seed}\`)
- Node ${process.version}, fast-check ${fc.__version}
- Total runs: ${total.toLocaleString("en")}
- Failures: ${failures.length}

| property | runs | batches | seconds | failures |
|---|---:|---:|---:|---:|
${rows}
${
  failures.length === 0
    ? ""
    : `\n## Failures\n\n${failures
        .map(
          (f) =>
            `- \`${f.property}\` seed ${f.seed} path \`${f.path}\`: ${f.error.split("\n")[0]}\n  replay: \`npm run fuzz -- --replay ${f.property} ${f.seed} ${f.path}\``,
        )
        .join("\n")}\n`
}`;
  mkdirSync("fuzz", { recursive: true });
  writeFileSync(RESULTS_FILE, text);
}

async function main() {
  console.log("building src/ into .fuzz-state/build …");
  await buildModules();
  const modules = {
    core: await load("index.js"),
    // The command parser moved to command/parser.js: under its old path its three properties waited, unrun.
    commands: await load("command/parser.js"),
    transcripts: await load("node/transcripts/index.js"),
    decode: await loadDecoders(),
    pcap: await load("node/pcap/reader.js"),
    frames: await load("node/pcap/decode.js"),
    ftp: await load("node/pcap/ftp.js"),
    cli: existsSync(join(BUILD_DIR, "cli", "main.js")) ? join(BUILD_DIR, "cli", "main.js") : undefined,
  };
  const properties = catalogue(modules);

  if (has("--replay")) {
    const at = argv.indexOf("--replay");
    const [name, seedText, path] = argv.slice(at + 1, at + 4);
    const entry = properties.find((p) => p.name === name);
    const property = entry?.make();
    if (!property) throw new Error(`no property ${name} (or its module is missing)`);
    const { details } = await runBatch(property, Number(seedText), entry.batch, path);
    console.log(
      details.failed
        ? `${fc.defaultReportMessage(details)}\n${details.errorInstance instanceof Error ? details.errorInstance.stack : details.errorInstance}`
        : `no failure with seed ${seedText}`,
    );
    process.exit(details.failed ? 1 : 0);
  }

  const scale = Number(argumentValue("--scale") ?? 1);
  let state = has("--fresh") ? undefined : readState();
  if (state === undefined || state.completed) {
    if (state?.completed && !has("--fresh")) {
      console.log(`the campaign of seed ${state.seed} completed on ${state.completed}; starting a new one`);
    }
    const seed = Number(argumentValue("--seed") ?? Math.floor(Math.random() * 2 ** 31));
    state = { seed, scale, started: new Date().toISOString(), completed: undefined, properties: {} };
  }
  for (const p of properties) {
    state.properties[p.name] ??= {
      planned: Math.max(1, Math.round(p.runs * state.scale)),
      done: 0,
      batches: 0,
      seconds: 0,
      failures: [],
    };
  }
  writeState(state);
  const only = argumentValue("--only")?.split(",");
  const planned = Object.values(state.properties).reduce((n, p) => n + p.planned, 0);
  console.log(
    `fuzz campaign: base seed ${state.seed}, ${planned.toLocaleString("en")} runs planned, state in ${STATE_FILE}`,
  );

  let anyFailure = false;
  let waiting = 0;
  for (const entry of properties) {
    if (only && !only.includes(entry.name)) continue;
    const p = state.properties[entry.name];
    if (p.failures.length > 0) {
      anyFailure = true;
      console.log(`${entry.name}: failed before (seed ${p.failures[0].seed}), skipped; fix it, then --fresh`);
      continue;
    }
    if (p.done >= p.planned) continue;
    const property = entry.make();
    if (!property) {
      waiting++;
      console.log(`${entry.name}: its module or fixtures are not in the tree yet; waiting`);
      continue;
    }
    while (p.done < p.planned) {
      const numRuns = Math.min(entry.batch, p.planned - p.done);
      const seed = batchSeed(state.seed, entry.name, p.batches);
      const { details, seconds } = await runBatch(property, seed, numRuns);
      p.seconds += seconds;
      if (details.failed) {
        anyFailure = true;
        const failure = {
          property: entry.name,
          seed,
          path: details.counterexamplePath,
          counterexample: describeValue(details.counterexample),
          error: String(
            details.errorInstance instanceof Error ? details.errorInstance.message : details.errorInstance,
          ),
          found: new Date().toISOString(),
        };
        p.failures.push(failure);
        writeState(state);
        console.log(
          `\n${entry.name}: FAILED (batch ${p.batches}, seed ${seed})\n${fc.defaultReportMessage(details)}\n${failure.error}\n`,
        );
        break;
      }
      p.done += details.numRuns;
      p.batches++;
      writeState(state);
      console.log(
        `${entry.name}: batch ${p.batches} seed ${seed}: ${details.numRuns} runs in ${seconds.toFixed(1)} s (${p.done}/${p.planned})`,
      );
    }
  }
  const complete = Object.values(state.properties).every((p) => p.done >= p.planned || p.failures.length > 0);
  if (complete && waiting === 0 && !only) {
    state.completed = new Date().toISOString();
    writeState(state);
    writeResults(state);
    console.log(`campaign complete; results in ${RESULTS_FILE}`);
  }
  const total = Object.values(state.properties).reduce((n, p) => n + p.done, 0);
  console.log(
    `base seed ${state.seed}: ${total.toLocaleString("en")} runs done${anyFailure ? ", FAILURES (see above)" : ""}`,
  );
  process.exit(anyFailure ? 1 : 0);
}

await main();
