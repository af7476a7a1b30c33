/**
 * What the redactor can find. The names are stable: they appear in placeholders
 * (`[REDACTED:aws_secret_key]`), in redaction summaries stored with artifacts and audit
 * events, and in `prode lint-redaction` output, so renaming one is a breaking change.
 */
export const REDACTION_CATEGORIES = [
  "private_key",
  "jwt",
  "slack_webhook",
  "slack_token",
  "github_token",
  "stripe_key",
  "linear_api_key",
  "sentry_token",
  "google_api_key",
  "aws_access_key_id",
  "aws_secret_key",
  "password",
  "authorization",
  "bearer_token",
  "cookie",
  "api_key",
  "secret",
  "email",
  "iban",
  "payment_card",
  "phone",
  "ssn",
  /** The redactor itself failed on this input; the whole text was withheld. */
  "redactor_error",
] as const;

export type RedactionCategory = (typeof REDACTION_CATEGORIES)[number];

/** Built-in categories plus deployment-configured ones (customer, account, KYC ids…). */
export type RedactionSummary = Record<string, number>;

/** Deployment categories must look like the built-in ones: short snake_case. */
export const CATEGORY_NAME = /^[a-z][a-z0-9_]{0,39}$/;

const PLACEHOLDER_PREFIX = "[REDACTED:";

export function placeholder(category: string): string {
  return `${PLACEHOLDER_PREFIX}${category}]`;
}

/** True when `value` is already a placeholder, so a second pass leaves it alone. */
export function isPlaceholder(value: string): boolean {
  return value.startsWith(PLACEHOLDER_PREFIX);
}

/** Longest placeholder: the prefix, a 40-char category and the closing bracket. */
const MAX_PLACEHOLDER = PLACEHOLDER_PREFIX.length + 41;

/**
 * True when the span [start, end) of `input` overlaps a placeholder: one begins inside
 * it, or it begins inside one. Keeps arbitrary deployment patterns (say `/[A-Z]{4,}/`)
 * from eating `[REDACTED:…]` text on a second pass. Looks only at a short window, so a
 * long text without placeholders costs nothing extra per match.
 */
export function touchesPlaceholder(input: string, start: number, end: number): boolean {
  const from = Math.max(0, start - MAX_PLACEHOLDER);
  const window = input.slice(from, Math.min(input.length, end + PLACEHOLDER_PREFIX.length - 1));
  const open = window.lastIndexOf(PLACEHOLDER_PREFIX, end - 1 - from);
  if (open === -1) return false;
  const openAt = from + open;
  if (openAt >= start) return true;
  const close = input.slice(openAt, openAt + MAX_PLACEHOLDER).indexOf("]");
  return close === -1 || openAt + close >= start;
}
