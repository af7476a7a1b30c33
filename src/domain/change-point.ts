/**
 * Change-point detection on one evenly sampled series: where did it change, from what to
 * what, and is the change real? Pure and deterministic, so every specialist dates an onset
 * the same way whatever source the series came from (CloudWatch, Sentry event stats, log
 * counts, queue age), and the classifier can compare onsets across sources.
 *
 * Method: three least-squares models of the series, the simplest that explains it wins.
 * (1) A step: the single mean-shift split that minimises the summed squared error of the
 * two segments (binary segmentation, one step, O(n)). (2) A ramp: flat, then a straight
 * line from the split on (memory leaking, a backlog building, connections piling up); it
 * replaces the step when it leaves well under the step's error ({@link RAMP_GAIN}), and
 * dates the onset where the climb began, not halfway up it. (3) A transient: a segment
 * that left the baseline and came back (a dip that recovered, a burst that ended); it
 * replaces the step when the series after it is back near the level before it, and dates
 * the onset where it left (a one-split model would put a "rise" at the recovery), when it
 * leaves at most {@link MODEL_GAIN} of the step's error. A change
 * is accepted when before and after differ by at least `minRelativeChange` of the larger
 * one, by at least `minAbsoluteChange`, and by more than `minEffect` pooled standard
 * deviations, so a noisy flat series is "flat", and a step from 0 to 3 errors per minute
 * is a rise. Hand-written: the usual libraries (e.g. changepoint, ruptures) are R or
 * Python.
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
  /** Which model dated the change: a step, a ramp (`after` is the level it climbed to), or a transient. */
  shape?: "step" | "ramp" | "transient";
  /** A transient: the first sample back near the level before it. */
  endedAt?: number;
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

/**
 * A ramp or a transient replaces the step only when its squared error is at most this
 * share of the step's: a plain step is fitted about as well by either, so it stays a step.
 */
export const MODEL_GAIN = 0.6;
/** A ramp has two more parameters than a level: it must do better still to be preferred. */
export const RAMP_GAIN = 0.4;
/** A transient has ended when the level after it is within this share of its own change. */
const RECOVERED_SHARE = 0.5;

/** Prefix sums of a series so each segment's fits are O(1). */
function prefixes(values: readonly number[]) {
  const s = [0];
  const q = [0];
  const t = [0];
  const tt = [0];
  const tv = [0];
  values.forEach((v, i) => {
    s.push(s.at(-1)! + v);
    q.push(q.at(-1)! + v * v);
    t.push(t.at(-1)! + i);
    tt.push(tt.at(-1)! + i * i);
    tv.push(tv.at(-1)! + i * v);
  });
  /** Squared error of [from, to) around its mean. */
  const sse = (from: number, to: number) => {
    const n = to - from;
    const sum = s[to]! - s[from]!;
    return Math.max(0, q[to]! - q[from]! - (sum * sum) / n);
  };
  /** Least-squares line through [from, to): its squared error and its value at `to - 1`. */
  const line = (from: number, to: number) => {
    const n = to - from;
    const sv = s[to]! - s[from]!;
    const st = t[to]! - t[from]!;
    const stt = tt[to]! - tt[from]!;
    const stv = tv[to]! - tv[from]!;
    const vart = stt - (st * st) / n;
    const slope = vart > 0 ? (stv - (st * sv) / n) / vart : 0;
    const intercept = (sv - slope * st) / n;
    const err = q[to]! - q[from]! - (sv * sv) / n - slope * (stv - (st * sv) / n);
    return { sse: Math.max(0, err), end: intercept + slope * (to - 1), slope };
  };
  const avg = (from: number, to: number) => (s[to]! - s[from]!) / (to - from);
  return { sse, line, avg };
}

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

  const { sse, line, avg } = prefixes(values);
  const n = values.length;
  let best = -1;
  let bestCost = Number.POSITIVE_INFINITY;
  for (let k = minSegment; k <= n - minSegment; k += 1) {
    const cost = sse(0, k) + sse(k, n);
    if (cost < bestCost - 1e-9) {
      bestCost = cost;
      best = k;
    }
  }
  if (best < 0) return flat;
  const isReal = (before: number, after: number, cost: number, params: number) => {
    const delta = Math.abs(after - before);
    const pooledSd = Math.sqrt(cost / Math.max(1, n - params));
    const relative = delta / Math.max(Math.abs(before), Math.abs(after), Number.EPSILON);
    return (
      delta >= minAbsolute &&
      relative >= minRelative &&
      (pooledSd === 0 || delta / pooledSd >= minEffect)
    );
  };
  const period = points.length > 1 ? (points.at(-1)!.at - points[0]!.at) / (points.length - 1) : 0;
  const changed = (
    before: number,
    after: number,
    at: number,
    peakTo: number,
    shape: ChangePoint["shape"],
    endedAt?: number,
  ): ChangePoint => ({
    direction: after > before ? "rise" : "drop",
    before,
    after,
    onset: points[at]!.at,
    uncertaintyMs: Math.max(period / 2, 0),
    peak: Math.max(...values.slice(at, peakTo)),
    shape,
    ...(endedAt !== undefined ? { endedAt } : {}),
  });

  // (3) A transient that came back: the best middle segment [a, b).
  let tA = -1;
  let tB = -1;
  let tCost = Number.POSITIVE_INFINITY;
  for (let a = minSegment; a <= n - 2 * minSegment; a += 1) {
    const head = sse(0, a);
    for (let b = a + minSegment; b <= n - minSegment; b += 1) {
      const cost = head + sse(a, b) + sse(b, n);
      if (cost < tCost - 1e-9) {
        tCost = cost;
        tA = a;
        tB = b;
      }
    }
  }
  if (tA > 0 && tCost <= MODEL_GAIN * bestCost) {
    const before = avg(0, tA);
    const middle = avg(tA, tB);
    const afterwards = avg(tB, n);
    const back = Math.abs(afterwards - before) <= RECOVERED_SHARE * Math.abs(middle - before);
    if (back && isReal(before, middle, tCost, 3)) {
      return changed(before, middle, tA, tB, "transient", points[tB]!.at);
    }
  }

  // (2) A ramp: flat before k, a straight line from k on.
  // A line needs more samples than a level to be told from noise: twice the segment minimum.
  let rK = -1;
  let rCost = Number.POSITIVE_INFINITY;
  for (let k = minSegment; k <= n - 2 * minSegment; k += 1) {
    const cost = sse(0, k) + line(k, n).sse;
    if (cost < rCost - 1e-9) {
      rCost = cost;
      rK = k;
    }
  }
  if (rK > 0 && rCost <= RAMP_GAIN * bestCost) {
    const before = avg(0, rK);
    const end = line(rK, n).end;
    if (isReal(before, end, rCost, 4)) return changed(before, end, rK, n, "ramp");
  }

  // (1) The step.
  const before = avg(0, best);
  const after = avg(best, n);
  if (!isReal(before, after, bestCost, 2)) return flat;
  return changed(before, after, best, n, "step");
}
