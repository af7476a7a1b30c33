/**
 * The SQL guard's case table, shared by the unit test (sql-guard.test.ts: the verdict and
 * reason) and the integration test (test/integration/sql-guard.int.test.ts: every allowed
 * statement really runs in a READ ONLY transaction against {@link CASES_SCHEMA}).
 */

import { ATTACK_ALLOWED_CASES, ATTACK_REFUSED_CASES } from "./sql-guard.attack-cases.ts";
import { PRODUCT_ALLOWED_CASES, PRODUCT_REFUSED_CASES } from "./sql-guard.product-cases.ts";

/** The schema the allowed statements are written against. */
export const CASES_SCHEMA = `
create table users (
  id bigint primary key,
  email text not null,
  name text,
  status text not null,
  country text,
  created_at timestamptz not null,
  metadata jsonb not null default '{}',
  password_hash text,
  api_token text
);
create table onboarding_steps (
  id bigint primary key,
  user_id bigint not null references users (id),
  step text not null,
  attempts int not null default 0,
  completed_at timestamptz,
  error text
);
create table account_balances (
  account_id bigint primary key,
  user_id bigint not null references users (id),
  balance numeric(12, 2) not null,
  currency text not null,
  updated_at timestamptz not null
);
create sequence invoice_seq;
insert into users values
  (1, 'alice@example.com', 'Alice', 'active', 'DE', now() - interval '3 days', '{"plan": "pro", "beta": true}'),
  (2, 'bob@example.com', 'Bob', 'active', 'FR', now() - interval '2 days', '{"plan": "free"}'),
  (3, 'carol@example.org', null, 'suspended', '', now() - interval '1 hour', '{}');
insert into onboarding_steps values
  (1, 1, 'verify_email', 1, now() - interval '3 days', null),
  (2, 1, 'kyc', 3, null, 'provider timeout'),
  (3, 2, 'verify_email', 1, now() - interval '1 day', null),
  (4, 3, 'verify_email', 5, null, 'bounced');
insert into account_balances values
  (10, 1, 120.50, 'EUR', now() - interval '1 hour'),
  (11, 2, -5.00, 'EUR', now() - interval '2 hours'),
  (12, 3, 0, 'USD', now());
`;

interface AllowedCase {
  sql: string;
}

interface RefusedCase {
  sql: string;
  /** A substring of the reason, or a pattern it must match. */
  reason: string | RegExp;
}

