import {
  type ChangePoint,
  type ChangePointOptions,
  detectChangePoint,
  type Sample,
} from "../../src/domain/change-point.ts";
import type { SeriesSpec } from "./measures.ts";

/** CPU and memory percentages have a limit of 100. */
export const PERCENT_LIMIT = 100;

/**
 * How sensitive the aws specialist's change detection is, per kind of measure: the bounds
 * it gives detectChangePoint, the headroom rule for shares of a limit, and where a climb
 * that pins at its limit began. Pure.
 */

/**
 * detectChangePoint's bounds for CloudWatch series, besides each measure's smallest step
 * (measures.ts): a change of one pooled standard deviation is enough, because an incident
 * is often a spike that decays (a cold cache warming, a dependency recovering) and the
 * decay widens the spread after the onset; five samples on each side keep one or two
 * noisy minutes at either end of the window from passing as a change (a rise in the last
 * minutes is still caught by the 5xx check's fixed halves).
 */
export const CHANGE_OPTIONS = { minEffect: 1, minSegment: 5 } as const;
/**
 * detectChangePoint's relative bound per kind of measure (its default, ×1.5 or ÷2, for
 * the others). Request volume: 0.3, a sustained change to 1/0.7 of the level before: the
 * sum of many independent clients' requests varies little from minute to minute, so a
 * rise this large is new load, and it is the rise that takes a service held at a 70% utilisation
 * target (a common target-tracking setting) to its full capacity, so it is what drives
 * CPU and autoscaling. A share of a limit (a `%` unit: CPU, memory): 0.25, a little
 * below the request volume's, because utilisation is an idle base plus a part that
 * grows with load, and the base damps the ratio of the same change in load. A share of a
 * limit is also read against the room left below its limit ({@link takesHeadroom}).
 * Running tasks: 0.25, a quarter of the tasks: the scheduler holds the count at its
 * desired value, so it does not wander, and losing a quarter of a service's tasks (4 of 8
 * that crash at boot, with the rest of the window wobbling by one as replacements start
 * and die) is a drop, which the default ÷2 reads as flat. Bytes per cached item: 0.1, a
 * tenth: it is the mean over every entry a cache holds (often millions), which moves only
 * when what an entry holds changes (a field added to a cached document) or the mix of
 * keys does, so a lasting shift of a tenth is a change, where ×1.5 would miss a document
 * grown by a quarter.
 */
export const RELATIVE_CHANGE = {
  requests: 0.3,
  percent: 0.25,
  tasks: 0.25,
  itemSize: 0.1,
} as const;

/** The relative bound for one spec: see {@link RELATIVE_CHANGE}. */
export function relativeChangeOf(spec: Pick<SeriesSpec, "measure" | "unit">): number | undefined {
  if (spec.measure === "requests") return RELATIVE_CHANGE.requests;
  if (spec.measure === "running_tasks") return RELATIVE_CHANGE.tasks;
  if (spec.measure === "cache_item_bytes") return RELATIVE_CHANGE.itemSize;
  if (spec.unit === "%") return RELATIVE_CHANGE.percent;
  return undefined;
}

/**
 * A share of a limit that rose by at least this share of the room it had left below
 * 100% changed, whatever the ratio: one more rise of the same size reaches the limit,
 * where a task is killed out of memory or its CPU is throttled. The ratio alone reads a
 * climb near the top as flat (each point is a small part of a large level) while the
 * same points near the bottom count, the opposite of the risk.
 */
export const HEADROOM_SHARE = 0.5;
/**
 * ...and by at least a tenth of the whole range (ten points, the smallest step the `%`
 * specs count: measures.ts): close to the limit, half the room left is a few points, which
 * a steady workload's utilisation wobbles by (garbage collection, the request mix).
 */
export const HEADROOM_MIN_POINTS = 10;

/** A rise from `before` to `after` (percent of a limit) that took a large part of the room left. */
export function takesHeadroom(before: number, after: number): boolean {
  const room = PERCENT_LIMIT - before;
  const gained = after - before;
  return room > 0 && gained >= HEADROOM_MIN_POINTS && gained / room >= HEADROOM_SHARE;
}

/**
 * The change point of a share of a limit: detectChangePoint's, or, when that reads flat,
 * a rise that passes every bound but the relative one and {@link takesHeadroom}. Both
 * rules keep the absolute and effect-size bounds, so noise stays flat either way.
 */
export function detectPercentChange(
  samples: readonly Sample[],
  options: ChangePointOptions,
): ChangePoint {
  const found = detectChangePoint(samples, options);
  if (found.direction !== "flat") return found;
  const loose = detectChangePoint(samples, {
    ...options,
    minRelativeChange: 0,
    minAbsoluteChange: Math.max(options.minAbsoluteChange ?? 0, HEADROOM_MIN_POINTS),
  });
  return loose.direction === "rise" && takesHeadroom(loose.before, loose.after) ? loose : found;
}

/**
 * A series that climbs into a limit cannot rise past it (a share at 100%, connections at
 * the database's maximum, a pool at its size): the series is flat, a ramp, then a plateau
 * at the limit, which the one-step model dates halfway up the climb. When the samples
 * before a step rise themselves end in a ramp in the same direction, the change began
 * where that climb left the baseline: the onset and the level before move there.
 * `detect` is the detector the series was read with (a share's headroom rule, or plain).
 */
export function climbStart(
  samples: readonly Sample[],
  cp: ChangePoint,
  options: ChangePointOptions,
  detect: (samples: readonly Sample[], options: ChangePointOptions) => ChangePoint,
): ChangePoint {
  if (cp.direction !== "rise" || cp.shape !== "step" || cp.onset === undefined) return cp;
  const head = samples.filter((s) => s.at < cp.onset!);
  const early = detect(head, options);
  if (early.direction !== "rise" || early.shape !== "ramp" || early.onset === undefined) return cp;
  return { ...cp, onset: early.onset, before: early.before, peak: Math.max(cp.peak, early.peak) };
}
