import { eq } from "drizzle-orm";
import { z } from "zod";
import { APPROVAL_ID_PATTERN } from "../../blocks/approval-request.ts";
import { escapeMrkdwn } from "../../blocks/escape.ts";
import type { RenderedMessage } from "../../blocks/kit.ts";
import { finish, section } from "../../blocks/kit.ts";
import type { ApprovalRow } from "../approvals/create.ts";
import {
  type ApprovalVerdict,
  type DecideDeps,
  type DecideOutcome,
  decideApproval,
} from "../approvals/decide.ts";
import { appendAudit } from "../audit/audit.ts";
import { runs } from "../db/schema.ts";
import { activeKillSwitchForRun } from "../policy/kill-switch-check.ts";
import { describeKillSwitch } from "../policy/kill-switches.ts";
import { runScope } from "../runner/engine.ts";
import {
  type ApprovalMessageDeps,
  approvalMessageRef,
  postApprovedStatement,
  showApprovalOutcome,
} from "./approval-messages.ts";
import type { SlackMessageRef } from "./messages.ts";

/** One click on Approve or Reject, as the interaction payload describes it. */
export interface ApprovalClick {
  /** The button's value: only the approval id (anything else is refused). */
  approvalId: unknown;
  verdict: ApprovalVerdict;
  userId: string;
  userName?: string | undefined;
  /** Where the clicked message is (absent for clicks from outside a message). */
  channel?: string | undefined;
  messageTs?: string | undefined;
  threadTs?: string | undefined;
}

export type ApprovalClickDeps = ApprovalMessageDeps &
  Omit<DecideDeps, "db" | "now" | "messageOf" | "identityOf"> & {
    identityOf?: DecideDeps["identityOf"];
  };

const SLACK_ID = /^[A-Z][A-Z0-9]{2,30}$/;
const SLACK_TS = /^\d{1,12}\.\d{1,9}$/;

/**
 * What prode's own buttons send, and nothing else: the value is one approval id string
 * (not an array, number or object, which a crafted payload may carry), the user and the
 * message are Slack ids. Checked before anything is looked up.
 */
const ClickSchema = z.object({
  approvalId: z.string().regex(APPROVAL_ID_PATTERN),
  verdict: z.enum(["approve", "reject"]),
  userId: z.string().regex(SLACK_ID),
  userName: z.string().max(200).optional(),
  channel: z.string().regex(SLACK_ID).optional(),
  messageTs: z.string().regex(SLACK_TS).optional(),
  threadTs: z.string().regex(SLACK_TS).optional(),
});

/** A value's shape for the audit record, never the value itself (it may be huge). */
function shapeOf(value: unknown): string {
  if (Array.isArray(value)) return `array(${value.length})`;
  if (value === null) return "null";
  if (typeof value === "string") return `string(${value.length})`;
  return typeof value;
}

/** Refuses a click that is not what prode's buttons send: audited, and said to the clicker. */
async function refuseMalformed(
  deps: ApprovalClickDeps,
  click: ApprovalClick,
  error: z.ZodError,
  reply: (message: RenderedMessage) => Promise<void>,
): Promise<DecideOutcome> {
  const fields = [...new Set(error.issues.map((i) => String(i.path[0] ?? "click")))];
  const user = typeof click.userId === "string" ? click.userId.slice(0, 40) : shapeOf(click.userId);
  await appendAudit(deps.db, {
    type: "approval.refused",
    actor: `slack:${user}`,
    payload: {
      reason: "malformed",
      fields,
      value: shapeOf(click.approvalId),
      verdict:
        typeof click.verdict === "string" ? click.verdict.slice(0, 20) : shapeOf(click.verdict),
    },
  });
  const message =
    "This click does not carry a valid approval (it did not come from one of prode's buttons as sent). Nothing was decided.";
  if (typeof click.userId === "string" && SLACK_ID.test(click.userId)) {
    await reply(ephemeral(message)).catch((err) =>
      deps.log.warn({ err }, "could not tell the clicker about a malformed click"),
    );
  }
  return { kind: "refused", reason: "malformed", message, approval: null };
}

/**
 * The capability switch (or global/team/service switch) that holds a Slack write for
 * the approval's run, or null. Approving is a human's decision and stands; what prode
 * posts about it waits like every other post (invariant: the kill switch is checked
 * before each external effect).
 */
