import {
  all,
  cleanDrain,
  crashLoops,
  dependencyRises,
  errorRises,
  exhaustedTasks,
  infraEventsAtOnset,
  LOOSE_RELEASE_MINUTES,
  latencyRises,
  memoryPressure,
  onsetOf,
  operationalChanges,
  overlappingProviderIncidents,
  poisonMessages,
  queueBacklog,
  RELEASE_WINDOW_MINUTES,
  releases,
  saturatedDependencies,
  saturatedQueues,
  series,
  TIGHT_RELEASE_MINUTES,
  unless,
  withoutDeploy,
  zonalSymptoms,
} from "./classifier-features.ts";
import { scaledOutUnderLoad } from "./classifier-features-capacity.ts";
import { capacitySaturations, independentDependencyRises } from "./classifier-features-drivers.ts";
import { sharedFailureWithoutRelease } from "./classifier-features-spread.ts";
import type { SignalIndex, TaggedSignal } from "./classifier-index.ts";
import type { Rule } from "./classifier-rule.ts";
import {
  dependencyMovedFirst,
  loadRoseWithSymptom,
  managedDependencyErrors,
} from "./classifier-rules-code-against.ts";

/**
 * Rules for and against infrastructure: a dependency or the platform at its limit, or
 * failing under us, with no change of ours to blame. The dependency must move first (its
 * onset at or before the symptom's) or be at its limit; a provider incident must cover
 * where our symptom is.
 */

/** Dependencies whose limit is not the service's own tasks' (compute and memory are). */
const OUTSIDE_THE_TASKS: ReadonlySet<string> = new Set(["database", "cache", "queue", "network"]);

/** User-visible symptoms: errors, latency, or work waiting in a queue. */
const symptoms = (i: SignalIndex): TaggedSignal[] => [
  ...errorRises(i),
  ...latencyRises(i),
  ...queueBacklog(i),
];
/**
 * Symptoms a dependency can explain: those above, and client errors (4xx) the service
 * answers because a dependency lost what it held (an evicted session answers 401). A 4xx
 * rise alone is no symptom (scanners, bots and clients make them); it counts only paired
 * with a dependency that moved no later.
 */
const dependencySymptoms = (i: SignalIndex): TaggedSignal[] => [
  ...symptoms(i),
  ...series(i, ["errors_4xx"], ["rise"]),
];
/** `d` began no later than `s` (within the larger uncertainty); undated pairs pass. */
const leads = (d: TaggedSignal, s: TaggedSignal) => {
  const a = onsetOf(d);
  const b = onsetOf(s);
  if (a === undefined || b === undefined) return true;
  return a.at <= b.at + Math.max(a.uncertainty, b.uncertainty) * 60_000;
};
/**
 * A dependency series that rose no later than the symptom it explains (undated pairs
 * pass), unless a release drove its load (classifier-features-drivers.ts).
 */
const dependencyLeads = (i: SignalIndex): TaggedSignal[] => {
  const deps = independentDependencyRises(i);
  const after = dependencySymptoms(i);
  const paired = deps.filter((d) => after.some((s) => leads(d, s)));
  return paired.length > 0
    ? [...paired, ...after.filter((s) => paired.some((d) => leads(d, s)))]
    : [];
};
/**
 * Infra events at the onset whose own resource changed within {@link TIGHT_RELEASE_MINUTES}
 * after them (or by the series' uncertainty before), with those series: the event visibly
 * disturbed what it hit.
 */
