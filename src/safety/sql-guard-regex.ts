/**
 * Regular expressions that burn CPU. Postgres' regex engine backtracks to find where
 * capture groups match, so a quantified group that itself holds a quantifier — `(a+)+$`,
 * `(x*)*`, `(a|aa){2,}` — or a back-reference can run until the statement timeout on a
 * short input. The guard reads every pattern the statement gives a regex operator or
 * function (they must be literals, so the pattern is known before it runs) and refuses
 * those shapes. SIMILAR TO patterns are read after translating `%` and `_` to `.*` and `.`,
 * as Postgres does.
 */

/** Longer patterns are refused: no triage filter needs a kilobyte of regex. */
export const MAX_REGEX_LENGTH = 500;

/** The largest count a bounded repetition `{m,n}` may ask for. */
const MAX_REPEAT = 100;

interface Group {
  /** The group (or a group inside it) holds a quantifier. */
  repeats: boolean;
  /** The group has `|` at its own level. */
  alternation: boolean;
}

type Quantifier = { repeating: boolean; bound: number } | undefined;

/** Reads a quantifier at `i`: its length and whether it repeats (can match twice or more). */
function quantifierAt(p: string, i: number): { length: number; q: Quantifier } {
  const c = p[i];
  if (c === "*" || c === "+") return { length: lazy(p, i + 1), q: { repeating: true, bound: 0 } };
  if (c === "?") return { length: lazy(p, i + 1), q: { repeating: false, bound: 0 } };
  if (c === "{") {
    const m = /^\{(\d*)(,?)(\d*)\}/.exec(p.slice(i));
    if (m) {
      const low = Number(m[1] || 0);
      const high = m[2] ? (m[3] ? Number(m[3]) : Number.POSITIVE_INFINITY) : low;
      const bound = Math.max(low, Number.isFinite(high) ? high : low);
      return {
        length: lazy(p, i + m[0].length),
        q: { repeating: high > 1, bound },
      };
    }
  }
  return { length: 0, q: undefined };
}

function lazy(p: string, next: number): number {
  return p[next] === "?" ? next + 1 : next;
}

/** The index just past a bracket expression starting at `i` (`[`). */
function skipBracket(p: string, i: number): number {
  let j = i + 1;
  if (p[j] === "^") j++;
  if (p[j] === "]") j++; // a leading ] is a literal
  while (j < p.length && p[j] !== "]") {
    if (p[j] === "[" && (p[j + 1] === ":" || p[j + 1] === "." || p[j + 1] === "=")) {
      const close = p.indexOf(`${p[j + 1]}]`, j + 2);
      j = close === -1 ? p.length : close + 2;
    } else if (p[j] === "\\") j += 2;
    else j++;
  }
  return j + 1;
}

/** SIMILAR TO's wildcards as the regex Postgres builds from them. */
function similarToRegex(pattern: string): string {
  let out = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") {
      out += pattern.slice(i, i + 2);
      i++;
    } else if (c === "[") {
      const end = skipBracket(pattern, i);
      out += pattern.slice(i, end);
      i = end - 1;
    } else if (c === "%") out += ".*";
    else if (c === "_") out += ".";
    else out += c;
  }
  return out;
}

/**
 * Why `pattern` is refused, or undefined when it is safe to run. `dialect` "similar"
 * reads a SIMILAR TO pattern.
 */
export function regexProblem(
  pattern: string,
  dialect: "posix" | "similar" = "posix",
): string | undefined {
  if (pattern.length > MAX_REGEX_LENGTH) {
    return `regular expression is too long (over ${MAX_REGEX_LENGTH} characters)`;
  }
  // ***= makes the rest a literal string.
  if (dialect === "posix" && pattern.startsWith("***=")) return undefined;
  const p = dialect === "similar" ? similarToRegex(pattern) : pattern.replace(/^\*\*\*:/, "");
  const stack: Group[] = [{ repeats: false, alternation: false }];
  let last: Group | "atom" | undefined;
  for (let i = 0; i < p.length; ) {
    const c = p[i];
    if (c === "\\") {
      const next = p[i + 1] ?? "";
      if (/[1-9]/.test(next) || (next === "k" && p[i + 2] === "<")) {
        return "back-references in a regular expression are not allowed: they make matching exponential";
      }
      last = "atom";
      i += 2;
      continue;
    }
    if (c === "[") {
      last = "atom";
      i = skipBracket(p, i);
      continue;
    }
    if (c === "(") {
      stack.push({ repeats: false, alternation: false });
      last = undefined;
      // (?: (?= (?! (?<= (?<! and embedded options (?i) are still groups
      i += p[i + 1] === "?" ? 2 : 1;
      continue;
    }
    if (c === ")") {
      const group = stack.length > 1 ? stack.pop() : undefined;
      const parent = stack[stack.length - 1];
      if (group && parent && group.repeats) parent.repeats = true;
      last = group ?? "atom";
      i++;
      continue;
    }
    if (c === "|") {
      const top = stack[stack.length - 1];
      if (top) top.alternation = true;
      last = undefined;
      i++;
      continue;
    }
    const { length, q } = quantifierAt(p, i);
    if (q) {
      if (q.bound > MAX_REPEAT) {
        return `a repetition count above ${MAX_REPEAT} in a regular expression is not allowed`;
      }
      if (q.repeating && typeof last === "object" && (last.repeats || last.alternation)) {
        return last.repeats
          ? "a regular expression with a nested quantifier (like (a+)+) is not allowed: it can backtrack exponentially"
          : "a repeated alternation (like (a|aa)+) in a regular expression is not allowed: it can backtrack exponentially";
      }
      // Any quantifier inside a group makes repeating that group ambiguous: (a?)+ too.
      const top = stack[stack.length - 1];
      if (top) top.repeats = true;
      last = undefined;
      i = length;
      continue;
    }
    last = "atom";
    i++;
  }
  return undefined;
}

/** The regex inside each `like_regex "…"` of a jsonpath literal. */
export function jsonpathRegexes(path: string): string[] {
  const found: string[] = [];
  for (const m of path.matchAll(/like_regex\s+"((?:[^"\\]|\\.)*)"/g)) {
    found.push((m[1] ?? "").replace(/\\(.)/g, "$1"));
  }
  return found;
}
