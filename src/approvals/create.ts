import { createHash, randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { appendAudit } from "../audit/audit.ts";
import type { Db, Tx } from "../db/client.ts";
import { approvals } from "../db/schema.ts";
import { parseRequester, type RunStarter, requesterOf } from "../domain/run-starter.ts";
import type { Action, EffectivePolicy } from "../policy/types.ts";

export type ApprovalRow = typeof approvals.$inferSelect;

/** One approval by id, or undefined when there is none. */
export async function getApproval(db: Db | Tx, id: string): Promise<ApprovalRow | undefined> {
  const [row] = await db.select().from(approvals).where(eq(approvals.id, id));
  return row;
}

/** The digest an approval binds to: the action and its exact detail (e.g. the SQL). */
export function approvalDigest(action: string, detail: string): string {
  return createHash("sha256").update(action).update("\n").update(detail).digest("hex");
}

export interface ApprovalRequest {
  runId: string;
  action: Action;
  /** The exact action, redacted: the statement a human will run, the PR to merge… */
  detail: string;
  risk: string;
  rollback: string;
  /**
   * Who asks: the human who started the run (see src/domain/run-starter.ts), or an
   * already encoded requester (`slack:U…`, `linear:<id>`, `prode` for no human).
   */
  requester: string | RunStarter;
  scope?: Record<string, string>;
}

/**
 * Records a pending, single-use approval for exactly one action, expiring after the
 * policy's expiry for that action (invariant 4). Approving never performs the action:
 * the decision is recorded and the approved detail handed to a human.
 */
export async function createApproval(
  db: Db | Tx,
  policy: Pick<EffectivePolicy, "actions">,
  request: ApprovalRequest,
  now = new Date(),
): Promise<ApprovalRow> {
  const minutes = policy.actions[request.action]?.approval_expiry_minutes ?? 30;
  const id = `apr_${now.getTime().toString(36)}${randomBytes(4).toString("hex")}`;
  const starter =
    typeof request.requester === "string" ? parseRequester(request.requester) : request.requester;
  const requester =
    typeof request.requester === "string" ? request.requester : requesterOf(request.requester);
  // A Linear requester has no Slack name: the one Linear gave is shown instead.
  const requesterName = starter.kind === "linear" && starter.name ? starter.name : undefined;
  const write = async (tx: Tx) => {
    const [row] = await tx
      .insert(approvals)
      .values({
        id,
        runId: request.runId,
        action: request.action,
        digest: approvalDigest(request.action, request.detail),
        detail: request.detail,
        risk: request.risk,
        rollback: request.rollback,
        scope: { ...(request.scope ?? {}), ...(requesterName ? { requesterName } : {}) },
        requester,
        expiresAt: new Date(now.getTime() + minutes * 60_000),
        createdAt: now,
      })
      .returning();
    await appendAudit(tx, {
      runId: request.runId,
      type: "approval.requested",
      actor: requester,
      payload: {
        approvalId: id,
        action: request.action,
        // The digest as requested: a decision is checked against this, never against
        // the row alone (an edited row recomputes to its own digest).
        digest: row!.digest,
        requester,
        expiresAt: row!.expiresAt.toISOString(),
      },
      at: now,
    });
    return row!;
  };
  return (db as Db).transaction(write);
}
