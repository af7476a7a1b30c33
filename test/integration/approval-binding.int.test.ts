import { and, eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSlackWebClient } from "../../src/adapters/slack/client.ts";
import { interactionBody } from "../../src/adapters/slack/signing.ts";
import { createUserGroupResolver } from "../../src/adapters/slack/user-groups.ts";
import { approvalDigest } from "../../src/approvals/create.ts";
import { approvals, auditEvents } from "../../src/db/schema.ts";
import { engage } from "../../src/policy/kill-switches.ts";
import { cachedPolicySource } from "../../src/policy/source.ts";
import type { PhaseJobData } from "../../src/runner/types.ts";
import { handleApprovalClick } from "../../src/slack/approval-actions.ts";
import { quietLog } from "../setup/runner.ts";
import {
  type PostedApproval,
  STATEMENT,
  waitingApproval,
} from "../setup/slack-approval-fixtures.ts";
import {
  clickPayload,
  ephemeralsFor,
  type SlackHarness,
  startSlackHarness,
  USERS,
} from "../setup/slack-harness.ts";

/**
 * Issue 18, items 2, 4 and 9: a click is bound to the message its approver saw and to
 * the action as requested; the approver is another human than the one who started the
 * run; what prode posts about an approval waits for the `slack_post` kill switch.
 * Every click goes through the real Slack path (signed request → Bolt → dispatcher).
 */

let h: SlackHarness;
beforeEach(async () => {
  h = await startSlackHarness();
});
afterEach(async () => {
  await h.close();
});

const refMessage = (p: PostedApproval) => ({
  ts: p.message.ts,
  ...(p.message.threadTs ? { threadTs: p.message.threadTs } : {}),
});
const stored = async (id: string) =>
  (await h.t.db.select().from(approvals).where(eq(approvals.id, id)))[0]!;
const refusals = async (chain?: string) =>
  (
    await h.t.db
      .select()
      .from(auditEvents)
      .where(
        and(
          eq(auditEvents.type, "approval.refused"),
          ...(chain ? [eq(auditEvents.chain, chain)] : []),
        ),
      )
  ).map((e) => e.payload);
const lastEphemeral = (user: string) => ephemeralsFor(h.world, user).at(-1)?.text ?? "";
const statementPosts = () =>
  h.world.state.slack.withMetadata("prode_approved_action", "C0INCIDENTS");

/** Posts a click whose button value is `value` (anything a crafted payload may carry). */
async function clickWithValue(p: PostedApproval, value: unknown, user: string = USERS.lead) {
  const payload = clickPayload(p.approval.id, "approve", user, refMessage(p));
  (payload.actions[0] as { value: unknown }).value = value;
  const res = await h.post(interactionBody(payload));
  await h.drain();
  return res.status;
}

