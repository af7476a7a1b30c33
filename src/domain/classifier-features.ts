import { type SignalIndex, sameOrUnstated, type TaggedSignal } from "./classifier-index.ts";
import type { SeriesMeasure } from "./signals.ts";

/**
 * Features the classifier's rules are written over, each computed from the general
 * evidence vocabulary (signals.ts) whatever source emitted it: "the server errors rose",
 * "this symptom began after that release", "a dependency is at its limit", "most failing
 * requests are not from users". A feature accepts every encoding of the same fact (the
 * older story-shaped kinds and `series_change`), so a rule fires once per fact, not once
 * per source. Every bound below is general, with its reason; none names a scenario.
 */

/** A symptom counts as release-correlated when it began within this many minutes of it. */
export const RELEASE_WINDOW_MINUTES = 180;
/** Onset uncertainty assumed when a series does not state one: one 5-minute sampling period. */
export const DEFAULT_ONSET_UNCERTAINTY_MINUTES = 5;
/** A dependency at or above this share of its known limit is saturated (the usual alarm level). */
export const SATURATION_LOAD = 0.9;
/** Failing requests "mostly" come from an origin when its share reaches this. */
export const MAJORITY_SHARE = 0.5;
/**
 * An exception first seen this many days before the classification predates a weekly
 * release train: it was not introduced by the releases near today's symptom.
 */
export const LONG_STANDING_DAYS = 7;
/**
 * Provider and vendor status pages post an incident after its real start; one posted up
 * to this many minutes after our onset still overlaps it. Posted later than that, our
 * symptom began first and the incident cannot be its cause.
 */
export const STATUS_POSTING_LAG_MINUTES = 60;

const MINUTE = 60_000;
type Tagged = TaggedSignal;
type Series = TaggedSignal<"series_change">;

const LATENCY_MEASURES: readonly SeriesMeasure[] = ["latency_p50", "latency_p99"];
/** Measures of what the service depends on, as opposed to the symptom users see. */
const DEPENDENCY_MEASURES: readonly SeriesMeasure[] = [
  "connections",
  "cpu",
  "memory",
  "evictions",
  "throttles",
  "concurrency",
  "cache_misses",
  "cache_item_bytes",
  "dependency_latency",
];
/**
 * Dependency measures where a drop, not a rise, is pressure: memory still free, items a
 * cache holds (an emptied cache sends every read to what is behind it).
 */
const HEADROOM_MEASURES: readonly SeriesMeasure[] = ["free_memory", "cache_items"];
const QUEUE_MEASURES: readonly SeriesMeasure[] = ["queue_age", "queue_depth"];

export const series = (
  i: SignalIndex,
  measures: readonly SeriesMeasure[],
  directions: readonly ("rise" | "drop" | "flat")[],
): Series[] =>
  i
    .of("series_change")
    .filter((t) => measures.includes(t.signal.measure) && directions.includes(t.signal.direction));

export const all = (...groups: Tagged[][]): Tagged[] =>
  groups.every((g) => g.length > 0) ? groups.flat() : [];
export const unless = <T extends Tagged>(blocker: Tagged[], evidence: T[]): T[] =>
  blocker.length > 0 ? [] : evidence;
/** The `as` and `bs` that pair with at least one of the other list, or none if no pair does. */
export const matchedPairs = <A extends Tagged, B extends Tagged>(
  as: A[],
  bs: B[],
  pairs: (a: A, b: B) => boolean,
): Tagged[] =>
  all(
    as.filter((a) => bs.some((b) => pairs(a, b))),
    bs.filter((b) => as.some((a) => pairs(a, b))),
  );

/** The service a signal is about, when it says. */
export function serviceOf(t: Tagged): string | undefined {
  const s = t.signal as { service?: unknown };
  return typeof s.service === "string" ? s.service : undefined;
}

