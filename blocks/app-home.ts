import type { HomeView, KnownBlock } from "@slack/types";
import { pauseLabel, short } from "./format.ts";
import {
  context,
  divider,
  finish,
  header,
  lineSections,
  linesSection,
  type RenderedMessage,
  section,
} from "./kit.ts";
import { MAX_VIEW_BLOCKS } from "./limits.ts";
import { approvalLine, runLine, sortApprovals, sortRuns } from "./run-lines.ts";
import { slackDate } from "./time.ts";
import type { AppHomeView } from "./view-models.ts";

const MAX_RUNS = 100;
const MAX_APPROVALS = 40;

/**
 * The App Home tab of one viewer: approvals they may decide first (soonest expiry on
 * top, each linking its approval message, where the buttons are), then active runs and
 * engaged kill switches. A view allows 100 blocks. Like every renderer it returns
 * `{text, blocks}` (the text is a summary for logs: views have no notification text);
 * {@link toHomeView} wraps it for views.publish.
 */
export function renderAppHome(view: AppHomeView, now: Date): RenderedMessage {
  const more = { moreUrl: view.moreUrl };
  const blocks: KnownBlock[] = [
    header("prode"),
    context(`Hi ${short(view.viewerName, 80)} · updated ${slackDate(now.toISOString())}`),
    section(`*:raised_hand: Waiting for your approval* (${view.approvals.length})`),
  ];
  if (view.approvals.length === 0) {
    blocks.push(context("Nothing is waiting for you."));
  } else {
    blocks.push(
      ...lineSections(
        sortApprovals(view.approvals).map((a) => approvalLine(a, now)),
        { maxItems: MAX_APPROVALS, maxSections: 10, ...more },
      ),
    );
  }
  blocks.push(divider(), section(`*:arrows_counterclockwise: Active runs* (${view.runs.length})`));
  if (view.runs.length === 0) {
    blocks.push(context("No active runs."));
  } else {
    blocks.push(
      ...lineSections(
        sortRuns(view.runs).map((r) => runLine(r, now)),
        { maxItems: MAX_RUNS, maxSections: 30, ...more },
      ),
    );
  }
  if (view.pauses.length > 0) {
    blocks.push(
      divider(),
      linesSection("*Kill switches engaged*", view.pauses.map(pauseLabel), { maxItems: 20 }),
    );
  }
  const text = `prode home: ${view.approvals.length} approval${view.approvals.length === 1 ? "" : "s"} waiting, ${view.runs.length} active run${view.runs.length === 1 ? "" : "s"}`;
  return finish(text, blocks, { maxBlocks: MAX_VIEW_BLOCKS, ...more });
}

/** The payload of views.publish for a rendered App Home. */
export function toHomeView(rendered: RenderedMessage): HomeView {
  return { type: "home", blocks: rendered.blocks };
}
