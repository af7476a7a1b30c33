import { z } from "zod";
import { ClassificationSchema } from "./classifier-schema.ts";
import { AppError, ErrorCode } from "./errors.ts";
import {
  LinearSnapshotSchema,
  OperationalMemorySchema,
  ToolMapSchema,
} from "./evidence-context.ts";
import { InvestigationSchema } from "./investigation.ts";
import { SpecialistOutputSchema } from "./specialist-output.ts";

/**
 * The evidence bundle: everything prode knew when it decided, in one versioned document.
 * Nothing after the gate (worktree, patch, PR) may start before it exists (invariant 1);
 * it is stored redacted and addressed by sha256, and `prode schema evidence-bundle`
 * prints its JSON Schema. Bump {@link EVIDENCE_BUNDLE_SCHEMA_VERSION} on any breaking
 * change and keep the reader of the old version.
 *
 * Version 2 adds `investigation` (the onset chosen, the windows used, the service
 * resolution and the conflicts checked; issue 13). Version 1 bundles still parse: they
 * have no `investigation`.
 */
export const EVIDENCE_BUNDLE_SCHEMA_VERSION = 2;

const timestamp = z.iso.datetime({ offset: true });

export const ImpactSchema = z.object({
  summary: z.string(),
  scope: z.enum(["isolated", "partial", "widespread", "unknown"]),
  services: z.array(z.string().min(1)),
  affectedUsers: z.number().int().nonnegative().optional(),
  customerVisible: z.boolean(),
  blastRadius: z.string().describe("what else breaks if this continues or the fix is wrong"),
});
export type Impact = z.infer<typeof ImpactSchema>;

export const MitigationSchema = z.object({
  action: z.string().min(1),
  kind: z.enum([
    "code_change",
    "data_correction",
    "rollback",
    "scale",
    "config",
    "vendor_followup",
    "other",
  ]),
  risk: z.enum(["low", "medium", "high"]),
  rollback: z.string().min(1).describe("how to undo it"),
  requiresApproval: z.boolean(),
  performedBy: z.enum(["prode", "human"]),
});
export type Mitigation = z.infer<typeof MitigationSchema>;

export const VerificationItemSchema = z.object({
  check: z.string().min(1),
  how: z.string().min(1),
  status: z.enum(["pending", "passed", "failed", "not_applicable"]),
});
export type VerificationItem = z.infer<typeof VerificationItemSchema>;

const digest = z.string().regex(/^[0-9a-f]{64}$/, "sha256 hex of the exact action");

export const PendingApprovalSchema = z.object({
  id: z.string().min(1),
  action: z.string().min(1),
  digest,
  requestedAt: timestamp,
  expiresAt: timestamp,
});
export type PendingApproval = z.infer<typeof PendingApprovalSchema>;

export const ApprovalStateSchema = z.object({
  pending: z.array(PendingApprovalSchema),
  decided: z.array(
    z.object({
      id: z.string().min(1),
      action: z.string().min(1),
      digest,
      decision: z.enum(["approved", "rejected", "expired"]),
      at: timestamp,
    }),
  ),
});
export type ApprovalState = z.infer<typeof ApprovalStateSchema>;

export const EvidenceBundleSchema = z
  .object({
    schemaVersion: z.literal(EVIDENCE_BUNDLE_SCHEMA_VERSION),
    runId: z.string().min(1),
    createdAt: timestamp,
    linear: LinearSnapshotSchema,
    toolMap: ToolMapSchema,
    memory: OperationalMemorySchema.describe("routing only: never read by the classifier"),
    specialists: z.array(SpecialistOutputSchema),
    classification: ClassificationSchema.optional().describe("absent until CLASSIFY ran"),
    impact: ImpactSchema,
    mitigations: z.array(MitigationSchema),
    verification: z.array(VerificationItemSchema),
    approvals: ApprovalStateSchema,
    investigation: InvestigationSchema.optional().describe(
      "onset, windows, service resolution and conflicts checked (assembleBundle always sets it)",
    ),
  })
  .meta({
    title: "prode evidence bundle",
    description: "Everything prode knew when it decided on one ticket (DESIGN.md, Evidence)",
  });
export type EvidenceBundle = z.infer<typeof EvidenceBundleSchema>;

/** The version-1 bundle, kept for reading bundles stored before `investigation` existed. */
const EvidenceBundleV1Schema = EvidenceBundleSchema.omit({ investigation: true }).extend({
  schemaVersion: z.literal(1),
});
export type EvidenceBundleV1 = z.infer<typeof EvidenceBundleV1Schema>;

/**
 * Parses a stored or received bundle, of this version or version 1; anything that does
 * not fit is `bad_input`.
 */
export function parseEvidenceBundle(raw: unknown): EvidenceBundle | EvidenceBundleV1 {
  const isV1 =
    typeof raw === "object" &&
    raw !== null &&
    (raw as { schemaVersion?: unknown }).schemaVersion === 1;
  const parsed = (isV1 ? EvidenceBundleV1Schema : EvidenceBundleSchema).safeParse(raw);
  if (!parsed.success) {
    throw new AppError(
      ErrorCode.BadInput,
      `evidence bundle does not parse: ${z.prettifyError(parsed.error)}`,
      { cause: parsed.error },
    );
  }
  return parsed.data;
}
