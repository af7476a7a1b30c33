import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { judge } from "../../sim/demo/judge.ts";
import { runScenario, type ScenarioRunResult } from "../../sim/demo/run-scenario.ts";
import { findScenario } from "../../sim/scenario.ts";
import { expectedCallViolations } from "../../sim/scenario-expect.ts";
import { policyDecisions } from "../../src/db/schema.ts";
import type { EvidenceBundle } from "../../src/domain/evidence-bundle.ts";
import { parseRunContext } from "../../src/domain/run-context.ts";
import { getArtifact } from "../../src/runner/artifacts.ts";
import { createTestDb, type TestDb } from "../setup/db.ts";
import { TEST_ADMIN_URL } from "../setup/env.ts";
import { harnessOpts } from "../setup/harness.ts";
import { dropQueuePrefix, testQueuePrefix } from "../setup/redis.ts";
import { quietLog } from "../setup/runner.ts";

/**
 * Every shipped scenario through the real runner: signed Linear webhook over HTTP,
 * real SDKs against the simulated world, a seeded read-only replica, real Postgres and
 * Redis. Expectations that need phases not built yet (delivery: worktree, PR) are todo.
 */
const SCENARIOS = [
  "backend-500-pr",
  "queue-alarm-infra",
  "db-state-approval",
  "abort-noise",
  "sentry-fails-midrun",
  "no-aws-credentials",
];

async function bundleOf(t: TestDb, r: ScenarioRunResult): Promise<EvidenceBundle> {
  const sha = parseRunContext(r.run.context).bundleSha;
  expect(sha, "the run stored an evidence bundle").toBeDefined();
  return (await getArtifact<EvidenceBundle>(t.db, r.run.id, sha!))!;
}

describe.each(SCENARIOS)("scenario %s", (name) => {
  let t: TestDb;
  let prefix: string;
  let result: ScenarioRunResult;
  let bundle: EvidenceBundle;
  beforeAll(async () => {
    t = await createTestDb();
    prefix = testQueuePrefix();
    result = await runScenario({
      scenario: name,
      ...harnessOpts(t, prefix),
      replicaAdminUrl: TEST_ADMIN_URL,
    });
    bundle = await bundleOf(t, result);
  }, 90_000);
  afterAll(async () => {
    await result?.close();
    await dropQueuePrefix(prefix);
    await t?.drop();
  });

  it("stops on the expected exit, or passes the gate where delivery would begin", () => {
    const verdict = judge(result.scenario, result.run);
    expect(verdict.actual).toBe(
      verdict.expected === "gate passed → delivery"
        ? "gate passed → CANNOT_AUTO_FIX"
        : verdict.expected,
    );
    expect(verdict.ok).toBe(true);
  });

  it("classifies with the expected class and confidence band", () => {
    const c = bundle.classification!;
    const expected = result.scenario.expected;
    if (expected.classification) expect(c.class).toBe(expected.classification);
    if (expected.confidenceAtLeast != null)
      expect(c.confidence).toBeGreaterThanOrEqual(expected.confidenceAtLeast);
    if (expected.confidenceBelow != null)
      expect(c.confidence).toBeLessThan(expected.confidenceBelow);
  });

  it("records every expected gap instead of replacing it with a weaker source", () => {
    for (const connector of result.scenario.expected.gaps ?? []) {
      const tool = bundle.toolMap.tools.find((x) => x.connector === connector);
      const own = bundle.specialists.find((s) => s.specialistId === connector);
      const recorded =
        tool?.status !== "available" || own?.status !== "returned" || (own?.gaps.length ?? 0) > 0;
      expect(recorded, `${connector} is recorded as a gap`).toBe(true);
      const named = (g: { what: string; origin?: string }) =>
        (g.origin ?? "").includes(connector) || g.what.toLowerCase().includes(connector);
      expect(
        bundle.classification!.gaps.some(named),
        `${connector} gap reaches the classification`,
      ).toBe(true);
    }
  });

  it("keeps memory out of the evidence and cites a source for every finding", () => {
    for (const s of bundle.specialists) {
      const refs = new Set(s.sources.map((x) => x.ref));
      for (const f of s.findings) expect(refs.has(f.sourceRef)).toBe(true);
    }
    expect(bundle.memory.pages.length).toBeGreaterThanOrEqual(0);
    expect(JSON.stringify(bundle.classification)).not.toContain("wiki");
  });

  it("makes exactly the expected calls, and never a forbidden one", () => {
    expect(expectedCallViolations(result.scenario.expected, result.world.calls())).toEqual([]);
  });

  it("sends nothing secret to Linear", () => {
    for (const call of result.world.calls({ service: "linear" })) {
      const body = JSON.stringify(call.body);
      expect(body).not.toMatch(
        /sntrys_|xox[bp]-|AKIA[0-9A-Z]{16}|-----BEGIN|session=|@example\.com/,
      );
    }
  });

  it("records the gate's policy decision with the policy hash", async () => {
    const rows = await t.db
      .select()
      .from(policyDecisions)
      .where(eq(policyDecisions.runId, result.run.id));
    const gate = rows.find((r) => r.action === "create_worktree");
    expect(gate?.policyHash).toMatch(/^[0-9a-f]{64}$/);
    expect(gate?.matchedRules.length).toBeGreaterThan(0);
    if (result.scenario.expected.outcome === "APPROVAL_REQUIRED") {
      expect(rows.find((r) => r.action === "production_write")?.decision).toBe("ask_approval");
    }
  });

  it("posts one parent, one reply per milestone and one per approval, and edits the parent in place", () => {
    const posts = result.world
      .calls({ service: "slack", method: "chat.postMessage" })
      .filter((c) => c.status === 200);
    const approvals = parseRunContext(result.run.context).approvalIds ?? [];
    const parents = posts.filter((c) => !(c.body as { thread_ts?: string }).thread_ts);
    expect(parents).toHaveLength(1);
    // tool inventory, specialist results, evidence bundle, decision, handoff + approvals
    expect(posts.length - parents.length).toBe(5 + approvals.length);
    expect(result.world.calls({ service: "slack", method: "chat.update" }).length).toBeGreaterThan(
      0,
    );
    const channel = result.scenario.slack.incidentChannel;
    const messages = result.world.state.slack.messages(channel);
    expect(messages.filter((m) => m.thread_ts === undefined || m.thread_ts === m.ts)).toHaveLength(
      1,
    );
    const text = JSON.stringify(messages);
    expect(text).not.toMatch(/<!channel>|<!here>|xox[bp]-|AKIA[0-9A-Z]{16}|@example\.com/);
  });

  it.todo("opens the draft PR and waits for a human merge (delivery phases are not built yet)");
});

