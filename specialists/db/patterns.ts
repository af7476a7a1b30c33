/**
 * Declared patterns: a data check's symptoms and entity id pattern are written as strings
 * in the service catalog (policy/services/<service>.yaml, `data_checks:`) and compiled
 * here. A pattern runs over ticket text an outsider wrote, so it is bounded: at most
 * {@link MAX_PATTERN_LENGTH} characters, and no quantified group that itself contains a
 * quantifier or an alternation (`(a+)+`, `(a|a)*`), the shapes that backtrack
 * exponentially.
 */

export const MAX_PATTERN_LENGTH = 200;

/** A group (capturing or not) whose body holds a quantifier or `|`, itself quantified. */
const NESTED_QUANTIFIER =
  /\((?:[^()\\]|\\.)*(?:[+*|]|\{\d+,?\d*\})(?:[^()\\]|\\.)*\)(?:[+*]|\{\d+,?\d*\})/;

/** Why `source` may not be used as a declared pattern, or undefined when it may. */
export function patternProblem(source: string): string | undefined {
  if (source.length === 0) return "an empty pattern matches every ticket";
  if (source.length > MAX_PATTERN_LENGTH) {
    return `a pattern is at most ${MAX_PATTERN_LENGTH} characters (this one has ${source.length})`;
  }
  try {
    new RegExp(source, "u");
  } catch (error) {
    return `not a valid regular expression (${(error as Error).message})`;
  }
  if (NESTED_QUANTIFIER.test(source)) {
    return "a quantified group holding a quantifier or an alternation can backtrack without end";
  }
  return undefined;
}

/**
 * Compiles a declared pattern: symptoms match case-insensitively (`i`), entity patterns
 * globally (`g`, every id the ticket names). Throws with the reason on a refused pattern.
 */
export function compilePattern(source: string, use: "symptom" | "entity"): RegExp {
  const problem = patternProblem(source);
  if (problem) throw new Error(`pattern '${source.slice(0, 60)}': ${problem}`);
  return new RegExp(source, use === "symptom" ? "iu" : "gu");
}
