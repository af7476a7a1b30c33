import { createHmac, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { and, asc, eq } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { referenceAgentEnv } from "../../sim/demo/delivery-env.ts";
import { startHarness } from "../../sim/demo/run-scenario.ts";
import { findScenario } from "../../sim/scenario.ts";
import { startWorld } from "../../sim/server.ts";
import type { WebhookDelivery } from "../../sim/services/github-hooks.ts";
import { learnings, phaseTransitions, runs } from "../../src/db/schema.ts";
import { parseRunContext } from "../../src/domain/run-context.ts";
import { phaseJobId } from "../../src/runner/ids.ts";
import { createPhaseQueue, createRedis } from "../../src/runner/queue.ts";
import type { RunRow } from "../../src/runner/types.ts";
import { createTestDb } from "../setup/db.ts";
import { TEST_ADMIN_URL, TEST_REDIS_URL } from "../setup/env.ts";
import { harnessOpts } from "../setup/harness.ts";
import { policyWithMonitor } from "../setup/monitor-policy.ts";
import { dropQueuePrefix, testQueuePrefix } from "../setup/redis.ts";

/**
 * POST_MERGE_MONITOR's watch over a policy window (issue 15 item 3), through the production
 * wiring (the composition root's `dev` role, real Postgres and Redis, the simulated world):
 * a check that cannot decide yet ends its step with a re-check due later, the run sleeps on
 * a BullMQ delayed job (no lease, no worker), and the reconciler gives a lost delayed job
 * back. The policy's re-check is two seconds; the world's clock is moved by hand past the
 * quiet period and the window, so nothing here sleeps for minutes.
 */

const REPO = "acme-sim/onboarding-api";
const SECRET = "github-webhook-secret-for-the-test";
const MINUTE = 60_000;
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/**
 * The repository's policy with a two-second re-check, the given window and half an hour
 * quiet. Windows stay under an hour: the world's clock moved past the GitHub App's
 * installation token (an hour) would expire it under the client's feet.
 */
function shortMonitorPolicy(windowSeconds: number): string {
  const policy = policyWithMonitor({
    window_seconds: windowSeconds,
    recheck_seconds: 2,
    min_observation_seconds: 1800,
  });
  dirs.push(policy.dir);
  return policy.dir;
}

async function watchMerge(
  windowSeconds: number,
  script: (w: {
    skew(ms: number): void;
    run(): Promise<RunRow>;
    until(what: string, test: (r: RunRow) => boolean): Promise<RunRow>;
    deploy(): Promise<void>;
    jobState(r: RunRow): Promise<string>;
    loseJob(r: RunRow): Promise<void>;
  }) => Promise<void>,
) {
  const scenario = await findScenario("backend-500-pr");
  const dir = mkdtempSync(join(tmpdir(), "prode-monitor-"));
  dirs.push(dir);
  let skew = 0;
  const epoch = Date.parse(scenario.now);
  const started = Date.now();
  const world = await startWorld({
    scenario,
    clock: () => new Date(epoch + (Date.now() - started) + skew),
  });
  const t = await createTestDb();
  const prefix = testQueuePrefix();
  const connection = createRedis(TEST_REDIS_URL);
  const queue = createPhaseQueue(connection, prefix);
  const harness = await startHarness({
    scenario,
    world,
    ...harnessOpts(t, prefix),
    replicaAdminUrl: TEST_ADMIN_URL,
    policyDir: shortMonitorPolicy(windowSeconds),
    reconcileMs: 300,
    timeoutMs: 60_000,
    env: {
      ...referenceAgentEnv(scenario, dir),
      GITHUB_WEBHOOK_SECRET: SECRET,
      PRODE_PR_POLL_MS: "3600000",
    },
  });
  try {
    const accepted = await harness.trigger();
    const waiting = await harness.follow(
      accepted.runId!,
      (r) => r.outcome !== null || r.phase === "AWAIT_HUMAN_REVIEW",
    );
    expect(waiting.phase).toBe("AWAIT_HUMAN_REVIEW");
    const pr = parseRunContext(waiting.context).delivery!.pr!.number;
    const hook = (path: string, body: unknown) =>
      fetch(`${world.urls.github}/_sim/repos/${REPO}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const merged = (await (
      await hook(`/pulls/${pr}/merge`, { by: "reviewer-ana" })
    ).json()) as WebhookDelivery;
    const mergeSha = (merged.payload.pull_request as { merge_commit_sha: string }).merge_commit_sha;
    const body = JSON.stringify(merged.payload);
    const answer = await fetch(`${harness.url}/webhooks/github`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "pull_request",
        "x-github-delivery": randomUUID(),
        "x-hub-signature-256": `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`,
      },
      body,
    });
    expect(answer.status).toBe(200);
    const run = async () => (await t.db.select().from(runs).where(eq(runs.id, waiting.id)))[0]!;
    await script({
      skew: (ms) => {
        skew += ms;
      },
      run,
      async until(what, test) {
        const deadline = Date.now() + 60_000;
        for (;;) {
          const r = await run();
          if (test(r)) return r;
          if (Date.now() > deadline) {
            throw new Error(
              `timed out waiting for ${what}: ${r.phase} ${JSON.stringify(r.context)}`,
            );
          }
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      },
      async deploy() {
        const added = await hook("/deployments", {
          id: 990_002,
          sha: mergeSha,
          ref: "main",
          created_at: world.now().toISOString(),
        });
        expect(added.status).toBe(201);
      },
      jobState: (r) => queue.queue.getJobState(phaseJobId(r.id, r.seq)),
      async loseJob(r) {
        await queue.queue.remove(phaseJobId(r.id, r.seq));
      },
    });
    const transitions = await t.db
      .select()
      .from(phaseTransitions)
      .where(
        and(
          eq(phaseTransitions.runId, waiting.id),
          eq(phaseTransitions.fromState, "POST_MERGE_MONITOR"),
        ),
      )
      .orderBy(asc(phaseTransitions.seq));
    const done = await run();
    const calls = world.calls();
    const [learning] = await t.db.select().from(learnings).where(eq(learnings.runId, waiting.id));
    return {
      done,
      learning,
      monitor: parseRunContext(done.context).delivery?.monitor,
      transitions,
      calls,
      // The verdict's thread replies (one per verdict, whatever the re-checks).
      verdictReplies: world.state.slack
        .withMetadata("prode_milestone")
        .filter(
          (m) =>
            m.metadata?.event_payload.run_id === waiting.id &&
            m.metadata.event_payload.kind === "monitor_verdict",
        ),
      // What the run-owned Linear comment was updated to, Markdown escapes dropped.
      verdictPosts: calls.filter(
        (c) =>
          c.service === "linear" &&
          JSON.stringify(c.body).replace(/\\/g, "").includes("After the merge"),
      ),
    };
  } finally {
    await harness.close();
    await queue.close();
    connection.disconnect();
    await world.close();
    await dropQueuePrefix(prefix);
    await t.drop();
  }
}

/** Reads only: the Sentry issue is never resolved or muted, and nothing is written to AWS. */
function expectReadOnly(calls: { service: string; method: string }[]) {
  expect(calls.filter((c) => c.service === "sentry" && !c.method.startsWith("GET "))).toEqual([]);
  expect(
    calls.filter(
      (c) =>
        c.service === "aws" && /^(Put|Set|Delete|Create|Update|Enable|Disable|Tag)/.test(c.method),
    ),
  ).toEqual([]);
}

const watchOf = (r: RunRow) => parseRunContext(r.context).delivery?.watch;

describe("POST_MERGE_MONITOR re-checks over its policy window", () => {
  it("a deploy that lands after the first check is found by a delayed re-check, judged with Sentry and the ALB series, and posted once", async () => {
    const r = await watchMerge(3000, async (w) => {
      const first = await w.until("the first check", (x) => (watchOf(x)?.checks ?? 0) >= 1);
      expect(first.phase).toBe("POST_MERGE_MONITOR");
      expect(watchOf(first)?.reason).toMatch(/^not deployed yet: no deployment containing/);
      // Sleeping on a delayed job: due later, no lease held.
      expect(first.wakeAt).not.toBeNull();
      expect(first.leaseOwner).toBeNull();
      expect(["delayed", "waiting", "active", "completed", "unknown"]).toContain(
        await w.jobState(first),
      );

      // Redis loses the delayed job: the reconciler gives it back from Postgres.
      const sleeping = await w.until(
        "a step sleeping on its delayed job",
        (x) => x.wakeAt !== null && x.leaseOwner === null,
      );
      if ((await w.jobState(sleeping)) === "delayed") {
        await w.loseJob(sleeping);
        expect(await w.jobState(sleeping)).toBe("unknown");
      }
      await w.until("a re-check after the lost job", (x) => x.seq > sleeping.seq);

      await w.deploy();
      await w.until("a check that sees the deploy", (x) =>
        /^only \d+ min since deploy 990002/.test(watchOf(x)?.reason ?? ""),
      );
      // Past the quiet period after the deploy: the next re-check decides.
      w.skew(40 * MINUTE);
      await w.until("the run's end", (x) => x.outcome !== null);
    });
    expect(r.done.outcome).toBe("RUN_COMPLETE");
    expect(r.monitor?.verdict).toBe("resolved");
    expect(r.monitor?.decidedBy?.[0]).toBe("sentry");
    expect(r.monitor?.reason).toMatch(
      /^decided by Sentry: no event in the \d+ min after deploy 990002/,
    );
    // The load balancer's 5xx and latency were read and compared (or their gap named).
    expect(r.monitor?.reason).toMatch(/target 5xx .*after vs .*before/);
    expect(r.monitor?.checks).toBeGreaterThanOrEqual(3);
    expect(r.calls.some((c) => c.service === "aws" && /GetMetricData/.test(c.method))).toBe(true);
    // Every re-check is a step of its own; the verdict is committed, then posted by one step.
    const rechecks = r.transitions.filter((x) => x.toState === "POST_MERGE_MONITOR");
    expect(rechecks.length).toBeGreaterThanOrEqual(3);
    expect(rechecks.filter((x) => /^resolved after \d+ check/.test(x.description))).toHaveLength(1);
    expect(r.transitions.filter((x) => x.toState === "WRITE_CANDIDATE_LEARNING")).toHaveLength(1);
    expect(r.verdictPosts).toHaveLength(1);
    expect(JSON.stringify(r.verdictPosts[0]!.body).replace(/\\/g, "")).toContain(
      "After the merge: resolved",
    );
    // Posted to the thread too, once: a reply notifies, the parent's edit does not.
    expect(r.verdictReplies).toHaveLength(1);
    expect(r.verdictReplies[0]!.thread_ts).toBeDefined();
    expect(r.verdictReplies[0]!.text).toMatch(
      /after the merge of PR #\d+: resolved — decided by Sentry/,
    );
    // The candidate learning carries the verdict (the truth of `prode report calibration`).
    expect(r.learning?.monitorVerdict).toBe("resolved");
    expectReadOnly(r.calls);
  }, 180_000);

  it("a window that ends without a deploy is inconclusive: not deployed within the window", async () => {
    const r = await watchMerge(600, async (w) => {
      await w.until("the first check", (x) => (watchOf(x)?.checks ?? 0) >= 1);
      // The window is ten minutes after the merge: past it, the next re-check gives up.
      w.skew(11 * MINUTE);
      await w.until("the run's end", (x) => x.outcome !== null);
    });
    expect(r.done.outcome).toBe("RUN_COMPLETE");
    expect(r.monitor).toMatchObject({ verdict: "inconclusive", decidedBy: ["deploy"] });
    expect(r.monitor?.reason).toMatch(
      /^not deployed within the window: no deployment containing [0-9a-f]{7} by .* \(10 min after the merge\)$/,
    );
    expect(r.verdictPosts).toHaveLength(1);
    expect(JSON.stringify(r.verdictPosts[0]!.body).replace(/\\/g, "")).toContain(
      "After the merge: inconclusive",
    );
    // No Sentry or CloudWatch read is needed to know nothing was deployed.
    expectReadOnly(r.calls);
  }, 180_000);
});
