/**
 * What the SQL guard lets through, as data. Everything not listed here is refused: an
 * unknown function, operator, type or syntax node is a refusal, never a pass, so a newer
 * Postgres feature (or a user-defined function with a friendly name) cannot slip by.
 *
 * Names are compared exactly as the Postgres parser produced them: unquoted identifiers
 * are already folded to lower case, quoted ones keep their case ("NextVal" is a different
 * function from nextval, and is refused because it is not listed). A qualified name is
 * accepted only when the qualifier is exactly `pg_catalog`.
 *
 * Keep the lists to what triage needs on PostgreSQL 14+: a function that is missing here
 * costs an engineer a rewrite; one that is wrongly here can cost the replica.
 */

/**
 * Aggregates that return one value per group without carrying the group's rows along.
 * Deliberately absent: array_agg, string_agg, json(b)_agg, json(b)_object_agg, xmlagg,
 * range_agg — they fold any number of rows into one cell, which would bypass the row cap
 * and copy production rows out in a single value (sql-guard-statements.ts says so when
 * it refuses them).
 */
export const AGGREGATES: ReadonlySet<string> = new Set([
  "count",
  "sum",
  "avg",
  "min",
  "max",
  "bool_and",
  "bool_or",
  "every",
  "bit_and",
  "bit_or",
  "bit_xor",
  "percentile_cont",
  "percentile_disc",
  "mode",
  "stddev",
  "stddev_pop",
  "stddev_samp",
  "variance",
  "var_pop",
  "var_samp",
  "corr",
  "covar_pop",
  "covar_samp",
  "regr_avgx",
  "regr_avgy",
  "regr_count",
  "regr_intercept",
  "regr_r2",
  "regr_slope",
  "regr_sxx",
  "regr_sxy",
  "regr_syy",
]);

/**
 * Window functions. rank, dense_rank, percent_rank and cume_dist are also hypothetical-set
 * aggregates when written with WITHIN GROUP.
 */
export const WINDOW_FUNCTIONS: ReadonlySet<string> = new Set([
  "row_number",
  "rank",
  "dense_rank",
  "percent_rank",
  "cume_dist",
  "ntile",
  "lag",
  "lead",
  "first_value",
  "last_value",
  "nth_value",
]);

/**
 * Set-returning functions: allowed, but they multiply rows, so a query using one in its
 * target list is never a "pure aggregate" and needs a LIMIT. generate_series has an extra
 * rule (constant arguments, bounded integer series) in the guard.
 */
export const SET_RETURNING_FUNCTIONS: ReadonlySet<string> = new Set([
  "generate_series",
  "generate_subscripts",
  "unnest",
  "json_array_elements",
  "json_array_elements_text",
  "jsonb_array_elements",
  "jsonb_array_elements_text",
  "json_object_keys",
  "jsonb_object_keys",
  "json_each",
  "json_each_text",
  "jsonb_each",
  "jsonb_each_text",
  "regexp_matches",
  "regexp_split_to_table",
  "string_to_table",
]);

/** The most rows an integer generate_series with constant bounds may produce. */
export const MAX_SERIES_ROWS = 100_000;

