import { and, eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startWorld, type World } from "../../sim/server.ts";
import { createSlackWebClient } from "../../src/adapters/slack/client.ts";
import { auditEvents, effects } from "../../src/db/schema.ts";
import { classify, decideGate } from "../../src/domain/classifier.ts";
import { AppError, ErrorCode, isAppError } from "../../src/domain/errors.ts";
import { engage } from "../../src/policy/kill-switches.ts";
import { effectKey } from "../../src/runner/effects.ts";
import { executeStep } from "../../src/runner/engine.ts";
import type { MilestoneKind, TriageSnapshot } from "../../src/runner/ports.ts";
import { createRun } from "../../src/runner/runs.ts";
import type { PhaseContext, PhaseHandlers, RunRow } from "../../src/runner/types.ts";
import {
  createSlackNotifier,
  PARENT_EFFECT,
  type SlackNotifier,
} from "../../src/slack/notifier.ts";
import { abortNoise, EMPTY_MEMORY, input, SCENARIO_NOW } from "../setup/classifier-fixtures.ts";
import { createTestDb, type TestDb } from "../setup/db.ts";
import { createTestRunner, runRow, type TestRunner } from "../setup/runner.ts";
import { insertLeasedRun, leasedContext } from "../setup/slack-approval-fixtures.ts";
import { CHANNEL } from "../setup/slack-harness.ts";

let t: TestDb;
let runner: TestRunner;
let world: World;
let notifier: SlackNotifier;

beforeEach(async () => {
  t = await createTestDb();
  runner = createTestRunner(t);
  world = await startWorld({ scenario: "abort-noise" });
  notifier = createSlackNotifier({
    client: createSlackWebClient({
      token: world.scenario.slack.botToken,
      apiUrl: world.urls.slack,
    }),
    channel: world.scenario.slack.incidentChannel,
    links: { run: (id) => `https://prode.acme.internal/runs/${id}` },
  });
});
afterEach(async () => {
  await world.close();
  await runner.close();
  await t.drop();
});

/** A phase that only brings the parent message up to date. */
async function syncOnly(ctx: PhaseContext) {
  await notifier.syncParent(ctx, triageAt(ctx.run, 0));
  return {};
}

/** The abort-noise triage as it grows phase by phase. */
function triageAt(run: RunRow, stage: number): TriageSnapshot {
  const s = abortNoise();
  const classification = classify(input(s), { now: SCENARIO_NOW });
  const gate = decideGate(classification, { now: SCENARIO_NOW });
  return {
    run,
    ticket: s.linear,
    ...(stage >= 1 ? { toolMap: s.toolMap, memory: EMPTY_MEMORY } : {}),
    ...(stage >= 2 ? { specialists: s.specialists } : {}),
    ...(stage >= 3
      ? {
          classification,
          decision: {
            decision: gate.decision,
            ...(gate.outcome ? { outcome: gate.outcome } : {}),
            reasons: gate.reasons,
          },
        }
      : {}),
  };
}

const posts = () => world.calls({ service: "slack", method: "chat.postMessage" });
const parents = () => world.state.slack.withMetadata("prode_triage", CHANNEL);
const milestoneKinds = () =>
  world.state.slack
    .withMetadata("prode_milestone", CHANNEL)
    .map((m) => String(m.metadata?.event_payload.kind));

/**
 * Executes the run's current step until it ends or reaches `until` (bounded), returning
 * each step's outcome.
 */
async function drive(runId: string, handlers: PhaseHandlers, until?: string): Promise<string[]> {
  const deps = runner.deps("w1", handlers);
  const outcomes: string[] = [];
  for (let i = 0; i < 60; i += 1) {
    const run = await runRow(t, runId);
    if (run.outcome || run.phase === until) return outcomes;
    // A retried step is leased again only once the released lease is gone.
    outcomes.push(await executeStep(deps, { runId, seq: run.seq }));
  }
  throw new Error("run did not end in 60 steps");
}

