import {
  correlatedVendorErrors,
  errorRises,
  latencyRises,
  onsetOf,
  overlappingProviderIncidents,
  releases,
  series,
  serviceOf,
  zonalSymptoms,
} from "./classifier-features.ts";
import {
  contestedDependencies,
  independentDependencyRises,
  releaseDrivenDependencies,
} from "./classifier-features-drivers.ts";
import { loadPrecedesWithoutStrain } from "./classifier-features-load.ts";
import type { SignalIndex, TaggedSignal } from "./classifier-index.ts";
import type { Rule } from "./classifier-rule.ts";

/**
 * Competing explanations that argue against a code defect even when a release is near:
 * the failing requests implicate a vendor, the load rose with the symptom, or a
 * dependency moved before it. A release close to the onset earns a regression many points
 * (order, proximity, steady controls); without these rules a deploy that happened to land
 * just before a vendor outage, a traffic surge or a dependency fault would pass the gate.
 * Each is weaker than the strongest supporting rule (one alone does not reject code) but
 * takes a borderline regression under the gate's floor.
 */

const MINUTE = 60_000;
type Tagged = TaggedSignal;

/** User-visible symptoms a competing cause must lead or coincide with. */
const symptoms = (i: SignalIndex): Tagged[] => [...errorRises(i), ...latencyRises(i)];

/** `a` began no later than `b` (within the larger uncertainty); undated pairs pass. */
function noLaterThan(a: Tagged, b: Tagged): boolean {
  const x = onsetOf(a);
  const y = onsetOf(b);
  if (x === undefined || y === undefined) return true;
  return x.at <= y.at + Math.max(x.uncertainty, y.uncertainty) * MINUTE;
}

/** `a` began before `b` by more than the larger uncertainty; undated pairs do not. */
function strictlyBefore(a: Tagged, b: Tagged): boolean {
  const x = onsetOf(a);
  const y = onsetOf(b);
  if (x === undefined || y === undefined) return false;
  return x.at < y.at - Math.max(x.uncertainty, y.uncertainty) * MINUTE;
}

/** Resource named by a series' scope, when it names one. */
const resourceOf = (t: Tagged): string | undefined =>
  t.signal.kind === "series_change" ? t.signal.scope?.resource : undefined;

/**
 * A release-driven climb `r` can have moved `d`: the same resource (a cache it filled then
 * evicts), or both on the same stated service (the store behind that cache takes its misses).
 */
function reachedBy(r: Tagged, d: Tagged): boolean {
  const resource = resourceOf(r);
  if (resource !== undefined && resource === resourceOf(d)) return true;
  const service = serviceOf(r);
  return service !== undefined && service === serviceOf(d);
}

/** The `causes` paired with a symptom they precede by `order`, with those symptoms. */
function leading(
  causes: Tagged[],
  effects: Tagged[],
  order: (a: Tagged, b: Tagged) => boolean,
): Tagged[] {
  const paired = causes.filter((c) => effects.some((e) => order(c, e)));
  return paired.length > 0
    ? [...paired, ...effects.filter((e) => paired.some((c) => order(c, e)))]
    : [];
}

/**
 * A dependency series that moved before a symptom, or before the release it is blamed
 * on, by more than the onsets' uncertainty. Only a dated, strict lead counts: a release
 * can itself load a dependency (a heavier query, a cache key change) as the symptom
 * begins, so moving together is not evidence against the release; nor is moving first
 * when the release changed a file in the failing stack.
 */
