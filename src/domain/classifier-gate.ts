import { COMPETING_EXPLANATION_RULES } from "./classifier-rules-code-against.ts";
import type { Classification, IncidentClass } from "./classifier-schema.ts";
import { AppError, ErrorCode } from "./errors.ts";
import type { ExitOutcome } from "./phases.ts";

/** No code change below this confidence, whatever policy says (DESIGN "Invariants" 1). */
export const CONFIDENCE_FLOOR = 70;

/** An approval policy requires before delivery, as the approval store last saw it. */
interface RequiredApproval {
  action: string;
  status: "approved" | "pending" | "rejected";
  /** ISO timestamp; an approval at or past it no longer counts. */
  expiresAt?: string;
}

interface GateOptions {
  /** Decisions about expiry are made against this instant, never the wall clock. */
  now: Date;
  /** Policy's confidence threshold for a code change; raised to {@link CONFIDENCE_FLOOR} if lower. */
  threshold?: number;
  /** Required evidence the runner or policy found missing, named for the handoff. */
  requiredEvidenceMissing?: readonly string[];
  /** Classes policy lets prode fix with a PR; default code_defect and data_defect. */
  autoFixableClasses?: readonly IncidentClass[];
  /** Approvals policy requires before delivery starts. */
  requiredApprovals?: readonly RequiredApproval[];
}

interface GateCommon {
  /** Why, in order: the clamp note (if any) first, then what decided. */
  reasons: string[];
  /** The threshold actually applied to a code change. */
  effectiveThreshold: number;
  /** A production write (e.g. a backfill) is needed; prode only asks for its approval. */
  needsDataCorrection?: boolean;
}

export type GateDecision =
  | (GateCommon & { decision: "proceed_to_delivery"; outcome?: undefined })
  | (GateCommon & { decision: "exit"; outcome: ExitOutcome });

const DEFAULT_AUTO_FIXABLE: readonly IncidentClass[] = ["code_defect", "data_defect"];

/**
 * A rival class is live at this confidence: the strongest single supporting rules are
 * worth 45-50, so a rival here holds at least one strong piece of evidence net of what
 * refuted it.
 */
const LIVE_RIVAL = 40;

type Conflict = Classification["conflicts"][number];

/** The ticket's structured sources name different services (classifier-conflicts.ts). */
const isIdentityConflict = (k: Conflict) => k.between[0].signalKind === "service_resolution";

const describeConflict = (k: Conflict) =>
  `specialists conflict on ${k.subject}: ${k.between[0].specialistId} says "${k.between[0].summary}", ${k.between[1].specialistId} says "${k.between[1].summary}"`;

function effectiveThreshold(threshold: number | undefined, reasons: string[]): number {
  if (threshold === undefined) return CONFIDENCE_FLOOR;
  if (!Number.isFinite(threshold)) {
    throw new AppError(ErrorCode.BadInput, `gate threshold must be a number, got ${threshold}`);
  }
  if (threshold < CONFIDENCE_FLOOR) {
    reasons.push(
      `policy threshold ${threshold} is below the floor: clamped to ${CONFIDENCE_FLOOR}`,
    );
    return CONFIDENCE_FLOOR;
  }
  if (threshold > 100) {
    reasons.push(`policy threshold ${threshold} is above 100: clamped to 100`);
    return 100;
  }
  return threshold;
}

function unsatisfied(approval: RequiredApproval, now: Date): string | undefined {
  if (approval.status === "rejected") return `approval for ${approval.action} was rejected`;
  if (approval.status === "pending") return `approval for ${approval.action} is pending`;
  if (approval.expiresAt !== undefined && Date.parse(approval.expiresAt) <= now.getTime()) {
    return `approval for ${approval.action} expired at ${approval.expiresAt}`;
  }
  return undefined;
}

