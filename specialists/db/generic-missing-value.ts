import { AppError } from "../../src/domain/errors.ts";
import {
  isStateValue,
  MAX_SAMPLES,
  ONGOING_WINDOW_HOURS,
  STUCK_AFTER_MINUTES,
} from "./discrepancies.ts";
import {
  isStillAppearing,
  judgeMissing,
  MIN_PEERS_WITH_RELATED,
  RECOVERED_GAPS,
} from "./generic-missing-related.ts";
import { type GenericContext, num, query, samples } from "./generic-query.ts";
import { type EntityHit, literalList, type TableInfo } from "./schema.ts";
import { asTimestamp } from "./values.ts";

/**
 * The schema-generic check for records lacking a value (a NULL column) that nearly all
 * their peers hold: a write that dropped a field (a row rebuilt without it, a migration
 * that skipped it). Anchored on the records the ticket quotes: the columns NULL on most
 * of them, then one aggregate per column over the records in their state(s).
 *
 * The bad rows are dated by the table's write times (a creation or modification time
 * column: `created_at`, `updated_at`, `*_changed_at`…): the one every such row has, and
 * within whose span they are densest, says when the write path dropped the value. When
 * enough rows were written after the newest bad one and all of them hold it, the write
 * path is whole again (`writePathWhole`): whatever wrote the bad rows no longer does, and
 * what is left is a correction of the rows already written.
 *
 * It proposes no correction: the right value is the owning team's to derive.
 */

/** Columns judged per table, at most: the ticket's examples point at one or two. */
const MAX_COLUMNS = 3;
/** Write-time columns tried to date the bad rows, at most. */
const MAX_WRITE_TIMES = 3;
/**
 * A column is a candidate when at least this share of the quoted records lack it: the
 * reporter's examples share the defect; one NULL among them is a column that may be
 * optional, and the peers' share would have to say so alone.
 */
export const QUOTED_MAJORITY = 0.5;

const TIMESTAMP = new Set(["timestamp with time zone", "timestamp without time zone"]);
/** When a row (or its last change) was written, by the usual names of such columns. */
const WRITE_TIME =
  /^(?:created|inserted|updated|modified|changed)(?:_at)?$|_(?:created|inserted|updated|modified|changed)_at$/;

const iso = (at: Date) => `'${at.toISOString()}'::timestamptz`;

/** The table's write-time columns (timestamps named as creation or modification times). */
export function writeTimeColumns(t: TableInfo): string[] {
  return t.columns
    .filter((c) => TIMESTAMP.has(c.type) && WRITE_TIME.test(c.name))
    .map((c) => c.name)
    .slice(0, MAX_WRITE_TIMES);
}

/** Columns a record's value may be missing from: all but the key. */
const valueColumns = (t: TableInfo) => t.columns.filter((c) => c.name !== t.key).map((c) => c.name);

/** The quoted records per state, and how many of them lack each column's value. */
export function quotedNullsSql(t: TableInfo, ids: readonly string[]): string {
  const state = t.state ? `t.${t.state} as state, ` : "";
  const nulls = valueColumns(t).map((c) => `count(*) filter (where t.${c} is null) as ${c}`);
  const group = t.state ? ` group by t.${t.state}` : "";
  return `select ${state}count(*) as n, ${nulls.join(", ")} from ${t.name} t where t.id in (${literalList(ids)})${group} limit 20`;
}

const inStates = (t: TableInfo, states: readonly string[]) => {
  if (!t.state || states.length === 0) return "";
  for (const s of states) if (!isStateValue(s)) throw new Error(`'${s}' is not a state`);
  return ` where t.${t.state} in (${states.map((s) => `'${s}'`).join(", ")})`;
};

/** Peers (records in the quoted records' states) with and without the value. */
export function valueSummarySql(
  t: TableInfo,
  column: string,
  input: { states: readonly string[]; ids: readonly string[] },
): string {
  return `select count(*) filter (where t.${column} is not null) as with_value, count(*) filter (where t.${column} is null) as missing, count(*) filter (where t.${column} is null and t.id in (${literalList(input.ids)})) as quoted from ${t.name} t${inStates(t, input.states)}`;
}

