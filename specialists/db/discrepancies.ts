import { literalList, type TableInfo } from "./schema.ts";

/**
 * The SQL of the db specialist's schema-generic data-state checks, anchored on the
 * records the ticket names (never a sweep of every table):
 *
 * - **duplicate rows**: the ticket's ids appear more than once in a reference column of
 *   a table (with the same state, when the table has one); the table-wide count of such
 *   groups, when each group's newest row appeared, and how many appeared recently.
 * - **stuck state**: the ticket's record sits in a state while the rows that refer to it
 *   are in a state most records with such rows have moved past; the table-wide count of
 *   records stuck like it for longer than {@link STUCK_AFTER_MINUTES}.
 *
 * Every statement returns counts, timestamps, the ticket's own ids or state names (a
 * short enumeration, validated before it is ever spliced back), and at most
 * {@link MAX_SAMPLES} record ids. Nothing is written: the corrections are proposals
 * for a human's approval.
 */

/** A record in a non-final state this long while its related rows are final is stuck. */
export const STUCK_AFTER_MINUTES = 60;
/** Bad rows that appeared within this window before now mean the cause is still active. */
export const ONGOING_WINDOW_HOURS = 24;
/** A state is anomalous for its related state when fewer than half of such records hold it. */
export const MINORITY_SHARE = 0.5;
/**
 * A column is a natural key (one row per value) when at least this share of its values
 * occur once: duplicates are then exceptions. Below it the column is a one-to-many
 * reference (members of a workspace, lines of an order) and repeats are normal.
 */
export const UNIQUE_KEY_SHARE = 0.9;
/** Sample ids reported per finding. */
export const MAX_SAMPLES = 5;

/** A state name we splice back as a literal: a short enumeration value, nothing else. */
const STATE_VALUE = /^[A-Za-z0-9_.-]{1,40}$/;
export const isStateValue = (v: unknown): v is string =>
  typeof v === "string" && STATE_VALUE.test(v);

const stateList = (states: readonly string[]): string => {
  for (const s of states) if (!STATE_VALUE.test(s)) throw new Error(`'${s}' is not a state`);
  return states.map((s) => `'${s}'`).join(", ");
};

const iso = (at: Date) => `'${at.toISOString()}'::timestamptz`;

// ---- duplicate rows ------------------------------------------------------------------

/** The ticket's ids that occur more than once in `column` (per state, when there is one). */
export function duplicateEntitySql(t: TableInfo, column: string, ids: readonly string[]): string {
  const state = t.state ? `, t.${t.state} as state` : "";
  const group = t.state ? `, t.${t.state}` : "";
  return `select t.${column} as entity${state}, count(*) as n from ${t.name} t where t.${column} in (${literalList(ids)}) group by t.${column}${group} having count(*) > 1 limit 20`;
}

const stateFilter = (t: TableInfo, states: readonly string[], alias = "t") =>
  t.state && states.length > 0 ? ` where ${alias}.${t.state} in (${stateList(states)})` : "";

/**
 * Table-wide: groups of rows sharing `column` (and state), the extra rows, when each
 * group's newest row appeared (first and last), and how many appeared since `since`.
 */
export function duplicateSummarySql(
  t: TableInfo,
  column: string,
  states: readonly string[],
  since: Date,
): string {
  const group = t.state ? `, t.${t.state}` : "";
  const appeared = t.created ? `, max(t.${t.created}) as appeared_at` : "";
  const times = t.created
    ? `, min(g.appeared_at) as first_at, max(g.appeared_at) as last_at, count(*) filter (where g.appeared_at >= ${iso(since)}) as recent`
    : "";
  return `select count(*) as groups, coalesce(sum(g.n - 1), 0) as extra_rows${times} from (select t.${column} as k, count(*) as n${appeared} from ${t.name} t${stateFilter(t, states)} group by t.${column}${group} having count(*) > 1) g`;
}

/** Rows in those states, and how many distinct values `column` takes among them. */
export function rowsInStatesSql(t: TableInfo, column: string, states: readonly string[]): string {
  return `select count(*) as total, count(distinct t.${column}) as keys from ${t.name} t${stateFilter(t, states)}`;
}

/** The newer rows of each duplicate group (the oldest is kept): the rows a fix retires. */
function newerDuplicates(t: TableInfo, column: string, states: readonly string[]): string {
  const order = t.created ? `t.${t.created}, t.id` : "t.id";
  const group = t.state ? `, t.${t.state}` : "";
  return `select d.id from (select t.id, row_number() over (partition by t.${column}${group} order by ${order}) as rn from ${t.name} t${stateFilter(t, states)}) d where d.rn > 1`;
}

