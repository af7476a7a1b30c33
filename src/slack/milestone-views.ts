import type {
  DecisionMilestone,
  EvidenceBundleView,
  FactView,
  GapView,
  HandoffMilestone,
  HypothesisView,
  MemoryView,
  SpecialistResultsMilestone,
  SpecialistView,
  ToolInventoryMilestone,
  ToolView,
} from "../../blocks/view-models.ts";
import type { Classification } from "../domain/classifier-schema.ts";
import { deliveryLines } from "../domain/delivery-lines.ts";
import type { OperationalMemory, ToolMap } from "../domain/evidence-context.ts";
import { isOutcome, type Outcome, type Phase } from "../domain/phases.ts";
import type { SpecialistOutput } from "../domain/specialist-output.ts";
import type { TriageSnapshot } from "../runner/ports.ts";
import {
  classificationView,
  deliveryOf,
  displayedService,
  type RunLinkBuilder,
  runLinks,
  teamOf,
  ticketView,
} from "./views.ts";

/**
 * The thread replies' view models: one per milestone (tool inventory, specialist results,
 * the evidence bundle, the decision, the handoff), from a {@link TriageSnapshot}. Pure.
 */

export function toolViews(toolMap: ToolMap): ToolView[] {
  const required = toolMap.route.specialists.some((s) => s.required);
  return toolMap.tools.map((t) => {
    const detail = t.reason ?? (t.physicallyReadOnly ? "physically read-only replica" : undefined);
    return {
      name: t.connector,
      status: t.status,
      ...(detail ? { detail } : {}),
      ...(t.status === "available" ? {} : { confidenceImpact: -t.confidenceImpact }),
      ...(t.status === "blocked" && required ? { blocking: true } : {}),
    };
  });
}

export function specialistView(s: SpecialistOutput): SpecialistView {
  const reason =
    s.status === "skipped"
      ? s.reason
      : s.status === "failed"
        ? `${s.error.code}: ${s.error.message}`
        : s.status === "timed_out"
          ? `no answer within ${Math.round(s.deadlineMs / 1000)}s`
          : undefined;
  const headline = s.findings[0]?.fact;
  return {
    id: s.specialistId,
    status: s.status,
    ...(reason ? { reason } : {}),
    ...(headline ? { headline } : {}),
    findings: s.findings.length,
    confidence: s.confidence,
  };
}

interface MilestoneContext {
  runId: string;
  ticketKey: string;
  at: string;
  artifactUrl?: string;
}

function milestoneBase(triage: TriageSnapshot, now: Date, links: RunLinkBuilder): MilestoneContext {
  const artifactUrl =
    triage.bundleSha && links.artifact
      ? links.artifact(triage.run.id, triage.bundleSha)
      : links.run?.(triage.run.id);
  return {
    runId: triage.run.id,
    ticketKey: triage.ticket?.ticketKey ?? triage.run.ticket,
    at: now.toISOString(),
    ...(artifactUrl ? { artifactUrl } : {}),
  };
}

export function toolInventoryMilestone(
  triage: TriageSnapshot & { toolMap: ToolMap },
  now: Date,
  links: RunLinkBuilder = {},
): ToolInventoryMilestone {
  return {
    kind: "tool_inventory",
    ...milestoneBase(triage, now, links),
    tools: toolViews(triage.toolMap),
    route: triage.toolMap.route.specialists.map(
      (s) => `${s.specialistId}${s.required ? "" : " (optional)"}`,
    ),
  };
}

export function specialistResultsMilestone(
  triage: TriageSnapshot & { specialists: SpecialistOutput[] },
  now: Date,
  links: RunLinkBuilder = {},
): SpecialistResultsMilestone {
  return {
    kind: "specialist_results",
    ...milestoneBase(triage, now, links),
    specialists: triage.specialists.map(specialistView),
  };
}

/** The exit outcome a decision names, if any ("NOISE_NO_FIX", or `outcome`). */
function decisionOutcome(d: NonNullable<TriageSnapshot["decision"]>): Outcome | undefined {
  if (d.outcome && isOutcome(d.outcome)) return d.outcome;
  return isOutcome(d.decision) ? d.decision : undefined;
}

/** The gate's verdict as the stored decision records it; unknown for other decisions. */
function gateResult(d: NonNullable<TriageSnapshot["decision"]>): boolean | undefined {
  if (d.decision === "proceed_to_delivery") return true;
  if (d.decision === "exit") return false;
  return undefined;
}

/**
 * Why prode does what it does next, each clause once. After a passed gate only the last
 * reason decides (the gate's own reasons restate the classification shown beside it);
 * after a failed gate every reason counts. Clauses repeated across reasons are dropped.
 */
function decisionReason(
  d: NonNullable<TriageSnapshot["decision"]>,
  gatePassed: boolean | undefined,
): string {
  const deciding = gatePassed === true ? d.reasons.slice(-1) : d.reasons;
  const clauses = [...new Set(deciding.flatMap((r) => r.split("; ")).map((c) => c.trim()))];
  const kept = clauses.filter((c) => c !== "");
  return kept.length > 0 ? kept.join("; ") : d.decision;
}

