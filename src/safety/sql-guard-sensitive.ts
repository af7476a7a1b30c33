import { catalogName, type JsonObject, names, refuse, stringLiteral } from "./sql-guard-names.ts";

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

/** Functions whose result says nothing about the value beyond its presence or size. */
const NON_REVEALING_FUNCTIONS: ReadonlySet<string> = new Set([
  "count",
  "length",
  "char_length",
  "character_length",
  "octet_length",
  "bit_length",
  "pg_column_size",
]);

/** Operators whose result is a boolean: a comparison, as a WHERE would make. */
const PREDICATE_OPERATORS: ReadonlySet<string> = new Set([
  ...["=", "<>", "!=", "<", ">", "<=", ">="],
  ...["~~", "!~~", "~~*", "!~~*", "~", "!~", "~*", "!~*"],
  ...["@>", "<@", "?", "?|", "?&", "&&", "@?", "@@"],
]);
const PREDICATE_KINDS: ReadonlySet<string> = new Set([
  "AEXPR_DISTINCT",
  "AEXPR_NOT_DISTINCT",
  "AEXPR_IN",
  "AEXPR_LIKE",
  "AEXPR_ILIKE",
  "AEXPR_SIMILAR",
  "AEXPR_BETWEEN",
  "AEXPR_NOT_BETWEEN",
  "AEXPR_BETWEEN_SYM",
  "AEXPR_NOT_BETWEEN_SYM",
  "AEXPR_OP_ANY",
  "AEXPR_OP_ALL",
]);
const JSON_FIELD_OPERATORS: ReadonlySet<string> = new Set(["->", "->>", "#>", "#>>"]);

/** Where an expression's value goes: into the result, or only into a yes/no. */
type Mode = "value" | "predicate";

/** SELECT keys whose contents reach the result as values (the rest only filter or order). */
const OUTPUT_KEYS = new Set([
  "targetList",
  "fromClause",
  "withClause",
  "valuesLists",
  "larg",
  "rarg",
]);

function refuseColumn(name: string, what: string): never {
  refuse(
    `column ${name} is not allowed in a result: its name marks ${what} (compare or count it instead)`,
  );
}

function scanSelect(select: JsonObject, mode: Mode): void {
  for (const key in select) scan(select[key], OUTPUT_KEYS.has(key) ? mode : "predicate");
}

function scanFuncCall(call: JsonObject, mode: Mode): void {
  const name = catalogName(names(call.funcname));
  const inner = name !== undefined && NON_REVEALING_FUNCTIONS.has(name) ? "predicate" : mode;
  scan(call.args, inner);
  scan(call.agg_order, inner);
  // FILTER and OVER (PARTITION BY, ORDER BY) choose and order rows; they return nothing.
  scan(call.agg_filter, "predicate");
  scan(call.over, "predicate");
}

function scanAExpr(expr: JsonObject, mode: Mode): void {
  const op = catalogName(names(expr.name));
  const kind = String(expr.kind);
  // NULLIF also names "=", but returns its first argument: only a plain operator counts.
  const comparison = kind === "AEXPR_OP" && op !== undefined && PREDICATE_OPERATORS.has(op);
  if (PREDICATE_KINDS.has(kind) || comparison) {
    scan(expr.lexpr, "predicate");
    scan(expr.rexpr, "predicate");
    return;
  }
  if (mode === "value" && op !== undefined && JSON_FIELD_OPERATORS.has(op)) {
    const key = stringLiteral(expr.rexpr);
    const what = key === undefined ? undefined : sensitiveColumn(key);
    if (key !== undefined && what) refuseColumn(`key ${key}`, what);
  }
  scan(expr.lexpr, mode);
  scan(expr.rexpr, mode);
}

function scanSubLink(link: JsonObject, mode: Mode): void {
  scan(link.testexpr, "predicate");
  // EXISTS, IN and = ANY turn the subquery's rows into a yes/no; a scalar one returns its value.
  const select = (link.subselect as { SelectStmt?: JsonObject } | undefined)?.SelectStmt;
  if (select) scanSelect(select, link.subLinkType === "EXPR_SUBLINK" ? mode : "predicate");
}

function scanCase(expr: JsonObject, mode: Mode): void {
  scan(expr.arg, "predicate");
  for (const when of Array.isArray(expr.args) ? expr.args : []) {
    const w = (when as { CaseWhen?: JsonObject }).CaseWhen ?? {};
    scan(w.expr, "predicate");
    scan(w.result, mode);
  }
  scan(expr.defresult, mode);
}

function scan(value: unknown, mode: Mode): void {
  if (Array.isArray(value)) {
    for (const item of value) scan(item, mode);
    return;
  }
  if (typeof value !== "object" || value === null) return;
  const obj = value as JsonObject;
  for (const key in obj) {
    const child = obj[key] as JsonObject;
    switch (key) {
      case "SelectStmt":
        scanSelect(child, mode);
        break;
      case "JoinExpr":
        scan({ ...child, quals: undefined }, mode);
        scan(child.quals, "predicate");
        break;
      case "FuncCall":
        scanFuncCall(child, mode);
        break;
      case "A_Expr":
        scanAExpr(child, mode);
        break;
      case "SubLink":
        scanSubLink(child, mode);
        break;
      case "CaseExpr":
        scanCase(child, mode);
        break;
      case "NullTest":
      case "BooleanTest":
      case "BoolExpr":
        scan(child, "predicate");
        break;
      case "ColumnRef": {
        const fields = names((child as { fields?: unknown }).fields);
        const name = fields[fields.length - 1];
        const what = mode === "value" && name ? sensitiveColumn(name) : undefined;
        if (name && what) refuseColumn(name, what);
        break;
      }
      default:
        scan(child, mode);
    }
  }
}

/** Refuses a statement that reads a sensitive column's value out (module comment). */
export function checkSensitiveColumns(select: JsonObject): void {
  scanSelect(select, "value");
}
