import { and, eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditEvents, runs } from "../../src/db/schema.ts";
import { PHASES } from "../../src/domain/phases.ts";
import { phaseJobId } from "../../src/runner/ids.ts";
import { reconcileOnce, startReconciler } from "../../src/runner/reconciler.ts";
import { createRun } from "../../src/runner/runs.ts";
import type { PhaseContext, PhaseHandlers, RunnerTiming } from "../../src/runner/types.ts";
import type { TestDb } from "../setup/db.ts";
import {
  hasEnded,
  quietLog,
  runRow,
  type TestRunner,
  useTestRunner,
  waitForRun,
} from "../setup/runner.ts";

/**
 * Under a queue backlog, a lease handed to the next step (ADR 0010) outlives its expiry
 * while the step's job waits for a worker. That lease is the queue's, not a dead worker's:
 * the reconciler leaves it, the job adopts it when a worker picks it, and
 * `lease.reclaimed` stays the sign of a worker that stopped holding a step (issue 17.7).
 */
describe("handed leases under a queue backlog", () => {
  let t: TestDb;
  let r: TestRunner;
  useTestRunner((db, runner) => {
    t = db;
    r = runner;
  });

  it("a step's job waiting longer than the lease is not reclaimed, and each phase runs once", async () => {
    // Short leases, slow phases, more runs than the worker's 4 slots: jobs queue for
    // longer than a lease lasts.
    const timing: RunnerTiming = { leaseMs: 500, heartbeatMs: 100, maxAttempts: 5 };
    const executed = new Map<string, number>();
    const slow = async (ctx: PhaseContext) => {
      const key = `${ctx.run.id} ${ctx.phase}`;
      executed.set(key, (executed.get(key) ?? 0) + 1);
      await new Promise((res) => setTimeout(res, 100));
      return ctx.phase === "LINEAR_HANDOFF" ? { next: "WRITE_CANDIDATE_LEARNING" as const } : {};
    };
    const handlers: PhaseHandlers = Object.fromEntries(PHASES.map((p) => [p, slow]));
    const worker = r.startWorker("w1", handlers, timing);
    const reconciler = startReconciler(
      {
        db: t.db,
        queue: r.queue,
        log: quietLog,
        actor: "reconciler",
        handoffs: worker.handoffs,
      },
      150,
    );
    try {
      const ids: string[] = [];
      for (let i = 0; i < 24; i += 1) {
        const { run } = await createRun(
          { db: t.db, enqueue: r.queue.enqueue },
          { ticket: `ENG-B${i}`, trigger: "test" },
        );
        ids.push(run.id);
      }
      for (const id of ids)
        expect((await waitForRun(t, id, hasEnded, 60_000)).outcome).toBe("RUN_COMPLETE");
    } finally {
      await reconciler.stop();
    }
    const reclaimed = await t.db
      .select({ runId: auditEvents.runId })
      .from(auditEvents)
      .where(eq(auditEvents.type, "lease.reclaimed"));
    expect(reclaimed).toEqual([]);
    expect([...executed.values()].every((n) => n === 1)).toBe(true);
  }, 90_000);

  it("an expired lease is left to a job waiting for its first delivery, and reclaimed once that job is gone", async () => {
    const { run } = await createRun(
      { db: t.db, enqueue: r.queue.enqueue },
      { ticket: "ENG-R1", trigger: "test" },
    );
    // A lease handed to the step's job, expired while the job waits (no worker runs).
    await t.db
      .update(runs)
      .set({ leaseOwner: "w-gone", leaseExpiresAt: sql`now() - interval '1 second'` })
      .where(eq(runs.id, run.id));
    const deps = { db: t.db, queue: r.queue, log: quietLog, actor: "reconciler" };
    expect((await reconcileOnce(deps)).leasesReclaimed).toBe(0);
    expect((await runRow(t, run.id)).leaseOwner).toBe("w-gone");

    // The job is lost (Redis flushed): nobody will take the lease; it is reclaimed.
    await r.queue.queue.remove(phaseJobId(run.id, run.seq));
    expect((await reconcileOnce(deps)).leasesReclaimed).toBe(1);
    const after = await runRow(t, run.id);
    expect(after.leaseOwner).toBeNull();
    expect(after.fencing).toBe(run.fencing + 1);
    const events = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.runId, run.id), eq(auditEvents.type, "lease.reclaimed")));
    expect(events).toHaveLength(1);
  });
});
