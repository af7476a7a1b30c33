import { and, count, eq, gt } from "drizzle-orm";
import { appendAudit, verifyAudit } from "../audit/audit.ts";
import type { Db } from "../db/client.ts";
import { approvals, runs } from "../db/schema.ts";
import { asAppError, ErrorCode } from "../domain/errors.ts";
import { isPhase } from "../domain/phases.ts";
import { type RunContext, RunContextSchema } from "../domain/run-context.ts";
import { activeKillSwitchForRun } from "../policy/kill-switch-check.ts";
import { describeKillSwitch } from "../policy/kill-switches.ts";
import { canApprove } from "../policy/roles.ts";
import type { PolicyRequest } from "../policy/source.ts";
import { isAction, type LoadedPolicy, ROLES } from "../policy/types.ts";
import { runScope } from "../runner/engine.ts";
import { advanceWaitingRun } from "../runner/runs.ts";
import type { RunnerDeps, RunRow } from "../runner/types.ts";
import { type ApprovalRow, approvalDigest, getApproval } from "./create.ts";
import {
  type MessageRef,
  messageMismatch,
  requestedDigest,
  requesterOfApproval,
  sameHuman,
  type UserIdentity,
} from "./decide-checks.ts";
import { type RefusalReason, stateRefusal } from "./decide-refusals.ts";

/** The run's context, or nothing when it does not parse (no starter is then known). */
function safeContext(stored: unknown): RunContext | undefined {
  const parsed = RunContextSchema.safeParse(stored);
  return parsed.success ? parsed.data : undefined;
}

/**
 * Deciding an approval (invariant 4): a fresh, action-specific, single-use decision by an
 * authorised human other than the requester. Every check has a named refusal, and every
 * decision and refusal is audited. Approving never performs the action: a production
 * write is handed to a human to run; other actions are consumed by the run that asked.
 */

export type ApprovalVerdict = "approve" | "reject";

interface DecideRequest {
  approvalId: string;
  verdict: ApprovalVerdict;
  /** The Slack user who clicked. */
  userId: string;
  /** The message the click came from (Slack's signed payload says which). */
  message?: Partial<MessageRef> | undefined;
  /** Why (a rejection may say); stored on the approval. */
  comment?: string;
}

export interface DecideDeps {
  db: Db;
  /** Enqueues the run's next step when a decision moves it out of AWAIT_APPROVAL. */
  enqueue: RunnerDeps["enqueue"];
  /** The effective policy for the run's team/service. */
  policyFor(scope: PolicyRequest): Promise<LoadedPolicy>;
  /** The user groups `userId` belongs to among `candidates` (the groups policy names). */
  groupsOf(userId: string, candidates: readonly string[]): Promise<readonly string[]>;
  /** Where the approval's request message was posted (the effect ledger), or null. */
  messageOf(approval: Pick<ApprovalRow, "id" | "runId">): Promise<MessageRef | null>;
  /** The clicker's e-mail and names, to tell them from a Linear requester. */
  identityOf?(userId: string): Promise<UserIdentity | undefined>;
  now?: () => Date;
}

export type DecideOutcome =
  | {
      kind: "decided";
      status: "approved" | "rejected";
      approval: ApprovalRow;
      /** The run after the decision (moved on when it was waiting for this approval). */
      run: RunRow | null;
      advanced: boolean;
      /** An approved action prode never performs: a human runs the approved statement. */
      handToHuman: boolean;
    }
  | { kind: "refused"; reason: RefusalReason; message: string; approval: ApprovalRow | null };

/** Actions an approval authorises that prode itself never executes. */
const HUMAN_EXECUTED_ACTIONS: ReadonlySet<string> = new Set(["production_write"]);

/** Every user group the policy maps to a role: the only groups worth resolving. */
export function policyGroups(policy: Pick<LoadedPolicy, "roles">): string[] {
  return [...new Set(ROLES.flatMap((r) => policy.roles[r].groups))].sort();
}

async function refuse(
  deps: DecideDeps,
  req: DecideRequest,
  approval: ApprovalRow | null,
  reason: RefusalReason,
  message: string,
  detail: Record<string, unknown> = {},
): Promise<DecideOutcome> {
  await appendAudit(deps.db, {
    runId: approval?.runId ?? null,
    type: "approval.refused",
    actor: `slack:${req.userId}`,
    payload: {
      approvalId: req.approvalId,
      verdict: req.verdict,
      reason,
      ...(approval ? { action: approval.action, status: approval.status } : {}),
      ...detail,
    },
  });
  return { kind: "refused", reason, message, approval };
}