/** When the rows lacking the value were written, by one write-time column. */
export function missingSpanSql(
  t: TableInfo,
  column: string,
  input: { writeTime: string; states: readonly string[]; since: Date },
): string {
  const w = `t.${input.writeTime}`;
  const missing = `t.${column} is null`;
  return `select count(*) filter (where ${missing} and ${w} is not null) as dated, min(${w}) filter (where ${missing}) as first_at, max(${w}) filter (where ${missing}) as last_at, count(*) filter (where ${missing} and ${w} >= ${iso(input.since)}) as recent from ${t.name} t${inStates(t, input.states)}`;
}

/** Rows written while the bad ones were (first to last), and the settled ones written since. */
export function writtenAroundSql(
  t: TableInfo,
  input: {
    writeTime: string;
    states: readonly string[];
    first: string;
    last: string;
    cutoff: Date;
  },
): string {
  const w = `t.${input.writeTime}`;
  const first = iso(new Date(input.first));
  const last = iso(new Date(input.last));
  return `select count(*) filter (where ${w} >= ${first} and ${w} <= ${last}) as during, count(*) filter (where ${w} > ${last} and ${w} < ${iso(input.cutoff)}) as after from ${t.name} t${inStates(t, input.states)}`;
}

/** The oldest records lacking the value: what a reviewer opens first. */
export function missingValueSamplesSql(
  t: TableInfo,
  column: string,
  input: { states: readonly string[]; writeTime?: string },
): string {
  const where = inStates(t, input.states);
  const missing = `${where ? `${where} and` : " where"} t.${column} is null`;
  const order = input.writeTime ? `t.${input.writeTime}, t.id` : "t.id";
  return `select t.id from ${t.name} t${missing} order by ${order} limit ${MAX_SAMPLES}`;
}

/**
 * The write path is whole again when the settled rows written after the newest bad one
 * number at least {@link MIN_PEERS_WITH_RELATED} and {@link RECOVERED_GAPS} times the
 * spacing of the bad ones while they appeared, and all of them hold the value (the newest
 * bad row is the last one lacking it): the bar `isStillAppearing` uses for a write path
 * that recovered.
 */
export function isWritePathWhole(s: { missing: number; during: number; after: number }): boolean {
  const spacing = s.during / Math.max(s.missing, 1);
  return s.after >= Math.max(MIN_PEERS_WITH_RELATED, RECOVERED_GAPS * spacing);
}

interface Dating {
  writeTime: string;
  first: string;
  last: string;
  recent: number;
  during: number;
  after: number;
}

/**
 * The write time that dates every bad row and within whose span they are densest (the
 * write that dropped the value concentrates them; a time that also spans the good rows
 * written meanwhile dates them loosely), or undefined when none dates them all.
 */
async function dateMissing(
  ctx: GenericContext,
  t: TableInfo,
  column: string,
  input: { states: readonly string[]; missing: number; id: string },
): Promise<Dating | undefined> {
  const since = new Date(ctx.now.getTime() - ONGOING_WINDOW_HOURS * 3_600_000);
  const cutoff = new Date(ctx.now.getTime() - STUCK_AFTER_MINUTES * 60_000);
  let best: Dating | undefined;
  for (const writeTime of writeTimeColumns(t)) {
    const span = await query(
      ctx,
      `${input.id}/span/${writeTime}`,
      missingSpanSql(t, column, { writeTime, states: input.states, since }),
    );
    const s = span.rows[0] ?? {};
    const first = asTimestamp(s.first_at);
    const last = asTimestamp(s.last_at);
    if (num(s.dated) < input.missing || !first || !last) continue;
    const around = await query(
      ctx,
      `${input.id}/around/${writeTime}`,
      writtenAroundSql(t, { writeTime, states: input.states, first, last, cutoff }),
    );
    const a = around.rows[0] ?? {};
    const dating = {
      writeTime,
      first,
      last,
      recent: num(s.recent),
      during: num(a.during),
      after: num(a.after),
    };
    if (!best || dating.during < best.during) best = dating;
  }
  return best;
}

