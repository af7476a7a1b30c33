import { AppError } from "../../src/domain/errors.ts";
import { isStateValue, MAX_SAMPLES, ONGOING_WINDOW_HOURS } from "./discrepancies.ts";
import { MIN_PEERS_WITH_RELATED } from "./generic-missing-related.ts";
import { type GenericContext, num, query, samples } from "./generic-query.ts";
import { type EntityHit, literalList, referrers, type TableInfo } from "./schema.ts";
import { asTimestamp } from "./values.ts";

/**
 * The schema-generic check for a cached counter out of step with the rows it counts: an
 * integer column of the ticket's records' table that, for most records, equals the
 * number of rows of a referring table (all of them, or those in one state), but not for
 * the records the ticket quotes. A counter nothing throws about drifts silently (no
 * exception, no 5xx), so the replica is the only witness of such a ticket.
 *
 * The counter and what it counts are found from the data, never named: each integer
 * column against each count (all referring rows, or one state's), one aggregate per
 * referring table. Then the rows that explain the gap: a value of one of the referring
 * table's enumeration columns whose rows on the stale records add up exactly to the gap
 * and appear on no consistent record (a write path the counter does not follow). Their
 * newest timestamp dates the drift (oldest, newest, still appearing).
 */

/**
 * A column equals the count for at least this share of the records that have some: an
 * arbitrary integer matches a count by chance on a few rows, a cache on most of them.
 */
export const COUNTER_FIT_SHARE = 0.5;
/**
 * The matching records hold at least this many distinct counts (or none below 2): a column
 * and a count that are both mostly one small value (a quantity of 1, one row per record)
 * agree without the column caching anything. A cache follows the count as it varies.
 */
export const MIN_FIT_VALUES = 3;
const COUNTER_TYPES = new Set(["integer", "bigint", "smallint"]);
const TIME_TYPES = new Set(["timestamp with time zone", "timestamp without time zone"]);
const TEXT_TYPES = new Set(["text", "character varying", "character"]);
/** Bounds of the sweep: the ticket's table, not the schema. */
const MAX_COUNTERS = 6;
const MAX_STATES = 5;
const MAX_EXPLAIN_COLUMNS = 6;
/** More distinct values than this and a column is not an enumeration: not read. */
const MAX_VALUES = 20;

/** What a counter may count: every referring row, or those in one state. */
export type Counted = { state?: string };

export interface CounterFit {
  t: TableInfo;
  r: TableInfo;
  /** The referring column (`<singular>_id`). */
  refColumn: string;
  counter: string;
  counted: Counted;
}

/** Integer columns of `t` that could cache a count (not keys). */
export function counterColumns(t: TableInfo): string[] {
  return t.columns
    .filter((c) => COUNTER_TYPES.has(c.type) && c.name !== "id" && !c.name.endsWith("_id"))
    .map((c) => c.name)
    .slice(0, MAX_COUNTERS);
}

const countedWhere = (r: TableInfo, counted: Counted): string | undefined => {
  if (counted.state === undefined) return undefined;
  if (!isStateValue(counted.state)) throw new Error(`'${counted.state}' is not a state`);
  return `r.${r.state} = '${counted.state}'`;
};

/** The states rows of `r` take, most frequent first (an enumeration, bounded). */
export function referrerStatesSql(r: TableInfo): string {
  return `select r.${r.state} as state, count(*) as n from ${r.name} r group by r.${r.state} order by count(*) desc limit ${MAX_STATES}`;
}

/**
 * One aggregate: for each counter column and each candidate count, how many records of
 * `t` hold exactly that count (and have at least one row counted), and how many distinct
 * counts those records hold.
 */
export function fitSql(
  t: TableInfo,
  r: TableInfo,
  refColumn: string,
  input: { counters: readonly string[]; counted: readonly Counted[] },
): string {
  const counts = input.counted.map((c, i) => {
    const where = countedWhere(r, c);
    return where ? `count(*) filter (where ${where}) as n${i}` : `count(*) as n${i}`;
  });
  const fits = input.counters.flatMap((col, ci) =>
    input.counted.map(
      (_, i) =>
        `count(*) filter (where t.${col} = s.n${i}) as m${ci}_${i}, count(distinct s.n${i}) filter (where t.${col} = s.n${i}) as d${ci}_${i}, min(s.n${i}) filter (where t.${col} = s.n${i}) as l${ci}_${i}`,
    ),
  );
  return `select count(*) as total, ${fits.join(", ")} from ${t.name} t join (select r.${refColumn} as k, ${counts.join(", ")} from ${r.name} r group by r.${refColumn}) s on s.k = t.id`;
}

/** The recount of a record's counter (a correlated subquery on `alias`). */
function recount(f: CounterFit, alias: string): string {
  const where = countedWhere(f.r, f.counted);
  return `(select count(*) from ${f.r.name} r where r.${f.refColumn} = ${alias}.id${where ? ` and ${where}` : ""})`;
}

