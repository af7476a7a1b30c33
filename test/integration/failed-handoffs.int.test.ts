import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditEvents, effects } from "../../src/db/schema.ts";
import { AppError, ErrorCode } from "../../src/domain/errors.ts";
import { killSwitchCheck } from "../../src/policy/kill-switch-check.ts";
import { engage } from "../../src/policy/kill-switches.ts";
import { effectKey } from "../../src/runner/effects.ts";
import {
  FAILED_HANDOFF_EFFECT,
  type FailedHandoffDeps,
  handOffFailedRuns,
} from "../../src/runner/failed-handoffs.ts";
import { createRun } from "../../src/runner/runs.ts";
import { commitTransition } from "../../src/runner/transition.ts";
import type { PhaseContext, PhaseHandler } from "../../src/runner/types.ts";
import type { TestDb } from "../setup/db.ts";
import { quietLog, runRow, type TestRunner, useTestRunner } from "../setup/runner.ts";

/**
 * Issue 17, item 2: a run that FAILED (a provider down past the bound) still writes its
 * handoff once the provider is back. The reconciler's sweep runs the stop's handoff for
 * FAILED runs without one, backs off per run while it fails, and writes it once.
 */
describe("the handoff of FAILED runs", () => {
  let t: TestDb;
  let r: TestRunner;
  useTestRunner((db, runner) => {
    t = db;
    r = runner;
  });

  async function failedRun(ticket: string) {
    const { run } = await createRun(
      { db: t.db, enqueue: r.queue.enqueue },
      { ticket, trigger: "test" },
    );
    await commitTransition(t.db, {
      run,
      to: "FAILED",
      actor: "w1",
      description: "FETCH_LINEAR failed: upstream_unavailable",
      error: "upstream_unavailable: Linear unavailable; the provider stayed unavailable",
    });
    return run.id;
  }

  const sweep = (handoff: PhaseHandler, retryBaseMs: number): FailedHandoffDeps => ({
    db: t.db,
    log: quietLog,
    workerId: "reconciler@w1",
    handoff,
    killSwitch: killSwitchCheck(t.db),
    retryBaseMs,
  });

  it("retries after its backoff while the provider is down, then writes it once", async () => {
    const id = await failedRun("ENG-1701");
    const seen: PhaseContext[] = [];
    let providerUp = false;
    const handoff: PhaseHandler = async (ctx) => {
      seen.push(ctx);
      await ctx.effect({
        name: "linear.comment",
        capability: "linear_comment",
        perform: async () => {
          if (!providerUp)
            throw new AppError(ErrorCode.UpstreamUnavailable, "Linear down", { retryable: true });
          return { externalId: "comment-1", result: null };
        },
      });
      return { description: "handoff on ENG-1701" };
    };

    expect(await handOffFailedRuns(sweep(handoff, 0))).toBe(0);
    expect(seen).toHaveLength(1);
    // The handoff sees a FAILED stop whose reasons name the failure.
    expect(seen[0]?.run.pendingOutcome).toBe("FAILED");
    expect(seen[0]?.context.decision?.reasons.join(" ")).toMatch(/Linear unavailable/);
    // Within its backoff the run is not tried again.
    expect(await handOffFailedRuns(sweep(handoff, 60_000))).toBe(0);
    expect(seen).toHaveLength(1);

    providerUp = true;
    expect(await handOffFailedRuns(sweep(handoff, 0))).toBe(1);
    expect(await handOffFailedRuns(sweep(handoff, 0))).toBe(0);
    expect(seen).toHaveLength(2);

    const [marker] = await t.db
      .select()
      .from(effects)
      .where(eq(effects.key, effectKey(id, FAILED_HANDOFF_EFFECT)));
    expect(marker).toMatchObject({ status: "done", attempts: 2 });
    const audited = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.runId, id), eq(auditEvents.type, "run.failed_handoff")));
    expect(audited).toHaveLength(1);
    const row = await runRow(t, id);
    expect(row.outcome).toBe("FAILED");
    expect(row.leaseOwner).toBeNull();
  });

  it("a kill switch on the effect holds the handoff until it is released", async () => {
    await failedRun("ENG-1702");
    let performed = 0;
    const handoff: PhaseHandler = async (ctx) => {
      await ctx.effect({
        name: "linear.comment",
        capability: "linear_comment",
        perform: async () => {
          performed += 1;
          return { externalId: "comment-2", result: null };
        },
      });
      return {};
    };
    await engage(t.db, "capability", "linear_comment", { actor: "U_ADMIN", reason: "storm" });
    expect(await handOffFailedRuns(sweep(handoff, 0))).toBe(0);
    expect(performed).toBe(0);
  });
});
