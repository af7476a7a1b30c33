import type { DeliveryState } from "./run-context.ts";

/**
 * What delivery did, in words, for the handoff comment and the thread: the draft PR, the
 * patch proposed, or in a dry run each mutation the run would have made. Pure.
 */
export interface DeliverySummary {
  prUrl?: string;
  prNumber?: number;
  lines: string[];
}

export function deliveryLines(state: DeliveryState): DeliverySummary {
  const lines: string[] = [];
  if (state.pr) {
    lines.push(
      `Draft PR #${state.pr.number} on ${state.repository} (${state.pr.url}): a human reviews and merges it; prode never merges.`,
    );
  } else if (state.dryRun && state.wouldHave?.length) {
    lines.push("Dry run: nothing outside this thread was changed.");
    for (const w of state.wouldHave) lines.push(`Would have: ${w}`);
  } else if (state.band === "proposed_patch" && state.diffSha) {
    lines.push(
      `Patch proposed (no branch: the service allows a proposed patch at most): artifact ${state.diffSha.slice(0, 12)} in the run's bundle.`,
    );
  }
  if (state.baseSha) lines.push(`Base: ${state.repository}@${state.baseSha.slice(0, 7)}.`);
  if (state.review) {
    const by = state.review.by ? ` by ${state.review.by}` : "";
    lines.push(
      state.review.state === "merged"
        ? `Merged${by}${state.review.mergeCommitSha ? ` as ${state.review.mergeCommitSha.slice(0, 7)}` : ""}.`
        : `Closed${by}, not merged.`,
    );
  }
  if (state.monitor) {
    const verdict = state.monitor.verdict.replace("_", " ");
    lines.push(`After the merge: ${verdict} (${state.monitor.reason}).`);
  }
  return {
    ...(state.pr ? { prUrl: state.pr.url, prNumber: state.pr.number } : {}),
    lines,
  };
}
