/**
 * Cases from the second black-box probe (finding F4): products that burn CPU past every
 * per-series cap (sql-guard-products.ts), and credential or personal-data columns read out
 * (sql-guard-sensitive.ts). The refused statements are the probe's own, verbatim where
 * they were sent; all of them were allowed before. The allowed ones are their safe
 * neighbours on CASES_SCHEMA (sql-guard.cases.ts), so the integration test runs them.
 */

/** Still allowed: joins with a condition, small constant factors, counted or compared secrets. */
export const PRODUCT_ALLOWED_CASES: { sql: string }[] = [
  // joined on a condition, in ON, WHERE, USING or through LATERAL
  {
    sql: "select count(*) from users u, onboarding_steps s, account_balances b where s.user_id = u.id and b.user_id = u.id",
  },
  {
    sql: "select count(*) from users a join users b on a.id = b.id join users c on c.id = b.id join users d on d.id = c.id join users e on e.id = d.id",
  },
  { sql: "select count(*) from onboarding_steps s join account_balances b using (user_id)" },
  {
    sql: "select u.id, e.key from users u, lateral jsonb_each(u.metadata) e where u.id < 3 limit 10",
  },
  // a series bucketing a table on a condition, however long the series
  {
    sql: "select h, count(u.id) from generate_series(date_trunc('hour', now()) - interval '23 hours', date_trunc('hour', now()), interval '1 hour') h left join users u on u.created_at >= h and u.created_at < h + interval '1 hour' group by h order by h limit 24",
  },
  // small constant factors: a parameter row, a VALUES list, a short series
  {
    sql: "select count(*) from users u, (select now() - interval '7 days' as since) p where u.created_at > p.since",
  },
  {
    sql: "select v.s, count(*) from users u cross join (values ('active'), ('suspended')) as v(s) group by v.s limit 2",
  },
  { sql: "select count(*) from users cross join generate_series(1, 24)" },
  {
    sql: "select count(*) from generate_series(1, 100) a, generate_series(1, 100) b, generate_series(1, 10) c",
  },
  // a sensitive column counted, compared, grouped on, or used only in a condition
  { sql: "select count(password_hash), count(distinct email) from users" },
  { sql: "select count(*) filter (where api_token is null) as without_token from users" },
  { sql: "select id from users where email = 'alice@example.com' limit 1" },
  { sql: "select id, password_hash is null as no_password from users limit 10" },
  { sql: "select count(*) from users group by email having count(*) > 1 limit 10" },
  { sql: "select max(length(api_token)) from users" },
  {
    sql: "select id from users u where exists (select 1 from users v where v.email = u.email and v.id <> u.id) limit 10",
  },
  { sql: "select id from users where email in (select email from users where id = 1) limit 5" },
  {
    sql: "select case when email like '%@example.com' then 'internal' else 'other' end as kind from users limit 5",
  },
];

const PRODUCT = "not allowed (at most";
const CARTESIAN = "cartesian product of";
const SENSITIVE = "is not allowed in a result";

