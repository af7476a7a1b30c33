import { sensitiveColumn } from "../../src/domain/sensitive-columns.ts";
import { namedValueList } from "./named-values.ts";
import { referrers, type TableInfo, TIME } from "./schema.ts";

/**
 * The SQL and schema conventions of the reference-edit read (reference-edit.ts): which
 * small table holds a row the ticket names, which tables refer to that row (a column of
 * the same name, or `<singular>_id` for an `id` key), which of them is its audit trail,
 * and whether the referring rows' numbers moved when the row was edited. Every statement
 * is an aggregate: counts, means, timestamps. The ticket's value is spliced in only after
 * {@link namedValueList} has checked it is letters, digits, spaces, dots and hyphens.
 */

/** A table this small is reference or configuration data (regions, plans, rates). */
export const REFERENCE_MAX_ROWS = 500;
/** A value naming more rows than this is a category ("NO", "active"), not one row. */
export const MAX_NAMED_ROWS = 3;
/** Text columns compared per table: names, codes and labels, not a sweep of wide tables. */
const MAX_NAME_COLUMNS = 12;
/** Numeric columns of a referring table compared across the edit. */
export const MAX_SHIFT_COLUMNS = 8;

const NAME_TYPES = new Set(["text", "character varying", "character"]);
const NUMERIC = new Set(["integer", "bigint", "smallint", "numeric", "real", "double precision"]);
/** A key column: a code or id a row is referred to by (text or integer, never a time). */
const KEY_TYPES = new Set([...NAME_TYPES, "uuid", "integer", "bigint"]);
/** A table named like a change log of other rows (`<thing>_audit`, `<thing>_history`). */
const AUDIT_NAME =
  /(?:^|_)(?:audit|audits|audit_log|history|histories|changes|changelog|revisions|versions)(?:_|$)/;
/** The time a row was last changed, by the names schemas give it. */
const UPDATED = [
  "updated_at",
  "modified_at",
  "changed_at",
  "edited_at",
  "last_modified",
  "last_modified_at",
  "updated",
  "modified",
];
/** The time an audit row records its change at, preferred in this order. */
const AUDIT_TIME =
  /^(?:changed|occurred|recorded|edited|modified|updated|created|inserted|logged)(?:_at|_on)?$|^(?:at|timestamp|ts)$/;

const iso = (at: Date) => `'${at.toISOString()}'::timestamptz`;

/** A row of a small table whose `column` holds one of the ticket's values. */
export interface NamedRow {
  table: TableInfo;
  column: string;
  value: string;
  rows: number;
}

/** `table.column` holds the values of the reference table's `key`. */
export interface Link {
  key: string;
  table: TableInfo;
  column: string;
}

/**
 * The text columns a named value is looked for in. A sensitive column (an e-mail, a token,
 * an API key: {@link sensitiveColumn}) is left out: the guard refuses reading it, which
 * would cost the whole table, and a reference row is not named by one.
 */
export const nameColumns = (t: TableInfo): string[] =>
  t.columns
    .filter((c) => NAME_TYPES.has(c.type) && sensitiveColumn(c.name) === undefined)
    .map((c) => c.name)
    .slice(0, MAX_NAME_COLUMNS);

export const isAuditTable = (t: TableInfo): boolean => AUDIT_NAME.test(t.name);

const timeColumns = (t: TableInfo) => t.columns.filter((c) => TIME.has(c.type)).map((c) => c.name);

/** The column dating an audit row's change: a conventional name, else its only time column. */
export function auditTimeColumn(t: TableInfo): string | undefined {
  const times = timeColumns(t);
  return times.find((c) => AUDIT_TIME.test(c)) ?? (times.length === 1 ? times[0] : undefined);
}

export const updatedColumn = (t: TableInfo): string | undefined => {
  const times = new Set(timeColumns(t));
  return UPDATED.find((c) => times.has(c));
};

/** Numeric columns of a referring table, not the reference itself nor an id. */
export const numericColumns = (r: TableInfo, link: Link): string[] =>
  r.columns
    .filter(
      (c) =>
        NUMERIC.has(c.type) && c.name !== link.column && c.name !== "id" && !c.name.endsWith("_id"),
    )
    .map((c) => c.name)
    .slice(0, MAX_SHIFT_COLUMNS);

