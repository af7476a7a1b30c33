import { DEFAULT_ONSET_UNCERTAINTY_MINUTES } from "./classifier-features.ts";
import { type SignalIndex, sameOrUnstated, type TaggedSignal } from "./classifier-index.ts";
import type { Conflict } from "./classifier-schema.ts";
import { SYMPTOM_MEASURES } from "./run-onset.ts";
import type { ServiceResolution } from "./service-resolution.ts";
import type { SignalKind, SignalOf } from "./signals.ts";

/**
 * Pairs of signals that cannot both be true of the same subject. When specialists
 * disagree like this the classifier does not pick a side: it records the conflict, and
 * the classifier marks one material when it touches evidence the leading hypothesis rests
 * on, and a material conflict stops the gate.
 */
interface Contradiction<A extends SignalKind, B extends SignalKind> {
  a: A;
  b: B;
  /** The shared subject, or undefined when the pair does not concern the same thing. */
  subject(
    a: TaggedSignal<A>["signal"],
    b: TaggedSignal<B>["signal"],
    i: SignalIndex,
  ): string | undefined;
  /**
   * Material whatever the leading hypothesis rests on: the pair disputes which code runs,
   * so no conclusion about the code (nor its absence) is safe until a human settles it.
   */
  material?: true;
}

const contradiction = <A extends SignalKind, B extends SignalKind>(c: Contradiction<A, B>) => c;

/**
 * A rollout takes minutes, and the recorded deploy time may be its end: when the rollout's
 * start is not known, a symptom that began within this many minutes before the recorded
 * time may be the rollout itself, not an earlier start.
 */
export const ROLLOUT_SLACK_MINUTES = 15;

const seriesWhere = (s: SignalOf<"series_change">) =>
  [s.service, s.scope?.resource, s.scope?.route].filter(Boolean).join(" ");

/**
 * Onset order: a symptom series rose before the release blamed for it was deployed
 * (beyond the onset's uncertainty and the rollout slack), so that release did not start it.
 */
function onsetBeforeRelease(
  r: SignalOf<"release_correlation">,
  s: SignalOf<"series_change">,
): string | undefined {
  if (s.direction !== "rise" || !s.onset || !SYMPTOM_MEASURES.has(s.measure)) return undefined;
  if (!sameOrUnstated(r.service, s.service)) return undefined;
  // Against the rollout's start when known, else against the recorded time less the slack.
  const deployed = r.deployStartedAt
    ? Date.parse(r.deployStartedAt)
    : Date.parse(r.deployedAt) - ROLLOUT_SLACK_MINUTES * 60_000;
  if (Date.parse(s.onset) + (s.onsetUncertaintyMinutes ?? 0) * 60_000 >= deployed) return undefined;
  const where = seriesWhere(s);
  return `onset order: ${s.measure}${where ? ` of ${where}` : ""} rose at ${s.onset}, before release ${r.release} was deployed (${r.deployStartedAt ?? r.deployedAt})`;
}

/**
 * Competing causes: a correlated release and an active incident of a vendor whose IDs
 * the failing requests carry, the incident already under way when the symptom began (or
 * within the rollout slack after). Each explains the symptom; the data do not separate
 * them, so neither may be blamed until a test (a rollback, the vendor's answer) does.
 */
function releaseAndVendorIncident(
  r: SignalOf<"release_correlation">,
  v: SignalOf<"vendor_incident">,
  i: SignalIndex,
): string | undefined {
  if (v.status === "resolved") return undefined;
  const implicated = i
    .of("vendor_error_correlation")
    .some((t) => t.signal.vendor === v.vendor && t.signal.correlatedRequests > 0);
  if (!implicated) return undefined;
  const onset = Date.parse(r.deployedAt) + r.firstSeenAfterDeployMinutes * 60_000;
  if (v.startedAt && Date.parse(v.startedAt) > onset + ROLLOUT_SLACK_MINUTES * 60_000) {
    return undefined;
  }
  return `cause: release ${r.release} and ${v.vendor}'s incident${v.startedAt ? ` (since ${v.startedAt})` : ""} both explain the symptom, and the failing requests carry ${v.vendor} IDs`;
}

const bareVersion = (v: string) => v.replace(/^.*@/, "").replace(/^v/i, "");

/** GitHub deployment states of a rollout that began and did not complete. */
const FAILED_DEPLOY_STATES = new Set(["failure", "error"]);

/**
 * Tasks of the replaced release drain for minutes after a rollback reports steady state
 * (a load balancer's deregistration delay defaults to 300 s), and the error tracker
 * ingests with a lag: events tagged with the failed release this long after its
 * replacement finished are still the replacement's.
 */
