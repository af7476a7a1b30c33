import { createHmac, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { referenceAgentEnv } from "../../sim/demo/delivery-env.ts";
import { startHarness } from "../../sim/demo/run-scenario.ts";
import { findScenario } from "../../sim/scenario.ts";
import { startWorld } from "../../sim/server.ts";
import type { WebhookDelivery } from "../../sim/services/github-hooks.ts";
import { parseRunContext } from "../../src/domain/run-context.ts";
import { createTestDb } from "../setup/db.ts";
import { TEST_ADMIN_URL } from "../setup/env.ts";
import { harnessOpts } from "../setup/harness.ts";
import { dropQueuePrefix, testQueuePrefix } from "../setup/redis.ts";

/**
 * POST_MERGE_MONITOR (issue 15 item 3) in three worlds, through the production wiring: the
 * backend-500-pr run's PR is merged, a deployment of the merge commit is recorded (or
 * not), the world's clock moves past the quiet period, and the merge webhook arrives.
 */

const REPO = "acme-sim/onboarding-api";
const SECRET = "github-webhook-secret-for-the-test";
const ISSUE = "4502117730";
const MINUTE = 60_000;
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

type World = "resolved" | "recurring" | "undeployed";

async function monitorIn(kind: World) {
  const scenario = await findScenario("backend-500-pr");
  const dir = mkdtempSync(join(tmpdir(), "prode-monitor-"));
  dirs.push(dir);
  // The world's clock, moved forward by hand once the PR is merged.
  let skew = 0;
  const epoch = Date.parse(scenario.now);
  const started = Date.now();
  const world = await startWorld({
    scenario,
    clock: () => new Date(epoch + (Date.now() - started) + skew),
  });
  const t = await createTestDb();
  const prefix = testQueuePrefix();
  const harness = await startHarness({
    scenario,
    world,
    ...harnessOpts(t, prefix),
    replicaAdminUrl: TEST_ADMIN_URL,
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
    const deployedAt = new Date(world.now().getTime() + MINUTE).toISOString();
    if (kind !== "undeployed") {
      const added = await hook("/deployments", {
        id: 990_001,
        sha: mergeSha,
        ref: "main",
        created_at: deployedAt,
      });
      expect(added.status).toBe(201);
    }
    if (kind === "recurring") {
      const event = await fetch(`${world.urls.sentry}/_sim/issues/${ISSUE}/events`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          eventID: randomUUID().replaceAll("-", ""),
          dateCreated: new Date(Date.parse(deployedAt) + 5 * MINUTE).toISOString(),
          message: "still failing",
          entries: [],
        }),
      });
      expect(event.status).toBe(201);
    }
    skew += 40 * MINUTE;
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
    const done = await harness.follow(waiting.id, (r) => r.outcome !== null);
    const calls = world.calls();
    return {
      done,
      monitor: parseRunContext(done.context).delivery?.monitor,
      sentryWrites: calls.filter((c) => c.service === "sentry" && !c.method.startsWith("GET ")),
      // Markdown escapes dropped: the words a reader of the Linear comment sees.
      linearText: JSON.stringify(
        calls.filter((c) => c.service === "linear").map((c) => c.body),
      ).replace(/\\/g, ""),
    };
  } finally {
    await harness.close();
    await world.close();
    await dropQueuePrefix(prefix);
    await t.drop();
  }
}

describe("POST_MERGE_MONITOR on backend-500-pr", () => {
  it.each([
    ["resolved", "resolved", /no event in the \d+ min after deploy 990001/],
    ["recurring", "still_recurring", /1 event\(s\) since deploy 990001/],
    // No deploy within the window (re-checks on delayed jobs): delivery-monitor.e2e.test.ts.
  ] as const)(
    "a world where the fix is %s gets %s, read-only",
    async (kind, verdict, reason) => {
      const r = await monitorIn(kind);
      expect(r.done.outcome).toBe("RUN_COMPLETE");
      expect(r.monitor?.verdict).toBe(verdict);
      expect(r.monitor?.reason).toMatch(reason);
      expect(r.linearText).toContain(`After the merge: ${verdict.replace("_", " ")}`);
      // Never resolves or mutes the Sentry issue: nothing but reads (the test's own hook aside).
      expect(r.sentryWrites.filter((c) => c.method !== "sim.addEvent")).toEqual([]);
    },
    120_000,
  );
});
