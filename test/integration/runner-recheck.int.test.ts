import { describe, expect, it } from "vitest";
import { phaseJobId } from "../../src/runner/ids.ts";
import { createRedis } from "../../src/runner/queue.ts";
import { reconcileOnce } from "../../src/runner/reconciler.ts";
import { advanceWaitingRun, createRun } from "../../src/runner/runs.ts";
import type {
  PhaseContext,
  PhaseHandlers,
  PhaseResult,
  RunnerDeps,
} from "../../src/runner/types.ts";
import { type PhaseWorker, startPhaseWorker } from "../../src/runner/worker.ts";
import type { TestDb } from "../setup/db.ts";
import { TEST_REDIS_URL } from "../setup/env.ts";
import {
  hasEnded,
  isAt,
  quietLog,
  runRow,
  type TestRunner,
  transitionsOf,
  useTestRunner,
  waitForRun,
} from "../setup/runner.ts";

/**
 * A step due later (PhaseResult "recheck", ADR 0017) on real Postgres and Redis: the run
 * commits a new step of the same phase with its due time, holds no lease, sleeps on a
 * BullMQ delayed job; a lost job comes back from the reconciler with the time left, and a
 * job that wakes the step early is sent back to sleep without spending an attempt.
 */
describe("a phase that checks again later", () => {
  let t: TestDb;
  let r: TestRunner;
  useTestRunner((db, runner) => {
    t = db;
    r = runner;
  });

  /**
   * A worker whose POST_MERGE_MONITOR answers with `monitor(call, ctx)`; every other phase
   * goes straight on. The run is walked to AWAIT_HUMAN_REVIEW and moved to the monitor.
   */
  async function monitoredRun(monitor: (call: number, ctx: PhaseContext) => Promise<PhaseResult>) {
    const calls: { at: number; attempt: number }[] = [];
    const handlers: PhaseHandlers = {
      POST_MERGE_MONITOR: async (ctx) => {
        calls.push({ at: Date.now(), attempt: ctx.run.attempt });
        return monitor(calls.length, ctx);
      },
    };
    const deps: RunnerDeps = {
      ...r.deps("w1", handlers),
      // The production wiring's enqueue (src/compose/processes.ts): the delay goes through.
      enqueue: (data, options) => r.queue.enqueue(data, options),
    };
    const connection = createRedis(TEST_REDIS_URL);
    const worker: PhaseWorker = startPhaseWorker(deps, {
      connection,
      prefix: r.prefix,
      concurrency: 2,
      lockDurationMs: 2_000,
      stalledIntervalMs: 1_000,
      shutdownGraceMs: 2_000,
    });
    const { run } = await createRun(deps, { ticket: `RC-${Date.now()}`, trigger: "t" });
    await waitForRun(t, run.id, isAt("AWAIT_HUMAN_REVIEW"));
    await advanceWaitingRun(
      deps,
      { runId: run.id, from: "AWAIT_HUMAN_REVIEW", to: "POST_MERGE_MONITOR" },
      "test",
      "merged",
    );
    return {
      run,
      calls,
      async close() {
        await worker.close();
        connection.disconnect();
      },
    };
  }

  it("sleeps on a delayed job without a lease, checks again when due, and performs the deciding step's effect once", async () => {
    let performed = 0;
    const m = await monitoredRun(async (call, ctx) => {
      if (call < 3) {
        return {
          kind: "recheck",
          at: new Date(ctx.now().getTime() + 700),
          description: `check ${call}: not yet`,
        };
      }
      await ctx.effect({
        name: "monitor.verdict.post",
        capability: "slack_post",
        perform: async () => {
          performed += 1;
          return { externalId: "m1", result: null };
        },
      });
      return { next: "WRITE_CANDIDATE_LEARNING", description: "decided" };
    });
    try {
      const sleeping = await waitForRun(t, m.run.id, (x) => x.wakeAt !== null);
      expect(sleeping.phase).toBe("POST_MERGE_MONITOR");
      expect(sleeping.leaseOwner).toBeNull();
      expect(await r.queue.queue.getJobState(phaseJobId(sleeping.id, sleeping.seq))).toBe(
        "delayed",
      );
      const done = await waitForRun(t, m.run.id, hasEnded);
      expect(done.outcome).toBe("RUN_COMPLETE");
      expect(done.wakeAt).toBeNull();
      expect(m.calls).toHaveLength(3);
      // Each re-check waited for its due time.
      expect(m.calls[1]!.at - m.calls[0]!.at).toBeGreaterThanOrEqual(650);
      expect(m.calls[2]!.at - m.calls[1]!.at).toBeGreaterThanOrEqual(650);
      expect(performed).toBe(1);
      const moves = (await transitionsOf(t, m.run.id)).filter(
        (x) => x.fromState === "POST_MERGE_MONITOR",
      );
      expect(moves.map((x) => `${x.toState}: ${x.description}`)).toEqual([
        "POST_MERGE_MONITOR: check 1: not yet",
        "POST_MERGE_MONITOR: check 2: not yet",
        "WRITE_CANDIDATE_LEARNING: decided",
      ]);
    } finally {
      await m.close();
    }
  });

  it("a delayed job Redis lost comes back from the reconciler with the time left, not at once", async () => {
    const m = await monitoredRun(async (call, ctx) =>
      call === 1
        ? { kind: "recheck", at: new Date(ctx.now().getTime() + 3_000), description: "not yet" }
        : { next: "WRITE_CANDIDATE_LEARNING", description: "decided" },
    );
    try {
      const sleeping = await waitForRun(t, m.run.id, (x) => x.wakeAt !== null);
      const jobId = phaseJobId(sleeping.id, sleeping.seq);
      await r.queue.queue.remove(jobId);
      expect(await r.queue.queue.getJobState(jobId)).toBe("unknown");
      const report = await reconcileOnce({ db: t.db, queue: r.queue, log: quietLog, actor: "rec" });
      expect(report.reenqueued).toBe(1);
      const job = await r.queue.queue.getJob(jobId);
      expect(await job!.getState()).toBe("delayed");
      const left = sleeping.wakeAt!.getTime() - Date.now();
      expect(job!.opts.delay).toBeGreaterThan(left - 1_000);
      expect(job!.opts.delay).toBeLessThanOrEqual(3_000);
      const done = await waitForRun(t, m.run.id, hasEnded);
      expect(done.outcome).toBe("RUN_COMPLETE");
      expect(m.calls).toHaveLength(2);
      expect(m.calls[1]!.at).toBeGreaterThanOrEqual(sleeping.wakeAt!.getTime() - 50);
    } finally {
      await m.close();
    }
  });

  it("a job that wakes the step early is sent back to sleep, and the wait spends no attempt", async () => {
    const m = await monitoredRun(async (call, ctx) =>
      call === 1
        ? { kind: "recheck", at: new Date(ctx.now().getTime() + 1_500), description: "not yet" }
        : { next: "WRITE_CANDIDATE_LEARNING", description: "decided" },
    );
    try {
      const sleeping = await waitForRun(t, m.run.id, (x) => x.wakeAt !== null);
      const jobId = phaseJobId(sleeping.id, sleeping.seq);
      await r.queue.queue.remove(jobId);
      // A wake-up call without its delay (an older enqueuer, a hand-made job).
      await r.queue.enqueue({ runId: sleeping.id, seq: sleeping.seq, phase: "POST_MERGE_MONITOR" });
      const done = await waitForRun(t, m.run.id, hasEnded);
      expect(done.outcome).toBe("RUN_COMPLETE");
      expect(m.calls).toHaveLength(2);
      expect(m.calls[1]!.at).toBeGreaterThanOrEqual(sleeping.wakeAt!.getTime() - 50);
      // The early wake-up gave its attempt back: the due step ran as its first attempt.
      expect(m.calls[1]!.attempt).toBe(1);
      expect((await runRow(t, m.run.id)).leaseOwner).toBeNull();
    } finally {
      await m.close();
    }
  });
});
