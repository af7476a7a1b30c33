import { z } from "zod";
import { SpecialistIdSchema } from "./specialist-output.ts";

/**
 * The classifier's output, as stored in the evidence bundle. Everything in it is
 * explainable back to typed signals: each hypothesis lists the evidence for and against
 * it, each fired rule its contribution, each gap its cost.
 */
const percent = z.number().min(0).max(100);

export const IncidentClassSchema = z.enum([
  "code_defect",
  "data_defect",
  "infra",
  "vendor",
  "noise",
  "unknown",
]);
export type IncidentClass = z.infer<typeof IncidentClassSchema>;

export const SeveritySchema = z.enum(["sev1", "sev2", "sev3", "sev4"]);
export type Severity = z.infer<typeof SeveritySchema>;

/** A pointer to one signal: who said it, what kind, from which source, in a few words. */
export const EvidenceRefSchema = z.object({
  specialistId: SpecialistIdSchema,
  signalKind: z.string().min(1),
  sourceRef: z.string().min(1),
  summary: z.string().min(1),
});
export type EvidenceRef = z.infer<typeof EvidenceRefSchema>;

export const HypothesisSchema = z.object({
  class: IncidentClassSchema,
  statement: z.string().min(1),
  score: z.number().describe("net rule contributions before gaps and conflicts"),
  confidence: percent,
  evidenceFor: z.array(EvidenceRefSchema),
  evidenceAgainst: z.array(EvidenceRefSchema),
  settlingTest: z.string().min(1).describe("the check that would confirm or refute it"),
});
export type Hypothesis = z.infer<typeof HypothesisSchema>;

/** A hypothesis the evidence argued against, kept with the evidence that rejected it. */
export const RejectedHypothesisSchema = z.object({
  class: IncidentClassSchema,
  statement: z.string().min(1),
  rejectedBy: z.array(EvidenceRefSchema).min(1),
  evidenceFor: z.array(EvidenceRefSchema),
  settlingTest: z.string().min(1),
});
export type RejectedHypothesis = z.infer<typeof RejectedHypothesisSchema>;

export const RuleFiredSchema = z.object({
  ruleId: z.string().min(1),
  class: IncidentClassSchema,
  effect: z.enum(["supports", "refutes"]),
  contribution: z.number().describe("signed confidence points"),
  explanation: z.string().min(1),
  evidence: z.array(EvidenceRefSchema).min(1),
});
export type RuleFired = z.infer<typeof RuleFiredSchema>;

export const ClassificationGapSchema = z.object({
  what: z.string().min(1),
  confidenceImpact: percent,
  origin: z
    .string()
    .min(1)
    .describe("'tool:sentry', 'route:db', 'specialist:aws', 'freshness:aws'"),
  blocking: z.boolean().describe("required evidence is missing: the gate cannot pass"),
});
export type ClassificationGap = z.infer<typeof ClassificationGapSchema>;

/** Two signals that cannot both be true, e.g. a 5xx rise and no 5xx rise on one service. */
export const ConflictSchema = z.object({
  subject: z.string().min(1),
  between: z.tuple([EvidenceRefSchema, EvidenceRefSchema]),
  material: z.boolean().describe("it touches evidence the leading hypothesis rests on"),
});
export type Conflict = z.infer<typeof ConflictSchema>;

export const ClassificationSchema = z.object({
  class: IncidentClassSchema,
  severity: SeveritySchema,
  severityReasons: z.array(z.string()),
  confidence: percent,
  confidenceBreakdown: z.object({
    evidenceScore: z.number(),
    gapPenalty: z.number().nonnegative(),
    conflictPenalty: z.number().nonnegative(),
    caps: z.array(z.string()).describe("ceilings applied, e.g. a missing required source"),
  }),
  rootCauseHypothesis: z.string().min(1),
  hypotheses: z.array(HypothesisSchema).describe("ranked, leading hypothesis first"),
  rejected: z.array(RejectedHypothesisSchema),
  rulesFired: z.array(RuleFiredSchema),
  gaps: z.array(ClassificationGapSchema),
  conflicts: z.array(ConflictSchema),
  remedy: z.object({
    codeChange: z.boolean(),
    dataCorrection: z.boolean().describe("needs a production write: a human-approved action"),
  }),
});
export type Classification = z.infer<typeof ClassificationSchema>;
