import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditEvents } from "../../src/db/schema.ts";
import { PHASES } from "../../src/domain/phases.ts";
import { startReconciler } from "../../src/runner/reconciler.ts";
import { createRun } from "../../src/runner/runs.ts";
import type { PhaseContext, PhaseHandlers, RunnerTiming } from "../../src/runner/types.ts";
import type { TestDb } from "../setup/db.ts";
import { hasEnded, quietLog, type TestRunner, useTestRunner, waitForRun } from "../setup/runner.ts";

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
});
