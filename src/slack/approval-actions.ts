import { escapeMrkdwn } from "../../blocks/escape.ts";
import type { RenderedMessage } from "../../blocks/kit.ts";
import { finish, section } from "../../blocks/kit.ts";
import {
  type ApprovalVerdict,
  type DecideDeps,
  type DecideOutcome,
  decideApproval,
} from "../approvals/decide.ts";
import {
  type ApprovalMessageDeps,
  approvalMessageRef,
  postApprovedStatement,
  showApprovalOutcome,
} from "./approval-messages.ts";
import type { SlackMessageRef } from "./messages.ts";

/** One click on Approve or Reject, as the interaction payload describes it. */
export interface ApprovalClick {
  /** The button's value: only the approval id. */
  approvalId: string;
  verdict: ApprovalVerdict;
  userId: string;
  userName?: string | undefined;
  /** Where the clicked message is (absent for clicks from outside a message). */
  channel?: string | undefined;
  messageTs?: string | undefined;
  threadTs?: string | undefined;
}

export type ApprovalClickDeps = ApprovalMessageDeps & Omit<DecideDeps, "db" | "now">;

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
  if (click.userName) deps.names?.remember(click.userId, click.userName);
  const outcome = await decideApproval(atNow, {
    // A malformed value authorises nothing; it is refused (and audited) as not found.
    approvalId: click.approvalId.slice(0, 128),
    verdict: click.verdict,
    userId: click.userId,
  });
  const approval = outcome.approval;
  let ref: SlackMessageRef | null =
    click.channel && click.messageTs
      ? {
          channel: click.channel,
          ts: click.messageTs,
          ...(click.threadTs ? { threadTs: click.threadTs } : {}),
        }
      : null;
  if (!ref && approval) ref = await approvalMessageRef(deps.db, approval);

  if (outcome.kind === "refused") {
    await reply(ephemeral(outcome.message));
    if (approval && ref && STATE_REFUSALS.has(outcome.reason)) {
      await showApprovalOutcome(atNow, approval, ref).catch((error) =>
        deps.log.warn(
          { err: error, approvalId: approval.id },
          "could not refresh approval message",
        ),
      );
    }
    return outcome;
  }

  const by = click.userName ?? click.userId;
  const at = (outcome.approval.decidedAt ?? now).toISOString();
  if (ref) {
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
    if (ref) {
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
