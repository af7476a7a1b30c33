import { createHmac, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import webhookExamples from "@octokit/webhooks-examples";
import { and, eq } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { referenceAgentEnv } from "../../sim/demo/delivery-env.ts";
import { type Harness, startHarness } from "../../sim/demo/run-scenario.ts";
import { findScenario } from "../../sim/scenario.ts";
import type { WebhookDelivery } from "../../sim/services/github-hooks.ts";
import { deliveries, phaseTransitions, runs } from "../../src/db/schema.ts";
import { parseRunContext } from "../../src/domain/run-context.ts";
import type { RunRow } from "../../src/runner/types.ts";
import { createTestDb, type TestDb } from "../setup/db.ts";
import { TEST_ADMIN_URL } from "../setup/env.ts";
import { harnessOpts } from "../setup/harness.ts";
import { policyWithMonitor } from "../setup/monitor-policy.ts";
import { dropQueuePrefix, testQueuePrefix } from "../setup/redis.ts";

/**
 * After the draft PR (issue 15 items 1-2), through the production wiring: the backend-500-pr
 * world delivers a draft PR with the reference agent, then a human merges or closes it on
 * the simulated GitHub, which answers with the `pull_request` webhook GitHub would send;
 * it is posted, signed, to prode's POST /webhooks/github. Without a webhook, the
 * reconciler's poll of the PR notices.
 */

const SCENARIO = "backend-500-pr";
const REPO = "acme-sim/onboarding-api";
const SECRET = "github-webhook-secret-for-the-test";
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Waiting {
  harness: Harness;
  t: TestDb;
  run: RunRow;
  pr: number;
  close(): Promise<void>;
}

/** A run delivered to AWAIT_HUMAN_REVIEW; `pollMs` is the reconciler's PR-poll interval. */
async function waitingRun(pollMs: number): Promise<Waiting> {
  const scenario = await findScenario(SCENARIO);
  const dir = mkdtempSync(join(tmpdir(), "prode-await-review-"));
  dirs.push(dir);
  const t = await createTestDb();
  const prefix = testQueuePrefix();
  const policy = policyWithMonitor({
    window_seconds: 1,
    recheck_seconds: 1,
    min_observation_seconds: 1,
  });
  dirs.push(policy.dir);
  const harness = await startHarness({
    scenario,
    ...harnessOpts(t, prefix),
    replicaAdminUrl: TEST_ADMIN_URL,
    timeoutMs: 60_000,
    reconcileMs: 300,
    // Nothing deploys the merge in this world: a one-second monitor window ends the watch
    // at once (the window itself: delivery-monitor.e2e.test.ts).
    policyDir: policy.dir,
    env: {
      ...referenceAgentEnv(scenario, dir),
      GITHUB_WEBHOOK_SECRET: SECRET,
      PRODE_PR_POLL_MS: String(pollMs),
    },
  });
  const close = async () => {
    await harness.close();
    await dropQueuePrefix(prefix);
    await t.drop();
  };
  try {
    const accepted = await harness.trigger();
    expect(accepted.status).toBe(200);
    const run = await harness.follow(
      accepted.runId!,
      (r) => r.outcome !== null || r.phase === "AWAIT_HUMAN_REVIEW",
    );
    expect(run.phase).toBe("AWAIT_HUMAN_REVIEW");
    const pr = parseRunContext(run.context).delivery!.pr!.number;
    return { harness, t, run, pr, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** A human's merge or close on the simulated GitHub; returns the webhook GitHub would send. */
async function human(w: Waiting, what: "merge" | "close", by: string): Promise<WebhookDelivery> {
  const response = await fetch(
    `${w.harness.world.urls.github}/_sim/repos/${REPO}/pulls/${w.pr}/${what}`,
    {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ by }),
    },
  );
  expect(response.status).toBe(200);
  return (await response.json()) as WebhookDelivery;
}

/** Posts a delivery to prode as GitHub would (X-Hub-Signature-256 over the raw body). */
async function post(
  w: Waiting,
  body: string,
  headers: { event?: string; delivery?: string; secret?: string | null } = {},
) {
  const secret = headers.secret === undefined ? SECRET : headers.secret;
  const response = await fetch(`${w.harness.url}/webhooks/github`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": headers.event ?? "pull_request",
      "x-github-delivery": headers.delivery ?? randomUUID(),
      ...(secret === null
        ? {}
        : {
            "x-hub-signature-256": `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`,
          }),
    },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const transitionsOf = (w: Waiting) =>
  w.t.db
    .select()
    .from(phaseTransitions)
    .where(eq(phaseTransitions.runId, w.run.id))
    .orderBy(phaseTransitions.seq);

const ended = (w: Waiting) => w.harness.follow(w.run.id, (r) => r.outcome !== null);

/** The fields of a `pull_request` payload that name the PR, as GitHub spells them. */
interface PullPayload {
  number: number;
  pull_request: {
    number: number;
    merged: boolean | null;
    merged_at: string | null;
    merged_by: unknown;
    merge_commit_sha: string | null;
    head: { ref: string };
  };
  repository: { name: string; full_name: string; owner: { login: string } };
  sender: unknown;
}

/**
 * GitHub's own `pull_request` `closed` example (@octokit/webhooks-examples) made to speak of
 * the simulated PR: only the fields prode matches on are taken from the simulated GitHub's
 * delivery (repository, owner, PR number, head ref, merge commit, merge time). Version 7
 * ships closed examples only unmerged, so the merge itself is set as GitHub sends it
 * (`merged: true`, `merged_by` the example's own sender); everything else is GitHub's.
 */
function examplePayloadMerging(sim: WebhookDelivery): PullPayload {
  const definition = webhookExamples.find((d) => d.name === "pull_request");
  const closed = definition?.examples.find((e) => (e as { action?: string }).action === "closed") as
    | PullPayload
    | undefined;
  if (!closed) throw new Error("@octokit/webhooks-examples has no pull_request closed example");
  const example = structuredClone(closed);
  const real = sim.payload as unknown as PullPayload;
  const [owner, name] = real.repository.full_name.split("/") as [string, string];
  example.repository.full_name = real.repository.full_name;
  example.repository.name = name;
  example.repository.owner.login = owner;
  example.number = real.pull_request.number;
  example.pull_request.number = real.pull_request.number;
  example.pull_request.head.ref = real.pull_request.head.ref;
  example.pull_request.merge_commit_sha = real.pull_request.merge_commit_sha;
  example.pull_request.merged_at = real.pull_request.merged_at;
  example.pull_request.merged = true;
  example.pull_request.merged_by = example.sender;
  return example;
}

describe("AWAIT_HUMAN_REVIEW on backend-500-pr", () => {
  it("GitHub's example merged pull_request.closed payload moves the run to the monitor and on to RUN_COMPLETE; the same body replayed with a new delivery id acts once", async () => {
    const w = await waitingRun(3_600_000);
    try {
      // The human merges on the simulated GitHub (its state is what the monitor reads);
      // what prode receives is GitHub's own example payload naming that merge.
      const sim = await human(w, "merge", "reviewer-ana");
      const example = examplePayloadMerging(sim);
      const merger = (example.pull_request.merged_by as { login: string }).login;
      const body = JSON.stringify(example);
      const first = await post(w, body);
      expect(first).toMatchObject({ status: 200, body: { runId: w.run.id, result: "merged" } });
      // GitHub's manual redelivery keeps the id; a replay under a new id is the same body.
      const replay = await post(w, body);
      expect(replay).toMatchObject({ status: 200, body: { duplicate: true } });
      const done = await ended(w);
      expect(done.outcome).toBe("RUN_COMPLETE");
      const steps = await transitionsOf(w);
      const path = steps.map((s) => s.toState);
      // The monitor's checks and its verdict's post are steps of POST_MERGE_MONITOR.
      const after = path.slice(path.indexOf("AWAIT_HUMAN_REVIEW"));
      expect(after.slice(0, 2)).toEqual(["AWAIT_HUMAN_REVIEW", "POST_MERGE_MONITOR"]);
      expect(after.slice(-2)).toEqual(["WRITE_CANDIDATE_LEARNING", "RUN_COMPLETE"]);
      expect(new Set(after.slice(1, -2))).toEqual(new Set(["POST_MERGE_MONITOR"]));
      const merged = steps.find((s) => s.toState === "POST_MERGE_MONITOR")!;
      expect(merged.worker).toBe("github-webhook");
      expect(merged.description).toBe(`PR #${w.pr} merged by ${merger}`);
      expect(steps.filter((s) => s.fromState === "AWAIT_HUMAN_REVIEW")).toHaveLength(1);
      const context = parseRunContext(done.context).delivery!;
      expect(context.review).toMatchObject({ state: "merged", by: merger, via: "webhook" });
      expect(context.review?.mergeCommitSha).toBe(example.pull_request.merge_commit_sha);
      expect(context.review?.mergeCommitSha).toMatch(/^[0-9a-f]{40}$/);
      expect(context.monitor).toMatchObject({ verdict: "inconclusive" });
      expect(
        steps.filter((s) => s.fromState === "POST_MERGE_MONITOR").map((s) => s.description),
      ).toContainEqual(
        // Nothing deployed the merge in this world: said so, never "resolved".
        expect.stringMatching(
          /^inconclusive after \d+ check\(s\): not deployed within the window: no deployment containing [0-9a-f]{7}/,
        ),
      );
      const keys = await w.t.db
        .select()
        .from(deliveries)
        .where(eq(deliveries.source, "github-content"));
      expect(keys).toHaveLength(1);
    } finally {
      await w.close();
    }
  }, 120_000);

  it("closed without merge ends the run with a handoff naming who closed it", async () => {
    const w = await waitingRun(3_600_000);
    try {
      const delivery = await human(w, "close", "reviewer-bo");
      const answer = await post(w, JSON.stringify(delivery.payload));
      expect(answer.body).toMatchObject({ result: "closed" });
      const done = await ended(w);
      expect(done.outcome).toBe("CANNOT_AUTO_FIX");
      const steps = await transitionsOf(w);
      const path = steps.map((s) => s.toState);
      expect(path.slice(path.indexOf("AWAIT_HUMAN_REVIEW"))).toEqual([
        "AWAIT_HUMAN_REVIEW",
        "LINEAR_HANDOFF",
        "WRITE_CANDIDATE_LEARNING",
        "CANNOT_AUTO_FIX",
      ]);
      const reason = `PR #${w.pr} closed by reviewer-bo, not merged`;
      expect(steps.find((s) => s.fromState === "AWAIT_HUMAN_REVIEW")?.description).toBe(reason);
      // The handoff comment was written again with the reason.
      const linear = w.harness.world
        .calls()
        .filter((c) => c.service === "linear")
        // Markdown escapes (`\#`, `\-`) dropped: the words are what a reader sees.
        .map((c) => JSON.stringify(c.body).replace(/\\/g, ""));
      expect(linear.some((b) => b.includes(reason))).toBe(true);
    } finally {
      await w.close();
    }
  }, 120_000);

  it("merged by hand with no webhook: the reconciler's poll notices and the run goes on", async () => {
    const w = await waitingRun(200);
    try {
      await human(w, "merge", "reviewer-cy");
      const done = await ended(w);
      expect(done.outcome).toBe("RUN_COMPLETE");
      const steps = await transitionsOf(w);
      const merged = steps.find((s) => s.toState === "POST_MERGE_MONITOR")!;
      expect(merged.worker).toMatch(/^reconciler@/);
      expect(merged.description).toMatch(new RegExp(`PR #${w.pr} merged by hand`));
      const review = parseRunContext(done.context).delivery?.review;
      expect(review).toMatchObject({ state: "merged", via: "poll" });
      // The poll read the merge commit too: the monitor looks for its deploy.
      expect(review?.mergeCommitSha).toMatch(/^[0-9a-f]{40}$/);
    } finally {
      await w.close();
    }
  }, 120_000);

  it("refuses unsigned and badly signed deliveries (401) and malformed ones (400), ignores PRs prode does not own (200), and stays up", async () => {
    const w = await waitingRun(3_600_000);
    try {
      const delivery = await human(w, "merge", "reviewer-di");
      const body = JSON.stringify(delivery.payload);
      expect((await post(w, body, { secret: null })).status).toBe(401);
      expect((await post(w, body, { secret: "not-the-secret" })).status).toBe(401);
      expect((await post(w, "{not json", {})).status).toBe(400);
      expect((await post(w, JSON.stringify({ action: "closed" }))).status).toBe(400);
      const foreign = structuredClone(delivery.payload) as {
        pull_request: { number: number; head: { ref: string } };
      };
      foreign.pull_request.number = 9_999;
      foreign.pull_request.head.ref = "someone/else";
      const other = await post(w, JSON.stringify(foreign));
      expect(other).toMatchObject({ status: 200, body: { ignored: "not a prode PR (#9999)" } });
      // Nothing above moved the run; the genuine delivery still does.
      const [still] = await w.t.db
        .select()
        .from(runs)
        .where(and(eq(runs.id, w.run.id), eq(runs.phase, "AWAIT_HUMAN_REVIEW")));
      expect(still).toBeDefined();
      expect((await post(w, body)).body).toMatchObject({ result: "merged" });
      expect((await ended(w)).outcome).toBe("RUN_COMPLETE");
      const health = await fetch(`${w.harness.url}/healthz`);
      expect(health.status).toBe(200);
    } finally {
      await w.close();
    }
  }, 120_000);
});