async function checkColumn(
  ctx: GenericContext,
  t: TableInfo,
  column: string,
  input: { states: readonly string[]; ids: string[] },
) {
  const id = `missing_value/${t.name}.${column}`;
  const summary = await query(ctx, id, valueSummarySql(t, column, input));
  const s = summary.rows[0] ?? {};
  const withValue = num(s.with_value);
  const verdict = judgeMissing({ withRelated: withValue, missing: num(s.missing) });
  const what = `${t.name} rows${t.state ? ` in ${input.states.map((x) => `'${x}'`).join("/")}` : ""}`;
  if (verdict.kind === "none") return;
  if (verdict.kind === "optional") {
    ctx.ev.finding({
      fact: `${what} hold ${column} in ${Math.round(verdict.share * 100)}% of cases (${withValue} rows): an optional value, its absence is not a discrepancy`,
      source: summary.source,
    });
    return;
  }
  const quoted = num(s.quoted);
  const dating = await dateMissing(ctx, t, column, {
    states: input.states,
    missing: verdict.missing,
    id,
  });
  const whole = dating ? isWritePathWhole({ missing: verdict.missing, ...dating }) : undefined;
  const ongoing = dating ? isStillAppearing({ ...dating, missing: verdict.missing }) : undefined;
  const sample = await samples(
    ctx,
    `${id}/samples`,
    missingValueSamplesSql(t, column, {
      states: input.states,
      ...(dating ? { writeTime: dating.writeTime } : {}),
    }),
  );
  ctx.ev.finding({
    fact:
      `${verdict.missing} ${what} have no ${column} while ${withValue} of the ${verdict.peers} hold one` +
      (dating
        ? `; by ${dating.writeTime} they were written between ${dating.first} and ${dating.last} (${dating.during} rows written then), ${dating.recent} in the last ${ONGOING_WINDOW_HOURS} h; ${dating.after} rows written since the newest one all hold it (${whole ? "the write path is whole again: a correction of the rows already written" : "too few to call the write path whole again"})`
        : "; no write time dates all of them") +
      `; ${quoted} of them quoted in the ticket. The value to restore is the owning team's to derive`,
    source: summary.source,
  });
  ctx.ev.signal({
    source: summary.source,
    kind: "stale_derived_rows",
    discrepancy: "missing_value",
    table: t.name,
    staleCount: verdict.missing,
    totalCount: verdict.peers,
    ...(dating ? { oldestStaleAt: dating.first, newestStaleAt: dating.last } : {}),
    ...(ongoing === undefined ? {} : { ongoing }),
    ...(whole === undefined ? {} : { writePathWhole: whole }),
    ticketEntitiesAffected: quoted,
    ...(sample.length > 0 ? { sampleIds: sample } : {}),
  });
}

/**
 * For the ticket's records (the hit on a table's key): the columns most of them lack, in
 * the states they are in. A statement the guard refuses, or that fails, is a gap for
 * that table, and the other checks still run.
 */
export async function checkMissingValues(
  ctx: GenericContext,
  hit: EntityHit,
  ids: string[],
): Promise<void> {
  const t = hit.table;
  if (!t.key || hit.column !== t.key) return;
  try {
    const quoted = await query(ctx, `missing_value/${t.name}/ticket`, quotedNullsSql(t, ids));
    const n = quoted.rows.reduce((sum, r) => sum + num(r.n), 0);
    if (n === 0) return;
    const columns = valueColumns(t)
      .map((c) => ({ c, nulls: quoted.rows.reduce((sum, r) => sum + num(r[c]), 0) }))
      .filter((x) => x.nulls > 0 && x.nulls >= n * QUOTED_MAJORITY)
      .sort((a, b) => b.nulls - a.nulls)
      .slice(0, MAX_COLUMNS);
    for (const { c } of columns) {
      const states = t.state
        ? quoted.rows
            .filter((r) => num(r[c]) > 0 && isStateValue(r.state))
            .map((r) => r.state as string)
        : [];
      await checkColumn(ctx, t, c, { states, ids });
    }
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    ctx.ev.gap({
      what: `db check for ${t.name} rows lacking a value unavailable (${error.code}): ${error.message}`,
      confidenceImpact: 5,
    });
  }
}