/**
 * The evidence gate between CLASSIFY and delivery. Checks run in this order and the
 * first that matches decides:
 *
 * | # | condition                                              | decision / outcome        |
 * |---|--------------------------------------------------------|---------------------------|
 * | 1 | severity sev1 (impact across services/zones/all routes,| exit `ESCALATED_INCIDENT` |
 * |   | corroborated widespread impact, no healthy tasks)      |                           |
 * | 2 | structured sources name different services (identity)  | exit `BLOCKED_NEEDS_INFO` |
 * | 2b| another material conflict between specialists          | exit `CANNOT_AUTO_FIX`    |
 * | 3 | a blocking gap or `requiredEvidenceMissing`            | exit `BLOCKED_NEEDS_INFO` |
 * | 4 | class `unknown`, unless sources conflict (recorded,    | exit `BLOCKED_NEEDS_INFO` |
 * |   | even when not material: e.g. the ticket's claim)       | exit `CANNOT_AUTO_FIX`    |
 * | 5 | confidence < 70 (the floor, for any class), unless a   | exit `BLOCKED_NEEDS_INFO` |
 * |   | competing explanation (rule 9) alone put it there, or  | exit `CANNOT_AUTO_FIX`    |
 * |   | nothing is missing and a rival class is live           | exit `CANNOT_AUTO_FIX`    |
 * | 6 | class `noise`                                          | exit `NOISE_NO_FIX`       |
 * | 7 | class `infra` or `vendor`                              | exit `VENDOR_OR_INFRA`    |
 * | 8 | no code change in the remedy (data correction only, or | exit `NO_CODE_CHANGE`     |
 * |   | a release that needs configuration its environment     |                           |
 * |   | lacks: classifier-rules-code-config.ts)                |                           |
 * | 9 | a competing explanation fired against the class (a     | exit `CANNOT_AUTO_FIX`    |
 * |   | vendor implicated, load or a dependency moved first,   |                           |
 * |   | a release also needing missing configuration)          |                           |
 * |10 | class not in `autoFixableClasses`                      | exit `CANNOT_AUTO_FIX`    |
 * |11 | confidence < policy threshold (clamped to ≥ 70)        | exit `BLOCKED_NEEDS_INFO` |
 * |12 | a required approval pending, rejected or expired       | exit `APPROVAL_REQUIRED`  |
 * |13 | otherwise                                              | `proceed_to_delivery`     |
 *
 * Conflicts exit `CANNOT_AUTO_FIX`, not `BLOCKED_NEEDS_INFO`: the evidence was gathered
 * and disagrees, so no named missing piece would unblock the run; a human has to judge
 * which specialist is right. Service identity is the exception: which service the ticket
 * is about is a missing piece (the reporter re-routes the ticket or confirms it), so it
 * asks for it, naming both services. They are checked before missing evidence and confidence
 * because they are the more specific reason (and usually also lower confidence).
 * The floor applies to non-code exits too (a "noise" verdict at 50% is not a safe
 * stop); a policy threshold above it applies to code changes only.
 * `needsDataCorrection` is set on `proceed_to_delivery` and `NO_CODE_CHANGE` when the
 * remedy includes a production write: the runner asks for its approval, never runs it.
 */
