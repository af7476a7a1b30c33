/**
 * Cases from the black-box probe of issue 18 (item 5), written against the schema of
 * sql-guard.cases.ts, which spreads them into its tables: rows folded into one cell or
 * one row past the row cap, sensitive system catalogs and columns, and statements that
 * burn CPU until the statement timeout. Every refused case here was allowed before,
 * except four function calls kept to show the function allowlist already covers them.
 */

/** Still allowed: the safe neighbours of the attacks below. */
export const ATTACK_ALLOWED_CASES: { sql: string }[] = [
  // system catalogs on the allowlist, without their sensitive columns
  { sql: "select state, count(*) from pg_stat_activity group by state limit 20" },
  {
    sql: "select datname, numbackends, xact_commit, deadlocks from pg_stat_database limit 10",
  },
  {
    sql: "select locktype, mode, granted, count(*) from pg_locks group by 1, 2, 3 limit 50",
  },
  {
    sql: "select c.relname, i.indisvalid from pg_catalog.pg_index i join pg_class c on c.oid = i.indexrelid limit 10",
  },
  {
    sql: "select table_name from information_schema.tables where table_schema = 'public' limit 10",
  },
  // regular expressions without nested quantifiers, row values without folding
  { sql: "select count(*) from users where email ~ '^[a-z]+@example\\.(com|org)$'" },
  { sql: "select count(*) from users where email similar to '%@example.(com|org)'" },
  { sql: `select id from users where metadata @? '$.plan ? (@ like_regex "^pr")' limit 3` },
  {
    sql: "select jsonb_build_object('users', (select count(*) from users), 'steps', (select count(*) from onboarding_steps))",
  },
  { sql: "select percentile_disc(0.5) within group (order by attempts) from onboarding_steps" },
  {
    sql: "select u.id, (select b.currency from account_balances b where b.user_id = u.id limit 1) from users u limit 10",
  },
  {
    sql: "select x from generate_series(timestamptz '2024-01-01', timestamptz '2024-01-02', interval '1 hour') x limit 25",
  },
];

