/** Paths named by commands, resolved against the working directory the session tracks. */

/** Joins `arg` to `cwd` and removes `.`, `..` and repeated slashes. Undefined when the base is unknown. */
export function resolvePath(cwd: string | undefined, arg: string): string | undefined {
  const absolute = arg.startsWith("/");
  if (!absolute && cwd === undefined) return undefined;
  const joined = absolute ? arg : `${cwd}/${arg}`;
  const rooted = joined.startsWith("/");
  const parts: string[] = [];
  for (const part of joined.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === ".." && parts.length > 0 && parts[parts.length - 1] !== "..") parts.pop();
    else if (part !== ".." || !rooted) parts.push(part);
  }
  const path = parts.join("/");
  return rooted ? `/${path}` : path === "" ? "." : path;
}
