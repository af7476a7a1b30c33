import type { KnownBlock } from "@slack/types";
import { inlineCode, link } from "./escape.ts";
import { assertNever, short, word } from "./format.ts";
import { context, finish, type RenderedMessage, section } from "./kit.ts";
import { truncate } from "./limits.ts";
import { slackDate } from "./time.ts";
import type { IsoTimestamp } from "./view-models.ts";

/**
 * The thread reply for POST_MERGE_MONITOR's verdict (issue 15, delivery part 2): after a
 * human merged prode's PR, whether the ticket's error stopped after the deploy holding the
 * merge. The parent message shows it too, but an edit notifies no one; this reply does.
 * Pure; the caller redacts the view (the reason quotes what the sources said).
 */

/** The monitor's three answers, as DESIGN.md and the run context spell them. */
export type MonitorVerdict = "resolved" | "still_recurring" | "inconclusive";

export interface MonitorVerdictView {
  runId: string;
  ticketKey: string;
  verdict: MonitorVerdict;
  /** Why, in the monitor's words (e.g. "not deployed within the window: …"). Redacted. */
  reason: string;
  /** The signals the verdict rests on, the deciding one first (deploy, sentry, 5xx, latency). */
  decidedBy?: string[];
  /** Checks made over the window before the verdict. */
  checks?: number;
  /** The deployment found holding the merge commit. */
  deploy?: { id: number; sha: string; createdAt: IsoTimestamp };
  pr?: { number: number; url?: string };
  /** When the deciding check ran: the same on every retry of the post. */
  at?: IsoTimestamp;
}

/** The headline's emoji and words for a verdict (not yet escaped; all are prode's own). */
function headline(verdict: MonitorVerdict): { emoji: string; words: string; meaning: string } {
  switch (verdict) {
    case "resolved":
      return {
        emoji: ":white_check_mark:",
        words: "resolved",
        meaning: "the error stopped after the deploy holding the fix",
      };
    case "still_recurring":
      return {
        emoji: ":repeat:",
        words: "still recurring",
        meaning: "the error goes on after the deploy holding the fix; a human should look again",
      };
    case "inconclusive":
      return {
        emoji: ":grey_question:",
        words: "inconclusive",
        meaning: "prode could not tell whether the fix worked",
      };
    default:
      return assertNever(verdict, "monitor verdict");
  }
}

/** A commit's first 7 characters, cut by code point (the sha is GitHub's, not checked). */
function shortSha(sha: string): string {
  return Array.from(sha).slice(0, 7).join("");
}

/** Renders the reply. `now` is unused today but kept, as every renderer takes it. */
export function renderMonitorVerdict(view: MonitorVerdictView, _now: Date): RenderedMessage {
  const h = headline(view.verdict);
  const pr = view.pr ? ` of ${link(view.pr.url, `PR #${view.pr.number}`)}` : "";
  const facts: string[] = [];
  if (view.deploy) {
    facts.push(
      `Deploy ${inlineCode(shortSha(view.deploy.sha))} (#${view.deploy.id}) ${slackDate(view.deploy.createdAt)}`,
    );
  }
  if (view.decidedBy && view.decidedBy.length > 0) {
    facts.push(
      `Decided by: ${view.decidedBy
        .slice(0, 8)
        .map((s) => word(s))
        .join(", ")}`,
    );
  }
  if (view.checks !== undefined) facts.push(`${view.checks} check(s)`);
  const blocks: KnownBlock[] = [
    section(`${h.emoji} *After the merge${pr}: ${h.words}* — ${h.meaning}`),
    section(`*Why:* ${short(view.reason, 2_500)}`),
  ];
  if (facts.length > 0) blocks.push(context(...facts));
  // Said each time, since "resolved" tempts a reader to think prode closed the issue.
  blocks.push(
    context(
      `${inlineCode(truncate(view.ticketKey, 40))} · run ${inlineCode(truncate(view.runId, 80))}${view.at ? ` · ${slackDate(view.at)}` : ""} · prode never resolves or mutes the Sentry issue`,
    ),
  );
  const of = view.pr ? ` of PR #${view.pr.number}` : "";
  return finish(
    short(`${view.ticketKey} after the merge${of}: ${h.words} — ${view.reason}`, 400),
    blocks,
  );
}
