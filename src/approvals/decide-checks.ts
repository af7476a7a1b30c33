import { and, asc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db/client.ts";
import { auditEvents } from "../db/schema.ts";
import { parseRequester, type RunStarter } from "../domain/run-starter.ts";
import type { ApprovalRow } from "./create.ts";

/**
 * The checks that bind a click to what its approver saw and to who asked (invariant 4):
 * the clicked message is the one the approval was posted in, the clicker is another
 * human than the run's starter, and the action is the one requested.
 */

/** A Slack message, as the click payload names it and the effect ledger recorded it. */
export interface MessageRef {
  channel: string;
  ts: string;
}

/** What Slack says of a user, to tell one human from another across Slack and Linear. */
export interface UserIdentity {
  email?: string | undefined;
  /** Real and display names, as Slack has them. */
  names: readonly string[];
}

/**
 * Whether the click came from the approval's own request message: the ledger's record
 * of where the notifier posted it. A click from another message (another run's, a copy,
 * a crafted payload naming another approval) is refused; so is one that names no
 * message, or an approval whose message was never recorded.
 */
export function messageMismatch(
  posted: MessageRef | null,
  clicked: Partial<MessageRef> | undefined,
): string | null {
  if (!posted) return "no request message is recorded for this approval";
  if (!clicked?.channel || !clicked.ts) return "the click names no message";
  if (posted.channel !== clicked.channel || posted.ts !== clicked.ts) {
    return "the click came from another message than this approval's request";
  }
  return null;
}

const norm = (s: string) => s.normalize("NFKC").trim().toLowerCase().replace(/\s+/g, " ");

/**
 * Whether the clicker is the human who started the run. A Slack starter is compared by
 * user id; a Linear starter by e-mail (Slack's profile e-mail against Linear's), or by
 * name when Linear gave no e-mail. "unknown": the starter has an e-mail but Slack did
 * not give the clicker's, so they cannot be told apart and the click is refused.
 * No human started the run: nobody is the requester, the role check alone decides.
 */
export function sameHuman(
  starter: RunStarter,
  clicker: { userId: string; identity?: UserIdentity | undefined },
): "same" | "different" | "unknown" {
  switch (starter.kind) {
    case "slack":
      return starter.userId === clicker.userId ? "same" : "different";
    case "linear": {
      const identity = clicker.identity;
      if (starter.email) {
        if (!identity?.email) return "unknown";
        return norm(identity.email) === norm(starter.email) ? "same" : "different";
      }
      if (!starter.name || !identity) return "unknown";
      const name = norm(starter.name);
      return (identity?.names ?? []).some((n) => norm(n) === name) ? "same" : "different";
    }
    case "none":
      return "different";
    default: {
      const never: never = starter;
      return never;
    }
  }
}

/** The approval's requester, with what the run recorded of them (a Linear e-mail). */
export function requesterOfApproval(
  approval: Pick<ApprovalRow, "requester">,
  startedBy: RunStarter | undefined,
): RunStarter {
  const requester = parseRequester(approval.requester);
  if (
    requester.kind === "linear" &&
    startedBy?.kind === "linear" &&
    startedBy.userId === requester.userId
  ) {
    return startedBy;
  }
  return requester;
}

const RequestedPayload = z.object({ approvalId: z.string(), digest: z.string().min(1) });

/**
 * The digest the approval was requested with, from its `approval.requested` audit
 * event (hash-chained with the run's other events), or null when there is none. The
 * row's own digest column is never trusted alone: an edited row can carry the digest
 * of its edited detail.
 */
export async function requestedDigest(
  db: Db,
  approval: Pick<ApprovalRow, "id" | "runId">,
): Promise<string | null> {
  const rows = await db
    .select({ payload: auditEvents.payload })
    .from(auditEvents)
    .where(
      and(
        eq(auditEvents.chain, `run:${approval.runId}`),
        eq(auditEvents.type, "approval.requested"),
        sql`${auditEvents.payload}->>'approvalId' = ${approval.id}`,
      ),
    )
    .orderBy(asc(auditEvents.seq));
  // Exactly one request per approval; two would mean a forged second event.
  if (rows.length !== 1) return null;
  const parsed = RequestedPayload.safeParse(rows[0]!.payload);
  return parsed.success ? parsed.data.digest : null;
}
