import { z } from "zod";
import { AppError, ErrorCode } from "./errors.ts";
import { SignalSchema } from "./signals.ts";

/**
 * What one specialist hands back: a question, a status, the sources it read, the
 * findings and typed signals it drew from them, and what it could not see.
 *
 * Findings (and signals) cite their source (DESIGN "What the best peers do"): the type
 * requires a `sourceRef`, {@link SpecialistOutputSchema} refuses one that names no source
 * of the output, and {@link normalizeSpecialistOutput} is the one place a raw output
 * becomes a valid one, dropping dangling findings and recording each drop as a gap.
 */
export const SPECIALIST_OUTPUT_SCHEMA_VERSION = 1;

const timestamp = z.iso.datetime({ offset: true });
const percent = z.number().min(0).max(100);

export const SpecialistIdSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]*$/, "kebab-case specialist id, e.g. 'sentry' or 'code-path'");
export type SpecialistId = z.infer<typeof SpecialistIdSchema>;

/**
 * Where evidence can come from. There is deliberately no wiki kind: memory is not proof
 * (invariant 2), so no finding can cite a wiki page.
 */
export const SourceKindSchema = z.enum([
  "sentry_issue",
  "sentry_event",
  "sentry_release",
  "cloudwatch_metric",
  "cloudwatch_logs",
  "cloudwatch_alarm",
  /** The cloud provider's own health events (AWS Health). */
  "aws_health",
  "db_query",
  "github_deploy",
  "github_commit",
  "feature_flag",
  "vendor_status",
  "support_ticket",
  "linear_issue",
  "reproduction_run",
]);
export type SourceKind = z.infer<typeof SourceKindSchema>;

export const EvidenceSourceSchema = z.object({
  kind: SourceKindSchema,
  ref: z.string().min(1).describe("stable, redacted reference: issue id, metric name, query id"),
  fetchedAt: timestamp,
});
export type EvidenceSource = z.infer<typeof EvidenceSourceSchema>;

export const FindingSchema = z.object({
  fact: z.string().min(1),
  sourceRef: z.string().min(1).describe("ref of one of the output's sources"),
  observedAt: timestamp,
});
export type Finding = z.infer<typeof FindingSchema>;

export const CorrelationIdSchema = z.object({
  kind: z.enum(["request_id", "trace_id", "sentry_event_id", "vendor_correlation_id", "other"]),
  value: z.string().min(1),
});
export type CorrelationId = z.infer<typeof CorrelationIdSchema>;

/** Something the specialist could not see, and how much that should cost in confidence. */
export const EvidenceGapSchema = z.object({
  what: z.string().min(1),
  confidenceImpact: percent.describe("confidence points this gap costs"),
});
export type EvidenceGap = z.infer<typeof EvidenceGapSchema>;

export const SpecialistErrorSchema = z.object({
  code: z.string().min(1),
  message: z.string(),
  retryable: z.boolean().optional(),
});

const common = {
  schemaVersion: z.literal(SPECIALIST_OUTPUT_SCHEMA_VERSION),
  specialistId: SpecialistIdSchema,
  question: z.string().min(1),
  sources: z.array(EvidenceSourceSchema),
  findings: z.array(FindingSchema),
  correlationIds: z.array(CorrelationIdSchema),
  signals: z.array(SignalSchema),
  confidence: percent,
  gaps: z.array(EvidenceGapSchema),
  nextPivot: z.string().min(1).optional().describe("what to look at next, if anything"),
  servicesRead: z
    .array(z.string().min(1))
    .optional()
    .describe(
      "services whose declared resources the specialist chose to read on a run whose service was unresolved: they join the run's policy scope",
    ),
};

/**
 * A specialist output as produced, before its citations are checked. Only
 * {@link normalizeSpecialistOutput} should consume it.
 */