async function slackWriteHeld(
  deps: ApprovalClickDeps,
  approval: ApprovalRow,
  capability: "slack_post" | "slack_update",
) {
  const [run] = await deps.db.select().from(runs).where(eq(runs.id, approval.runId));
  return activeKillSwitchForRun(deps.db, run ? runScope(run) : {}, capability);
}

const STATE_REFUSALS = new Set(["expired", "already_decided", "already_consumed"]);

function ephemeral(text: string): RenderedMessage {
  return finish(text, [section(`:no_entry: ${escapeMrkdwn(text)}`)]);
}

/**
 * Handles a click after it was acknowledged: decides (see {@link decideApproval}), then
 * shows the outcome where the clicker sees it. Decided → the message is updated in place
 * to who and when (no buttons left), and an approved production write is posted in the
 * thread for a human to run. Refused → the clicker gets the reason, ephemerally; when
 * the refusal is the approval's state (expired, already decided or used), the message
 * is brought up to date too, so stale buttons disappear.
 */
export async function handleApprovalClick(
  deps: ApprovalClickDeps,
  click: ApprovalClick,
  reply: (message: RenderedMessage) => Promise<void>,
): Promise<DecideOutcome> {
  const now = deps.now?.() ?? new Date();
  // One clock for the whole click: the decision and every message it updates.
  const atNow = { ...deps, now: () => now };
  const parsed = ClickSchema.safeParse(click);
  if (!parsed.success) return refuseMalformed(deps, click, parsed.error, reply);
  const c = parsed.data;
  if (c.userName) deps.names?.remember(c.userId, c.userName);
  const outcome = await decideApproval(
    {
      ...atNow,
      messageOf: (approval) => approvalMessageRef(deps.db, approval),
    },
    {
      approvalId: parsed.data.approvalId,
      verdict: c.verdict,
      userId: c.userId,
      message: {
        ...(c.channel ? { channel: c.channel } : {}),
        ...(c.messageTs ? { ts: c.messageTs } : {}),
      },
    },
  );
  const approval = outcome.approval;
  let ref: SlackMessageRef | null =
    c.channel && c.messageTs
      ? {
          channel: c.channel,
          ts: c.messageTs,
          ...(c.threadTs ? { threadTs: c.threadTs } : {}),
        }
      : null;
  if (!ref && approval) ref = await approvalMessageRef(deps.db, approval);

  if (outcome.kind === "refused") {
    await reply(ephemeral(outcome.message));
    if (
      approval &&
      ref &&
      STATE_REFUSALS.has(outcome.reason) &&
      !(await slackWriteHeld(deps, approval, "slack_update"))
    ) {
      await showApprovalOutcome(atNow, approval, ref).catch((error) =>
        deps.log.warn(
          { err: error, approvalId: approval.id },
          "could not refresh approval message",
        ),
      );
    }
    return outcome;
  }

  const by = c.userName ?? c.userId;
  const at = (outcome.approval.decidedAt ?? now).toISOString();
  const updateHeld = ref ? await slackWriteHeld(deps, outcome.approval, "slack_update") : null;
  if (ref && !updateHeld) {
    await showApprovalOutcome(
      atNow,
      outcome.approval,
      ref,
      outcome.status === "approved"
        ? { kind: "approved", by, at }
        : {
            kind: "rejected",
            by,
            at,
            ...(outcome.approval.reason ? { reason: outcome.approval.reason } : {}),
          },
    );
  }
  if (outcome.handToHuman) {
    // `ref` already fell back to the ledger's message ref above: no second lookup.
    const held = ref ? await slackWriteHeld(deps, outcome.approval, "slack_post") : null;
    if (ref && held) {
      // The decision stands; the post waits with everything else prode would post.
      await appendAudit(deps.db, {
        runId: outcome.approval.runId,
        type: "approval.statement_held",
        actor: "prode",
        payload: {
          approvalId: outcome.approval.id,
          killSwitch: { scope: held.scope, value: held.value },
        },
      });
      await reply(
        ephemeral(
          `Approved, but prode did not post the statement in the thread: a ${describeKillSwitch(held)}. The approved statement is in the approval record (${outcome.approval.id}).`,
        ),
      );
    } else if (ref) {
      await postApprovedStatement(atNow, outcome.approval, ref, by);
    } else {
      deps.log.warn(
        { approvalId: outcome.approval.id },
        "approved statement has no thread to go to",
      );
    }
  }
  return outcome;
}
