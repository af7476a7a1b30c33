import { sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { num, selectRows } from "./query.ts";
import type { Percentiles, WeeklyReport } from "./weekly.ts";

interface RawPercentiles {
  count: unknown;
  p50: unknown;
  p95: unknown;
}

const percentiles = (r: RawPercentiles | undefined): Percentiles => ({
  count: num(r?.count) ?? 0,
  p50: num(r?.p50),
  p95: num(r?.p95),
});

/** `count, p50, p95` (seconds) of a column of seconds, as Postgres computes them. */
const spread = (seconds: ReturnType<typeof sql>) => sql`
  count(${seconds})::int as count,
  percentile_cont(0.5) within group (order by ${seconds})::float8 as p50,
  percentile_cont(0.95) within group (order by ${seconds})::float8 as p95`;

/**
 * Reads the weekly review for runs (and approvals) created in [since, until). Read-only;
 * every figure is computed in SQL over the runs, phase_transitions and approvals tables.
 * `clean` redacts the one free text that leaves (a failure's example message).
 */
export async function loadWeeklyReport(
  db: Db,
  { since, until, clean }: { since: Date; until: Date; clean: (text: string) => string },
): Promise<WeeklyReport> {
  const from = since.toISOString();
  const to = until.toISOString();
  const inPeriod = sql`r.created_at >= ${from}::timestamptz and r.created_at < ${to}::timestamptz`;

  const byExit = await selectRows<{ exit: string; count: unknown }>(
    db,
    sql`select coalesce(r.outcome, '(active)') as exit, count(*)::int as count
        from runs r where ${inPeriod}
        group by 1`,
  );

  const phases = await selectRows<{ phase: string } & RawPercentiles>(
    db,
    sql`with spans as (
          select t.to_state as phase,
                 extract(epoch from (lead(t.created_at) over (partition by t.run_id order by t.seq) - t.created_at))::float8 as seconds
          from phase_transitions t join runs r on r.id = t.run_id
          where ${inPeriod}
        )
        select phase, ${spread(sql`seconds`)}
        from spans where seconds is not null
        group by phase`,
  );

  const failures = await selectRows<{ code: string; count: unknown; example: string }>(
    db,
    sql`select coalesce(nullif(split_part(r.error, ':', 1), ''), 'unknown') as code,
               count(*)::int as count,
               coalesce(mode() within group (order by r.error), '(no error recorded)') as example
        from runs r where r.outcome = 'FAILED' and ${inPeriod}
        group by 1`,
  );

  // A PR's fate from the transitions: entering POST_MERGE_MONITOR means it merged; leaving
  // AWAIT_HUMAN_REVIEW for anything else means it was closed unmerged.
  const [delivery] = await selectRows<
    {
      prs: unknown;
      merged: unknown;
      closed_unmerged: unknown;
      ticket_to_pr: RawPercentiles;
      merge_to_verdict: RawPercentiles;
    } & Record<string, unknown>
  >(
    db,
    sql`with prs as (
          select r.id,
                 extract(epoch from (
                   (select min(t.created_at) from phase_transitions t where t.run_id = r.id and t.from_state = 'OPEN_PR')
                   - coalesce((r.context->'ticket'->'snapshot'->>'createdAt')::timestamptz, r.created_at)
                 ))::float8 as to_pr,
                 exists (select 1 from phase_transitions t where t.run_id = r.id and t.to_state = 'POST_MERGE_MONITOR') as merged,
                 exists (select 1 from phase_transitions t where t.run_id = r.id and t.from_state = 'AWAIT_HUMAN_REVIEW' and t.to_state <> 'POST_MERGE_MONITOR') as closed,
                 extract(epoch from (
                   -- Leaving the monitor: its re-checks are POST_MERGE_MONITOR → itself.
                   (select min(t.created_at) from phase_transitions t where t.run_id = r.id and t.from_state = 'POST_MERGE_MONITOR' and t.to_state <> 'POST_MERGE_MONITOR')
                   - (select min(t.created_at) from phase_transitions t where t.run_id = r.id and t.to_state = 'POST_MERGE_MONITOR')
                 ))::float8 as to_verdict
          from runs r
          where ${inPeriod} and r.context->'delivery'->'pr' is not null
        )
        select count(*)::int as prs,
               count(*) filter (where merged)::int as merged,
               count(*) filter (where closed and not merged)::int as closed_unmerged,
               (select json_build_object('count', count(to_pr), 'p50', percentile_cont(0.5) within group (order by to_pr), 'p95', percentile_cont(0.95) within group (order by to_pr)) from prs) as ticket_to_pr,
               (select json_build_object('count', count(to_verdict), 'p50', percentile_cont(0.5) within group (order by to_verdict), 'p95', percentile_cont(0.95) within group (order by to_verdict)) from prs) as merge_to_verdict
        from prs`,
  );

  // An approval still pending past its expiry is expired, whether or not the sweep ran.
  const [approvals] = await selectRows<Record<string, unknown>>(
    db,
    sql`select count(*)::int as requested,
               count(*) filter (where a.status in ('approved', 'consumed'))::int as approved,
               count(*) filter (where a.status = 'rejected')::int as rejected,
               count(*) filter (where a.status = 'expired' or (a.status = 'pending' and a.expires_at <= ${to}::timestamptz))::int as expired,
               count(*) filter (where a.status = 'pending' and a.expires_at > ${to}::timestamptz)::int as pending,
               ${spread(sql`case when a.status in ('approved', 'consumed', 'rejected') then extract(epoch from (a.decided_at - a.created_at)) end`)}
        from approvals a
        where a.created_at >= ${from}::timestamptz and a.created_at < ${to}::timestamptz`,
  );

  const counts = byExit
    .map((e) => ({ exit: e.exit, count: num(e.count) ?? 0 }))
    .sort((x, y) => y.count - x.count || bytewise(x.exit, y.exit));
  const total = counts.reduce((n, e) => n + e.count, 0);
  const failed = counts.find((e) => e.exit === "FAILED")?.count ?? 0;
  const active = counts.find((e) => e.exit === "(active)")?.count ?? 0;
  const succeeded = total - failed - active;
  const prs = num(delivery?.prs) ?? 0;
  const merged = num(delivery?.merged) ?? 0;
  const closedUnmerged = num(delivery?.closed_unmerged) ?? 0;
  const approved = num(approvals?.approved) ?? 0;
  const rejected = num(approvals?.rejected) ?? 0;
  return {
    since: from,
    until: to,
    runs: {
      total,
      byExit: counts,
      succeeded,
      failed,
      successErrorRatio: failed > 0 ? succeeded / failed : null,
      successRate: succeeded + failed > 0 ? succeeded / (succeeded + failed) : null,
    },
    phases: phases
      .map((p) => ({ phase: p.phase, ...percentiles(p) }))
      .sort((x, y) => (y.p95 ?? 0) - (x.p95 ?? 0) || bytewise(x.phase, y.phase)),
    failureCauses: failures
      .map((f) => ({ code: f.code, count: num(f.count) ?? 0, example: clean(f.example) }))
      .sort((x, y) => y.count - x.count || bytewise(x.code, y.code))
      .slice(0, TOP_FAILURE_CAUSES),
    delivery: {
      ticketToPr: percentiles(parseJson(delivery?.ticket_to_pr)),
      prs,
      merged,
      closedUnmerged,
      open: prs - merged - closedUnmerged,
      mergeRate: merged + closedUnmerged > 0 ? merged / (merged + closedUnmerged) : null,
      mergeToVerdict: percentiles(parseJson(delivery?.merge_to_verdict)),
    },
    approvals: {
      requested: num(approvals?.requested) ?? 0,
      decided: approved + rejected,
      approved,
      rejected,
      expired: num(approvals?.expired) ?? 0,
      pending: num(approvals?.pending) ?? 0,
      decisionLatency: percentiles(approvals as RawPercentiles | undefined),
    },
  };
}

const TOP_FAILURE_CAUSES = 5;

/** Ties sort bytewise here, not by the database's locale, so the report reads the same everywhere. */
function bytewise(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** json_build_object comes back parsed from postgres.js and as text from some drivers. */
function parseJson(value: unknown): RawPercentiles | undefined {
  if (typeof value === "string") return JSON.parse(value) as RawPercentiles;
  return value as RawPercentiles | undefined;
}
