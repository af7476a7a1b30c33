import { z } from "zod";

/**
 * Typed signals: the only thing a specialist tells the classifier. Each is a small fact
 * with a fixed shape, and each cites one of its output's sources (`sourceRef`), like a
 * finding does, so the classifier never reasons over an unsourced claim.
 *
 * The set covers the four reference scenarios of DESIGN.md and their negative controls
 * (`no_5xx_rise`, `deploy_absent`, `vendor_operational`, `derived_rows_consistent`):
 * a control that ran and found nothing is evidence too, and is what rejects the
 * alternative hypotheses.
 */
const timestamp = z.iso.datetime({ offset: true });
const count = z.number().int().nonnegative();
const base = { sourceRef: z.string().min(1).describe("ref of one of the output's sources") };

/** 5xx responses per minute rose from `from` to `to` over the window. */
export const ErrorRateRiseSignal = z.object({
  kind: z.literal("error_rate_rise"),
  ...base,
  service: z.string().min(1),
  path: z.string().min(1).optional(),
  from: z.number().nonnegative().describe("5xx per minute before the window"),
  to: z.number().nonnegative().describe("5xx per minute during the window"),
  windowMinutes: z.number().int().positive(),
});

/** Negative control: the 5xx rate of the service was checked over the window and did not rise. */
export const No5xxRiseSignal = z.object({
  kind: z.literal("no_5xx_rise"),
  ...base,
  service: z.string().min(1),
  windowMinutes: z.number().int().positive(),
});

/**
 * An exception first seen recently, on one request path (a Sentry issue). Requests the
 * client aborted are `client_aborts`, not exceptions, even when Sentry groups them as
 * an issue: reporting them here would argue against the noise they are.
 */
export const NewExceptionSignal = z.object({
  kind: z.literal("new_exception"),
  ...base,
  issueId: z.string().min(1),
  path: z.string().min(1).describe("request route or job name, e.g. 'POST /v1/onboarding'"),
  firstSeen: timestamp,
  culprit: z.string().min(1),
  events: count.optional(),
});

/** A release was deployed shortly before the symptom began. */
export const ReleaseCorrelationSignal = z.object({
  kind: z.literal("release_correlation"),
  ...base,
  release: z.string().min(1),
  service: z.string().min(1).optional(),
  deployedAt: timestamp,
  firstSeenAfterDeployMinutes: z.number().nonnegative(),
});

/** Negative control: no deploy, release or flag change for the service in the window. */
export const DeployAbsentSignal = z.object({
  kind: z.literal("deploy_absent"),
  ...base,
  service: z.string().min(1).optional(),
  windowHours: z.number().positive(),
});

/** Requests ended by the client (e.g. 499, aborted by a closed screen). */
export const ClientAbortsSignal = z.object({
  kind: z.literal("client_aborts"),
  ...base,
  count,
  statusCodes: z.array(z.number().int().min(100).max(599)).min(1),
  path: z.string().min(1).optional(),
});

/** A queue's oldest message is older than its alarm threshold. */
export const QueueSaturationSignal = z.object({
  kind: z.literal("queue_saturation"),
  ...base,
  queue: z.string().min(1),
  ageSeconds: z.number().nonnegative(),
  threshold: z.number().positive().describe("alarm threshold on message age, seconds"),
});

/** Running healthy tasks against desired (and the scaling ceiling when known). */
export const TaskHealthSignal = z.object({
  kind: z.literal("task_health"),
  ...base,
  service: z.string().min(1),
  healthy: count,
  desired: count,
  max: count.optional().describe("autoscaling ceiling"),
});

/** A vendor's status page reports an incident. */
export const VendorIncidentSignal = z.object({
  kind: z.literal("vendor_incident"),
  ...base,
  vendor: z.string().min(1),
  status: z.enum(["investigating", "identified", "monitoring", "resolved"]),
  impact: z.enum(["minor", "major", "critical"]).optional(),
  startedAt: timestamp.optional(),
});

/** Negative control: the vendor's status page is green over the window. */
export const VendorOperationalSignal = z.object({
  kind: z.literal("vendor_operational"),
  ...base,
  vendor: z.string().min(1),
});

/** Failing requests carry the vendor's correlation IDs (webhook or API failures). */
export const VendorErrorCorrelationSignal = z.object({
  kind: z.literal("vendor_error_correlation"),
  ...base,
  vendor: z.string().min(1),
  correlatedRequests: count,
});

/** Aggregate SELECTs prove derived rows disagree with their source of truth. */
export const StaleDerivedRowsSignal = z.object({
  kind: z.literal("stale_derived_rows"),
  ...base,
  table: z.string().min(1),
  staleCount: count,
  totalCount: count,
  oldestStaleAt: timestamp.optional(),
  /**
   * The backfill the specialist would propose (exact SQL). prode never runs it: it
   * becomes a pending production_write approval, and once approved it is handed to a human.
   */
  proposedCorrection: z.object({ statement: z.string().min(1), affectsRows: count }).optional(),
});

/** Negative control: the aggregate check found derived rows consistent. */
export const DerivedRowsConsistentSignal = z.object({
  kind: z.literal("derived_rows_consistent"),
  ...base,
  table: z.string().min(1),
});

/** A user-visible number disagrees with the total computed from the source of truth. */
export const CountMismatchSignal = z.object({
  kind: z.literal("count_mismatch"),
  ...base,
  subject: z.string().min(1),
  displayed: z.number(),
  computed: z.number(),
});

/** Rows exist in the state the failing path mishandles (e.g. legacy rows with a null column). */
export const DataPreconditionSignal = z.object({
  kind: z.literal("data_precondition"),
  ...base,
  table: z.string().min(1),
  condition: z.string().min(1).describe("redacted predicate, e.g. 'region IS NULL'"),
  rowCount: count,
});

/** The reproduction specialist's result on one path. */
export const ReproductionSignal = z.object({
  kind: z.literal("reproduction"),
  ...base,
  path: z.string().min(1),
  reproduced: z.boolean(),
  release: z.string().min(1).optional(),
});

/** Who is affected: drives severity, never the class. */
export const UserImpactSignal = z.object({
  kind: z.literal("user_impact"),
  ...base,
  affectedUsers: count,
  scope: z.enum(["isolated", "partial", "widespread"]),
});

export const SignalSchema = z.discriminatedUnion("kind", [
  ErrorRateRiseSignal,
  No5xxRiseSignal,
  NewExceptionSignal,
  ReleaseCorrelationSignal,
  DeployAbsentSignal,
  ClientAbortsSignal,
  QueueSaturationSignal,
  TaskHealthSignal,
  VendorIncidentSignal,
  VendorOperationalSignal,
  VendorErrorCorrelationSignal,
  StaleDerivedRowsSignal,
  DerivedRowsConsistentSignal,
  CountMismatchSignal,
  DataPreconditionSignal,
  ReproductionSignal,
  UserImpactSignal,
]);
export type Signal = z.infer<typeof SignalSchema>;
export type SignalKind = Signal["kind"];
/** The signal of one kind, e.g. `SignalOf<"queue_saturation">`. */
export type SignalOf<K extends SignalKind> = Extract<Signal, { kind: K }>;

export const SIGNAL_KINDS = SignalSchema.options.map((o) => o.shape.kind.value) as SignalKind[];
