import { and, eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSlackWebClient } from "../../src/adapters/slack/client.ts";
import { approvals, auditEvents, phaseTransitions } from "../../src/db/schema.ts";
import { engage } from "../../src/policy/kill-switches.ts";
import { phaseJobId } from "../../src/runner/ids.ts";
import { reconcileOnce } from "../../src/runner/reconciler.ts";
import { createApprovalExpiryHook } from "../../src/slack/approval-messages.ts";
import { quietLog, runRow } from "../setup/runner.ts";
import {
  type PostedApproval,
  STATEMENT,
  waitingApproval,
} from "../setup/slack-approval-fixtures.ts";
import {
  ephemeralsFor,
  type SlackHarness,
  startSlackHarness,
  USERS,
} from "../setup/slack-harness.ts";

let h: SlackHarness;
beforeEach(async () => {
  h = await startSlackHarness();
});
afterEach(async () => {
  await h.close();
});

async function click(p: PostedApproval, verdict: "approve" | "reject", user: string) {
  const res = await h.click(p.approval.id, verdict, user, {
    ts: p.message.ts,
    ...(p.message.threadTs ? { threadTs: p.message.threadTs } : {}),
  });
  expect(res.status).toBe(200);
  await h.slack.idle();
}

const stored = async (id: string) =>
  (await h.t.db.select().from(approvals).where(eq(approvals.id, id)))[0]!;
const runNow = (id: string) => runRow(h.t, id);
const auditOf = async (runId: string, type: string) =>
  h.t.db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.runId, runId), eq(auditEvents.type, type)));
const messageOf = (p: PostedApproval) =>
  h.world.state.slack.messages("C0INCIDENTS").find((m) => m.ts === p.message.ts)!;
const lastEphemeral = (user: string) => ephemeralsFor(h.world, user).at(-1)?.text ?? "";
const statementPosts = () =>
  h.world.state.slack.withMetadata("prode_approved_action", "C0INCIDENTS");

/** Asserts a refusal: the ephemeral reason, its audit record, and nothing decided. */
async function expectRefused(p: PostedApproval, user: string, reason: string, says: RegExp) {
  expect(lastEphemeral(user)).toMatch(says);
  const refused = await auditOf(p.run.id, "approval.refused");
  expect(refused.at(-1)).toMatchObject({
    actor: `slack:${user}`,
    payload: { approvalId: p.approval.id, reason },
  });
  expect(statementPosts()).toHaveLength(0);
}

