/**
 * Which system catalogs and views a statement may read, as an allowlist: the ones the db
 * specialist and an on-call engineer need to see load, locks, sizes and index health.
 * Every other `pg_*` relation, every relation in a `pg_*` schema (pg_toast, pg_temp…) and
 * every information_schema view not listed is refused. A new Postgres release's catalog
 * is therefore refused until someone decides it is safe, instead of readable by default.
 *
 * Some allowed views carry a few columns that are not safe: they are refused by name
 * anywhere in a statement that reads that view (the parse tree does not say which table a
 * bare column belongs to, so the check is by name), and column alias lists on catalogs
 * are refused, since `pg_stat_activity a(x, y, …, q)` would rename a refused column.
 */

interface CatalogRule {
  /** Columns refused whenever this relation is read, and why. */
  forbiddenColumns?: readonly string[];
  why?: string;
}

const CLIENT_ADDRESS = ["client_addr", "client_hostname", "client_port"];

/** System catalogs and statistics views triage may read (unqualified or in pg_catalog). */
export const ALLOWED_CATALOGS: ReadonlyMap<string, CatalogRule> = new Map<string, CatalogRule>([
  // sessions: counts by state, waits, ages; never the SQL text or the client's address
  [
    "pg_stat_activity",
    {
      forbiddenColumns: ["query", ...CLIENT_ADDRESS],
      why: "it holds other sessions' SQL text and client addresses",
    },
  ],
  ["pg_locks", {}],
  ["pg_stat_database", {}],
  ["pg_stat_database_conflicts", {}],
  ["pg_database", {}],
  // tables and indexes: sizes, dead tuples, scans, vacuum progress
  ["pg_stat_user_tables", {}],
  ["pg_stat_user_indexes", {}],
  ["pg_statio_user_tables", {}],
  ["pg_statio_user_indexes", {}],
  ["pg_stat_progress_vacuum", {}],
  ["pg_stat_progress_create_index", {}],
  ["pg_class", {}],
  ["pg_index", {}],
  ["pg_indexes", {}],
  ["pg_namespace", {}],
  ["pg_tables", {}],
  ["pg_attribute", { forbiddenColumns: ["attmissingval"], why: "it holds a stored column value" }],
  // replication: lag on the primary's side, and slots filling the disk
  ["pg_stat_replication", { forbiddenColumns: CLIENT_ADDRESS, why: "it holds client addresses" }],
  ["pg_replication_slots", {}],
]);

/** information_schema views triage may read (schema discovery only). */
const ALLOWED_INFORMATION_SCHEMA: ReadonlySet<string> = new Set(["tables", "columns"]);

/** Why a well-known sensitive catalog is refused, for a reason that says more than "not allowed". */
const CATALOG_HINTS: Record<string, string> = {
  pg_authid: "it holds password hashes",
  pg_shadow: "it holds password hashes",
  pg_user: "it lists roles",
  pg_roles: "it lists roles and their attributes",
  pg_user_mapping: "it holds foreign-server credentials",
  pg_user_mappings: "it holds foreign-server credentials",
  pg_subscription: "it holds connection strings",
  pg_stat_wal_receiver: "it holds the primary's connection string",
  pg_settings: "settings can hold secrets",
  pg_db_role_setting: "settings can hold secrets",
  pg_file_settings: "settings can hold secrets",
  pg_hba_file_rules: "it reads server auth files",
  pg_ident_file_mappings: "it reads server auth files",
  pg_stat_statements: "it holds other sessions' SQL text",
  pg_proc: "it holds function source code",
  pg_statistic: "it holds sampled column values",
  pg_stats: "it holds sampled column values",
  pg_statistic_ext_data: "it holds sampled column values",
  pg_largeobject: "it holds large object data",
  pg_prepared_statements: "it holds SQL text",
  pg_prepared_xacts: "it names other sessions' transactions",
  pg_views: "it holds view source code",
  pg_rewrite: "it holds view source code",
};

/** The rule for reading `schema.name`, or a refusal reason. Non-system relations get `{}`. */
export function catalogRule(
  schema: string | undefined,
  name: string,
): { rule: CatalogRule; catalog: boolean } | { refused: string } {
  const systemSchema =
    schema !== undefined && (schema === "information_schema" || schema.startsWith("pg_"));
  if (schema === "information_schema") {
    if (ALLOWED_INFORMATION_SCHEMA.has(name)) return { rule: {}, catalog: true };
    return {
      refused: `relation information_schema.${name} is not allowed: only information_schema.tables and .columns can be read`,
    };
  }
  // Unqualified pg_* names resolve to pg_catalog first (the reader puts it first on the
  // search path), so they are catalogs whatever schema the user meant.
  const catalog = schema === "pg_catalog" || (!systemSchema && name.startsWith("pg_"));
  if (systemSchema && schema !== "pg_catalog") {
    return { refused: `relation ${schema}.${name} is not allowed: schema ${schema} is internal` };
  }
  if (!catalog) return { rule: {}, catalog: false };
  const rule = ALLOWED_CATALOGS.get(name);
  if (rule) return { rule, catalog: true };
  const hint = CATALOG_HINTS[name];
  return {
    refused: `relation ${name} is not allowed: ${hint ? `${hint}; ` : ""}only allowlisted system catalogs can be read (${[...ALLOWED_CATALOGS.keys()].slice(0, 4).join(", ")}, …)`,
  };
}
