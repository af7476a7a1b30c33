import type {
  ActionView,
  ClassificationView,
  ParentMessageView,
  RunLinksView,
  RunStatusView,
  TicketView,
} from "../../blocks/view-models.ts";
import type { Classification } from "../domain/classifier-schema.ts";
import { isOutcome, isPhase, type Phase } from "../domain/phases.ts";
import { type DeliveryState, parseRunContext, type RunContext } from "../domain/run-context.ts";
import { runOnset } from "../domain/run-onset.ts";
import type { TriageSnapshot } from "../runner/ports.ts";
import type { RunRow } from "../runner/types.ts";

/**
 * The mapping from what the runner knows (a {@link TriageSnapshot}, run rows) to the
 * plain view models the pure renderers in blocks/ draw. No I/O here: the notifier and
 * the command handlers fetch, these functions only translate, so they are unit-tested
 * with plain data.
 */

/** Links prode can build for a run: its own page, an artifact, a Sentry issue. All optional. */
export interface RunLinkBuilder {
  run?: (runId: string) => string | undefined;
  artifact?: (runId: string, sha256: string) => string | undefined;
  /** The Sentry issue's page, from its numeric id (the ticket's first linked issue). */
  sentryIssue?: (issueId: string) => string | undefined;
}

/**
 * The Sentry web page of an issue by its numeric id, on the organization prode reads:
 * `<base>/organizations/<org>/issues/<id>/` (the form sentry.io and self-hosted both serve).
 */
export function sentryIssueUrl(baseUrl: string, org: string): (issueId: string) => string {
  const base = baseUrl.replace(/\/+$/, "");
  return (issueId) =>
    `${base}/organizations/${encodeURIComponent(org)}/issues/${encodeURIComponent(issueId)}/`;
}

/** A non-empty string the runner stored in the run's context under `key`. */
function contextString(
  run: Pick<RunRow, "context">,
  key: "service" | "team" | "title" | "ticketUrl" | "prUrl",
): string | undefined {
  return nonEmpty(parseRunContext(run.context)[key]);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value !== "" ? value : undefined;
}

export function serviceOf(run: Pick<RunRow, "context">): string | undefined {
  return contextString(run, "service");
}

/**
 * The service a message shows: the one the ticket's structured data named, else the one
 * the evidence dated the symptom on (an account scan adopted the only resources that
 * moved), marked inferred. Policy and kill switches use {@link serviceOf} only.
 */
export function displayedService(triage: TriageSnapshot): {
  service?: string;
  serviceInferred?: boolean;
} {
  const named = serviceOf(triage.run);
  if (named) return { service: named };
  const inferred =
    triage.bundle?.investigation?.onset?.service ??
    (triage.specialists ? runOnset(triage.specialists)?.service : undefined);
  return inferred ? { service: inferred, serviceInferred: true } : {};
}

export function teamOf(run: Pick<RunRow, "context">): string | undefined {
  return contextString(run, "team");
}

/** The ticket as Slack shows it: the Linear snapshot once fetched, the key before. */
export function ticketView(
  run: Pick<RunRow, "ticket" | "context">,
  triage?: TriageSnapshot,
): TicketView {
  // The run's context is parsed at most once, and only when the live snapshot lacks a field.
  let parsed: RunContext | undefined;
  const context = () => (parsed ??= parseRunContext(run.context));
  // The live triage snapshot, else what FETCH_LINEAR stored in the run's context.
  const t = triage?.ticket ?? context().ticket?.snapshot;
  const url = t?.url || nonEmpty(context().ticketUrl);
  return {
    key: t?.ticketKey ?? run.ticket,
    title: t?.title || nonEmpty(context().title) || "(ticket not fetched yet)",
    ...(url ? { url } : {}),
  };
}

/** The phase a renderer shows: the current phase, or the last one for a stopped run. */
export function displayPhase(run: Pick<RunRow, "phase">): Phase {
  return isPhase(run.phase) ? run.phase : "RUN_COMPLETE";
}