describe("a click is bound to its message and its value is checked", () => {
  it("refuses another run's approval id clicked from this run's message", async () => {
    const mine = await waitingApproval(h);
    const other = await waitingApproval(h);
    // The button of `mine`'s message, its value swapped for `other`'s approval id.
    const res = await h.click(other.approval.id, "approve", USERS.lead, refMessage(mine));
    expect(res.status).toBe(200);
    await h.drain();
    expect(lastEphemeral(USERS.lead)).toMatch(/does not belong to this approval's request/);
    expect((await stored(other.approval.id)).status).toBe("pending");
    expect((await stored(mine.approval.id)).status).toBe("pending");
    expect(await refusals(`run:${other.run.id}`)).toEqual([
      expect.objectContaining({ approvalId: other.approval.id, reason: "wrong_message" }),
    ]);
    // From its own message the same click is decided.
    await h.click(other.approval.id, "approve", USERS.lead, refMessage(other));
    await h.drain();
    expect((await stored(other.approval.id)).status).toBe("approved");
  });

  it("a one-element array, a number or an object as the value decides nothing", async () => {
    const p = await waitingApproval(h);
    for (const value of [[p.approval.id], 12345, { id: p.approval.id }]) {
      // Refused at the door (4xx) or by the click handler (200 and an audited refusal).
      const status = await clickWithValue(p, value);
      expect(status === 200 || (status >= 400 && status < 500), `status ${status}`).toBe(true);
    }
    expect((await stored(p.approval.id)).status).toBe("pending");
    expect(statementPosts()).toHaveLength(0);
    expect(
      await h.t.db.select().from(auditEvents).where(eq(auditEvents.type, "approval.approved")),
    ).toHaveLength(0);
  });

  it("the click handler refuses and audits a value that is not one approval id", async () => {
    const p = await waitingApproval(h);
    const client = createSlackWebClient({
      token: h.world.scenario.slack.botToken,
      apiUrl: h.world.urls.slack,
    });
    const groups = createUserGroupResolver(client);
    const deps = {
      client,
      db: h.t.db,
      log: quietLog,
      enqueue: (data: PhaseJobData) => h.runner.queue.enqueue(data),
      policyFor: cachedPolicySource(h.policyDir),
      groupsOf: (u: string, c: readonly string[]) => groups.groupsOf(u, c),
    };
    const replies: string[] = [];
    for (const value of [[p.approval.id], 12345, { id: p.approval.id }, `["${p.approval.id}"]`]) {
      const outcome = await handleApprovalClick(
        deps,
        {
          approvalId: value,
          verdict: "approve",
          userId: USERS.lead,
          channel: "C0INCIDENTS",
          messageTs: p.message.ts,
        },
        async (m) => {
          replies.push(m.text);
        },
      );
      expect(outcome).toMatchObject({ kind: "refused", reason: "malformed" });
    }
    expect((await stored(p.approval.id)).status).toBe("pending");
    expect((await refusals("global")).map((r) => [r.reason, r.value])).toEqual([
      ["malformed", "array(1)"],
      ["malformed", "number"],
      ["malformed", "object"],
      ["malformed", `string(${p.approval.id.length + 4})`],
    ]);
    expect(replies).toHaveLength(4);
    expect(replies[0]).toMatch(/does not carry a valid approval/);
  });

  it("refuses a row whose action and digest were both edited after the request", async () => {
    const p = await waitingApproval(h);
    const edited = `${STATEMENT} OR 1 = 1`;
    // The row recomputes to itself: only the requested digest can tell.
    await h.t.db
      .update(approvals)
      .set({ detail: edited, digest: approvalDigest("production_write", edited) })
      .where(eq(approvals.id, p.approval.id));
    await h.click(p.approval.id, "approve", USERS.lead, refMessage(p));
    await h.drain();
    expect((await stored(p.approval.id)).status).toBe("pending");
    expect(lastEphemeral(USERS.lead)).toMatch(/digest no longer matches/);
    expect(await refusals(`run:${p.run.id}`)).toEqual([
      expect.objectContaining({
        reason: "digest_changed",
        requestedDigest: p.approval.digest,
      }),
    ]);
    expect(statementPosts()).toHaveLength(0);
  });
});

describe("two-person rule", () => {
  it("refuses the Linear user who started the run, matched by e-mail to their Slack account", async () => {
    const p = await waitingApproval(h, {
      requester: {
        kind: "linear",
        userId: "lin-user-marco",
        name: "M. B.",
        email: "Marco.Bianchi@example.com",
      },
      context: {
        startedBy: {
          kind: "linear",
          userId: "lin-user-marco",
          name: "M. B.",
          email: "Marco.Bianchi@example.com",
        },
      },
    });
    // The lead's Slack profile has marco.bianchi@example.com: the same human.
    await h.click(p.approval.id, "approve", USERS.lead, refMessage(p));
    await h.drain();
    expect(lastEphemeral(USERS.lead)).toMatch(/two-person rule/);
    expect((await stored(p.approval.id)).status).toBe("pending");
    expect(await refusals(`run:${p.run.id}`)).toEqual([
      expect.objectContaining({ reason: "self_approval", requester: "linear:lin-user-marco" }),
    ]);
    // Another authorised human may.
    await h.click(p.approval.id, "approve", USERS.dba, refMessage(p));
    await h.drain();
    expect(await stored(p.approval.id)).toMatchObject({ status: "approved", approver: USERS.dba });
  });

  it("a run no human started still needs an authorised approver", async () => {
    const p = await waitingApproval(h, { requester: { kind: "none", via: "poller" } });
    expect(p.approval.requester).toBe("prode");
    await h.click(p.approval.id, "approve", USERS.backend, refMessage(p));
    await h.drain();
    expect((await stored(p.approval.id)).status).toBe("pending");
    expect(lastEphemeral(USERS.backend)).toMatch(/not an approver/);
  });
});

describe("kill switch on what prode posts about an approval", () => {
  it("does not post the approved statement while slack_post is paused, and says so", async () => {
    const p = await waitingApproval(h);
    await engage(h.t.db, "capability", "slack_post", { actor: "test", reason: "noisy bot" });
    await h.click(p.approval.id, "approve", USERS.lead, refMessage(p));
    await h.drain();
    expect((await stored(p.approval.id)).status).toBe("approved");
    expect(statementPosts()).toHaveLength(0);
    expect(lastEphemeral(USERS.lead)).toMatch(/did not post the statement/);
    const held = await h.t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.runId, p.run.id), eq(auditEvents.type, "approval.statement_held")));
    expect(held).toHaveLength(1);
  });
});
