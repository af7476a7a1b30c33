/**
 * The redactor: every egress (Slack, Linear, PR bodies, artifacts, pino logs, audit
 * payloads, wiki and learning exports) passes text through here (DESIGN.md invariant 6,
 * "Nothing sensitive leaves"). Findings become `[REDACTED:<category>]`; what triage needs
 * — request ids, UUIDs, Sentry issue ids and DSNs, versions, commit SHAs, log groups,
 * timestamps — passes through.
 *
 * Guarantees: synchronous; never throws (an internal failure withholds the whole text);
 * idempotent (no rule matches a placeholder, and each line is redacted until a round
 * finds nothing more, so a second pass changes nothing).
 */
import { AppError, ErrorCode } from "../domain/errors.ts";
import { CATEGORY_NAME, placeholder, type RedactionSummary } from "./redaction-categories.ts";
import { redactEncoded } from "./redaction-encoded.ts";
import {
  type FindingPlan,
  type LocatedFinding,
  locateFindings,
  planFindings,
  planRules,
  runRules,
} from "./redaction-engine.ts";
import { redactSensitiveScalar, sensitiveKeyCategory } from "./redaction-keys.ts";
import type { Hit, RedactionRule } from "./redaction-rule-kit.ts";
import { BUILT_IN_RULES } from "./redaction-rules.ts";
import { redactSplitTokens, redactTruncatedTokens } from "./redaction-rules-fragments.ts";

export { REDACTION_CATEGORIES, type RedactionCategory } from "./redaction-categories.ts";
export type { RedactionSummary };

/** A deployment-specific identifier shape (customer, account, KYC ids), from config. */
export interface ExtraPattern {
  /** snake_case, up to 40 characters; appears in placeholders and summaries. */
  category: string;
  /** A RegExp or its source; always applied globally. Must not match the empty string. */
  pattern: RegExp | string;
}

export interface RedactorOptions {
  /** Run before the built-in rules, so a deployment's own shapes win. */
  extraPatterns?: readonly ExtraPattern[];
  /**
   * Run every rule over the whole text, skipping the keyword prefilter. Slower; exists
   * so tests can check that the prefilter never changes a result.
   */
  exhaustive?: boolean;
}

/** Options of the one-shot {@link redact} and {@link redactValue}. */
export type RedactOptions = Pick<RedactorOptions, "extraPatterns">;

export interface RedactionResult {
  text: string;
  /** Findings per category; categories with none are absent. */
  summary: RedactionSummary;
}

export interface ValueRedactionResult {
  value: unknown;
  summary: RedactionSummary;
}

/** One finding located by line, for the lint. Never carries the secret. */
export type RedactionFinding = LocatedFinding;

export interface Redactor {
  redact(text: string): RedactionResult;
  /**
   * Deep-redacts a JSON-like value: strings (object keys included) pass through
   * `redact`, and scalars under sensitive field names (`password`, `apiKey`,
   * `authorization`, `cookie`…) are withheld whatever they look like. Returns a copy
   * (objects with `toJSON` are replaced by its result, Dates kept); cycles become
   * "[Circular]" and nesting past 64 levels "[Truncated]".
   */
  redactValue(value: unknown): ValueRedactionResult;
  /** Where `redact` would change `text`, by line, for `prode lint-redaction`. */
  findings(text: string): RedactionFinding[];
}

const MAX_DEPTH = 64;
/** Encodings inside encodings decoded before giving up (base64 of a URL-encoded query). */
const MAX_DECODE_DEPTH = 2;
/** Rounds of rules plus decoding before the text is taken as it is. */
const MAX_ROUNDS = 3;
const REDACTOR_ERROR = "redactor_error";

/**
 * Builds a redactor with the built-in rules plus a deployment's extra patterns.
 * Throws `bad_input` for an invalid category name or a pattern that matches "".
 */