export function dependencyMovedFirst(i: SignalIndex): Tagged[] {
  // A dependency whose climb began within a correlated release's rollout, with the load
  // flat until then, was moved by the release: it leads the symptom as the release's effect.
  // One that began moving only after such a climb was under way did not move first either:
  // the release's effect did (a cache it filled evicts, the store behind it takes the misses).
  // So with a climb a provider incident contests: the incident, not the dependency, led.
  // Only a later rise the climb can reach is excused: the same resource, or one on the
  // same stated service (an unstated service ties nothing to the climb).
  const driven = [...releaseDrivenDependencies(i), ...contestedDependencies(i)];
  const afterDriven = (d: Tagged) => driven.some((r) => reachedBy(r, d) && strictlyBefore(r, d));
  const deps = independentDependencyRises(i).filter((d) => !afterDriven(d));
  // A release whose diff is in the failing stack can itself move the dependency first (a
  // leaked connection per request fills the pool before requests fail).
  const releaseInStack = releases(i).some((r) => r.signal.diffTouchesStack === true);
  const beforeSymptom = releaseInStack ? [] : leading(deps, symptoms(i), strictlyBefore);
  if (beforeSymptom.length > 0) return beforeSymptom;
  const beforeRelease = deps.filter((d) => {
    const o = onsetOf(d);
    return (
      o !== undefined &&
      releases(i).some((r) => o.at < Date.parse(r.signal.deployedAt) - o.uncertainty * MINUTE)
    );
  });
  return beforeRelease.length > 0 ? [...beforeRelease, ...releases(i)] : [];
}

/**
 * Request volume rose no later than a symptom: more load, not different code. When the
 * symptom is dated (a change point), its undated encodings (a 5xx rate over a window) do
 * not pair on their own: they describe the same rise, and "undated passes" would let load
 * that followed the errors (clients retrying a failure) pass for load that caused them.
 * A load ramp begun long before an error step, with errors per request jumping and
 * nothing a surge strains moving, does not pair either (`classifier-features-load.ts`).
 */
export const loadRoseWithSymptom = (i: SignalIndex): Tagged[] => {
  const all = symptoms(i);
  const dated = all.filter((s) => onsetOf(s) !== undefined);
  const explains = (load: Tagged, symptom: Tagged) =>
    noLaterThan(load, symptom) && !loadPrecedesWithoutStrain(i, load, symptom);
  return leading(series(i, ["requests"], ["rise"]), dated.length > 0 ? dated : all, explains);
};

/**
 * A managed service the service calls (object storage) answered its own server errors
 * from no later than the symptom, while the requests sent to it did not rise: it failed
 * under us, not under our load, and our errors are its errors passed on. Not counted when
 * a correlated release changed a file in the failing stack: a changed call can be what
 * the service now rejects.
 */
export const managedDependencyErrors = (i: SignalIndex): Tagged[] => {
  if (releases(i).some((r) => r.signal.diffTouchesStack === true)) return [];
  const loaded = new Set(series(i, ["requests"], ["rise"]).map((t) => t.signal.scope?.resource));
  const failing = series(i, ["dependency_errors"], ["rise"]).filter(
    (d) => !loaded.has(d.signal.scope?.resource),
  );
  return leading(failing, symptoms(i), noLaterThan);
};

/**
 * Failing requests carry a vendor's marks (its hosts, error types, correlation IDs),
 * unless a correlated release changed a file in the failing stack: then the code that
 * calls the vendor changed, and the vendor's marks do not clear it.
 */
export const vendorImplicated = (i: SignalIndex): Tagged[] =>
  releases(i).some((r) => r.signal.diffTouchesStack === true) ? [] : correlatedVendorErrors(i);

/**
 * An open cloud-provider incident on what the service runs on (its compute, its load
 * balancer, a database or cache it uses, in its region and zones) that began no later
 * than the first symptom, within that onset's uncertainty (or either time unknown): the
 * platform was failing before our symptom showed, so it explains the symptom whatever
 * release came near. A release can turn a slow dependency into errors (a new timeout),
 * and nothing in the order tells which one to undo: a human settles it.
 */
export const providerIncidentBeforeOnset = (i: SignalIndex): Tagged[] => {
  const dated = symptoms(i)
    .map(onsetOf)
    .filter((o) => o !== undefined);
  const latest =
    dated.length > 0 ? Math.min(...dated.map((o) => o.at + o.uncertainty * MINUTE)) : undefined;
  return overlappingProviderIncidents(i).filter(
    (t) =>
      t.signal.startedAt === undefined ||
      latest === undefined ||
      Date.parse(t.signal.startedAt) <= latest,
  );
};

