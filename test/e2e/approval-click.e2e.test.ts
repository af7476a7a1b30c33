import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { and, eq, isNull } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../../sim/demo/run-scenario.ts";
import { interactionBody, signedSlackHeaders } from "../../src/adapters/slack/signing.ts";
import { verifyAudit } from "../../src/audit/audit.ts";
import { approvals, auditEvents, runs } from "../../src/db/schema.ts";
import { APPROVAL_EVENT, HANDOFF_EVENT } from "../../src/slack/messages.ts";
import { createTestDb, type TestDb } from "../setup/db.ts";
import { TEST_ADMIN_URL } from "../setup/env.ts";
import { harnessOpts } from "../setup/harness.ts";
import { dropQueuePrefix, testQueuePrefix } from "../setup/redis.ts";
import { clickPayload, commandBody, USERS } from "../setup/slack-harness.ts";

/**
 * The approval path through the production wiring: the db-state-approval scenario runs in
 * the scenario harness (prode started by the composition root in the `dev` role), its
 * backfill approval is posted by the real notifier, and the click arrives as a signed
 * Slack request at prode's web server → Bolt → dispatcher → approvals → audit. Then the
 * harness's own reconciler (not a test's call) expires the approval of a second run.
 */
async function until<T>(what: string, read: () => Promise<T | undefined>, ms = 20_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("an approval click through the production wiring", () => {
  let t: TestDb;
  let prefix: string;
  let policyDir: string;
  let h: Harness;

  beforeAll(async () => {
    t = await createTestDb();
    prefix = testQueuePrefix();
    // The shipped policy, with the world's engineering lead in the place of the first
    // onboarding lead it names (an approver at org and team level).
    policyDir = await mkdtemp(join(tmpdir(), "prode-e2e-policy-"));
    await cp("policy", policyDir, { recursive: true });
    for (const file of ["org.yaml", join("teams", "onboarding.yaml")]) {
      const path = join(policyDir, file);
      await writeFile(path, (await readFile(path, "utf8")).replaceAll("U0LEADAMY", USERS.lead));
    }
    h = await startHarness({
      scenario: "db-state-approval",
      ...harnessOpts(t, prefix),
      replicaAdminUrl: TEST_ADMIN_URL,
      policyDir,
      reconcileMs: 300,
    });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await dropQueuePrefix(prefix);
    await t?.drop();
    await rm(policyDir, { recursive: true, force: true });
  });

  const channel = () => h.scenario.slack.incidentChannel;
  /** Runs the ticket to its stop and returns the posted approval request of that run. */
  async function approvalOfNewRun() {
    const accepted = await h.trigger();
    expect(accepted.status).toBe(200);
    const run = await h.follow(accepted.runId!);
    expect(run.outcome, JSON.stringify((run.context as { decision?: unknown }).decision)).toBe(
      "APPROVAL_REQUIRED",
    );
    const [approval] = await t.db.select().from(approvals).where(eq(approvals.runId, run.id));
    const message = h.world.state.slack
      .withMetadata(APPROVAL_EVENT, channel())
      .find((m) => JSON.stringify(m.blocks).includes(approval!.id));
    expect(message, "the approval request was posted by the notifier").toBeDefined();
    return { run, approval: approval!, message: message! };
  }

  it("a signed Approve click by an authorised approver is decided once, audited and shown", async () => {
    const { run, approval, message } = await approvalOfNewRun();
    const body = interactionBody(
      clickPayload(approval.id, "approve", USERS.lead, {
        ts: message.ts,
        ...(message.thread_ts ? { threadTs: message.thread_ts } : {}),
      }),
    );
    const secret = h.scenario.slack.signingSecret;
    const response = await fetch(`${h.url}/slack/events`, {
      method: "POST",
      headers: signedSlackHeaders(secret, body),
      body,
    });
    expect(response.status).toBe(200);

    const decided = await until("the approval to be decided", async () => {
      const [row] = await t.db.select().from(approvals).where(eq(approvals.id, approval.id));
      return row?.status === "pending" ? undefined : row;
    });
    expect(decided).toMatchObject({ status: "approved", approver: USERS.lead });
    const audited = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.runId, run.id), eq(auditEvents.type, "approval.approved")));
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({ actor: `slack:${USERS.lead}` });
    expect((await verifyAudit(t.db, { runId: run.id })).ok).toBe(true);

    // The request message now says who decided; the statement goes to a human to run.
    const updated = await until("the request message to be updated", async () => {
      const now = h.world.state.slack.messages(channel()).find((m) => m.ts === message.ts);
      return now && !JSON.stringify(now.blocks).includes("prode_approve") ? now : undefined;
    });
    expect(updated.text).toContain("approved by");
    // The statement's handoff is posted after the request is updated: wait for it too.
    const handed = await until("the statement's handoff to be posted", async () => {
      const posted = h.world.state.slack.withMetadata(HANDOFF_EVENT, channel());
      return posted.length > 0 ? posted : undefined;
    });
    expect(handed).toHaveLength(1);
    expect(JSON.stringify(handed[0]!.blocks)).toContain("prode never runs production writes");

    // An unsigned copy of the same click is refused by Bolt and changes nothing.
    const forged = await fetch(`${h.url}/slack/events`, {
      method: "POST",
      headers: signedSlackHeaders("not-the-secret", body),
      body,
    });
    expect(forged.status).toBe(401);
    expect(h.world.state.slack.withMetadata(HANDOFF_EVENT, channel())).toHaveLength(1);
  }, 60_000);

  it("the engineer who started the run with /prode triage cannot approve its production write", async () => {
    const secret = h.scenario.slack.signingSecret;
    const ticket = h.scenario.ticket.identifier;
    const command = commandBody(`triage ${ticket}`, USERS.lead, { channel_id: channel() });
    const started = await fetch(`${h.url}/slack/events`, {
      method: "POST",
      headers: signedSlackHeaders(secret, command),
      body: command,
    });
    expect(started.status).toBe(200);
    const active = await until("the run /prode triage started", async () => {
      const [row] = await t.db
        .select()
        .from(runs)
        .where(and(eq(runs.ticket, ticket), isNull(runs.outcome)));
      return row;
    });
    const run = await h.follow(active.id);
    expect(run.outcome).toBe("APPROVAL_REQUIRED");
    const [approval] = await t.db.select().from(approvals).where(eq(approvals.runId, run.id));
    // The requester is the human who typed the command, not prode.
    expect(approval!.requester).toBe(`slack:${USERS.lead}`);
    const message = h.world.state.slack
      .withMetadata(APPROVAL_EVENT, channel())
      .find((m) => JSON.stringify(m.blocks).includes(approval!.id))!;
    const click = interactionBody(
      clickPayload(approval!.id, "approve", USERS.lead, {
        ts: message.ts,
        ...(message.thread_ts ? { threadTs: message.thread_ts } : {}),
      }),
    );
    const response = await fetch(`${h.url}/slack/events`, {
      method: "POST",
      headers: signedSlackHeaders(secret, click),
      body: click,
    });
    expect(response.status).toBe(200);
    const refused = await until("the refusal to be audited", async () => {
      const [row] = await t.db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.runId, run.id), eq(auditEvents.type, "approval.refused")));
      return row;
    });
    expect(refused.payload).toMatchObject({ approvalId: approval!.id, reason: "self_approval" });
    const [row] = await t.db.select().from(approvals).where(eq(approvals.id, approval!.id));
    expect(row!.status).toBe("pending");
    const told = await until("the clicker to be told", async () =>
      h.world.state.slack
        .ephemerals()
        .find((e) => e.user === USERS.lead && /two-person rule/.test(e.text ?? "")),
    );
    expect(told).toBeDefined();
  }, 60_000);

  it("the harness's reconciler expires an approval past its expiry and updates its message", async () => {
    const { approval, message } = await approvalOfNewRun();
    // Fifteen minutes pass for this approval (policy expiry); the reconciler's clock is
    // Postgres's, so the row's expiry moves instead of the clock.
    await t.db
      .update(approvals)
      .set({ expiresAt: new Date(h.world.now().getTime() - 1_000) })
      .where(eq(approvals.id, approval.id));
    const expired = await until("the reconciler to expire the approval", async () => {
      const [row] = await t.db.select().from(approvals).where(eq(approvals.id, approval.id));
      return row?.status === "expired" ? row : undefined;
    });
    expect(expired.status).toBe("expired");
    const shown = await until("the request message to show the expiry", async () => {
      const now = h.world.state.slack.messages(channel()).find((m) => m.ts === message.ts);
      return now && /expired/i.test(now.text ?? "") ? now : undefined;
    });
    expect(JSON.stringify(shown.blocks)).not.toContain("prode_approve");
    const events = await t.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.type, "approval.expired"));
    expect(events.map((e) => e.actor)).toEqual([expect.stringMatching(/^reconciler@/)]);
  }, 60_000);
});
