import { AppError } from "../../src/domain/errors.ts";
import {
  isStateValue,
  MAX_SAMPLES,
  ONGOING_WINDOW_HOURS,
  STUCK_AFTER_MINUTES,
} from "./discrepancies.ts";
import { type GenericContext, num, query, samples } from "./generic-query.ts";
import { type EntityHit, literalList, referrers, type TableInfo } from "./schema.ts";
import { asTimestamp } from "./values.ts";

/**
 * The schema-generic check for a record in a state that, for nearly all its peers, comes
 * with a related row (a row of another table referring to it), but has none: a write that
 * set the state and died before it wrote the related row. Anchored on the records the
 * ticket quotes: their state(s), then one aggregate per state and referring table over
 * the records in that state, with and without a related row.
 *
 * It proposes no correction: the missing row's content is not in the replica, and which
 * state the records should go back to is the write path's to say. The classifier and the
 * gate decide what a human does with the finding.
 */

/**
 * A related row that comes with at least this share of a state's records is part of what
 * the state means, so a record without one is an exception. Below it the related row is
 * optional for that state (a refund on some orders, a note on some tickets) and records
 * without one are ordinary. The same bar as a natural key's (UNIQUE_KEY_SHARE): one
 * record in ten without the row is already a pattern, not a broken write.
 */
export const NEARLY_ALL_SHARE = 0.9;
/** A share over fewer peers than this with the related row is not a norm yet. */
export const MIN_PEERS_WITH_RELATED = 20;
/**
 * A write path has recovered when the settled records created after the newest one
 * without a related row all have theirs, and there are at least this many times as many
 * of them as the gap between two missing rows while they appeared: a steady trickle with
 * that gap leaves such a clean run with a chance of about e^-5 (under 1%).
 */
export const RECOVERED_GAPS = 5;
/** States of the quoted records examined, at most: the ticket's examples, not a sweep. */
const MAX_STATES = 3;

const iso = (at: Date) => `'${at.toISOString()}'::timestamptz`;

/** The bounds a missing related row is counted within. */
export interface MissingWindow {
  /** Records created after it may be in flight: their related row is written a moment later. */
  cutoff: Date;
  /** Missing rows created since it mean the write still fails (ongoing). */
  since: Date;
}

const hasRelated = (r: TableInfo, refColumn: string) =>
  `exists (select 1 from ${r.name} r where r.${refColumn} = t.id)`;

/** No related row, and old enough not to be in flight (when the table says when). */
function missingWhere(t: TableInfo, r: TableInfo, refColumn: string, cutoff: Date): string {
  const aged = t.created ? ` and t.${t.created} < ${iso(cutoff)}` : "";
  return `not ${hasRelated(r, refColumn)}${aged}`;
}

/**
 * The quoted records' states, and how many of them have no related row. A left join, so
 * the planner hashes the referring table once (a correlated subquery per row is priced
 * far above the replica's cost ceiling); `distinct` undoes the join's fan-out.
 */
export function missingEntitySql(
  t: TableInfo,
  r: TableInfo,
  refColumn: string,
  ids: readonly string[],
): string {
  return `select t.${t.state} as state, count(distinct t.id) as n, count(distinct t.id) filter (where r.${refColumn} is null) as missing from ${t.name} t left join ${r.name} r on r.${refColumn} = t.id where t.id in (${literalList(ids)}) group by t.${t.state} limit 20`;
}

const inState = (t: TableInfo, state: string) => {
  if (!isStateValue(state)) throw new Error(`'${state}' is not a state`);
  return `t.${t.state} = '${state}'`;
};

/** Records in `state` with a related row (a semi-join: one aggregate). */
export function withRelatedSql(
  t: TableInfo,
  r: TableInfo,
  refColumn: string,
  state: string,
): string {
  return `select count(*) as with_related from ${t.name} t where ${inState(t, state)} and ${hasRelated(r, refColumn)}`;
}

/**
 * Records in `state` without a related row, past the cutoff (an anti-join: one
 * aggregate): how many, when they were created (first, last), how many since `since`,
 * and how many of them the ticket quotes.
 */