export const ATTACK_REFUSED_CASES: { sql: string; reason: string }[] = [
  // folding many rows into one value or one row
  {
    sql: "with recursive r(n) as (select 1 union all select n + 1 from r where n < 5) select n from r limit 10",
    reason: "WITH RECURSIVE is not allowed",
  },
  {
    sql: "with recursive r(i, s) as (select 0, ''::text union all select r.i + 1, r.s || ',' || (select u.id::text from users u order by u.id limit 1 offset r.i) from r where r.i < 3) select s from r order by i desc limit 1",
    reason: "WITH RECURSIVE is not allowed",
  },
  {
    sql: "select percentile_disc(array[0, 0.34, 0.67, 1]) within group (order by email) from users",
    reason: "percentile_disc takes one constant fraction",
  },
  {
    sql: "select percentile_cont(array[0.1, 0.9]) within group (order by attempts) from onboarding_steps",
    reason: "percentile_cont takes one constant fraction",
  },
  {
    sql: "select jsonb_build_array((select email from users order by id limit 1), (select email from users order by id offset 1 limit 1))",
    reason: "jsonb_build_array of a subquery that returns a row's value",
  },
  {
    sql: "select json_build_object('a', (select max(email) from users where id = 1))",
    reason: "json_build_object of a subquery",
  },
  {
    sql: "select (select email from users order by id limit 1) || ',' || (select email from users order by id offset 1 limit 1)",
    reason: "|| of a subquery",
  },
  {
    sql: "select array[(select email from users order by id limit 1), (select email from users order by id offset 1 limit 1)]",
    reason: "ARRAY[…] of a subquery",
  },
  {
    sql: "select concat((select max(email) from users where id = 1), (select max(email) from users where id = 2))",
    reason: "concat of a subquery",
  },
  {
    sql: "select row((select email from users order by id limit 1), 1)",
    reason: "ROW(…) of a subquery",
  },
  {
    sql: `select ${[0, 1, 2, 3, 4].map((i) => `(select email from users order by id offset ${i} limit 1)`).join(", ")}`,
    reason: "more than 4 scalar subqueries that return a row's value",
  },
  // sensitive catalogs and columns
  {
    sql: "select query from pg_stat_activity limit 10",
    reason: "column query of pg_stat_activity",
  },
  {
    sql: "select a.query from pg_stat_activity a limit 10",
    reason: "column query of pg_stat_activity",
  },
  {
    sql: "select q from (select query as q from pg_catalog.pg_stat_activity) s limit 1",
    reason: "column query of pg_stat_activity",
  },
  { sql: "select pid, client_addr from pg_stat_activity limit 5", reason: "column client_addr" },
  {
    sql: "select count(*) from pg_stat_activity natural join (select 'select 1' as query) v",
    reason: "column query of pg_stat_activity",
  },
  {
    sql: "select count(*) from pg_stat_activity join (values ('select 1')) v(query) using (query)",
    reason: "column query of pg_stat_activity",
  },
  {
    sql: "select q from pg_stat_activity a(d, n, p, l, u, un, ap, ca, ch, cp, bs, xs, qs, sc, wet, we, st, bx, bxm, qi, q) limit 1",
    reason: "column aliases on pg_stat_activity are not allowed",
  },
  {
    sql: "select query, calls from pg_stat_statements limit 10",
    reason: "relation pg_stat_statements is not allowed",
  },
  {
    sql: "select proname, prosrc from pg_proc limit 10",
    reason: "relation pg_proc is not allowed",
  },
  {
    sql: "select rolname, rolsuper from pg_roles limit 10",
    reason: "relation pg_roles is not allowed",
  },
  { sql: "select usename from pg_user limit 1", reason: "relation pg_user is not allowed" },
  {
    sql: "select conninfo from pg_stat_wal_receiver limit 1",
    reason: "relation pg_stat_wal_receiver",
  },
  { sql: "select definition from pg_views limit 1", reason: "relation pg_views is not allowed" },
  { sql: "select most_common_vals::text from pg_stats limit 1", reason: "relation pg_stats" },
  { sql: "select count(*) from pg_catalog.pg_prepared_xacts", reason: "pg_prepared_xacts" },
  { sql: "select count(*) from pg_stat_subscription", reason: "only allowlisted system catalogs" },
  {
    sql: "select routine_definition from information_schema.routines limit 1",
    reason: "relation information_schema.routines is not allowed",
  },
  {
    sql: "select chunk_data from pg_toast.pg_toast_2619 limit 1",
    reason: "schema pg_toast is internal",
  },
  { sql: "select attmissingval::text from pg_attribute limit 1", reason: "column attmissingval" },
  { sql: "select pg_stat_get_activity(null)", reason: "function pg_stat_get_activity" },
  { sql: "select pg_get_functiondef(1)", reason: "function pg_get_functiondef" },
  { sql: "select lo_get(1)", reason: "it touches large objects" },
  { sql: "select inet_client_addr()", reason: "function inet_client_addr" },
  // giant time series
  {
    sql: "select x from generate_series(now() - interval '100 years', now(), interval '1 second') x limit 1",
    reason: "generate_series would produce 3155760001 rows",
  },
  {
    sql: "select x from generate_series(timestamp '2000-01-01', timestamp '2030-01-01', interval '1 second') x limit 1",
    reason: "generate_series would produce",
  },
  {
    sql: "select x from generate_series(now(), clock_timestamp() + interval '1 year', interval '1 second') x limit 1",
    reason: "generate_series over time needs bounds that differ by literal intervals",
  },
  // regular expressions that backtrack until the statement timeout
  { sql: "select count(*) from users where name ~ '(a+)+$'", reason: "nested quantifier" },
  { sql: "select count(*) from users where email ~* '^(\\w+\\s?)*$'", reason: "nested quantifier" },
  {
    sql: "select regexp_replace(email, '(x*)*y', '') from users limit 1",
    reason: "nested quantifier",
  },
  { sql: "select count(*) from users where email ~ '(.*a){20}'", reason: "nested quantifier" },
  {
    sql: "select count(*) from users where email similar to '(a+)+b'",
    reason: "nested quantifier",
  },
  { sql: "select count(*) from users where email similar to '(%a)*'", reason: "nested quantifier" },
  { sql: "select substring(email from '(a+)+b') from users limit 1", reason: "nested quantifier" },
  { sql: "select count(*) from users where email ~ '(a|aa)+$'", reason: "repeated alternation" },
  { sql: "select count(*) from users where email ~ '(a*)\\1'", reason: "back-references" },
  {
    sql: "select count(*) from users where email ~ 'a{1000}'",
    reason: "repetition count above 100",
  },
  {
    sql: "select count(*) from users where email ~ any(array['x', '(b+)+c'])",
    reason: "nested quantifier",
  },
  { sql: "select count(*) from users where email ~ name", reason: "must be a string literal" },
  {
    sql: "select regexp_match(email, name) from users limit 1",
    reason: "must be a string literal",
  },
  {
    sql: `select count(*) from users where metadata @? '$.plan ? (@ like_regex "(a+)+$")'`,
    reason: "nested quantifier",
  },
  {
    sql: `select count(*) from users where email ~ '${"a".repeat(501)}'`,
    reason: "regular expression is too long",
  },
  // text amplification
  {
    sql: `select length(${"replace(".repeat(10)}'ab'${", 'a', 'aaaaaaaaaa')".repeat(10)})`,
    reason: "replace of a replace() or regexp_replace() is not allowed",
  },
  {
    sql: `select length(replace(email, '@', '${"x".repeat(101)}')) from users limit 1`,
    reason: "the replacement of replace is longer than 100 characters",
  },
  {
    sql: "select replace(email, '@', name) from users limit 1",
    reason: "the replacement of replace must be a string literal",
  },
  {
    sql: `select ${Array.from({ length: 17 }, (_, i) => `(select sum(ascii(email)) from users where id = ${i})`).join(", ")}`,
    reason: "more than 16 scalar subqueries are not allowed",
  },
  {
    sql: "select count(*) from users where metadata @? name::jsonpath",
    reason: "the path of a jsonpath cast must be a string literal",
  },
  {
    sql: "select count(*) from users where jsonb_path_exists(metadata, name)",
    reason: "the path of jsonb_path_exists must be a string literal",
  },
];