/**
 * Rules naming a competing explanation. Their points alone cannot outweigh a regression's
 * many corroborating rules (the score is capped after the sum), so the gate also refuses a
 * code change while any of them fires: a live alternative cause is for a human to rule out.
 */
export const COMPETING_EXPLANATION_RULES: ReadonlySet<string> = new Set([
  "code.vendor_implicated",
  "code.load_rose_with_symptom",
  "code.dependency_moved_first",
  "code.managed_dependency_failing",
  // A release that also needs missing configuration (classifier-rules-code-config.ts).
  "code.release_partly_needs_missing_config",
  "code.provider_incident_before_onset",
]);

/**
 * A symptom confined to some zones (risen there, flat in the others) while every
 * correlated release had finished rolling out before it began: the same code runs in
 * every zone, so the release does not explain a zone's failure. A release still rolling
 * out at the onset may be in one zone only (a canary), and is not ruled out.
 */
function confinedToZone(i: SignalIndex): Tagged[] {
  const zonal = zonalSymptoms(i);
  const risen = zonal.filter((t) => t.signal.direction === "rise");
  if (risen.length === 0) return [];
  const began = Math.min(...risen.map((t) => onsetOf(t)?.at ?? Number.POSITIVE_INFINITY));
  if (!Number.isFinite(began)) return [];
  const rolling = releases(i).some((r) => Date.parse(r.signal.deployedAt) >= began);
  return rolling ? [] : zonal;
}

export const CODE_AGAINST_RULES: readonly Rule[] = [
  {
    id: "code.symptom_confined_to_zone",
    class: "code_defect",
    effect: "refutes",
    points: 40,
    explanation:
      "the symptom rose in some availability zones and stayed flat in the others, after every correlated release had finished rolling out everywhere: the same code runs in every zone, so a release does not explain one zone failing",
    match: confinedToZone,
  },
  {
    id: "code.vendor_implicated",
    class: "code_defect",
    effect: "refutes",
    points: 30,
    explanation:
      "the failing requests carry a vendor's hosts, error types or correlation IDs (whether or not its status page has posted an incident): the vendor is a live explanation (not counted when the correlated release changed a file in the failing stack)",
    match: vendorImplicated,
  },
  {
    id: "code.managed_dependency_failing",
    class: "code_defect",
    effect: "refutes",
    points: 30,
    explanation:
      "a managed service the service calls (object storage) answered its own server errors from no later than the symptom while the requests sent to it did not rise: its failure explains ours as well as a release does (not counted when the correlated release changed a file in the failing stack)",
    match: managedDependencyErrors,
  },
  {
    id: "code.provider_incident_before_onset",
    class: "code_defect",
    effect: "refutes",
    points: 10,
    explanation:
      "an open cloud-provider incident on what the service runs on (its compute, load balancer, or a database or cache it uses, in its region and zones) began before or at the symptom's onset: the platform failing under the service explains the symptom as well as a release does, and a human rules one out (a rollback, the incident's end) before a code change",
    match: providerIncidentBeforeOnset,
  },
  {
    id: "code.load_rose_with_symptom",
    class: "code_defect",
    effect: "refutes",
    points: 30,
    explanation:
      "request volume rose before or together with the errors or latency: a traffic surge explains the symptom as well as a release does (not a load ramp begun long before an error step, with errors per request jumping and nothing a surge strains moving)",
    match: loadRoseWithSymptom,
  },
  {
    id: "code.dependency_moved_first",
    class: "code_defect",
    effect: "refutes",
    points: 25,
    explanation:
      "a dependency series (connections, CPU, memory, evictions, cache misses, bytes per cached item; free memory or cached items dropping) moved before the release, or before the symptom (unless the correlated release changed a file in the failing stack), by more than the onsets' uncertainty: the dependency changed first (moving together with the symptom does not count: a release can load a dependency; nor does moving after a climb the release drove had begun: the release's effect moved first)",
    match: dependencyMovedFirst,
  },
];
