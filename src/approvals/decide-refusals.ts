import type { ApprovalRow } from "./create.ts";

/**
 * Why a click on an approval is refused, and the words the clicker reads (short,
 * actionable; user ids as Slack mentions, which an ephemeral reply never pings).
 */
const REFUSAL_REASONS = [
  "not_found",
  "expired",
  "already_decided",
  "already_consumed",
  "self_approval",
  "wrong_role",
  "digest_changed",
  "kill_switch",
  /** The click did not come from this approval's request message. */
  "wrong_message",
  /** The clicker could not be told apart from the human who started the run. */
  "identity_unverified",
  /** The click's value, verdict or user is not what prode's buttons send. */
  "malformed",
  /** No intact `approval.requested` record to check the action against. */
  "not_requested",
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

function utc(at: Date | null): string {
  return at ? `${at.toISOString().slice(0, 16).replace("T", " ")} UTC` : "an earlier time";
}

function expiredRefusal(row: ApprovalRow): { reason: RefusalReason; message: string } {
  return {
    reason: "expired",
    message: `This approval expired at ${utc(row.expiresAt)}. Nothing was run; prode has to ask again.`,
  };
}

/** The refusal a decided, used or expired approval gets, or null while it is still open. */
export function stateRefusal(
  row: ApprovalRow,
  req: { userId: string; verdict: "approve" | "reject" },
  now: Date,
): { reason: RefusalReason; message: string } | null {
  switch (row.status) {
    case "approved":
    case "rejected": {
      const mine = row.approver === req.userId;
      const same = (row.status === "approved") === (req.verdict === "approve");
      return {
        reason: "already_decided",
        message:
          mine && same
            ? `You already ${row.status} this at ${utc(row.decidedAt)}. An approval is decided once; nothing more was done.`
            : `This approval was already ${row.status}${row.approver ? ` by <@${row.approver}>` : ""} at ${utc(row.decidedAt)}. It cannot be decided again.`,
      };
    }
    case "consumed":
      return {
        reason: "already_consumed",
        message: `This approval was already used at ${utc(row.consumedAt)}. An approval authorises one action once; a new request is needed.`,
      };
    case "expired":
      return expiredRefusal(row);
    case "pending":
      return row.expiresAt.getTime() <= now.getTime() ? expiredRefusal(row) : null;
    default:
      return null;
  }
}
