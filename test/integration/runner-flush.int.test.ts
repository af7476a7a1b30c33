import { Redis } from "ioredis";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PHASES } from "../../src/domain/phases.ts";
import { phaseJobId } from "../../src/runner/ids.ts";
import type { LeaseHandoffs } from "../../src/runner/lease-handoff.ts";
import { startReconciler } from "../../src/runner/reconciler.ts";
import { createRun } from "../../src/runner/runs.ts";
import type { PhaseContext, PhaseHandlers, RunnerTiming } from "../../src/runner/types.ts";
import type { TestDb } from "../setup/db.ts";
import { type PrivateRedis, startPrivateRedis } from "../setup/private-redis.ts";
import { hasEnded, quietLog, type TestRunner, useTestRunner, waitForRun } from "../setup/runner.ts";

describe("Redis flushed in the middle of runs", () => {
  let t: TestDb;
  let redis: PrivateRedis;
  let r: TestRunner;
  // Registered before the runner's hooks: Redis starts before the runner connects to it
  // and stops after the runner closed.
  beforeEach(async () => {
    redis = await startPrivateRedis();
  });
  afterEach(async () => {
    await redis.stop();
  });
  useTestRunner(
    (db, runner) => {
      t = db;
      r = runner;
    },
    { redisUrl: () => redis.url },
  );

  /** Runs a reconciler every 300 ms until every run completes, within `timeoutMs`. */
  async function reconcileUntilEnded(ids: string[], timeoutMs: number, handoffs?: LeaseHandoffs) {
    const reconciler = startReconciler(
      {
        db: t.db,
        queue: r.queue,
        log: quietLog,
        actor: "reconciler",
        ...(handoffs ? { handoffs } : {}),
      },
      300,
    );
    try {
      for (const id of ids)
        expect((await waitForRun(t, id, hasEnded, timeoutMs)).outcome).toBe("RUN_COMPLETE");
    } finally {
      await reconciler.stop();
    }
  }

  /** Every phase sleeps 30 ms (counting its runs in `executed`); LINEAR_HANDOFF skips ahead. */
  function slowHandlers(executed = new Map<string, number>()): PhaseHandlers {
    const slow = async (ctx: PhaseContext) => {
      const key = `${ctx.run.id} ${ctx.phase}`;
      executed.set(key, (executed.get(key) ?? 0) + 1);
      await new Promise((res) => setTimeout(res, 30));
      return ctx.phase === "LINEAR_HANDOFF" ? { next: "WRITE_CANDIDATE_LEARNING" as const } : {};
    };
    return Object.fromEntries(PHASES.map((p) => [p, slow]));
  }

  /** Creates 8 runs and lets them get under way for 150 ms; returns their ids. */
  async function startRuns(ticketPrefix: string): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < 8; i += 1) {
      const { run } = await createRun(
        { db: t.db, enqueue: r.queue.enqueue },
        { ticket: `${ticketPrefix}${i}`, trigger: "test" },
      );
      ids.push(run.id);
    }
    await new Promise((res) => setTimeout(res, 150));
    return ids;
  }

  /** FLUSHALL on the runner's Redis; returns how many keys it held before. */
  async function flushRedis(): Promise<number> {
    const admin = new Redis(redis.url);
    try {
      const keys = await admin.dbsize();
      await admin.flushall();
      return keys;
    } finally {
      admin.disconnect();
    }
  }

  it("the reconciler rebuilds the queue from Postgres and every run completes", async () => {
    let flushed = false;
    r.startWorker("w1", slowHandlers());
    const ids = await startRuns("ENG-F");
    const ended = await Promise.all(ids.map((id) => waitForRun(t, id, () => true)));
    expect(ended.filter((run) => run.outcome !== null).length).toBeLessThan(ids.length);
    expect(await flushRedis()).toBeGreaterThan(0);
    flushed = true;

    await reconcileUntilEnded(ids, 30_000);
    expect(flushed).toBe(true);
  }, 60_000);

  it("a step handed a lease gets its job back at once, not when the lease expires", async () => {
    // A lease far longer than the test may take: a handed step left to wait for its
    // expiry would not finish in time.
    const timing: RunnerTiming = { leaseMs: 120_000, heartbeatMs: 10_000, maxAttempts: 5 };
    const executed = new Map<string, number>();
    const worker = r.startWorker("w1", slowHandlers(executed), timing);
    const ids = await startRuns("ENG-H");
    await flushRedis();
    // Some steps lost their job while their lease was handed to w1: kept for a job that
    // Redis no longer has.
    const lost = [];
    for (const run of worker.handoffs.waiting()) {
      if ((await r.queue.queue.getJobState(phaseJobId(run.id, run.seq))) === "unknown")
        lost.push(run);
    }
    expect(lost.length).toBeGreaterThan(0);

    await reconcileUntilEnded(ids, 20_000, worker.handoffs);
    // No step was given a second job while it ran: each phase of each run ran once.
    expect(executed.size).toBe(ids.length * 15);
    expect([...executed.values()].every((n) => n === 1)).toBe(true);
  }, 60_000);
});
