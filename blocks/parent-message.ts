import type { KnownBlock } from "@slack/types";
import { linksLine, percent, phaseProgress, runHeadBlocks, short, statusWords } from "./format.ts";
import { context, finish, type RenderedMessage, section } from "./kit.ts";
import { formatAge, slackDate } from "./time.ts";
import type { ParentMessageView } from "./view-models.ts";

/**
 * The one parent message per ticket in the incident channel, updated in place as the run
 * moves: ticket and title, status, phase with progress, classification and confidence,
 * times, and links. Laid out to be read in two seconds at 3 a.m.: the status line comes
 * first, details sit in two columns, links at the bottom.
 */
export function renderParentMessage(view: ParentMessageView, now: Date): RenderedMessage {
  const blocks: KnownBlock[] = runHeadBlocks(
    view,
    `*Updated*\n${slackDate(view.updatedAt)} (${formatAge(view.updatedAt, now)} ago)`,
    now,
  );

  if (view.summary !== undefined && view.summary.trim() !== "") {
    blocks.push(section(short(view.summary, 1_000)));
  }
  blocks.push(context(linksLine(view.links, view.runId)));

  const confidence =
    view.classification === undefined
      ? ""
      : `, ${short(view.classification.label, 60)} ${percent(view.classification.confidence) ?? "?"}%`;
  const text = `${short(view.ticket.key, 40)} ${short(view.ticket.title, 300)} — ${phaseProgress(view.phase)}, ${statusWords(view.status)}${confidence}`;
  return finish(text, blocks, { moreUrl: view.links.run });
}
