import { ticketText } from "../shared/ticket-text.ts";
import type { ReplicaQueryResult, ReplicaReader } from "../tools.ts";
import type { TicketContext } from "../types.ts";

/**
 * Schema discovery for the db specialist's generic checks: which tables and columns the
 * replica has (information_schema.columns, the only catalog view the guard allows for
 * discovery), and where the record ids a ticket names live. Nothing here reads a row's
 * content: the ids are the ticket's own, the answers are counts.
 *
 * Conventions read from the schema, never from a scenario: a table's key is a column
 * named `id`; a column named `<singular of a table>_id` refers to that table; a state
 * column is named `status`, `state` or ends in `_status`/`_state`; a creation time is a
 * timestamp column named `created_at`, `inserted_at` or `created`.
 */

export interface TableInfo {
  name: string;
  columns: { name: string; type: string }[];
  /** The `id` column, when present. */
  key?: string;
  /** The state column (`status`, `state`, `*_status`, `*_state`), when there is one. */
  state?: string;
  /** The creation time column, when there is one. */
  created?: string;
  /** Columns that look like references or keys (`id`, `*_id`) of a text-like type. */
  idColumns: string[];
}

/** At most this many tables are searched for the ticket's ids: a bounded sweep. */
export const MAX_TABLES = 30;
/** At most this many ids from the ticket: the reporter's examples, not a list to scan. */
export const MAX_TICKET_IDS = 5;

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
/**
 * A record id as tickets quote them: a short prefix, `_`, then letters and at least one
 * digit (`acc_d3`, `ord_9Kx2`); a snake_case word (`payment_intent`) is not an id.
 */
const RECORD_ID = /\b[a-z]{2,12}_(?=[A-Za-z0-9]{0,39}\d)[A-Za-z0-9]{1,40}\b/g;
/** An id we splice into SQL as a literal: nothing a quote could escape. */
const PLAIN_ID = /^[A-Za-z0-9_-]{1,64}$/;
export const TEXTUAL: ReadonlySet<string> = new Set([
  "text",
  "character varying",
  "uuid",
  "character",
]);
export const TIME: ReadonlySet<string> = new Set([
  "timestamp with time zone",
  "timestamp without time zone",
  "date",
]);
const STATE = /^(?:status|state|[a-z0-9_]+_(?:status|state))$/;
const CREATED = ["created_at", "inserted_at", "created"];

/** Record ids the ticket quotes (title, description, comments), at most {@link MAX_TICKET_IDS}. */
export function ticketRecordIds(ticket: TicketContext): string[] {
  const found = [...ticketText(ticket).matchAll(RECORD_ID)].map((m) => m[0]);
  return [...new Set(found)].filter((id) => PLAIN_ID.test(id)).slice(0, MAX_TICKET_IDS);
}

export const literalList = (ids: readonly string[]): string => {
  for (const id of ids) if (!PLAIN_ID.test(id)) throw new Error(`'${id}' is not a plain id`);
  return ids.map((id) => `'${id}'`).join(", ");
};

export const COLUMNS_SQL =
  "select c.table_name, c.column_name, c.data_type from information_schema.columns c where c.table_schema = 'public' order by c.table_name, c.ordinal_position limit 1000";

/** Tables from the columns query's rows (bad identifiers are skipped, never quoted). */
export function tablesOf(result: ReplicaQueryResult): TableInfo[] {
  const byName = new Map<string, { name: string; type: string }[]>();
  for (const row of result.rows) {
    const [table, column, type] = row.map((v) => String(v));
    if (!table || !column || !type || !IDENTIFIER.test(table) || !IDENTIFIER.test(column)) continue;
    const cols = byName.get(table) ?? [];
    cols.push({ name: column, type });
    byName.set(table, cols);
  }
  return [...byName.entries()].slice(0, MAX_TABLES).map(([name, columns]) => {
    const has = (c: string) => columns.some((x) => x.name === c);
    const state = columns.find((c) => STATE.test(c.name) && TEXTUAL.has(c.type))?.name;
    const created = CREATED.find(
      (c) => has(c) && TIME.has(columns.find((x) => x.name === c)!.type),
    );
    return {
      name,
      columns,
      ...(has("id") ? { key: "id" } : {}),
      ...(state ? { state } : {}),
      ...(created ? { created } : {}),
      idColumns: columns
        .filter((c) => TEXTUAL.has(c.type) && (c.name === "id" || c.name.endsWith("_id")))
        .map((c) => c.name),
    };
  });
}

/** How many rows of each id column hold one of the ticket's ids: one aggregate per table. */
export function locateSql(table: TableInfo, ids: readonly string[]): string | undefined {
  if (table.idColumns.length === 0) return undefined;
  const list = literalList(ids);
  const targets = table.idColumns.map((c) => `count(*) filter (where t.${c} in (${list})) as ${c}`);
  const where = table.idColumns.map((c) => `t.${c} in (${list})`).join(" or ");
  return `select ${targets.join(", ")} from ${table.name} t where ${where}`;
}

/** A column of a table holding some of the ticket's ids, with the rows that hold them. */
export interface EntityHit {
  table: TableInfo;
  column: string;
  rows: number;
}

/** Tables `table` is referred to by: those with a `<singular>_id` column. */
export function referrers(
  table: TableInfo,
  tables: readonly TableInfo[],
): { table: TableInfo; column: string }[] {
  const singulars = singularsOf(table.name);
  return tables.flatMap((t) =>
    t.name === table.name
      ? []
      : t.idColumns
          .filter((c) => singulars.some((s) => c === `${s}_id`))
          .map((column) => ({ table: t, column })),
  );
}

function singularsOf(name: string): string[] {
  const out = new Set([name]);
  if (name.endsWith("ies")) out.add(`${name.slice(0, -3)}y`);
  if (name.endsWith("es")) out.add(name.slice(0, -2));
  if (name.endsWith("s")) out.add(name.slice(0, -1));
  return [...out];
}

export async function discoverTables(replica: ReplicaReader): Promise<{
  tables: TableInfo[];
  truncated: boolean;
}> {
  const result = await replica.query(COLUMNS_SQL);
  return { tables: tablesOf(result), truncated: result.truncated };
}