/** Running, waiting, paused by a kill switch (when `pausedBy` is known) or stopped. */
export function runStatusView(
  run: Pick<RunRow, "phase" | "outcome" | "pendingOutcome"> & Partial<Pick<RunRow, "context">>,
  pausedBy?: string,
): RunStatusView {
  if (run.outcome && isOutcome(run.outcome)) return { kind: "stopped", outcome: run.outcome };
  if (run.pendingOutcome && isOutcome(run.pendingOutcome)) {
    return { kind: "stopped", outcome: run.pendingOutcome };
  }
  if (pausedBy !== undefined) return { kind: "paused", scope: pausedBy };
  if (run.phase === "AWAIT_APPROVAL") return { kind: "waiting_approval" };
  // From its handoff on, a run whose draft PR is open waits for the human review.
  if (run.phase === "AWAIT_HUMAN_REVIEW" || run.phase === "LINEAR_HANDOFF") {
    const pr = deliveryOf(run.context)?.pr?.number;
    if (pr !== undefined || run.phase === "AWAIT_HUMAN_REVIEW") {
      return { kind: "waiting_review", ...(pr === undefined ? {} : { pr }) };
    }
  }
  return { kind: "running" };
}

export function classificationView(c: Classification | undefined): ClassificationView | undefined {
  if (!c) return undefined;
  return { label: c.class, confidence: c.confidence, severity: c.severity.toUpperCase() };
}

export function runLinks(triage: TriageSnapshot, links: RunLinkBuilder): RunLinksView {
  const linear =
    triage.handoff?.url ?? triage.ticket?.url ?? contextString(triage.run, "ticketUrl");
  const pr = contextString(triage.run, "prUrl");
  const runUrl = links.run?.(triage.run.id);
  const issueId = triage.ticket?.linked.sentryIssueIds[0];
  const sentry = issueId ? links.sentryIssue?.(issueId) : undefined;
  return {
    ...(linear ? { linear } : {}),
    ...(sentry ? { sentry } : {}),
    ...(pr ? { pullRequest: pr } : {}),
    ...(runUrl ? { run: runUrl } : {}),
  };
}

/**
 * One line for the parent message: once decided, the reason that decided it (the last
 * one, as the phase's own description); before, the latest news of the investigation.
 */
export function summaryLine(triage: TriageSnapshot): string | undefined {
  if (triage.decision) return triage.decision.reasons.at(-1);
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

/**
 * The first thing a human should do: the first mitigation a human performs (prode's own
 * steps are not the on-call's), else the first one, with the risk the bundle gives it.
 */
export function firstActionView(triage: TriageSnapshot): ActionView | undefined {
  const mitigations = triage.bundle?.mitigations ?? [];
  const first = mitigations.find((m) => m.performedBy === "human") ?? mitigations[0];
  if (first) return { text: first.action, risk: first.risk };
  if ((triage.pendingApprovalIds?.length ?? 0) > 0) {
    return { text: "decide the approval request in this thread" };
  }
  return undefined;
}

export function parentMessageView(
  triage: TriageSnapshot,
  now: Date,
  links: RunLinkBuilder = {},
): ParentMessageView {
  const { run } = triage;
  const shown = displayedService(triage);
  const c = triage.classification ?? triage.bundle?.classification;
  const classification = classificationView(c);
  const summary = summaryLine(triage);
  const owner = teamOf(run);
  const firstAction = firstActionView(triage);
  return {
    runId: run.id,
    ticket: ticketView(run, triage),
    ...shown,
    phase: displayPhase(run),
    status: runStatusView(run),
    ...(classification ? { classification } : {}),
    ...(c?.rootCauseHypothesis ? { cause: c.rootCauseHypothesis } : {}),
    ...(owner ? { owner } : {}),
    ...(firstAction ? { firstAction } : {}),
    ...(summary ? { summary } : {}),
    startedAt: run.createdAt.toISOString(),
    updatedAt: now.toISOString(),
    links: runLinks(triage, links),
  };
}

/** The run's delivery state, when its stored context has one that parses. */
export function deliveryOf(context: unknown): DeliveryState | undefined {
  if (!context || typeof context !== "object") return undefined;
  try {
    return parseRunContext(context).delivery;
  } catch {
    return undefined;
  }
}
