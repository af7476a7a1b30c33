import type { KnownBlock } from "@slack/types";
import { codeBlockBody, inlineCode } from "./escape.ts";
import { assertNever, short, word } from "./format.ts";
import { context, finish, linesSection, type RenderedMessage, section } from "./kit.ts";
import { truncate } from "./limits.ts";
import { slackDate } from "./time.ts";

/**
 * Answers to a question asked in a triage thread (`@prode why not infra?`), from the
 * run's stored evidence bundle only: the same bundle gives the same answer. Pure; every
 * string in a view came from outside prode and is escaped here.
 */

/** The questions prode answers, in the words the help lists them with. */
export const FOLLOW_UP_QUESTIONS: readonly { ask: string; answers: string }[] = [
  { ask: "why not <class>?", answers: "the hypotheses prode rejected, with their evidence" },
  {
    ask: "what would change your mind?",
    answers: "the gaps and the checks that would settle them",
  },
  { ask: "show the db queries", answers: "the database queries the run made, and their results" },
  { ask: "rerun", answers: "starts a new run of the ticket (operator role)" },
];

/** A hypothesis as the answer lists it. */
export interface FollowUpHypothesisView {
  class: string;
  statement: string;
  /** Leading, still open, or rejected by the evidence. */
  status: "leading" | "open" | "rejected";
  confidence?: number;
  evidenceFor: string[];
  evidenceAgainst: string[];
  settlingTest: string;
}

export interface FollowUpRuleView {
  ruleId: string;
  class: string;
  effect: "supports" | "refutes";
  contribution: number;
  explanation: string;
  evidence: string[];
}

export interface FollowUpGapView {
  what: string;
  confidenceImpact: number;
  blocking: boolean;
  /** What would close it, in words. */
  close: string;
}

export interface FollowUpQueryView {
  /** The source ref (`db_query:<check>`). */
  ref: string;
  specialist: string;
  /** The statement as stored (already guarded and redacted), when the bundle has it. */
  statement?: string;
  results: string[];
}

export interface FollowUpProposedView {
  statement: string;
  affectsRows?: number;
}

interface FollowUpBase {
  ticketKey: string;
  runId: string;
  /** The asking user (the answer sits under their question in the thread). */
  userId: string;
  at: string;
}

export type FollowUpView = FollowUpBase &
  (
    | {
        kind: "why_not";
        /** The class asked about, when the question named one. */
        asked?: string;
        verdictClass?: string;
        hypotheses: FollowUpHypothesisView[];
        /** The classifier's rules that weighed on the class asked, with their evidence. */
        rules: FollowUpRuleView[];
      }
    | {
        kind: "change_mind";
        confidence?: number;
        gaps: FollowUpGapView[];
        /** The open hypotheses with the check that would settle each. */
        tests: FollowUpHypothesisView[];
      }
    | { kind: "queries"; queries: FollowUpQueryView[]; proposed: FollowUpProposedView[] }
    | { kind: "rerun"; message: string }
    | { kind: "help"; question: string; problem?: string }
    | { kind: "no_bundle"; phase: string }
    | { kind: "rate_limited"; retryAfterSec: number }
  );

const MAX_ITEMS = 10;

function footer(view: FollowUpBase): KnownBlock {
  return context(
    `${inlineCode(truncate(view.ticketKey, 40))} · run ${inlineCode(truncate(view.runId, 80))} · from the stored evidence bundle · ${slackDate(view.at)}`,
  );
}

function evidenceLines(label: string, items: readonly string[]): string[] {
  if (items.length === 0) return [];
  const shown = items.slice(0, 5).map((e) => `   ${label} ${short(e, 300)}`);
  return items.length > 5 ? [...shown, `   …and ${items.length - 5} more`] : shown;
}

function hypothesisLines(h: FollowUpHypothesisView): string {
  const confidence = h.confidence === undefined ? "" : ` · ${Math.round(h.confidence)}%`;
  return [
    `*${word(h.class)}* (${h.status}${confidence}): ${short(h.statement, 400)}`,
    ...evidenceLines(h.status === "rejected" ? "✗ rejected by:" : "✗ against:", h.evidenceAgainst),
    ...evidenceLines("✓ for:", h.evidenceFor),
    `   _settled by:_ ${short(h.settlingTest, 300)}`,
  ].join("\n");
}

function renderWhyNot(view: Extract<FollowUpView, { kind: "why_not" }>): RenderedMessage {
  const asked = view.asked === undefined ? undefined : word(view.asked);
  const about =
    view.asked === undefined
      ? view.hypotheses
      : view.hypotheses.filter((h) => h.class === view.asked);
  const verdict =
    view.verdictClass === undefined ? "" : ` The verdict is *${word(view.verdictClass)}*.`;
  let lead: string;
  if (asked !== undefined && view.asked === view.verdictClass) {
    lead = `:mag: *${asked}* is the verdict.${verdict}`;
  } else if (asked !== undefined && about.length === 0 && view.rules.length > 0) {
    lead = `:mag: *Why not ${asked}?* No ${asked} hypothesis was ranked; the rules below weighed on it.${verdict}`;
  } else if (asked !== undefined && about.length === 0) {
    lead = `:mag: No hypothesis of class *${asked}* was considered: no evidence pointed at it.${verdict}`;
  } else if (about.length === 0) {
    lead = `:mag: No other hypothesis was considered or rejected.${verdict}`;
  } else {
    lead = `:mag: *Why not ${asked ?? "the alternatives"}?*${verdict}`;
  }
  const blocks: KnownBlock[] = [section(`${lead}`)];
  const shown = (about.length > 0 ? about : []).slice(0, MAX_ITEMS);
  for (const h of shown) blocks.push(section(hypothesisLines(h)));
  if (about.length > MAX_ITEMS) blocks.push(context(`…and ${about.length - MAX_ITEMS} more`));
  if (view.rules.length > 0) {
    const rules = view.rules.map((r) =>
      [
        `• ${inlineCode(truncate(r.ruleId, 80))} ${r.effect} *${word(r.class)}* (${r.contribution > 0 ? "+" : ""}${Math.round(r.contribution)} pts): ${short(r.explanation, 300)}`,
        ...evidenceLines("from:", r.evidence),
      ].join("\n"),
    );
    blocks.push(linesSection("*Rules that weighed on it*", rules, { maxItems: MAX_ITEMS }));
  }
  blocks.push(footer(view));
  return finish(`${short(view.ticketKey, 40)}: why not ${asked ?? "the alternatives"}`, blocks);
}

