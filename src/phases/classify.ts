import { createApproval, getApproval } from "../approvals/create.ts";
import { deliveryBand } from "../delivery/autonomy.ts";
import type { EvidenceBundle } from "../domain/evidence-bundle.ts";
import { type RunContextPatch, scopeOf } from "../domain/run-context.ts";
import { assembleBundle, decideTriage } from "../domain/triage-decision.ts";
import { evaluateAndRecord } from "../policy/decisions.ts";
import { putArtifact } from "../runner/artifacts.ts";
import type { PhaseHandler, PhaseResult } from "../runner/types.ts";
import type { PipelineDeps } from "./deps.ts";
import { loadEvidence, type Notify } from "./triage-context.ts";

/**
 * CLASSIFY: deterministic classification over the specialists' signals, the evidence
 * gate, the policy decision record, the production-write approval when the evidence
 * calls for one, the stored evidence bundle, and the decision posted to the channel.
 */
export function classifyPhase(deps: PipelineDeps, notify: Notify): PhaseHandler {
  return async (ctx) => {
    const t = ctx.context;
    const specialists = await loadEvidence(ctx, t.evidence);
    const scope = scopeOf(t);
    const policy = await deps.policyFor(scope);
    const toolMap = {
      tools: t.tools ?? [],
      route: t.route ?? { specialists: [], rationale: "" },
    };
    const now = ctx.now();
    const decision = decideTriage({
      runId: ctx.run.id,
      linear: t.ticket!.snapshot,
      toolMap,
      specialists,
      threshold: policy.confidence_threshold,
      ...(t.service ? { service: t.service } : {}),
      ...(t.resolution ? { resolution: t.resolution } : {}),
      now,
    });
    // The production write is only ever requested (once, through the ledger), never run.
    const approvalIds: string[] = [];
    if (decision.correction) {
      const correction = decision.correction;
      const requested = await ctx.effect({
        name: "approval.production_write",
        capability: "approval_request",
        perform: async () => {
          const row = await createApproval(
            ctx.db,
            policy,
            {
              runId: ctx.run.id,
              action: "production_write",
              detail: deps.redactor.redact(correction.statement).text,
              risk: correction.risk,
              rollback: correction.rollback,
              // The human who started the run (invariant 4: the approver must be another).
              requester: t.startedBy ?? { kind: "none", via: ctx.run.trigger },
              // The title the approval message shows: the action in words, not the SQL.
              scope: { table: correction.table, summary: correction.summary },
            },
            now,
          );
          return { externalId: row.id, result: null };
        },
      });
      approvalIds.push(requested.externalId);
    }
    const pending: EvidenceBundle["approvals"]["pending"] = [];
    for (const row of await Promise.all(approvalIds.map((id) => getApproval(ctx.db, id)))) {
      if (row) {
        pending.push({
          id: row.id,
          action: row.action,
          digest: row.digest,
          requestedAt: row.createdAt.toISOString(),
          expiresAt: row.expiresAt.toISOString(),
        });
      }
    }
    const bundle = assembleBundle({
      runId: ctx.run.id,
      now,
      linear: t.ticket!.snapshot,
      toolMap,
      memory: t.memory!,
      specialists,
      decision,
      pending,
      ...(t.resolution ? { resolution: t.resolution } : {}),
    });
    const { sha256: bundleSha } = await putArtifact(ctx.db, {
      runId: ctx.run.id,
      kind: "evidence_bundle",
      name: "bundle",
      value: bundle,
    });
    const gate = decision.gate;
    const reasons = [...gate.reasons];
    // Every gate evaluation leaves a policy decision record (policy hash, matched rules).
    const codeChange = await evaluateAndRecord(ctx.db, policy, {
      action: "create_worktree",
      runId: ctx.run.id,
      ...scope,
      confidence: decision.classification.confidence,
    });
    if (decision.correction) {
      await evaluateAndRecord(ctx.db, policy, {
        action: "production_write",
        runId: ctx.run.id,
        ...scope,
      });
    }
    let result: PhaseResult;
    if (gate.decision === "proceed_to_delivery" && codeChange.decision === "deny") {
      reasons.push(`policy denies the code change: ${codeChange.explanation}`);
      result = {
        kind: "exit",
        outcome: "CANNOT_AUTO_FIX",
        description: reasons[reasons.length - 1]!,
      };
    } else if (gate.decision === "exit") {
      result = {
        kind: "exit",
        outcome: gate.outcome,
        description: reasons[reasons.length - 1] ?? gate.outcome,
      };
    } else if (!deps.delivery || approvalIds.length > 0) {
      // The delivery boundary: what is left is a human's (the fix, and any approval).
      const waiting = approvalIds.length > 0;
      reasons.push(
        `gate passed at ${decision.classification.confidence}% (threshold ${gate.effectiveThreshold}); ${deps.delivery ? "the fix is a correction of production data, not code" : `automated delivery is not enabled: ${deps.deliveryOff ?? "not configured"}`}, so the proposed fix is handed to a human${waiting ? "; the production write waits for its approval and is never run by prode" : ""}`,
      );
      result = {
        kind: "exit",
        outcome: waiting ? "APPROVAL_REQUIRED" : "CANNOT_AUTO_FIX",
        description: reasons[reasons.length - 1]!,
      };
    } else {
      const repository = deps.delivery.repositoryFor(t.service);
      const { band, reasons: why } = deliveryBand({
        policy: policy.delivery,
        confidence: decision.classification.confidence,
        repository,
      });
      if (band === "analysis_only" || !repository) {
        reasons.push(
          `gate passed at ${decision.classification.confidence}%, but prode changes no code here: ${why.join("; ")}; the fix is handed to a human`,
        );
        result = {
          kind: "exit",
          outcome: "CANNOT_AUTO_FIX",
          description: reasons[reasons.length - 1]!,
        };
      } else {
        const dryRun = deps.delivery.dryRun || policy.delivery.dry_run;
        reasons.push(
          `gate passed at ${decision.classification.confidence}%: ${band === "draft_pr" ? "prode prepares a draft PR for a human to review" : "prode proposes a patch in this thread (no branch)"} (${why.join("; ")})${dryRun ? "; dry run: nothing outside this thread is changed" : ""}`,
        );
        result = {
          next: "CREATE_WORKTREE",
          description: reasons[reasons.length - 1]!,
          patch: {
            delivery: {
              band,
              dryRun,
              repository,
              confidence: decision.classification.confidence,
            },
          },
        };
      }
    }
    const decided = {
      decision: gate.decision,
      ...(result.kind === "exit" ? { outcome: result.outcome } : {}),
      reasons,
    };
    const patch: RunContextPatch = {
      bundleSha,
      decision: decided,
      approvalIds,
      ...(result.patch ?? {}),
    };
    // The decision milestone also posts each approval request (from pendingApprovalIds).
    await notify(ctx, patch, ["evidence_bundle", "decision"], { specialists, bundle });
    return { ...result, patch };
  };
}
