import {
  duplicateCorrectionSql,
  duplicateEntitySql,
  duplicateSamplesSql,
  duplicateSummarySql,
  isStateValue,
  MINORITY_SHARE,
  ONGOING_WINDOW_HOURS,
  rowsInStatesSql,
  STUCK_AFTER_MINUTES,
  stuckBaselineSql,
  stuckCorrectionSql,
  stuckEntitySql,
  stuckSamplesSql,
  stuckSummarySql,
  UNIQUE_KEY_SHARE,
} from "./discrepancies.ts";
import { checkCounters } from "./generic-counter.ts";
import { checkMissingRelated } from "./generic-missing-related.ts";
import { checkMissingValues } from "./generic-missing-value.ts";
import { type GenericContext, num, query, ref, samples } from "./generic-query.ts";
import { discoverTables, type EntityHit, locateSql, referrers, type TableInfo } from "./schema.ts";
import { asTimestamp } from "./values.ts";

export type { GenericContext } from "./generic-query.ts";

/**
 * The schema-generic data-state checks, run when the ticket quotes record ids and the
 * replica is connected: find where those ids live, then look for duplicate rows on the
 * reference column that holds them, for records stuck in a state their related rows
 * have moved past, and for records lacking the related row nearly all records in their
 * state have (generic-missing-related.ts), for a counter column out of step with the
 * rows it counts (generic-counter.ts), and for a value (a column) nearly all their peers
 * hold but they lack (generic-missing-value.ts). Each finding becomes a `stale_derived_rows`
 * signal with its kind of discrepancy, counts, the window the bad rows appeared in, whether they still appear
 * (ongoing), and a proposed fix that only a human's approval can run.
 */

/** Where the ticket's ids live: one aggregate per table with id-like columns. */
async function locate(
  ctx: GenericContext,
  tables: TableInfo[],
  ids: string[],
): Promise<EntityHit[]> {
  const hits: EntityHit[] = [];
  for (const table of tables) {
    const sql = locateSql(table, ids);
    if (!sql) continue;
    const { rows } = await query(ctx, `locate/${table.name}`, sql);
    for (const column of table.idColumns) {
      const n = num(rows[0]?.[column]);
      if (n > 0) hits.push({ table, column, rows: n });
    }
  }
  return hits;
}

async function checkDuplicates(ctx: GenericContext, hit: EntityHit, ids: string[]) {
  const t = hit.table;
  const entity = await query(
    ctx,
    `duplicates/${t.name}.${hit.column}/ticket`,
    duplicateEntitySql(t, hit.column, ids),
  );
  if (entity.rows.length === 0) return;
  const states = [...new Set(entity.rows.map((r) => r.state).filter(isStateValue))];
  if (t.state && states.length === 0) return;
  const affected = new Set(entity.rows.map((r) => r.entity)).size;
  const since = new Date(ctx.now.getTime() - ONGOING_WINDOW_HOURS * 3_600_000);
  const id = `duplicates/${t.name}.${hit.column}`;
  const summary = await query(ctx, id, duplicateSummarySql(t, hit.column, states, since));
  const s = summary.rows[0] ?? {};
  const groups = num(s.groups);
  const extra = num(s.extra_rows);
  if (groups === 0 || extra === 0) return;
  const totals = (await query(ctx, `${id}/total`, rowsInStatesSql(t, hit.column, states))).rows[0];
  const total = num(totals?.total);
  const keys = num(totals?.keys);
  // A one-to-many reference repeats by design: only a column that is nearly unique is a key.
  if (keys === 0 || groups / keys > 1 - UNIQUE_KEY_SHARE) {
    ctx.ev.finding({
      fact: `${t.name}.${hit.column} repeats for ${groups} of ${keys} values: a one-to-many reference, not a key with duplicates`,
      source: summary.source,
    });
    return;
  }
  const first = asTimestamp(s.first_at);
  const last = asTimestamp(s.last_at);
  const recent = t.created ? num(s.recent) : undefined;
  const sample = t.key
    ? await samples(ctx, `${id}/samples`, duplicateSamplesSql(t, hit.column, states))
    : [];
  const key = `${t.name}.${hit.column}${t.state ? ` (${t.state} ${states.join("/")})` : ""}`;
  ctx.ev.finding({
    fact:
      `${groups} ${hit.column} values have more than one ${key} row: ${extra} extra rows of ${total}` +
      `, ${affected} of them quoted in the ticket` +
      (first ? `; the duplicates appeared between ${first} and ${last}` : "") +
      (recent === undefined ? "" : `; ${recent} in the last ${ONGOING_WINDOW_HOURS} h`),
    source: summary.source,
  });
  ctx.ev.signal({
    source: summary.source,
    kind: "stale_derived_rows",
    discrepancy: "duplicate_rows",
    table: t.name,
    staleCount: extra,
    totalCount: Math.max(total, extra),
    ...(first ? { oldestStaleAt: first } : {}),
    ...(last ? { newestStaleAt: last } : {}),
    ...(recent === undefined ? {} : { ongoing: recent > 0 }),
    ticketEntitiesAffected: affected,
    ...(sample.length > 0 ? { sampleIds: sample } : {}),
    ...(t.key
      ? {
          proposedCorrection: {
            statement: duplicateCorrectionSql(t, hit.column, states),
            affectsRows: extra,
          },
        }
      : {}),
  });
}

