import type { KnownBlock } from "@slack/types";
import { codeBlockBody } from "./escape.ts";
import { context, finish, header, type RenderedMessage, section } from "./kit.ts";
import { MAX_SECTION_TEXT } from "./limits.ts";

/** Sections a report may take: the rest is cut, with a line saying where to read it whole. */
const MAX_REPORT_SECTIONS = 20;
/** Room each section keeps for its fence and a cut marker. */
const FENCE_ROOM = 40;

/**
 * A text report (`prode report weekly|calibration`) as a Slack message: a header, the
 * report in fixed-width blocks split at line ends (no block over Slack's section limit),
 * and a footer naming the CLI for the whole report when it was cut. Pure.
 */
export function renderReport(title: string, report: string, cli: string): RenderedMessage {
  const chunks: string[] = [];
  let current = "";
  for (const raw of report.replace(/\s+$/, "").split("\n")) {
    const line = codeBlockBody(raw || " ").slice(0, MAX_SECTION_TEXT - FENCE_ROOM);
    if (current.length + line.length + 1 > MAX_SECTION_TEXT - FENCE_ROOM) {
      chunks.push(current);
      current = "";
    }
    current = current ? `${current}\n${line}` : line;
  }
  if (current) chunks.push(current);
  const shown = chunks.slice(0, MAX_REPORT_SECTIONS);
  const blocks: KnownBlock[] = [
    header(title),
    ...shown.map((chunk) => section(`\`\`\`${chunk}\`\`\``)),
    context(
      shown.length < chunks.length
        ? `Cut to fit Slack: the whole report is \`${cli}\`.`
        : `The same report on the command line: \`${cli}\` (add \`--json\` for machines).`,
    ),
  ];
  const firstLine = report.split("\n", 1)[0] ?? title;
  return finish(firstLine.slice(0, 300), blocks);
}
