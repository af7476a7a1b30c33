/**
 * Labels shared by the renderers: phase progress, run status, outcomes, confidence,
 * specialist and tool states. Canonical phase and outcome names are always shown as
 * spelled in DESIGN.md, next to a human label, so a reader can grep logs for them.
 */
import type { KnownBlock } from "@slack/types";
import { CONFIDENCE_FLOOR } from "../src/domain/classifier-gate.ts";
import { AppError, ErrorCode } from "../src/domain/errors.ts";
import { type Outcome, PHASES, type Phase } from "../src/domain/phases.ts";
import { escapeMrkdwn, inlineCode, link, oneLine } from "./escape.ts";
import { fields, header, section } from "./kit.ts";
import { truncate } from "./limits.ts";
import { slackDateAgo } from "./time.ts";
import type {
  ClassificationView,
  ParentMessageView,
  PauseView,
  RunLinksView,
  RunStatusView,
  SpecialistView,
  ToolView,
} from "./view-models.ts";

/**
 * The end of every exhaustive switch: a value outside its type is a bug upstream, so it
 * throws rather than render a guess. The message carries a short excerpt, not the value.
 */
export function assertNever(value: never, what = "variant"): never {
  const excerpt = truncate(JSON.stringify(value) ?? String(value), 80);
  throw new AppError(ErrorCode.Internal, `unhandled ${what}: ${excerpt}`);
}

/** Escaped, single-line, cut: the form of every short piece of user text in a line. */
export function short(text: string, max = 200): string {
  return escapeMrkdwn(truncate(oneLine(text), max));
}

/**
 * An enum-like value (phase, outcome, status, risk) as mrkdwn. Types keep these to known
 * words; escaping them anyway means a bad value upstream can never become a token.
 */
export function word(value: string): string {
  return escapeMrkdwn(truncate(oneLine(String(value)), 60));
}

/** "Phase 7/18 · WAIT_FOR_EVIDENCE" (AWAIT_APPROVAL sits outside the straight path). */
export function phaseProgress(phase: Phase): string {
  if (phase === "AWAIT_APPROVAL") return "Paused for approval · AWAIT_APPROVAL";
  return `Phase ${PHASES.indexOf(phase) + 1}/${PHASES.length} · ${word(phase)}`;
}

/** A bar of filled and empty cells, one per phase on the straight path. */
export function phaseBar(phase: Phase, status: RunStatusView): string {
  if (phase === "AWAIT_APPROVAL") return "";
  const complete = status.kind === "stopped" && status.outcome === "RUN_COMPLETE";
  const filled = complete ? PHASES.length : PHASES.indexOf(phase) + 1;
  return "▰".repeat(filled) + "▱".repeat(PHASES.length - filled);
}

/** Emoji and words for an outcome, with its canonical name. */
export function outcomeLabel(outcome: Outcome): string {
  const words = ((): string => {
    switch (outcome) {
      case "BLOCKED_NEEDS_INFO":
        return ":grey_question: Blocked — needs info";
      case "APPROVAL_REQUIRED":
        return ":raised_hand: Stopped — approval required";
      case "NO_CODE_CHANGE":
        return ":white_check_mark: No code change needed";
      case "NOISE_NO_FIX":
        return ":zzz: Noise — no fix";
      case "VENDOR_OR_INFRA":
        return ":cloud: Vendor or infra — handed off";
      case "CANNOT_AUTO_FIX":
        return ":construction: Cannot auto-fix — handed off";
      case "ESCALATED_INCIDENT":
        return ":rotating_light: Escalated incident";
      case "SUPERSEDED":
        return ":leftwards_arrow_with_hook: Superseded by a newer run";
      case "FAILED":
        return ":x: Failed";
      case "RUN_COMPLETE":
        return ":white_check_mark: Complete";
      default:
        return assertNever(outcome);
    }
  })();
  return `${words} · ${word(outcome)}`;
}

