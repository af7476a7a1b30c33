import type { KnownBlock } from "@slack/types";
import {
  approvalActionBlocks,
  approvalFooter,
  riskAndRollbackBlock,
  shortDigest,
} from "./approval-request.ts";
import { escapeMrkdwn, inlineCode } from "./escape.ts";
import { assertNever, short } from "./format.ts";
import { fields, finish, header, type RenderedMessage, section } from "./kit.ts";
import { formatUtc, slackDate } from "./time.ts";
import type { ApprovalDecidedView, ApprovalDecisionView } from "./view-models.ts";

function headline(decision: ApprovalDecisionView): { title: string; line: string; words: string } {
  switch (decision.kind) {
    case "approved":
      return {
        title: "✅ Approved",
        line: `:white_check_mark: *Approved* by ${short(decision.by, 120)} at ${slackDate(decision.at)}`,
        words: `approved by ${short(decision.by, 80)} at ${formatUtc(decision.at)}`,
      };
    case "rejected": {
      const reason =
        decision.reason === undefined ? "" : `\n*Reason:* ${short(decision.reason, 1_000)}`;
      return {
        title: "⛔ Rejected",
        line: `:no_entry: *Rejected* by ${short(decision.by, 120)} at ${slackDate(decision.at)}${reason}`,
        words: `rejected by ${short(decision.by, 80)} at ${formatUtc(decision.at)}`,
      };
    }
    case "expired":
      return {
        title: "⌛ Expired",
        line: `:hourglass: *Expired* at ${slackDate(decision.at)} without a decision. Nothing was run.`,
        words: `expired at ${formatUtc(decision.at)}`,
      };
    default:
      return assertNever(decision, "approval decision");
  }
}

/**
 * The approval message after it was decided, replacing the request in place: the same
 * exact action and digest, then who approved or rejected it and when, or when it
 * expired. It carries no buttons, so a decided approval cannot be clicked again.
 */
export function renderApprovalDecided(view: ApprovalDecidedView, _now: Date): RenderedMessage {
  const h = headline(view.decision);
  const blocks: KnownBlock[] = [
    header(`${h.title} · ${view.ticket.key}`),
    section(h.line),
    ...approvalActionBlocks(view),
    fields([
      `*Digest*\n${inlineCode(shortDigest(view.digest))}`,
      `*Requested by*\n${short(view.requestedBy, 120)}`,
    ]),
    riskAndRollbackBlock(view),
    approvalFooter(view),
  ];
  const text = `Approval for ${short(view.ticket.key, 40)} ${h.words}: ${short(view.action.summary, 300)} (digest ${escapeMrkdwn(shortDigest(view.digest))})`;
  return finish(text, blocks);
}