async function checkStuck(ctx: GenericContext, hit: EntityHit, tables: TableInfo[], ids: string[]) {
  const t = hit.table;
  if (!t.state || !t.created) return;
  const cutoff = new Date(ctx.now.getTime() - STUCK_AFTER_MINUTES * 60_000);
  const since = new Date(ctx.now.getTime() - ONGOING_WINDOW_HOURS * 3_600_000);
  for (const { table: r, column } of referrers(t, tables)) {
    if (!r.state) continue;
    const entity = await query(
      ctx,
      `stuck/${t.name}/${r.name}/ticket`,
      stuckEntitySql(t, r, column, ids),
    );
    const pairs = entity.rows
      .filter((row) => isStateValue(row.state) && isStateValue(row.related_state))
      .slice(0, 3);
    for (const row of pairs) {
      const pair = { state: row.state as string, relatedState: row.related_state as string };
      const id = `stuck/${t.name}/${r.name}`;
      const summary = await query(ctx, id, stuckSummarySql(t, r, column, pair, cutoff, since));
      const s = summary.rows[0] ?? {};
      const withRelated = num(s.with_related);
      const inState = num(s.in_state);
      const stuck = num(s.stuck);
      // The ticket's state is the usual one for such records: nothing is stuck.
      if (stuck === 0 || withRelated === 0 || inState / withRelated >= MINORITY_SHARE) continue;
      const first = asTimestamp(s.first_at);
      const last = asTimestamp(s.last_at);
      const recent = num(s.recent);
      if (!first) continue;
      // Records with the related state before the first stuck one all moved on: without
      // as many of them as are stuck now, the state is where such records usually rest.
      const baseline = await query(
        ctx,
        `${id}/baseline`,
        stuckBaselineSql(t, r, column, pair.relatedState, first),
      );
      const prior = num(baseline.rows[0]?.prior);
      if (prior < stuck) {
        ctx.ev.finding({
          fact: `${t.name} rows in '${pair.state}' with a '${pair.relatedState}' ${r.name} row date from the start of the data (${prior} earlier rows): a usual state, not a stuck one`,
          source: baseline.source,
        });
        continue;
      }
      const sample = await samples(
        ctx,
        `${id}/samples`,
        stuckSamplesSql(t, r, column, pair, cutoff),
      );
      ctx.ev.finding({
        fact:
          `${stuck} ${t.name} rows are '${pair.state}' for over ${STUCK_AFTER_MINUTES} min while their ${r.name} row is '${pair.relatedState}'` +
          ` (${withRelated} ${t.name} rows have a '${pair.relatedState}' ${r.name} row)` +
          (first ? `; created between ${first} and ${last}` : "") +
          `; ${recent} in the last ${ONGOING_WINDOW_HOURS} h; ${num(row.n)} of them quoted in the ticket`,
        source: summary.source,
      });
      ctx.ev.signal({
        source: summary.source,
        kind: "stale_derived_rows",
        discrepancy: "stuck_state",
        table: t.name,
        staleCount: stuck,
        totalCount: withRelated,
        ...(first ? { oldestStaleAt: first } : {}),
        ...(last ? { newestStaleAt: last } : {}),
        ongoing: recent > 0,
        ticketEntitiesAffected: num(row.n),
        ...(sample.length > 0 ? { sampleIds: sample } : {}),
        proposedCorrection: {
          statement: stuckCorrectionSql(t, r, column, pair, cutoff),
          affectsRows: stuck,
        },
      });
    }
  }
}

/** One `Check`'s body: discovery, then the checks each hit calls for. */
export async function runGenericChecks(ctx: GenericContext, ids: string[]): Promise<void> {
  const { tables, truncated } = await discoverTables(ctx.replica);
  if (truncated) {
    ctx.ev.gap({
      what: "the replica's column list was truncated: some tables were not searched",
      confidenceImpact: 5,
    });
  }
  const hits = await locate(ctx, tables, ids);
  if (hits.length === 0) {
    ctx.ev.finding({
      fact: `none of the ticket's record ids (${ids.join(", ")}) is in the replica's ${tables.length} tables`,
      source: ctx.ev.source({ kind: "db_query", ref: ref("locate"), fetchedAt: ctx.clock() }),
    });
    return;
  }
  for (const hit of hits) {
    if (hit.column === hit.table.key) {
      await checkStuck(ctx, hit, tables, ids);
      await checkMissingRelated(ctx, hit, tables, ids);
      await checkCounters(ctx, hit, tables, ids);
      await checkMissingValues(ctx, hit, ids);
    } else await checkDuplicates(ctx, hit, ids);
  }
}