export const ALLOWED_CASES: AllowedCase[] = [
  ...ATTACK_ALLOWED_CASES,
  ...PRODUCT_ALLOWED_CASES,
  // everyday triage
  { sql: "select id, name from users order by created_at desc limit 10" },
  { sql: "SELECT count(*) FROM users" },
  {
    sql: "select count(*) filter (where status = 'active') as active, count(*) as total from users",
  },
  { sql: "select status, count(*) from users group by status order by 2 desc limit 50" },
  {
    sql: "select u.id, s.step from users u join onboarding_steps s on s.user_id = u.id where s.completed_at is null limit 100",
  },
  {
    sql: "select date_trunc('hour', created_at) as hour, count(*) from users where created_at > now() - interval '1 day' group by 1 order by 1 limit 48",
  },
  { sql: "select avg(balance), min(balance), max(balance), sum(balance) from account_balances" },
  { sql: "select percentile_cont(0.95) within group (order by attempts) from onboarding_steps" },
  { sql: "select id from users where email ilike '%@example.com' limit 5" },
  { sql: "select id, lower(name), upper(name), length(email) from users limit 5" },
  { sql: "select coalesce(name, 'unknown') as name from users limit 5" },
  { sql: "select nullif(country, '') from users limit 5" },
  { sql: "select greatest(attempts, 1), least(attempts, 10) from onboarding_steps limit 5" },
  {
    sql: "select case when balance < 0 then 'negative' else 'ok' end as state, count(*) from account_balances group by 1 limit 10",
  },
  {
    sql: "select id from users where id in (select user_id from onboarding_steps where error is not null) limit 20",
  },
  {
    sql: "select id from users u where exists (select 1 from account_balances b where b.user_id = u.id and b.balance < 0) limit 20",
  },
  {
    sql: "with recent as (select id, created_at from users where created_at > now() - interval '7 days') select count(*) from recent",
  },
  { sql: "select extract(epoch from now() - created_at) as age_s from users limit 3" },
  { sql: "select to_char(created_at, 'YYYY-MM-DD') from users limit 3" },
  {
    sql: "select u.id, row_number() over (partition by u.status order by u.created_at) from users u limit 10",
  },
  {
    sql: "select sum(balance) over (order by updated_at rows between 1 preceding and current row) from account_balances limit 10",
  },
  { sql: "select id from users union select user_id from account_balances limit 10" },
  { sql: "select id from users intersect select user_id from onboarding_steps limit 10" },
  { sql: "select id from users except select user_id from account_balances limit 10" },
  { sql: "select metadata->>'plan' as plan, count(*) from users group by 1 limit 10" },
  { sql: `select id from users where metadata @> '{"beta": true}' limit 10` },
  { sql: "select jsonb_typeof(metadata) from users limit 1" },
  { sql: "select current_date, current_timestamp, localtimestamp" },
  { sql: "select now()" },
  { sql: "select 1" },
  {
    sql: "select account_id::text, balance::numeric(14, 2), updated_at::date from account_balances limit 3",
  },
  { sql: "select cast(attempts as bigint) from onboarding_steps limit 3" },
  {
    sql: "select split_part(name, ' ', 1) as first, count(*) from users group by 1 order by 2 desc limit 10",
  },
  { sql: "select md5(name) from users limit 3" },
  { sql: "select id from users order by id limit 10 offset 10" },
  { sql: "select id from users fetch first 5 rows only" },
  { sql: "select distinct status from users limit 10" },
  {
    sql: "select distinct on (user_id) user_id, step from onboarding_steps order by user_id, id desc limit 10",
  },
  {
    sql: "select id from users where created_at between now() - interval '30 days' and now() limit 10",
  },
  { sql: "select id from users where status is distinct from 'active' limit 5" },
  {
    sql: "select s.user_id, lb.balance from onboarding_steps s left join lateral (select b.balance from account_balances b where b.user_id = s.user_id order by b.updated_at desc limit 1) lb on true limit 10",
  },
  { sql: "select x from generate_series(1, 10) as g(x) limit 10" },
  {
    sql: "select h from generate_series(date_trunc('hour', now()) - interval '23 hours', date_trunc('hour', now()), interval '1 hour') as t(h) limit 24",
  },
  { sql: "select v from (values (1), (2), (3)) as t(v) limit 3" },
  { sql: "select n from unnest(array[1, 2, 3]) as n limit 3" },
  { sql: "select pg_is_in_recovery(), pg_last_xact_replay_timestamp()" },
  {
    sql: "select pid, state, wait_event_type, pg_blocking_pids(pid) from pg_stat_activity limit 20",
  },
  { sql: "select pg_size_pretty(pg_total_relation_size('users'))" },
  { sql: "select relname, n_live_tup from pg_stat_user_tables order by n_live_tup desc limit 10" },
  { sql: "select tableoid::regclass, id from users limit 3" },
  // comments, quoting, escapes and string forms that only look dangerous
  { sql: "select /* comment */ id -- trailing\nfrom users limit 1" },
  { sql: "select id from users limit 1;" },
  { sql: "select id from users -- ; delete from users\n limit 1" },
  { sql: "select id /* ; drop table users; */ from users limit 1" },
  {
    sql: "select id /* outer /* nested */ still a comment; delete from users */ from users limit 1",
  },
  { sql: 'select "id" from "users" limit 1' },
  { sql: 'select U&"\\0069d" from users limit 1' },
  { sql: "select id from users where email = U&'\\0061lice@example.com' limit 1" },
  { sql: "select $$it's; delete from users;$$ as s" },
  { sql: "select $tag$ $$ ; drop table users; $$ $tag$ as s" },
  { sql: "select 'a'';delete from users;--' as s" },
  { sql: "select e'a\\nb' as s" },
  { sql: "select 'pg_sleep(100)' as looks_like_a_call" },
  { sql: "select id from users where name like 'A%' escape '!' limit 5" },
  { sql: "select id from users where name similar to 'A%' limit 5" },
  { sql: "select pg_catalog.count(*) from pg_catalog.pg_class" },
  { sql: 'select "pg_catalog"."lower"(\'X\')' },
  { sql: "SELECT Id FROM Users LIMIT 1" },
  { sql: "select id from public.users limit 1" },
  // aggregates, windows, grouping
  { sql: "select round(avg(attempts)::numeric, 2) from onboarding_steps" },
  {
    sql: "select width_bucket(balance, 0, 1000, 10) as bucket, count(*) from account_balances group by 1 order by 1 limit 20",
  },
  { sql: "select status, count(*) from users group by rollup(status) limit 20" },
  { sql: "select grouping(status), count(*) from users group by cube(status) limit 20" },
  { sql: "select count(*) from users having count(*) > 0" },
  { sql: "select id from users tablesample bernoulli (50) repeatable (42) limit 5" },
  { sql: "select age(now(), created_at) from users limit 1" },
  { sql: "select make_interval(hours => 2)" },
  { sql: "select id from users where created_at at time zone 'UTC' > '2024-01-01' limit 5" },
  { sql: "select xmin, ctid from users limit 1" },
  { sql: "select id from users order by created_at desc nulls last limit 5" },
  { sql: "select count(distinct user_id) from onboarding_steps" },
  {
    sql: "select bool_or(balance < 0), bool_and(balance >= 0), every(currency = 'EUR') from account_balances",
  },
  { sql: "select stddev(balance), variance(balance) from account_balances" },
  { sql: "select id from users where id = any(array[1, 2, 3]) limit 3" },
  {
    sql: "select id from users where id > all (select user_id from account_balances where balance > 1e9) limit 3",
  },
  { sql: "select (select max(balance) from account_balances) as max_balance" },
  { sql: "select concat_ws(' ', name, country) from users limit 3" },
  { sql: "select id from users where position('@' in email) > 0 limit 3" },
  { sql: "select substring(name from 1 for 3) from users limit 3" },
  { sql: "select trim(both ' ' from name) from users limit 3" },
  { sql: "select regexp_replace(name, ' .*', '') from users limit 3" },
  { sql: "select metadata #>> '{plan}' from users limit 3" },
  { sql: "select id from users where metadata ? 'beta' limit 3" },
  { sql: "select array_length(string_to_array(name, ' '), 1) from users limit 1" },
  {
    sql: "select id, lag(created_at) over w, lead(created_at) over w from users window w as (order by created_at) limit 10",
  },
  { sql: "select user_id, ntile(4) over (order by balance) from account_balances limit 10" },
  { sql: "select to_timestamp(0), to_date('2024-01-01', 'YYYY-MM-DD')" },
  { sql: "select date_part('dow', created_at), count(*) from users group by 1 limit 7" },
  { sql: `select id from users where email collate "C" > 'a' limit 1` },
  { sql: "select current_user, session_user, current_database()" },
  {
    sql: "select abs(balance), ceil(balance), floor(balance), sign(balance) from account_balances limit 3",
  },
  { sql: "select (u.id, u.status) from users u limit 1" },
  { sql: "select id from users order by lower(email) using < limit 3" },
  { sql: "select 'users'::regclass" },
  {
    sql: "select count(*) from users where created_at >= date '2020-01-01' and created_at < timestamptz '2100-01-01'",
  },
  { sql: "select id from users where id between symmetric 5 and 1 limit 5" },
  { sql: "select id from users where (status = 'active') is true limit 1" },
  {
    sql: "select count(*) from onboarding_steps s where s.completed_at is null and s.attempts >= 3",
  },
  { sql: "select id from users limit 1000" },
  { sql: "select id from users limit 0" },
  { sql: "select 1 from users limit 1" },
  {
    sql: "select s.step, count(*) filter (where s.error is not null) as failures from onboarding_steps s group by s.step having count(*) > 0 order by failures desc limit 10",
  },
  { sql: "select jsonb_build_object('id', id, 'status', status) from users limit 2" },
  { sql: "select to_jsonb(status) from users limit 1" },
  { sql: "(select id from users order by id limit 2)" },
  { sql: "select u.status from users u limit 1" },
  { sql: "\n\n  select id from users limit 1  \n\n" },
  { sql: `select ${"(".repeat(500)}1${")".repeat(500)}` },
];

