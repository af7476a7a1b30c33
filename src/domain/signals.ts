import { z } from "zod";
import { ReferenceEditSignal } from "./signal-reference-edit.ts";
import { RecurringAlarmSignal } from "./signals-alarm.ts";

export { ReferenceEditSignal };

/**
 * Typed signals: the only thing a specialist tells the classifier. Each is a small fact
 * with a fixed shape, and each cites one of its output's sources (`sourceRef`), like a
 * finding does, so the classifier never reasons over an unsourced claim.
 *
 * The vocabulary is general (docs/evidence-vocabulary.md lists every kind): how a series
 * changed and when (`series_change`, with its onset and the onset's source), how far a
 * symptom spreads (`impact_scope`), what it correlates with (`release_correlation`,
 * `change_event`, `vendor_incident`, `provider_incident`), where the failing traffic
 * comes from (`traffic_origin`, `client_aborts`), which dependency is at its limit
 * (`dependency_saturation`, `queue_saturation`, `task_health`, `crash_loop`,
 * `poison_message`), and data-state discrepancies (`stale_derived_rows`,
 * `count_mismatch`, `reference_edit`). Negative controls (`no_5xx_rise`, `deploy_absent`,
 * `vendor_operational`, `derived_rows_consistent`, `series_change` with direction
 * `flat`) are evidence too: a control that ran and found nothing is what rejects the
 * alternative hypotheses. No kind names a service, route or vendor of a scenario.
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
 * An exception on one request path (a Sentry issue), new or long-standing. Requests the
 * client aborted are `client_aborts`, not exceptions, even when Sentry groups them as
 * an issue: reporting them here would argue against the noise they are.
 */
export const NewExceptionSignal = z.object({
  kind: z.literal("new_exception"),
  ...base,
  issueId: z.string().min(1),
  path: z.string().min(1).describe("request route or job name, e.g. 'POST /v1/<resource>'"),
  firstSeen: timestamp,
  culprit: z.string().min(1),
  events: count.optional(),
  /**
   * The code caught the exception and recovered (Sentry's mechanism.handled / the issue's
   * isUnhandled false); absent when unknown. An old issue is reported too: `firstSeen`
   * tells its age, and the classifier judges whether it is new.
   */
  handled: z.boolean().optional(),
  /**
   * HTTP statuses the issue's requests were answered with (its `http.status_code` tag),
   * when known: a handled exception answered with 4xx only is the service rejecting a
   * request, not failing one.
   */
  statusCodes: z.array(z.number().int().min(100).max(599)).optional(),
  /**
   * The largest share (0–1) of the issue's events one caller (user, client, partner,
   * tenant, API key…) accounts for, when its tags name callers (read for handled
   * exceptions): rejections one caller sends are that caller's doing.
   */
  topCallerShare: z.number().min(0).max(1).optional(),
  /**
   * The client runtime (browser with its version) most of the issue's events come from,
   * with its share (0–1), when the issue's events name one: a spike that one browser
   * version carries is that runtime changing under the code, not a change of ours.
   */
  topRuntime: z.object({ name: z.string().min(1), share: z.number().min(0).max(1) }).optional(),
  /**
   * The exception's type or message says a required configuration value (environment
   * variable, setting, secret) is missing: a guard failing loudly as written, so the
   * remedy is the configuration, not the code. Absent when it does not say so.
   */
  missingConfig: z.literal(true).optional(),
});

/** A release was deployed shortly before the symptom began. */
export const ReleaseCorrelationSignal = z.object({
  kind: z.literal("release_correlation"),
  ...base,
  release: z.string().min(1),
  service: z.string().min(1).optional(),
  deployedAt: timestamp,
  firstSeenAfterDeployMinutes: z.number().nonnegative(),
  /**
   * Whether the release's diff changed a file in the failing exception's stack, when the
   * release specialist compared them (absent when it could not: no stack, no compare).
   */
  diffTouchesStack: z.boolean().optional(),
  /** When the rollout began (`deployedAt` may be its end): a symptom before it predates the deploy. */
  deployStartedAt: timestamp.optional(),
  /** The before/after window around the deploy the direction was tested over. */
  windowStart: timestamp.optional(),
  windowEnd: timestamp.optional(),
});

