import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../../sim/demo/run-scenario.ts";
import { approvals, artifacts, runs } from "../../src/db/schema.ts";
import { handoffMarker } from "../../src/domain/handoff-comment.ts";
import { parseRunContext } from "../../src/domain/run-context.ts";
import { engage } from "../../src/policy/kill-switches.ts";
import { createTestDb, type TestDb } from "../setup/db.ts";
import { TEST_ADMIN_URL } from "../setup/env.ts";
import { harnessOpts } from "../setup/harness.ts";
import { dropQueuePrefix, testQueuePrefix } from "../setup/redis.ts";

/**
 * A paused service stays paused when the ticket never names it (a probe found this): the
 * db-state-approval ticket's structured data names no service, yet the specialists choose
 * one service's declared data checks and its resources. That service joins the run's
 * scope as soon as the evidence is in, so its kill switch stops the run before anything is
 * posted: no evidence reply, no production-write approval, no Linear comment.
 */

const SERVICE = "workspace-api";
let t: TestDb;
let prefix: string;
let h: Harness;

beforeAll(async () => {
  t = await createTestDb();
  prefix = testQueuePrefix();
  h = await startHarness({
    scenario: "db-state-approval",
    ...harnessOpts(t, prefix),
    replicaAdminUrl: TEST_ADMIN_URL,
  });
}, 90_000);
afterAll(async () => {
  await h?.close({ closeWorld: true });
  await dropQueuePrefix(prefix);
  await t?.drop();
});

describe("a service kill switch on a run whose ticket names no service", () => {
  it("pauses the run once the evidence shows it concerns that service, before posting anything", async () => {
    await engage(t.db, "service", SERVICE, { actor: "test", reason: "maintenance" });
    const { runId } = await h.trigger();
    expect(runId).toBeDefined();
    // The specialists answer (their outputs are stored), then the phase's first post is
    // refused and the step lets go of the run, which stays where it is.
    const deadline = Date.now() + 90_000;
    let settled = 0;
    while (Date.now() < deadline && settled < 6) {
      await new Promise((r) => setTimeout(r, 500));
      const [row] = await t.db.select().from(runs).where(eq(runs.id, runId!));
      const stored = await t.db
        .select({ kind: artifacts.kind })
        .from(artifacts)
        .where(and(eq(artifacts.runId, runId!), eq(artifacts.kind, "specialist_output")));
      settled = stored.length > 0 && row!.leaseOwner === null && !row!.outcome ? settled + 1 : 0;
    }
    expect(settled, "the run never stopped at the evidence").toBe(6);
    const [run] = await t.db.select().from(runs).where(eq(runs.id, runId!));
    expect(run!.outcome).toBeNull();
    // The evidence is kept with the service it revealed; the run waits at CLASSIFY, so
    // paused, it does not read the service again on every reconciler pass.
    expect(run!.phase).toBe("CLASSIFY");
    expect(parseRunContext(run!.context).inferredServices).toEqual([SERVICE]);
    expect(await t.db.select().from(approvals).where(eq(approvals.runId, runId!))).toEqual([]);
    const ticket = h.scenario.ticket.identifier;
    const ours = h.world.state.linear
      .comments(ticket)
      .filter((c) => c.body.includes(handoffMarker(ticket)));
    expect(ours).toEqual([]);
    // Nothing from the evidence on: no specialist results, no decision in the thread.
    const posted = h.world.state.slack
      .messages(h.scenario.slack.incidentChannel)
      .map((m) => m.text ?? "")
      .join("\n");
    expect(posted).not.toMatch(/Evidence|production write|Approve/i);
    expect(parseRunContext(run!.context).decision).toBeUndefined();
  }, 120_000);
});
