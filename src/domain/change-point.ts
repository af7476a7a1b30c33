/**
 * Change-point detection on one evenly sampled series: where did it change, from what to
 * what, and is the change real? Pure and deterministic, so every specialist dates an onset
 * the same way whatever source the series came from (CloudWatch, Sentry event stats, log
 * counts, queue age), and the classifier can compare onsets across sources.
 *
 * Method: the single mean-shift split that minimises the summed squared error of the two
 * segments (binary segmentation, one step, O(n)). The split is accepted when the two means
 * differ by at least `minRelativeChange` of the larger one, by at least `minAbsoluteChange`,
 * and by more than `minEffect` pooled standard deviations, so a noisy flat series is
 * "flat", and a step from 0 to 3 errors per minute is a rise. Hand-written: the usual
 * libraries (e.g. changepoint, ruptures) are R or Python; this is 60 lines.
 */

export interface Sample {
  /** Epoch milliseconds. */
  at: number;
  value: number;
}

export interface ChangePoint {
  direction: "rise" | "drop" | "flat";
  /** Mean of the segment before the onset (the whole series when flat). */
  before: number;
  /** Mean of the segment from the onset on (the whole series when flat). */
  after: number;
  /** Time of the first sample of the changed segment; absent when flat. */
  onset?: number;
  /** Half the sampling period, at least: the onset lies within ± this many ms. */
  uncertaintyMs?: number;
  /** Largest value seen after the onset (or in the series when flat). */
  peak: number;
}

export interface ChangePointOptions {
  /** Smallest |after − before| / max(before, after) that counts (default 0.5: ×1.5 or ÷2). */
  minRelativeChange?: number;
  /** Smallest |after − before| that counts, in the series' unit (default 1). */
  minAbsoluteChange?: number;
  /** Smallest |after − before| in pooled standard deviations (default 2). */
  minEffect?: number;
  /** Fewest samples on each side of a split (default 2). */
  minSegment?: number;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / (xs.length || 1);

/** Finds the one change point of `series` (sorted by time here), or reports it flat. */
export function detectChangePoint(
  series: readonly Sample[],
  options: ChangePointOptions = {},
): ChangePoint {
  const minRelative = options.minRelativeChange ?? 0.5;
  const minAbsolute = options.minAbsoluteChange ?? 1;
  const minEffect = options.minEffect ?? 2;
  const minSegment = Math.max(1, options.minSegment ?? 2);
  const points = [...series].filter((p) => Number.isFinite(p.value)).sort((a, b) => a.at - b.at);
  const values = points.map((p) => p.value);
  const overall = mean(values);
  const flat: ChangePoint = {
    direction: "flat",
    before: overall,
    after: overall,
    peak: values.length ? Math.max(...values) : 0,
  };
  if (points.length < minSegment * 2) return flat;

  // Prefix sums make each candidate split's squared error O(1).
  const sum = [0];
  const sq = [0];
  for (const v of values) {
    sum.push(sum.at(-1)! + v);
    sq.push(sq.at(-1)! + v * v);
  }
  const sse = (from: number, to: number) => {
    const n = to - from;
    const s = sum[to]! - sum[from]!;
    return sq[to]! - sq[from]! - (s * s) / n;
  };
  let best = -1;
  let bestCost = Number.POSITIVE_INFINITY;
  for (let k = minSegment; k <= values.length - minSegment; k += 1) {
    const cost = sse(0, k) + sse(k, values.length);
    if (cost < bestCost - 1e-9) {
      bestCost = cost;
      best = k;
    }
  }
  if (best < 0) return flat;
  const before = mean(values.slice(0, best));
  const after = mean(values.slice(best));
  const delta = Math.abs(after - before);
  const pooledSd = Math.sqrt(bestCost / Math.max(1, values.length - 2));
  const relative = delta / Math.max(Math.abs(before), Math.abs(after), Number.EPSILON);
  const real =
    delta >= minAbsolute &&
    relative >= minRelative &&
    (pooledSd === 0 || delta / pooledSd >= minEffect);
  if (!real) return flat;
  const period = points.length > 1 ? (points.at(-1)!.at - points[0]!.at) / (points.length - 1) : 0;
  return {
    direction: after > before ? "rise" : "drop",
    before,
    after,
    onset: points[best]!.at,
    uncertaintyMs: Math.max(period / 2, 0),
    peak: Math.max(...values.slice(best)),
  };
}
