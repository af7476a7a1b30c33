import type { KnownBlock } from "@slack/types";
import { inlineCode } from "./escape.ts";
import {
  assertNever,
  linksLine,
  pauseLabel,
  phaseProgress,
  runHeadBlocks,
  short,
  specialistLine,
  statusWords,
} from "./format.ts";
import {
  context,
  finish,
  header,
  lineSections,
  linesSection,
  type RenderedMessage,
  section,
} from "./kit.ts";
import { truncate } from "./limits.ts";
import { approvalLine, runLine, sortApprovals, sortRuns } from "./run-lines.ts";
import { slackDate } from "./time.ts";
import type {
  RunDetailView,
  RunNotFoundView,
  StatusListView,
  StatusView,
  TimelineEntryView,
} from "./view-models.ts";

const MAX_RUNS = 60;
const MAX_TIMELINE = 15;

/** `/prode status`: every active run, the ones waiting for a human first, and kill switches. */
function renderStatusList(view: StatusListView, now: Date): RenderedMessage {
  const count = view.runs.length;
  const blocks: KnownBlock[] = [
    header(`prode status · ${count} active run${count === 1 ? "" : "s"}`),
  ];
  if (view.pauses.length > 0) {
    blocks.push(
      linesSection("*Kill switches engaged*", view.pauses.map(pauseLabel), { maxItems: 10 }),
    );
  }
  if (count === 0) {
    blocks.push(section(":sunny: No active runs."));
  } else {
    blocks.push(
      ...lineSections(
        sortRuns(view.runs).map((r) => runLine(r, now)),
        {
          maxItems: MAX_RUNS,
          maxSections: 20,
          moreUrl: view.moreUrl,
        },
      ),
    );
  }
  blocks.push(
    context(
      `as of ${slackDate(now.toISOString())} · ${inlineCode("/prode status <ticket|run>")} for one run`,
    ),
  );
  const waiting = view.runs.reduce((n, r) => n + r.waitingApprovals, 0);
  const text = `prode: ${count} active run${count === 1 ? "" : "s"}, ${waiting} approval${waiting === 1 ? "" : "s"} waiting${view.pauses.length > 0 ? `, ${view.pauses.length} kill switch(es) engaged` : ""}`;
  return finish(text, blocks, { moreUrl: view.moreUrl });
}

function timelineLine(entry: TimelineEntryView): string {
  const note = entry.note === undefined ? "" : ` — ${short(entry.note, 300)}`;
  return `• ${slackDate(entry.at)} ${inlineCode(entry.state)}${note}`;
}

/** `/prode status <ticket|run>`: one run in detail, with its timeline and waiting approvals. */
function renderRunDetail(view: RunDetailView, now: Date): RenderedMessage {
  const { run } = view;
  const blocks: KnownBlock[] = runHeadBlocks(
    run,
    `*Approvals waiting*\n${run.waitingApprovals}`,
    now,
  );
  if (view.approvals.length > 0) {
    blocks.push(
      linesSection(
        "*Waiting for approval*",
        sortApprovals(view.approvals).map((a) => approvalLine(a, now)),
        { maxItems: 10 },
      ),
    );
  }
  if (view.specialists.length > 0) {
    blocks.push(
      linesSection("*Specialists*", view.specialists.map(specialistLine), { maxItems: 12 }),
    );
  }
  if (view.feedback !== undefined && view.feedback !== "") {
    blocks.push(section(`*Verdict feedback:* ${short(view.feedback, 300)}`));
  }
  // The most recent transitions matter; older ones are counted, newest last.
  const recent = view.timeline.slice(-MAX_TIMELINE);
  const older = view.timeline.length - recent.length;
  blocks.push(
    linesSection(
      `*Timeline*${older > 0 ? ` (${older} earlier not shown)` : ""}`,
      recent.length === 0 ? ["_no transitions yet_"] : recent.map(timelineLine),
    ),
  );
  const links = linksLine(view.links, run.runId);
  if (links !== "") blocks.push(context(links));
  const text = `${short(run.ticket.key, 40)} ${short(run.ticket.title, 300)} — ${phaseProgress(run.phase)}, ${statusWords(run.status)}`;
  return finish(text, blocks, { moreUrl: view.links.run });
}

/** `/prode status <query>` when no run matches: say so and what to try. */
function renderRunNotFound(view: RunNotFoundView, _now: Date): RenderedMessage {
  const query = inlineCode(truncate(view.query, 100));
  return finish(`prode: no run found for ${short(view.query, 100)}`, [
    section(
      `:mag: No run found for ${query}.\nTry \`/prode status\` for all active runs, or ${inlineCode("/prode triage <ticket>")} to start one.`,
    ),
  ]);
}

/** Dispatches a {@link StatusView} to the list, detail or not-found renderer. */
export function renderStatus(view: StatusView, now: Date): RenderedMessage {
  switch (view.kind) {
    case "list":
      return renderStatusList(view, now);
    case "detail":
      return renderRunDetail(view, now);
    case "not_found":
      return renderRunNotFound(view, now);
    default:
      return assertNever(view, "status view");
  }
}