export const ATTRIBUTION_DRAIN_MINUTES = 10;

/**
 * Release attribution: the error tracker tags the failing events with a release whose
 * deployment failed, in an event seen well after the deployment records say other code
 * replaced it. Either the tracker's release tag is wrong (the running code reports a
 * release it is not) or the records are; which code throws is undecided, so no fix to
 * either release may be drafted.
 */
function attributedToSupersededRelease(
  a: SignalOf<"release_attribution">,
  d: SignalOf<"change_event">,
): string | undefined {
  if (d.change !== "deploy" || !d.state || !FAILED_DEPLOY_STATES.has(d.state)) return undefined;
  if (!d.supersededAt || !sameOrUnstated(a.service, d.service)) return undefined;
  if (bareVersion(a.release) !== bareVersion(d.ref)) return undefined;
  const drained = Date.parse(d.supersededAt) + ATTRIBUTION_DRAIN_MINUTES * 60_000;
  if (!(Date.parse(a.seenAt) > drained)) return undefined;
  return `release attribution: the error tracker tags the failing events with ${a.release} (seen ${a.seenAt}), but its deployment ended in ${d.state} and other code has run since ${d.supersededAt} per the deployment records`;
}

const overlaps = (a: readonly string[], b: readonly string[]) =>
  a.length === 0 || b.length === 0 || a.some((x) => b.includes(x));

const CONTRADICTIONS = [
  contradiction({
    a: "error_rate_rise",
    b: "no_5xx_rise",
    subject: (a, b) =>
      a.service === b.service && a.to > a.from ? `5xx rate of ${a.service}` : undefined,
  }),
  contradiction({
    a: "release_correlation",
    b: "deploy_absent",
    subject: (a, b) =>
      sameOrUnstated(a.service, b.service)
        ? `deploys${(a.service ?? b.service) ? ` of ${a.service ?? b.service}` : ""}`
        : undefined,
  }),
  contradiction({
    a: "vendor_incident",
    b: "vendor_operational",
    subject: (a, b) =>
      a.vendor === b.vendor && a.status !== "resolved" ? `status of ${a.vendor}` : undefined,
  }),
  contradiction({
    a: "stale_derived_rows",
    b: "derived_rows_consistent",
    subject: (a, b) =>
      a.table === b.table && a.staleCount > 0 ? `derived rows of ${a.table}` : undefined,
  }),
  contradiction({
    a: "release_correlation",
    b: "series_change",
    subject: onsetBeforeRelease,
  }),
  contradiction({
    a: "release_correlation",
    b: "vendor_incident",
    subject: releaseAndVendorIncident,
  }),
  contradiction({
    a: "impact_scope",
    b: "impact_scope",
    subject: (a, b) =>
      a.routes === "one" && b.routes === "all" && overlaps(a.services, b.services)
        ? `scope: one route vs all routes${a.services.length ? ` of ${a.services.join(", ")}` : ""}`
        : undefined,
  }),
  contradiction({
    a: "new_exception",
    b: "impact_scope",
    subject: (a, b) =>
      b.routes === "all"
        ? `scope: the exception is confined to ${a.path}, the symptom is on all routes${b.services.length ? ` of ${b.services.join(", ")}` : ""}`
        : undefined,
  }),
  contradiction({
    a: "release_attribution",
    b: "change_event",
    subject: attributedToSupersededRelease,
    material: true,
  }),
  contradiction({
    a: "reproduction",
    b: "reproduction",
    subject: (a, b) =>
      a.path === b.path && a.reproduced && !b.reproduced ? `reproduction of ${a.path}` : undefined,
  }),
];

export interface Contradicting {
  subject: string;
  a: TaggedSignal;
  b: TaggedSignal;
  /** Material whatever the leading hypothesis rests on ({@link Contradiction.material}). */
  material?: true;
}

/** The checks {@link findContradictions} runs, named for the bundle's "conflicts checked". */
export const CONFLICT_CHECKS = [
  { id: "5xx_rate", pair: "error_rate_rise × no_5xx_rise", subjectPrefix: "5xx rate" },
  { id: "deploys", pair: "release_correlation × deploy_absent", subjectPrefix: "deploys" },
  { id: "vendor_status", pair: "vendor_incident × vendor_operational", subjectPrefix: "status" },
  {
    id: "derived_rows",
    pair: "stale_derived_rows × derived_rows_consistent",
    subjectPrefix: "derived rows",
  },
  {
    id: "onset_order",
    pair: "release_correlation × series_change, reported_cause × change_event (deploy)",
    subjectPrefix: "onset order",
  },
  {
    id: "cause",
    pair: "release_correlation × vendor_incident (with vendor_error_correlation)",
    subjectPrefix: "cause",
  },
  {
    id: "scope",
    pair: "impact_scope × impact_scope, new_exception × impact_scope",
    subjectPrefix: "scope",
  },
  { id: "reproduction", pair: "reproduction × reproduction", subjectPrefix: "reproduction" },
  {
    id: "release_attribution",
    pair: "release_attribution × change_event (failed deploy)",
    subjectPrefix: "release attribution",
  },
  { id: "service_identity", pair: "service resolution sources", subjectPrefix: "service identity" },
] as const;