/** Pure scalar functions with no side effects and no access outside the current query. */
const SCALAR_FUNCTIONS = [
  // date and time (current_date, current_timestamp … are SQLValueFunction nodes)
  "now",
  "clock_timestamp",
  "statement_timestamp",
  "transaction_timestamp",
  "date_trunc",
  "date_part",
  "extract",
  "age",
  "make_interval",
  "make_date",
  "make_time",
  "make_timestamp",
  "make_timestamptz",
  "to_char",
  "to_timestamp",
  "to_date",
  "to_number",
  "date_bin",
  "justify_days",
  "justify_hours",
  "justify_interval",
  "isfinite",
  "timezone", // x AT TIME ZONE 'UTC'
  "overlaps", // (a, b) OVERLAPS (c, d)
  // strings (repeat, lpad, rpad and format are left out: one call with a width argument
  // can build a 1 GB value on the replica)
  "lower",
  "upper",
  "initcap",
  "length",
  "char_length",
  "character_length",
  "octet_length",
  "bit_length",
  "substring",
  "substr",
  "btrim", // TRIM(BOTH …)
  "ltrim",
  "rtrim",
  "concat",
  "concat_ws",
  "left",
  "right",
  "position",
  "strpos",
  "replace",
  "split_part",
  "reverse",
  "starts_with",
  "translate",
  "ascii",
  "chr",
  "to_hex",
  "md5", // hashing a value lets a query compare it without copying it out
  "overlay",
  "regexp_replace",
  "regexp_match",
  "regexp_like",
  "regexp_count",
  "regexp_substr",
  "regexp_instr",
  "like_escape", // LIKE … ESCAPE …
  "similar_to_escape", // SIMILAR TO
  "is_normalized",
  "pg_collation_for", // COLLATION FOR (…)
  "string_to_array",
  "array_to_string",
  "array_length",
  "array_lower",
  "array_upper",
  "array_position",
  "cardinality",
  // json (whole-row arguments are refused elsewhere, so these cannot dump a row)
  "json_extract_path",
  "json_extract_path_text",
  "jsonb_extract_path",
  "jsonb_extract_path_text",
  "json_typeof",
  "jsonb_typeof",
  "json_array_length",
  "jsonb_array_length",
  "json_build_object",
  "jsonb_build_object",
  "json_build_array",
  "jsonb_build_array",
  "jsonb_strip_nulls",
  "jsonb_path_exists",
  "jsonb_path_query_first",
  "jsonb_pretty",
  "to_json",
  "to_jsonb",
  // math (greatest/least are MinMaxExpr, nullif is an A_Expr, coalesce a CoalesceExpr)
  "abs",
  "round",
  "ceil",
  "ceiling",
  "floor",
  "trunc",
  "sign",
  "mod",
  "power",
  "sqrt",
  "cbrt",
  "exp",
  "ln",
  "log",
  "log10",
  "div",
  "gcd",
  "lcm",
  "pi",
  "degrees",
  "radians",
  "width_bucket",
  "scale",
  "num_nulls",
  "num_nonnulls",
  "pg_typeof",
  // read-only server facts that triage leans on (replica lag, sizes, lock waits)
  "pg_is_in_recovery",
  "pg_last_xact_replay_timestamp",
  "pg_last_wal_receive_lsn",
  "pg_last_wal_replay_lsn",
  "pg_wal_lsn_diff",
  "pg_postmaster_start_time",
  "pg_blocking_pids",
  "pg_size_pretty",
  "pg_relation_size",
  "pg_total_relation_size",
  "pg_table_size",
  "pg_indexes_size",
  "current_database",
  "current_schema",
  "version",
];

/** Every function name the guard accepts (unqualified or `pg_catalog.`-qualified). */
export const ALLOWED_FUNCTIONS: ReadonlySet<string> = new Set([
  ...AGGREGATES,
  ...WINDOW_FUNCTIONS,
  ...SET_RETURNING_FUNCTIONS,
  ...SCALAR_FUNCTIONS,
]);

/**
 * Operator symbols built into Postgres for the types triage reads (comparison, arithmetic,
 * text matching, arrays, ranges, json). A user-defined operator with a new symbol is
 * refused; an overload of a built-in symbol on a user type cannot be seen in the parse
 * tree, which is why the replica reader's probe reports user-defined operators.
 */
export const ALLOWED_OPERATORS: ReadonlySet<string> = new Set([
  "=",
  "<>",
  "!=",
  "<",
  ">",
  "<=",
  ">=",
  "+",
  "-",
  "*",
  "/",
  "%",
  "^",
  "|/",
  "||/",
  "@",
  "&",
  "|",
  "#",
  "~",
  "<<",
  ">>",
  "||",
  "~~",
  "!~~",
  "~~*",
  "!~~*",
  "~*",
  "!~",
  "!~*",
  "@>",
  "<@",
  "&&",
  "->",
  "->>",
  "#>",
  "#>>",
  "?",
  "?|",
  "?&",
  "@?",
  "@@",
  "#-",
]);

/**
 * Types a value may be cast to. Casts to other types are refused: a user-defined type can
 * carry a user-defined cast function, and the reg* lookup types other than regclass and
 * regtype are not needed for triage. regclass stays because `tableoid::regclass` and
 * `pg_relation_size('t'::regclass)` are everyday triage; it only looks a name up.
 * Names are the parser's: `int`, `integer` and `boolean` arrive as pg_catalog.int4 / bool.
 */
export const ALLOWED_TYPES: ReadonlySet<string> = new Set([
  "bool",
  "int2",
  "int4",
  "int8",
  "numeric",
  "float4",
  "float8",
  "text",
  "varchar",
  "bpchar",
  "char",
  "name",
  "date",
  "time",
  "timetz",
  "timestamp",
  "timestamptz",
  "interval",
  "uuid",
  "json",
  "jsonb",
  "jsonpath",
  "bytea",
  "inet",
  "cidr",
  "macaddr",
  "bit",
  "varbit",
  "oid",
  "regclass",
  "regtype",
  "int4range",
  "int8range",
  "numrange",
  "tsrange",
  "tstzrange",
  "daterange",
]);

/** TABLESAMPLE methods built into Postgres (extensions add others, which are refused). */
export const ALLOWED_SAMPLE_METHODS: ReadonlySet<string> = new Set(["bernoulli", "system"]);
