import { and, asc, eq, like } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startWorld, type World } from "../../sim/server.ts";
import { createLinearGateway, type LinearGateway } from "../../src/adapters/linear/client.ts";
import { verifyAudit } from "../../src/audit/audit.ts";
import { auditEvents, effects, runs } from "../../src/db/schema.ts";
import { AppError, ErrorCode } from "../../src/domain/errors.ts";
import { handoffMarker } from "../../src/domain/handoff-comment.ts";
import { writeHandoffComment } from "../../src/phases/linear-comment.ts";
import { engage, release } from "../../src/policy/kill-switches.ts";
import { executeStep } from "../../src/runner/engine.ts";
import { createRun, stopRun } from "../../src/runner/runs.ts";
import type { PhaseHandlers, RunnerDeps } from "../../src/runner/types.ts";
import type { TestDb } from "../setup/db.ts";
import { runRow, type TestRunner, useTestRunner } from "../setup/runner.ts";

/**
 * The run-owned Linear comment goes through the effect ledger for its creation and for
 * every update (ADR 0002): against the simulated Linear, a retry or a lost reply never
 * posts a second comment, and the `linear_comment` kill switch stops the update too.
 */
describe("the handoff's Linear comment through the effect ledger", () => {
  const TICKET = "ENG-4821";
  const marker = handoffMarker(TICKET);
  let t: TestDb;
  let r: TestRunner;
  let world: World;
  let linear: LinearGateway;

  useTestRunner((db, runner) => {
    t = db;
    r = runner;
  });
  beforeEach(async () => {
    world = await startWorld({ scenario: "backend-500-pr" });
    linear = createLinearGateway({
      apiKey: world.scenario.linear.apiKey,
      apiUrl: world.urls.linear,
    });
  });
  afterEach(async () => {
    await world.close();
  });

  const bodyOf = (runId: string, attempt: number) =>
    `${marker}\nhandoff of ${runId}, attempt ${attempt}`;
  const prodeComments = () =>
    world.state.linear.comments(TICKET).filter((c) => c.body.includes(marker));
  const linearWrites = () =>
    world
      .calls({ service: "linear" })
      .map((c) => c.method)
      .filter((m) => m === "commentCreate" || m === "commentUpdate");

  /**
   * LINEAR_HANDOFF writes the comment; `after` runs once it is written (a crash there
   * leaves the step to be retried with the comment already on the ticket).
   */
  function handoff(gateway: LinearGateway, after?: () => void): PhaseHandlers {
    return {
      LINEAR_HANDOFF: async (ctx) => {
        await writeHandoffComment(ctx, gateway, TICKET, bodyOf(ctx.run.id, ctx.run.attempt));
        after?.();
        return {};
      },
    };
  }

  const worker = (handlers: PhaseHandlers): RunnerDeps => ({
    ...r.deps("w1", handlers),
    enqueue: async () => {},
  });

  /** A run of the ticket waiting at LINEAR_HANDOFF, and the job for that step. */
  async function atHandoff() {
    const { run } = await createRun(
      { db: t.db, enqueue: async () => {} },
      { ticket: TICKET, trigger: "test" },
    );
    await t.db.update(runs).set({ phase: "LINEAR_HANDOFF" }).where(eq(runs.id, run.id));
    return {
      runId: run.id,
      job: { runId: run.id, seq: run.seq, phase: "LINEAR_HANDOFF" as const },
    };
  }

  const ledger = (runId: string) =>
    t.db
      .select({ name: effects.name, status: effects.status, externalId: effects.externalId })
      .from(effects)
      .where(eq(effects.runId, runId))
      .orderBy(asc(effects.name));
  const effectEvents = async (runId: string) =>
    (
      await t.db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.runId, runId), like(auditEvents.type, "effect.%")))
        .orderBy(asc(auditEvents.seq))
    ).map((e) => [e.type, e.payload.name]);

  it("a create whose reply was lost is found by its marker on retry, not posted again", async () => {
    let lost = false;
    const replyLost: LinearGateway = {
      ...linear,
      // Linear created the comment; the worker never heard back.
      createComment: async (key, body) => {
        await linear.createComment(key, body);
        lost = true;
        throw new AppError(ErrorCode.UpstreamUnavailable, "socket hang up", { retryable: true });
      },
    };
    const { runId, job } = await atHandoff();
    expect(await executeStep(worker(handoff(replyLost)), job)).toBe("waiting");
    expect(lost).toBe(true);
    expect(await executeStep(worker(handoff(replyLost)), job)).toBe("executed");

    const comments = prodeComments();
    expect(comments).toHaveLength(1);
    // Reconciled by its marker, then brought up to date by this step's update effect.
    expect(comments[0]?.body).toBe(bodyOf(runId, 2));
    expect(linearWrites()).toEqual(["commentCreate", "commentUpdate"]);
    expect(await ledger(runId)).toEqual([
      { name: "linear.comment", status: "done", externalId: comments[0]!.id },
      { name: "linear.comment.update.0", status: "done", externalId: comments[0]!.id },
    ]);
    expect(await effectEvents(runId)).toEqual([
      ["effect.reconciled", "linear.comment"],
      ["effect.performed", "linear.comment.update.0"],
    ]);
    expect((await runRow(t, runId)).phase).toBe("AWAIT_HUMAN_REVIEW");
    expect((await verifyAudit(t.db, { runId })).ok).toBe(true);
  });

  it("a later run on the ticket updates the same comment in place, through the ledger", async () => {
    const first = await atHandoff();
    expect(await executeStep(worker(handoff(linear)), first.job)).toBe("executed");
    expect(await effectEvents(first.runId)).toEqual([["effect.performed", "linear.comment"]]);
    await stopRun(t.db, first.runId, "SUPERSEDED", "test", "rerun");

    const second = await atHandoff();
    expect(await executeStep(worker(handoff(linear)), second.job)).toBe("executed");
    const comments = prodeComments();
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toBe(bodyOf(second.runId, 1));
    expect(linearWrites()).toEqual(["commentCreate", "commentUpdate"]);
    expect(await effectEvents(second.runId)).toEqual([
      ["effect.performed", "linear.comment"],
      ["effect.performed", "linear.comment.update.0"],
    ]);
  });

  it("the linear_comment kill switch stops the update of a comment already written", async () => {
    let crash = true;
    // The first attempt dies after writing the comment, before it could commit.
    const crashesOnce = handoff(linear, () => {
      if (crash) {
        crash = false;
        throw new AppError(ErrorCode.UpstreamUnavailable, "worker lost", { retryable: true });
      }
    });
    const { runId, job } = await atHandoff();
    expect(await executeStep(worker(crashesOnce), job)).toBe("waiting");
    expect(linearWrites()).toEqual(["commentCreate"]);

    await engage(t.db, "capability", "linear_comment", { actor: "U_ADMIN", reason: "noisy" });
    expect(await executeStep(worker(crashesOnce), job)).toBe("paused");
    expect(linearWrites()).toEqual(["commentCreate"]);
    expect(prodeComments()[0]?.body).toBe(bodyOf(runId, 1));
    expect((await runRow(t, runId)).phase).toBe("LINEAR_HANDOFF");

    await release(t.db, "capability", "linear_comment", { actor: "U_ADMIN", reason: "ok" });
    expect(await executeStep(worker(crashesOnce), job)).toBe("executed");
    expect(linearWrites()).toEqual(["commentCreate", "commentUpdate"]);
    expect(prodeComments()).toHaveLength(1);
    expect(prodeComments()[0]?.body).toBe(bodyOf(runId, 3));
    expect((await verifyAudit(t.db, { runId })).ok).toBe(true);
  });
});
