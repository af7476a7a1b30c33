import type { RunRow } from "../../runner/types.ts";
import type { FeedbackRow } from "../../slack/feedback-store.ts";
import { feedbackSummary } from "../../slack/feedback-store.ts";

/**
 * `prode status RUN|TICKET`: one run, stopped or not, with the on-call's feedback on its
 * verdict (issue 19.3). Pure: the caller reads the run and its feedback.
 */
export function formatRunStatus(run: RunRow, feedback: readonly FeedbackRow[]): string {
  const lines = [
    `run      ${run.id}`,
    `ticket   ${run.ticket}`,
    `phase    ${run.phase}`,
    `outcome  ${run.outcome ?? (run.pendingOutcome ? `${run.pendingOutcome} (handing off)` : "-")}`,
    `started  ${run.createdAt.toISOString()}`,
    ...(run.endedAt ? [`ended    ${run.endedAt.toISOString()}`] : []),
    `feedback ${feedbackSummary(feedback) || "none"}`,
    ...feedback.map(
      (f) =>
        `  ${f.userId.padEnd(12)} ${f.verdict.padEnd(5)}${f.correctOutcome ? ` → ${f.correctOutcome}` : ""}  (${f.updatedAt.toISOString()})`,
    ),
  ];
  return `${lines.join("\n")}\n`;
}
