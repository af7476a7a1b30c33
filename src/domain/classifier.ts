import {
  type Contradicting,
  findContradictions,
  reportedCauseContradictions,
} from "./classifier-conflicts.ts";
import {
  CLASS_ORDER,
  indexSignals,
  type RuledClass,
  type TaggedSignal,
} from "./classifier-index.ts";
import { type ClassifierInput, parseClassifierInput } from "./classifier-input.ts";
import {
  COMPETING_SCORE,
  CONFIDENCE_CEILING,
  DEFAULT_MAX_EVIDENCE_AGE_MINUTES,
  LINKED_SENTRY_REQUIREMENT,
  MISSING_REQUIRED_SOURCE_CAP,
  PENALTIES,
  type ToolRequirement,
} from "./classifier-requirements.ts";
import { requirementsFor } from "./classifier-requirements-basis.ts";
import { RULES, type Rule } from "./classifier-rules.ts";
import { CONFIG_REMEDY_RULE } from "./classifier-rules-code-config.ts";
import type {
  Classification,
  ClassificationGap,
  Conflict,
  Hypothesis,
  IncidentClass,
  RejectedHypothesis,
} from "./classifier-schema.ts";
import { assessSeverity, type EscalationBounds } from "./classifier-severity.ts";
import { hypothesisStatement, settlingTest, toEvidenceRef } from "./classifier-text.ts";

export { decideGate } from "./classifier-gate.ts";

/** How to classify: the instant to judge freshness against, and the freshness limit. */
interface ClassifyOptions {
  now: Date;
  /** Evidence older than this is flagged as not current; default 120 minutes. */
  maxEvidenceAgeMinutes?: number;
  /** Policy's bounds for escalating from telemetry (services, zones, error share). */
  escalation?: EscalationBounds;
}

interface Fired {
  rule: Rule;
  evidence: TaggedSignal[];
}

interface ClassTally {
  cls: RuledClass;
  score: number;
  fired: Fired[];
  evidenceFor: TaggedSignal[];
  evidenceAgainst: TaggedSignal[];
  used: Set<TaggedSignal["signal"]>;
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}

function tally(fired: Fired[]): ClassTally[] {
  return CLASS_ORDER.map((cls) => {
    const mine = fired.filter((f) => f.rule.class === cls);
    const side = (effect: Rule["effect"]) =>
      unique(mine.filter((f) => f.rule.effect === effect).flatMap((f) => f.evidence));
    return {
      cls,
      score: mine.reduce(
        (sum, f) => sum + (f.rule.effect === "supports" ? f.rule.points : -f.rule.points),
        0,
      ),
      fired: mine,
      evidenceFor: side("supports"),
      evidenceAgainst: side("refutes"),
      used: new Set(mine.flatMap((f) => f.evidence.map((t) => t.signal))),
    };
  }).sort((a, b) => b.score - a.score || CLASS_ORDER.indexOf(a.cls) - CLASS_ORDER.indexOf(b.cls));
}

function remedyFor(cls: IncidentClass, fired: Fired[]): Classification["remedy"] {
  if (cls === "code_defect") {
    // A release whose only failure is a missing-configuration guard needs the value set
    // (or a rollback), not a code change (classifier-rules-code-config.ts).
    const configOnly = fired.some((f) => f.rule.id === CONFIG_REMEDY_RULE);
    return { codeChange: !configOnly, dataCorrection: false };
  }
  if (cls === "data_defect") {
    const codeCause = fired.some((f) => f.rule.id === "data.write_path_changed");
    return { codeChange: codeCause, dataCorrection: true };
  }
  return { codeChange: false, dataCorrection: false };
}

function requirementsOf(
  cls: IncidentClass,
  input: ClassifierInput,
  evidenceFor: readonly TaggedSignal[],
): ToolRequirement[] {
  const own = requirementsFor(cls, evidenceFor);
  const linksSentry =
    input.ticket.linkedSentryIssueIds.length > 0 || input.ticket.labels.includes("sentry-issue");
  if (cls !== "unknown" && linksSentry && !own.some((r) => r.connector === "sentry")) {
    own.push(LINKED_SENTRY_REQUIREMENT);
  }
  return own;
}

/** Gaps from the tool map, as they bear on one class argued from `evidenceFor`. */
function toolGaps(
  cls: IncidentClass,
  input: ClassifierInput,
  evidenceFor: readonly TaggedSignal[] = [],
): ClassificationGap[] {
  const needs = requirementsOf(cls, input, evidenceFor);
  const gaps: ClassificationGap[] = [];
  for (const tool of input.tools) {
    if (tool.status === "available") continue;
    const need = needs.find((r) => r.connector === tool.connector);
    const what = `${tool.connector} connector ${tool.status}: ${tool.reason ?? "no reason given"}`;
    gaps.push({
      what: need
        ? `${what}; needed because ${need.why}; not replaced by a weaker source`
        : `${what} (not needed by the leading hypothesis)`,
      confidenceImpact: need ? tool.confidenceImpact : 0,
      origin: `tool:${tool.connector}`,
      blocking: need?.required ?? false,
    });
  }
  for (const need of needs) {
    if (input.tools.some((t) => t.connector === need.connector)) continue;
    gaps.push({
      what: `${need.connector} connector is not in the tool inventory; needed because ${need.why}`,
      confidenceImpact: need.defaultImpact,
      origin: `tool:${need.connector}`,
      blocking: need.required,
    });
  }
  return gaps;
}

