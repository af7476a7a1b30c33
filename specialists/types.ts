import type { LinearSnapshot, ToolMap } from "../src/domain/evidence-context.ts";
import type { ServiceResolution } from "../src/domain/service-resolution.ts";
import type { RawSpecialistOutput, SpecialistId } from "../src/domain/specialist-output.ts";
import type { SpecialistTools, ToolName } from "./tools.ts";

/**
 * Hints from the PRODE wiki: they may change which specialists run and which queries
 * and negative controls they use. They are routing only and never enter classification
 * (invariant 2): a specialist must re-observe anything it reports.
 */
export interface RoutingHints {
  /** Wiki page ids that matched this ticket. */
  pages: string[];
  recipes: { pageId: string; specialist: SpecialistId; name: string; body: string }[];
  negativeControls: { pageId: string; specialist: SpecialistId; name: string; body: string }[];
}

/**
 * The AWS resources a service catalog declares for one service (policy/services/<service>.yaml,
 * `aws:`), in CloudWatch's dimension values. The aws specialist reads these and what
 * CloudWatch ListMetrics discovers for the service; never another service's resources.
 */
export interface AwsResources {
  /** The ALB's `LoadBalancer` dimension, `app/<name>/<id>`. */
  loadBalancer?: string;
  /** Target groups' `TargetGroup` dimension, `targetgroup/<name>/<id>`. */
  targetGroups?: string[];
  /** ECS cluster; the ECS service name defaults to the service's own name. */
  cluster?: string;
  ecsService?: string;
  queues?: {
    name: string;
    /** Alarm threshold on ApproximateAgeOfOldestMessage, in seconds. */
    thresholdSeconds?: number;
    /** The queue its redrive policy sends failing messages to. */
    deadLetterQueue?: string;
  }[];
  /** RDS instances (`DBInstanceIdentifier`), with max_connections when known. */
  databases?: { identifier: string; maxConnections?: number }[];
  /** ElastiCache clusters (`CacheClusterId`). */
  caches?: string[];
  /** Lambda functions (`FunctionName`). */
  functions?: string[];
  /** Application log groups (Logs Insights). */
  logGroups?: string[];
  /** Where ECS service events and scaling activity land (read when capacity looks short). */
  eventLogGroups?: string[];
  /** Availability zones the service runs in, when the catalog declares them. */
  zones?: string[];
}

/** What the ticket says beyond the snapshot: comments and reports, already redacted. */
export interface TicketContext {
  snapshot: LinearSnapshot;
  /** Team and service the ticket belongs to, when known (labels or policy mapping). */
  team?: string;
  service?: string;
  /** The service's AWS resources from the service catalog, when it declares them. */
  awsResources?: AwsResources;
  /**
   * Sentry project slugs of the resolved service (the service catalog), searched when the
   * ticket links no issue. Absent: the service's name is tried as the slug.
   */
  sentryProjects?: string[];
  /** How the service and team were resolved: sources, any mismatch, the policy scope. */
  resolution?: ServiceResolution;
  comments: { author: string; body: string; createdAt: string }[];
  attachments: { title: string; url: string }[];
}

/**
 * When the symptom began, as another specialist's returned evidence established it
 * (e.g. the oldest stale derived row). Handed over in a second evidence wave; the
 * receiving specialist still cites its own sources for whatever it concludes.
 */
export interface EvidenceOnset {
  at: string;
  /** What established it, for the finding: "oldest stale workspaces row (db)". */
  what: string;
  specialistId: string;
  /**
   * `series`: a symptom series' change point (precise to `uncertaintyMinutes`);
   * `data_state`: the oldest wrong row, which only bounds when a write path went wrong.
   */
  source?: "series" | "data_state";
  uncertaintyMinutes?: number;
  /** The service the onset's series is about, when its source resolved one (run-onset.ts). */
  service?: string;
  /**
   * A dependency's load that began climbing before the symptom on flat traffic
   * (src/domain/run-precursor.ts): a deploy is tested against it too.
   */
  precursor?: { at: string; what: string; uncertaintyMinutes: number };
}

export interface SpecialistInput {
  question: string;
  /** Present only in the second wave, when another specialist established the onset. */
  onset?: EvidenceOnset;
  /** Policy `deploy_proximity_minutes`, when the run's policy sets it. */
  deployProximityMinutes?: number;
  ticket: TicketContext;
  hints: RoutingHints;
  /** Only the tools the specialist declared in `needs`, and only those available. */
  tools: SpecialistTools;
  /** Aborted at the deadline; stop and return what you have. */
  signal: AbortSignal;
  deadline: Date;
  now: Date;
}

/**
 * One read-only specialist (DESIGN.md, Evidence). It runs in WAIT_FOR_EVIDENCE in
 * parallel with the others under its own deadline; a failure is an output, not a crash.
 */
export interface Specialist {
  id: SpecialistId;
  /** Evidence specialists run before the bundle; code-path after it; review after a diff. */
  phase: "evidence" | "after_bundle" | "after_diff";
  /** Tools it needs; without one it is skipped with a reason (and the gap recorded). */
  needs: ToolName[];
  /** Tools it uses when available and does without (recording the gap) when not. */
  optionalTools?: ToolName[];
  /** Per-run deadline in milliseconds. */
  timeoutMs: number;
  /** Whether this ticket calls for it, and why (the route records the reason). */
  appliesTo(
    ticket: TicketContext,
    tools: ToolMap["tools"],
    hints: RoutingHints,
  ): { applies: boolean; required: boolean; reason: string };
  /** The question it answers for this ticket. */
  question(ticket: TicketContext): string;
  run(input: SpecialistInput): Promise<RawSpecialistOutput>;
  /**
   * Whether this output would improve with an onset another specialist established;
   * if so, the pipeline asks again once with `input.onset` set.
   */
  wantsOnset?(output: RawSpecialistOutput, onset: EvidenceOnset): boolean;
}
