import { and, count, eq, gt, isNull, sql } from "drizzle-orm";
import { Gauge, type Registry } from "prom-client";
import type { Db } from "../db/client.ts";
import { approvals, effects, killSwitches, runs } from "../db/schema.ts";
import type { PhaseQueue } from "../runner/queue.ts";

/**
 * Gauges read from Postgres and the queue when /metrics is scraped (issue 16): the state
 * of the whole cluster, the same from every process (aggregate with max, not sum). Counters
 * of what one process did (phase steps, HTTP requests, provider calls) stay in
 * metrics.ts. Each read is independent: one that fails or is slow leaves its gauge at its
 * last value and the scrape still answers.
 */
export interface ClusterGauges {
  runsByPhase: Gauge<"phase">;
  runsEnded: Gauge<"outcome">;
  queueJobs: Gauge<"state">;
  queueOldestWaitingSeconds: Gauge;
  approvals: Gauge<"status">;
  effectsPending: Gauge;
  killSwitchesEngaged: Gauge<"scope">;
}

export function clusterGauges(registry: Registry): ClusterGauges {
  const gauge = <L extends string>(name: string, help: string, labelNames: L[] = []) =>
    new Gauge<L>({ name, help, labelNames, registers: [registry] });
  return {
    runsByPhase: gauge("prode_runs_active_by_phase", "Runs not yet ended, by phase", ["phase"]),
    runsEnded: gauge("prode_runs_ended_24h", "Runs ended in the last 24 hours, by exit (outcome)", [
      "outcome",
    ]),
    queueJobs: gauge("prode_queue_jobs", "Phase jobs in the queue, by BullMQ state", ["state"]),
    queueOldestWaitingSeconds: gauge(
      "prode_queue_oldest_waiting_seconds",
      "Age of the oldest phase job waiting for a worker (0 when none waits)",
    ),
    approvals: gauge("prode_approvals", "Approval requests by status", ["status"]),
    effectsPending: gauge(
      "prode_effects_pending",
      "External effects started and not yet confirmed (in flight or being retried)",
    ),
    killSwitchesEngaged: gauge("prode_kill_switches_engaged", "Kill switches engaged, by scope", [
      "scope",
    ]),
  };
}

/** Sets every labelled value of `gauge` from rows, zeroing labels that disappeared. */
function setAll<L extends string>(gauge: Gauge<L>, label: L, rows: { key: string; n: number }[]) {
  gauge.reset();
  for (const row of rows) gauge.set({ [label]: row.key } as Record<L, string>, row.n);
}

const QUEUE_STATES = ["waiting", "active", "delayed", "prioritized", "failed"] as const;

/**
 * The reads behind the gauges, each run through `guard` (the caller's bounded probe):
 * returns the names of those that failed, for the log.
 */
export async function refreshClusterGauges(
  gauges: ClusterGauges,
  sources: { db: Db; queue: PhaseQueue },
  guard: (read: () => Promise<unknown>) => Promise<string>,
): Promise<string[]> {
  const { db, queue } = sources;
  const reads: [string, () => Promise<unknown>][] = [
    [
      "runs by phase",
      async () => {
        const rows = await db
          .select({ key: runs.phase, n: count() })
          .from(runs)
          .where(isNull(runs.outcome))
          .groupBy(runs.phase);
        setAll(gauges.runsByPhase, "phase", rows);
      },
    ],
    [
      "runs ended",
      async () => {
        const rows = await db
          .select({ key: sql<string>`${runs.outcome}`, n: count() })
          .from(runs)
          .where(gt(runs.endedAt, sql`now() - interval '24 hours'`))
          .groupBy(runs.outcome);
        setAll(gauges.runsEnded, "outcome", rows);
      },
    ],
    [
      "approvals",
      async () => {
        const rows = await db
          .select({ key: approvals.status, n: count() })
          .from(approvals)
          .groupBy(approvals.status);
        setAll(gauges.approvals, "status", rows);
      },
    ],
    [
      "effects",
      async () => {
        const [row] = await db
          .select({ n: count() })
          .from(effects)
          .where(eq(effects.status, "pending"));
        gauges.effectsPending.set(row?.n ?? 0);
      },
    ],
    [
      "kill switches",
      async () => {
        const rows = await db
          .select({ key: killSwitches.scope, n: count() })
          .from(killSwitches)
          .where(and(eq(killSwitches.engaged, true)))
          .groupBy(killSwitches.scope);
        setAll(gauges.killSwitchesEngaged, "scope", rows);
      },
    ],
    [
      "queue",
      async () => {
        const counts = await queue.queue.getJobCounts(...QUEUE_STATES);
        for (const state of QUEUE_STATES) gauges.queueJobs.set({ state }, counts[state] ?? 0);
        const [oldest] = await queue.queue.getJobs(["wait", "prioritized"], 0, 0, true);
        gauges.queueOldestWaitingSeconds.set(
          oldest ? Math.max(0, (Date.now() - oldest.timestamp) / 1000) : 0,
        );
      },
    ],
  ];
  const results = await Promise.all(reads.map(async ([name, read]) => [name, await guard(read)]));
  return results.filter(([, status]) => status !== "ok").map(([name]) => name as string);
}