/** Negative control: no deploy, release or flag change for the service in the window. */
export const DeployAbsentSignal = z.object({
  kind: z.literal("deploy_absent"),
  ...base,
  service: z.string().min(1).optional(),
  windowHours: z.number().positive(),
  /** The window checked (before the onset, or before now when the onset is unknown). */
  windowStart: timestamp.optional(),
  windowEnd: timestamp.optional(),
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
  /**
   * Control: other hosts the same client logged answering 2xx, in the same logs, after
   * this vendor's first failure there (our egress works). Absent when not read.
   */
  otherHostsHealthy: count.optional(),
  /**
   * Control: the same client's calls to this vendor's own host that answered without a
   * fault after its first failure (it fails selectively; our way out to it works). Absent
   * when not read.
   */
  sameHostAnswered: count.optional(),
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
  /**
   * What disagrees: a derived counter (the default), duplicate rows on a natural key,
   * records stuck in a state their related rows have moved past, or records without the
   * related row nearly all records in their state have, or records lacking a value (a
   * NULL column) nearly all their peers hold (db schema-generic checks).
   */
  discrepancy: z
    .enum([
      "derived_counter",
      "duplicate_rows",
      "stuck_state",
      "missing_related_row",
      "missing_value",
    ])
    .optional(),
  /** When the newest bad row appeared (with `oldestStaleAt`: a burst or a trickle). */
  newestStaleAt: timestamp.optional(),
  /** Bad rows kept appearing in the last day: the cause is still active (a write path). */
  ongoing: z.boolean().optional(),
  /**
   * Enough rows were written after the newest bad one, and all of them are right, to call
   * the write path whole again: whatever wrote the bad rows (a release since rolled
   * forward, a one-off job) no longer does; the rows already written need a correction.
   */
  writePathWhole: z.boolean().optional(),
  /** How many of the record ids the ticket quotes are among the bad rows. */
  ticketEntitiesAffected: count.optional(),
  /** A few bad rows' ids (capped), for the human who reviews the fix. */
  sampleIds: z.array(z.string().min(1).max(64)).max(5).optional(),
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

/**
 * What the ticket's words say caused it: "since yesterday's deploy (5.2.0)". A claim,
 * not evidence: no rule counts it for or against a class; the conflict checks compare it
 * with the telemetry's onset, so a ticket that blames a release the symptom predates is
 * named as such.
 */
export const ReportedCauseSignal = z.object({
  kind: z.literal("reported_cause"),
  ...base,
  cause: z.enum(["release"]),
  /** The version the ticket names, when it names one. */
  release: z.string().min(1).optional(),
  /** The sentence that says so (clipped). */
  statement: z.string().min(1),
});

/** What a series measures: the same names whichever source (CloudWatch, Sentry, logs) read it. */
export const SeriesMeasure = z.enum([
  "errors_5xx",
  /** Client errors the service answered (4xx): a symptom only when something explains them. */
  "errors_4xx",
  "error_events",
  "latency_p50",
  "latency_p99",
  "requests",
  "unhealthy_hosts",
  "queue_age",
  "queue_depth",
  "dlq_depth",
  "throttles",
  "restarts",
  "cpu",
  /** Memory in use (a percentage or bytes used): a rise is pressure. */
  "memory",
  "connections",
  "evictions",
  /** Memory still free (e.g. an RDS instance's FreeableMemory): a drop is pressure. */
  "free_memory",
  "messages_received",
  "messages_deleted",
  /** Concurrent executions (functions, workers). */
  "concurrency",
  "running_tasks",
  /** Cache lookups that missed (a cold or evicting cache sends them to the database). */
  "cache_misses",
  /** Items held by a cache: a drop to near zero is a cache emptied (restart, node replaced). */
  "cache_items",
  /** Bytes per item a cache holds: a rise is each entry growing, load on the cache. */
  "cache_item_bytes",
  /**
   * Server errors a managed service answered the service's calls with, counted by the
   * provider (an S3 bucket's 5xxErrors): the dependency failing, not the service's own 5xx.
   */
  "dependency_errors",
  /**
   * The time a dependency itself takes per command or query, as it measures it (a
   * cache's command latency): a rise is the dependency slowing under the service, not a
   * latency users see directly.
   */
  "dependency_latency",
]);
export type SeriesMeasure = z.infer<typeof SeriesMeasure>;

/** How far a symptom spreads, as the telemetry shows it (never read from ticket words). */
export const ScopeSchema = z.object({
  /** The route or job, when the series is for one. */
  route: z.string().min(1).optional(),
  /** Availability zones the series is for, or that show the change. */
  zones: z.array(z.string().min(1)).optional(),
  /** The resource the series is for (load balancer, DB instance, queue, function). */
  resource: z.string().min(1).optional(),
});

/**
 * A series' change at its onset: the change point found in the series prode read, the
 * mean before and after it, and how sure the onset is. `flat` is the negative control
 * (the series was read over the window and did not change).
 */
export const SeriesChangeSignal = z.object({
  kind: z.literal("series_change"),
  ...base,
  measure: SeriesMeasure,
  direction: z.enum(["rise", "drop", "flat"]),
  before: z.number().nonnegative().describe("mean per period before the onset (or the window)"),
  after: z.number().nonnegative().describe("mean per period after the onset (or the window)"),
  unit: z.string().min(1).optional(),
  service: z.string().min(1).optional(),
  scope: ScopeSchema.optional(),
  /** The change point; absent for `flat`. */
  onset: timestamp.optional(),
  /** Half-width of the onset's uncertainty, minutes (one sampling period at least). */
  onsetUncertaintyMinutes: z.number().nonnegative().optional(),
  /** The window read, for the bundle's "windows used". */
  windowStart: timestamp.optional(),
  windowEnd: timestamp.optional(),
});

/** A dependency at (or near) its limit: the database, a cache, a queue, compute, a vendor. */
export const DependencySaturationSignal = z.object({
  kind: z.literal("dependency_saturation"),
  ...base,
  dependency: z.enum(["database", "cache", "queue", "compute", "memory", "network", "vendor"]),
  resource: z.string().min(1),
  /** What is saturated, e.g. "connections", "cpu", "evictions", "memory", "throttles". */
  measure: z.string().min(1),
  value: z.number().nonnegative(),
  /** The limit, when one is known (max_connections, a quota); value/limit is the load. */
  limit: z.number().positive().optional(),
  service: z.string().min(1).optional(),
  onset: timestamp.optional(),
});

/** A cloud provider's incident (region or zones), from its health API or status page. */
export const ProviderIncidentSignal = z.object({
  kind: z.literal("provider_incident"),
  ...base,
  provider: z.string().min(1),
  region: z.string().min(1).optional(),
  zones: z.array(z.string().min(1)).optional(),
  /** The provider's service (e.g. its compute or load-balancing service). */
  component: z.string().min(1).optional(),
  status: z.enum(["investigating", "identified", "monitoring", "resolved"]),
  startedAt: timestamp.optional(),
  /** Whether the incident's region/zones/component match the ones our symptom is in. */
  overlapsUs: z.boolean(),
});

/** Where the failing requests come from: real users, synthetic checks, bots, health checks. */
export const TrafficOriginSignal = z.object({
  kind: z.literal("traffic_origin"),
  ...base,
  origin: z.enum(["users", "synthetic", "bots", "health_checks", "internal"]),
  /** Share of the failing requests from this origin, 0–1. */
  share: z.number().min(0).max(1),
  requests: count,
});

/** How widely the symptom spreads across services, zones and routes (telemetry only). */
export const ImpactScopeSignal = z.object({
  kind: z.literal("impact_scope"),
  ...base,
  /** Services whose errors or health changed in the window. */
  services: z.array(z.string().min(1)),
  zones: z.array(z.string().min(1)).default([]),
  /**
   * How many zones the per-zone series covered, when they were read per zone: the
   * symptom in every zone read is service-wide (a dependency, the code), not zones failing.
   */
  zonesRead: count.optional(),
  routes: z.enum(["one", "some", "all"]).optional(),
  /** Share of all requests that fail, 0–1, when known. */
  errorShare: z.number().min(0).max(1).optional(),
});

/**
 * A change near the onset: configuration, a feature flag, infra, or a deploy that did not
 * correlate (too early, after the onset, or the series' direction disagrees): context.
 */
export const ChangeEventSignal = z.object({
  kind: z.literal("change_event"),
  ...base,
  change: z.enum(["config", "flag", "infra", "scaling", "deploy"]),
  ref: z.string().min(1),
  service: z.string().min(1).optional(),
  /** The resource an infra event hit (a database, a cache cluster), when it names one. */
  resource: z.string().min(1).optional(),
  at: timestamp,
  /** Minutes from the change to the onset; negative when the change came after it. */
  minutesBeforeOnset: z.number().optional(),
  /**
   * A deploy whose rollout began and did not complete: its final status (GitHub deployment
   * states `failure`, `error`). Absent for a deploy that shipped. What it did before it
   * failed (a migration, tasks that served traffic) still happened.
   */
  state: z.enum(["failure", "error"]).optional(),
  /**
   * For a failed deploy: when a later deployment of other code finished, from which time
   * on the deployment records say the failed release's code is not what runs.
   */
  supersededAt: timestamp.optional(),
});

/**
 * Which release the failing events ran, as the error tracker tags them (Sentry's `release`
 * on the issue's recommended event), and when that event was seen. Compared with the
 * deployment records (a failed deploy's `change_event`): a release the records say is not
 * running cannot be throwing, so one of the two sources is wrong.
 */
export const ReleaseAttributionSignal = z.object({
  kind: z.literal("release_attribution"),
  ...base,
  release: z.string().min(1),
  service: z.string().min(1).optional(),
  /** When the event tagged with that release was created. */
  seenAt: timestamp,
});

/** Tasks, pods or functions restarting: killed out of memory, crashing, failing health checks. */
export const CrashLoopSignal = z.object({
  kind: z.literal("crash_loop"),
  ...base,
  reason: z.enum(["out_of_memory", "exit", "health_check", "unknown"]),
  restarts: count,
  service: z.string().min(1).optional(),
  onset: timestamp.optional(),
  /**
   * The onset lies within ± this many minutes: the sampling period of what dated it.
   * Absent: one stop event's time or a 5-minute sample (run-onset.ts).
   */
  onsetUncertaintyMinutes: z.number().nonnegative().optional(),
  /**
   * The stop events read (a platform keeps a sample of them), by reason: killed for
   * exceeding the memory limit (OutOfMemoryError, exit 137), or a container exiting on
   * its own with another code. Absent when no stop event was read; `reason` may then
   * come from the memory series or error lines alone.
   */
  stopEvents: z.object({ outOfMemory: count, exits: count }).optional(),
});

/** The same messages fail again and again: redriven, landing in the dead-letter queue. */
export const PoisonMessageSignal = z.object({
  kind: z.literal("poison_message"),
  ...base,
  queue: z.string().min(1),
  /** Receives of the same message ids (or deliveries beyond the redrive limit). */
  repeatedReceives: count,
  /** Messages in its dead-letter queue; absent when that queue was not read. */
  dlqDepth: count.optional(),
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
  ReferenceEditSignal,
  ReproductionSignal,
  UserImpactSignal,
  ReportedCauseSignal,
  SeriesChangeSignal,
  DependencySaturationSignal,
  ProviderIncidentSignal,
  TrafficOriginSignal,
  ImpactScopeSignal,
  ChangeEventSignal,
  ReleaseAttributionSignal,
  CrashLoopSignal,
  PoisonMessageSignal,
  RecurringAlarmSignal,
]);
export type Signal = z.infer<typeof SignalSchema>;
export type SignalKind = Signal["kind"];
/** The signal of one kind, e.g. `SignalOf<"queue_saturation">`. */
export type SignalOf<K extends SignalKind> = Extract<Signal, { kind: K }>;

export const SIGNAL_KINDS = SignalSchema.options.map((o) => o.shape.kind.value) as SignalKind[];