/** Records of `t` with their recounted value (`n`), for the statements below. */
function recounted(f: CounterFit): string {
  const where = countedWhere(f.r, f.counted);
  return `${f.t.name} t left join (select r.${f.refColumn} as k, count(*) as n from ${f.r.name} r${where ? ` where ${where}` : ""} group by r.${f.refColumn}) s on s.k = t.id`;
}

const stale = (f: CounterFit) => `t.${f.counter} <> coalesce(s.n, 0)`;

/** Table-wide: stale records, the signed gap, those over-counting, and the ticket's among them. */
export function counterSummarySql(f: CounterFit, ids: readonly string[]): string {
  const gap = `t.${f.counter} - coalesce(s.n, 0)`;
  return `select count(*) as total, count(*) filter (where ${stale(f)}) as stale, coalesce(sum(${gap}), 0) as gap, count(*) filter (where ${gap} > 0) as over, count(*) filter (where ${stale(f)} and t.id in (${literalList(ids)})) as quoted from ${recounted(f)}`;
}

/**
 * The referring rows outside the count (over-counting: rows the counter did not let go)
 * or inside it (under-counting: rows it missed), by the value of `column`: how many sit
 * on stale records and on consistent ones, and when the stale records' ones last changed.
 */
export function explainSql(f: CounterFit, column: string, over: boolean): string {
  const where = countedWhere(f.r, f.counted);
  const side = where ? (over ? ` where not (${where})` : ` where ${where}`) : "";
  const times = f.r.columns.filter((c) => TIME_TYPES.has(c.type)).map((c) => `r.${c.name}`);
  const at =
    times.length === 0
      ? undefined
      : times.length === 1
        ? times[0]
        : `greatest(${times.join(", ")})`;
  const dated = at
    ? `, min(${at}) filter (where x.stale) as first_at, max(${at}) filter (where x.stale) as last_at`
    : "";
  return `select r.${column} as value, count(*) filter (where x.stale) as on_stale, count(*) filter (where not x.stale) as on_consistent${dated} from ${f.r.name} r join (select t.id, ${stale(f)} as stale from ${recounted(f)}) x on x.id = r.${f.refColumn}${side} group by r.${column} limit ${MAX_VALUES + 1}`;
}

export function counterSamplesSql(f: CounterFit): string {
  return `select t.id from ${recounted(f)} where ${stale(f)} order by t.id limit ${MAX_SAMPLES}`;
}

/** The proposed fix: recount each stale record from the rows it counts. Never run by prode. */
export function counterCorrectionSql(f: CounterFit): string {
  return [
    `-- Recount ${f.t.name}.${f.counter} from ${f.r.name}${f.counted.state ? ` in '${f.counted.state}'` : ""} where they disagree.`,
    `update ${f.t.name} t set ${f.counter} = ${recount(f, "t")} where t.${f.counter} <> ${recount(f, "t")};`,
  ].join("\n");
}

export interface FitCount {
  counter: string;
  counted: Counted;
  /** Records whose column equals the count. */
  matches: number;
  /** Distinct counts among those records. */
  values: number;
  /** The smallest count among them (absent: unknown, read as 0). */
  low?: number;
}

/**
 * The best-fitting counter and count, when one fits most records over enough distinct
 * counts, or over counts of 2 or more only (a reading that agrees only on 0s and 1s and
 * one or two values is a coincidence, not a cache: a quantity of 1, one row per record).
 */
export function pickFit(total: number, all: FitCount[]): FitCount | undefined {
  const fits = all.filter((f) => f.values >= MIN_FIT_VALUES || (f.low ?? 0) >= 2);
  const best = [...fits].sort((a, b) => b.matches - a.matches)[0];
  if (!best || best.matches < MIN_PEERS_WITH_RELATED || best.matches < COUNTER_FIT_SHARE * total) {
    return undefined;
  }
  // Two readings fitting as well: which count the column caches is not known.
  const tied = fits.filter((f) => f.matches === best.matches).length > 1;
  return tied ? undefined : best;
}

/** The value whose rows add up to the gap on stale records and sit on no consistent one. */
export function explainingValue(
  rows: Record<string, unknown>[],
  gap: number,
): Record<string, unknown> | undefined {
  if (rows.length > MAX_VALUES) return undefined;
  return rows.find(
    (row) => isStateValue(row.value) && num(row.on_stale) === gap && num(row.on_consistent) === 0,
  );
}

interface Explanation {
  column: string;
  value: string;
  first?: string;
  last?: string;
}

