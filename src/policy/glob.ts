import { posix } from "node:path";
import picomatch from "picomatch";
import { AppError, ErrorCode } from "../domain/errors.ts";

/**
 * Globs for forbidden paths, matched against repository-relative POSIX paths, with
 * picomatch (a maintained matcher, issue 14) under prode's conventions:
 * `*` and `?` stay within one path segment, `**` crosses segments, `{a,b}` is either,
 * `[ab]` is a class and `[!a]` its complement, and
 * dotfiles match (`*.env` forbids `.env`: a forbidden list that skipped dotfiles would
 * skip the files most worth forbidding). A pattern without a `/` matches the file name at
 * any depth (as in .gitignore), so `*.pem` forbids `certs/prod.pem`; a leading `/`
 * anchors it at the repository root; a trailing `/` forbids everything below.
 *
 * Parentheses are literal (`app/(auth)/page.tsx` is a real path in framework layouts),
 * and a leading `!` is literal too: a forbidden list has no negation, since the first
 * matching glob is the one named.
 */
const OPTIONS: picomatch.PicomatchOptions = {
  dot: true,
  nonegate: true,
  noextglob: true,
  windows: false,
};

/** The picomatch pattern for one of prode's globs. */
function toPicomatch(glob: string): string {
  const anywhere = !glob.includes("/");
  let pattern = glob.startsWith("/") ? glob.slice(1) : glob;
  if (pattern.endsWith("/")) pattern += "**";
  // Literal parentheses: picomatch would read `(x)` as a regex group matching `x`.
  pattern = pattern.replace(/[()]/g, "\\$&");
  // `[!a]` negates a class in shells; picomatch reads it as "`!` or `a`".
  pattern = pattern.replace(/\[!/g, "[^");
  return anywhere ? `**/${pattern}` : pattern;
}

const compiled = new Map<string, RegExp>();

/** The glob as a regular expression over a whole repository-relative path (cached). */
export function globToRegExp(glob: string): RegExp {
  let re = compiled.get(glob);
  if (re === undefined) {
    re = compile(glob);
    // Policy files hold a handful of globs; the cap only guards against unbounded input.
    if (compiled.size > 1000) compiled.clear();
    compiled.set(glob, re);
  }
  return re;
}

/** picomatch's answer for a pattern it cannot parse: a regex that matches nothing. */
const NEVER = "$^";

/**
 * Compiles one glob. An unbalanced brace (`*.{ts`) makes picomatch return a pattern that
 * matches nothing, which would silently forbid nothing: the braces are then read
 * literally, and a glob that still does not compile is refused.
 */
function compile(glob: string): RegExp {
  const pattern = toPicomatch(glob);
  let re = picomatch.makeRe(pattern, OPTIONS);
  if (re.source === NEVER) re = picomatch.makeRe(pattern.replace(/[{}]/g, "\\$&"), OPTIONS);
  if (re.source === NEVER) {
    throw new AppError(ErrorCode.BadInput, `the path glob '${glob}' does not compile`);
  }
  return re;
}

/** Whether `path` (repository-relative, normalised) matches `glob`. */
export function matchesGlob(glob: string, path: string): boolean {
  return globToRegExp(glob).test(path);
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
  return globs.find((g) => matchesGlob(g, path));
}
