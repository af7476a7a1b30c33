import type { KnownBlock } from "@slack/types";
import { inlineCode } from "./escape.ts";
import {
  confidenceLabel,
  humanize,
  linksLine,
  phaseBar,
  phaseProgress,
  serviceLine,
  short,
  statusEmoji,
  word,
} from "./format.ts";
import { context, fields, finish, header, type RenderedMessage, section } from "./kit.ts";
import { slackDateAgo } from "./time.ts";
import { outcomeEmoji, verdictSentence } from "./verdict.ts";
import type { ParentMessageView } from "./view-models.ts";

/**
 * The one parent message per ticket in the incident channel, updated in place as the run
 * moves. It leads with the answer, for an on-call reading it at 3 a.m. on a phone: the
 * verdict in plain words (with the canonical outcome beside it), the one-line cause, then
 * owner, first action with its risk, confidence and service, then the links. The phase
 * progress shows only while the run is running; times are Slack `{ago}` tokens, so
 * "started 2 hours ago" stays true without another update.
 */
export function renderParentMessage(view: ParentMessageView, _now: Date): RenderedMessage {
  const verdict = verdictSentence(view.status, view.classification, view.phase);
  const emoji =
    view.status.kind === "stopped" ? outcomeEmoji(view.status.outcome) : statusEmoji(view.status);
  const canonical =
    view.status.kind === "stopped"
      ? ` · ${inlineCode(view.status.outcome)}`
      : view.phase === "AWAIT_APPROVAL"
        ? ` · ${inlineCode("AWAIT_APPROVAL")}`
        : "";
  const lead = [`${emoji} *${short(verdict, 400)}*${canonical}`];
  if (view.cause !== undefined && view.cause.trim() !== "") {
    lead.push(`*Cause:* ${short(view.cause, 1_200)}`);
  }
  const blocks: KnownBlock[] = [
    header(`${view.ticket.key} · ${view.ticket.title}`),
    section(lead.join("\n")),
  ];

  const columns: string[] = [];
  if (view.owner !== undefined) columns.push(`*Owner*\n${short(view.owner, 200)}`);
  if (view.firstAction !== undefined) {
    const risk =
      view.firstAction.risk === undefined ? "" : ` · risk ${word(view.firstAction.risk)}`;
    columns.push(`*First action*\n${short(view.firstAction.text, 600)}${risk}`);
  }
  const c = view.classification;
  columns.push(
    c === undefined
      ? "*Confidence*\n_not yet classified_"
      : `*Confidence*\n${confidenceLabel(c.confidence)} · ${short(humanize(c.label), 80)}${c.severity === undefined ? "" : ` · ${short(c.severity, 40)}`}`,
    `*Service*\n${serviceLine(view)}`,
  );
  blocks.push(fields(columns));

  // While the run works: where it is, and the latest news. A stopped run shows why instead.
  const running = view.status.kind !== "stopped" && view.status.kind !== "waiting_review";
  const news = view.summary !== undefined && view.summary.trim() !== "" ? view.summary : undefined;
  if (view.status.kind === "waiting_review") {
    // prode's work is done: the PR is the human's now (the verdict line says so).
    if (news !== undefined) blocks.push(context(`*Why:* ${short(news, 1_500)}`));
  } else if (running) {
    const bar = phaseBar(view.phase, view.status);
    const progress = `*${phaseProgress(view.phase)}*${bar === "" ? "" : ` ${bar}`}`;
    blocks.push(context(news === undefined ? progress : `${progress} · ${short(news, 1_000)}`));
  } else if (news !== undefined) {
    blocks.push(context(`*Why it stopped:* ${short(news, 1_500)}`));
  }

  blocks.push(
    context(linksLine(view.links, view.runId)),
    context(`Started ${slackDateAgo(view.startedAt)} · updated ${slackDateAgo(view.updatedAt)}`),
  );

  const cause =
    view.cause === undefined || view.cause.trim() === "" ? "" : ` Cause: ${short(view.cause, 300)}`;
  const text = `${short(view.ticket.key, 40)} · ${short(verdict, 400)}${cause}`;
  return finish(text, blocks, { moreUrl: view.links.run });
}