async function explain(ctx: GenericContext, f: CounterFit, gap: number, over: boolean) {
  const columns = f.r.columns
    .filter((c) => TEXT_TYPES.has(c.type) && c.name !== "id" && !c.name.endsWith("_id"))
    .map((c) => c.name)
    .slice(0, MAX_EXPLAIN_COLUMNS);
  for (const column of columns) {
    const id = `counter/${f.t.name}.${f.counter}/${f.r.name}.${column}`;
    const { rows } = await query(ctx, id, explainSql(f, column, over));
    const row = explainingValue(rows, Math.abs(gap));
    if (!row) continue;
    const found: Explanation = { column, value: row.value as string };
    const first = asTimestamp(row.first_at);
    const last = asTimestamp(row.last_at);
    return { ...found, ...(first ? { first } : {}), ...(last ? { last } : {}) };
  }
  return undefined;
}

async function checkReferrer(
  ctx: GenericContext,
  t: TableInfo,
  ref: { table: TableInfo; column: string },
  ids: string[],
) {
  const r = ref.table;
  const counters = counterColumns(t);
  if (counters.length === 0) return;
  const base = `counter/${t.name}/${r.name}`;
  const states = r.state
    ? (await query(ctx, `${base}/states`, referrerStatesSql(r))).rows
        .map((row) => row.state)
        .filter(isStateValue)
    : [];
  const counted: Counted[] = [{}, ...states.map((state) => ({ state }))];
  const fit = await query(ctx, base, fitSql(t, r, ref.column, { counters, counted }));
  const row = fit.rows[0] ?? {};
  const best = pickFit(
    num(row.total),
    counters.flatMap((counter, ci) =>
      counted.map((c, i) => ({
        counter,
        counted: c,
        matches: num(row[`m${ci}_${i}`]),
        values: num(row[`d${ci}_${i}`]),
        low: num(row[`l${ci}_${i}`]),
      })),
    ),
  );
  if (!best) return;
  const f: CounterFit = {
    t,
    r,
    refColumn: ref.column,
    counter: best.counter,
    counted: best.counted,
  };
  const what = `${r.name}${f.counted.state ? ` in '${f.counted.state}'` : ""}`;
  const id = `counter/${t.name}.${f.counter}`;
  const summary = await query(ctx, id, counterSummarySql(f, ids));
  const s = summary.rows[0] ?? {};
  const staleCount = num(s.stale);
  const quoted = num(s.quoted);
  if (staleCount === 0 || quoted === 0) {
    ctx.ev.finding({
      fact: `${t.name}.${f.counter} equals the count of its ${what} for ${best.matches} records; the ticket's records agree with it (${staleCount} records in all disagree)`,
      source: summary.source,
    });
    return;
  }
  const over = num(s.over);
  const gap = num(s.gap);
  // One direction only: a gap of mixed signs has no single write path to explain it.
  const oneWay = over === staleCount || over === 0;
  const why = oneWay ? await explain(ctx, f, gap, over > 0) : undefined;
  const since = new Date(ctx.now.getTime() - ONGOING_WINDOW_HOURS * 3_600_000);
  const ongoing = why?.last ? Date.parse(why.last) >= since.getTime() : undefined;
  const sample = await samples(ctx, `${id}/samples`, counterSamplesSql(f));
  ctx.ev.finding({
    fact:
      `${staleCount} of ${num(s.total)} ${t.name} rows have a ${f.counter} that disagrees with the count of their ${what} (which ${best.matches} rows match), by ${gap} in all; ${quoted} of them quoted in the ticket` +
      (why
        ? `; the gap is exactly their ${r.name} rows with ${why.column} '${why.value}', which no consistent record has` +
          (why.first ? `, last changed between ${why.first} and ${why.last}` : "")
        : "; no single kind of row explains the gap (its onset is not dated)"),
    source: summary.source,
  });
  ctx.ev.signal({
    source: summary.source,
    kind: "stale_derived_rows",
    discrepancy: "derived_counter",
    table: t.name,
    staleCount,
    totalCount: num(s.total),
    ...(why?.first ? { oldestStaleAt: why.first } : {}),
    ...(why?.last ? { newestStaleAt: why.last } : {}),
    ...(ongoing === undefined ? {} : { ongoing }),
    ticketEntitiesAffected: quoted,
    ...(sample.length > 0 ? { sampleIds: sample } : {}),
    proposedCorrection: { statement: counterCorrectionSql(f), affectsRows: staleCount },
  });
}

/**
 * For the ticket's records (the hit on a table's key): each referring table. A refused
 * or failed statement is a gap for that table; the other tables and checks still run.
 */
export async function checkCounters(
  ctx: GenericContext,
  hit: EntityHit,
  tables: TableInfo[],
  ids: string[],
): Promise<void> {
  const t = hit.table;
  if (hit.column !== t.key) return;
  for (const r of referrers(t, tables)) {
    try {
      await checkReferrer(ctx, t, r, ids);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      ctx.ev.gap({
        what: `db check of ${t.name} counters against ${r.table.name} unavailable (${error.code}): ${error.message}`,
        confidenceImpact: 5,
      });
    }
  }
}