/** A dated signal's onset in ms and its uncertainty in minutes, when it has one. */
export function onsetOf(t: Tagged): { at: number; uncertainty: number } | undefined {
  const s = t.signal;
  const at =
    s.kind === "series_change" || s.kind === "crash_loop" || s.kind === "dependency_saturation"
      ? s.onset
      : undefined;
  if (at === undefined) return undefined;
  const uncertainty =
    s.kind === "series_change"
      ? (s.onsetUncertaintyMinutes ?? DEFAULT_ONSET_UNCERTAINTY_MINUTES)
      : DEFAULT_ONSET_UNCERTAINTY_MINUTES;
  return { at: Date.parse(at), uncertainty };
}

// --- symptoms -------------------------------------------------------------------------

/** The server's 5xx rate rose (a load balancer metric, or a 5xx series). */
export const serverErrorRises = (i: SignalIndex): Tagged[] => [
  ...i.of("error_rate_rise").filter((t) => t.signal.to > t.signal.from),
  ...series(i, ["errors_5xx"], ["rise"]),
];
/** Server errors or error events (Sentry event stats, error logs) rose. */
export const errorRises = (i: SignalIndex): Tagged[] => [
  ...serverErrorRises(i),
  ...series(i, ["error_events"], ["rise"]),
];
export const latencyRises = (i: SignalIndex): Series[] => series(i, LATENCY_MEASURES, ["rise"]);
/**
 * Negative control: the whole service's 5xx rate was read over the window and did not
 * rise. A zone-scoped flat series is not one: it is flat in that zone only, and is the
 * contrast of a zonal symptom (the errors may have risen in another zone).
 */
export const flatServerErrors = (i: SignalIndex): Tagged[] => [
  ...i.of("no_5xx_rise"),
  ...series(i, ["errors_5xx"], ["flat", "drop"]).filter(
    (t) => (t.signal.scope?.zones ?? []).length === 0,
  ),
];
/** Negative control for a long-standing defect: its error rate did not change. */
export const flatErrors = (i: SignalIndex): Tagged[] => [
  ...flatServerErrors(i),
  ...series(i, ["error_events"], ["flat", "drop"]),
];
/** The earliest dated onset of a user-visible symptom (errors or latency), in ms. */
export function symptomOnset(i: SignalIndex): number | undefined {
  const onsets = [...errorRises(i), ...latencyRises(i)]
    .map(onsetOf)
    .filter((o) => o !== undefined)
    .map((o) => o.at);
  return onsets.length > 0 ? Math.min(...onsets) : undefined;
}

// --- changes --------------------------------------------------------------------------

export const releases = (i: SignalIndex) =>
  i
    .of("release_correlation")
    .filter((r) => r.signal.firstSeenAfterDeployMinutes <= RELEASE_WINDOW_MINUTES);

/**
 * The symptom began after the release (within the window), or is undated and the release
 * correlation itself vouches for the order; both concern the same service or one is unstated.
 */
export function beganAfter(symptom: Tagged, release: TaggedSignal<"release_correlation">): boolean {
  if (!sameOrUnstated(serviceOf(symptom), release.signal.service)) return false;
  const onset = onsetOf(symptom);
  if (onset === undefined) return true;
  const deployed = Date.parse(release.signal.deployedAt);
  const slack = onset.uncertainty * MINUTE;
  return onset.at >= deployed - slack && onset.at - deployed <= RELEASE_WINDOW_MINUTES * MINUTE;
}

/** The symptom's dated onset precedes the release by more than the onset's uncertainty. */
export function beganBefore(
  symptom: Tagged,
  release: TaggedSignal<"release_correlation">,
): boolean {
  if (!sameOrUnstated(serviceOf(symptom), release.signal.service)) return false;
  const onset = onsetOf(symptom);
  if (onset === undefined) return false;
  return onset.at < Date.parse(release.signal.deployedAt) - onset.uncertainty * MINUTE;
}