function renderChangeMind(view: Extract<FollowUpView, { kind: "change_mind" }>): RenderedMessage {
  const confidence =
    view.confidence === undefined ? "" : ` (confidence ${Math.round(view.confidence)}%)`;
  const blocks: KnownBlock[] = [
    section(`:thinking_face: *What would change my mind*${confidence}`),
  ];
  const gaps = view.gaps.map(
    (g) =>
      `• ${short(g.what, 300)} · -${Math.round(g.confidenceImpact)} pts${g.blocking ? ", *blocks the verdict*" : ""}\n   _closed by:_ ${short(g.close, 300)}`,
  );
  blocks.push(
    linesSection("*Gaps in the evidence*", gaps.length > 0 ? gaps : ["_none recorded_"], {
      maxItems: MAX_ITEMS,
    }),
  );
  const tests = view.tests.map(
    (h) =>
      `• *${word(h.class)}* (${h.status}${h.confidence === undefined ? "" : ` · ${Math.round(h.confidence)}%`}): ${short(h.settlingTest, 400)}`,
  );
  if (tests.length > 0) {
    blocks.push(linesSection("*Checks that would settle it*", tests, { maxItems: MAX_ITEMS }));
  }
  blocks.push(footer(view));
  return finish(`${short(view.ticketKey, 40)}: what would change prode's mind`, blocks);
}

function renderQueries(view: Extract<FollowUpView, { kind: "queries" }>): RenderedMessage {
  const blocks: KnownBlock[] = [
    section(
      `:card_file_box: *Database queries of this run* — ${view.queries.length === 0 ? "none" : String(view.queries.length)} (read-only replica, through the SQL guard)`,
    ),
  ];
  for (const q of view.queries.slice(0, MAX_ITEMS)) {
    const statement =
      q.statement === undefined
        ? ""
        : `\n\`\`\`${codeBlockBody(truncate(q.statement, 1_200))}\`\`\``;
    const results = q.results.slice(0, 5).map((r) => `   → ${short(r, 400)}`);
    blocks.push(
      section(
        [
          `${inlineCode(truncate(q.ref, 120))} · ${word(q.specialist)}${statement}`,
          ...results,
        ].join("\n"),
      ),
    );
  }
  if (view.queries.length > MAX_ITEMS) {
    blocks.push(context(`…and ${view.queries.length - MAX_ITEMS} more in the bundle`));
  }
  for (const p of view.proposed.slice(0, 3)) {
    const rows = p.affectsRows === undefined ? "" : ` (${p.affectsRows} rows)`;
    blocks.push(
      section(
        `*Proposed, not run*${rows} — a human runs it after approval:\n\`\`\`${codeBlockBody(truncate(p.statement, 1_200))}\`\`\``,
      ),
    );
  }
  blocks.push(footer(view));
  return finish(`${short(view.ticketKey, 40)}: ${view.queries.length} database queries`, blocks);
}

function helpLines(): string[] {
  return FOLLOW_UP_QUESTIONS.map((q) => `• ${inlineCode(`@prode ${q.ask}`)} — ${q.answers}`);
}

/** The answer to one follow-up question in a triage thread (posted in the thread). */
export function renderFollowUp(view: FollowUpView, _now: Date): RenderedMessage {
  switch (view.kind) {
    case "why_not":
      return renderWhyNot(view);
    case "change_mind":
      return renderChangeMind(view);
    case "queries":
      return renderQueries(view);
    case "rerun":
      // The message is prode's own mrkdwn, its user parts escaped where it was built.
      return finish(truncate(view.message, 300), [section(`${view.message}`), footer(view)]);
    case "help": {
      const problem =
        view.problem ??
        `I cannot answer ${inlineCode(truncate(view.question, 120) || "that")} from this run's evidence.`;
      return finish(`${short(view.ticketKey, 40)}: what prode can answer`, [
        section(`:information_source: ${problem}`),
        linesSection("*Ask me in this thread:*", helpLines()),
        footer(view),
      ]);
    }
    case "no_bundle":
      return finish(`${short(view.ticketKey, 40)}: no evidence bundle yet`, [
        section(
          `:hourglass: This run has no evidence bundle yet (phase ${inlineCode(view.phase)}); ask again once it has classified.`,
        ),
        footer(view),
      ]);
    case "rate_limited":
      return finish("Too many questions; try again shortly.", [
        section(
          `:hourglass: Too many questions in this thread just now; ask again in ${view.retryAfterSec}s.`,
        ),
      ]);
    default:
      return assertNever(view, "follow-up");
  }
}
