/** The vocabulary redaction rules are written in, and the helpers they share. */

import { isPlaceholder, touchesPlaceholder } from "./redaction-categories.ts";

/** One regex match handed to a rule's `replace`. */
export interface RuleMatch {
  /** The whole match. */
  text: string;
  /** Capture groups by number (index 0 is group 1). */
  groups: (string | undefined)[];
  /** Offset of the match in `input`. */
  offset: number;
  input: string;
  /** End offset of the previous match this pass replaced, or -1: lets a rule accept a
   * finding glued to the one before it, which a lookbehind would refuse. */
  previousEnd: number;
}

/** Records one finding of `category` and returns its placeholder. */
export type Hit = (category: string) => string;

/** A detection rule: a global regex and what to do with each match. */
export interface RedactionRule {
  /** Category of a whole-match replacement (rules with `replace` may report others). */
  category: string;
  /** Must carry the `g` flag. Single-line unless `multiline` is set. */
  pattern: RegExp;
  /**
   * Replacement for one match, built with `hit` so each finding is counted; `undefined`
   * keeps the match as it is (a failed checksum, a value that is already a placeholder).
   * Without it the whole match becomes the category's placeholder.
   */
  replace?: (match: RuleMatch, hit: Hit) => string | undefined;
  /**
   * Lower-case literals, at least one of which appears (in any case) on every line where
   * the rule can match. The engine finds them with `indexOf` over the lowered text and
   * runs the regex only on those lines: a literal scan is ~40x faster than a regex scan
   * in V8. Rules without keywords run over the whole text.
   */
  keywords?: readonly string[];
  /**
   * For rules with no literal to look for: a fast scan returning, in increasing order,
   * the start offsets of every line where the rule can match (a superset is fine). Rules
   * sharing one scan function get it run once per pass.
   */
  scanLines?: (text: string) => readonly number[];
  /** The rule can match across line breaks (PEM blocks); the lint reports its first line. */
  multiline?: boolean;
}

/** Values that name the absence of a secret rather than a secret. */
const NOT_A_VALUE = new Set([
  "",
  "null",
  "nil",
  "none",
  "undefined",
  "true",
  "false",
  "redacted",
  "<redacted>",
  "[redacted]",
  "[filtered]",
]);

/**
 * True for values that are not worth a placeholder: empty, null-ish, masked (`****`),
 * an existing placeholder, or a reference to where the secret lives (`${DB_PASSWORD}`,
 * `{{ secrets.TOKEN }}`, `$API_KEY`).
 */