export const RawSpecialistOutputSchema = z.discriminatedUnion("status", [
  z.object({ ...common, status: z.literal("returned") }),
  z.object({ ...common, status: z.literal("skipped"), reason: z.string().min(1) }),
  z.object({ ...common, status: z.literal("failed"), error: SpecialistErrorSchema }),
  z.object({ ...common, status: z.literal("timed_out"), deadlineMs: z.number().int().positive() }),
]);
export type RawSpecialistOutput = z.infer<typeof RawSpecialistOutputSchema>;
export type SpecialistStatus = RawSpecialistOutput["status"];

/** The output's source refs, and each ref listed again after its first listing. */
function duplicateRefs(sources: readonly EvidenceSource[]): {
  refs: Set<string>;
  duplicates: string[];
} {
  const refs = new Set<string>();
  const duplicates: string[] = [];
  for (const source of sources) {
    if (refs.has(source.ref)) duplicates.push(source.ref);
    refs.add(source.ref);
  }
  return { refs, duplicates };
}

/** Source refs of an output that are cited but not listed; duplicates are refused too. */
function citationProblems(output: RawSpecialistOutput): string[] {
  const { refs, duplicates } = duplicateRefs(output.sources);
  const problems = duplicates.map((ref) => `source '${ref}' is listed twice`);
  output.findings.forEach((f, i) => {
    if (!refs.has(f.sourceRef)) problems.push(`finding ${i} cites unknown source '${f.sourceRef}'`);
  });
  output.signals.forEach((s, i) => {
    if (!refs.has(s.sourceRef)) problems.push(`signal ${i} cites unknown source '${s.sourceRef}'`);
  });
  return problems;
}

/** A valid specialist output: every finding and signal cites one of its sources. */
export const SpecialistOutputSchema = RawSpecialistOutputSchema.superRefine((output, ctx) => {
  for (const message of citationProblems(output)) ctx.addIssue({ code: "custom", message });
}).meta({ title: "prode specialist output" });
export type SpecialistOutput = z.infer<typeof SpecialistOutputSchema>;

/** Confidence points a dropped finding or signal costs: its claim may have mattered. */
export const DROPPED_FINDING_IMPACT = 5;
export const DROPPED_SIGNAL_IMPACT = 10;

/**
 * Validates a raw specialist output and drops every finding and signal whose
 * `sourceRef` names none of the output's sources, recording each drop as a gap, so a
 * claim without a source never reaches the bundle. Throws `bad_input` when the output
 * does not parse at all (wrong shape, duplicate source refs).
 */
export function normalizeSpecialistOutput(raw: unknown): SpecialistOutput {
  const parsed = RawSpecialistOutputSchema.safeParse(raw);
  if (!parsed.success) {
    throw new AppError(
      ErrorCode.BadInput,
      `specialist output does not parse: ${z.prettifyError(parsed.error)}`,
      { cause: parsed.error },
    );
  }
  const output = parsed.data;
  const { refs, duplicates } = duplicateRefs(output.sources);
  if (duplicates[0] !== undefined) {
    throw new AppError(
      ErrorCode.BadInput,
      `specialist ${output.specialistId}: source '${duplicates[0]}' is listed twice`,
    );
  }
  const gaps: EvidenceGap[] = [...output.gaps];
  const findings = output.findings.filter((finding, i) => {
    if (refs.has(finding.sourceRef)) return true;
    gaps.push({
      what: `finding ${i} dropped: it cites unknown source '${finding.sourceRef}'`,
      confidenceImpact: DROPPED_FINDING_IMPACT,
    });
    return false;
  });
  const signals = output.signals.filter((signal) => {
    if (refs.has(signal.sourceRef)) return true;
    gaps.push({
      what: `signal ${signal.kind} dropped: it cites unknown source '${signal.sourceRef}'`,
      confidenceImpact: DROPPED_SIGNAL_IMPACT,
    });
    return false;
  });
  return { ...output, findings, signals, gaps };
}
