import type fc from "fast-check";

export interface CliRun {
  command: string;
  args: string[];
  stdin: string | Uint8Array;
}

export interface CliResult {
  status: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** Peak resident set size in bytes, when the run reported it. */
  rss?: number | undefined;
}

export declare const CLI_HEAP_MIB: number;
export declare const CLI_RSS_MIB: number;
export declare function cliRunArbitrary(fast: typeof fc): fc.Arbitrary<CliRun>;
export declare function runCli(cli: string, cwd: string, run: CliRun): CliResult;
export declare function cliRunProblems(result: CliResult, run: Pick<CliRun, "command" | "args">): string[];