/**
 * How the small table's rows could be referred to: a key-like column another table has
 * by the same name (`region_code` in both), or its `id` from a `<singular>_id` column.
 */
export function linksOf(t: TableInfo, tables: readonly TableInfo[]): Link[] {
  const keys = t.columns.filter((c) => KEY_TYPES.has(c.type) && c.name !== "id");
  const byName = tables.flatMap((x) =>
    x.name === t.name
      ? []
      : keys
          .filter((k) => x.columns.some((c) => c.name === k.name && KEY_TYPES.has(c.type)))
          .map((k) => ({ key: k.name, table: x, column: k.name })),
  );
  const byId =
    t.key === "id"
      ? referrers(t, tables).map(({ table, column }) => ({ key: "id", table, column }))
      : [];
  return [...byName, ...byId];
}

/** The table's size (read at most one past the bound) and its name columns' matches. */
export function namedMatchSql(t: TableInfo, values: readonly string[]): string | undefined {
  const columns = nameColumns(t);
  if (columns.length === 0 || values.length === 0) return undefined;
  const list = namedValueList(values);
  const targets = columns.map(
    (c, i) => `count(*) filter (where lower(s.${c}) in (${list})) as m${i}`,
  );
  return `select count(*) as total, ${targets.join(", ")} from (select ${columns.map((c) => `t.${c}`).join(", ")} from ${t.name} t limit ${REFERENCE_MAX_ROWS + 1}) s`;
}

/** Rows of a small table each value names in one column. */
export function valueMatchSql(t: TableInfo, column: string, values: readonly string[]): string {
  const targets = values.map(
    (v, i) => `count(*) filter (where lower(t.${column}) in (${namedValueList([v])})) as v${i}`,
  );
  return `select ${targets.join(", ")} from ${t.name} t`;
}

/** Distinct values of each candidate key against the row count: a key is unique. */
export function keysSql(t: TableInfo, keys: readonly string[]): string {
  const targets = keys.map((k, i) => `count(distinct t.${k}) as d${i}`);
  return `select count(*) as total, ${targets.join(", ")} from ${t.name} t`;
}

/** The named row's keys, for a join. */
const namedKeys = (row: NamedRow, key: string) =>
  `select t.${key} as k from ${row.table.name} t where lower(t.${row.column}) in (${namedValueList([row.value])})`;

/** When the named row was last updated, by its own update-time column. */
export function updatedSql(row: NamedRow, column: string): string {
  return `select max(t.${column}) as edited_at from ${row.table.name} t where lower(t.${row.column}) in (${namedValueList([row.value])})`;
}

/** The audit trail's rows since `since`: the named row's (count, newest) and the others'. */
export function auditSql(row: NamedRow, audit: Link, time: string, since: Date): string {
  return (
    `select count(*) filter (where n.k is not null) as edits, max(a.${time}) filter (where n.k is not null) as edited_at, ` +
    `count(*) filter (where n.k is null) as other_edits from ${audit.table.name} a ` +
    `left join (${namedKeys(row, audit.key)}) n on n.k = a.${audit.column} where a.${time} >= ${iso(since)}`
  );
}

/**
 * The referring rows created from `from` on, split at the edit and by whether they refer
 * to the named row: their counts and each numeric column's mean on the four sides.
 */
export function shiftSql(
  row: NamedRow,
  link: Link,
  created: string,
  columns: readonly string[],
  editedAt: Date,
  from: Date,
): string {
  const named = "n.k is not null";
  const since = `r.${created} >= ${iso(editedAt)}`;
  const before = `r.${created} < ${iso(editedAt)}`;
  const sides = [
    ["ns", `${named} and ${since}`],
    ["nb", `${named} and ${before}`],
    ["os", `n.k is null and ${since}`],
    ["ob", `n.k is null and ${before}`],
  ] as const;
  const counts = sides.map(([side, where]) => `count(*) filter (where ${where}) as ${side}`);
  const means = columns.flatMap((c, i) =>
    sides.map(([side, where]) => `avg(r.${c}) filter (where ${where}) as ${side}${i}`),
  );
  return (
    `select ${[...counts, ...means].join(", ")} from ${link.table.name} r ` +
    `left join (${namedKeys(row, link.key)}) n on n.k = r.${link.column} ` +
    `where r.${created} >= ${iso(from)} and r.${link.column} is not null`
  );
}
