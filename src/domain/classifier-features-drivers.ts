import {
  dependencyRises,
  onsetOf,
  overlappingProviderIncidents,
  releases,
  saturatedDependencies,
  series,
  serviceOf,
  TIGHT_RELEASE_MINUTES,
} from "./classifier-features.ts";
import { type SignalIndex, sameOrUnstated, type TaggedSignal } from "./classifier-index.ts";

/**
 * What drove a dependency's load: our release or more traffic. A dependency at its limit
 * reads as capacity ("add room") only when the load came from outside; when its load
 * began rising as a release rolled out, with no rise in request volume before it, the
 * release put it there (a cache key that no longer expires, a query that reads more, a
 * boot that preloads everything) and more room would only delay the same failure. The
 * order is the evidence: the release first, the dependency's climb within the rollout's
 * reach, the requests flat until then.
 */

const MINUTE = 60_000;
type Tagged = TaggedSignal;

/**
 * The correlated releases (within the release window) a dependency's climb is tested
 * against. Not only those within `LOOSE_RELEASE_MINUTES` of the symptom: a release
 * that fills a cache or a pool starts the climb within its rollout and the symptom shows
 * only when the climb reaches the limit, hours later (the release specialist correlates it
 * through that precursor, src/domain/run-precursor.ts). The climb's onset within the
 * rollout is the test; a slow organic growth has no change point there.
 */
const nearReleases = (i: SignalIndex) => releases(i);

/**
 * `at` (ms, ± `uncertainty` minutes) lies between the release's rollout start and
 * {@link TIGHT_RELEASE_MINUTES} after it finished: traffic had reached the new code.
 */
function withinRollout(
  at: number,
  uncertainty: number,
  release: TaggedSignal<"release_correlation">,
): boolean {
  const started = Date.parse(release.signal.deployStartedAt ?? release.signal.deployedAt);
  const finished = Date.parse(release.signal.deployedAt);
  const slack = uncertainty * MINUTE;
  return at >= started - slack && at <= finished + TIGHT_RELEASE_MINUTES * MINUTE + slack;
}

/**
 * Dependency series whose load rose (connections, CPU, memory, evictions, cache misses,
 * throttles, concurrency) with a dated climb that began within a correlated release's rollout,
 * with no rise in request volume beginning at or before it. Empty without a release near
 * the onset, or when the load rose first (then traffic is a live driver), or when an
 * open provider incident on what the service runs on had begun by the climb's onset
 * ({@link contestedDependencies}).
 */
export function releaseDrivenDependencies(i: SignalIndex): TaggedSignal<"series_change">[] {
  return releaseDrivenClimbs(i).map((d) => d.dependency);
}

/**
 * Releases within whose rollout a dependency's load began climbing on flat traffic (see
 * {@link releaseDrivenDependencies}): the release is tied to the symptom through that
 * precursor however late the symptom showed.
 */
export function drivingReleases(i: SignalIndex): TaggedSignal<"release_correlation">[] {
  return [...new Set(releaseDrivenClimbs(i).flatMap((d) => d.releases))];
}

/** Each dependency climb a release drove, with the releases within whose rollout it began. */
export function releaseDrivenClimbs(i: SignalIndex): RolloutClimb[] {
  return rolloutClimbs(i).filter((c) => !c.contested);
}

/**
 * Dependency climbs that began within a correlated release's rollout on flat traffic
 * while an open provider incident on what the service runs on had already begun: either
 * moved the dependency, so the climb is neither the release's doing (it does not tie the
 * release to the symptom) nor a dependency failing on its own (it does not lead the
 * release as a competing cause: the incident itself is that, `code.provider_incident_before_onset`).
 */
export function contestedDependencies(i: SignalIndex): TaggedSignal<"series_change">[] {
  return rolloutClimbs(i)
    .filter((c) => c.contested)
    .map((c) => c.dependency);
}

interface RolloutClimb {
  dependency: TaggedSignal<"series_change">;
  releases: TaggedSignal<"release_correlation">[];
  /** An open provider incident on what the service runs on had begun by the climb's onset. */
  contested: boolean;
}