/** A change other than a release that came before the onset, within the release window. */
const changesBeforeOnset = (i: SignalIndex, kinds: readonly string[]) =>
  i
    .of("change_event")
    .filter(
      (t) =>
        kinds.includes(t.signal.change) &&
        t.signal.minutesBeforeOnset !== undefined &&
        t.signal.minutesBeforeOnset >= 0 &&
        t.signal.minutesBeforeOnset <= RELEASE_WINDOW_MINUTES,
    );
/** A feature flag changed shortly before the onset: it changed which code runs. */
export const flagChanges = (i: SignalIndex) => changesBeforeOnset(i, ["flag"]);
/** Configuration, infrastructure or scaling changed shortly before the onset. */
export const operationalChanges = (i: SignalIndex) =>
  changesBeforeOnset(i, ["config", "infra", "scaling"]);

// --- dependencies and capacity -------------------------------------------------------

export const saturatedQueues = (i: SignalIndex) =>
  i.of("queue_saturation").filter((t) => t.signal.ageSeconds > t.signal.threshold);
export const queueBacklog = (i: SignalIndex): Tagged[] => [
  ...saturatedQueues(i),
  ...series(i, QUEUE_MEASURES, ["rise"]),
];
export const exhaustedTasks = (i: SignalIndex) =>
  i
    .of("task_health")
    .filter(
      (t) =>
        t.signal.healthy < t.signal.desired ||
        (t.signal.max !== undefined && t.signal.desired >= t.signal.max),
    );
/** A dependency of ours (not a vendor's quota) at or near its limit. */
export const saturatedDependencies = (i: SignalIndex) =>
  i
    .of("dependency_saturation")
    .filter(
      (t) =>
        t.signal.dependency !== "vendor" &&
        (t.signal.limit === undefined || t.signal.value >= SATURATION_LOAD * t.signal.limit),
    );
/** A vendor's quota or rate limit reached by our calls. */
export const vendorQuotaExhausted = (i: SignalIndex) =>
  i
    .of("dependency_saturation")
    .filter(
      (t) =>
        t.signal.dependency === "vendor" &&
        (t.signal.limit === undefined || t.signal.value >= SATURATION_LOAD * t.signal.limit),
    );
/** A dependency's load rose (or its headroom dropped). */
export const dependencyRises = (i: SignalIndex): Series[] => [
  ...series(i, DEPENDENCY_MEASURES, ["rise"]),
  ...series(i, HEADROOM_MEASURES, ["drop"]),
];
/** Negative control: a dependency series was read and did not change. */
export const flatDependencies = (i: SignalIndex): Series[] =>
  series(i, [...DEPENDENCY_MEASURES, ...HEADROOM_MEASURES], ["flat"]);
export const memoryPressure = (i: SignalIndex) =>
  saturatedDependencies(i).filter(
    (t) => t.signal.dependency === "memory" || t.signal.dependency === "compute",
  );

export const crashLoops = (i: SignalIndex) =>
  i.of("crash_loop").filter((t) => t.signal.restarts > 0);
export const outOfMemoryLoops = (i: SignalIndex) =>
  crashLoops(i).filter((t) => t.signal.reason === "out_of_memory");

/**
 * The same messages fail again and again: repeated receives or a growing dead-letter
 * queue, counted only while nothing else explains redeliveries. During a dependency or
 * vendor outage every message is redelivered and dead-lettered while the consumer is
 * fine: so not while a dependency is saturated or rising, an infrastructure event came at
 * the onset, a provider incident overlaps, the failing requests implicate a vendor, or
 * the queue's deletes dropped (the consumer stopped handling the other messages too).
 */
export const poisonMessages = (i: SignalIndex): Tagged[] =>
  unless(
    [
      ...saturatedDependencies(i),
      ...dependencyRises(i),
      ...infraEventsAtOnset(i),
      ...overlappingProviderIncidents(i),
      ...correlatedVendorErrors(i),
      ...series(i, ["messages_deleted"], ["drop"]),
    ],
    [
      ...i
        .of("poison_message")
        .filter((t) => t.signal.repeatedReceives > 0 || (t.signal.dlqDepth ?? 0) > 0),
      ...series(i, ["dlq_depth"], ["rise"]),
    ],
  );