/** Emoji and words for where a run stands. */
function statusLabel(status: RunStatusView): string {
  switch (status.kind) {
    case "running":
      return ":arrows_counterclockwise: Running";
    case "waiting_approval":
      return ":raised_hand: Waiting for approval";
    case "waiting_review":
      return `:eyes: Draft PR${status.pr === undefined ? "" : ` #${status.pr}`} waiting for review`;
    case "paused":
      return `:double_vertical_bar: Paused by kill switch${status.scope === undefined ? "" : ` (${short(status.scope, 80)})`}`;
    case "stopped":
      return `Stopped — ${outcomeLabel(status.outcome)}`;
    default:
      return assertNever(status);
  }
}

/** One emoji for where a run stands, for dense lists. */
export function statusEmoji(status: RunStatusView): string {
  switch (status.kind) {
    case "running":
      return ":arrows_counterclockwise:";
    case "waiting_approval":
      return ":raised_hand:";
    case "waiting_review":
      return ":eyes:";
    case "paused":
      return ":double_vertical_bar:";
    case "stopped":
      return status.outcome === "RUN_COMPLETE" ? ":white_check_mark:" : ":octagonal_sign:";
    default:
      return assertNever(status);
  }
}

/** Plain words for the notification text (no emoji codes). */
export function statusWords(status: RunStatusView): string {
  switch (status.kind) {
    case "running":
      return "running";
    case "waiting_approval":
      return "waiting for approval";
    case "waiting_review":
      return "draft PR waiting for review";
    case "paused":
      return "paused";
    case "stopped":
      return `stopped: ${word(status.outcome)}`;
    default:
      return assertNever(status);
  }
}

