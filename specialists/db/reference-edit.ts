import { type GenericContext, num, query, ref } from "./generic-query.ts";
import {
  auditSql,
  auditTimeColumn,
  isAuditTable,
  keysSql,
  type Link,
  linksOf,
  MAX_NAMED_ROWS,
  type NamedRow,
  nameColumns,
  namedMatchSql,
  numericColumns,
  REFERENCE_MAX_ROWS,
  shiftSql,
  updatedColumn,
  updatedSql,
  valueMatchSql,
} from "./reference-edit-sql.ts";
import type { TableInfo } from "./schema.ts";
import { asCount, asTimestamp } from "./values.ts";

/**
 * The reference-edit read, for a ticket that names a thing in words ("the rate for
 * <region> looks off", "the <plan> plan") rather than by record id: a configuration or
 * reference row an operator edited changes every row written from it since, silently
 * (no exception, no 5xx), and the onset is the edit, which only the replica dates.
 *
 * 1. Find the row: a small table ({@link REFERENCE_MAX_ROWS} rows at most) with a text
 *    column holding one of the ticket's named values, on at most {@link MAX_NAMED_ROWS} rows.
 * 2. Date its last edit within {@link EDIT_LOOKBACK_DAYS}: an audit table referring to it
 *    (`*_audit`, `*_history` …, by its key column), else the row's own update time.
 * 3. Compare the rows referring to it (a table with the key column and a creation time)
 *    created before and since the edit, and the same for the table's other rows: a
 *    numeric column whose mean moved by {@link SHIFT_SHARE} or more for the named row
 *    while it moved less than {@link STEADY_SHARE} for the others is the edit's effect.
 *
 * Only then a `reference_edit` signal; every other outcome is a finding.
 */

/** An edit older than this is not the start of what the ticket reports (as the release specialist's unknown-onset window). */
export const EDIT_LOOKBACK_DAYS = 14;
/** Rows on each side (named and other, before and since): fewer, and a mean can move by chance. */
export const MIN_ROWS_EACH_SIDE = 20;
/** The named row's referring rows' mean moved by at least half (of the larger mean). */
export const SHIFT_SHARE = 0.5;
/** The other rows' mean moved by less than a tenth: the change is the named row's alone. */
export const STEADY_SHARE = 0.1;
/** Named rows followed, and referring tables compared per row: the reporter's few words. */
const MAX_NAMED = 3;
const MAX_REFERRING = 3;
/** The window before the edit is as long as the one since, within a day and the lookback. */
const MIN_BASELINE_MS = 86_400_000;

const DAY_MS = 86_400_000;

interface Edit {
  at: Date;
  datedBy: "audit_trail" | "update_time";
}

export interface Shift {
  column: string;
  before: number;
  after: number;
}

/** Relative move of a mean, against the larger of the two (0 → x and x → 0 both count 1). */
const moved = (before: number, after: number) => {
  const scale = Math.max(Math.abs(before), Math.abs(after));
  return scale === 0 ? 0 : Math.abs(after - before) / scale;
};

/**
 * The shift query's row judged: enough rows on every side, and the columns whose mean
 * moved for the named row while the others' held.
 */
export function judgeShift(
  row: Record<string, unknown>,
  columns: readonly string[],
): { enough: boolean; since: number; before: number; shifted: Shift[] } {
  const sides = ["ns", "nb", "os", "ob"].map((s) => num(row[s]));
  const enough = sides.every((n) => n >= MIN_ROWS_EACH_SIDE);
  const shifted: Shift[] = [];
  if (enough) {
    columns.forEach((column, i) => {
      const [ns, nb, os, ob] = ["ns", "nb", "os", "ob"].map((s) => asCount(row[`${s}${i}`]));
      if (ns === undefined || nb === undefined || os === undefined || ob === undefined) return;
      if (moved(nb, ns) >= SHIFT_SHARE && moved(ob, os) < STEADY_SHARE) {
        shifted.push({ column, before: nb, after: ns });
      }
    });
  }
  return { enough, since: sides[0]!, before: sides[1]!, shifted: shifted.slice(0, 5) };
}

/** Small tables' rows the ticket's values name, one or a few rows each. */
async function namedRows(
  ctx: GenericContext,
  tables: readonly TableInfo[],
  values: readonly string[],
): Promise<NamedRow[]> {
  const out: NamedRow[] = [];
  let read = 0;
  let failure: unknown;
  for (const t of tables) {
    try {
      out.push(...(await namedRowsOf(ctx, t, values)));
      read += 1;
    } catch (error) {
      // One table the guard or the replica refuses costs that table, not the step.
      failure ??= error;
    }
  }
  // Every table failing is the replica failing: the step's gap, not "nothing named".
  if (read === 0 && failure !== undefined) throw failure;
  return out;
}

async function namedRowsOf(
  ctx: GenericContext,
  t: TableInfo,
  values: readonly string[],
): Promise<NamedRow[]> {
  const sql = isAuditTable(t) ? undefined : namedMatchSql(t, values);
  if (!sql) return [];
  const first = (await query(ctx, `named/${t.name}`, sql)).rows[0] ?? {};
  if (num(first.total) > REFERENCE_MAX_ROWS) return [];
  const out: NamedRow[] = [];
  for (const [i, column] of nameColumns(t).entries()) {
    if (num(first[`m${i}`]) === 0) continue;
    const per = await query(ctx, `named/${t.name}.${column}`, valueMatchSql(t, column, values));
    values.forEach((value, j) => {
      const rows = num(per.rows[0]?.[`v${j}`]);
      if (rows > 0 && rows <= MAX_NAMED_ROWS) out.push({ table: t, column, value, rows });
    });
  }
  return out;
}