/** Negative control: messages are received once and deleted; nothing reaches the DLQ. */
export const cleanDrain = (i: SignalIndex): Tagged[] => [
  ...i
    .of("poison_message")
    .filter((t) => t.signal.repeatedReceives === 0 && (t.signal.dlqDepth ?? 0) === 0),
  ...series(i, ["dlq_depth"], ["flat"]),
];

// --- providers and vendors -----------------------------------------------------------

/** Started no later than the posting lag after our onset (or either time unknown). */
function overlapsOnset(startedAt: string | undefined, onset: number | undefined): boolean {
  if (startedAt === undefined || onset === undefined) return true;
  return Date.parse(startedAt) <= onset + STATUS_POSTING_LAG_MINUTES * MINUTE;
}

/** An open provider incident in the region, zones or component our symptom is in. */
export const overlappingProviderIncidents = (i: SignalIndex) => {
  const onset = symptomOnset(i);
  return i
    .of("provider_incident")
    .filter(
      (t) =>
        t.signal.overlapsUs &&
        t.signal.status !== "resolved" &&
        overlapsOnset(t.signal.startedAt, onset),
    );
};

/** Vendors our failing requests implicate (their correlation IDs, hosts or error types). */
export const implicatedVendors = (i: SignalIndex): Set<string> =>
  new Set(
    i
      .of("vendor_error_correlation")
      .filter((t) => t.signal.correlatedRequests > 0)
      .map((t) => t.signal.vendor),
  );
/** A vendor counts when the errors implicate it, or when no errors implicate any vendor. */
const concernsUs = (i: SignalIndex) => {
  const implicated = implicatedVendors(i);
  return (vendor: string) => implicated.size === 0 || implicated.has(vendor);
};
export const activeVendorIncidents = (i: SignalIndex) => {
  const counts = concernsUs(i);
  return i
    .of("vendor_incident")
    .filter((t) => t.signal.status !== "resolved" && counts(t.signal.vendor));
};
export const correlatedVendorErrors = (i: SignalIndex) =>
  i.of("vendor_error_correlation").filter((t) => t.signal.correlatedRequests > 0);
/**
 * Our telemetry isolates the vendor: as its calls failed, the same client reached other
 * hosts (2xx), or its other calls to the vendor's own host answered.
 */
export const isolatedVendorErrors = (i: SignalIndex) =>
  correlatedVendorErrors(i).filter(
    (t) => (t.signal.otherHostsHealthy ?? 0) > 0 || (t.signal.sameHostAnswered ?? 0) > 0,
  );
/**
 * The implicated vendor's status is green (another vendor's green status says nothing),
 * unless our telemetry isolates it: status pages post incidents late.
 */
export const implicatedVendorOperational = (i: SignalIndex) => {
  const counts = concernsUs(i);
  const isolated = new Set(isolatedVendorErrors(i).map((t) => t.signal.vendor));
  return i
    .of("vendor_operational")
    .filter((t) => counts(t.signal.vendor) && !isolated.has(t.signal.vendor));
};
/** A vendor incident that started after our symptom had already begun (beyond posting lag). */
export const vendorIncidentsAfterOnset = (i: SignalIndex) => {
  const onset = symptomOnset(i);
  return activeVendorIncidents(i).filter((t) => !overlapsOnset(t.signal.startedAt, onset));
};

// --- traffic --------------------------------------------------------------------------

const NON_USER_ORIGINS = new Set(["synthetic", "bots", "health_checks"]);
/** Synthetic checks, bots and health checks together make up most failing requests. */
export function nonUserMajority(i: SignalIndex) {
  const nonUser = i.of("traffic_origin").filter((t) => NON_USER_ORIGINS.has(t.signal.origin));
  const share = nonUser.reduce((s, t) => s + t.signal.share, 0);
  return share >= MAJORITY_SHARE ? nonUser.filter((t) => t.signal.share > 0) : [];
}
/** Real users make up most failing requests. */
export const userMajority = (i: SignalIndex) =>
  i
    .of("traffic_origin")
    .filter((t) => t.signal.origin === "users" && t.signal.share >= MAJORITY_SHARE);