const eventResourceMoved = (i: SignalIndex): TaggedSignal[] => {
  const events = infraEventsAtOnset(i).filter((e) => e.signal.resource !== undefined);
  const moved = i.of("series_change").filter((s) => s.signal.direction !== "flat");
  const hit = (e: (typeof events)[number], s: (typeof moved)[number]) => {
    if (s.signal.scope?.resource !== e.signal.resource) return false;
    const at = onsetOf(s);
    if (at === undefined) return false;
    const minutes = (at.at - Date.parse(e.signal.at)) / 60_000;
    return minutes >= -Math.max(at.uncertainty, 1) && minutes <= TIGHT_RELEASE_MINUTES;
  };
  const pairs = events.filter((e) => moved.some((s) => hit(e, s)));
  return pairs.length > 0 ? [...pairs, ...moved.filter((s) => pairs.some((e) => hit(e, s)))] : [];
};
/**
 * Load, then the dependency, then the symptom: request volume rose before every dated
 * symptom by more than the onsets' uncertainty, and a dependency series rose no earlier
 * than the load and no later than the symptom. The extra requests drove the dependency
 * to where it failed the service (capacity). The order is what tells it from a retry
 * storm, where clients retry a failing release and the load follows the errors; and a
 * correlated release that changed a file in the failing stack can itself load the
 * dependency, so it blocks the rule.
 */
const loadDrivesDependency = (i: SignalIndex): TaggedSignal[] => {
  if (releases(i).some((r) => r.signal.diffTouchesStack === true)) return [];
  const dated = dependencySymptoms(i).filter((s) => onsetOf(s) !== undefined);
  if (dated.length === 0) return [];
  const slack = (a: { uncertainty: number }, b: { uncertainty: number }) =>
    Math.max(a.uncertainty, b.uncertainty) * 60_000;
  const beforeAll = (t: TaggedSignal) => {
    const a = onsetOf(t)!;
    return dated.every((s) => {
      const b = onsetOf(s)!;
      return a.at < b.at - slack(a, b);
    });
  };
  const loads = series(i, ["requests"], ["rise"]).filter(
    (l) => onsetOf(l) !== undefined && beforeAll(l),
  );
  const driven = dependencyRises(i).filter((d) => {
    const o = onsetOf(d);
    if (o === undefined) return false;
    const afterLoad = loads.some((l) => {
      const a = onsetOf(l)!;
      return o.at >= a.at - slack(a, o);
    });
    const noLater = dated.some((s) => {
      const b = onsetOf(s)!;
      return o.at <= b.at + slack(o, b);
    });
    return afterLoad && noLater;
  });
  return loads.length > 0 && driven.length > 0 ? [...loads, ...driven, ...dated] : [];
};
const crashUnderPressure = (i: SignalIndex) =>
  unless(i.of("release_correlation"), all(crashLoops(i), memoryPressure(i)));
/** Symptom series scoped to zones that all lie inside an overlapping provider incident's zones. */
const incidentZoneSymptoms = (i: SignalIndex): TaggedSignal[] => {
  const incidents = overlappingProviderIncidents(i).filter(
    (t) => (t.signal.zones ?? []).length > 0,
  );
  const scoped = [
    ...errorRises(i),
    ...latencyRises(i),
    ...series(i, ["unhealthy_hosts"], ["rise"]),
  ].filter((t) => t.signal.kind === "series_change" && (t.signal.scope?.zones ?? []).length > 0);
  const inside = (s: TaggedSignal, p: (typeof incidents)[number]) =>
    s.signal.kind === "series_change" &&
    (s.signal.scope?.zones ?? []).every((z) => (p.signal.zones ?? []).includes(z));
  const matched = scoped.filter((s) => incidents.some((p) => inside(s, p)));
  return matched.length > 0
    ? [...incidents.filter((p) => matched.some((s) => inside(s, p))), ...matched]
    : [];
};

