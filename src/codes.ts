// TEMPORARY STUB — replaced by the code table (issue 3).
export interface CodeInfo {
  readonly code: number;
  readonly class: number;
}
const cache: CodeInfo[] = [];
export function describeCode(code: number): CodeInfo {
  if (!Number.isInteger(code) || code < 100 || code > 699) throw new RangeError(`not a reply code: ${code}`);
  let info = cache[code];
  if (info === undefined) {
    info = Object.freeze({ code, class: Math.floor(code / 100) });
    cache[code] = info;
  }
  return info;
}
