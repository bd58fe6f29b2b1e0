// Empties dist/ before tsup runs its two configurations (ESM and CJS) side by side: tsup's own `clean` would let
// one configuration delete what the other has just written.
import { rmSync } from "node:fs";

rmSync(new URL("../dist", import.meta.url), { recursive: true, force: true });
