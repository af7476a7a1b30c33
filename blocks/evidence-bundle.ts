import type { KnownBlock } from "@slack/types";
import { inlineCode, link } from "./escape.ts";
import {
  confidenceLabel,
  humanize,
  impactLabel,
  percent,
  serviceLine,
  short,
  word,
} from "./format.ts";
import {
  context,
  divider,
  fields,
  finish,
  header,
  linesSection,
  type RenderedMessage,
  section,
} from "./kit.ts";
import { fitLines, MAX_CONTEXT_TEXT, moreLine, truncate } from "./limits.ts";
import { slackDate } from "./time.ts";
import type {
  EvidenceBundleView,
  FactView,
  GapView,
  HypothesisView,
  MemoryPageView,
  MemoryView,
} from "./view-models.ts";

/** Hypotheses get one section each; beyond this they are counted. */
const MAX_HYPOTHESES = 5;
/** The strongest facts; the rest are one click away in the full bundle. */
const MAX_FACTS = 8;
const MAX_GAPS = 10;
const MAX_MEMORY_ITEMS = 8;

const HYPOTHESIS_EMOJI: Record<HypothesisView["status"], string> = {
  leading: ":dart:",
  open: ":grey_question:",
  rejected: ":no_entry_sign:",
};

function evidenceList(items: readonly string[], max = 4): string {
  if (items.length === 0) return "_none_";
  const shown = items.slice(0, max).map((i) => short(i, 240));
  return items.length > max
    ? `${shown.join("; ")}; ${moreLine(items.length - max)}`
    : shown.join("; ");
}

/**
 * One hypothesis. A rejected one is kept short: what rejected it is usually the leading
 * hypothesis's own evidence, already listed above, so it shows two items and no empty
 * "For" line; the full lists are in the bundle.
 */
function hypothesisSection(h: HypothesisView, rank: number): KnownBlock {
  const pct = percent(h.confidence);
  const rejected = h.status === "rejected";
  const lines = [
    `${HYPOTHESIS_EMOJI[h.status]} *${rank}. ${short(h.statement, 400)}* · ${word(h.status)}${pct === undefined ? "" : ` · ${pct}%`}`,
  ];
  if (!rejected || h.evidenceFor.length > 0) {
    lines.push(`:heavy_plus_sign: *For:* ${evidenceList(h.evidenceFor, rejected ? 2 : 4)}`);
  }
  lines.push(`:heavy_minus_sign: *Against:* ${evidenceList(h.evidenceAgainst, rejected ? 2 : 4)}`);
  if (h.test !== undefined) lines.push(`:test_tube: *Test:* ${short(h.test, 400)}`);
  return section(lines.join("\n"));
}

/** "• 5xx rate 0.2% → 14% after 14:02 — _cloudwatch_ <url|ref>": the fact cites its source. */
function factLine(f: FactView): string {
  const ref = truncate(f.source.ref, 120);
  const source = f.source.url === undefined ? inlineCode(ref) : link(f.source.url, ref);
  const at = f.observedAt === undefined ? "" : ` · ${slackDate(f.observedAt)}`;
  return `• ${short(f.text, 400)} — _${short(f.source.kind, 40)}_ ${source}${at}`;
}

function gapLine(g: GapView): string {
  const impact = impactLabel(g.confidenceImpact, g.blocking);
  return `:warning: ${short(g.description, 400)}${impact === "" ? "" : ` · ${impact}`}`;
}

function pageLine(p: MemoryPageView): string {
  const title = p.title === undefined ? "" : ` ${short(p.title, 120)}`;
  return `${link(p.url, truncate(p.id, 80))}${title} (${word(p.state)})`;
}

/**
 * Memory is shown in small grey context text under its own heading, after the evidence,
 * so nobody mistakes a wiki page for proof (DESIGN invariant 2).
 */
function memoryBlocks(memory: MemoryView, moreUrl?: string): KnownBlock[] {
  const opts = { maxItems: MAX_MEMORY_ITEMS, moreUrl };
  const list = (title: string, items: string[]) =>
    `*${title}:* ${items.length === 0 ? "_none_" : fitLines(items, MAX_CONTEXT_TEXT - title.length - 5, opts).replace(/\n/g, " · ")}`;
  return [
    divider(),
    section(
      ":brain: *Memory (routing only — not evidence)*\nWiki pages chose which specialists ran and which queries and negative controls they used. None of it counts toward the classification.",
    ),
    context(
      list("Wiki pages", memory.pages.map(pageLine)),
      list(
        "Recipes",
        memory.recipes.map((r) => short(r, 200)),
      ),
      list(
        "Negative controls",
        memory.negativeControls.map((c) => short(c, 200)),
      ),
    ),
  ];
}

/**
 * The evidence bundle as a thread reply: classification with confidence and severity,
 * the root-cause hypothesis, ranked hypotheses (for, against, test), facts each citing its
 * source, gaps with their confidence impact, and — set apart under its own label — the
 * memory used for routing. The specialists' statuses are not repeated: the specialist
 * reply just above has them. Long lists end in "…and N more" linking the full bundle.
 */
export function renderEvidenceBundle(view: EvidenceBundleView, _now: Date): RenderedMessage {
  const moreUrl = view.artifactUrl;
  const more = (maxItems: number) => ({ maxItems, moreUrl });
  const c = view.classification;
  const blocks: KnownBlock[] = [
    header(`Evidence · ${view.ticket.key} · ${view.ticket.title}`),
    fields([
      `*Classification*\n${short(humanize(c.label), 80)}`,
      `*Confidence*\n${confidenceLabel(c.confidence)}`,
      `*Severity*\n${c.severity === undefined ? "_unknown_" : short(c.severity, 40)}`,
      `*Service*\n${serviceLine(view)}`,
    ]),
  ];
  if (view.rootCause !== undefined) {
    blocks.push(section(`*Root-cause hypothesis*\n${short(view.rootCause, 2_000)}`));
  }

  blocks.push(divider(), section(`*Hypotheses* (ranked, ${view.hypotheses.length})`));
  if (view.hypotheses.length === 0) blocks.push(section("_none recorded_"));
  view.hypotheses.slice(0, MAX_HYPOTHESES).forEach((h, i) => {
    blocks.push(hypothesisSection(h, i + 1));
  });
  if (view.hypotheses.length > MAX_HYPOTHESES) {
    blocks.push(
      context(moreLine(view.hypotheses.length - MAX_HYPOTHESES, moreUrl, "more hypotheses")),
    );
  }

  blocks.push(
    divider(),
    linesSection(
      `*Facts* (${view.facts.length})`,
      view.facts.length === 0 ? ["_none_"] : view.facts.map(factLine),
      more(MAX_FACTS),
    ),
    linesSection(
      `*Gaps* (${view.gaps.length})`,
      view.gaps.length === 0 ? ["_none_"] : view.gaps.map(gapLine),
      more(MAX_GAPS),
    ),
    ...memoryBlocks(view.memory, moreUrl),
    context(
      `run ${inlineCode(truncate(view.runId, 80))} · ${slackDate(view.createdAt)}${moreUrl === undefined ? "" : ` · ${link(moreUrl, "full bundle")}`}`,
    ),
  );

  const root = view.rootCause === undefined ? "" : ` — ${short(view.rootCause, 300)}`;
  const text = `${short(view.ticket.key, 40)} evidence: ${short(humanize(c.label), 80)} ${percent(c.confidence) ?? "?"}%${root}`;
  return finish(text, blocks, { moreUrl });
}