/** "code_defect" → "Code defect". */
export function humanize(label: string): string {
  const words = oneLine(label.replace(/[_-]+/g, " "));
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A percent clamped to 0–100 and rounded; non-numbers become undefined. */
export function percent(value: number | undefined): number | undefined {
  if (value === undefined || !Number.isFinite(value)) return undefined;
  return Math.round(Math.min(100, Math.max(0, value)));
}

/** "82%" with a warning when below the floor for a code change. */
export function confidenceLabel(confidence: number): string {
  const pct = percent(confidence) ?? 0;
  return pct >= CONFIDENCE_FLOOR
    ? `${pct}%`
    : `${pct}% :warning: below the ${CONFIDENCE_FLOOR}% floor`;
}

/** "*Code defect* · 82% · SEV2". */
export function classificationLine(c: ClassificationView): string {
  const severity = c.severity === undefined ? "" : ` · ${short(c.severity, 40)}`;
  return `*${short(humanize(c.label), 80)}* · ${confidenceLabel(c.confidence)}${severity}`;
}

/** "-15 pts" for a confidence impact; "" when there is none. */
export function impactLabel(points: number | undefined, blocking?: boolean): string {
  const parts: string[] = [];
  if (points !== undefined && Number.isFinite(points) && points !== 0) {
    parts.push(`${Math.round(-Math.abs(points))} pts confidence`);
  }
  if (blocking === true) parts.push("*blocks the verdict*");
  return parts.join(", ");
}

/** The emoji of a specialist status (returned, skipped, failed, timed out). */
function specialistEmoji(status: SpecialistView["status"]): string {
  switch (status) {
    case "returned":
      return ":white_check_mark:";
    case "skipped":
      return ":fast_forward:";
    case "failed":
      return ":x:";
    case "timed_out":
      return ":hourglass:";
    default:
      return assertNever(status);
  }
}

/** "✅ *sentry* returned (12 findings, 80%) — NullReference in onboarding/submit". */
export function specialistLine(s: SpecialistView): string {
  const state = s.status === "timed_out" ? "timed out" : s.status;
  const extras: string[] = [];
  if (s.findings !== undefined) extras.push(`${s.findings} finding${s.findings === 1 ? "" : "s"}`);
  const pct = percent(s.confidence);
  if (pct !== undefined) extras.push(`${pct}%`);
  const detail = s.status === "returned" ? s.headline : (s.reason ?? s.headline);
  const tail = detail === undefined ? "" : ` — ${short(detail, 300)}`;
  const paren = extras.length > 0 ? ` (${extras.join(", ")})` : "";
  return `${specialistEmoji(s.status)} *${short(s.id, 60)}* ${word(state)}${paren}${tail}`;
}

/** The emoji of a tool status (available, missing, blocked). */
export function toolEmoji(status: ToolView["status"]): string {
  switch (status) {
    case "available":
      return ":large_green_circle:";
    case "missing":
      return ":white_circle:";
    case "blocked":
      return ":red_circle:";
    default:
      return assertNever(status);
  }
}

/** Links to what exists: "Linear · Sentry · PR · Run". */
export function linksLine(links: RunLinksView, runId?: string): string {
  const parts: string[] = [];
  if (links.linear !== undefined) parts.push(link(links.linear, "Linear"));
  if (links.sentry !== undefined) parts.push(link(links.sentry, "Sentry"));
  if (links.pullRequest !== undefined) parts.push(link(links.pullRequest, "Pull request"));
  if (links.thread !== undefined) parts.push(link(links.thread, "Thread"));
  if (runId !== undefined) {
    parts.push(
      links.run === undefined
        ? `run ${inlineCode(truncate(runId, 80))}`
        : link(links.run, `run ${truncate(oneLine(runId), 80)}`),
    );
  } else if (links.run !== undefined) {
    parts.push(link(links.run, "Run"));
  }
  return parts.join(" · ");
}

/** "service checkout-api" / "global" — the scope of a kill switch. */
export function pauseLabel(p: PauseView): string {
  const target = p.target === undefined ? "" : ` ${inlineCode(truncate(p.target, 80))}`;
  const by = p.by === undefined ? "" : ` by ${short(p.by, 80)}`;
  const reason = p.reason === undefined ? "" : ` — ${short(p.reason, 200)}`;
  return `:double_vertical_bar: *${word(p.scope)}*${target}${by}${reason}`;
}

/** A ticket key as a link to Linear when there is one. */
export function ticketLink(ticket: { key: string; url?: string }): string {
  return link(ticket.url, truncate(oneLine(ticket.key), 40));
}

/**
 * The head of a message about one run, as `/prode status <run>` shows it: the ticket as
 * header, the status with phase progress, then four columns — classification, service,
 * start (a Slack `{ago}` token, true whenever it is read), and `lastColumn`.
 */
export function runHeadBlocks(
  run: Pick<
    ParentMessageView,
    "ticket" | "phase" | "status" | "classification" | "service" | "startedAt"
  >,
  lastColumn: string,
  _now: Date,
): KnownBlock[] {
  const bar = phaseBar(run.phase, run.status);
  return [
    header(`${run.ticket.key} · ${run.ticket.title}`),
    section(
      `${statusLabel(run.status)}\n*${phaseProgress(run.phase)}*${bar === "" ? "" : `\n${bar}`}`,
    ),
    fields([
      `*Classification*\n${run.classification === undefined ? "_not yet classified_" : classificationLine(run.classification)}`,
      `*Service*\n${run.service === undefined ? "_unknown_" : inlineCode(truncate(run.service, 80))}`,
      `*Started*\n${slackDateAgo(run.startedAt)}`,
      lastColumn,
    ]),
  ];
}

/**
 * The service as a field shows it: unknown, named, or named as inferred (no structured
 * source named it; the evidence that dated the symptom is about it), so nobody reads a
 * guess as a fact.
 */
export function serviceLine(view: { service?: string; serviceInferred?: boolean }): string {
  if (view.service === undefined) return "_unknown_";
  const name = inlineCode(truncate(view.service, 80));
  return view.serviceInferred
    ? `${name} _(inferred from the evidence; nothing on the ticket names it)_`
    : name;
}
