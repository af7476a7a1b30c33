import { getApproval } from "../approvals/create.ts";
import { removeWorktree } from "../delivery/worktree.ts";
import { deliveryLines } from "../domain/delivery-lines.ts";
import type { EvidenceBundle } from "../domain/evidence-bundle.ts";
import { renderHandoff } from "../domain/handoff-comment.ts";
import type { RunContextPatch } from "../domain/run-context.ts";
import { buildCandidateLearning } from "../learnings/candidate.ts";
import { saveCandidateLearning } from "../learnings/store.ts";
import { getArtifact } from "../runner/artifacts.ts";
import type { PhaseHandlers } from "../runner/types.ts";
import type { PipelineDeps } from "./deps.ts";
import { writeHandoffComment } from "./linear-comment.ts";
import { type Notify, snapshotOf } from "./triage-context.ts";

/** Every stop hands off (the run-owned Linear comment) and leaves a candidate learning. */
export function handoffPhases(
  deps: PipelineDeps,
  notify: Notify,
): Pick<PhaseHandlers, "LINEAR_HANDOFF" | "WRITE_CANDIDATE_LEARNING"> {
  return {
    LINEAR_HANDOFF: async (ctx) => {
      const t = ctx.context;
      // Every stop ends delivery: the worktree goes whatever the outcome (the reconciler
      // sweeps what a crash left).
      if (deps.delivery) await removeWorktree(deps.delivery.worktreeDir, ctx.run.id);
      // A draft PR waits for its human review; every other path goes on to the learning.
      const next =
        ctx.run.pendingOutcome || t.delivery?.pr
          ? {}
          : { next: "WRITE_CANDIDATE_LEARNING" as const };
      if (!deps.linear || !t.ticket)
        return { ...next, description: "no handoff: Linear or the ticket is unavailable" };
      if (t.delivery?.dryRun) {
        // Dry run: the Linear comment is a mutation too; the thread says what it would be.
        await notify(ctx, {}, ["handoff"]);
        return {
          ...next,
          description: `dry run: would have commented on ${t.ticket.snapshot.ticketKey}`,
        };
      }
      const snapshot = await snapshotOf(ctx);
      const approvals = await Promise.all(
        (t.approvalIds ?? []).map((id) => getApproval(ctx.db, id)),
      );
      const body = deps.redactor.redact(
        renderHandoff({
          runId: ctx.run.id,
          outcome: ctx.run.pendingOutcome ?? "RUN_COMPLETE",
          reasons: t.decision?.reasons ?? [],
          ticket: t.ticket.snapshot,
          ...(snapshot.toolMap ? { toolMap: snapshot.toolMap } : {}),
          ...(snapshot.specialists ? { specialists: snapshot.specialists } : {}),
          ...(snapshot.classification ? { classification: snapshot.classification } : {}),
          ...(snapshot.bundle ? { bundle: snapshot.bundle } : {}),
          ...(t.bundleSha ? { bundleSha: t.bundleSha } : {}),
          ...(t.delivery ? { delivery: deliveryLines(t.delivery) } : {}),
          approvals: approvals.flatMap((a) =>
            a
              ? [
                  {
                    id: a.id,
                    action: a.action,
                    digest: a.digest,
                    expiresAt: a.expiresAt.toISOString(),
                    detail: a.detail,
                  },
                ]
              : [],
          ),
          now: ctx.now(),
          // Each outside string is redacted before it is escaped as Markdown.
          clean: (text) => deps.redactor.redact(text).text,
        }),
      ).text;
      const linear = deps.linear;
      const key = t.ticket.snapshot.ticketKey;
      const commentId = await writeHandoffComment(ctx, linear, key, body);
      const patch: RunContextPatch = { handoff: { linearCommentId: commentId } };
      await notify(ctx, patch, ["handoff"], {
        ...(snapshot.specialists ? { specialists: snapshot.specialists } : {}),
        ...(snapshot.bundle ? { bundle: snapshot.bundle } : {}),
      });
      return { ...next, patch, description: `handoff on ${key}` };
    },

    WRITE_CANDIDATE_LEARNING: async (ctx) => {
      // One row per run, whatever the exit (issue 15.4): the classification comes from the
      // stored bundle, the monitor's verdict from the context when the run was monitored.
      const bundle = ctx.context.bundleSha
        ? await getArtifact<EvidenceBundle>(ctx.db, ctx.run.id, ctx.context.bundleSha)
        : undefined;
      const learning = buildCandidateLearning(
        {
          runId: ctx.run.id,
          ticket: ctx.run.ticket,
          outcome: ctx.run.pendingOutcome ?? "RUN_COMPLETE",
          context: ctx.context,
          rawContext: ctx.run.context,
          classification: bundle?.classification,
        },
        deps.redactor,
      );
      await saveCandidateLearning(ctx.db, learning);
      await notify(ctx, {});
      return { description: "candidate learning stored for human review" };
    },
  };
}
