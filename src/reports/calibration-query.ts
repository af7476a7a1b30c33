import { sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import type { CalibrationRow } from "./calibration.ts";
import { num, selectRows } from "./query.ts";

interface RawCalibrationRow {
  run_id: string;
  class: string | null;
  confidence: unknown;
  decision: string | null;
  monitor_verdict: string | null;
  feedback_right: unknown;
  feedback_wrong: unknown;
}

/**
 * The finished runs created at or after `since`, each with the class and confidence its
 * evidence bundle records, its gate decision, the monitor's verdict (the run's context,
 * else its stored learning) and the on-call feedback counts. Runs without a classified
 * bundle are counted, not returned.
 */
export async function loadCalibrationRows(
  db: Db,
  { since }: { since?: Date } = {},
): Promise<{ rows: CalibrationRow[]; unclassified: number }> {
  const from = since ? sql`and r.created_at >= ${since.toISOString()}::timestamptz` : sql``;
  const raw = await selectRows<RawCalibrationRow>(
    db,
    sql`
      with finished as (
        select r.id, r.context, b.classification
        from runs r
        left join lateral (
          select (a.body::jsonb)->'classification' as classification
          from artifacts a
          where a.run_id = r.id and a.sha256 = r.context->>'bundleSha'
        ) b on true
        where r.outcome is not null ${from}
      )
      select f.id as run_id,
             f.classification->>'class' as class,
             (f.classification->>'confidence')::float8 as confidence,
             f.context->'decision'->>'decision' as decision,
             coalesce(f.context->'monitor'->>'verdict', l.monitor_verdict) as monitor_verdict,
             coalesce(fb.right_count, 0)::int as feedback_right,
             coalesce(fb.wrong_count, 0)::int as feedback_wrong
      from finished f
      left join learnings l on l.run_id = f.id
      left join (
        select run_id,
               count(*) filter (where verdict = 'right') as right_count,
               count(*) filter (where verdict = 'wrong') as wrong_count
        from verdict_feedback group by run_id
      ) fb on fb.run_id = f.id
      order by f.id`,
  );
  const rows: CalibrationRow[] = [];
  let unclassified = 0;
  for (const r of raw) {
    const confidence = num(r.confidence);
    if (r.class === null || confidence === null) {
      unclassified += 1;
      continue;
    }
    rows.push({
      runId: r.run_id,
      class: r.class,
      confidence,
      decision: r.decision,
      monitorVerdict: r.monitor_verdict,
      feedbackRight: num(r.feedback_right) ?? 0,
      feedbackWrong: num(r.feedback_wrong) ?? 0,
    });
  }
  return { rows, unclassified };
}