/**
 * Service identity: the resolution's sources name different services (the ticket's label
 * or project vs the linked Sentry issue's project vs the catalogued repository or AWS
 * resource). Material: the evidence may describe another service than the ticket's, so no
 * conclusion is safe until a human says which. Without a resolution (the input is
 * optional), or when only the ticket's text names services, nothing is checked. One
 * conflict per service disputing the decided one.
 */
export function identityConflicts(resolution: ServiceResolution | undefined): Conflict[] {
  const votes = (resolution?.mismatch?.votes ?? resolution?.sources ?? []).filter(
    (v) => v.service !== undefined,
  );
  // Free text never decides a service, so text alone cannot dispute one: a ticket that
  // names several services and links none is a question of spread (impact_scope), not
  // of identity.
  if (!votes.some((v) => v.source !== "ticket_text")) return [];
  const first =
    votes.find((v) => v.service === resolution?.service && v.source === resolution?.decidedBy) ??
    votes.find((v) => v.service === resolution?.service) ??
    votes[0];
  if (!first) return [];
  const ref = (v: (typeof votes)[number]) => ({
    specialistId: "ticket",
    signalKind: "service_resolution",
    sourceRef: `${v.source}:${v.service}`,
    summary: `${v.detail} → service ${v.service}`,
  });
  const seen = new Set([first.service]);
  const conflicts: Conflict[] = [];
  for (const other of votes) {
    if (seen.has(other.service)) continue;
    seen.add(other.service);
    conflicts.push({
      subject: `service identity: ${first.source.replaceAll("_", " ")} names ${first.service}, ${other.source.replaceAll("_", " ")} names ${other.service}`,
      between: [ref(first), ref(other)],
      // Recorded, and its scope's stricter policy and kill switch apply (scopeOf), but a
      // name typed in the ticket does not stop the run: anyone who can write a ticket
      // could otherwise veto any conclusion. Structured sources that disagree do.
      material: other.source !== "ticket_text" && first.source !== "ticket_text",
    });
  }
  return conflicts;
}

/** Every contradicting pair of signals in the evidence, in a fixed order. */
export function findContradictions(i: SignalIndex): Contradicting[] {
  const conflicts: Contradicting[] = [];
  for (const c of CONTRADICTIONS) {
    const check = c as Contradiction<SignalKind, SignalKind>;
    for (const a of i.of(check.a)) {
      for (const b of i.of(check.b)) {
        const subject = check.subject(a.signal, b.signal, i);
        if (subject === undefined) continue;
        conflicts.push({ subject, a, b, ...(check.material ? { material: true as const } : {}) });
      }
    }
  }
  return conflicts;
}

/**
 * The ticket's claim against the telemetry: the ticket blames a release (the version it
 * names, or any deploy when it names none), and that release reached production after
 * the symptom had begun (beyond the onset's uncertainty). A claim is not evidence, so the
 * conflict is recorded and shown, never material: typing a cause into a ticket must not
 * veto a conclusion. When no hypothesis survives, the gate names it (a human settles what
 * did change at the onset).
 */
export function reportedCauseContradictions(i: SignalIndex): Contradicting[] {
  const out: Contradicting[] = [];
  const lateDeploys = i
    .of("change_event")
    .filter(
      (t) =>
        t.signal.change === "deploy" &&
        t.signal.minutesBeforeOnset !== undefined &&
        t.signal.minutesBeforeOnset < -DEFAULT_ONSET_UNCERTAINTY_MINUTES,
    );
  for (const claim of i.of("reported_cause")) {
    const named = claim.signal.release;
    const late = named
      ? lateDeploys.find((t) => bareVersion(t.signal.ref) === bareVersion(named))
      : i.of("release_correlation").length === 0
        ? lateDeploys[0]
        : undefined;
    if (late === undefined) continue;
    const minutes = -(late.signal.minutesBeforeOnset ?? 0);
    out.push({
      subject: `onset order: the ticket blames ${named ? `release ${named}` : "a deploy"}, but ${late.signal.ref} was deployed at ${late.signal.at}, ${minutes} min after the symptom began`,
      a: claim,
      b: late,
    });
  }
  return out;
}