describe("scenario guarantees", () => {
  let t: TestDb;
  let prefix: string;
  beforeAll(async () => {
    t = await createTestDb();
    prefix = testQueuePrefix();
  });
  afterAll(async () => {
    await dropQueuePrefix(prefix);
    await t.drop();
  });

  it("rerunning a finished scenario updates its Linear comment and creates no second one", async () => {
    const first = await runScenario({
      scenario: "abort-noise",
      ...harnessOpts(t, prefix),
      replicaAdminUrl: TEST_ADMIN_URL,
    });
    try {
      expect(first.run.outcome).toBe("NOISE_NO_FIX");
      const second = await runScenario({
        scenario: "abort-noise",
        world: first.world,
        ...(first.replicaUrl ? { replicaUrl: first.replicaUrl } : {}),
        ...harnessOpts(t, prefix),
      });
      expect(second.run.id).not.toBe(first.run.id);
      expect(second.run.outcome).toBe("NOISE_NO_FIX");
      expect(first.world.calls({ service: "linear", method: "commentCreate" })).toHaveLength(1);
      expect(
        first.world.calls({ service: "linear", method: "commentUpdate" }).length,
      ).toBeGreaterThanOrEqual(1);
      const comments = first.world.state.linear
        .comments(first.scenario.ticket.identifier)
        .filter((c) => c.body.includes("prode:handoff"));
      expect(comments).toHaveLength(1);
      expect(comments[0]!.body).toContain(second.run.id);
    } finally {
      await first.close();
    }
  }, 90_000);

  it("with the Sentry connector unconfigured, scenario 1 records the gap and stops below the gate", async () => {
    const base = await findScenario("backend-500-pr");
    const scenario = { ...base, integrations: { ...base.integrations, sentry: false } };
    const r = await runScenario({
      scenario,
      ...harnessOpts(t, prefix),
      replicaAdminUrl: TEST_ADMIN_URL,
    });
    try {
      const bundle = await bundleOf(t, r);
      expect(bundle.toolMap.tools.find((x) => x.connector === "sentry")).toMatchObject({
        status: "missing",
      });
      expect(bundle.classification!.confidence).toBeLessThan(70);
      expect(r.run.outcome).toBe("BLOCKED_NEEDS_INFO");
      expect(r.world.calls({ service: "sentry" })).toHaveLength(0);
    } finally {
      await r.close();
    }
  }, 90_000);
});
