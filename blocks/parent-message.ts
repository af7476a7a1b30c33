import type { KnownBlock } from "@slack/types";
import { inlineCode } from "./escape.ts";
import {
  classificationLine,
  linksLine,
  percent,
  phaseBar,
  phaseProgress,
  short,
  statusLabel,
  statusWords,
} from "./format.ts";
import { context, fields, finish, header, type RenderedMessage, section } from "./kit.ts";
import { truncate } from "./limits.ts";
import { formatAge, slackDate } from "./time.ts";
import type { ParentMessageView } from "./view-models.ts";

/**
 * The one parent message per ticket in the incident channel, updated in place as the run
 * moves: ticket and title, status, phase with progress, classification and confidence,
 * times, and links. Laid out to be read in two seconds at 3 a.m.: the status line comes
 * first, details sit in two columns, links at the bottom.
 */
export function renderParentMessage(view: ParentMessageView, now: Date): RenderedMessage {
  const blocks: KnownBlock[] = [header(`${view.ticket.key} · ${view.ticket.title}`)];

  const bar = phaseBar(view.phase, view.status);
  blocks.push(
    section(
      `${statusLabel(view.status)}\n*${phaseProgress(view.phase)}*${bar === "" ? "" : `\n${bar}`}`,
    ),
  );

  const columns = [
    `*Classification*\n${view.classification === undefined ? "_not yet classified_" : classificationLine(view.classification)}`,
    `*Service*\n${view.service === undefined ? "_unknown_" : inlineCode(truncate(view.service, 80))}`,
    `*Started*\n${slackDate(view.startedAt)} (${formatAge(view.startedAt, now)} ago)`,
    `*Updated*\n${slackDate(view.updatedAt)} (${formatAge(view.updatedAt, now)} ago)`,
  ];
  blocks.push(fields(columns));

  if (view.summary !== undefined && view.summary.trim() !== "") {
    blocks.push(section(short(view.summary, 1_000)));
  }
  blocks.push(context(linksLine(view.links, view.runId)));

  const confidence =
    view.classification === undefined
      ? ""
      : `, ${short(view.classification.label, 60)} ${percent(view.classification.confidence) ?? "?"}%`;
  const text = `${short(view.ticket.key, 40)} ${short(view.ticket.title, 300)} — ${phaseProgress(view.phase)}, ${statusWords(view.status)}${confidence}`;
  return finish(text, blocks, view.links.run === undefined ? {} : { moreUrl: view.links.run });
}