export function decisionMilestone(
  triage: TriageSnapshot & { decision: NonNullable<TriageSnapshot["decision"]> },
  now: Date,
  links: RunLinkBuilder = {},
): DecisionMilestone {
  const d = triage.decision;
  const outcome = decisionOutcome(d);
  const gatePassed = gateResult(d);
  const waits =
    d.decision === "await_approval" ||
    (!outcome &&
      (triage.pendingApprovalIds?.length ?? 0) > 0 &&
      d.decision !== "proceed_to_delivery");
  const kind: DecisionMilestone["decision"] = outcome
    ? "exit"
    : waits
      ? "await_approval"
      : "proceed";
  const classification = classificationView(triage.classification ?? triage.bundle?.classification);
  const next: Phase =
    kind === "exit"
      ? "LINEAR_HANDOFF"
      : kind === "await_approval"
        ? "AWAIT_APPROVAL"
        : "CREATE_WORKTREE";
  return {
    kind: "decision",
    ...milestoneBase(triage, now, links),
    decision: kind,
    ...(outcome ? { outcome } : {}),
    ...(classification ? { classification } : {}),
    ...(gatePassed === undefined ? {} : { gatePassed }),
    reason: decisionReason(d, gatePassed),
    nextPhase: next,
  };
}

function hypothesisViews(c: Classification): HypothesisView[] {
  const ranked = c.hypotheses.map(
    (h, i): HypothesisView => ({
      statement: h.statement,
      status: i === 0 ? "leading" : "open",
      confidence: h.confidence,
      evidenceFor: h.evidenceFor.map((e) => e.summary),
      evidenceAgainst: h.evidenceAgainst.map((e) => e.summary),
      test: h.settlingTest,
    }),
  );
  const rejected = c.rejected.map(
    (h): HypothesisView => ({
      statement: h.statement,
      status: "rejected",
      evidenceFor: h.evidenceFor.map((e) => e.summary),
      evidenceAgainst: h.rejectedBy.map((e) => e.summary),
      test: h.settlingTest,
    }),
  );
  return [...ranked, ...rejected];
}

function factViews(specialists: readonly SpecialistOutput[]): FactView[] {
  return specialists.flatMap((s) => {
    const sources = new Map(s.sources.map((src) => [src.ref, src]));
    return s.findings.flatMap((f): FactView[] => {
      const source = sources.get(f.sourceRef);
      // A finding without a source is dropped, by type and here again.
      if (!source) return [];
      return [
        { text: f.fact, source: { kind: source.kind, ref: source.ref }, observedAt: f.observedAt },
      ];
    });
  });
}

function gapViews(
  c: Classification | undefined,
  specialists: readonly SpecialistOutput[],
): GapView[] {
  if (c) {
    return c.gaps.map((g) => ({
      description: g.what,
      confidenceImpact: -g.confidenceImpact,
      blocking: g.blocking,
    }));
  }
  return specialists.flatMap((s) =>
    s.gaps.map((g) => ({
      description: `${s.specialistId}: ${g.what}`,
      confidenceImpact: -g.confidenceImpact,
    })),
  );
}

export function memoryView(memory: OperationalMemory | undefined): MemoryView {
  return {
    pages: (memory?.pages ?? []).map((p) => ({ id: p.id, title: p.path, state: p.status })),
    recipes: (memory?.recipesUsed ?? []).map((r) => `${r.recipe} (${r.usedBy})`),
    negativeControls: (memory?.negativeControlsUsed ?? []).map((n) => `${n.control} (${n.usedBy})`),
  };
}

export function evidenceBundleView(
  triage: TriageSnapshot,
  now: Date,
  links: RunLinkBuilder = {},
): EvidenceBundleView {
  const { run, bundle } = triage;
  const specialists = bundle?.specialists ?? triage.specialists ?? [];
  const c = bundle?.classification ?? triage.classification;
  const base = milestoneBase(triage, now, links);
  return {
    runId: run.id,
    ticket: ticketView(run, triage),
    ...displayedService(triage),
    createdAt: bundle?.createdAt ?? now.toISOString(),
    classification: classificationView(c) ?? { label: "not yet classified", confidence: 0 },
    ...(c ? { rootCause: c.rootCauseHypothesis } : {}),
    hypotheses: c ? hypothesisViews(c) : [],
    facts: factViews(specialists),
    gaps: gapViews(c, specialists),
    specialists: specialists.map(specialistView),
    memory: memoryView(bundle?.memory ?? triage.memory),
    ...(base.artifactUrl ? { artifactUrl: base.artifactUrl } : {}),
  };
}

export function handoffMilestone(
  triage: TriageSnapshot,
  now: Date,
  links: RunLinkBuilder = {},
): HandoffMilestone {
  const { run } = triage;
  const outcome: Outcome =
    (run.pendingOutcome && isOutcome(run.pendingOutcome) ? run.pendingOutcome : undefined) ??
    (triage.decision ? decisionOutcome(triage.decision) : undefined) ??
    "RUN_COMPLETE";
  const c = triage.classification ?? triage.bundle?.classification;
  const summary =
    c?.rootCauseHypothesis ?? triage.decision?.reasons.join("; ") ?? `stopped on ${outcome}`;
  const delivered = deliveryOf(run.context);
  const nextSteps = [
    ...(delivered ? deliveryLines(delivered).lines : []),
    ...(triage.bundle?.mitigations ?? [])
      .filter((m) => m.performedBy === "human")
      .map((m) => `${m.action} (risk ${m.risk}; rollback: ${m.rollback})`),
    ...(triage.bundle?.verification ?? [])
      .filter((v) => v.status === "pending")
      .map((v) => `Verify: ${v.check} — ${v.how}`),
    ...(triage.pendingApprovalIds ?? []).map(
      (id) => `Decide approval ${id} (buttons in this thread)`,
    ),
  ];
  const team = teamOf(run);
  return {
    kind: "handoff",
    ...milestoneBase(triage, now, links),
    outcome,
    summary,
    nextSteps:
      nextSteps.length > 0 ? nextSteps : ["Nothing left for prode; see the evidence above."],
    ...(team ? { owner: team } : {}),
    ...(triage.proposedPatch ? { patch: triage.proposedPatch } : {}),
    links: runLinks(triage, links),
  };
}