export function duplicateSamplesSql(
  t: TableInfo,
  column: string,
  states: readonly string[],
): string {
  return `${newerDuplicates(t, column, states)} order by d.id limit ${MAX_SAMPLES}`;
}

/** The proposed fix: retire the newer duplicate of each group. A human picks how. */
export function duplicateCorrectionSql(
  t: TableInfo,
  column: string,
  states: readonly string[],
): string {
  const target = t.state
    ? `update ${t.name} set ${t.state} = :retired_state`
    : `delete from ${t.name}`;
  return [
    `-- Keep the oldest row of each ${t.name}.${column}${t.state ? `/${t.state}` : ""} group and retire the newer ones.`,
    `-- Choose :retired_state (or a delete) with the owning team before approving.`,
    `${target} where id in (${newerDuplicates(t, column, states)});`,
  ].join("\n");
}

// ---- stuck state ---------------------------------------------------------------------

/** The ticket's records' state and the state of the rows that refer to them. */
export function stuckEntitySql(
  t: TableInfo,
  r: TableInfo,
  refColumn: string,
  ids: readonly string[],
): string {
  return `select t.${t.state} as state, r.${r.state} as related_state, count(*) as n from ${t.name} t join ${r.name} r on r.${refColumn} = t.id where t.id in (${literalList(ids)}) group by t.${t.state}, r.${r.state} limit 20`;
}

const relatedIn = (r: TableInfo, refColumn: string, relatedState: string) =>
  `exists (select 1 from ${r.name} r where r.${refColumn} = t.id and r.${r.state} = '${relatedState}')`;

/**
 * Table-wide, among records with a related row in `relatedState`: how many, how many in
 * `state`, how many of those older than the cutoff (stuck), when the stuck ones were
 * created (first, last) and how many since `since`.
 */
export function stuckSummarySql(
  t: TableInfo,
  r: TableInfo,
  refColumn: string,
  pair: { state: string; relatedState: string },
  cutoff: Date,
  since: Date,
): string {
  stateList([pair.state, pair.relatedState]);
  const inState = `t.${t.state} = '${pair.state}'`;
  const stuck = `${inState} and t.${t.created} < ${iso(cutoff)}`;
  return [
    `select count(*) as with_related, count(*) filter (where ${inState}) as in_state,`,
    `count(*) filter (where ${stuck}) as stuck,`,
    `min(t.${t.created}) filter (where ${stuck}) as first_at,`,
    `max(t.${t.created}) filter (where ${stuck}) as last_at,`,
    `count(*) filter (where ${stuck} and t.${t.created} >= ${iso(since)}) as recent`,
    `from ${t.name} t where ${relatedIn(r, refColumn, pair.relatedState)}`,
  ].join(" ");
}

/**
 * Records with the related state created before `before` (the first stuck one): the
 * baseline. Records that once moved past the state and then stopped are stuck; a state
 * records have always sat in (a final one, like delivered) has no such baseline.
 */
export function stuckBaselineSql(
  t: TableInfo,
  r: TableInfo,
  refColumn: string,
  relatedState: string,
  before: string,
): string {
  stateList([relatedState]);
  return `select count(*) as prior from ${t.name} t where t.${t.created} < ${iso(new Date(before))} and ${relatedIn(r, refColumn, relatedState)}`;
}

function stuckWhere(
  t: TableInfo,
  r: TableInfo,
  refColumn: string,
  pair: { state: string; relatedState: string },
  cutoff: Date,
): string {
  return `t.${t.state} = '${pair.state}' and t.${t.created} < ${iso(cutoff)} and ${relatedIn(r, refColumn, pair.relatedState)}`;
}

export function stuckSamplesSql(
  t: TableInfo,
  r: TableInfo,
  refColumn: string,
  pair: { state: string; relatedState: string },
  cutoff: Date,
): string {
  return `select t.id from ${t.name} t where ${stuckWhere(t, r, refColumn, pair, cutoff)} order by t.${t.created}, t.id limit ${MAX_SAMPLES}`;
}

/** The proposed fix: move the stuck records on. The owning team names the next state. */
export function stuckCorrectionSql(
  t: TableInfo,
  r: TableInfo,
  refColumn: string,
  pair: { state: string; relatedState: string },
  cutoff: Date,
): string {
  return [
    `-- ${t.name} rows in '${pair.state}' whose ${r.name} row is '${pair.relatedState}', older than ${STUCK_AFTER_MINUTES} min.`,
    `-- Set :next_state to the state the write path sets after '${pair.relatedState}' (the owning team confirms it).`,
    `update ${t.name} t set ${t.state} = :next_state where ${stuckWhere(t, r, refColumn, pair, cutoff)};`,
  ].join("\n");
}
