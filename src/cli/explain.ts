/**
 * `ftp-reply explain <code…>`: what reply codes mean, in Chinese or English.
 *
 *   ftp-reply explain 227 530          the entries as text, in the locale's language
 *   ftp-reply explain --lang zh 150    in Chinese whatever the locale
 *   ftp-reply explain --json 421       the entries as JSON (both languages)
 *   ftp-reply explain --all            every documented code
 */
import { type CodeInfo, describeCode, formatCode, type Lang, listCodes } from "../codes.js";
import { cutArgument, escapeText } from "../node/escape.js";
import { detectLang } from "./locale.js";

/** Where `runExplain` writes, and the environment it reads the locale from. */
export interface ExplainIO {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly env: Record<string, string | undefined>;
}

const EXPLAIN_USAGE = `usage: ftp-reply explain [--lang zh|en] [--json] (<code>... | --all)

Prints what FTP reply codes mean: class, function group, meaning, cause, note and the defining document.
  <code>       a reply code: three digits, the first 1-6 (e.g. 227)
  --all        every documented code
  --lang zh|en the language (default: from LC_ALL, LC_MESSAGES, LANG; zh* means Chinese)
  --json       the entries as JSON, both languages
  -h, --help   this text
`;

const EXIT_OK = 0;
const EXIT_USAGE = 2;

class UsageError extends Error {}

interface ExplainArgs {
  readonly codes: number[];
  readonly all: boolean;
  readonly json: boolean;
  readonly lang: Lang | undefined;
  readonly help: boolean;
}

function parseLang(value: string | undefined): Lang {
  if (value === "zh" || value === "en") return value;
  throw new UsageError(
    `--lang takes zh or en, not ${value === undefined ? "nothing" : JSON.stringify(cutArgument(value))}`,
  );
}

function parseCode(arg: string): number {
  // RFC 959 §4.2: three digits; first digit 1-5, and 6 for RFC 2228's protected replies.
  if (!/^[1-6][0-9]{2}$/.test(arg)) {
    throw new UsageError(
      `not an FTP reply code: ${JSON.stringify(cutArgument(arg))} (expected three digits, the first 1-6)`,
    );
  }
  return Number(arg);
}

function parseArgs(argv: readonly string[]): ExplainArgs {
  const codes: number[] = [];
  let all = false;
  let json = false;
  let help = false;
  let lang: Lang | undefined;
  let optionsEnded = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (optionsEnded || !arg.startsWith("-")) {
      codes.push(parseCode(arg));
    } else if (arg === "--") {
      optionsEnded = true;
    } else if (arg === "--all") {
      all = true;
    } else if (arg === "--json") {
      json = true;
    } else if (arg === "-h" || arg === "--help") {
      help = true;
    } else if (arg === "--lang") {
      i++;
      lang = parseLang(argv[i]);
    } else if (arg.startsWith("--lang=")) {
      lang = parseLang(arg.slice("--lang=".length));
    } else {
      throw new UsageError(`unknown option ${cutArgument(arg)}`);
    }
  }
  if (!help) {
    if (all && codes.length > 0) throw new UsageError("--all takes no codes");
    if (!all && codes.length === 0) throw new UsageError("no code given (give one or more codes, or --all)");
  }
  return { codes, all, json, lang, help };
}

/**
 * Runs `ftp-reply explain` with the arguments after `explain`.
 *
 * @returns the exit code: 0 when the entries were printed, 2 on a usage error (one line on stderr).
 */
export async function runExplain(argv: string[], io: ExplainIO): Promise<number> {
  let args: ExplainArgs;
  try {
    args = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`ftp-reply explain: ${escapeText(error.message)}; see ftp-reply explain --help\n`);
    return EXIT_USAGE;
  }
  if (args.help) {
    io.stdout.write(EXPLAIN_USAGE);
    return EXIT_OK;
  }
  const entries: readonly CodeInfo[] = args.all ? listCodes() : args.codes.map(describeCode);
  if (args.json) {
    io.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
    return EXIT_OK;
  }
  const lang = args.lang ?? detectLang(io.env);
  io.stdout.write(`${entries.map((info) => formatCode(info, { lang })).join("\n\n")}\n`);
  return EXIT_OK;
}
