/**
 * Several callbacks for one event (a warning then the reply, the Telnet commands of a line): each runs even when
 * one before it throws, so nothing is lost, and the first error is thrown once they all ran.
 */

/** No error (a callback that threw `undefined` is an error too). */
export const NO_ERROR: unique symbol = Symbol("no error");

/** Runs `call`; what it threw, or `NO_ERROR`. */
export function attempt(call: () => void): unknown {
  try {
    call();
    return NO_ERROR;
  } catch (error) {
    return error;
  }
}

/** Runs `last`, then throws `failure` (the first error of the callbacks before it) if there was one. */
export function finish(failure: unknown, last: () => void): void {
  const error = attempt(last);
  if (failure !== NO_ERROR) throw failure;
  if (error !== NO_ERROR) throw error;
}

/** Calls `each` for every item even when one call throws; then throws the first error. */
export function forEachThen<T>(items: readonly T[], each: (item: T) => void): void {
  let failure: unknown = NO_ERROR;
  for (const item of items) {
    const error = attempt(() => each(item));
    if (failure === NO_ERROR) failure = error;
  }
  if (failure !== NO_ERROR) throw failure;
}