export const INFRA_RULES: readonly Rule[] = [
  {
    id: "infra.queue_saturated",
    class: "infra",
    effect: "supports",
    points: 35,
    explanation: "queue age is over its alarm threshold",
    match: saturatedQueues,
  },
  {
    id: "infra.capacity_exhausted",
    class: "infra",
    effect: "supports",
    points: 25,
    explanation: "tasks are below desired or scaled to their ceiling",
    match: exhaustedTasks,
  },
  {
    id: "infra.dependency_saturated",
    class: "infra",
    effect: "supports",
    points: 35,
    explanation:
      "a dependency (database, cache, queue, compute, memory, network) is at 90% or more of its limit, and no release drove its load (its climb did not begin within a correlated release's rollout with request volume flat until then)",
    match: capacitySaturations,
  },
  {
    id: "infra.dependency_leads_symptom",
    class: "infra",
    effect: "supports",
    points: 25,
    explanation:
      "a dependency series (connections, CPU, memory, evictions, cache misses, throttles, concurrency; or free memory or cached items dropping) moved no later than the errors, latency or queue backlog: the dependency moved first (not counted when its climb began within a correlated release's rollout with request volume flat until then: the release loaded it)",
    match: dependencyLeads,
  },
  {
    id: "infra.managed_dependency_failing",
    class: "infra",
    effect: "supports",
    points: 25,
    explanation:
      "a managed service the service calls (object storage) answered its own server errors from no later than the symptom while the requests sent to it did not rise: it failed under us, not under our load (not counted when a correlated release changed a file in the failing stack)",
    match: managedDependencyErrors,
  },
  {
    id: "infra.provider_incident_overlaps",
    class: "infra",
    effect: "supports",
    points: 50,
    explanation:
      "an open cloud-provider incident covers the region, zones or component our symptom is in, and began no later than an hour after our onset",
    match: overlappingProviderIncidents,
  },
  {
    id: "infra.symptom_in_incident_zones",
    class: "infra",
    effect: "supports",
    points: 15,
    explanation: "the symptom is confined to zones the provider's incident covers",
    match: incidentZoneSymptoms,
  },
  {
    id: "infra.zonal_symptom",
    class: "infra",
    effect: "supports",
    points: 50,
    explanation:
      "errors, latency or unhealthy hosts rose in some availability zones while the same measure stayed flat in the others: code runs the same in every zone, so the zone's infrastructure is failing (whether or not the provider has posted an incident yet)",
    match: zonalSymptoms,
  },
  {
    id: "infra.shared_failure_across_services",
    class: "infra",
    effect: "supports",
    points: 50,
    explanation:
      "the symptom rose on two or more services at one onset (their alarms or Sentry projects, not the ticket's words) with no release correlating, no flag flipped and no vendor implicated: services that share no release do not fail together by chance, so a dependency they share (database, gateway, certificate, DNS, network) is failing",
    match: sharedFailureWithoutRelease,
  },
  {
    id: "infra.hosts_unhealthy_in_zone",
    class: "infra",
    effect: "supports",
    points: 15,
    explanation:
      "hosts fail their load balancer health checks in the affected zone: the instances or their network are down, not one request path",
    match: (i) =>
      zonalSymptoms(i).filter(
        (t) => t.signal.measure === "unhealthy_hosts" && t.signal.direction === "rise",
      ),
  },
  {
    id: "infra.crash_under_memory_pressure",
    class: "infra",
    effect: "supports",
    points: 30,
    explanation:
      "tasks crash-loop while memory or compute is saturated and no release correlates: the host is out of room, not the build broken",
    match: crashUnderPressure,
  },
  {
    id: "infra.queue_drains_cleanly",
    class: "infra",
    effect: "supports",
    points: 10,
    explanation:
      "the queue backs up while every message is received once and deleted (no repeats, empty dead-letter queue): consumers are too slow, not failing",
    match: (i) => all(queueBacklog(i), cleanDrain(i)),
  },
  {
    id: "infra.after_operational_change",
    class: "infra",
    effect: "supports",
    points: 20,
    explanation: `a configuration, infrastructure or scaling change came within ${RELEASE_WINDOW_MINUTES} min before the onset of a symptom`,
    match: (i) => all(operationalChanges(i), [...symptoms(i), ...saturatedDependencies(i)]),
  },
  {
    id: "infra.infra_event_at_onset",
    class: "infra",
    effect: "supports",
    points: 35,
    explanation: `an infrastructure event (failover, node replacement, maintenance, scaling) came within ${TIGHT_RELEASE_MINUTES} min before the onset: the platform changed under the service as the symptom began`,
    match: (i) => all(infraEventsAtOnset(i), [...symptoms(i), ...saturatedDependencies(i)]),
  },
  {
    id: "infra.event_disturbed_its_resource",
    class: "infra",
    effect: "supports",
    points: 20,
    explanation: `the resource an infrastructure event at the onset hit (the database that failed over, the cache whose node was replaced) shows a change of its own within ${TIGHT_RELEASE_MINUTES} min of the event: the event visibly disturbed the dependency the service reads`,
    match: (i) => all(eventResourceMoved(i), symptoms(i)),
  },
  {
    id: "infra.load_surge",
    class: "infra",
    effect: "supports",
    points: 20,
    explanation:
      "request volume rose together with the symptom: load beyond capacity, not a change in the code",
    match: (i) => all(series(i, ["requests"], ["rise"]), symptoms(i)),
  },
  {
    id: "infra.load_drives_dependency",
    class: "infra",
    effect: "supports",
    points: 25,
    explanation:
      "request volume rose first, a dependency (connections, CPU, memory) rose after it, and errors or latency followed: the extra load drove the dependency past what the service can use (capacity), in the order a retry storm after a bad release does not show (not counted when a correlated release changed a file in the failing stack)",
    match: loadDrivesDependency,
  },
  {
    id: "infra.scaled_out_under_load",
    class: "infra",
    effect: "supports",
    points: 50,
    explanation:
      "request volume rose, the autoscaler raised the desired task count and the new tasks are starting, while the 5xx rate and latency stayed flat: capacity working as designed (the alarm is the scale-out's trigger), not a defect",
    match: scaledOutUnderLoad,
  },
  {
    id: "infra.without_deploy",
    class: "infra",
    effect: "supports",
    points: 20,
    explanation: "infrastructure symptoms with no deploy in the window: not a regression",
    match: (i) =>
      withoutDeploy(
        i,
        saturatedQueues(i),
        exhaustedTasks(i),
        saturatedDependencies(i),
        dependencyRises(i),
        overlappingProviderIncidents(i),
        zonalSymptoms(i),
        sharedFailureWithoutRelease(i),
      ),
  },
  {
    id: "infra.release_correlated",
    class: "infra",
    effect: "refutes",
    points: 25,
    explanation: `a release within ${LOOSE_RELEASE_MINUTES} min before the onset correlates with the symptom: a regression is likelier than capacity (a release long before the onset does not count against infrastructure, nor does one when the load rose with the symptom, a dependency moved first, or a managed service answered its own errors on flat load)`,
    match: (i) =>
      loadRoseWithSymptom(i).length > 0 ||
      dependencyMovedFirst(i).length > 0 ||
      managedDependencyErrors(i).length > 0
        ? []
        : i
            .of("release_correlation")
            .filter((r) => r.signal.firstSeenAfterDeployMinutes <= LOOSE_RELEASE_MINUTES),
  },
  {
    id: "infra.tasks_have_headroom",
    class: "infra",
    effect: "refutes",
    points: 25,
    explanation:
      "all desired tasks are healthy and below their ceiling (not counted against a dependency outside the tasks, a database, cache, queue or network at its limit, or a managed service answering its own errors: healthy tasks say nothing about it)",
    match: (i) =>
      unless(
        [
          ...capacitySaturations(i).filter((t) => OUTSIDE_THE_TASKS.has(t.signal.dependency)),
          ...managedDependencyErrors(i),
        ],
        i
          .of("task_health")
          .filter(
            (t) =>
              t.signal.healthy >= t.signal.desired &&
              (t.signal.max === undefined || t.signal.desired < t.signal.max),
          ),
      ),
  },
  {
    id: "infra.queue_within_threshold",
    class: "infra",
    effect: "refutes",
    points: 20,
    explanation: "queue age is within its alarm threshold",
    match: (i) => i.of("queue_saturation").filter((t) => t.signal.ageSeconds <= t.signal.threshold),
  },
  {
    id: "infra.poison_not_capacity",
    class: "infra",
    effect: "refutes",
    points: 30,
    explanation:
      "messages fail repeatedly or land in the dead-letter queue: they are failing, not waiting, and more capacity would not drain them",
    match: poisonMessages,
  },
];
