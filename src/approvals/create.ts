import { createHash, randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { appendAudit } from "../audit/audit.ts";
import type { Db, Tx } from "../db/client.ts";
import { approvals } from "../db/schema.ts";
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
  /** Who asks: "prode" for the runner, or a Slack user id. */
  requester: string;
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
        scope: request.scope ?? {},
        requester: request.requester,
        expiresAt: new Date(now.getTime() + minutes * 60_000),
        createdAt: now,
      })
      .returning();
    await appendAudit(tx, {
      runId: request.runId,
      type: "approval.requested",
      actor: request.requester,
      payload: {
        approvalId: id,
        action: request.action,
        digest: row!.digest,
        expiresAt: row!.expiresAt.toISOString(),
      },
      at: now,
    });
    return row!;
  };
  return (db as Db).transaction(write);
}
