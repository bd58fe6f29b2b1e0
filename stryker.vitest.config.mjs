// The vitest config of mutation runs: vitest.config.ts with `include` narrowed to the mutated module's own tests
// (MODULES in stryker.config.mjs). The tests are chosen here, not with Stryker's `testFiles`: with `testFiles`,
// Stryker 9.6.1 activates static mutants (module-level constants and tables) after their module is loaded, so
// tests that kill them are not seen and they are reported as survivors (stryker-js issue #6144).
import { defineConfig } from "vitest/config";
import { MODULES } from "./stryker.config.mjs";
import base from "./vitest.config.ts";

const module = MODULES[process.env.MUTATE_MODULE ?? "parser"];

export default defineConfig({ test: { ...base.test, include: module.testFiles } });
