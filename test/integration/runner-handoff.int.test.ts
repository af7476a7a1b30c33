import { beforeEach, describe, expect, it } from "vitest";
import { verifyAudit } from "../../src/audit/audit.ts";
import { AppError, ErrorCode } from "../../src/domain/errors.ts";
import { executeStep } from "../../src/runner/engine.ts";
import { LeaseHandoffs } from "../../src/runner/lease-handoff.ts";
import { createRun, stopRun } from "../../src/runner/runs.ts";
import { commitTransition } from "../../src/runner/transition.ts";
import type { PhaseHandlers, RunnerDeps, StepJob } from "../../src/runner/types.ts";
import type { TestDb } from "../setup/db.ts";
import {
  FAST_TIMING,
  runRow,
  type TestRunner,
  transitionsOf,
  useTestRunner,
} from "../setup/runner.ts";

/**
 * ADR 0010: a committed step keeps the run leased for its next job. The worker that
 * committed runs that job without a lease statement; any other worker adopts the lease
 * at once with the fencing counter the job carries, fencing out the first.
 */
describe("lease handoff between steps", () => {
  let t: TestDb;
  let r: TestRunner;
  const jobs: StepJob[] = [];
  const noop: PhaseHandlers = {};

  useTestRunner((db, runner) => {
    t = db;
    r = runner;
  });
  beforeEach(() => {
    jobs.length = 0;
  });

  /**
   * A worker whose next-step jobs are collected here instead of queued; it keeps the
   * run leased for the next job unless `keepsLease` is false.
   */
  function worker(
    id: string,
    handlers: PhaseHandlers = noop,
    { keepsLease = true }: { keepsLease?: boolean } = {},
  ): RunnerDeps {
    return {
      ...r.deps(id, handlers),
      ...(keepsLease ? { handoffs: new LeaseHandoffs({ leaseMs: FAST_TIMING.leaseMs }) } : {}),
      enqueue: async (job) => {
        jobs.push(job);
      },
    };
  }

  /** PRECHECK performs one ledger effect (a Slack post), after `gate` if given. */
  function posting(count: { performed: number }, gate?: Promise<void>): PhaseHandlers {
    return {
      PRECHECK: async (ctx) => {
        if (gate) await gate;
        await ctx.effect({
          name: "slack.parent",
          capability: "slack_post",
          perform: async () => {
            count.performed += 1;
            return { externalId: "ts-1", result: null };
          },
        });
        return {};
      },
    };
  }

  /** PRECHECK does nothing but note the attempt it ran as in `seen`. */
  function recordingAttempt(seen: { attempt: number }): PhaseHandlers {
    return {
      PRECHECK: async (ctx) => {
        seen.attempt = ctx.run.attempt;
        return {};
      },
    };
  }

  /** Creates a run, has `a` execute its first step, and takes the job that step queued. */
  async function started(a: RunnerDeps) {
    const { run } = await createRun(a, { ticket: "ENG-H", trigger: "test" });
    expect(await executeStep(a, jobs.shift()!)).toBe("executed");
    return { runId: run.id, next: jobs.shift()! };
  }

  const row = (id: string) => runRow(t, id);
  const path = async (id: string) =>
    (await transitionsOf(t, id)).map((x) => ({
      to: x.toState,
      worker: x.worker,
      fencing: x.fencing,
    }));

  it("keeps the run leased for the next job, which the same worker runs under that lease", async () => {
    const a = worker("A");
    const { runId, next } = await started(a);
    const held = await row(runId);
    expect(next).toMatchObject({ runId, seq: 1, phase: "PRECHECK", lease: held.fencing });
    expect(held).toMatchObject({ leaseOwner: "A", attempt: 1 });
    expect(held.leaseExpiresAt!.getTime()).toBeGreaterThan(Date.now());

    expect(await executeStep(a, next)).toBe("executed");
    // Committed under the handed counter itself: no lease was taken in Postgres.
    expect((await path(runId))[1]).toEqual({
      to: "FETCH_LINEAR",
      worker: "A",
      fencing: next.lease,
    });
    expect((await verifyAudit(t.db, { runId })).ok).toBe(true);
  });

  it("lets another worker adopt the handed lease at once, and fences out the first", async () => {
    const count = { performed: 0 };
    const a = worker("A", posting(count));
    const { runId, next } = await started(a);

    // B gets the job while A's lease is far from expiry (FAST_TIMING: 1.5 s).
    const b = worker("B", posting(count));
    expect(await executeStep(b, next)).toBe("executed");
    expect((await path(runId))[1]).toEqual({
      to: "FETCH_LINEAR",
      worker: "B",
      fencing: next.lease! + 1,
    });

    // The same job reaching A again (a duplicate) finds the run moved on: nothing runs twice.
    expect(await executeStep(a, next)).toBe("stale");
    expect(count.performed).toBe(1);
    expect((await path(runId)).length).toBe(2);
  });

  it("a redelivered job never uses a kept lease: it waits for the lease to expire", async () => {
    const a = worker("A");
    const { runId, next } = await started(a);
    // Neither the kept row nor the job's counter: the lease is live, so not now.
    expect(await executeStep(a, { ...next, redelivered: true })).toBe("leased_elsewhere");
    expect(await executeStep(worker("B"), { ...next, redelivered: true })).toBe("leased_elsewhere");
    await new Promise((res) => setTimeout(res, FAST_TIMING.leaseMs + 100));
    const seen = { attempt: 0 };
    const b = worker("B", recordingAttempt(seen));
    expect(await executeStep(b, { ...next, redelivered: true })).toBe("executed");
    expect((await path(runId))[1]).toMatchObject({ worker: "B", fencing: next.lease! + 1 });
    expect(seen.attempt).toBe(2); // a retry of the step: attempts count on
  });

  it("while a worker runs a step under its kept lease, a redelivery elsewhere runs nothing", async () => {
    let release!: () => void;
    const gate = new Promise<void>((res) => (release = res));
    const count = { performed: 0 };
    const a = worker("A", posting(count, gate));
    const { runId, next } = await started(a);
    const first = executeStep(a, next); // under the kept lease, held at the gate
    await new Promise((res) => setTimeout(res, 50));
    // The queue thought A stalled and gave the job to B: B must not take the live lease.
    expect(await executeStep(worker("B", posting(count)), { ...next, redelivered: true })).toBe(
      "leased_elsewhere",
    );
    release();
    expect(await first).toBe("executed");
    expect(count.performed).toBe(1);
    expect((await path(runId)).map((x) => x.worker)).toEqual(["A", "A"]);
  });

  it("a step adopted by another worker is its first attempt", async () => {
    const a = worker("A");
    const { runId, next } = await started(a);
    const seen = { attempt: 0 };
    const b = worker("B", recordingAttempt(seen));
    expect(await executeStep(b, next)).toBe("executed");
    expect(seen.attempt).toBe(1);
    expect((await path(runId))[1]).toMatchObject({ worker: "B" });
  });

  it("a commit reported stale that was in fact its own goes on to the next step", async () => {
    const a = worker("A");
    const { runId, next } = await started(a);
    // The connection dropped after Postgres committed: the retry saw the run moved on.
    const lostReply: RunnerDeps = {
      ...a,
      commits: {
        commit: async (request) => {
          await commitTransition(t.db, request);
          throw new AppError(ErrorCode.StaleFencing, "run moved on (stale writer)");
        },
      },
    };
    expect(await executeStep(lostReply, next)).toBe("executed");
    const following = jobs.shift()!;
    expect(following).toMatchObject({ runId, seq: 2, phase: "FETCH_LINEAR" });
    expect(following.lease).toBe((await row(runId)).fencing);
    expect(await executeStep(a, following)).toBe("executed"); // under the kept lease
    expect((await path(runId)).map((x) => x.worker)).toEqual(["A", "A", "A"]);
  });

  it("a stale commit by another writer stays stale", async () => {
    const a = worker("A");
    const { runId, next } = await started(a);
    const beaten: RunnerDeps = {
      ...a,
      commits: {
        commit: async (request) => {
          // Someone else (a fenced stop) ended the run first.
          await stopRun(t.db, request.run.id, "SUPERSEDED", "linear", "ticket closed");
          return commitTransition(t.db, request);
        },
      },
    };
    expect(await executeStep(beaten, next)).toBe("stale");
    expect(jobs).toHaveLength(0);
    expect(await row(runId)).toMatchObject({ outcome: "SUPERSEDED" });
  });

  it("a run with no kept lease is released at commit, as before", async () => {
    const { runId, next } = await started(worker("P", noop, { keepsLease: false }));
    expect(next).toEqual({ runId, seq: 1, phase: "PRECHECK" });
    expect(await row(runId)).toMatchObject({ leaseOwner: null, leaseExpiresAt: null });
  });
});
