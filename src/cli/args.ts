/**
 * Option parsing shared by the `ftp-reply` subcommands (`parse`, `log`, `pcap`). No dependency: the grammar is
 * small — long options with a value (`--format json` or `--format=json`), flags, `-h`/`-V`, `--` to end options,
 * and `-` as a positional meaning stdin.
 */
import packageJson from "../../package.json" with { type: "json" };
import type { Lang } from "../codes.js";
import { createTextDecoder } from "../lines/text.js";
import { cutArgument } from "../node/escape.js";
import { shouldColor } from "./color.js";
import { detectLang } from "./locale.js";
import { OUTPUT_FORMATS, type OutputFormat } from "./output.js";

/** Exit codes: 0 ok; 1 the input had protocol errors (with --strict) or a capture is damaged; 2 usage or I/O error. */
export const EXIT_OK = 0;
export const EXIT_PROTOCOL_ERRORS = 1;
export const EXIT_USAGE = 2;

/** What a subcommand reads and writes: the process's streams, or stand-ins in tests. */
export interface CliIO {
  readonly stdout: {
    write(text: string): unknown;
    readonly isTTY?: boolean | undefined;
    once?(event: "drain", listener: () => void): unknown;
  };
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean | undefined };
  readonly stdin: AsyncIterable<Uint8Array | string>;
  readonly env: Record<string, string | undefined>;
}

/** The package's version, for `-V`/`--version` (on its own or after a subcommand). */
export const VERSION: string = packageJson.version;

/** A mistake in the command line: printed as one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** The options every reading subcommand understands. */
export interface CommonOptions {
  format: OutputFormat;
  summary: boolean;
  /** The text encoding of the input (`utf-8`, `auto`, or a WHATWG label such as `gbk`, `latin1`). */
  encoding: string;
  /** Exit 1 when the input had protocol errors. */
  strict: boolean;
  lang: Lang;
  /** Colour the pretty output: `--color`/`--no-color`, else `FORCE_COLOR`/`NO_COLOR`/TTY. */
  color: boolean;
  /**
   * Show PASS arguments instead of masking them: `true` (`--show-passwords`) all of them, `"guest"`
   * (`--guest-passwords`) only those of anonymous users (anonymous, ftp, ftpuser, guest), as Zeek does.
   */
  showPasswords: boolean | "guest";
  /** `--format zeek`: only the rows of Zeek's `FTP::logged_commands` (`--logged-commands`). */
  zeekLoggedCommands: boolean;
  help: boolean;
  version: boolean;
}

/** An option a subcommand adds to the common ones. */
export interface OptionSpec {
  /** The long name without dashes, e.g. `input-format`. */
  name: string;
  /** Whether it takes a value. */
  takesValue: boolean;
  /** The values it accepts (checked here), if limited. */
  values?: readonly string[];
}

export interface ParsedArgs {
  options: CommonOptions;
  /** The subcommand's own options: the value, or `true` for a flag. */
  extra: Map<string, string | true>;
  /** Arguments that are not options (files; `-` is stdin). */
  positionals: string[];
}

/** What decides the defaults: the environment and whether stdout is a terminal. */
export interface ArgsContext {
  env: Record<string, string | undefined>;
  stdoutIsTTY: boolean | undefined;
}

const COMMON_SPECS: readonly OptionSpec[] = [
  { name: "format", takesValue: true, values: OUTPUT_FORMATS },
  { name: "summary", takesValue: false },
  { name: "encoding", takesValue: true },
  { name: "strict", takesValue: false },
  { name: "lang", takesValue: true, values: ["zh", "en"] },
  { name: "color", takesValue: false },
  { name: "no-color", takesValue: false },
  { name: "show-passwords", takesValue: false },
  { name: "guest-passwords", takesValue: false },
  { name: "logged-commands", takesValue: false },
  { name: "help", takesValue: false },
  { name: "version", takesValue: false },
];

const SHORT_OPTIONS: Record<string, string> = { h: "help", V: "version", f: "format", s: "summary" };

/**
 * Labels `TextDecoder` knows that keep ASCII as ASCII, plus `auto` (UTF-8 where valid, else windows-1252): the
 * same check the parsers make (`createTextDecoder`), here, so that a bad label is a usage error, not a failure
 * once reading has begun.
 */
