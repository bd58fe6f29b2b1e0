// Types of scripts/bundle-size.mjs, for the test that runs it (test/package/size.test.ts).
export interface Budget {
  readonly minified: number;
  readonly gzipped: number;
}
export interface MeasuredRow {
  readonly id: string;
  readonly import: string;
  readonly budget: Budget;
  readonly status: "ok" | "over" | "pending";
  readonly reason?: string;
  readonly results?: Record<string, Budget>;
  readonly over?: readonly string[];
}
export interface Measurement {
  readonly rows: readonly MeasuredRow[];
}
export declare const ROWS: readonly { readonly id: string; readonly from: string; readonly budget: Budget }[];
export declare const BUNDLERS: readonly string[];
export declare const TABLE_FILES: readonly string[];
export declare function measure(packageDir?: string): Promise<Measurement>;
export declare function formatTable(measurement: Measurement): string;
export declare function committedTable(file: string): string | undefined;