/** Gaps every hypothesis shares: the route, the specialists' own gaps, stale evidence. */
function evidenceGaps(input: ClassifierInput, options: ClassifyOptions): ClassificationGap[] {
  const gaps: ClassificationGap[] = [];
  for (const entry of input.route) {
    const outputs = input.evidence.filter((e) => e.specialistId === entry.specialistId);
    if (!entry.required || outputs.some((o) => o.status === "returned")) continue;
    const skipped = outputs.find((o) => o.status === "skipped");
    if (skipped) {
      gaps.push({
        what: `required specialist ${entry.specialistId} skipped: ${skipped.statusDetail ?? "no reason given"}`,
        confidenceImpact: PENALTIES.requiredSpecialistSkipped,
        origin: `route:${entry.specialistId}`,
        blocking: false,
      });
      continue;
    }
    const failed = outputs[0];
    gaps.push({
      what: failed
        ? `required specialist ${entry.specialistId} ${failed.status}${failed.statusDetail ? ` (${failed.statusDetail})` : ""}`
        : `required specialist ${entry.specialistId} produced no output`,
      confidenceImpact: PENALTIES.requiredSpecialistMissing,
      origin: `route:${entry.specialistId}`,
      blocking: true,
    });
  }
  for (const item of input.evidence) {
    const required = input.route.some((r) => r.required && r.specialistId === item.specialistId);
    if (!required && (item.status === "failed" || item.status === "timed_out")) {
      gaps.push({
        what: `specialist ${item.specialistId} ${item.status}${item.statusDetail ? ` (${item.statusDetail})` : ""}`,
        confidenceImpact: PENALTIES.optionalSpecialistFailed,
        origin: `route:${item.specialistId}`,
        blocking: false,
      });
    }
    for (const gap of item.gaps) {
      gaps.push({ ...gap, origin: `specialist:${item.specialistId}`, blocking: false });
    }
    const maxAge = options.maxEvidenceAgeMinutes ?? DEFAULT_MAX_EVIDENCE_AGE_MINUTES;
    if (item.status === "returned" && item.latestFetchedAt !== undefined) {
      const ageMinutes = (options.now.getTime() - Date.parse(item.latestFetchedAt)) / 60_000;
      if (ageMinutes > maxAge) {
        gaps.push({
          what: `${item.specialistId} evidence is ${Math.floor(ageMinutes)} min old (limit ${maxAge}): not current`,
          confidenceImpact: PENALTIES.staleEvidence,
          origin: `freshness:${item.specialistId}`,
          blocking: false,
        });
      }
    }
  }
  return gaps;
}

/**
 * Classes other than the leader whose net evidence reaches {@link COMPETING_SCORE}: each
 * is recorded as a material conflict between the two hypotheses' strongest evidence, so
 * the gate stops on CANNOT_AUTO_FIX instead of picking one.
 */
function competingHypotheses(
  tallies: ClassTally[],
  leader: IncidentClass,
): (Contradicting & { classes: RuledClass[] })[] {
  const lead = tallies.find((t) => t.cls === leader);
  if (lead === undefined) return [];
  const out: (Contradicting & { classes: RuledClass[] })[] = [];
  for (const rival of tallies) {
    if (rival === lead || rival.score < COMPETING_SCORE) continue;
    const [a] = lead.evidenceFor;
    const [b] = rival.evidenceFor;
    if (a === undefined || b === undefined) continue;
    out.push({
      subject: `competing hypotheses: ${lead.cls} (score ${lead.score}) and ${rival.cls} (score ${rival.score}) are both supported`,
      a,
      b,
      classes: [lead.cls, rival.cls],
    });
  }
  return out;
}

const toConflict = (c: Contradicting, material: boolean): Conflict => ({
  subject: c.subject,
  between: [toEvidenceRef(c.a), toEvidenceRef(c.b)],
  material,
});

const sum = (gaps: ClassificationGap[]) => gaps.reduce((s, g) => s + g.confidenceImpact, 0);

/**
 * The deterministic classifier: rules over typed signals (see classifier-rules.ts), no
 * model, no clock but the `now` it is given, no memory (its input has no field for it).
 *
 * For each class, the fired rules add or subtract their points: the evidence score.
 * Classes are ranked by that score (ties by {@link CLASS_ORDER}); the leader is the top
 * class with a positive score, otherwise `unknown`. A class's confidence is its score
 * minus the stated impact of every gap that concerns it and a penalty per material
 * conflict, within 0..{@link CONFIDENCE_CEILING}; when a connector the class requires is
 * missing or blocked it is further capped at {@link MISSING_REQUIRED_SOURCE_CAP}, below
 * the 70 floor, because a missing source is never replaced by a weaker one (invariant 7).
 * A non-leading class whose score is not positive and that some rule refuted is
 * rejected, and kept with the evidence that rejected it.
 *
 * Pure: the same input and `now` always give a deep-equal result.
 */