/** The links whose key is unique in the small table: a row is referred to by it. */
async function keyedLinks(ctx: GenericContext, row: NamedRow, links: Link[]): Promise<Link[]> {
  const keys = [...new Set(links.map((l) => l.key))];
  if (keys.length === 0) return [];
  const r = (await query(ctx, `named/${row.table.name}/keys`, keysSql(row.table, keys))).rows[0];
  const total = num(r?.total);
  const unique = new Set(keys.filter((_, i) => total > 0 && num(r?.[`d${i}`]) === total));
  return links.filter((l) => unique.has(l.key));
}

/** The named row's latest edit within the lookback: its audit trail first, else its update time. */
async function lastEdit(
  ctx: GenericContext,
  row: NamedRow,
  links: Link[],
): Promise<Edit | undefined> {
  const since = new Date(ctx.now.getTime() - EDIT_LOOKBACK_DAYS * DAY_MS);
  const where = `${row.table.name} row "${row.value}" (${row.column})`;
  let latest: Edit | undefined;
  for (const audit of links.filter((l) => isAuditTable(l.table))) {
    const time = auditTimeColumn(audit.table);
    if (!time) continue;
    const id = `reference-edit/${audit.table.name}`;
    const { rows, source } = await query(ctx, id, auditSql(row, audit, time, since));
    const edits = num(rows[0]?.edits);
    const at = asTimestamp(rows[0]?.edited_at);
    ctx.ev.finding({
      fact:
        `${audit.table.name} records ${edits} change${edits === 1 ? "" : "s"} of the ${where} in the last ${EDIT_LOOKBACK_DAYS} days` +
        (at ? `, the latest at ${at}` : "") +
        `; ${num(rows[0]?.other_edits)} of the table's other rows`,
      source,
    });
    if (at && (!latest || Date.parse(at) > latest.at.getTime())) {
      latest = { at: new Date(at), datedBy: "audit_trail" };
    }
  }
  if (latest) return latest;
  const updated = updatedColumn(row.table);
  if (!updated) return undefined;
  const id = `reference-edit/${row.table.name}.${updated}`;
  const { rows, source } = await query(ctx, id, updatedSql(row, updated));
  const at = asTimestamp(rows[0]?.edited_at);
  if (!at) return undefined;
  ctx.ev.finding({ fact: `the ${where} was last updated at ${at} (${updated})`, source });
  return Date.parse(at) >= since.getTime()
    ? { at: new Date(at), datedBy: "update_time" }
    : undefined;
}

async function compareAcrossEdit(ctx: GenericContext, row: NamedRow, link: Link, edit: Edit) {
  const r = link.table;
  const columns = numericColumns(r, link);
  if (!r.created || columns.length === 0) return;
  const span = Math.min(
    Math.max(ctx.now.getTime() - edit.at.getTime(), MIN_BASELINE_MS),
    EDIT_LOOKBACK_DAYS * DAY_MS,
  );
  const from = new Date(edit.at.getTime() - span);
  const id = `reference-edit/${row.table.name}/${r.name}`;
  const sql = shiftSql(row, link, r.created, columns, edit.at, from);
  const { rows, source } = await query(ctx, id, sql);
  const judged = judgeShift(rows[0] ?? {}, columns);
  const at = edit.at.toISOString();
  if (!judged.enough) {
    ctx.ev.finding({
      fact: `too few ${r.name} rows on each side of the ${row.table.name} edit at ${at} (fewer than ${MIN_ROWS_EACH_SIDE}) to compare their values`,
      source,
    });
    return;
  }
  if (judged.shifted.length === 0) {
    ctx.ev.finding({
      fact: `${r.name} rows referring to the ${row.table.name} row "${row.value}" kept their numeric values across its edit at ${at} (${judged.before} before, ${judged.since} since), or the table's other rows moved as much`,
      source,
    });
    return;
  }
  const moves = judged.shifted.map((s) => `${s.column} ${s.before} → ${s.after}`).join(", ");
  ctx.ev.finding({
    fact: `${judged.since} ${r.name} rows referring to the ${row.table.name} row "${row.value}" since its edit at ${at} carry ${moves} (mean, against ${judged.before} rows before); rows referring to its other rows did not move`,
    source,
  });
  ctx.ev.signal({
    source,
    kind: "reference_edit",
    table: row.table.name,
    named: row.value,
    editedAt: at,
    datedBy: edit.datedBy,
    referringTable: r.name,
    rowsBefore: judged.before,
    rowsSince: judged.since,
    shifted: judged.shifted,
  });
}

async function checkNamedRow(ctx: GenericContext, row: NamedRow, tables: readonly TableInfo[]) {
  const links = await keyedLinks(ctx, row, linksOf(row.table, tables));
  const edit = await lastEdit(ctx, row, links);
  if (!edit) return;
  const referring = links.filter((l) => !isAuditTable(l.table) && l.table.created);
  for (const link of referring.slice(0, MAX_REFERRING)) {
    await compareAcrossEdit(ctx, row, link, edit);
  }
}

/** One `Check`'s body: the rows the ticket's values name, their edits, and what followed. */
export async function checkReferenceEdits(
  ctx: GenericContext,
  tables: readonly TableInfo[],
  values: readonly string[],
): Promise<void> {
  const rows = await namedRows(ctx, tables, values);
  if (rows.length === 0) {
    ctx.ev.finding({
      fact: `none of the ticket's named values (${values.join(", ")}) names one row of the replica's small tables`,
      source: ctx.ev.source({ kind: "db_query", ref: ref("named"), fetchedAt: ctx.clock() }),
    });
    return;
  }
  for (const row of rows.slice(0, MAX_NAMED)) await checkNamedRow(ctx, row, tables);
}
