import type { Lang } from "../codes.js";

/**
 * The language the CLI writes in, from the POSIX locale variables: the first of `LC_ALL`, `LC_MESSAGES` and
 * `LANG` that is set and not empty decides (POSIX precedence), and a locale starting with `zh` (`zh_CN.UTF-8`,
 * `zh_TW`, `zh`) means Chinese. Anything else, or nothing set, means English.
 */
export function detectLang(env: Record<string, string | undefined>): Lang {
  for (const name of ["LC_ALL", "LC_MESSAGES", "LANG"] as const) {
    const value = env[name];
    if (value !== undefined && value !== "") {
      return value.toLowerCase().startsWith("zh") ? "zh" : "en";
    }
  }
  return "en";
}
