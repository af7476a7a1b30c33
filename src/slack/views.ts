import type {
  ClassificationView,
  DecisionMilestone,
  EvidenceBundleView,
  FactView,
  GapView,
  HandoffMilestone,
  HypothesisView,
  MemoryView,
  ParentMessageView,
  RunLinksView,
  RunStatusView,
  SpecialistResultsMilestone,
  SpecialistView,
  TicketView,
  ToolInventoryMilestone,
  ToolView,
} from "../../blocks/view-models.ts";
import type { Classification } from "../domain/classifier-schema.ts";
import type { OperationalMemory, ToolMap } from "../domain/evidence-context.ts";
import { isOutcome, isPhase, type Outcome, type Phase } from "../domain/phases.ts";
import type { SpecialistOutput } from "../domain/specialist-output.ts";
import type { TriageSnapshot } from "../runner/ports.ts";
import type { RunRow } from "../runner/types.ts";

/**
 * The mapping from what the runner knows (a {@link TriageSnapshot}, run rows) to the
 * plain view models the pure renderers in blocks/ draw. No I/O here: the notifier and
 * the command handlers fetch, these functions only translate, so they are unit-tested
 * with plain data.
 */

/** Links prode can build for a run: its own page, an artifact. Both optional. */
export interface RunLinkBuilder {
  run?: (runId: string) => string | undefined;
  artifact?: (runId: string, sha256: string) => string | undefined;
}

function contextString(run: Pick<RunRow, "context">, key: string): string | undefined {
  const value = (run.context as Record<string, unknown>)[key];
  return typeof value === "string" && value !== "" ? value : undefined;
}

export function serviceOf(run: Pick<RunRow, "context">): string | undefined {
  return contextString(run, "service");
}

export function teamOf(run: Pick<RunRow, "context">): string | undefined {
  return contextString(run, "team");
}

/** The ticket as Slack shows it: the Linear snapshot once fetched, the key before. */
export function ticketView(
  run: Pick<RunRow, "ticket" | "context">,
  triage?: TriageSnapshot,
): TicketView {
  const t = triage?.ticket;
  const url = t?.url ?? contextString(run, "ticketUrl");
  return {
    key: t?.ticketKey ?? run.ticket,
    title: t?.title ?? contextString(run, "title") ?? "(ticket not fetched yet)",
    ...(url ? { url } : {}),
  };
}

/** The phase a renderer shows: the current phase, or the last one for a stopped run. */
export function displayPhase(run: Pick<RunRow, "phase">): Phase {
  return isPhase(run.phase) ? run.phase : "RUN_COMPLETE";
}

/** Running, waiting, paused by a kill switch (when `pausedBy` is known) or stopped. */
export function runStatusView(
  run: Pick<RunRow, "phase" | "outcome" | "pendingOutcome">,
  pausedBy?: string,
): RunStatusView {
  if (run.outcome && isOutcome(run.outcome)) return { kind: "stopped", outcome: run.outcome };
  if (run.pendingOutcome && isOutcome(run.pendingOutcome)) {
    return { kind: "stopped", outcome: run.pendingOutcome };
  }
  if (pausedBy !== undefined) return { kind: "paused", scope: pausedBy };
  if (run.phase === "AWAIT_APPROVAL") return { kind: "waiting_approval" };
  return { kind: "running" };
}

export function classificationView(c: Classification | undefined): ClassificationView | undefined {
  if (!c) return undefined;
  return { label: c.class, confidence: c.confidence, severity: c.severity.toUpperCase() };
}

function runLinks(triage: TriageSnapshot, links: RunLinkBuilder): RunLinksView {
  const linear =
    triage.handoff?.url ?? triage.ticket?.url ?? contextString(triage.run, "ticketUrl");
  const pr = contextString(triage.run, "prUrl");
  const runUrl = links.run?.(triage.run.id);
  return {
    ...(linear ? { linear } : {}),
    ...(pr ? { pullRequest: pr } : {}),
    ...(runUrl ? { run: runUrl } : {}),
  };
}

/** One line of latest news for the parent message. */
export function summaryLine(triage: TriageSnapshot): string | undefined {
  if (triage.decision) {
    const reason = triage.decision.reasons[0];
    const what = triage.decision.outcome ?? triage.decision.decision;
    return reason ? `${what}: ${reason}` : what;
  }
  if (triage.specialists && triage.specialists.length > 0) {
    const returned = triage.specialists.filter((s) => s.status === "returned").length;
    return `${returned} of ${triage.specialists.length} specialists returned`;
  }
  if (triage.toolMap) {
    const available = triage.toolMap.tools.filter((t) => t.status === "available").length;
    return `${available} of ${triage.toolMap.tools.length} tools available; ${triage.toolMap.route.specialists.length} specialists routed`;
  }
  return undefined;
}

export function parentMessageView(
  triage: TriageSnapshot,
  now: Date,
  links: RunLinkBuilder = {},
): ParentMessageView {
  const { run } = triage;
  const service = serviceOf(run);
  const classification = classificationView(triage.classification ?? triage.bundle?.classification);
  const summary = summaryLine(triage);
  return {
    runId: run.id,
    ticket: ticketView(run, triage),
    ...(service ? { service } : {}),
    phase: displayPhase(run),
    status: runStatusView(run),
    ...(classification ? { classification } : {}),
    ...(summary ? { summary } : {}),
    startedAt: run.createdAt.toISOString(),
    updatedAt: now.toISOString(),
    links: runLinks(triage, links),
  };
}

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

export function decisionMilestone(
  triage: TriageSnapshot & { decision: NonNullable<TriageSnapshot["decision"]> },
  now: Date,
  links: RunLinkBuilder = {},
): DecisionMilestone {
  const d = triage.decision;
  const outcome = decisionOutcome(d);
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
    reason: d.reasons.length > 0 ? d.reasons.join("; ") : d.decision,
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
  const service = serviceOf(run);
  const base = milestoneBase(triage, now, links);
  return {
    runId: run.id,
    ticket: ticketView(run, triage),
    ...(service ? { service } : {}),
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
  const nextSteps = [
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
    links: runLinks(triage, links),
  };
}
