import type { KnownBlock } from "@slack/types";
import { codeBlock, inlineCode } from "./escape.ts";
import { feedbackButtons } from "./feedback.ts";
import {
  assertNever,
  classificationLine,
  impactLabel,
  linksLine,
  outcomeLabel,
  short,
  specialistLine,
  toolEmoji,
  word,
} from "./format.ts";
import { context, finish, linesSection, type RenderedMessage, section } from "./kit.ts";
import { type FitLinesOptions, fitList, truncate } from "./limits.ts";
import { slackDate } from "./time.ts";
import { outcomeEmoji, outcomeSentence } from "./verdict.ts";
import type {
  DecisionMilestone,
  HandoffMilestone,
  MilestoneView,
  SpecialistResultsMilestone,
  ToolInventoryMilestone,
  ToolView,
} from "./view-models.ts";

/** Lists longer than this are cut with "…and N more" and a link to the artifact. */
const MAX_LIST_ITEMS = 25;

function footer(view: MilestoneView): KnownBlock {
  return context(
    `${inlineCode(truncate(view.ticketKey, 40))} · run ${inlineCode(truncate(view.runId, 80))} · ${slackDate(view.at)}`,
  );
}

function countBy<T extends string>(items: readonly { status: T }[], order: readonly T[]): string {
  return order
    .map((status) => [status, items.filter((i) => i.status === status).length] as const)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${word(status.replace(/_/g, " "))}`)
    .join(" · ");
}

const TOOL_ORDER: readonly ToolView["status"][] = ["blocked", "missing", "available"];

function toolLine(tool: ToolView): string {
  const detail = tool.detail === undefined ? "" : ` — ${short(tool.detail, 300)}`;
  const impact = impactLabel(tool.confidenceImpact, tool.blocking);
  return `${toolEmoji(tool.status)} *${short(tool.name, 60)}* ${word(tool.status)}${detail}${impact === "" ? "" : ` · ${impact}`}`;
}

function renderToolInventory(view: ToolInventoryMilestone): RenderedMessage {
  // What is missing or blocked matters most, so it is listed first.
  const tools = [...view.tools].sort(
    (a, b) => TOOL_ORDER.indexOf(a.status) - TOOL_ORDER.indexOf(b.status),
  );
  const counts = countBy(view.tools, TOOL_ORDER) || "no tools configured";
  const route =
    view.route.length === 0
      ? "_no specialists routed_"
      : fitList(
          view.route.map((r) => inlineCode(truncate(r, 60))),
          MAX_LIST_ITEMS,
        ).join(" → ");
  const blocks: KnownBlock[] = [
    section(`:toolbox: *Tool inventory* — ${counts}`),
    linesSection(undefined, tools.length === 0 ? ["_none_"] : tools.map(toolLine), more(view)),
    section(`*Route:* ${route}`),
    footer(view),
  ];
  const text = `${short(view.ticketKey, 40)} tool inventory: ${counts}`;
  return finish(text, blocks, { moreUrl: view.artifactUrl });
}

function renderSpecialistResults(view: SpecialistResultsMilestone): RenderedMessage {
  const counts =
    countBy(view.specialists, ["returned", "skipped", "failed", "timed_out"]) || "no specialists";
  const lines = view.specialists.map(specialistLine);
  const blocks: KnownBlock[] = [
    section(`:mag: *Specialist results* — ${counts}`),
    linesSection(undefined, lines.length === 0 ? ["_none ran_"] : lines, more(view)),
    footer(view),
  ];
  return finish(`${short(view.ticketKey, 40)} specialist results: ${counts}`, blocks, {
    moreUrl: view.artifactUrl,
  });
}

/** What prode does next, in words, with the canonical phase or outcome beside it. */
function decisionNext(view: DecisionMilestone): string {
  switch (view.decision) {
    case "proceed":
      return `:white_check_mark: *Next: prode prepares the smallest safe fix as a draft PR*${view.nextPhase === undefined ? "" : ` · ${inlineCode(view.nextPhase)}`}`;
    case "await_approval":
      return `:raised_hand: *Next: prode waits for a human to approve the proposed action* · ${inlineCode("AWAIT_APPROVAL")}`;
    case "exit":
      return view.outcome === undefined
        ? ":octagonal_sign: *Next: prode stops here*"
        : `${outcomeEmoji(view.outcome)} *Next: prode stops here — ${outcomeSentence(view.outcome)}* · ${inlineCode(view.outcome)}`;
    default:
      return assertNever(view.decision, "decision");
  }
}

/**
 * The decision reply: what prode will do next and why, said once. The gate's result and
 * the classification sit on one line under it; the evidence is in the evidence reply.
 */
function renderDecision(view: DecisionMilestone): RenderedMessage {
  const facts: string[] = [];
  if (view.gatePassed !== undefined) {
    facts.push(view.gatePassed ? "Evidence gate passed" : "Evidence gate not passed");
  }
  if (view.classification !== undefined) facts.push(classificationLine(view.classification));
  const blocks: KnownBlock[] = [section(decisionNext(view))];
  if (facts.length > 0) blocks.push(section(facts.join(" · ")));
  blocks.push(section(`*Why:* ${short(view.reason, 2_500)}`));
  // Was the verdict right? One click, stored per person and run (issue 19.3).
  const feedback = feedbackButtons(view.runId);
  if (feedback) blocks.push(context("Was this verdict right?"), feedback);
  blocks.push(footer(view));
  const next =
    view.decision === "exit"
      ? view.outcome === undefined
        ? "prode stops here"
        : `prode stops here — ${outcomeSentence(view.outcome)}`
      : view.decision === "proceed"
        ? "prode prepares the smallest safe fix as a draft PR"
        : "prode waits for a human to approve the proposed action";
  return finish(`${short(view.ticketKey, 40)} · next: ${short(next, 300)}`, blocks, {
    moreUrl: view.artifactUrl,
  });
}

function renderHandoff(view: HandoffMilestone): RenderedMessage {
  const steps = view.nextSteps.map((s, i) => `${i + 1}. ${short(s, 400)}`);
  const blocks: KnownBlock[] = [
    section(`:handshake: *Handoff* — ${outcomeLabel(view.outcome)}`),
    section(short(view.summary, 2_800)),
  ];
  if (steps.length > 0) {
    blocks.push(linesSection("*Next steps*", steps, more(view)));
  }
  if (view.owner !== undefined) blocks.push(section(`*Owner:* ${short(view.owner, 200)}`));
  if (view.patch) blocks.push(section(`*Proposed patch*\n${codeBlock(patchExcerpt(view.patch))}`));
  const links = linksLine(view.links);
  if (links !== "") blocks.push(context(links));
  blocks.push(footer(view));
  return finish(
    `${short(view.ticketKey, 40)} handoff: ${outcomeSentence(view.outcome)} — ${short(view.summary, 300)}`,
    blocks,
    { moreUrl: view.artifactUrl },
  );
}

/** A section holds 3,000 characters: the patch's head, with how many lines were left out. */
function patchExcerpt(patch: string): string {
  const lines = patch.split("\n");
  const kept: string[] = [];
  let size = 0;
  for (const line of lines) {
    if (size + line.length + 1 > 2_600) break;
    kept.push(line);
    size += line.length + 1;
  }
  const left = lines.length - kept.length;
  return left > 0
    ? `${kept.join("\n")}\n… ${left} more line(s) in the run's artifacts`
    : kept.join("\n");
}

function more(view: MilestoneView): FitLinesOptions {
  return { maxItems: MAX_LIST_ITEMS, moreUrl: view.artifactUrl };
}

/**
 * A thread reply for one milestone of a run: the tool inventory (available, missing and
 * blocked tools with their confidence impact), specialist results, the CLASSIFY decision
 * or exit, and the handoff.
 */
export function renderMilestone(view: MilestoneView, _now: Date): RenderedMessage {
  switch (view.kind) {
    case "tool_inventory":
      return renderToolInventory(view);
    case "specialist_results":
      return renderSpecialistResults(view);
    case "decision":
      return renderDecision(view);
    case "handoff":
      return renderHandoff(view);
    default:
      return assertNever(view, "milestone");
  }
}
