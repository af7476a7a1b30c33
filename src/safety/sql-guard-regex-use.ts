import { catalogName, type JsonObject, names, refuse, stringLiteral } from "./sql-guard-names.ts";
import { jsonpathRegexes, regexProblem } from "./sql-guard-regex.ts";

/**
 * Where a statement hands a pattern to Postgres' regex engine, and the check of each
 * pattern (sql-guard-regex.ts). The pattern must be a literal — one built from a column
 * or an expression cannot be checked before it runs — and must pass {@link regexProblem}.
 */

/** Functions whose second argument is a POSIX regular expression. */
const REGEX_FUNCTIONS: ReadonlySet<string> = new Set([
  "regexp_replace",
  "regexp_match",
  "regexp_matches",
  "regexp_like",
  "regexp_count",
  "regexp_substr",
  "regexp_instr",
  "regexp_split_to_table",
  "regexp_split_to_array",
]);

/** Operators whose right side is a POSIX regular expression (`~`, `~*`, `!~`, `!~*`). */
const REGEX_OPERATORS: ReadonlySet<string> = new Set(["~", "~*", "!~", "!~*"]);

function check(pattern: string, dialect: "posix" | "similar"): void {
  const problem = regexProblem(pattern, dialect);
  if (problem) refuse(problem);
}

/** The literal patterns of `node`: a literal, or ARRAY[literals] for `~ any(…)`. */
function literalPatterns(node: unknown): string[] | undefined {
  const single = stringLiteral(node);
  if (single !== undefined) return [single];
  const array = (node as { A_ArrayExpr?: JsonObject } | undefined)?.A_ArrayExpr;
  if (!array) return undefined;
  const elements = Array.isArray(array.elements) ? array.elements : [];
  const found = elements.map(stringLiteral);
  return found.every((f) => f !== undefined) ? (found as string[]) : undefined;
}

function checkPatternArg(what: string, node: unknown, dialect: "posix" | "similar"): void {
  const patterns = literalPatterns(node);
  if (!patterns) {
    refuse(`the pattern of ${what} must be a string literal, so it can be checked before it runs`);
  }
  for (const pattern of patterns) check(pattern, dialect);
}

/** Checks the pattern argument of a regex function, SIMILAR TO, or `substring(… from 'regex')`. */
export function checkRegexCall(name: string, call: JsonObject): void {
  const args = Array.isArray(call.args) ? call.args : [];
  if (REGEX_FUNCTIONS.has(name)) {
    checkPatternArg(name, args[1], "posix");
  } else if (JSONPATH_FUNCTIONS.has(name)) {
    checkJsonpathArg(name, args[1]);
  } else if (name === "similar_to_escape") {
    // x SIMILAR TO p [ESCAPE e] arrives as x ~ similar_to_escape(p [, e]).
    checkPatternArg("SIMILAR TO", args[0], "similar");
  } else if (name === "substring" && args.length >= 2) {
    // substring(x from 'regex') and substring(x similar 'pattern' escape e) take a
    // pattern where substring(x from 1 for 3) takes numbers: check string literals.
    const pattern = stringLiteral(args[1]);
    if (pattern !== undefined) check(pattern, args.length === 3 ? "similar" : "posix");
  }
}

/** The longest replacement text replace() and regexp_replace() may insert per match. */
export const MAX_REPLACEMENT_LENGTH = 100;

const REPLACERS: ReadonlySet<string> = new Set(["replace", "regexp_replace"]);

function containsReplacer(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(containsReplacer);
  if (typeof value !== "object" || value === null) return false;
  const obj = value as JsonObject;
  for (const key in obj) {
    const child = obj[key] as JsonObject;
    if (key === "FuncCall") {
      const name = catalogName(names(child.funcname));
      if (name !== undefined && REPLACERS.has(name)) return true;
    }
    if (containsReplacer(child)) return true;
  }
  return false;
}

/**
 * replace() and regexp_replace() multiply their input: every match of a one-character
 * pattern becomes the whole replacement, and a replace of a replace multiplies again
 * (ten nested calls turn two bytes into gigabytes on the replica). The replacement must be
 * a literal of at most {@link MAX_REPLACEMENT_LENGTH} characters, and neither may be
 * nested in the text the other rewrites.
 */
export function checkReplaceCall(name: string, call: JsonObject): void {
  if (!REPLACERS.has(name)) return;
  const args = Array.isArray(call.args) ? call.args : [];
  const replacement = stringLiteral(args[2]);
  if (replacement === undefined) {
    refuse(`the replacement of ${name} must be a string literal, so its growth can be bounded`);
  }
  if (replacement.length > MAX_REPLACEMENT_LENGTH) {
    refuse(`the replacement of ${name} is longer than ${MAX_REPLACEMENT_LENGTH} characters`);
  }
  if (containsReplacer(args[0])) {
    refuse(
      `${name} of a replace() or regexp_replace() is not allowed: each level multiplies the text`,
    );
  }
}

/** Checks the pattern on the right of `~`, `~*`, `!~`, `!~*` (also with ANY/ALL). */
export function checkRegexOperator(expr: JsonObject): void {
  if (expr.kind === "AEXPR_SIMILAR" || expr.lexpr === undefined) return;
  const op = catalogName(names(expr.name));
  if (op === undefined || !REGEX_OPERATORS.has(op)) return;
  checkPatternArg(`the ${op} operator`, expr.rexpr, "posix");
}

/** jsonpath functions: their path (second argument) must be a literal, for like_regex. */
const JSONPATH_FUNCTIONS: ReadonlySet<string> = new Set([
  "jsonb_path_exists",
  "jsonb_path_query_first",
]);

function checkJsonpathArg(what: string, node: unknown): void {
  const text = stringLiteral(node);
  if (text === undefined) {
    refuse(`the path of ${what} must be a string literal, so its like_regex can be checked`);
  }
  checkRegexText(text);
}

/** A cast to jsonpath must cast a literal (a path from a column could hold any regex). */
export function checkJsonpathCast(cast: JsonObject): void {
  const type = catalogName(names((cast.typeName as JsonObject | undefined)?.names));
  if (type === "jsonpath") checkJsonpathArg("a jsonpath cast", cast.arg);
}

/** Checks every `like_regex` pattern in a string literal that may be a jsonpath. */
export function checkRegexText(text: string): void {
  for (const pattern of jsonpathRegexes(text)) check(pattern, "posix");
}
