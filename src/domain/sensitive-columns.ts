/**
 * The names of columns whose values prode must never read out of the replica. The SQL
 * guard refuses any statement that reads one (src/safety/sql-guard-sensitive.ts); the
 * predicate lives in the domain so a specialist can leave such a column out of what it
 * asks for rather than have the guard refuse the whole statement.
 */

/**
 * Columns whose values prode must never read out of the replica, by name: credentials and
 * secrets, and the personal data that identifies a person. The guard cannot see a table's
 * definition, so the name is all it has; a column is *sensitive* when its name (lower
 * case) matches one of {@link SENSITIVE_COLUMN_PATTERNS} and its last word is not one of
 * {@link METADATA_SUFFIXES} (`password_changed_at`, `token_count`, `email_verified` say
 * something about the secret, not the secret).
 *
 * What is refused is reading the value: a sensitive column in a result column, or inside
 * anything that returns its value or part of it (min/max/mode/percentile_disc, string
 * functions, casts, `||`, a JSON key of that name with `->`/`->>`), in any SELECT whose
 * result reaches the output (the top level, a FROM subquery, a CTE). What stays allowed
 * answers triage questions without revealing a value: `count(col)`, `count(distinct col)`,
 * `length(col)`, comparisons (`where email = '…'`, `password_hash is null`), GROUP BY,
 * ORDER BY, and subqueries used only in a condition (`exists`, `in`, `= any`).
 *
 * E-mail addresses and phone numbers are on the list (the second group): the db specialist
 * answers with counts and record ids, and an address in its evidence would leave prode in
 * a Slack thread or a Linear comment. The egress redactor masks addresses too, but the
 * guard does not lean on a later layer. Look a person up by comparing (`where email = …`),
 * and read their id.
 */
export const SENSITIVE_COLUMN_PATTERNS: readonly { pattern: RegExp; what: string }[] = [
  // credentials and secrets
  { pattern: /pass(word|wd|phrase)|(^|_)pwd($|_)/, what: "a password" },
  { pattern: /(^|_)(hash|hashed|digest|salt)($|_)/, what: "a hash or salt" },
  { pattern: /token/, what: "a token" },
  { pattern: /secret/, what: "a secret" },
  {
    pattern: /(api|private|signing|encryption|access|secret|master|client|ssh|session)_?key/,
    what: "a key",
  },
  { pattern: /(^|_)(otp|totp|mfa_seed|recovery_codes?|credentials?)($|_)/, what: "a credential" },
  // government and payment identifiers
  { pattern: /(^|_)(ssn|social_security(_number)?|national_id|tax_id)($|_)/, what: "an ID number" },
  { pattern: /(^|_)(card_number|cc_number|pan|cvv|cvc|iban)($|_)/, what: "a payment number" },
  // personal data that identifies a person (see the module comment)
  { pattern: /(^|_)e_?mail(_address)?($|_)/, what: "an e-mail address" },
  { pattern: /(^|_)(phone|mobile)(_number)?($|_)/, what: "a phone number" },
];

/** Last words that make a matching name metadata about the value, not the value. */
export const METADATA_SUFFIXES: ReadonlySet<string> = new Set([
  "at",
  "on",
  "count",
  "id",
  "ids",
  "type",
  "kind",
  "status",
  "version",
  "expires",
  "expiry",
  "verified",
  "confirmed",
  "length",
  "domain",
]);

/** What a sensitive column name holds (`"a password"`), or undefined if it is not one. */
export function sensitiveColumn(name: string): string | undefined {
  const lower = name.toLowerCase();
  const words = lower.split(/[^a-z0-9]+/).filter(Boolean);
  if (words.length > 1 && METADATA_SUFFIXES.has(words[words.length - 1]!)) return undefined;
  return SENSITIVE_COLUMN_PATTERNS.find(({ pattern }) => pattern.test(lower))?.what;
}
