import { posix } from "node:path";

/**
 * Globs for forbidden paths, matched against repository-relative POSIX paths.
 * `*` and `?` stay within one path segment, `**` crosses segments, `{a,b}` is either.
 * A pattern without a `/` matches the file name at any depth (as in .gitignore), so
 * `*.pem` forbids `certs/prod.pem`; a leading `/` anchors it at the repository root.
 */
export function globToRegExp(glob: string): RegExp {
  let pattern = glob.startsWith("/") ? glob.slice(1) : glob;
  const anywhere = !glob.includes("/");
  if (pattern.endsWith("/")) pattern += "**";
  let out = "";
  let braces = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === "*") {
      if (pattern[i + 1] === "*") {
        const slashAfter = pattern[i + 2] === "/";
        out += slashAfter ? "(?:.*/)?" : ".*";
        i += slashAfter ? 2 : 1;
      } else {
        out += "[^/]*";
      }
    } else if (c === "?") {
      out += "[^/]";
    } else if (c === "{") {
      braces++;
      out += "(?:";
    } else if (c === "}" && braces > 0) {
      braces--;
      out += ")";
    } else if (c === "," && braces > 0) {
      out += "|";
    } else {
      out += c.replace(/[\\^$.|+()[\]{}]/g, "\\$&");
    }
  }
  return new RegExp(`^${anywhere ? "(?:.*/)?" : ""}${out}$`);
}

/**
 * A repository-relative path in canonical form, or null when it leaves the repository
 * (`../x`, an absolute path): such a path can never be allowed.
 */
export function normalizeRepoPath(path: string): string | null {
  if (path.startsWith("/")) return null;
  const normal = posix.normalize(path.replaceAll("\\", "/"));
  if (normal === ".." || normal.startsWith("../")) return null;
  return normal.replace(/^\.\//, "");
}

/** The first glob that matches `path`, or undefined. */
export function firstMatchingGlob(globs: readonly string[], path: string): string | undefined {
  return globs.find((g) => globToRegExp(g).test(path));
}