export function isInertValue(value: string): boolean {
  const v = value.trim();
  if (NOT_A_VALUE.has(v.toLowerCase())) return true;
  if (isPlaceholder(v)) return true;
  if (/^\*+$/.test(v)) return true;
  // References to where the secret lives, and YAML block-scalar markers (`key: |`).
  return /^(?:\$\{|\$\(|\{\{|<%|\$[A-Z_][A-Z0-9_]*$|[|>][+-]?$)/.test(v);
}

/**
 * For text rules, which must guess from what surrounds a value: inert, or a reference or
 * example rather than a credential — `{expr}`, `var.db_password`, a SCREAMING_SNAKE
 * constant, or a placeholder ({@link isPlaceholderSecret}). Structured fields keep the
 * stricter {@link isInertValue}: there the field name alone makes the value secret.
 */
export function isNotASecret(value: string): boolean {
  if (isInertValue(value)) return true;
  const v = value.trim();
  if (v.startsWith("{") || /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/.test(v)) return true;
  if (
    /^(?:var|local|locals|data|module|env|process\.env|os\.environ|settings|config)\.[\w.]{1,128}$/.test(
      v,
    )
  ) {
    return true;
  }
  return isPlaceholderSecret(v);
}

/**
 * A value that shows where a secret would go rather than being one: `<your token>`,
 * `[PASSWORD]`, `%DB_PASSWORD%`, `$1`, `…`, `xxxxxxxx`, `PUT_YOUR_TOKEN_HERE`,
 * `changeme`, the word `password` itself, a vendor prefix followed by a mask
 * (`ghp_xxxx…`), or an elided value (`ops_eyJzaWdu..`). Leaving these is what keeps
 * documentation, templates and config examples readable.
 *
 * Deliberately NOT placeholders, although gitleaks' own tests treat some of them as
 * non-secrets: values containing `EXAMPLE`, runs like `1234567` or `abcdef`, and
 * low-entropy strings. People paste fake-looking credentials that are real, and tests of
 * prode paste documented example keys (`AKIAIOSFODNN7EXAMPLE`) expecting them withheld;
 * a leaked secret costs far more than an over-redacted example (ADR 0007).
 */
export function isPlaceholderSecret(value: string): boolean {
  if (value.length === 0 || isPlaceholder(value)) return false;
  if (/^<[^<>]{1,80}>$|^<[A-Za-z?!/]|^\[[A-Z_ -]{1,40}\]$|^%[\w.-]{1,80}%$|^\$\d$/.test(value)) {
    return true;
  }
  if (/^[.…#*xX-]+$/.test(value)) return true;
  if (/(?:\.\.|…)$/.test(value)) return isElidedExample(value.replace(/(?:\.+|…)$/, ""));
  if (/\s|\[REDACTED:/.test(value)) return false;
  if (
    /^(?:pass(?:word)?|passwd|pwd|token|secret|api[_-]?key|test|user(?:name)?|y{3,}|x{3,})$/i.test(
      value,
    )
  ) {
    return true;
  }
  if (/your_|changeme|placeholder/i.test(value) || /(?:Here|HERE|_here)\b/.test(value)) {
    return true;
  }
  // A mask after a prefix: `ghp_xxxxxxxx`, `sk-********`.
  return /^[\w-]{0,12}?(?:x{6,}|X{6,}|\*{6,})$/.test(value);
}

/**
 * What precedes an ellipsis is an example (`abc…`, `your-token…`, `ops_eyJzaWdu..`'s
 * shorter cousins) when it is short or reads as words; a longer random-looking head is
 * the start of a real value someone cut (`password=Sup3rS3cr…`), and withheld like
 * the whole value would be (probe issue 19, F2).
 */
function isElidedExample(head: string): boolean {
  if (head.length < 8) return true;
  return !(/[0-9]/.test(head) && /[A-Za-z]/.test(head)) && !/[a-z][A-Z]/.test(head);
}

/** Splits a quoted value into quote, inner text, quote ("\"x\"" → `"`, `x`, `"`). */
export function unquote(value: string): [open: string, inner: string, close: string] {
  for (const q of ['\\"', '"', "'", "`"]) {
    if (value.length >= q.length * 2 && value.startsWith(q) && value.endsWith(q)) {
      return [q, value.slice(q.length, value.length - q.length), q];
    }
  }
  return ["", value, ""];
}

/**
 * For patterns whose capture groups tile the whole match (prefix, secret, suffix…):
 * the match with group `index` (0-based) replaced by a counted placeholder, or
 * `undefined` when that group is inert.
 */
export function replaceGroup(
  match: RuleMatch,
  index: number,
  category: string,
  hit: Hit,
): string | undefined {
  const secret = match.groups[index];
  if (secret === undefined || isNotASecret(secret)) return undefined;
  let out = "";
  for (let i = 0; i < match.groups.length; i++) {
    out += i === index ? hit(category) : (match.groups[i] ?? "");
  }
  return out;
}

/**
 * `replace` for a rule whose whole match is the secret: the match becomes the category's
 * placeholder unless it is a placeholder-looking value (`ghp_xxxx…`, `AKIA…EXAMPLE`).
 */
export function unlessPlaceholder(category: string): NonNullable<RedactionRule["replace"]> {
  return (m, hit) =>
    isPlaceholderSecret(m.text) || touchesPlaceholder(m.input, m.offset, m.offset + m.text.length)
      ? undefined
      : hit(category);
}

/** Shannon entropy in bits per character. */
export function entropy(text: string): number {
  const counts = new Map<string, number>();
  for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}