export const clientAborts = (i: SignalIndex) =>
  i.of("client_aborts").filter((t) => t.signal.count > 0);

// --- defects that are not regressions -------------------------------------------------

/** A release within this many minutes before the onset is tight: rollout reaches traffic within it. */
export const TIGHT_RELEASE_MINUTES = 15;
/**
 * A regression shows as soon as traffic reaches the new code; a symptom beginning more
 * than this many minutes after the release is weakly tied to it.
 */
export const LOOSE_RELEASE_MINUTES = 60;

/** Exceptions first seen {@link LONG_STANDING_DAYS} or more before `now`. */
export const longStandingExceptions = (i: SignalIndex) =>
  i.now === undefined
    ? []
    : i
        .of("new_exception")
        .filter(
          (t) =>
            (i.now as Date).getTime() - Date.parse(t.signal.firstSeen) >=
            LONG_STANDING_DAYS * 24 * 60 * MINUTE,
        );

/** "No deploy in the window" while any of `symptoms` is present, unless a release correlates. */
export const withoutDeploy = (i: SignalIndex, ...symptoms: Tagged[][]): Tagged[] =>
  symptoms.some((s) => s.length > 0)
    ? unless(i.of("release_correlation"), i.of("deploy_absent"))
    : [];

/** Exceptions the code caught and recovered from. */
export const handledExceptions = (i: SignalIndex) =>
  i.of("new_exception").filter((t) => t.signal.handled === true);
/** Every reported exception was handled (and there is at least one). */
export const onlyHandledExceptions = (i: SignalIndex) => {
  const all = i.of("new_exception");
  return all.length > 0 && all.every((t) => t.signal.handled === true) ? all : [];
};

/**
 * A symptom (errors, latency, unhealthy hosts) that rose in some availability zones while
 * the same measure of the same resource stayed flat in others: the rising series and the
 * flat ones that make the contrast. Code runs the same in every zone, so a zonal
 * difference points at the zone's infrastructure.
 */
export function zonalSymptoms(i: SignalIndex): Series[] {
  const measures: readonly SeriesMeasure[] = [
    "errors_5xx",
    "latency_p50",
    "latency_p99",
    "unhealthy_hosts",
  ];
  const zoned = (dirs: readonly ("rise" | "drop" | "flat")[]) =>
    series(i, measures, dirs).filter((t) => (t.signal.scope?.zones ?? []).length > 0);
  const same = (a: Series, b: Series) =>
    a.signal.measure === b.signal.measure &&
    sameOrUnstated(a.signal.scope?.resource, b.signal.scope?.resource) &&
    sameOrUnstated(a.signal.service, b.signal.service) &&
    !(a.signal.scope?.zones ?? []).some((z) => (b.signal.scope?.zones ?? []).includes(z));
  const rises = zoned(["rise"]);
  const flats = zoned(["flat"]);
  const paired = rises.filter((r) => flats.some((f) => same(r, f)));
  return paired.length > 0
    ? [...paired, ...flats.filter((f) => paired.some((r) => same(r, f)))]
    : [];
}

/**
 * An infrastructure event (failover, node replacement, maintenance, scaling) within
 * {@link TIGHT_RELEASE_MINUTES} before the onset, or within the onset's default
 * uncertainty after it: the platform changed under the service as the symptom began.
 */
export const infraEventsAtOnset = (i: SignalIndex) =>
  i
    .of("change_event")
    .filter(
      (t) =>
        (t.signal.change === "infra" || t.signal.change === "scaling") &&
        t.signal.minutesBeforeOnset !== undefined &&
        t.signal.minutesBeforeOnset >= -DEFAULT_ONSET_UNCERTAINTY_MINUTES &&
        t.signal.minutesBeforeOnset <= TIGHT_RELEASE_MINUTES,
    );
