import { getApproval } from "../approvals/create.ts";
import { renderHandoff } from "../domain/handoff-comment.ts";
import type { RunContextPatch } from "../domain/run-context.ts";
import { putArtifact } from "../runner/artifacts.ts";
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
      if (!deps.linear || !t.ticket)
        return { description: "no handoff: Linear or the ticket is unavailable" };
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
      return { patch, description: `handoff on ${key}` };
    },

    WRITE_CANDIDATE_LEARNING: async (ctx) => {
      const t = ctx.context;
      await putArtifact(ctx.db, {
        runId: ctx.run.id,
        kind: "candidate_learning",
        name: ctx.run.ticket,
        value: {
          ticket: ctx.run.ticket,
          outcome: ctx.run.pendingOutcome ?? "RUN_COMPLETE",
          reasons: t.decision?.reasons ?? [],
          wikiPages: t.hints?.pages ?? [],
          gaps: (t.tools ?? []).filter((x) => x.status !== "available").map((x) => x.connector),
        },
      });
      await notify(ctx, {});
      return { description: "candidate learning stored for human review" };
    },
  };
}