export function missingSummarySql(
  t: TableInfo,
  r: TableInfo,
  refColumn: string,
  input: { state: string; ids: readonly string[]; window: MissingWindow },
): string {
  const times = t.created
    ? `, min(t.${t.created}) as first_at, max(t.${t.created}) as last_at, count(*) filter (where t.${t.created} >= ${iso(input.window.since)}) as recent`
    : "";
  return `select count(*) as missing${times}, count(*) filter (where t.id in (${literalList(input.ids)})) as quoted from ${t.name} t where ${inState(t, input.state)} and ${missingWhere(t, r, refColumn, input.window.cutoff)}`;
}

/**
 * Records in `state` created while the missing rows appeared (first to last), and the
 * settled ones created after the last: all of those have a related row (the last missing
 * one is the newest), so they measure how long the write path has been whole again.
 */
export function recoverySql(
  t: TableInfo,
  state: string,
  input: { first: string; last: string; cutoff: Date },
): string {
  const created = `t.${t.created}`;
  const first = iso(new Date(input.first));
  const last = iso(new Date(input.last));
  return `select count(*) filter (where ${created} >= ${first} and ${created} <= ${last}) as during, count(*) filter (where ${created} > ${last} and ${created} < ${iso(input.cutoff)}) as after from ${t.name} t where ${inState(t, state)}`;
}

/**
 * Missing rows still appear when some appeared within the ongoing window, unless the
 * records created since the newest one show the write path whole again: at least
 * {@link MIN_PEERS_WITH_RELATED}, and {@link RECOVERED_GAPS} times the spacing of the
 * missing ones while they appeared (a burst ends quickly; a trickle needs a long run).
 */
export function isStillAppearing(s: {
  recent: number;
  missing: number;
  during: number;
  after: number;
}): boolean {
  if (s.recent === 0) return false;
  const spacing = s.during / Math.max(s.missing, 1);
  return s.after < Math.max(MIN_PEERS_WITH_RELATED, RECOVERED_GAPS * spacing);
}

/** The oldest records in `state` without a related row: what a reviewer opens first. */
export function missingSamplesSql(
  t: TableInfo,
  r: TableInfo,
  refColumn: string,
  state: string,
  cutoff: Date,
): string {
  const order = t.created ? `t.${t.created}, t.id` : "t.id";
  return `select t.id from ${t.name} t where ${inState(t, state)} and ${missingWhere(t, r, refColumn, cutoff)} order by ${order} limit ${MAX_SAMPLES}`;
}

/** What one summary says: a finding worth a signal, or why the state is not one. */
export type MissingVerdict =
  | { kind: "missing"; missing: number; peers: number }
  | { kind: "optional"; share: number }
  | { kind: "none" };

/**
 * Missing related rows are a discrepancy only when nearly all records in the state that
 * are old enough to be settled have one, over enough of them for the share to be a norm.
 */
export function judgeMissing(s: { withRelated: number; missing: number }): MissingVerdict {
  if (s.missing === 0) return { kind: "none" };
  const settled = s.withRelated + s.missing;
  const share = s.withRelated / settled;
  if (s.withRelated < MIN_PEERS_WITH_RELATED || share < NEARLY_ALL_SHARE) {
    return { kind: "optional", share };
  }
  return { kind: "missing", missing: s.missing, peers: settled };
}

