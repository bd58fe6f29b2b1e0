/**
 * Error brands: how the `is…Error` guards recognise this library's errors without `instanceof`.
 *
 * `instanceof` fails across copies of the library: the ESM and the CJS build loaded side by side (the
 * dual-package hazard), two installed versions, or another realm (a worker's or a `node:vm` context's errors
 * passed back). Each error instead carries an own, non-enumerable property under a registered symbol
 * (`Symbol.for`, shared by every copy and every realm of the process) whose value is the class name. The guards
 * read that property; they accept every version of this library that sets it.
 */
const ERROR_BRAND: unique symbol = Symbol.for("ftp-reply.error");

/** Marks `error` as an error of class `name`. Call in the constructor. */
export function brandError(error: Error, name: string): void {
  Object.defineProperty(error, ERROR_BRAND, { value: name, enumerable: false, configurable: true });
}

/** The brand of `value`, or undefined when it is not a branded error. */
export function errorBrand(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const brand = (value as { [ERROR_BRAND]?: unknown })[ERROR_BRAND];
  return typeof brand === "string" ? brand : undefined;
}
