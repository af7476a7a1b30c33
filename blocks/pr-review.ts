import { escapeMrkdwn, inlineCode, link } from "./escape.ts";
import { short } from "./format.ts";
import { context, finish, type RenderedMessage, section } from "./kit.ts";
import { truncate } from "./limits.ts";
import { slackDate } from "./time.ts";

/**
 * The thread reply for a human's review or review comment on prode's PR (issue 15,
 * delivery part 2): who, what they decided (or where they commented), a short quote of
 * what they wrote, and the link to read all of it on GitHub. Pure; every string in the
 * view came from GitHub and is escaped here. The body is redacted by the caller before.
 */

/** The longest quote shown: a glance in the thread, the rest is one click away. */
export const MAX_REVIEW_EXCERPT = 500;
/** Lines of the body quoted at most (a long list or code block stays on GitHub). */
export const MAX_REVIEW_EXCERPT_LINES = 8;
const MAX_PATH = 200;

export interface PrReviewView {
  kind: "review" | "comment";
  /** The reviewer's GitHub login. */
  reviewer: string;
  pr: { number: number; url?: string };
  /** A review's state as GitHub's webhook spells it (`approved`, `changes_requested`, …). */
  state?: string;
  /** A review comment's file and line (its first line when it spans several). */
  path?: string;
  line?: number;
  startLine?: number;
  /** What they wrote, redacted; empty when they wrote nothing. */
  body: string;
  /** The review or comment on GitHub (`html_url`). */
  url: string;
  /** When it was submitted or created (ISO), when GitHub said. */
  at?: string;
}

/** "approved", "requested changes on", … as the headline's verb (not yet escaped). */
function verdict(state: string | undefined): { emoji: string; verb: string } {
  switch (state) {
    case "approved":
      return { emoji: ":white_check_mark:", verb: "approved" };
    case "changes_requested":
      return { emoji: ":x:", verb: "requested changes on" };
    case "commented":
      return { emoji: ":speech_balloon:", verb: "reviewed (comments only)" };
    case "dismissed":
      return { emoji: ":heavy_minus_sign:", verb: "had a review dismissed on" };
    default:
      return { emoji: ":eyes:", verb: state ? `reviewed (${truncate(state, 40)})` : "reviewed" };
  }
}

/** `path:12` or `path:10-12`, as a code span. */
function where(view: PrReviewView): string {
  const path = truncate(view.path ?? "?", MAX_PATH);
  const lines =
    view.line === undefined
      ? ""
      : view.startLine !== undefined && view.startLine < view.line
        ? `:${view.startLine}-${view.line}`
        : `:${view.line}`;
  return inlineCode(`${path}${lines}`);
}

/**
 * The body as a block quote: at most {@link MAX_REVIEW_EXCERPT} characters and
 * {@link MAX_REVIEW_EXCERPT_LINES} lines, blank lines dropped, each line escaped. Undefined
 * when there is nothing to quote.
 */
export function reviewExcerpt(body: string): { quote: string; cut: boolean } | undefined {
  const all = body
    .replace(/\r\n?/g, "\n")
    .split("\n")
    .map((l) => l.trimEnd())
    .filter((l) => l.trim().length > 0);
  if (all.length === 0) return undefined;
  const kept = all.slice(0, MAX_REVIEW_EXCERPT_LINES).join("\n");
  const text = truncate(kept, MAX_REVIEW_EXCERPT);
  const cut = all.length > MAX_REVIEW_EXCERPT_LINES || text !== kept;
  const shown = cut && !text.endsWith("…") ? `${text}…` : text;
  return {
    quote: shown
      .split("\n")
      .map((l) => `>${escapeMrkdwn(l)}`)
      .join("\n"),
    cut,
  };
}

/** Renders the reply. `now` is unused today but kept, as every renderer takes it. */
export function renderPrReview(view: PrReviewView, _now: Date): RenderedMessage {
  const who = `*${short(view.reviewer, 100)}*`;
  const pr = link(view.pr.url, `PR #${view.pr.number}`);
  const headline =
    view.kind === "comment"
      ? `:speech_balloon: ${who} commented on ${where(view)} in ${pr}`
      : (() => {
          const v = verdict(view.state);
          return `${v.emoji} ${who} ${short(v.verb, 80)} ${pr}`;
        })();
  const excerpt = reviewExcerpt(view.body);
  const more = excerpt?.cut ? "the full text is on GitHub" : "";
  const seeIt = link(view.url, view.kind === "comment" ? "Comment on GitHub" : "Review on GitHub");
  const text =
    view.kind === "comment"
      ? `${view.reviewer} commented on ${view.path ?? "?"} in PR #${view.pr.number}`
      : `${view.reviewer} ${verdict(view.state).verb} PR #${view.pr.number}`;
  const fallback = excerpt
    ? `${text}: ${truncate(view.body.replace(/\s+/g, " ").trim(), 200)}`
    : text;
  return finish(short(fallback, 400), [
    section(headline),
    ...(excerpt ? [section(excerpt.quote)] : []),
    context(seeIt, ...(view.at ? [slackDate(view.at)] : []), more),
  ]);
}
