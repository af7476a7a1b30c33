/**
 * The redactor's rules, in the order they run.
 *
 * Sources followed: secretlint's recommended preset (@secretlint/secretlint-rule-preset-
 * recommend 13.x: the Slack, GitHub, AWS, Linear, private-key, basic-auth and
 * database-connection-string rules) and gitleaks' default config (stripe-access-token,
 * sentry-access-token / sentry-org-token / sentry-user-token, gcp-api-key, jwt,
 * generic-api-key's keyword-plus-assignment shape). Prefixes, lengths and alphabets below
 * come from those rules.
 *
 * Why hand-written instead of using secretlint as a library: its only entry point,
 * `lintSource`, is async (pino's log hooks and the Block Kit renderers need a synchronous
 * redactor), costs about 1 ms per call on a short string (1.2 MB/s line by line, measured
 * on this machine), reports findings rather than rewriting text, and has no rules for
 * contact or payment data (email, phone, card, IBAN), Stripe, Sentry, JWTs, cookies or
 * authorization headers. gitleaks is Go with TOML rules and RE2 syntax, so it is a
 * reference, not a library, for us.
 *
 * Order matters: a rule sees the output of the rules before it and never rewrites a
 * placeholder, so the most specific shapes (a JWT inside an Authorization header, a Slack
 * token assigned to `api_key=`) run first and win.
 */
import type { RedactionRule } from "./redaction-rule-kit.ts";
import { PII_RULES } from "./redaction-rules-pii.ts";
import { PROSE_RULES } from "./redaction-rules-prose.ts";
import { SECRET_RULES } from "./redaction-rules-secrets.ts";
import { VENDOR_MULTILINE_RULES, VENDOR_RULES } from "./redaction-rules-vendors.ts";

/**
 * Single-line rules stay consecutive so one keyword pass serves them all (see
 * redaction-engine.ts); the multi-line XML rule runs last. One pass takes at most 32
 * rules (MAX_AUTOMATON_RULES), and only rules of one pass see each other's placeholders
 * within the line's rounds, and each further pass costs another scan of the text. Keep
 * the count at 32 or below (merge rules of one shape, as the URL-credential rule does).
 */
export const BUILT_IN_RULES: readonly RedactionRule[] = [
  ...SECRET_RULES,
  ...VENDOR_RULES,
  ...PII_RULES,
  ...PROSE_RULES,
  ...VENDOR_MULTILINE_RULES,
];
