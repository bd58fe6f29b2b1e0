/**
 * Property tests for every test file: plain `fast-check` inside ordinary vitest tests.
 *
 * Not @fast-check/vitest's `test.prop`: vitest inlines it with all of fast-check, about 4–8 s of module loading
 * per test file, paid again for every mutant under Stryker (plain `fast-check` loads in milliseconds); and it
 * writes a fresh random seed into each test's name, while Stryker picks a mutant's tests by name, so its property
 * tests never ran against a mutant. Names stay plain here; a failure's message still gives the seed and the
 * counterexample (`fc.assert`).
 */
import fc from "fast-check";
import { test } from "vitest";

/**
 * Property-test settings, called once by each test file: FC_RUNS sets the run count (lower for mutation runs,
 * higher for a longer local campaign). Under Stryker the seed is fixed, so that a mutant a property kills is
 * killed in every run.
 */
export function configureProperties(): void {
  const underStryker = process.env.STRYKER_MUTATOR_WORKER !== undefined;
  if (process.env.FC_RUNS || underStryker) {
    fc.configureGlobal({
      ...(process.env.FC_RUNS ? { numRuns: Number(process.env.FC_RUNS) } : {}),
      ...(underStryker ? { seed: 959 } : {}),
    });
  }
}

/** `propertyTest.prop([arbitraries])(name, predicate)`: a vitest test that checks `predicate` with fast-check. */
export const propertyTest = {
  prop<Ts extends [unknown, ...unknown[]]>(arbitraries: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> }) {
    return (name: string, predicate: (...args: Ts) => boolean | undefined, timeout?: number): void => {
      test(
        name,
        () => {
          fc.assert(fc.property<Ts>(...arbitraries, predicate));
        },
        timeout,
      );
    };
  },
};

/** `asyncPropertyTest.prop([arbitraries])(name, predicate)`: the same for a predicate that returns a promise. */
export const asyncPropertyTest = {
  prop<Ts extends [unknown, ...unknown[]]>(arbitraries: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> }) {
    return (
      name: string,
      predicate: (...args: Ts) => Promise<boolean | undefined>,
      timeout?: number,
    ): void => {
      test(name, () => fc.assert(fc.asyncProperty<Ts>(...arbitraries, predicate)), timeout);
    };
  },
};

export { fc };