export function classify(raw: ClassifierInput, options: ClassifyOptions): Classification {
  const input = parseClassifierInput(raw);
  const index = indexSignals(input.evidence, options.now);
  const fired = RULES.map((rule) => ({ rule, evidence: rule.match(index) })).filter(
    (f) => f.evidence.length > 0,
  );
  const tallies = tally(fired);
  const top = tallies[0];
  const leader: IncidentClass = top && top.score > 0 ? top.cls : "unknown";
  const shared = evidenceGaps(input, options);
  const contradictions = findContradictions(index);
  const isMaterialFor = (t: ClassTally | undefined) => (c: Contradicting) =>
    c.material === true || (t !== undefined && (t.used.has(c.a.signal) || t.used.has(c.b.signal)));
  const competing = competingHypotheses(tallies, leader);
  const competes = (t: ClassTally | undefined) =>
    competing.filter((c) => t !== undefined && c.classes.includes(t.cls)).length;

  const assess = (t: ClassTally | undefined, cls: IncidentClass) => {
    const tools = toolGaps(cls, input, t?.evidenceFor);
    const score = t?.score ?? 0;
    const conflictPenalty =
      (contradictions.filter(isMaterialFor(t)).length + competes(t)) * PENALTIES.materialConflict;
    const gapPenalty = sum(shared) + sum(tools);
    const caps: string[] = [];
    let confidence = Math.round(score - gapPenalty - conflictPenalty);
    if (confidence > CONFIDENCE_CEILING) {
      confidence = CONFIDENCE_CEILING;
      caps.push(`ceiling ${CONFIDENCE_CEILING}: evidence never proves certainty`);
    }
    const missing = tools.filter((g) => g.blocking);
    if (missing.length > 0 && confidence > MISSING_REQUIRED_SOURCE_CAP) {
      confidence = MISSING_REQUIRED_SOURCE_CAP;
      caps.push(
        `capped at ${MISSING_REQUIRED_SOURCE_CAP}: required source missing (${missing.map((g) => g.origin).join(", ")})`,
      );
    }
    confidence = Math.max(0, confidence);
    return { tools, conflictPenalty, gapPenalty, caps, confidence, score };
  };

  const leading = tallies.find((t) => t.cls === leader);
  const verdict = assess(leading, leader);
  const severity = assessSeverity(index, leader, options.escalation);
  const remedy = remedyFor(leader, leading?.fired ?? []);

  const hypotheses: Hypothesis[] = [];
  const rejected: RejectedHypothesis[] = [];
  for (const t of tallies) {
    if (t.fired.length === 0) continue;
    const statement = hypothesisStatement(t.cls, index, remedyFor(t.cls, t.fired));
    const evidenceFor = t.evidenceFor.map(toEvidenceRef);
    const evidenceAgainst = t.evidenceAgainst.map(toEvidenceRef);
    if (t.cls !== leader && t.score <= 0) {
      rejected.push({
        class: t.cls,
        statement,
        rejectedBy: evidenceAgainst,
        evidenceFor,
        settlingTest: settlingTest(t.cls, index),
      });
      continue;
    }
    hypotheses.push({
      class: t.cls,
      statement,
      score: t.score,
      confidence: t.cls === leader ? verdict.confidence : assess(t, t.cls).confidence,
      evidenceFor,
      evidenceAgainst,
      settlingTest: settlingTest(t.cls, index),
    });
  }

  return {
    class: leader,
    severity: severity.severity,
    severityReasons: severity.reasons,
    confidence: verdict.confidence,
    confidenceBreakdown: {
      evidenceScore: verdict.score,
      gapPenalty: verdict.gapPenalty,
      conflictPenalty: verdict.conflictPenalty,
      caps: verdict.caps,
    },
    rootCauseHypothesis: hypothesisStatement(leader, index, remedy),
    hypotheses,
    rejected,
    rulesFired: fired.map((f) => ({
      ruleId: f.rule.id,
      class: f.rule.class,
      effect: f.rule.effect,
      contribution: f.rule.effect === "supports" ? f.rule.points : -f.rule.points,
      explanation: f.rule.explanation,
      evidence: unique(f.evidence).map(toEvidenceRef),
    })),
    gaps: [...verdict.tools, ...shared],
    conflicts: [
      ...contradictions.map((c) => toConflict(c, isMaterialFor(leading)(c))),
      ...competing.map((c) => toConflict(c, true)),
      // The ticket's claim is recorded, never material: a typed cause cannot veto.
      ...reportedCauseContradictions(index).map((c) => toConflict(c, false)),
    ],
    remedy,
  };
}
