import { asc, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { effects } from "../../src/db/schema.ts";
import { engage, release } from "../../src/policy/kill-switches.ts";
import { reconcileOnce } from "../../src/runner/reconciler.ts";
import { createRun } from "../../src/runner/runs.ts";
import type { PhaseHandlers } from "../../src/runner/types.ts";
import type { TestDb } from "../setup/db.ts";
import {
  hasEnded,
  isAt,
  quietLog,
  runRow,
  type TestRunner,
  useTestRunner,
  waitForRun,
} from "../setup/runner.ts";

describe("kill switches in the runner", () => {
  let t: TestDb;
  let r: TestRunner;
  useTestRunner((db, runner) => {
    t = db;
    r = runner;
  });

  it("an engaged kill switch stops a running run before its next external effect", async () => {
    const performed: string[] = [];
    let midPhase!: () => void;
    const reachedMidPhase = new Promise<void>((res) => (midPhase = res));
    let proceed!: () => void;
    const mayProceed = new Promise<void>((res) => (proceed = res));
    let firstPass = true;
    const handlers: PhaseHandlers = {
      LINEAR_HANDOFF: async () => ({ next: "WRITE_CANDIDATE_LEARNING" }),
      IMPLEMENT: async (ctx) => {
        await ctx.effect({
          name: "slack.reply.implement",
          capability: "slack_post",
          perform: async () => {
            performed.push("slack");
            return { externalId: "ts1", result: null };
          },
        });
        if (firstPass) {
          firstPass = false;
          midPhase();
          await mayProceed;
        }
        await ctx.effect({
          name: "github.pr",
          capability: "open_pr",
          perform: async () => {
            performed.push("pr");
            return { externalId: "pr1", result: null };
          },
        });
        return {};
      },
    };
    r.startWorker("w1", handlers);
    const { run } = await createRun(
      { db: t.db, enqueue: r.queue.enqueue },
      { ticket: "ENG-K", trigger: "test" },
    );
    await reachedMidPhase;
    await engage(t.db, "global", "", { actor: "U_ADMIN", reason: "incident review" });
    proceed();

    // The phase stops before the PR; the run stays at IMPLEMENT with its lease released.
    await waitForRun(t, run.id, (x) => x.phase === "IMPLEMENT" && x.leaseOwner === null);
    await new Promise((res) => setTimeout(res, 300));
    expect(performed).toEqual(["slack"]);
    const stopped = await runRow(t, run.id);
    expect(stopped?.outcome).toBeNull();

    // Released: the reconciler wakes it; the finished effect is not repeated.
    await release(t.db, "global", "", { actor: "U_ADMIN", reason: "done" });
    await reconcileOnce({ db: t.db, queue: r.queue, log: quietLog, actor: "reconciler" });
    expect((await waitForRun(t, run.id, hasEnded)).outcome).toBe("RUN_COMPLETE");
    expect(performed).toEqual(["slack", "pr"]);
    const ledger = await t.db.select().from(effects).orderBy(asc(effects.name));
    expect(ledger.map((e) => [e.name, e.status])).toEqual([
      ["github.pr", "done"],
      ["slack.reply.implement", "done"],
    ]);
  });

  it("a team switch holds that team's runs before their next phase and leaves others alone", async () => {
    r.startWorker("w1", { LINEAR_HANDOFF: async () => ({ next: "WRITE_CANDIDATE_LEARNING" }) });
    await engage(t.db, "team", "payments", { actor: "U_ADMIN", reason: "freeze" });
    const deps = { db: t.db, enqueue: r.queue.enqueue };
    const held = await createRun(deps, {
      ticket: "PAY-1",
      trigger: "test",
      context: { team: "payments" },
    });
    const free = await createRun(deps, {
      ticket: "ONB-1",
      trigger: "test",
      context: { team: "onboarding" },
    });
    expect((await waitForRun(t, free.run.id, hasEnded)).outcome).toBe("RUN_COMPLETE");
    const still = await runRow(t, held.run.id);
    expect(still).toMatchObject({ phase: "QUEUED", outcome: null });
    const paused = await t.db.execute(
      sql`select count(*)::int as n from audit_events where type = 'kill_switch.engaged'`,
    );
    expect(
      ((paused as { rows?: { n: number }[] }).rows ?? (paused as unknown as { n: number }[]))[0]?.n,
    ).toBe(1);
    await release(t.db, "team", "payments", { actor: "U_ADMIN", reason: "thaw" });
    await reconcileOnce({ db: t.db, queue: r.queue, log: quietLog, actor: "reconciler" });
    await waitForRun(t, held.run.id, isAt("RUN_COMPLETE"));
  });

  it("a capability switch on the coding agent holds a run before IMPLEMENT starts, not before earlier phases", async () => {
    const reached: string[] = [];
    const mark = (phase: string) => async () => {
      reached.push(phase);
      return {};
    };
    r.startWorker("w1", {
      CLASSIFY: async () => ({ next: "CREATE_WORKTREE" }),
      CREATE_WORKTREE: mark("CREATE_WORKTREE"),
      IMPLEMENT: mark("IMPLEMENT"),
      LINEAR_HANDOFF: async () => ({ next: "WRITE_CANDIDATE_LEARNING" }),
    });
    await engage(t.db, "capability", "run_coding_agent", {
      actor: "U_ADMIN",
      reason: "agent review",
    });
    const { run } = await createRun(
      { db: t.db, enqueue: r.queue.enqueue },
      { ticket: "ENG-AGENT", trigger: "test" },
    );
    await waitForRun(t, run.id, (x) => x.phase === "IMPLEMENT" && x.leaseOwner === null);
    await new Promise((res) => setTimeout(res, 300));
    expect(reached).toEqual(["CREATE_WORKTREE"]);
    expect((await runRow(t, run.id))?.outcome).toBeNull();
    await release(t.db, "capability", "run_coding_agent", { actor: "U_ADMIN", reason: "done" });
    await reconcileOnce({ db: t.db, queue: r.queue, log: quietLog, actor: "reconciler" });
    await waitForRun(t, run.id, hasEnded);
    expect(reached).toEqual(["CREATE_WORKTREE", "IMPLEMENT"]);
  });
});