export function createRedactor(options: RedactorOptions = {}): Redactor {
  const extras = (options.extraPatterns ?? []).map(compileExtra);
  const plan = planRules([...extras, ...BUILT_IN_RULES]);
  const exhaustive = options.exhaustive ?? false;
  // Only the lint asks for findings: their plan is built on its first call, not per text.
  let findingPlan: FindingPlan | undefined;

  /**
   * The rules, then what they cannot see on their own: tokens cut by a truncation mark
   * or split across lines, and
   * secrets inside URL, base64 and hex encodings, whose decodings go through this same
   * function (`depth` bounds the nesting). When those passes change the text, the whole
   * round runs again, so the result is a fixed point (a decoded span can complete a
   * match with its neighbours).
   */
  function redactWith(text: string, hit: Hit, depth: number): string {
    let out = stripZeroWidth(text);
    for (let round = 0; round < MAX_ROUNDS; round++) {
      out = runRules(out, plan, hit, exhaustive);
      const before = out;
      out = redactAfterRules(out, hit, depth);
      if (out === before) return out;
    }
    return out;
  }

  function redactAfterRules(text: string, hit: Hit, depth: number): string {
    let out = redactTruncatedTokens(text, hit);
    out = redactSplitTokens(out, rescan, hit);
    if (depth < MAX_DECODE_DEPTH) {
      out = redactEncoded(out, (t, h) => redactWith(t, h, depth + 1), hit);
    }
    return out;
  }

  const rescan = (text: string, hit: Hit) => runRules(text, plan, hit, exhaustive);

  function redactText(text: string, counts: Map<string, number>): string {
    return redactWith(text, counterFor(counts), 0);
  }

  return {
    redact(text) {
      try {
        const counts = new Map<string, number>();
        const out = redactText(asText(text), counts);
        return { text: out, summary: Object.fromEntries(counts) };
      } catch {
        return withheld();
      }
    },

    redactValue(value) {
      try {
        const counts = new Map<string, number>();
        const hit = counterFor(counts);
        const ancestors = new Set<object>();
        const walk = (v: unknown, depth: number): unknown => {
          if (typeof v === "string") return redactText(v, counts);
          if (v === null || typeof v !== "object") return v;
          if (depth >= MAX_DEPTH) return "[Truncated]";
          if (ancestors.has(v)) return "[Circular]";
          if (v instanceof Date) return v;
          // JSON semantics: what serialisation would emit is what gets redacted.
          const toJSON = (v as { toJSON?: unknown }).toJSON;
          if (typeof toJSON === "function") return walk(toJSON.call(v), depth + 1);
          ancestors.add(v);
          try {
            if (Array.isArray(v)) return v.map((item) => walk(item, depth + 1));
            const out: Record<string, unknown> = {};
            for (const [key, item] of entriesOf(v)) {
              const category = sensitiveKeyCategory(key);
              const redactedKey = redactText(key, counts);
              if (category !== undefined && typeof item === "string") {
                out[redactedKey] = redactSensitiveScalar(item, category, hit);
              } else if (
                category !== undefined &&
                (typeof item === "number" || typeof item === "bigint")
              ) {
                out[redactedKey] = hit(category);
              } else {
                out[redactedKey] = walk(item, depth + 1);
              }
            }
            return out;
          } finally {
            ancestors.delete(v);
          }
        };
        const out = walk(value, 0);
        return { value: out, summary: Object.fromEntries(counts) };
      } catch {
        const { text, summary } = withheld();
        return { value: text, summary };
      }
    },

    findings(text) {
      try {
        findingPlan ??= planFindings(plan.rules);
        const input = asText(text);
        const found = locateFindings(input, findingPlan);
        // What the passes after the rules find (truncated pieces, encoded secrets), line
        // by line on the line the rules already redacted, so nothing is counted twice.
        // A token split across two lines is the one thing only `redact` sees.
        input.split("\n").forEach((line, i) => {
          const ruled = runRules(stripZeroWidth(line), plan, placeholder);
          redactAfterRules(
            ruled,
            (category) => {
              found.push({ category, line: i + 1 });
              return placeholder(category);
            },
            0,
          );
        });
        return found.sort((a, b) => a.line - b.line);
      } catch {
        return [{ category: REDACTOR_ERROR, line: 1 }];
      }
    },
  };
}

let active: Redactor = createRedactor();

