/**
 * One-line forms of runs and approvals, shared by `/prode status` and App Home.
 */
import { link } from "./escape.ts";
import {
  humanize,
  percent,
  phaseProgress,
  short,
  statusEmoji,
  ticketLink,
  word,
} from "./format.ts";
import { formatAge, formatRelative, parseTime, slackDate } from "./time.ts";
import type { ActiveRunView, PendingApprovalView } from "./view-models.ts";

/**
 * Runs that wait for a human first, then the oldest: what needs attention is on top.
 * Returns a new array.
 */
export function sortRuns(runs: readonly ActiveRunView[]): ActiveRunView[] {
  const waiting = (r: ActiveRunView) =>
    r.status.kind === "waiting_approval" ||
    r.status.kind === "waiting_review" ||
    r.waitingApprovals > 0
      ? 0
      : 1;
  return [...runs].sort(
    (a, b) =>
      waiting(a) - waiting(b) ||
      (parseTime(a.startedAt) ?? 0) - (parseTime(b.startedAt) ?? 0) ||
      a.runId.localeCompare(b.runId),
  );
}

/** "🔄 *ENG-123* Onboarding API 500 · Phase 7/18 · WAIT_FOR_EVIDENCE · 42m · ✋ 1 waiting". */
export function runLine(run: ActiveRunView, now: Date): string {
  const parts = [
    `${statusEmoji(run.status)} *${ticketLink(run.ticket)}* ${short(run.ticket.title, 120)}`,
    run.status.kind === "stopped" ? word(run.status.outcome) : phaseProgress(run.phase),
    formatAge(run.startedAt, now),
  ];
  if (run.classification !== undefined) {
    parts.push(
      `${short(humanize(run.classification.label), 40)} ${percent(run.classification.confidence) ?? "?"}%`,
    );
  }
  if (run.waitingApprovals > 0) {
    parts.push(
      `:raised_hand: ${run.waitingApprovals} approval${run.waitingApprovals === 1 ? "" : "s"} waiting`,
    );
  }
  if (run.threadUrl !== undefined) parts.push(link(run.threadUrl, "thread"));
  return parts.join(" · ");
}

/** Approvals that expire soonest first. Returns a new array. */
export function sortApprovals(approvals: readonly PendingApprovalView[]): PendingApprovalView[] {
  return [...approvals].sort(
    (a, b) =>
      (parseTime(a.expiresAt) ?? 0) - (parseTime(b.expiresAt) ?? 0) ||
      a.approvalId.localeCompare(b.approvalId),
  );
}

/** "✋ *ENG-123* Backfill … · risk high · by Dana · expires <date> (in 40m) · open". */
export function approvalLine(a: PendingApprovalView, now: Date): string {
  const parts = [
    `:raised_hand: *${ticketLink(a.ticket)}* ${short(a.summary, 200)}`,
    `risk ${word(a.risk)}`,
    `by ${short(a.requestedBy, 80)}`,
    `expires ${slackDate(a.expiresAt)} (${formatRelative(a.expiresAt, now)})`,
  ];
  if (a.messageUrl !== undefined) parts.push(link(a.messageUrl, "review"));
  return parts.join(" · ");
}
