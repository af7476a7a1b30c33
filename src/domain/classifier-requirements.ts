import type { IncidentClass } from "./classifier-schema.ts";
import type { ConnectorId } from "./evidence-context.ts";

/**
 * What each class's evidence depends on (invariant 7: a missing source lowers confidence
 * or blocks, never silently replaced) and the fixed costs of gaps and conflicts.
 */
/** A connector a class's evidence depends on. */
export interface ToolRequirement {
  connector: ConnectorId;
  /** Required: without it the class cannot pass the gate (invariant 7). */
  required: boolean;
  /** Used when the tool map does not list the connector at all. */
  defaultImpact: number;
  why: string;
}

export const TOOL_REQUIREMENTS: Record<IncidentClass, readonly ToolRequirement[]> = {
  code_defect: [
    {
      connector: "sentry",
      required: true,
      defaultImpact: 30,
      why: "the exception, its path and first-seen time come from Sentry",
    },
    { connector: "github", required: false, defaultImpact: 15, why: "deploys and commits" },
  ],
  data_defect: [
    {
      connector: "db",
      required: true,
      defaultImpact: 40,
      why: "only aggregate SELECTs on the replica prove stale rows",
    },
    { connector: "github", required: false, defaultImpact: 10, why: "the write path's history" },
  ],
  infra: [
    {
      connector: "aws",
      required: true,
      defaultImpact: 40,
      why: "queue age and task health come from CloudWatch",
    },
  ],
  vendor: [
    {
      connector: "vendor_status",
      required: true,
      defaultImpact: 35,
      why: "only the vendor's status source confirms its incident",
    },
    { connector: "aws", required: false, defaultImpact: 10, why: "our side of the failures" },
  ],
  noise: [
    {
      connector: "aws",
      required: true,
      defaultImpact: 35,
      why: "only metrics prove the 5xx rate did not rise",
    },
    { connector: "sentry", required: false, defaultImpact: 10, why: "the abort issue itself" },
  ],
  unknown: [],
};

/** A ticket that links a Sentry issue needs Sentry whatever the class turns out to be. */
export const LINKED_SENTRY_REQUIREMENT: ToolRequirement = {
  connector: "sentry",
  required: false,
  defaultImpact: 15,
  why: "the ticket links a Sentry issue",
};

/** Confidence points lost per route gap, conflict and stale source. */
export const PENALTIES = {
  requiredSpecialistMissing: 20,
  requiredSpecialistSkipped: 10,
  optionalSpecialistFailed: 5,
  staleEvidence: 10,
  materialConflict: 20,
} as const;

/**
 * Another class whose net evidence reaches this while a different one leads is a live
 * alternative (the strongest single supporting rules are worth 45–50): two supported
 * explanations are a conflict a human settles, never a coin toss the classifier makes.
 */
export const COMPETING_SCORE = 50;

/** Evidence never proves certainty. */
export const CONFIDENCE_CEILING = 95;
/** With a required source missing, confidence cannot reach the 70 floor, whatever else says. */
export const MISSING_REQUIRED_SOURCE_CAP = 60;
/** Evidence older than this, when classified, is not "current" production evidence. */
export const DEFAULT_MAX_EVIDENCE_AGE_MINUTES = 120;