/**
 * The redactor every egress uses: the built-in rules, plus the deployment's own
 * identifier shapes once {@link configureDefaultRedactor} ran at boot.
 */
export const defaultRedactor: Redactor = {
  redact: (text) => active.redact(text),
  redactValue: (value) => active.redactValue(value),
  findings: (text) => active.findings(text),
};

/** Adds the deployment's patterns (PRODE_REDACT_PATTERNS) to every egress; call once at boot. */
export function configureDefaultRedactor(extraPatterns: readonly ExtraPattern[]): void {
  active = createRedactor({ extraPatterns });
}

const compiledOptions = new WeakMap<readonly ExtraPattern[], Redactor>();

function redactorFor(options?: RedactOptions): Redactor {
  const extras = options?.extraPatterns;
  if (!extras || extras.length === 0) return defaultRedactor;
  let redactor = compiledOptions.get(extras);
  if (!redactor) {
    redactor = createRedactor({ extraPatterns: extras });
    compiledOptions.set(extras, redactor);
  }
  return redactor;
}

/**
 * Redacts one text. With `extraPatterns`, the redactor for that array is built once and
 * cached (keyed by the array); an invalid one withholds the text rather than throwing.
 */
export function redact(text: string, options?: RedactOptions): RedactionResult {
  try {
    return redactorFor(options).redact(text);
  } catch {
    return withheld();
  }
}

/** Deep-redacts a JSON-like value; see {@link Redactor.redactValue}. */
export function redactValue(value: unknown, options?: RedactOptions): ValueRedactionResult {
  try {
    return redactorFor(options).redactValue(value);
  } catch {
    const { text, summary } = withheld();
    return { value: text, summary };
  }
}

/** Zero-width characters inside a token: invisible, and enough to split a secret apart. */
const ZERO_WIDTH_IN_TOKEN = /(?<=[\w+/=.-])[\u200B-\u200D\u2060\uFEFF\u00AD]+(?=[\w+/=.-])/g;
const ZERO_WIDTH = /[\u200B-\u200D\u2060\uFEFF\u00AD]/;

/**
 * Removes zero-width characters (and soft hyphens) between token characters before the
 * rules run, so `ghp_\u200bABC…` is seen whole. Elsewhere (an emoji's joiner) they stay.
 */
function stripZeroWidth(text: string): string {
  return ZERO_WIDTH.test(text) ? text.replace(ZERO_WIDTH_IN_TOKEN, "") : text;
}

function withheld(): RedactionResult {
  return { text: placeholder(REDACTOR_ERROR), summary: { [REDACTOR_ERROR]: 1 } };
}

function asText(text: unknown): string {
  if (typeof text === "string") return text;
  if (text === null || text === undefined) return "";
  return String(text);
}

function entriesOf(value: object): [string, unknown][] {
  if (value instanceof Error) {
    const own = Object.entries(value);
    return [["name", value.name], ["message", value.message], ["stack", value.stack], ...own];
  }
  return Object.entries(value);
}

function counterFor(counts: Map<string, number>): Hit {
  return (category) => {
    counts.set(category, (counts.get(category) ?? 0) + 1);
    return placeholder(category);
  };
}

function compileExtra(extra: ExtraPattern): RedactionRule {
  if (!CATEGORY_NAME.test(extra.category)) {
    throw new AppError(
      ErrorCode.BadInput,
      `redaction category '${extra.category}' must be snake_case, at most 40 characters`,
    );
  }
  const source = typeof extra.pattern === "string" ? extra.pattern : extra.pattern.source;
  const flags = typeof extra.pattern === "string" ? "" : extra.pattern.flags;
  let pattern: RegExp;
  try {
    pattern = new RegExp(source, flags.includes("g") ? flags : `${flags}g`);
  } catch (cause) {
    throw new AppError(ErrorCode.BadInput, `redaction pattern for '${extra.category}' is invalid`, {
      cause,
    });
  }
  if (new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, "")).test("")) {
    throw new AppError(
      ErrorCode.BadInput,
      `redaction pattern for '${extra.category}' matches the empty string`,
    );
  }
  return { category: extra.category, pattern };
}