async function checkReferrer(
  ctx: GenericContext,
  t: TableInfo,
  r: { table: TableInfo; column: string },
  ids: string[],
) {
  const id = `missing_related/${t.name}/${r.table.name}`;
  const entity = await query(ctx, `${id}/ticket`, missingEntitySql(t, r.table, r.column, ids));
  const states = entity.rows
    .filter((row) => isStateValue(row.state) && num(row.missing) > 0)
    .map((row) => row.state as string)
    .slice(0, MAX_STATES);
  const window: MissingWindow = {
    cutoff: new Date(ctx.now.getTime() - STUCK_AFTER_MINUTES * 60_000),
    since: new Date(ctx.now.getTime() - ONGOING_WINDOW_HOURS * 3_600_000),
  };
  for (const state of states) {
    const related = await query(ctx, `${id}/related`, withRelatedSql(t, r.table, r.column, state));
    const summary = await query(
      ctx,
      id,
      missingSummarySql(t, r.table, r.column, { state, ids, window }),
    );
    const s = summary.rows[0] ?? {};
    const withRelated = num(related.rows[0]?.with_related);
    const verdict = judgeMissing({ withRelated, missing: num(s.missing) });
    const what = `${t.name} rows in '${state}'`;
    if (verdict.kind === "none") continue;
    if (verdict.kind === "optional") {
      ctx.ev.finding({
        fact: `${what} have a ${r.table.name} row in ${Math.round(verdict.share * 100)}% of cases (${withRelated} rows): an optional related row, its absence is not a discrepancy`,
        source: summary.source,
      });
      continue;
    }
    const quoted = num(s.quoted);
    // The quoted ones without a row are all in flight: the ticket's case is not this one.
    if (quoted === 0) {
      ctx.ev.finding({
        fact: `the ticket's ${what} without a ${r.table.name} row were created in the last ${STUCK_AFTER_MINUTES} min: in flight, not counted as missing`,
        source: summary.source,
      });
      continue;
    }
    const first = asTimestamp(s.first_at);
    const last = asTimestamp(s.last_at);
    const recent = t.created ? num(s.recent) : undefined;
    const recovery =
      recent && first && last
        ? await query(
            ctx,
            `${id}/recovery`,
            recoverySql(t, state, { first, last, cutoff: window.cutoff }),
          )
        : undefined;
    const during = num(recovery?.rows[0]?.during);
    const after = num(recovery?.rows[0]?.after);
    const ongoing =
      recent === undefined
        ? undefined
        : isStillAppearing({ recent, missing: verdict.missing, during, after });
    const sample = await samples(
      ctx,
      `${id}/samples`,
      missingSamplesSql(t, r.table, r.column, state, window.cutoff),
    );
    ctx.ev.finding({
      fact:
        `${verdict.missing} ${what} have no ${r.table.name} row while ${withRelated} of the ${verdict.peers} settled ones have one` +
        (first ? `; created between ${first} and ${last}` : "") +
        (recent === undefined ? "" : `; ${recent} in the last ${ONGOING_WINDOW_HOURS} h`) +
        (recovery
          ? `; ${after} settled ${what} created since the newest one all have theirs (${ongoing ? "too few to call the write path whole again" : "the write path is whole again"})`
          : "") +
        `; ${quoted} of them quoted in the ticket` +
        `. The repair (write the missing ${r.table.name} rows from their source, or move the records back so the write path retries) is the owning team's to choose`,
      source: summary.source,
    });
    ctx.ev.signal({
      source: summary.source,
      kind: "stale_derived_rows",
      discrepancy: "missing_related_row",
      table: t.name,
      staleCount: verdict.missing,
      totalCount: verdict.peers,
      ...(first ? { oldestStaleAt: first } : {}),
      ...(last ? { newestStaleAt: last } : {}),
      ...(ongoing === undefined ? {} : { ongoing }),
      ticketEntitiesAffected: quoted,
      ...(sample.length > 0 ? { sampleIds: sample } : {}),
    });
  }
}

/**
 * For the ticket's records (the hit on a table's key): each table referring to it. A
 * statement the guard refuses, or that fails, is a gap for that table, and the other
 * tables and checks still run.
 */
export async function checkMissingRelated(
  ctx: GenericContext,
  hit: EntityHit,
  tables: TableInfo[],
  ids: string[],
): Promise<void> {
  const t = hit.table;
  if (!t.state || hit.column !== t.key) return;
  for (const r of referrers(t, tables)) {
    try {
      await checkReferrer(ctx, t, r, ids);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      ctx.ev.gap({
        what: `db check for ${t.name} rows without a ${r.table.name} row unavailable (${error.code}): ${error.message}`,
        confidenceImpact: 5,
      });
    }
  }
}
