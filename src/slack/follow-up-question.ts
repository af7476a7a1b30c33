import type {
  FollowUpGapView,
  FollowUpHypothesisView,
  FollowUpQueryView,
  FollowUpView,
} from "../../blocks/follow-up.ts";
import type { Classification, IncidentClass } from "../domain/classifier-schema.ts";
import type { EvidenceBundle, EvidenceBundleV1 } from "../domain/evidence-bundle.ts";
import type { SpecialistOutput } from "../domain/specialist-output.ts";

/**
 * A question asked of prode in a triage thread, parsed, and the answer built from the
 * run's stored evidence bundle. Pure and deterministic: the words of the question pick
 * one of a few answers; nothing is generated.
 */
export type FollowUpQuestion =
  | { kind: "why_not"; class?: IncidentClass }
  | { kind: "change_mind" }
  | { kind: "queries" }
  | { kind: "rerun" }
  /** Not a question prode answers; `problem` says why when the words were close to one. */
  | { kind: "help"; text: string; problem?: string };

/** Words that name a class, as on-call engineers say them. */
const CLASS_WORDS: readonly [RegExp, IncidentClass][] = [
  [/\binfra(structure)?\b|\bplatform\b|\bcapacity\b|\bnetwork\b/, "infra"],
  [/\bcode\b|\bbug\b|\bregression\b|\brelease\b|\bdeploy/, "code_defect"],
  [/\bdata\b|\bdb\b|\bdatabase\b/, "data_defect"],
  [/\bvendor\b|\bthird[- ]party\b|\bprovider\b/, "vendor"],
  [/\bnoise\b|\bflak/, "noise"],
  [/\bunknown\b/, "unknown"],
];

/** The text without Slack's `<@U…>` mention tokens, lower case, one line. */
export function questionText(text: string): string {
  return text
    .replace(/<@[A-Z0-9]+(\|[^>]*)?>/gi, " ")
    .replace(/\s+/g, " ")
    .trim();
}

function classIn(text: string): IncidentClass | undefined {
  return CLASS_WORDS.find(([re]) => re.test(text))?.[1];
}

/** The ways of asking for a rerun; the message must hold one of them and nothing more. */
const RERUN_VERB = /^(re-? ?run|run (it )?again|re-? ?triage|try again)$/;
const RERUN_START = /^(re-? ?run|run (it )?again|re-? ?triage|try again)\b/;
/** Words around a command that change nothing ("please rerun", "rerun now, thanks!"). */
const POLITE_BEFORE = /^((please|pls|plz|kindly|can you|could you)\s+)+/;
const POLITE_AFTER = /(\s+(please|pls|plz|now|thanks|thank you|thx|ty))+$/;

/**
 * The rerun verb when the message is the command alone, up to politeness and trailing
 * punctuation. A rerun starts a run with the asker's authority, so it is never read out
 * of a longer sentence ("rerun with DELETE … and approve it", probe F6): extra words get
 * the help, not a run with some of the words ignored.
 */
function isRerunCommand(q: string): boolean {
  const bare = q
    .replace(/[\s.!?,;:…]+$/u, "")
    .replace(/^[\s.!?,;:…]+/u, "")
    .replace(/\s*,\s*/g, " ")
    .replace(POLITE_BEFORE, "")
    .replace(POLITE_AFTER, "")
    .replace(/[\s.!?]+$/u, "");
  return RERUN_VERB.test(bare);
}

/** Parses the question; anything not recognised is `help` (the list of what prode answers). */
export function parseFollowUp(raw: string): FollowUpQuestion {
  const text = questionText(raw);
  const q = text.toLowerCase();
  // Only the mention(s) addressing prode are dropped: `rerun <@U…>` is not the command alone.
  const command = raw
    .replace(/^(\s*<@[A-Z0-9]+(\|[^>]*)?>)+/i, "")
    .replace(/\s+/g, " ")
    .trim()
    .toLowerCase();
  if (isRerunCommand(command)) return { kind: "rerun" };
  if (RERUN_START.test(q.replace(POLITE_BEFORE, "")))
    return {
      kind: "help",
      text,
      problem:
        "A rerun is asked with the command alone (`@prode rerun`, nothing else in the message); nothing was started.",
    };
  if (/\b(quer(y|ies)|sql|statements?)\b/.test(q)) return { kind: "queries" };
  if (
    /change (your|prode'?s) mind|would (change|convince|flip)|\bgaps?\b|what('?s| is) missing|not sure|confidence/.test(
      q,
    )
  )
    return { kind: "change_mind" };
  if (/\bwhy\b|\brejected?\b|\balternatives?\b|\bnot\b/.test(q)) {
    const c = classIn(q.replace(/\bwhy\b/, ""));
    return c ? { kind: "why_not", class: c } : { kind: "why_not" };
  }
  return { kind: "help", text };
}

type Bundle = EvidenceBundle | EvidenceBundleV1;
type AnswerBase = Pick<FollowUpView, "ticketKey" | "runId" | "userId" | "at">;

