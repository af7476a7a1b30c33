import type { Sample } from "./change-point.ts";

/**
 * Sawtooth detection on one evenly sampled series: a level that climbs steadily until it
 * reaches a ceiling, falls back at once, and climbs again, cycle after cycle. It is the
 * shape of memory leaking in a process that is killed at its limit and restarted (the
 * kills are the falls), which no single change point describes: a step model sees a
 * noisy higher mean, a ramp model one climb at most. Pure and deterministic.
 *
 * Method: (1) the resets: falls between consecutive samples from a peak at or above
 * `peakAtLeast` by at least {@link SawtoothOptions.minFallShare} of that peak; (2) every
 * cycle between two resets must climb (most of its steps up, ending at the next peak);
 * (3) the onset: walking back from the first reset's peak while the series kept
 * climbing, then forward while it is still inside the band of the samples before it (a
 * climb leaves the baseline at its last in-band sample); the samples before the onset
 * are the baseline, and they must be a baseline: at least `minBaseline` samples, all
 * below the first peak's lower half. Without one (the sawtooth fills the window from its
 * first sample) the pattern is reported undated: it began before what was read.
 */

export interface Sawtooth {
  /** Falls from a peak, each a sample where the level dropped at once (ms). */
  resets: number[];
  /** Mean of the peaks the cycles reached before falling. */
  peakLevel: number;
  /** Start of the first climb (ms); absent when the series is a sawtooth from its start. */
  onset?: number;
  /**
   * The onset lies within ± this many ms: one sampling period. The climb left the baseline
   * somewhere between the last sample inside its band and the next one, and noise at the
   * baseline's end may hide its first step: half a period would claim more than a sample
   * can tell.
   */
  uncertaintyMs?: number;
  /** Mean of the samples before the onset; absent without one. */
  baseline?: number;
  /** Mean climb per hour over the full cycles, in the series' unit. */
  climbPerHour: number;
}

export interface SawtoothOptions {
  /** A cycle's peak is at least this high (the ceiling the process is killed at, sampled). */
  peakAtLeast: number;
  /** A reset falls by at least this share of its peak between two samples (default 0.4). */
  minFallShare?: number;
  /** Fewest resets that make a sawtooth rather than one restart (default 2). */
  minResets?: number;
  /** Share of a cycle's steps that must climb (default 0.7): noise may dip once or twice. */
  minClimbShare?: number;
  /** Fewest samples before the onset that date it (default 4). */
  minBaseline?: number;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / (xs.length || 1);
const sd = (xs: readonly number[]) => {
  const m = mean(xs);
  return Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
};

/** Whether `values[from..to]` (inclusive) climbs: most steps up, and it ends higher. */
function climbs(values: readonly number[], from: number, to: number, share: number): boolean {
  if (to - from < 2) return false;
  let up = 0;
  for (let k = from + 1; k <= to; k += 1) if (values[k]! > values[k - 1]!) up += 1;
  return values[to]! > values[from]! && up / (to - from) >= share;
}

/** The sawtooth in `series`, or undefined when it is not one. */
export function detectSawtooth(
  series: readonly Sample[],
  options: SawtoothOptions,
): Sawtooth | undefined {
  const minFall = options.minFallShare ?? 0.4;
  const minResets = options.minResets ?? 2;
  const climbShare = options.minClimbShare ?? 0.7;
  const minBaseline = options.minBaseline ?? 4;
  const points = [...series].filter((p) => Number.isFinite(p.value)).sort((a, b) => a.at - b.at);
  const values = points.map((p) => p.value);
  // (1) Resets: index i is the first sample after the fall from the peak at i - 1.
  const resets: number[] = [];
  for (let i = 1; i < values.length; i += 1) {
    const peak = values[i - 1]!;
    if (peak >= options.peakAtLeast && peak - values[i]! >= minFall * peak) resets.push(i);
  }
  if (resets.length < minResets) return undefined;
  // (2) Every full cycle climbs from the sample after one reset to the peak before the next.
  for (let k = 0; k + 1 < resets.length; k += 1) {
    if (!climbs(values, resets[k]!, resets[k + 1]! - 1, climbShare)) return undefined;
  }
  const peaks = resets.map((i) => values[i - 1]!);
  const full = resets.slice(1).map((end, k) => {
    const start = resets[k]!;
    const hours = (points[end - 1]!.at - points[start]!.at) / 3_600_000;
    return hours > 0 ? (values[end - 1]! - values[start]!) / hours : 0;
  });
  const period = points.length > 1 ? (points.at(-1)!.at - points[0]!.at) / (points.length - 1) : 0;
  const found: Sawtooth = {
    resets: resets.map((i) => points[i]!.at),
    peakLevel: mean(peaks),
    climbPerHour: mean(full),
  };
  // (3) The first climb: back from the first peak while the series was lower each step.
  const firstPeak = resets[0]! - 1;
  let start = firstPeak;
  while (start > 0 && values[start - 1]! < values[start]!) start -= 1;
  if (start < minBaseline) return found;
  // Noise at the end of the baseline may look like the climb's first steps: the climb
  // starts at the last sample still inside the band of the samples before the walk's end.
  const before = values.slice(0, start);
  const band = mean(before) + 2 * sd(before);
  while (start < firstPeak && values[start + 1]! <= band) start += 1;
  const baseline = values.slice(0, start);
  if (baseline.length < minBaseline) return found;
  const lowHalf = mean(baseline) + (values[firstPeak]! - mean(baseline)) / 2;
  if (Math.max(...baseline) >= lowHalf) return found;
  if (!climbs(values, start, firstPeak, climbShare)) return found;
  return {
    ...found,
    onset: points[start]!.at,
    uncertaintyMs: period,
    baseline: mean(baseline),
  };
}
