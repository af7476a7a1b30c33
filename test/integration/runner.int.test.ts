import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { verifyAudit } from "../../src/audit/audit.ts";
import { effects, runs } from "../../src/db/schema.ts";
import { ErrorCode } from "../../src/domain/errors.ts";
import { PHASES, type Phase } from "../../src/domain/phases.ts";
import type { RunContext } from "../../src/domain/run-context.ts";
import { executeStep } from "../../src/runner/engine.ts";
import { advanceWaitingRun, createRun } from "../../src/runner/runs.ts";
import { commitTransition } from "../../src/runner/transition.ts";
import type { PhaseHandlers } from "../../src/runner/types.ts";
import type { TestDb } from "../setup/db.ts";
import {
  hasEnded,
  isAt,
  runRow,
  type TestRunner,
  transitionsOf,
  useTestRunner,
  waitForRun,
} from "../setup/runner.ts";

describe("runner", () => {
  let t: TestDb;
  let r: TestRunner;
  useTestRunner((db, runner) => {
    t = db;
    r = runner;
  });

  it("a run travels every phase, waits for approval and review, and completes", async () => {
    const seen: Phase[] = [];
    const handlers: PhaseHandlers = Object.fromEntries(
      PHASES.map((p) => [
        p,
        async () => {
          seen.push(p);
          return {};
        },
      ]),
    );
    handlers.CLASSIFY = async () => {
      seen.push("CLASSIFY");
      return { kind: "await_approval", resume: "CREATE_WORKTREE", description: "needs approval" };
    };
    r.startWorker("w1", handlers);
    const { run } = await createRun(
      { db: t.db, enqueue: r.queue.enqueue },
      { ticket: "ENG-1", trigger: "test" },
    );

    await waitForRun(t, run.id, isAt("AWAIT_APPROVAL"));
    await advanceWaitingRun(
      { db: t.db, enqueue: r.queue.enqueue },
      { runId: run.id, from: "AWAIT_APPROVAL", to: "CREATE_WORKTREE" },
      "U_APPROVER",
      "approved",
    );
    await waitForRun(t, run.id, isAt("AWAIT_HUMAN_REVIEW"));
    await advanceWaitingRun(
      { db: t.db, enqueue: r.queue.enqueue },
      { runId: run.id, from: "AWAIT_HUMAN_REVIEW", to: "POST_MERGE_MONITOR" },
      "github",
      "merged",
    );
    const done = await waitForRun(t, run.id, hasEnded);

    expect(done.outcome).toBe("RUN_COMPLETE");
    const path = (await transitionsOf(t, run.id)).map((x) => x.toState);
    expect(["QUEUED", ...path]).toEqual([
      ...PHASES.slice(0, PHASES.indexOf("CREATE_WORKTREE")),
      "AWAIT_APPROVAL",
      ...PHASES.slice(PHASES.indexOf("CREATE_WORKTREE")),
    ]);
    // Wait phases run no handler; every working phase ran exactly once.
    expect(seen).toEqual(PHASES.filter((p) => p !== "AWAIT_HUMAN_REVIEW" && p !== "RUN_COMPLETE"));
    expect((await verifyAudit(t.db, { runId: run.id })).ok).toBe(true);
  });

  it("an exit hands off, writes its learning, then stops on the named outcome", async () => {
    const handedOff: string[] = [];
    r.startWorker("w1", {
      WAIT_FOR_EVIDENCE: async () => ({
        kind: "exit",
        outcome: "NOISE_NO_FIX",
        description: "client aborts",
      }),
      LINEAR_HANDOFF: async (ctx) => {
        handedOff.push(ctx.run.pendingOutcome ?? "");
        return {};
      },
    });
    const { run } = await createRun(
      { db: t.db, enqueue: r.queue.enqueue },
      { ticket: "ENG-2", trigger: "test" },
    );
    const done = await waitForRun(t, run.id, hasEnded);
    expect(done.outcome).toBe("NOISE_NO_FIX");
    expect(handedOff).toEqual(["NOISE_NO_FIX"]);
    const tail = (await transitionsOf(t, run.id)).slice(-3).map((x) => x.toState);
    expect(tail).toEqual(["LINEAR_HANDOFF", "WRITE_CANDIDATE_LEARNING", "NOISE_NO_FIX"]);
  });

  it("refuses an illegal transition and leaves the run where it was", async () => {
    const { run } = await createRun(
      { db: t.db, enqueue: async () => {} },
      { ticket: "ENG-3", trigger: "test" },
    );
    await expect(
      commitTransition(t.db, { run, to: "OPEN_PR", actor: "x", description: "skip the gate" }),
    ).rejects.toMatchObject({ code: ErrorCode.IllegalTransition });
    const after = await runRow(t, run.id);
    expect(after).toMatchObject({ phase: "QUEUED", seq: 0 });
  });

  it("a repeated trigger joins the active run instead of duplicating it", async () => {
    const deps = { db: t.db, enqueue: async () => {} };
    const results = await Promise.all(
      Array.from({ length: 5 }, () => createRun(deps, { ticket: "ENG-4", trigger: "webhook" })),
    );
    expect(results.filter((x) => x.created)).toHaveLength(1);
    expect(new Set(results.map((x) => x.run.id)).size).toBe(1);
  });

  it("two workers racing for the same runs: exactly one executes each phase", async () => {
    const executions = new Map<string, number>();
    const handlers: PhaseHandlers = Object.fromEntries(
      PHASES.map((p) => [
        p,
        async (ctx: { run: { id: string } }) => {
          const key = `${ctx.run.id}/${p}`;
          executions.set(key, (executions.get(key) ?? 0) + 1);
          await new Promise((res) => setTimeout(res, 5));
          return p === "LINEAR_HANDOFF" ? { next: "WRITE_CANDIDATE_LEARNING" as Phase } : {};
        },
      ]),
    );
    r.startWorker("w1", handlers);
    r.startWorker("w2", handlers);
    const ids: string[] = [];
    for (let i = 0; i < 10; i += 1) {
      ids.push(
        (
          await createRun(
            { db: t.db, enqueue: r.queue.enqueue },
            { ticket: `ENG-R${i}`, trigger: "test" },
          )
        ).run.id,
      );
    }
    // The same step also offered directly to both workers at once.
    const direct = await Promise.all([
      executeStep(r.deps("w3", handlers), { runId: ids[0]!, seq: 0 }),
      executeStep(r.deps("w4", handlers), { runId: ids[0]!, seq: 0 }),
    ]);
    expect(direct.filter((o) => o === "executed").length).toBeLessThanOrEqual(1);

    for (const id of ids) expect((await waitForRun(t, id, hasEnded)).outcome).toBe("RUN_COMPLETE");
    expect([...executions.values()].every((n) => n === 1)).toBe(true);
    expect(executions.size).toBe(
      ids.length *
        PHASES.filter(
          (p) => !["AWAIT_HUMAN_REVIEW", "POST_MERGE_MONITOR", "RUN_COMPLETE"].includes(p),
        ).length,
    );
  });

  it("a zombie worker with a stale fencing counter can neither commit nor perform an effect", async () => {
    let release!: () => void;
    const gate = new Promise<void>((res) => (release = res));
    let zombieEffect: unknown;
    let performed = 0;
    const zombieHandlers: PhaseHandlers = {
      QUEUED: async (ctx) => {
        await gate; // stalls past its lease; its heartbeat is too slow to save it
        zombieEffect = await ctx
          .effect({
            name: "slack.parent",
            capability: "slack_post",
            perform: async () => {
              performed++;
              return { externalId: "zombie", result: null };
            },
          })
          .catch((e) => e);
        return {};
      },
    };
    const { run } = await createRun(
      { db: t.db, enqueue: async () => {} },
      { ticket: "ENG-5", trigger: "test" },
    );
    const zombie = executeStep(
      r.deps("zombie", zombieHandlers, { leaseMs: 200, heartbeatMs: 60_000, maxAttempts: 5 }),
      { runId: run.id, seq: 0 },
    );
    await new Promise((res) => setTimeout(res, 400));

    const fresh = await executeStep(r.deps("fresh", {}), { runId: run.id, seq: 0 });
    expect(fresh).toBe("executed");
    release();
    expect(await zombie).toBe("stale");
    expect(zombieEffect).toMatchObject({ code: ErrorCode.StaleFencing });
    expect(performed).toBe(0);
    const ledger = await t.db.select().from(effects);
    expect(ledger.every((e) => e.status === "pending" && e.externalId === null)).toBe(true);
    const path = await transitionsOf(t, run.id);
    expect(path.map((x) => [x.toState, x.worker])).toEqual([["PRECHECK", "fresh"]]);
  });

  it("a phase's patch reaches the next phase parsed; an older row's unknown keys are dropped", async () => {
    const offline = { db: t.db, enqueue: async () => {} };
    const { run } = await createRun(offline, {
      ticket: "ENG-7",
      trigger: "test",
      context: { team: "payments" },
    });
    // A key an older prode wrote, which no field of RunContext names any more.
    await t.db
      .update(runs)
      .set({ context: { team: "payments", milestone: "decision" } })
      .where(eq(runs.id, run.id));
    const seen: RunContext[] = [];
    const handlers: PhaseHandlers = {
      QUEUED: async () => ({ patch: { bundleSha: "b".repeat(64), approvalIds: ["apr_1"] } }),
      PRECHECK: async (ctx) => {
        seen.push(ctx.context);
        return {};
      },
    };
    expect(await executeStep(r.deps("w1", handlers), { runId: run.id, seq: 0 })).toBe("executed");
    expect(await executeStep(r.deps("w1", handlers), { runId: run.id, seq: 1 })).toBe("executed");
    expect(seen).toEqual([{ team: "payments", bundleSha: "b".repeat(64), approvalIds: ["apr_1"] }]);
    // The row keeps what it had: reading drops the unknown key, writing never rewrites it.
    expect((await runRow(t, run.id)).context).toMatchObject({ milestone: "decision" });
  });

  it("a run whose stored context does not parse fails with bad_input before its phase runs", async () => {
    const { run } = await createRun(
      { db: t.db, enqueue: async () => {} },
      { ticket: "ENG-8", trigger: "test" },
    );
    await t.db
      .update(runs)
      .set({ context: { team: 42 } })
      .where(eq(runs.id, run.id));
    let ran = false;
    const handlers: PhaseHandlers = {
      QUEUED: async () => {
        ran = true;
        return {};
      },
    };
    expect(await executeStep(r.deps("w1", handlers), { runId: run.id, seq: 0 })).toBe("failed");
    expect(ran).toBe(false);
    const failed = await runRow(t, run.id);
    expect(failed.outcome).toBe("FAILED");
    expect(failed.error).toMatch(/^bad_input: run context does not parse: .*team/s);
  });
});