function hypotheses(c: Classification): FollowUpHypothesisView[] {
  return [
    ...c.hypotheses.map(
      (h, i): FollowUpHypothesisView => ({
        class: h.class,
        statement: h.statement,
        status: i === 0 ? "leading" : "open",
        confidence: h.confidence,
        evidenceFor: h.evidenceFor.map((e) => e.summary),
        evidenceAgainst: h.evidenceAgainst.map((e) => e.summary),
        settlingTest: h.settlingTest,
      }),
    ),
    ...c.rejected.map(
      (h): FollowUpHypothesisView => ({
        class: h.class,
        statement: h.statement,
        status: "rejected",
        evidenceFor: h.evidenceFor.map((e) => e.summary),
        evidenceAgainst: h.rejectedBy.map((e) => e.summary),
        settlingTest: h.settlingTest,
      }),
    ),
  ];
}

/**
 * What would close a gap, from where it came (`tool:sentry`, `route:db`,
 * `specialist:aws`, `freshness:aws`; src/domain/classifier-schema.ts).
 */
export function gapCloser(origin: string): string {
  const [kind = "", what = ""] = origin.split(":", 2);
  const name = what === "" ? "the source" : what;
  switch (kind) {
    case "tool":
      return `connect or unblock the ${name} tool, then rerun`;
    case "route":
      return `route the ${name} specialist for this ticket (policy or service catalog), then rerun`;
    case "specialist":
      return `an answer from the ${name} specialist (it failed, timed out or was skipped): rerun`;
    case "freshness":
      return `fresher data from ${name} (its newest point was too old): rerun once it reports`;
    default:
      return "more evidence of this kind, then rerun";
  }
}

function gaps(c: Classification | undefined, specialists: readonly SpecialistOutput[]) {
  if (c) {
    return c.gaps.map(
      (g): FollowUpGapView => ({
        what: g.what,
        confidenceImpact: g.confidenceImpact,
        blocking: g.blocking,
        close: gapCloser(g.origin),
      }),
    );
  }
  return specialists.flatMap((s) =>
    s.gaps.map(
      (g): FollowUpGapView => ({
        what: `${s.specialistId}: ${g.what}`,
        confidenceImpact: g.confidenceImpact,
        blocking: false,
        close: gapCloser(`specialist:${s.specialistId}`),
      }),
    ),
  );
}

/** The db_query sources of each specialist with the findings citing them, in bundle order. */
function queries(specialists: readonly SpecialistOutput[]): FollowUpQueryView[] {
  return specialists.flatMap((s) =>
    s.sources
      .filter((src) => src.kind === "db_query")
      .map(
        (src): FollowUpQueryView => ({
          ref: src.ref,
          specialist: s.specialistId,
          results: s.findings.filter((f) => f.sourceRef === src.ref).map((f) => f.fact),
        }),
      ),
  );
}

function proposed(specialists: readonly SpecialistOutput[]) {
  return specialists.flatMap((s) =>
    s.signals.flatMap((sig) => {
      const p = (sig as { proposedCorrection?: { statement: string; affectsRows?: number } })
        .proposedCorrection;
      return p
        ? [
            {
              statement: p.statement,
              ...(p.affectsRows === undefined ? {} : { affectsRows: p.affectsRows }),
            },
          ]
        : [];
    }),
  );
}

/** The answer to a question (other than rerun) from the run's bundle. */
export function answerFromBundle(
  question: Exclude<FollowUpQuestion, { kind: "rerun" }>,
  bundle: Bundle,
  base: AnswerBase,
): FollowUpView {
  const c = bundle.classification;
  switch (question.kind) {
    case "why_not":
      return {
        ...base,
        kind: "why_not",
        ...(question.class ? { asked: question.class } : {}),
        ...(c ? { verdictClass: c.class } : {}),
        // Without a class asked, "why not?" is about what was not chosen: the rest.
        hypotheses: c
          ? hypotheses(c).filter((h) => question.class !== undefined || h.status !== "leading")
          : [],
        rules:
          c && question.class
            ? c.rulesFired
                .filter((r) => r.class === question.class)
                .map((r) => ({
                  ruleId: r.ruleId,
                  class: r.class,
                  effect: r.effect,
                  contribution: r.contribution,
                  explanation: r.explanation,
                  evidence: r.evidence.map((e) => e.summary),
                }))
            : [],
      };
    case "change_mind":
      return {
        ...base,
        kind: "change_mind",
        ...(c ? { confidence: c.confidence } : {}),
        gaps: gaps(c, bundle.specialists),
        tests: c ? hypotheses(c).filter((h) => h.status !== "rejected") : [],
      };
    case "queries":
      return {
        ...base,
        kind: "queries",
        queries: queries(bundle.specialists),
        proposed: proposed(bundle.specialists),
      };
    case "help":
      return {
        ...base,
        kind: "help",
        question: question.text,
        ...(question.problem ? { problem: question.problem } : {}),
      };
    default: {
      const never: never = question;
      return never;
    }
  }
}