describe("approving from Slack", () => {
  it("posts the request with Approve/Reject buttons carrying only the approval id", async () => {
    const p = await waitingApproval(h);
    const blocks = JSON.stringify(messageOf(p).blocks);
    const buttons = (messageOf(p).blocks as { type: string; elements?: { value?: string }[] }[])
      .filter((b) => b.type === "actions")
      .flatMap((b) => b.elements ?? []);
    expect(buttons.map((b) => b.value)).toEqual([p.approval.id, p.approval.id]);
    expect(blocks).toContain(p.approval.digest);
    expect(messageOf(p).thread_ts).toBeDefined();
  });

  it("accepts a valid approval once, hands the statement to a human and moves the run on", async () => {
    const p = await waitingApproval(h);
    await click(p, "approve", USERS.lead);

    const row = await stored(p.approval.id);
    expect(row).toMatchObject({ status: "approved", approver: USERS.lead });
    const run = await runNow(p.run.id);
    expect(run.phase).toBe("CREATE_WORKTREE");
    expect(await h.runner.queue.queue.getJob(phaseJobId(run.id, run.seq))).toBeDefined();

    const approved = await auditOf(p.run.id, "approval.approved");
    expect(approved).toHaveLength(1);
    expect(approved[0]?.payload).toMatchObject({ executedBy: "human", digest: p.approval.digest });

    // The message now says who and when, and has no buttons left.
    const message = messageOf(p);
    expect(message.text).toContain(`approved by name-${USERS.lead}`);
    expect(JSON.stringify(message.blocks)).not.toContain("prode_approve");
    // The approved statement is posted in the thread for a human; prode runs nothing.
    const posts = statementPosts();
    expect(posts).toHaveLength(1);
    expect(posts[0]?.thread_ts).toBe(p.message.threadTs);
    expect(JSON.stringify(posts[0]?.blocks)).toContain("onboarding_step_counts");
    expect(JSON.stringify(posts[0]?.blocks)).toContain("prode never runs production writes");

    // A second approver is too late: refused, audited, nothing posted again.
    await click(p, "approve", USERS.dba);
    expect(lastEphemeral(USERS.dba)).toMatch(/already approved by <@U0ENGLEAD2>/);
    expect(await auditOf(p.run.id, "approval.approved")).toHaveLength(1);
    expect(statementPosts()).toHaveLength(1);
  });

  it("treats a double click as one decision", async () => {
    const p = await waitingApproval(h);
    await click(p, "approve", USERS.lead);
    await click(p, "approve", USERS.lead);
    expect(lastEphemeral(USERS.lead)).toMatch(/You already approved this/);
    const refused = await auditOf(p.run.id, "approval.refused");
    expect(refused.map((r) => r.payload.reason)).toEqual(["already_decided"]);
    expect(await auditOf(p.run.id, "approval.approved")).toHaveLength(1);
    const moves = await h.t.db
      .select()
      .from(phaseTransitions)
      .where(
        and(eq(phaseTransitions.runId, p.run.id), eq(phaseTransitions.toState, "CREATE_WORKTREE")),
      );
    expect(moves).toHaveLength(1);
    expect(statementPosts()).toHaveLength(1);
  });

  it("lets exactly one of two racing approvers win", async () => {
    const p = await waitingApproval(h);
    const ref = {
      ts: p.message.ts,
      ...(p.message.threadTs ? { threadTs: p.message.threadTs } : {}),
    };
    const answers = await Promise.all([
      h.click(p.approval.id, "approve", USERS.lead, ref),
      h.click(p.approval.id, "approve", USERS.dba, ref),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    await h.slack.idle();
    expect(await auditOf(p.run.id, "approval.approved")).toHaveLength(1);
    expect((await auditOf(p.run.id, "approval.refused")).map((r) => r.payload.reason)).toEqual([
      "already_decided",
    ]);
    expect(statementPosts()).toHaveLength(1);
  });

  it("refuses an expired approval, says so, and shows it expired", async () => {
    const p = await waitingApproval(h, { createdAt: new Date(Date.now() - 31 * 60_000) });
    await click(p, "approve", USERS.lead);
    await expectRefused(p, USERS.lead, "expired", /expired at/);
    expect((await stored(p.approval.id)).status).toBe("pending");
    expect((await runNow(p.run.id)).phase).toBe("AWAIT_APPROVAL");
    expect(messageOf(p).text).toMatch(/expired at/);
    expect(JSON.stringify(messageOf(p).blocks)).not.toContain("prode_approve");
  });

  it("refuses a clicker without an approver role", async () => {
    const p = await waitingApproval(h);
    await click(p, "approve", USERS.backend);
    await expectRefused(p, USERS.backend, "wrong_role", /not an approver for production_write/);
    // A viewer is not an approver either; nor is an operator.
    await click(p, "approve", USERS.support);
    await expectRefused(p, USERS.support, "wrong_role", /needs the approver or admin role/);
    await click(p, "approve", USERS.oncall);
    await expectRefused(p, USERS.oncall, "wrong_role", /not an approver/);
    expect((await stored(p.approval.id)).status).toBe("pending");
    expect(JSON.stringify(messageOf(p).blocks)).toContain("prode_approve");
  });

  it("refuses the requester approving their own request", async () => {
    const p = await waitingApproval(h, { requester: USERS.lead });
    await click(p, "approve", USERS.lead);
    await expectRefused(p, USERS.lead, "self_approval", /You started this run/);
    expect((await stored(p.approval.id)).status).toBe("pending");
  });

  it("refuses when the action changed after the request (digest mismatch)", async () => {
    const p = await waitingApproval(h);
    await h.t.db
      .update(approvals)
      .set({ detail: `${STATEMENT} OR 1 = 1` })
      .where(eq(approvals.id, p.approval.id));
    await click(p, "approve", USERS.lead);
    await expectRefused(p, USERS.lead, "digest_changed", /digest no longer matches/);
    expect((await stored(p.approval.id)).status).toBe("pending");
    expect((await runNow(p.run.id)).phase).toBe("AWAIT_APPROVAL");
  });

  it("refuses approving while a kill switch holds the run, but lets a rejection through", async () => {
    const p = await waitingApproval(h);
    await engage(h.t.db, "service", "onboarding-api", { actor: "test", reason: "incident freeze" });
    await click(p, "approve", USERS.lead);
    await expectRefused(p, USERS.lead, "kill_switch", /kill switch service onboarding-api engaged/);
    expect((await stored(p.approval.id)).status).toBe("pending");

    await click(p, "reject", USERS.lead);
    expect((await stored(p.approval.id)).status).toBe("rejected");
  });

  it("refuses an approval already used by its run", async () => {
    const p = await waitingApproval(h);
    await click(p, "approve", USERS.lead);
    expect((await stored(p.approval.id)).status).toBe("approved");
    // No production step consumes an approval yet: the row is put in the state a run
    // that used it would leave, and the second click goes through the real Slack path.
    await h.t.db
      .update(approvals)
      .set({ status: "consumed", consumedAt: new Date() })
      .where(eq(approvals.id, p.approval.id));
    await click(p, "approve", USERS.dba);
    expect(lastEphemeral(USERS.dba)).toMatch(/already used/);
    const refused = await auditOf(p.run.id, "approval.refused");
    expect(refused.at(-1)?.payload).toMatchObject({ reason: "already_consumed" });
  });

  it("a rejection stops the run on the APPROVAL_REQUIRED exit, shown in place", async () => {
    const p = await waitingApproval(h);
    await click(p, "reject", USERS.dba);
    expect(await stored(p.approval.id)).toMatchObject({ status: "rejected", approver: USERS.dba });
    const run = await runNow(p.run.id);
    expect(run).toMatchObject({ phase: "LINEAR_HANDOFF", pendingOutcome: "APPROVAL_REQUIRED" });
    expect(messageOf(p).text).toContain(`rejected by name-${USERS.dba}`);
    expect(await auditOf(p.run.id, "approval.rejected")).toHaveLength(1);
    expect(statementPosts()).toHaveLength(0);
  });

  it("a click on an approval that does not exist is refused and audited", async () => {
    const p = await waitingApproval(h);
    await h.click("apr_doesnotexist", "approve", USERS.lead, { ts: p.message.ts });
    await h.slack.idle();
    expect(lastEphemeral(USERS.lead)).toMatch(/no longer exists/);
    const global = await h.t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.chain, "global"), eq(auditEvents.type, "approval.refused")));
    expect(global[0]?.payload).toMatchObject({
      approvalId: "apr_doesnotexist",
      reason: "not_found",
    });
  });
});

describe("expiry", () => {
  it("the reconciler's expiry hook updates the request message and the run stops", async () => {
    const p = await waitingApproval(h, { createdAt: new Date(Date.now() - 31 * 60_000) });
    const hook = createApprovalExpiryHook({
      client: createSlackWebClient({
        token: h.world.scenario.slack.botToken,
        apiUrl: h.world.urls.slack,
      }),
      db: h.t.db,
      log: quietLog,
    });
    const report = await reconcileOnce({
      db: h.t.db,
      queue: h.runner.queue,
      log: quietLog,
      actor: "reconciler",
      onApprovalExpired: hook,
    });
    expect(report.approvalsExpired).toBe(1);
    expect((await stored(p.approval.id)).status).toBe("expired");
    expect(messageOf(p).text).toMatch(/expired at/);
    expect(JSON.stringify(messageOf(p).blocks)).not.toContain("prode_approve");
    expect((await runNow(p.run.id)).pendingOutcome).toBe("APPROVAL_REQUIRED");

    await click(p, "approve", USERS.lead);
    await expectRefused(p, USERS.lead, "expired", /expired at/);
  });
});