function checkEncoding(label: string): string {
  if (label === "auto") return label;
  const quoted = JSON.stringify(cutArgument(label));
  try {
    new TextDecoder(label);
  } catch {
    throw new UsageError(`unknown --encoding ${quoted} (use utf-8, auto, or a label such as gbk)`);
  }
  try {
    createTextDecoder(label);
  } catch {
    throw new UsageError(
      `--encoding ${quoted} is not ASCII-compatible: FTP lines cannot be framed in it (use utf-8, auto, or a label such as gbk)`,
    );
  }
  return label;
}

/**
 * Parses a subcommand's arguments (those after the subcommand's name).
 *
 * @throws UsageError on an unknown option, a missing or unaccepted value.
 */
export function parseArgs(
  argv: readonly string[],
  context: ArgsContext,
  extraSpecs: readonly OptionSpec[] = [],
): ParsedArgs {
  const specs = new Map<string, OptionSpec>();
  for (const spec of [...COMMON_SPECS, ...extraSpecs]) specs.set(spec.name, spec);
  const given = new Map<string, string | true>();
  const positionals: string[] = [];
  let optionsEnded = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (optionsEnded || arg === "-" || !arg.startsWith("-")) {
      positionals.push(arg);
      continue;
    }
    if (arg === "--") {
      optionsEnded = true;
      continue;
    }
    let name: string;
    let value: string | undefined;
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      value = eq === -1 ? undefined : arg.slice(eq + 1);
    } else {
      const long = arg.length === 2 ? SHORT_OPTIONS[arg.slice(1)] : undefined;
      if (long === undefined) throw new UsageError(`unknown option ${cutArgument(arg)}`);
      name = long;
    }
    const spec = specs.get(name);
    if (spec === undefined) throw new UsageError(`unknown option ${cutArgument(arg)}`);
    if (!spec.takesValue) {
      if (value !== undefined) throw new UsageError(`--${name} takes no value`);
      given.set(name, true);
      continue;
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
    }
    if (spec.values !== undefined && !spec.values.includes(value)) {
      throw new UsageError(
        `--${name} takes ${spec.values.join(", ")}, not ${JSON.stringify(cutArgument(value))}`,
      );
    }
    given.set(name, value);
  }

  const extra = new Map<string, string | true>();
  for (const spec of extraSpecs) {
    const value = given.get(spec.name);
    if (value !== undefined) extra.set(spec.name, value);
  }
  const color = given.has("no-color")
    ? false
    : given.has("color")
      ? true
      : shouldColor(context.env, context.stdoutIsTTY);
  const langValue = given.get("lang");
  const options: CommonOptions = {
    format: (given.get("format") as OutputFormat | undefined) ?? "pretty",
    summary: given.has("summary"),
    encoding: checkEncoding((given.get("encoding") as string | undefined) ?? "utf-8"),
    strict: given.has("strict"),
    lang: typeof langValue === "string" ? (langValue as Lang) : detectLang(context.env),
    color,
    showPasswords: given.has("show-passwords") ? true : given.has("guest-passwords") ? "guest" : false,
    zeekLoggedCommands: given.has("logged-commands"),
    help: given.has("help"),
    version: given.has("version"),
  };
  return { options, extra, positionals };
}

/** The help text of the common options, for each subcommand's usage. */
export const COMMON_OPTIONS_HELP = `  -f, --format F      pretty (default), json, ndjson or zeek (Zeek ftp.log TSV)
  -s, --summary       counts by code and class, logins, errors, transfers, bytes
      --encoding E    text encoding of the input: utf-8 (default), auto, or a label (gbk, latin1 …)
      --strict        exit 1 when the input has protocol errors
      --lang zh|en    language of the meanings (default: from LC_ALL, LC_MESSAGES, LANG)
      --color, --no-color
                      colour the pretty output (default: on a terminal; honours NO_COLOR, FORCE_COLOR)
      --show-passwords  print PASS arguments instead of <hidden>
      --guest-passwords print only anonymous users' PASS arguments (anonymous, ftp, ftpuser, guest), as Zeek
      --logged-commands zeek: only Zeek's logged_commands (APPE DELE RETR STOR STOU ACCT PORT PASV EPRT EPSV)
  -h, --help          this text
  -V, --version       the version`;