/**
 * Decides one approval for one clicker. Checks, in order: it exists; the click came
 * from its own request message; it is still pending and unexpired; the clicker is
 * another human than the one who started the run (two-person rule); the clicker holds
 * an approver role for this action; the action is the one requested (recomputed from
 * the row and compared with the digest of its `approval.requested` audit event, in an
 * intact chain); no kill switch holds the run (for approving). Then one atomic UPDATE …
 * WHERE status = 'pending' (and the action unchanged) makes it single-use: of two racing
 * clicks exactly one wins, the other is refused as already decided. A run waiting in
 * AWAIT_APPROVAL moves on to its resume phase once nothing else is pending, or to the
 * APPROVAL_REQUIRED exit on a rejection.
 */
export async function decideApproval(deps: DecideDeps, req: DecideRequest): Promise<DecideOutcome> {
  const now = deps.now?.() ?? new Date();
  const approval = await getApproval(deps.db, req.approvalId);
  if (!approval) {
    return refuse(
      deps,
      req,
      null,
      "not_found",
      "This approval no longer exists. Nothing was decided.",
    );
  }
  const mismatch = messageMismatch(await deps.messageOf(approval), req.message);
  if (mismatch) {
    return refuse(
      deps,
      req,
      approval,
      "wrong_message",
      "This button does not belong to this approval's request message. Nothing was decided; use the buttons on the request itself.",
      { why: mismatch, clicked: req.message ?? null },
    );
  }

  const state = stateRefusal(approval, req, now);
  if (state) return refuse(deps, req, approval, state.reason, state.message);

  const [run] = await deps.db.select().from(runs).where(eq(runs.id, approval.runId));
  const context = run ? safeContext(run.context) : undefined;
  const requester = requesterOfApproval(approval, context?.startedBy);
  const identity = requester.kind === "linear" ? await deps.identityOf?.(req.userId) : undefined;
  const same = sameHuman(requester, { userId: req.userId, identity });
  if (same !== "different") {
    return refuse(
      deps,
      req,
      approval,
      same === "same" ? "self_approval" : "identity_unverified",
      same === "same"
        ? "You started this run, so you cannot decide its approvals yourself (two-person rule). Another approver has to."
        : "prode could not tell you apart from the person who started this run (Slack gave no e-mail to compare), so you cannot decide it. Another approver has to.",
      { requester: approval.requester },
    );
  }

  const scope: PolicyRequest = run ? runScope(run) : {};
  const policy = await deps.policyFor(scope);
  const groupIds = await deps.groupsOf(req.userId, policyGroups(policy));
  const action = approval.action;
  if (!isAction(action) || !canApprove(policy, action, { userId: req.userId, groupIds })) {
    const roles = isAction(action) ? policy.actions[action].approvers : [];
    return refuse(
      deps,
      req,
      approval,
      "wrong_role",
      `You are not an approver for ${action}${roles.length > 0 ? ` (needs the ${roles.join(" or ")} role in prode's policy)` : ""}. Nothing was decided; ask someone who holds it.`,
      { requiredRoles: roles, policyHash: policy.hash },
    );
  }

  const requested = await requestedDigest(deps.db, approval);
  const chain = requested ? await verifyAudit(deps.db, { runId: approval.runId }) : null;
  // The chain's hashes only: a digest mismatch is this check's own refusal below.
  if (!requested || !chain || chain.breaks.length > 0) {
    return refuse(
      deps,
      req,
      approval,
      "not_requested",
      "prode has no intact record of this request, so it cannot tell whether the action is the one asked for. Nothing was decided; prode has to ask again.",
      { auditIntact: chain ? chain.breaks.length === 0 : null },
    );
  }
  const digest = approvalDigest(approval.action, approval.detail);
  if (digest !== requested || approval.digest !== requested) {
    return refuse(
      deps,
      req,
      approval,
      "digest_changed",
      "The proposed action changed after this request was made (its digest no longer matches). Nothing was decided; prode has to ask again for the new action.",
      { requestedDigest: requested, storedDigest: approval.digest, currentDigest: digest },
    );
  }

  // Rejecting stays possible under a kill switch: it only stops things. Approving a
  // kill-switch change must stay possible too, or a switch could never be released.
  if (req.verdict === "approve" && action !== "kill_switch_change") {
    // The run's scope and every disputed candidate scope (issue 18 item 3).
    const engaged = await activeKillSwitchForRun(deps.db, scope, null, policy);
    if (engaged) {
      return refuse(
        deps,
        req,
        approval,
        "kill_switch",
        `A ${describeKillSwitch(engaged)}. Approvals wait until it is released; nothing was decided.`,
        { killSwitch: { scope: engaged.scope, value: engaged.value } },
      );
    }
  }

  const status = req.verdict === "approve" ? "approved" : "rejected";
  const handToHuman = status === "approved" && HUMAN_EXECUTED_ACTIONS.has(action);
  const decided = await deps.db.transaction(async (tx) => {
    const [row] = await tx
      .update(approvals)
      .set({
        status,
        approver: req.userId,
        decidedAt: now,
        reason: req.comment ?? null,
      })
      .where(
        and(
          eq(approvals.id, approval.id),
          eq(approvals.status, "pending"),
          gt(approvals.expiresAt, now),
          // The row still holds the action that was checked (no edit between).
          eq(approvals.digest, requested),
          eq(approvals.action, approval.action),
          eq(approvals.detail, approval.detail),
        ),
      )
      .returning();
    if (!row) return null;
    await appendAudit(tx, {
      runId: row.runId,
      type: `approval.${status}`,
      actor: `slack:${req.userId}`,
      payload: {
        approvalId: row.id,
        action: row.action,
        digest: row.digest,
        requester: row.requester,
        policyHash: policy.hash,
        ...(handToHuman ? { executedBy: "human", note: "prode never runs production writes" } : {}),
      },
    });
    return row;
  });
  if (!decided) {
    // Lost a race with another click (or the expiry): refuse with what happened.
    const current = await getApproval(deps.db, approval.id);
    const lost = current ? stateRefusal(current, req, now) : null;
    return refuse(
      deps,
      req,
      current ?? approval,
      lost?.reason ?? "already_decided",
      lost?.message ?? "This approval was decided by someone else just now.",
    );
  }

  const moved = await moveWaitingRun(deps, decided, status);
  return { kind: "decided", status, approval: decided, handToHuman, ...moved };
}

/** Moves the run out of AWAIT_APPROVAL if it waits for this approval (and no other). */
async function moveWaitingRun(
  deps: DecideDeps,
  approval: ApprovalRow,
  status: "approved" | "rejected",
): Promise<{ run: RunRow | null; advanced: boolean }> {
  const [run] = await deps.db.select().from(runs).where(eq(runs.id, approval.runId));
  if (run?.phase !== "AWAIT_APPROVAL") return { run: run ?? null, advanced: false };
  const actor = `slack:${approval.approver}`;
  try {
    if (status === "rejected") {
      const updated = await advanceWaitingRun(
        deps,
        { runId: run.id, from: "AWAIT_APPROVAL", exit: "APPROVAL_REQUIRED" },
        actor,
        `approval ${approval.id} (${approval.action}) rejected`,
      );
      return { run: updated, advanced: true };
    }
    const [open] = await deps.db
      .select({ n: count() })
      .from(approvals)
      .where(and(eq(approvals.runId, run.id), eq(approvals.status, "pending")));
    if ((open?.n ?? 0) > 0 || !run.resumePhase || !isPhase(run.resumePhase)) {
      return { run, advanced: false };
    }
    const updated = await advanceWaitingRun(
      deps,
      { runId: run.id, from: "AWAIT_APPROVAL", to: run.resumePhase },
      actor,
      `approval ${approval.id} (${approval.action}) approved`,
    );
    return { run: updated, advanced: true };
  } catch (error) {
    // Another decider (or the reconciler) moved it first: the run is where it should be.
    if (asAppError(error).code === ErrorCode.IllegalTransition) {
      const [now] = await deps.db.select().from(runs).where(eq(runs.id, run.id));
      return { run: now ?? run, advanced: false };
    }
    throw error;
  }
}