export function decideGate(classification: Classification, options: GateOptions): GateDecision {
  const reasons: string[] = [];
  const threshold = effectiveThreshold(options.threshold, reasons);
  const exit = (
    outcome: ExitOutcome,
    why: string[],
    extra: { needsDataCorrection?: boolean } = {},
  ): GateDecision => ({
    decision: "exit",
    outcome,
    reasons: [...reasons, ...why],
    effectiveThreshold: threshold,
    ...extra,
  });
  const c = classification;
  const dataCorrection = c.remedy.dataCorrection ? { needsDataCorrection: true } : {};

  if (c.severity === "sev1") {
    return exit("ESCALATED_INCIDENT", [`sev1: ${c.severityReasons.join("; ")}`]);
  }
  const material = c.conflicts.filter((k) => k.material);
  const identity = material.filter(isIdentityConflict);
  if (identity.length > 0) {
    return exit("BLOCKED_NEEDS_INFO", [
      ...identity.map((k) => `${k.subject}: ${k.between[0].summary}; ${k.between[1].summary}`),
      "which service is this ticket about? Re-route it to the service the evidence names, or confirm the one it is filed under",
    ]);
  }
  if (material.length > 0) return exit("CANNOT_AUTO_FIX", material.map(describeConflict));
  const missing = [
    ...c.gaps.filter((g) => g.blocking).map((g) => g.what),
    ...(options.requiredEvidenceMissing ?? []).map((what) => `required evidence missing: ${what}`),
  ];
  if (missing.length > 0) return exit("BLOCKED_NEEDS_INFO", missing);
  const costly = c.gaps.filter((g) => g.confidenceImpact > 0).map((g) => g.what);
  if (c.class === "unknown") {
    // No hypothesis survives, yet the sources say different things: that disagreement is
    // the finding (a human settles it); asking for more would not.
    const disputed = c.conflicts.filter((k) => !isIdentityConflict(k));
    if (disputed.length > 0) {
      return exit("CANNOT_AUTO_FIX", [
        "no hypothesis survives the evidence, and the sources disagree",
        ...disputed.map(describeConflict),
      ]);
    }
    const why =
      c.rulesFired.length === 0
        ? "no classification rule fired"
        : "no class has net supporting evidence: every hypothesis was refuted or unsupported";
    return exit("BLOCKED_NEEDS_INFO", [why, ...costly]);
  }
  // The score is capped after the sum, so a refuting rule cannot outweigh a regression's
  // many corroborating ones: a live alternative cause stops a code change by itself.
  const competing = c.rulesFired.filter(
    (r) =>
      r.class === c.class && r.effect === "refutes" && COMPETING_EXPLANATION_RULES.has(r.ruleId),
  );
  const liveAlternatives = competing.map(
    (r) => `a competing explanation is live (${r.ruleId}): ${r.explanation}`,
  );
  if (c.confidence < CONFIDENCE_FLOOR) {
    // Below the floor only because a competing explanation counts against the class: the
    // evidence was gathered and points two ways, so no missing piece would unblock the
    // run (as with a material conflict, rule 2); a human weighs the two.
    const against = competing.reduce((sum, r) => sum + Math.abs(r.contribution), 0);
    if (competing.length > 0 && c.confidence + against >= CONFIDENCE_FLOOR) {
      return exit("CANNOT_AUTO_FIX", [
        ...liveAlternatives,
        `${c.class} would stand at ${Math.min(100, c.confidence + against)} without it; at ${c.confidence} neither explanation can be ruled out from the data`,
      ]);
    }
    // Nothing the run lacked cost confidence, and another class is live: the evidence
    // points two ways and no missing piece was named that would settle it.
    const rival = c.hypotheses.find((h) => h.class !== c.class && h.confidence >= LIVE_RIVAL);
    if (costly.length === 0 && rival !== undefined) {
      return exit("CANNOT_AUTO_FIX", [
        `two explanations are live: ${c.class} at ${c.confidence} and ${rival.class} at ${rival.confidence}, with nothing missing that would separate them; a human weighs them (e.g. a reversible test such as a rollback)`,
      ]);
    }
    return exit("BLOCKED_NEEDS_INFO", [
      `confidence ${c.confidence} is below the ${CONFIDENCE_FLOOR} floor`,
      ...costly,
    ]);
  }
  switch (c.class) {
    case "noise":
      return exit("NOISE_NO_FIX", [`noise at ${c.confidence}: ${c.rootCauseHypothesis}`]);
    case "infra":
    case "vendor":
      return exit("VENDOR_OR_INFRA", [`${c.class} at ${c.confidence}: ${c.rootCauseHypothesis}`]);
    case "code_defect":
    case "data_defect":
      break;
    default: {
      const never: never = c.class;
      return never;
    }
  }
  if (!c.remedy.codeChange) {
    return exit(
      "NO_CODE_CHANGE",
      [`no code change needed: ${c.rootCauseHypothesis}`],
      dataCorrection,
    );
  }
  if (competing.length > 0) return exit("CANNOT_AUTO_FIX", liveAlternatives);
  const fixable = options.autoFixableClasses ?? DEFAULT_AUTO_FIXABLE;
  if (!fixable.includes(c.class)) {
    return exit("CANNOT_AUTO_FIX", [`policy does not allow an automatic fix for ${c.class}`]);
  }
  if (c.confidence < threshold) {
    return exit("BLOCKED_NEEDS_INFO", [
      `confidence ${c.confidence} is below the policy threshold ${threshold} for a code change`,
    ]);
  }
  const waiting = (options.requiredApprovals ?? [])
    .map((a) => unsatisfied(a, options.now))
    .filter((why) => why !== undefined);
  if (waiting.length > 0) return exit("APPROVAL_REQUIRED", waiting);
  return {
    decision: "proceed_to_delivery",
    reasons: [
      ...reasons,
      `${c.class} at ${c.confidence} (threshold ${threshold}): ${c.rootCauseHypothesis}`,
    ],
    effectiveThreshold: threshold,
    ...dataCorrection,
  };
}