const SELECT_STAR = "SELECT * is not allowed: name the columns";

export const REFUSED_CASES: RefusedCase[] = [
  ...ATTACK_REFUSED_CASES,
  ...PRODUCT_REFUSED_CASES,
  // SELECT *, TABLE and whole-row references
  { sql: "select * from users limit 1", reason: SELECT_STAR },
  { sql: "select u.* from users u limit 1", reason: SELECT_STAR },
  { sql: "select id, users.* from users limit 1", reason: SELECT_STAR },
  { sql: "select count(u.*) from users u", reason: SELECT_STAR },
  { sql: "select (u).* from users u limit 1", reason: SELECT_STAR },
  { sql: "select exists (select * from users)", reason: SELECT_STAR },
  { sql: "table users", reason: "TABLE is not allowed" },
  { sql: "select u from users u limit 1", reason: "whole-row reference u" },
  { sql: "select to_jsonb(u) from users u limit 1", reason: "whole-row reference u" },
  { sql: "select users from users limit 1", reason: "whole-row reference users" },
  { sql: "select u::text from users u limit 1", reason: "whole-row reference u" },
  {
    sql: "select j from (users a join account_balances b on a.id = b.user_id) j limit 1",
    reason: "whole-row reference j",
  },
  { sql: "select row_to_json(u) from users u limit 1", reason: "function row_to_json" },
  // LIMIT
  { sql: "select id from users", reason: "a LIMIT of at most 1000 is required" },
  { sql: "select id from users limit 1001", reason: "LIMIT 1001 exceeds the cap of 1000" },
  { sql: "select id from users limit 99999999999", reason: "exceeds the cap" },
  { sql: "select id from users limit all", reason: "a LIMIT of at most" },
  { sql: "select id from users limit null", reason: "a LIMIT of at most" },
  { sql: "select id from users limit (select 1)", reason: "LIMIT must be an integer literal" },
  { sql: "select id from users limit 10 + 1", reason: "LIMIT must be an integer literal" },
  { sql: "select id from users limit 1.5", reason: "LIMIT must be an integer literal" },
  { sql: "select id from users limit 5 offset 1 + 1", reason: "OFFSET must be an integer literal" },
  { sql: "select id from users offset 5", reason: "a LIMIT of at most" },
  { sql: "select id from users order by id fetch first 5 rows with ties", reason: "WITH TIES" },
  { sql: "select id from users limit -1", reason: "LIMIT must not be negative" },
  { sql: "select id from users union select user_id from account_balances", reason: "LIMIT" },
  { sql: "select status, count(*) from users group by status", reason: "LIMIT" },
  { sql: "select count(*) over () from users", reason: "LIMIT" },
  { sql: "select generate_series(1, 5)", reason: "LIMIT" },
  { sql: "select 1 from users", reason: "LIMIT" },
  { sql: "select (select max(balance) from account_balances) from users", reason: "LIMIT" },
  { sql: "select id, count(*) from users", reason: "LIMIT" },
  { sql: "values (1), (2)", reason: "LIMIT" },
  { sql: "select count(*) from users limit 2000", reason: "exceeds the cap" },
  // locking and SELECT INTO, at any depth
  { sql: "select id from users limit 1 for update", reason: "SELECT ... FOR UPDATE" },
  { sql: "select id from users limit 1 for no key update", reason: "FOR NO KEY UPDATE" },
  { sql: "select id from users limit 1 for share", reason: "FOR SHARE" },
  { sql: "select id from users limit 1 for key share", reason: "FOR KEY SHARE" },
  { sql: "select id from users limit 1 for update of users nowait", reason: "FOR UPDATE" },
  { sql: "select id from users limit 1 for update skip locked", reason: "FOR UPDATE" },
  { sql: "select id from (select id from users for update) s limit 1", reason: "FOR UPDATE" },
  {
    sql: "with l as (select id from users for share) select id from l limit 1",
    reason: "FOR SHARE",
  },
  { sql: "select 1 into t", reason: "SELECT INTO is not allowed" },
  { sql: "select id into temp t from users limit 1", reason: "SELECT INTO" },
  // data-modifying WITH
  {
    sql: "with d as (delete from users returning id) select id from d limit 1",
    reason: "data-modifying WITH (DELETE)",
  },
  {
    sql: "with i as (insert into users (id) values (9) returning id) select id from i limit 1",
    reason: "data-modifying WITH (INSERT)",
  },
  {
    sql: "with u as (update users set name = 'x' returning id) select id from u limit 1",
    reason: "data-modifying WITH (UPDATE)",
  },
  {
    sql: "with m as (merge into users t using account_balances s on t.id = s.user_id when matched then delete returning t.id) select id from m limit 1",
    reason: "data-modifying WITH (MERGE)",
  },
  {
    sql: "select x from (with d as (delete from users returning id) select 1 as x) s limit 1",
    reason: "data-modifying WITH (DELETE)",
  },
  {
    sql: "with a as (select 1 as x), d as (delete from users returning id) select x from a limit 1",
    reason: "data-modifying WITH (DELETE)",
  },
  // other statements
  { sql: "insert into users (id) values (1)", reason: "INSERT is not allowed" },
  { sql: "update users set name = 'x'", reason: "UPDATE is not allowed" },
  { sql: "delete from users", reason: "DELETE is not allowed" },
  {
    sql: "merge into users t using account_balances s on t.id = s.user_id when matched then delete",
    reason: "MERGE is not allowed",
  },
  { sql: "truncate users", reason: "TRUNCATE is not allowed" },
  { sql: "drop table users", reason: "DROP is not allowed" },
  { sql: "create table x (a int)", reason: "CREATE TABLE is not allowed" },
  { sql: "create table x as select id from users", reason: "CREATE TABLE AS" },
  { sql: "alter table users add column x int", reason: "ALTER TABLE is not allowed" },
  { sql: "create index on users (email)", reason: "INDEX is not allowed" },
  { sql: "grant select on users to public", reason: "GRANT/REVOKE is not allowed" },
  { sql: "explain select id from users limit 1", reason: "EXPLAIN is not allowed" },
  { sql: "explain analyze delete from users", reason: "EXPLAIN ANALYZE is not allowed" },
  {
    sql: "explain (analyze, buffers) update users set name = 'x'",
    reason: "EXPLAIN ANALYZE is not allowed",
  },
  { sql: "call do_something()", reason: "CALL is not allowed" },
  { sql: "do $$ begin delete from users; end $$", reason: "DO is not allowed" },
  { sql: "copy users to stdout", reason: "COPY is not allowed" },
  { sql: "copy (select id from users) to '/tmp/x'", reason: "COPY is not allowed" },
  { sql: "copy users from program 'curl example.com'", reason: "COPY is not allowed" },
  { sql: "set role postgres", reason: "SET ROLE is not allowed" },
  { sql: "set session authorization default", reason: "SET SESSION AUTHORIZATION" },
  { sql: "reset role", reason: "RESET is not allowed" },
  { sql: "set statement_timeout = 0", reason: "SET is not allowed" },
  { sql: "set local statement_timeout = 0", reason: "SET LOCAL is not allowed" },
  { sql: "set transaction read write", reason: "SET TRANSACTION is not allowed" },
  {
    sql: "set session characteristics as transaction read write",
    reason: "SET SESSION CHARACTERISTICS",
  },
  { sql: "show all", reason: "SHOW is not allowed" },
  { sql: "show password_encryption", reason: "SHOW is not allowed" },
  { sql: "lock table users in access exclusive mode", reason: "LOCK is not allowed" },
  { sql: "listen ch", reason: "LISTEN is not allowed" },
  { sql: "notify ch, 'x'", reason: "NOTIFY is not allowed" },
  { sql: "unlisten *", reason: "UNLISTEN is not allowed" },
  { sql: "prepare p as select 1", reason: "PREPARE is not allowed" },
  { sql: "execute p", reason: "EXECUTE is not allowed" },
  { sql: "deallocate all", reason: "DEALLOCATE is not allowed" },
  {
    sql: "declare c cursor for select id from users for update",
    reason: "DECLARE CURSOR is not allowed",
  },
  { sql: "fetch all from c", reason: "FETCH is not allowed" },
  { sql: "begin", reason: "transaction control is not allowed" },
  { sql: "start transaction read write", reason: "transaction control" },
  { sql: "commit", reason: "transaction control" },
  { sql: "vacuum users", reason: "VACUUM/ANALYZE" },
  { sql: "discard all", reason: "DISCARD is not allowed" },
  { sql: "load 'auto_explain'", reason: "LOAD is not allowed" },
  { sql: "checkpoint", reason: "CHECKPOINT is not allowed" },
  // several statements, however they are hidden
  { sql: "select 1; select 2", reason: "multiple statements are not allowed (found 2)" },
  { sql: "select id from users limit 1; delete from users", reason: "multiple statements" },
  { sql: "select id from users limit 1; -- ok\ndrop table users", reason: "multiple statements" },
  { sql: "select 1 /* ; */ ; select 2", reason: "multiple statements" },
  { sql: "select 'x\\'; delete from users; --'", reason: "multiple statements" },
  { sql: "select ''; drop table users", reason: "multiple statements" },
  // dangerous functions, directly
  { sql: "select nextval('invoice_seq')", reason: "function nextval is not allowed" },
  { sql: "select setval('invoice_seq', 1)", reason: "function setval is not allowed" },
  { sql: "select currval('invoice_seq')", reason: "function currval is not allowed" },
  { sql: "select lastval()", reason: "function lastval" },
  { sql: "select pg_advisory_lock(1)", reason: "function pg_advisory_lock is not allowed" },
  { sql: "select pg_advisory_xact_lock(1)", reason: "function pg_advisory_xact_lock" },
  { sql: "select pg_try_advisory_lock(1)", reason: "function pg_try_advisory_lock" },
  { sql: "select pg_advisory_lock_shared(1)", reason: "advisory lock" },
  { sql: "select pg_advisory_unlock_all()", reason: "function pg_advisory_unlock_all" },
  { sql: "select pg_terminate_backend(123)", reason: "function pg_terminate_backend" },
  { sql: "select pg_cancel_backend(123)", reason: "function pg_cancel_backend" },
  { sql: "select dblink('host=x', 'delete from users')", reason: "function dblink" },
  { sql: "select dblink_exec('host=x', 'drop table users')", reason: "function dblink_exec" },
  { sql: "select public.dblink_connect('x')", reason: "function public.dblink_connect" },
  { sql: "select lo_import('/etc/passwd')", reason: "function lo_import" },
  { sql: "select lo_export(1, '/tmp/x')", reason: "function lo_export" },
  {
    sql: "select set_config('default_transaction_read_only', 'off', false)",
    reason: "function set_config is not allowed",
  },
  {
    sql: "select pg_catalog.set_config('statement_timeout', '0', false)",
    reason: "function pg_catalog.set_config is not allowed",
  },
  { sql: "select current_setting('app.jwt_secret')", reason: "settings can hold secrets" },
  { sql: "select pg_read_file('/etc/passwd')", reason: "function pg_read_file" },
  { sql: "select pg_read_binary_file('/etc/passwd')", reason: "function pg_read_binary_file" },
  { sql: "select pg_ls_dir('.')", reason: "function pg_ls_dir" },
  { sql: "select pg_stat_file('postgresql.conf')", reason: "function pg_stat_file" },
  {
    sql: "select query_to_xml('delete from users returning 1', true, true, '')",
    reason: "it executes SQL text",
  },
  { sql: "select table_to_xml('users', true, true, '')", reason: "function table_to_xml" },
  { sql: "select cursor_to_xml('c', 1, true, true, '')", reason: "function cursor_to_xml" },
  { sql: "select xpath('/a', '<a/>')", reason: "function xpath" },
  { sql: "select pg_sleep(100)", reason: "function pg_sleep is not allowed" },
  { sql: "select pg_sleep(0.1)", reason: "function pg_sleep" },
  { sql: 'select "pg_sleep"(100)', reason: "function pg_sleep" },
  { sql: "select pg_catalog.pg_sleep(1)", reason: "function pg_catalog.pg_sleep" },
  { sql: "select pg_sleep_for('1 day')", reason: "function pg_sleep_for" },
  { sql: "select txid_current()", reason: "function txid_current" },
  { sql: "select pg_current_xact_id()", reason: "function pg_current_xact_id" },
  { sql: "select pg_notify('ch', 'x')", reason: "function pg_notify" },
  { sql: "select pg_reload_conf()", reason: "function pg_reload_conf" },
  { sql: "select pg_switch_wal()", reason: "function pg_switch_wal" },
  { sql: "select random()", reason: "function random is not allowed" },
  { sql: "select gen_random_uuid()", reason: "function gen_random_uuid" },
  { sql: "select repeat('x', 1000000000)", reason: "function repeat" },
  { sql: "select lpad('x', 1000000000)", reason: "function lpad" },
  { sql: "select format('%1000000000s', 'x')", reason: "function format" },
  { sql: "select do_refund(1)", reason: "function do_refund is not allowed" },
  // dangerous functions, hidden
  {
    sql: "select id from users order by nextval('invoice_seq') limit 1",
    reason: "function nextval",
  },
  { sql: "(select nextval('invoice_seq'))", reason: "function nextval" },
  {
    sql: "select id from users where id = (select nextval('invoice_seq')) limit 1",
    reason: "function nextval",
  },
  {
    sql: "with c as (select nextval('invoice_seq') as n) select n from c limit 1",
    reason: "function nextval",
  },
  { sql: "select nextval('invoice_seq')::text", reason: "function nextval" },
  {
    sql: "select count(*) filter (where pg_advisory_lock(1) is not null) from users",
    reason: "function pg_advisory_lock",
  },
  {
    sql: "select sum(attempts) over (order by id rows between pg_advisory_lock(1)::int preceding and current row) from onboarding_steps limit 1",
    reason: "function pg_advisory_lock",
  },
  {
    sql: "select count(*) over (partition by pg_backend_pid()) from users limit 1",
    reason: "function pg_backend_pid",
  },
  {
    sql: "select s.x from users, lateral (select pg_sleep(1) as x) s limit 1",
    reason: "function pg_sleep",
  },
  {
    sql: "select v from (values (nextval('invoice_seq'))) t(v) limit 1",
    reason: "function nextval",
  },
  { sql: "select case when true then pg_terminate_backend(1) end", reason: "pg_terminate_backend" },
  { sql: "select coalesce(null, set_config('a.b', 'c', false))", reason: "function set_config" },
  { sql: "select greatest(1, pg_cancel_backend(1)::int)", reason: "function pg_cancel_backend" },
  {
    sql: "select id from users group by id, pg_advisory_lock(1) limit 1",
    reason: "function pg_advisory_lock",
  },
  {
    sql: "select id from users group by id having pg_advisory_lock(1) is null limit 1",
    reason: "function pg_advisory_lock",
  },
  {
    sql: "select users.id from users join account_balances b on b.user_id = users.id and pg_sleep(1) is null limit 1",
    reason: "function pg_sleep",
  },
  {
    sql: "select x from rows from (generate_series(1, 3), pg_sleep(1)) as t(x, y) limit 1",
    reason: "function pg_sleep",
  },
  { sql: "select x from pg_sleep(1) as x limit 1", reason: "function pg_sleep" },
  { sql: "select array[nextval('invoice_seq')]", reason: "function nextval" },
  { sql: "select (nextval('invoice_seq'), 1)", reason: "function nextval" },
  {
    sql: "select id from users where id in (1, nextval('invoice_seq')) limit 1",
    reason: "function nextval",
  },
  {
    sql: "select id from users where id = any(select nextval('invoice_seq')) limit 1",
    reason: "function nextval",
  },
  {
    sql: "select id from users where exists (select pg_advisory_xact_lock(id)) limit 1",
    reason: "function pg_advisory_xact_lock",
  },
  {
    sql: "with x as materialized (select pg_sleep(1) as s) select s from x limit 1",
    reason: "function pg_sleep",
  },
  {
    sql: "select id from users where id = 1 or pg_sleep(1) is null limit 1",
    reason: "function pg_sleep",
  },
  {
    sql: "select id from users order by id limit 1 offset pg_advisory_lock(1)::int",
    reason: "function pg_advisory_lock",
  },
  {
    sql: "select make_interval(hours => nextval('invoice_seq')::int)",
    reason: "function nextval",
  },
  {
    sql: "select percentile_cont(0.5) within group (order by pg_advisory_lock(1)) from users",
    reason: "function pg_advisory_lock",
  },
  {
    sql: "select count(*) from users tablesample bernoulli (pg_advisory_lock(1)::int)",
    reason: "function pg_advisory_lock",
  },
  { sql: "select 'x' collate \"C\" || nextval('invoice_seq')", reason: "function nextval" },
  // names: case, quoting, qualification, Unicode escapes
  { sql: "select \"NextVal\"('invoice_seq')", reason: 'function "NextVal" is not allowed' },
  { sql: "select \"nextval\"('invoice_seq')", reason: "function nextval" },
  { sql: "select NEXTVAL('invoice_seq')", reason: "function nextval" },
  { sql: "select PG_CATALOG.NEXTVAL('invoice_seq')", reason: "function pg_catalog.nextval" },
  {
    sql: 'select "PG_CATALOG"."NEXTVAL"(\'invoice_seq\')',
    reason: 'function "PG_CATALOG"."NEXTVAL" is not allowed',
  },
  {
    sql: 'select "pg_catalog"."pg_advisory_lock"(1)',
    reason: "function pg_catalog.pg_advisory_lock",
  },
  { sql: "select public.lower('x')", reason: "function public.lower is not allowed" },
  { sql: "select myschema.count(*) from users", reason: "function myschema.count" },
  { sql: "select a.b.c()", reason: "function a.b.c is not allowed" },
  { sql: 'select U&"\\0070g_sleep"(1)', reason: "function pg_sleep" },
  { sql: "select U&\"!0070g_sleep\" UESCAPE '!' (1)", reason: "function pg_sleep" },
  {
    sql: 'select /* nested /* comment */ still a comment */ "pg_sleep"(1)',
    reason: "function pg_sleep",
  },
  // folding many rows into one value
  { sql: "select array_agg(email) from users", reason: "bypassing the row cap" },
  { sql: "select string_agg(email, ',') from users", reason: "function string_agg" },
  { sql: "select json_agg(email) from users", reason: "function json_agg" },
  { sql: "select jsonb_object_agg(id, email) from users", reason: "function jsonb_object_agg" },
  { sql: "select array(select email from users)", reason: "ARRAY(subquery) is not allowed" },
  // casts and types
  { sql: "select 'x'::regproc", reason: "cast to regproc is not allowed" },
  { sql: "select 'x'::regprocedure", reason: "cast to regprocedure" },
  { sql: "select 'x'::regoper", reason: "cast to regoper" },
  { sql: "select 'x'::regrole", reason: "cast to regrole" },
  { sql: "select 'x'::regnamespace", reason: "cast to regnamespace" },
  { sql: "select 1::my_type", reason: "cast to my_type is not allowed" },
  { sql: "select '1'::public.int4", reason: "cast to public.int4 is not allowed" },
  { sql: 'select id::"INT4" from users limit 1', reason: 'cast to "INT4" is not allowed' },
  // operators
  { sql: "select id from users order by id using === limit 1", reason: "operator === is not" },
  { sql: "select 1 operator(public.+) 1", reason: "operator public.+ is not allowed" },
  { sql: "select id from users where id === 1 limit 1", reason: "operator ===" },
  {
    sql: "select id from users where id =*= any(select 1) limit 1",
    reason: "operator =*= is not allowed",
  },
  // catalogs and names
  { sql: "select rolname from pg_authid limit 1", reason: "relation pg_authid is not allowed" },
  { sql: "select usename, passwd from pg_shadow limit 1", reason: "relation pg_shadow" },
  { sql: "select srvname from pg_catalog.pg_user_mappings limit 1", reason: "pg_user_mappings" },
  { sql: "select umoptions from pg_user_mapping limit 1", reason: "relation pg_user_mapping" },
  { sql: "select name, setting from pg_settings limit 10", reason: "relation pg_settings" },
  { sql: "select setconfig from pg_db_role_setting limit 1", reason: "pg_db_role_setting" },
  { sql: "select subconninfo from pg_subscription limit 1", reason: "pg_subscription" },
  {
    sql: "select id from users where id in (select oid from pg_authid) limit 1",
    reason: "pg_authid",
  },
  { sql: "select id from otherdb.public.users limit 1", reason: "cross-database reference" },
  // syntax the guard does not accept
  { sql: "select $1", reason: "parameters ($1) are not allowed" },
  { sql: "select xmlelement(name x, 'y')", reason: "XML functions are not allowed" },
  {
    sql: "select id from xmltable('/a' passing '<a/>' columns id int) limit 1",
    reason: "XMLTABLE is not allowed",
  },
  { sql: "select json_object('a': 1)", reason: "SQL/JSON functions are not allowed" },
  {
    sql: "select k from jsonb_each('{}'::jsonb) as x(k text, v jsonb) limit 1",
    reason: "column definition lists are not allowed",
  },
  { sql: "select id from users tablesample system_rows (10) limit 1", reason: "TABLESAMPLE" },
  // table functions
  { sql: "select generate_series(1, 1000000)", reason: "would produce 1000000 rows" },
  {
    sql: "select x from users, generate_series(1, users.id) x limit 1",
    reason: "generate_series needs numeric literal bounds",
  },
  {
    sql: "select x from generate_series(now(), now() + interval '1 year', '1 second') x limit 1",
    reason: "generate_series needs",
  },
  { sql: "select generate_series(1, 10, 0) limit 1", reason: "step must not be zero" },
  // not SQL, or not one statement
  { sql: "", reason: "empty statement" },
  { sql: ";", reason: "empty statement" },
  { sql: "  -- only a comment", reason: "empty statement" },
  { sql: "selec id from users", reason: 'syntax error at or near "selec"' },
  { sql: "select id from users limit", reason: "syntax error at end of input" },
  { sql: "select 'unterminated", reason: "unterminated quoted string" },
  { sql: `select ${"abs(".repeat(2000)}1${")".repeat(2000)}`, reason: "too deeply nested" },
  { sql: `select ${"(select ".repeat(3000)}1${")".repeat(3000)}`, reason: "too deeply nested" },
  { sql: `select ${"1+(".repeat(9000)}1${")".repeat(9000)}`, reason: "memory exhausted" },
  { sql: `select '${"x".repeat(100_001)}'`, reason: "statement is too long" },
];