describe("the Slack triage thread against the world", () => {
  it("posts one parent and one reply per milestone, even when phases run twice", async () => {
    const { run } = await createRun(
      { db: t.db, enqueue: async () => {} },
      { ticket: "ENG-310", trigger: "test" },
    );
    const attempts = new Map<string, number>();
    /** Notifies, then fails the first attempt (a crash after the post): the phase reruns. */
    const notifyTwice =
      (stage: number, kinds: MilestoneKind[], result: Record<string, unknown> = {}) =>
      async (ctx: PhaseContext) => {
        const triage = triageAt(ctx.run, stage);
        await notifier.syncParent(ctx, triage);
        for (const kind of kinds) await notifier.postMilestone(ctx, kind, triage);
        const n = (attempts.get(ctx.phase) ?? 0) + 1;
        attempts.set(ctx.phase, n);
        if (n === 1)
          throw new AppError(ErrorCode.UpstreamUnavailable, "crash after posting", {
            retryable: true,
          });
        return result;
      };
    const handlers: PhaseHandlers = {
      PRECHECK: notifyTwice(0, []),
      INVENTORY_TOOLS: notifyTwice(1, ["tool_inventory"]),
      WAIT_FOR_EVIDENCE: notifyTwice(2, ["specialist_results"]),
      CLASSIFY: notifyTwice(3, ["evidence_bundle", "decision"], {
        kind: "exit",
        outcome: "NOISE_NO_FIX",
        description: "noise",
      }),
      LINEAR_HANDOFF: notifyTwice(3, ["handoff"]),
    };
    const outcomes = await drive(run.id, handlers);
    // A provider failure is waited out (a delayed job), not retried at once (issue 17).
    expect(outcomes.filter((o) => o === "waiting")).toHaveLength(5);
    const ended = await runRow(t, run.id);
    expect(ended?.outcome).toBe("NOISE_NO_FIX");

    expect(parents()).toHaveLength(1);
    expect(milestoneKinds().sort()).toEqual(
      ["decision", "evidence_bundle", "handoff", "specialist_results", "tool_inventory"].sort(),
    );
    expect(posts()).toHaveLength(6);
    // Every reply is in the parent's thread; the parent was updated in place.
    const parent = parents()[0]!;
    expect(world.state.slack.thread(CHANNEL, parent.ts)).toHaveLength(6);
    expect(world.calls({ service: "slack", method: "chat.update" }).length).toBeGreaterThan(0);
    expect(parent.text).toContain("ENG-310");
    // The notification is the verdict in words, never a phase or outcome name (issue 19.1).
    expect(parent.text).toContain("nothing to fix.");
    expect(parent.text).not.toMatch(/[A-Z]+_[A-Z_]+|Phase \d+\/\d+/);
    expect(JSON.stringify(parent.blocks)).toContain("`NOISE_NO_FIX`");
    expect(JSON.stringify(parent.blocks)).toContain("https://prode.acme.internal/runs/");
    const decision = world.state.slack
      .withMetadata("prode_milestone", CHANNEL)
      .find((m) => m.metadata?.event_payload.kind === "decision");
    expect(decision?.text).toContain("next: prode stops here — nothing to fix");
  });

  it("finds a post the ledger did not record by its metadata instead of posting again", async () => {
    // Another run's parent is in the channel too: reconcile must pick the right one.
    const other = await insertLeasedRun(t.db, "run_other", {
      ticket: "ENG-1",
    });
    await notifier.syncParent(leasedContext(t.db, other), {
      run: other,
    });

    const run = await insertLeasedRun(t.db, "run_mine", {
      ticket: "ENG-310",
    });
    const ctx = leasedContext(t.db, run);
    const triage = triageAt(run, 1);
    await notifier.syncParent(ctx, triage);
    await notifier.postMilestone(ctx, "tool_inventory", triage);
    expect(posts()).toHaveLength(3);

    // A crash between "Slack accepted" and "the ledger recorded": both back to pending.
    await t.db
      .update(effects)
      .set({ status: "pending", externalId: null, result: null })
      .where(and(eq(effects.runId, run.id)));
    const ctx2 = leasedContext(t.db, run);
    await notifier.postMilestone(ctx2, "tool_inventory", triage);
    await notifier.syncParent(ctx2, triage);

    expect(posts()).toHaveLength(3);
    expect(parents()).toHaveLength(2);
    expect(milestoneKinds()).toEqual(["tool_inventory"]);
    const reconciled = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.runId, run.id), eq(auditEvents.type, "effect.reconciled")));
    expect(reconciled.map((a) => a.payload.name).sort()).toEqual([
      "slack.milestone.tool_inventory",
      "slack.parent",
    ]);
    const [parentEffect] = await t.db
      .select()
      .from(effects)
      .where(eq(effects.key, effectKey(run.id, PARENT_EFFECT)));
    const mine = parents().find((p) => p.metadata?.event_payload.run_id === run.id)!;
    expect(parentEffect).toMatchObject({ status: "done", externalId: `${CHANNEL}/${mine.ts}` });
    expect((parentEffect!.result as { permalink?: string }).permalink).toContain(
      mine.ts.replace(".", ""),
    );
  });

  it("a rate-limited update is a retryable error, retried by the runner, never a second post", async () => {
    const { run } = await createRun(
      { db: t.db, enqueue: async () => {} },
      { ticket: "ENG-310", trigger: "test" },
    );
    world.injectFault({
      service: "slack",
      method: "chat.update",
      kind: "rate_limit",
      retryAfterSec: 1,
      count: 1,
    });
    const seen: unknown[] = [];
    const handlers: PhaseHandlers = {
      PRECHECK: syncOnly,
      FETCH_LINEAR: async (ctx) => {
        try {
          await notifier.syncParent(ctx, triageAt(ctx.run, 0));
        } catch (error) {
          seen.push(error);
          throw error;
        }
        return {};
      },
    };
    await drive(run.id, handlers, "INVENTORY_TOOLS");
    expect(seen).toHaveLength(1);
    expect(isAppError(seen[0]) && seen[0].code).toBe(ErrorCode.UpstreamRateLimited);
    expect(isAppError(seen[0]) && seen[0].retryable).toBe(true);
    expect(posts()).toHaveLength(1);
    expect(world.calls({ service: "slack", method: "chat.update" })).toHaveLength(2);
  });

  it("a slack_post kill switch stops the post before it is made", async () => {
    const { run } = await createRun(
      { db: t.db, enqueue: async () => {} },
      { ticket: "ENG-310", trigger: "test" },
    );
    await engage(t.db, "capability", "slack_post", { actor: "test", reason: "slack outage" });
    const deps = runner.deps("w1", {
      PRECHECK: syncOnly,
    });
    expect(await executeStep(deps, { runId: run.id, seq: 0 })).toBe("executed");
    // The global check lets PRECHECK start; the effect's capability check stops the post.
    expect(await executeStep(deps, { runId: run.id, seq: 1 })).toBe("paused");
    const held = await runRow(t, run.id);
    expect(held?.phase).toBe("PRECHECK");
    expect(posts()).toHaveLength(0);
  });
});
