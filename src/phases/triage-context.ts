import type { EvidenceBundle } from "../domain/evidence-bundle.ts";
import type { RunContext, RunContextPatch } from "../domain/run-context.ts";
import type { SpecialistOutput } from "../domain/specialist-output.ts";
import { getArtifact } from "../runner/artifacts.ts";
import type { MilestoneKind, TriageSnapshot } from "../runner/ports.ts";
import type { PhaseContext, PhaseResult } from "../runner/types.ts";
import type { PipelineDeps } from "./deps.ts";

export async function loadEvidence(
  ctx: PhaseContext,
  refs: RunContext["evidence"],
): Promise<SpecialistOutput[]> {
  const outputs = await Promise.all(
    (refs ?? []).map((r) => getArtifact<SpecialistOutput>(ctx.db, ctx.run.id, r.sha256)),
  );
  return outputs.filter((o): o is SpecialistOutput => o !== undefined);
}

/** What a phase already holds in memory: the snapshot uses it instead of re-reading it. */
export interface KnownArtifacts {
  specialists?: SpecialistOutput[];
  bundle?: EvidenceBundle;
}

export async function snapshotOf(
  ctx: PhaseContext,
  patch: RunContextPatch = {},
  known: KnownArtifacts = {},
): Promise<TriageSnapshot> {
  const t: RunContext = { ...ctx.context, ...patch };
  const bundle = known.bundle ?? (await bundleOf(ctx, t));
  const specialists =
    known.specialists ?? (t.evidence ? await loadEvidence(ctx, t.evidence) : undefined);
  const proposed =
    t.delivery?.band === "proposed_patch" && t.delivery.diffSha
      ? await getArtifact<{ patch: string }>(ctx.db, ctx.run.id, t.delivery.diffSha)
      : undefined;
  return {
    run: { ...ctx.run, context: t },
    ...(proposed?.patch ? { proposedPatch: proposed.patch } : {}),
    ...(t.ticket ? { ticket: t.ticket.snapshot } : {}),
    ...(t.tools && t.route ? { toolMap: { tools: t.tools, route: t.route } } : {}),
    ...(t.memory ? { memory: t.memory } : {}),
    ...(specialists ? { specialists } : {}),
    ...(bundle?.classification ? { classification: bundle.classification } : {}),
    ...(t.decision ? { decision: t.decision } : {}),
    ...(bundle ? { bundle } : {}),
    ...(t.bundleSha ? { bundleSha: t.bundleSha } : {}),
    ...(t.handoff ? { handoff: { linearCommentId: t.handoff.linearCommentId } } : {}),
    ...(t.approvalIds ? { pendingApprovalIds: t.approvalIds } : {}),
  };
}

/** The run's stored evidence bundle (CLASSIFY), when there is one. */
export async function bundleOf(
  ctx: PhaseContext,
  t: RunContext = ctx.context,
): Promise<EvidenceBundle | undefined> {
  return t.bundleSha ? getArtifact<EvidenceBundle>(ctx.db, ctx.run.id, t.bundleSha) : undefined;
}

export function exit(
  outcome: Extract<PhaseResult, { kind: "exit" }>["outcome"],
  description: string,
  patch: RunContextPatch = {},
): PhaseResult {
  return {
    kind: "exit",
    outcome,
    description,
    patch: { ...patch, decision: { decision: "exit", outcome, reasons: [description] } },
  };
}

/**
 * Tells the incident channel: the parent message always, a thread reply per milestone,
 * all from one snapshot.
 */
export type Notify = (
  ctx: PhaseContext,
  patch: RunContextPatch,
  milestones?: readonly MilestoneKind[],
  known?: KnownArtifacts,
) => Promise<void>;

export function notifyWith(deps: PipelineDeps): Notify {
  return async (ctx, patch, milestones = [], known = {}) => {
    const snapshot = await snapshotOf(ctx, patch, known);
    await deps.notifier.syncParent(ctx, snapshot);
    for (const milestone of milestones) await deps.notifier.postMilestone(ctx, milestone, snapshot);
  };
}