export const PRODUCT_REFUSED_CASES: { sql: string; reason: string }[] = [
  // CPU: products of capped series and of tables (the probe's statements)
  {
    sql: "select count(*) from generate_series(1,100000) a, generate_series(1,100000) b, generate_series(1,100000) c",
    reason: "multiply to 1000000000000000 rows",
  },
  {
    sql: "select count(*) from generate_series(1,100000) a cross join generate_series(1,100000) b",
    reason: PRODUCT,
  },
  {
    sql: "select count(*) from accounts a, accounts b, accounts c, accounts d, accounts e",
    reason: "cartesian product of 5 unrelated relations (a, b, c, d, e)",
  },
  { sql: "select count(*) from pg_class a, pg_class b, pg_class c, pg_class d", reason: CARTESIAN },
  {
    sql: "select id from accounts where id in (select id from accounts, generate_series(1,100000)) limit 1",
    reason: "repeats accounts 100000 times",
  },
  {
    sql: "select count(*) from (select 1 from generate_series(1,100000) x, generate_series(1,100000) y) s",
    reason: PRODUCT,
  },
  // the same, written other ways
  { sql: "select count(*) from users a, users b", reason: CARTESIAN },
  { sql: "select count(*) from users a cross join users b", reason: CARTESIAN },
  { sql: "select count(*) from users a join users b on true", reason: CARTESIAN },
  { sql: "select count(*) from users a join users b on a.id = a.id", reason: CARTESIAN },
  { sql: "select count(*) from users a, users b where a.id = 1 or b.id = 1", reason: CARTESIAN },
  {
    sql: "select count(*) from users a, users b, users c where a.id = b.id",
    reason: "cartesian product of 2 unrelated relations",
  },
  {
    sql: "select count(*) from (select id from users) a, (select id from users) b",
    reason: CARTESIAN,
  },
  {
    sql: "select count(*) from (select generate_series(1, 100000) from users) s",
    reason: "repeats users 100000 times",
  },
  {
    sql: "select count(*) from generate_series(1, 100000) a where exists (select 1 from generate_series(1, 100000) b where b > a)",
    reason: "generate_series calls that multiply to 10000000000 rows",
  },
  {
    sql: "select count(*) from users u1 join users u2 on u1.id = u2.id join users u3 on u3.id = u2.id join users u4 on u4.id = u3.id join users u5 on u5.id = u4.id join users u6 on u6.id = u5.id join users u7 on u7.id = u6.id join users u8 on u8.id = u7.id join users u9 on u9.id = u8.id",
    reason: "more than 8 relations in one FROM are not allowed (found 9)",
  },
  // credential and personal-data columns read out (the probe's statements)
  { sql: "select email, password_hash, api_token from accounts limit 1000", reason: SENSITIVE },
  { sql: "select max(email) from accounts", reason: "column email" },
  { sql: "select min(password_hash) from accounts", reason: "its name marks a password" },
  { sql: "select mode() within group (order by email) from accounts", reason: SENSITIVE },
  {
    sql: "select percentile_disc(0.5) within group (order by email) from accounts",
    reason: SENSITIVE,
  },
  { sql: "select api_token from accounts limit 1", reason: "its name marks a token" },
  { sql: "select ssn from accounts limit 1", reason: "its name marks an ID number" },
  { sql: "select a.private_key from accounts a limit 1", reason: "its name marks a key" },
  { sql: "select client_secret from oauth_clients limit 1", reason: "its name marks a secret" },
  // read out another way: renamed, nested, cast, cut, concatenated, through a JSON key
  { sql: "select x from (select password_hash as x from users) s limit 1", reason: SENSITIVE },
  { sql: "with t(x) as (select api_token from users) select x from t limit 1", reason: SENSITIVE },
  { sql: "select substr(max(email), 1, 3) from users", reason: SENSITIVE },
  { sql: "select left(password_hash, 8) from users limit 10", reason: SENSITIVE },
  { sql: "select password_hash::bytea from users limit 1", reason: SENSITIVE },
  { sql: "select 'x' || api_token from users limit 1", reason: SENSITIVE },
  { sql: "select (select max(api_token) from users) as t", reason: SENSITIVE },
  {
    sql: "select case when id = 1 then password_hash end from users limit 1",
    reason: SENSITIVE,
  },
  { sql: "select first_value(email) over (order by id) from users limit 1", reason: SENSITIVE },
  { sql: "select metadata->>'api_token' from users limit 1", reason: "key api_token" },
  {
    sql: "select e.value from users u, jsonb_each_text(u.api_token::jsonb) e limit 1",
    reason: SENSITIVE,
  },
  { sql: `select "Email" from users limit 1`, reason: "an e-mail address" },
  { sql: "select nullif(api_token, '') from users limit 1", reason: SENSITIVE },
  { sql: "select coalesce(password_hash, '-') from users limit 1", reason: SENSITIVE },
];
