import type { RoutingHints, TicketContext } from "../../specialists/types.ts";
import type { EvidenceBundle } from "../domain/evidence-bundle.ts";
import type { OperationalMemory, RouteEntry, ToolEntry } from "../domain/evidence-context.ts";
import type { SpecialistOutput } from "../domain/specialist-output.ts";
import { getArtifact } from "../runner/artifacts.ts";
import type { MilestoneKind, TriageSnapshot } from "../runner/ports.ts";
import type { PhaseContext, PhaseResult } from "../runner/types.ts";
import type { PipelineDeps } from "./deps.ts";

/** What the evidence phases keep in the run's context between phases (all redacted). */
export interface TriageContext {
  team?: string;
  service?: string;
  ticket?: TicketContext;
  tools?: ToolEntry[];
  memory?: OperationalMemory;
  hints?: RoutingHints;
  route?: { specialists: RouteEntry[]; rationale: string };
  evidence?: { specialistId: string; sha256: string }[];
  decision?: { decision: string; outcome?: string; reasons: string[] };
  bundleSha?: string;
  approvalIds?: string[];
  handoff?: { linearCommentId: string };
}

export function contextOf(ctx: PhaseContext): TriageContext {
  return ctx.run.context as TriageContext;
}

/** The ticket's team and service, as far as they are known (for policy and decisions). */
export function scopeOf(t: TriageContext): { team?: string; service?: string } {
  return {
    ...(t.team ? { team: t.team } : {}),
    ...(t.service ? { service: t.service } : {}),
  };
}

export async function loadEvidence(
  ctx: PhaseContext,
  refs: TriageContext["evidence"],
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
  patch: TriageContext = {},
  known: KnownArtifacts = {},
): Promise<TriageSnapshot> {
  const t = { ...contextOf(ctx), ...patch };
  const bundle =
    known.bundle ??
    (t.bundleSha ? await getArtifact<EvidenceBundle>(ctx.db, ctx.run.id, t.bundleSha) : undefined);
  const specialists =
    known.specialists ?? (t.evidence ? await loadEvidence(ctx, t.evidence) : undefined);
  return {
    run: { ...ctx.run, context: t as Record<string, unknown> },
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

export function exit(
  outcome: Extract<PhaseResult, { kind: "exit" }>["outcome"],
  description: string,
  patch: TriageContext = {},
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
  patch: TriageContext,
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
