import type postgres from "postgres";
import { ALLOWED_FUNCTIONS, ALLOWED_OPERATORS } from "./sql-guard-allowlists.ts";

/**
 * What the tool inventory needs to know about the replica connection: whether it is
 * physically read-only (a hot standby), whether the role could write if the other layers
 * failed, and whether anything user-defined could hide behind a name the SQL guard
 * allows. These queries are prode's own, not user text, so they bypass the guard but
 * still run inside the reader's READ ONLY transaction.
 */
export interface ReplicaProbe {
  role: string;
  serverVersion: string;
  /** transaction_read_only inside the reader's transaction (always expected true). */
  transactionReadOnly: boolean;
  /** The session default, which the reader sets on at connect. */
  defaultTransactionReadOnly: boolean;
  /** pg_is_in_recovery(): a hot standby, read-only whatever the role can do. */
  inRecovery: boolean;
  superuser: boolean;
  /** Role attributes that matter for safety: BYPASSRLS, CREATEROLE, CREATEDB, REPLICATION. */
  roleAttributes: string[];
  /** Relations the role may write, as "schema.table: INSERT,UPDATE" (first 50). */
  writePrivileges: string[];
  /** Predefined roles that grant writes or server access (pg_write_all_data, …). */
  writeCapableRoles: string[];
  /** User-defined functions, operators and casts sharing a name the guard allows: an
   * overload could run user code behind an allowlisted call. */
  overloads: string[];
  /** superuser, or any write privilege or write-capable role. */
  hasWriteAccess: boolean;
}

const ROLE_FACTS = `
select current_user as role,
  current_setting('server_version') as server_version,
  current_setting('transaction_read_only') = 'on' as transaction_read_only,
  current_setting('default_transaction_read_only') = 'on' as default_read_only,
  pg_is_in_recovery() as in_recovery,
  r.rolsuper as superuser,
  array_remove(array[
    case when r.rolbypassrls then 'BYPASSRLS' end,
    case when r.rolcreaterole then 'CREATEROLE' end,
    case when r.rolcreatedb then 'CREATEDB' end,
    case when r.rolreplication then 'REPLICATION' end], null) as attributes
from pg_roles r where r.rolname = current_user`;

const WRITE_PRIVILEGES = `
select relation, privileges from (
  select format('%I.%I', n.nspname, c.relname) as relation, concat_ws(',',
    case when c.relkind <> 'S' and has_table_privilege(c.oid, 'INSERT') then 'INSERT' end,
    case when c.relkind <> 'S' and has_table_privilege(c.oid, 'UPDATE') then 'UPDATE' end,
    case when c.relkind <> 'S' and has_table_privilege(c.oid, 'DELETE') then 'DELETE' end,
    case when c.relkind <> 'S' and has_table_privilege(c.oid, 'TRUNCATE') then 'TRUNCATE' end,
    case when c.relkind = 'S' and has_sequence_privilege(c.oid, 'USAGE') then 'USAGE' end,
    case when c.relkind = 'S' and has_sequence_privilege(c.oid, 'UPDATE') then 'UPDATE' end
  ) as privileges
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')
    and n.nspname not in ('pg_catalog', 'information_schema')
    and n.nspname !~ '^pg_(toast|temp)'
) p where privileges <> '' order by relation limit 50`;

const WRITE_CAPABLE_ROLES = `
select rolname from pg_roles
where rolname in ('pg_write_all_data', 'pg_write_server_files', 'pg_execute_server_program',
                  'pg_read_server_files', 'pg_signal_backend')
  and pg_has_role(current_user, oid, 'USAGE')
order by rolname`;

const OVERLOADS = `
select 'function ' || format('%I.%I', n.nspname, p.proname) as item
  from pg_proc p join pg_namespace n on n.oid = p.pronamespace
  where n.nspname not in ('pg_catalog', 'information_schema') and p.proname = any($1::text[])
union all
select 'operator ' || n.nspname || '.' || o.oprname
  from pg_operator o join pg_namespace n on n.oid = o.oprnamespace
  where n.nspname not in ('pg_catalog', 'information_schema') and o.oprname = any($2::text[])
union all
select 'cast ' || c.castsource::regtype || ' -> ' || c.casttarget::regtype
  from pg_cast c join pg_proc p on p.oid = c.castfunc join pg_namespace n on n.oid = p.pronamespace
  where n.nspname not in ('pg_catalog', 'information_schema')
order by 1 limit 50`;

/** Runs on a connection already inside the reader's READ ONLY transaction. */
export async function queryReplicaProbe(connection: postgres.ReservedSql): Promise<ReplicaProbe> {
  const [facts] = await connection.unsafe(ROLE_FACTS);
  const privileges = await connection.unsafe(WRITE_PRIVILEGES);
  const roles = await connection.unsafe(WRITE_CAPABLE_ROLES);
  const overloads = await connection.unsafe(OVERLOADS, [
    [...ALLOWED_FUNCTIONS],
    [...ALLOWED_OPERATORS],
  ]);
  const superuser = facts?.superuser === true;
  const writePrivileges = privileges.map((r) => `${r.relation}: ${r.privileges}`);
  const writeCapableRoles = roles.map((r) => String(r.rolname));
  return {
    role: String(facts?.role ?? ""),
    serverVersion: String(facts?.server_version ?? ""),
    transactionReadOnly: facts?.transaction_read_only === true,
    defaultTransactionReadOnly: facts?.default_read_only === true,
    inRecovery: facts?.in_recovery === true,
    superuser,
    roleAttributes: (facts?.attributes as string[] | undefined) ?? [],
    writePrivileges,
    writeCapableRoles,
    overloads: overloads.map((r) => String(r.item)),
    hasWriteAccess: superuser || writePrivileges.length > 0 || writeCapableRoles.length > 0,
  };
}