function rolloutClimbs(i: SignalIndex): RolloutClimb[] {
  const near = nearReleases(i);
  if (near.length === 0) return [];
  const loads = series(i, ["requests"], ["rise"]);
  const incidents = overlappingProviderIncidents(i);
  const platformFirst = (o: { at: number; uncertainty: number }) =>
    incidents.some(
      (t) =>
        t.signal.startedAt === undefined ||
        Date.parse(t.signal.startedAt) <= o.at + o.uncertainty * MINUTE,
    );
  // Rises of load only: a cache or free memory emptying at once is a loss of state (a
  // node replaced, a flush, a failover) as often as a release's doing, so it stays a
  // competing explanation. For the same reason a rise in bytes per item whose cache lost
  // items (or was gaining them before the step) is not a climb: the ratio moved with the count.
  const items = series(i, ["cache_items"], ["rise", "drop"]);
  return dependencyRises(i).flatMap((d) => {
    if (d.signal.direction !== "rise") return [];
    if (itemCountSkewed(d, items)) return [];
    const o = onsetOf(d);
    if (o === undefined) return [];
    const loadFirst = loads.some((l) => {
      const lo = onsetOf(l);
      return lo === undefined || lo.at <= o.at + Math.max(lo.uncertainty, o.uncertainty) * MINUTE;
    });
    if (loadFirst) return [];
    const releases = near.filter(
      (r) =>
        sameOrUnstated(serviceOf(d), r.signal.service) && withinRollout(o.at, o.uncertainty, r),
    );
    return releases.length > 0 ? [{ dependency: d, releases, contested: platformFirst(o) }] : [];
  });
}

/**
 * Whether a dependency signal's load was driven by a release: its own dated rise is one
 * of {@link releaseDrivenDependencies}, or it is a saturation of a resource whose load
 * began rising within the rollout, or a later rise of another measure of that resource
 * (evictions that start once the memory the release filled ran out are the release's too).
 */
export function isReleaseDriven(t: Tagged, driven: readonly Tagged[]): boolean {
  if (driven.includes(t)) return true;
  if (t.signal.kind === "dependency_saturation") {
    const resource = t.signal.resource;
    return driven.some(
      (d) => d.signal.kind === "series_change" && d.signal.scope?.resource === resource,
    );
  }
  if (t.signal.kind !== "series_change" || t.signal.direction !== "rise") return false;
  const resource = t.signal.scope?.resource;
  const o = onsetOf(t);
  if (resource === undefined || o === undefined) return false;
  return driven.some((d) => {
    const dOnset = onsetOf(d);
    return (
      d.signal.kind === "series_change" &&
      d.signal.scope?.resource === resource &&
      dOnset !== undefined &&
      dOnset.at <= o.at
    );
  });
}

/**
 * Climbs a release drove or may have driven (driven or contested): what a dependency did
 * on its own excludes them.
 */
const releaseTied = (i: SignalIndex) => [
  ...releaseDrivenDependencies(i),
  ...contestedDependencies(i),
];

/** Dependencies at their limit whose load a release did not (or may not have) drive(n): capacity candidates. */
export const capacitySaturations = (i: SignalIndex) => {
  const tied = releaseTied(i);
  return saturatedDependencies(i).filter((t) => !isReleaseDriven(t, tied));
};

/** Dependency rises no release drove or may have driven (see {@link contestedDependencies}). */
export const independentDependencyRises = (i: SignalIndex) => {
  const tied = releaseTied(i);
  return dependencyRises(i).filter((t) => !isReleaseDriven(t, tied));
};

/**
 * Caches whose bytes per item stepped up within a correlated release's rollout on flat
 * request volume (a climb {@link releaseDrivenClimbs} finds), with those releases, while
 * the items the same cache holds did not drop and did not begin rising before the step.
 * Every entry grew: only a change to what each entry holds does that (more keys or fewer
 * move the item count, not the size of each, and a cache losing items skews the ratio,
 * so a drop disqualifies it). The release loaded the cache whatever the traffic did
 * afterwards.
 */
export function releaseGrownEntries(i: SignalIndex): Tagged[] {
  // rolloutClimbs already drops steps whose item count skewed (itemCountSkewed).
  const grown = releaseDrivenClimbs(i).filter(
    ({ dependency: d }) => d.signal.measure === "cache_item_bytes",
  );
  return [...new Set(grown.flatMap((g) => [g.dependency, ...g.releases]))];
}

/**
 * A bytes-per-item rise (`cache_item_bytes`, bytes used ÷ items held) on a cache whose
 * item count dropped, or began rising before the step: fewer items (a flush, a node
 * replaced, a failover) or a changing mix of keys moves the ratio, not bigger entries.
 * Other measures are never skewed this way.
 */
function itemCountSkewed(
  d: TaggedSignal<"series_change">,
  items: readonly TaggedSignal<"series_change">[],
): boolean {
  if (d.signal.measure !== "cache_item_bytes") return false;
  const step = onsetOf(d);
  if (step === undefined) return false;
  return items.some((t) => {
    if (t.signal.scope?.resource !== d.signal.scope?.resource) return false;
    if (t.signal.direction === "drop") return true;
    const o = onsetOf(t);
    return o === undefined || o.at < step.at - Math.max(o.uncertainty, step.uncertainty) * MINUTE;
  });
}
