import { randomBytes } from "node:crypto";
import { asc, eq } from "drizzle-orm";
import pino from "pino";
import { startHarness } from "../sim/demo/run-scenario.ts";
import { findScenario, type Scenario } from "../sim/scenario.ts";
import { DEFAULT_WORKER_CONCURRENCY } from "../src/config/index.ts";
import { phaseTransitions } from "../src/db/schema.ts";
import { PHASES } from "../src/domain/phases.ts";
import { parseRunContext } from "../src/domain/run-context.ts";
import { createPhaseQueue, createRedis } from "../src/runner/queue.ts";
import { createRun } from "../src/runner/runs.ts";
import type { PhaseHandlers } from "../src/runner/types.ts";
import { startPhaseWorker } from "../src/runner/worker.ts";
import { createBenchDb } from "./lib/bench-db.ts";
import { BENCH_ADMIN_URL, BENCH_REDIS_URL } from "./lib/env.ts";
import { percentile } from "./lib/stats.ts";
import type { Bench, BenchResult } from "./types.ts";

/**
 * Scenario 1 (onboarding 500 after a deploy) from the Linear webhook to the committed
 * CLASSIFY decision, through the real runner, real SDKs and the simulated world:
 * p50/p95 over 50 runs one after another, then 200 tickets triggered at once. Baseline
 * in the same run: the runner alone carrying a run through the same phases with no-op
 * handlers, so the ratio is what gathering evidence costs on top of the engine.
 */
const SEQUENTIAL = Number(process.env.BENCH_PIPELINE_RUNS ?? 50);
const BURST = Number(process.env.BENCH_PIPELINE_BURST ?? 200);
/** Phase jobs the harness worker runs at once: prode's default unless told otherwise. */
const CONCURRENCY = Number(process.env.BENCH_PIPELINE_CONCURRENCY ?? DEFAULT_WORKER_CONCURRENCY);
const log = pino({ level: "silent" });

type BenchDb = Awaited<ReturnType<typeof createBenchDb>>;

/** When the transition out of CLASSIFY committed (epoch ms), or undefined if it has not. */
async function leftClassifyAt(db: BenchDb, runId: string): Promise<number | undefined> {
  const rows = await db.db
    .select()
    .from(phaseTransitions)
    .where(eq(phaseTransitions.runId, runId))
    .orderBy(asc(phaseTransitions.seq));
  return rows.find((r) => r.fromState === "CLASSIFY")?.createdAt.getTime();
}

/** Milliseconds from `t0` to the commit of the transition out of CLASSIFY. */
async function toClassified(db: BenchDb, runId: string, t0: number): Promise<number> {
  const at = await leftClassifyAt(db, runId);
  if (at === undefined) throw new Error(`run ${runId} never left CLASSIFY`);
  return at - t0;
}

/** The scenario with `count` more tickets like its own, for the burst. */
function withTickets(base: Scenario, count: number): Scenario {
  const issues = Array.from({ length: count }, (_, i) => ({
    ...base.ticket,
    id: undefined,
    identifier: `ENG-${90_000 + i}`,
    comments: [],
    attachments: base.ticket.attachments,
  }));
  return {
    ...base,
    linear: {
      ...base.linear,
      issues: [...base.linear.issues, ...issues.map(({ id: _id, ...rest }) => rest)],
    },
  } as Scenario;
}

async function baselineMs(db: BenchDb, runs: number): Promise<number[]> {
  const prefix = `prodebase_${randomBytes(3).toString("hex")}`;
  const connection = createRedis(BENCH_REDIS_URL);
  const workerConnection = createRedis(BENCH_REDIS_URL);
  const queue = createPhaseQueue(connection, prefix);
  const handlers: PhaseHandlers = Object.fromEntries(PHASES.map((p) => [p, async () => ({})]));
  handlers.CLASSIFY = async () => ({
    kind: "exit",
    outcome: "NO_CODE_CHANGE",
    description: "baseline",
  });
  const worker = startPhaseWorker(
    {
      db: db.db,
      log,
      workerId: "baseline",
      handlers,
      timing: { leaseMs: 30_000, heartbeatMs: 10_000, maxAttempts: 3 },
      enqueue: (d) => queue.enqueue(d),
    },
    { connection: workerConnection, prefix, concurrency: 4 },
  );
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const t0 = Date.now();
    const { run } = await createRun(
      { db: db.db, enqueue: (d) => queue.enqueue(d) },
      { ticket: `BASE-${i}`, trigger: "bench" },
    );
    for (;;) {
      const at = await leftClassifyAt(db, run.id);
      if (at !== undefined) {
        times.push(at - t0);
        break;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  await worker.close();
  await queue.queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
  workerConnection.disconnect();
  return times;
}

const bench: Bench = async () => {
  const db = await createBenchDb();
  const base = await findScenario("backend-500-pr");
  const scenario = withTickets(base, BURST);
  const prefix = `prodepipe_${randomBytes(3).toString("hex")}`;
  const h = await startHarness({
    scenario,
    db,
    redisUrl: BENCH_REDIS_URL,
    prefix,
    log,
    replicaAdminUrl: BENCH_ADMIN_URL,
    concurrency: CONCURRENCY,
    timeoutMs: 300_000,
  });
  try {
    const baseline = await baselineMs(db, SEQUENTIAL);
    const single: number[] = [];
    for (let i = 0; i < SEQUENTIAL; i += 1) {
      const t0 = Date.now();
      const { runId } = await h.trigger();
      await h.follow(runId!);
      single.push(await toClassified(db, runId!, t0));
    }

    const t0 = Date.now();
    const accepted = await Promise.all(
      Array.from({ length: BURST }, (_, i) => h.trigger(`ENG-${90_000 + i}`)),
    );
    const ended = await Promise.all(accepted.map((a) => h.follow(a.runId!)));
    const wall = (Date.now() - t0) / 1000;
    const burst = await Promise.all(ended.map((r) => toClassified(db, r.id, t0)));
    const failed = ended.filter(
      (r) =>
        r.outcome === "FAILED" ||
        parseRunContext(r.context).decision?.decision !== "proceed_to_delivery",
    ).length;
    const p95 = percentile(single, 95);
    const baseP50 = percentile(baseline, 50);
    const results: BenchResult[] = [
      {
        name: `scenario 1 to CLASSIFY: ${SEQUENTIAL} runs one after another (baseline: the runner alone, no-op handlers)`,
        metrics: {
          "pipeline p50 ms": percentile(single, 50),
          "pipeline p95 ms": p95,
          "baseline p50 ms": baseP50,
          "baseline p95 ms": percentile(baseline, 95),
          "ratio p50 (pipeline / baseline)": percentile(single, 50) / baseP50,
        },
        verdict: `p95 ≤ 2000 ms: ${p95 <= 2000 ? "met" : "NOT met"}`,
      },
      {
        name: `${BURST} tickets triggered at once (one worker, concurrency ${CONCURRENCY})`,
        metrics: {
          "runs accepted": accepted.filter((a) => a.status === 200 && a.runId).length,
          "throughput runs/s (to the end)": BURST / wall,
          "to CLASSIFY p50 ms": percentile(burst, 50),
          "to CLASSIFY p95 ms": percentile(burst, 95),
          "failed or off-gate runs": failed,
        },
        verdict: `no failed run: ${failed === 0 ? "met" : "NOT met"}`,
      },
    ];
    return results;
  } finally {
    await h.close();
    await db.drop();
  }
};
export default bench;
