import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startWorld, type World } from "../../sim/server.ts";
import { createSlackWebClient } from "../../src/adapters/slack/client.ts";
import { effects } from "../../src/db/schema.ts";
import { createRun } from "../../src/runner/runs.ts";
import type { PhaseContext, PhaseHandlers, RunnerTiming } from "../../src/runner/types.ts";
import { createSlackNotifier, type SlackNotifier } from "../../src/slack/notifier.ts";
import { abortNoise } from "../setup/classifier-fixtures.ts";
import { createTestDb, type TestDb } from "../setup/db.ts";
import {
  createTestRunner,
  FAST_TIMING,
  hasEnded,
  type TestRunner,
  waitForRun,
} from "../setup/runner.ts";
import { CHANNEL } from "../setup/slack-harness.ts";

/**
 * Issue 17, item 1: Slack accepts a post but answers after the client gave up. The
 * runner's retry must not look Slack up (and post again) before the earlier attempt can
 * no longer land: the attempt records its in-flight deadline, the retry waits for it as a
 * delayed job, and the lookup then finds the late message by its metadata.
 */

/** The client gives up after this; a slow post lands after it. */
const CLIENT_TIMEOUT_MS = 300;
/** Production's proportions (2 s first backoff behind a 10 s timeout), scaled to the test's timeout. */
const TIMING: RunnerTiming = {
  ...FAST_TIMING,
  providerWait: { outageMaxMs: 60_000, baseDelayMs: 60, maxDelayMs: 600 },
};

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
      timeoutMs: CLIENT_TIMEOUT_MS,
    }),
    channel: world.scenario.slack.incidentChannel,
  });
});
afterEach(async () => {
  await runner.close();
  await world.close();
  await t.drop();
});

const parents = () => world.state.slack.withMetadata("prode_triage", CHANNEL);
const milestones = () => world.state.slack.withMetadata("prode_milestone", CHANNEL);

/** PRECHECK posts the parent and the handoff reply, then stops the run on an exit. */
function postingHandlers(): PhaseHandlers {
  return {
    PRECHECK: async (ctx: PhaseContext) => {
      const triage = { run: ctx.run, ticket: abortNoise().linear };
      await notifier.syncParent(ctx, triage);
      await notifier.postMilestone(ctx, "handoff", triage);
      return { kind: "exit", outcome: "NOISE_NO_FIX", description: "noise" };
    },
  };
}

describe("an effect whose attempt may still land", () => {
  it("a post that lands after the client's timeout is found, not posted again", async () => {
    // Every post lands late: 3x the client's timeout after it was sent.
    world.injectFault({
      service: "slack",
      method: "chat.postMessage",
      kind: "latency",
      latencyMs: CLIENT_TIMEOUT_MS * 3,
      count: 2,
    });
    runner.startWorker("w1", postingHandlers(), TIMING);
    const { run } = await createRun(
      { db: t.db, enqueue: runner.queue.enqueue },
      { ticket: "ENG-901", trigger: "test" },
    );
    const ended = await waitForRun(t, run.id, hasEnded, 30_000);

    expect(ended.outcome).toBe("NOISE_NO_FIX");
    expect(parents()).toHaveLength(1);
    expect(milestones()).toHaveLength(1);
    // The ledger adopted the late messages themselves.
    const rows = await t.db.select().from(effects).where(eq(effects.runId, run.id));
    const parent = rows.find((r) => r.name === "slack.parent");
    expect(parent?.status).toBe("done");
    expect(parent?.externalId).toBe(`${CHANNEL}/${parents()[0]?.ts}`);
    expect(rows.find((r) => r.name === "slack.milestone.handoff")?.externalId).toBe(
      `${CHANNEL}/${milestones()[0]?.ts}`,
    );
  });

  it("19 tickets, 30% of posts landing after the client's timeout: zero duplicates", async () => {
    // The chaos run (19 tickets, 30% of posts landing after a 10 s timeout),
    // scaled; here they land after the retry's lookup would have run without the deadline.
    world.injectFault({
      service: "slack",
      method: "chat.postMessage",
      kind: "latency",
      latencyMs: CLIENT_TIMEOUT_MS * 3,
      probability: 0.3,
    });
    runner.startWorker("w1", postingHandlers(), TIMING);
    const ids: string[] = [];
    for (let i = 0; i < 19; i += 1) {
      const { run } = await createRun(
        { db: t.db, enqueue: runner.queue.enqueue },
        { ticket: `ENG-${920 + i}`, trigger: "test" },
      );
      ids.push(run.id);
      // Tickets arrive over time, as in production: a retry is not queued behind a backlog.
      await new Promise((r) => setTimeout(r, 200));
    }
    for (const id of ids)
      expect((await waitForRun(t, id, hasEnded, 90_000)).outcome).toBe("NOISE_NO_FIX");
    const slow = world.calls((c) => c.method === "chat.postMessage" && c.fault === "latency");
    expect(slow.length).toBeGreaterThan(0);

    const perRun = (list: typeof parents extends () => infer R ? R : never) =>
      ids.map((id) => list.filter((m) => m.metadata?.event_payload.run_id === id).length);
    expect(perRun(parents())).toEqual(ids.map(() => 1));
    expect(perRun(milestones())).toEqual(ids.map(() => 1));
  }, 120_000);
});
