/**
 * The answer in plain words: what prode concluded about a run and what happens next. The
 * parent message leads with it, its notification text is it, and the decision reply says
 * the same next step, so every surface tells the on-call the same thing in the same words.
 * Canonical names (phases, outcomes) stay out of these sentences; renderers show them
 * beside, in code, for grep.
 */
import type { Outcome } from "../src/domain/phases.ts";
import { assertNever, humanize, percent, phaseProgress } from "./format.ts";
import type { ClassificationView, RunStatusView } from "./view-models.ts";

/** What a stopped run leaves for people, in words ("the fix is handed to a human"). */
export function outcomeSentence(outcome: Outcome): string {
  switch (outcome) {
    case "BLOCKED_NEEDS_INFO":
      return "not enough evidence to decide; prode needs more information";
    case "APPROVAL_REQUIRED":
      return "the proposed production change waits for a human's approval; prode never runs it";
    case "NO_CODE_CHANGE":
      return "no code change is needed";
    case "NOISE_NO_FIX":
      return "nothing to fix";
    case "VENDOR_OR_INFRA":
      return "not a code problem; handed to its owner";
    case "CANNOT_AUTO_FIX":
      return "the fix is handed to a human";
    case "ESCALATED_INCIDENT":
      return "escalated as an incident";
    case "SUPERSEDED":
      return "superseded by a newer run";
    case "FAILED":
      return "failed before reaching a verdict";
    case "RUN_COMPLETE":
      return "done";
    default:
      return assertNever(outcome, "outcome");
  }
}

/** The emoji that goes with an outcome, for the line that leads a message. */
export function outcomeEmoji(outcome: Outcome): string {
  switch (outcome) {
    case "BLOCKED_NEEDS_INFO":
      return ":grey_question:";
    case "APPROVAL_REQUIRED":
      return ":raised_hand:";
    case "NO_CODE_CHANGE":
    case "RUN_COMPLETE":
      return ":white_check_mark:";
    case "NOISE_NO_FIX":
      return ":zzz:";
    case "VENDOR_OR_INFRA":
      return ":cloud:";
    case "CANNOT_AUTO_FIX":
      return ":construction:";
    case "ESCALATED_INCIDENT":
      return ":rotating_light:";
    case "SUPERSEDED":
      return ":leftwards_arrow_with_hook:";
    case "FAILED":
      return ":x:";
    default:
      return assertNever(outcome, "outcome");
  }
}

/** "Code defect (95% confidence)", or undefined before classification. */
export function classificationWords(c: ClassificationView | undefined): string | undefined {
  if (c === undefined) return undefined;
  return `${humanize(c.label)} (${percent(c.confidence) ?? "?"}% confidence)`;
}

/** "phase 7 of 18, wait for evidence" — a running run's position, in words. */
function phaseWords(phase: Parameters<typeof phaseProgress>[0]): string {
  return phaseProgress(phase).replace(/^Phase (\d+)\/(\d+) · .*$/, "phase $1 of $2");
}

/**
 * The verdict sentence, unescaped plain text: "Code defect (95% confidence): the fix is
 * handed to a human." Callers escape it for mrkdwn; notification text uses it as is.
 */
export function verdictSentence(
  status: RunStatusView,
  classification: ClassificationView | undefined,
  phase: Parameters<typeof phaseProgress>[0],
): string {
  const what = classificationWords(classification);
  const lead = (rest: string) =>
    what === undefined ? `${rest.charAt(0).toUpperCase()}${rest.slice(1)}.` : `${what}: ${rest}.`;
  switch (status.kind) {
    case "running":
      return phase === "AWAIT_APPROVAL"
        ? lead("waiting for a human's approval")
        : lead(`${what === undefined ? "investigating" : "in progress"} (${phaseWords(phase)})`);
    case "waiting_approval":
      return lead("waiting for a human's approval");
    case "waiting_review":
      return lead(
        `draft PR${status.pr === undefined ? "" : ` #${status.pr}`} opened, waiting for a human's review and merge`,
      );
    case "paused":
      return lead("paused by a kill switch");
    case "stopped":
      return lead(outcomeSentence(status.outcome));
    default:
      return assertNever(status);
  }
}
