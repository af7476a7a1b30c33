import {
  crashLoops,
  dependencyRises,
  exhaustedTasks,
  latencyRises,
  onsetOf,
  queueBacklog,
  saturatedDependencies,
  series,
} from "./classifier-features.ts";
import type { SignalIndex, TaggedSignal } from "./classifier-index.ts";

/**
 * When rising request volume cannot be what produced an error step. Traffic explains errors
 * in two ways: it saturates something (latency, CPU, connections, a queue climb with it),
 * or it brings new requests that fail (a scanner, a client's bad batch), which fail from
 * their first minute. A load ramp under way long before the errors, with nothing it strains
 * moving, fits neither: the same requests kept arriving a little faster, and a larger share
 * of them began to fail at once. That is a per-request change (the code), not more load.
 */

const MINUTE = 60_000;
type Tagged = TaggedSignal;

/**
 * The load's rise must lead the errors by at least this much beyond the onsets' uncertainty:
 * new traffic that fails does so as it arrives, so a quarter-hour of rising load with no
 * errors says the arriving requests were not the failing kind.
 */
export const LOAD_LEAD_MINUTES = 15;

/**
 * The errors' growth must exceed the load's by this factor (errors per request at least
 * doubled): load alone, with nothing saturated, scales errors with it and no more.
 */
export const ERROR_SHARE_JUMP = 2;

/** Series and states a surge strains before it fails requests; any of them moving is strain. */
const strain = (i: SignalIndex): Tagged[] => [
  ...latencyRises(i),
  ...dependencyRises(i),
  ...saturatedDependencies(i),
  ...exhaustedTasks(i),
  ...queueBacklog(i),
  ...crashLoops(i),
];

/**
 * Controls read over the window that show the service was not strained: service-wide latency
 * or CPU that did not rise (a strain nobody measured is not absent).
 */
const unstrainedControls = (i: SignalIndex): Tagged[] =>
  series(i, ["latency_p50", "latency_p99", "cpu"], ["flat", "drop"]).filter(
    (t) => (t.signal.scope?.zones ?? []).length === 0,
  );

/** How many times over its level before the onset a series rose (unbounded from zero). */
function growth(t: Tagged): number {
  const s = t.signal;
  if (s.kind !== "series_change") return Number.NaN;
  if (s.before <= 0) return s.after > 0 ? Number.POSITIVE_INFINITY : 1;
  return s.after / s.before;
}

/**
 * True when `load` (a request-volume rise) cannot explain `symptom`: the symptom is a dated
 * error rise, the load began more than {@link LOAD_LEAD_MINUTES} before it, errors grew by
 * {@link ERROR_SHARE_JUMP} times the load's growth or more, and nothing a surge strains
 * moved while latency or CPU was read flat.
 */
export function loadPrecedesWithoutStrain(i: SignalIndex, load: Tagged, symptom: Tagged): boolean {
  const s = symptom.signal;
  if (s.kind !== "series_change" || s.measure === "latency_p50" || s.measure === "latency_p99") {
    return false;
  }
  const l = onsetOf(load);
  const e = onsetOf(symptom);
  if (l === undefined || e === undefined) return false;
  const margin = (LOAD_LEAD_MINUTES + Math.max(l.uncertainty, e.uncertainty)) * MINUTE;
  if (e.at - l.at < margin) return false;
  // Brand-new traffic (from zero) has no finite growth to compare: it may bring the errors.
  if (!Number.isFinite(growth(load))) return false;
  if (!(growth(symptom) >= ERROR_SHARE_JUMP * growth(load))) return false;
  return strain(i).length === 0 && unstrainedControls(i).length > 0;
}
