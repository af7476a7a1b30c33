import { detectChangePoint, type Sample } from "../../src/domain/change-point.ts";
import type { SentryIssueSummary } from "../tools.ts";

/**
 * When a Sentry issue's events changed, read from its hourly event stats
 * (`stats["24h"]`, `[unix seconds, count]` oldest first), so a long-lived issue that
 * suddenly spikes is dated by its spike, not by its first-seen time. An issue first seen
 * inside the series' window did not exist before: its first-seen time is the measured
 * start of the rise (no estimate). Otherwise the onset is the change point of the series
 * (src/domain/change-point.ts), with that method's uncertainty. Pure.
 */

export interface SeriesReading {
  direction: "rise" | "drop" | "flat";
  /** Mean events per bucket before the onset (the whole window when flat). */
  before: number;
  after: number;
  peak: number;
  onset?: string;
  uncertaintyMinutes?: number;
  /** How the onset was dated. */
  datedBy?: "first_seen" | "change_point";
  windowStart: string;
  windowEnd: string;
  periodMinutes: number;
  samples: Sample[];
}

/** Fewest buckets for a change point: two on each side (change-point's minSegment). */
const MIN_SAMPLES = 4;

export const round = (n: number) => Math.round(n * 100) / 100;
export const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

export function toSamples(stats: readonly [number, number][] | undefined): Sample[] {
  return (stats ?? [])
    .map(([t, value]) => ({ at: t * 1000, value }))
    .filter((s) => Number.isFinite(s.at) && Number.isFinite(s.value))
    .sort((a, b) => a.at - b.at);
}

/** Several issues' series added bucket by bucket (a project's errors). */
export function sumSeries(series: readonly Sample[][]): Sample[] {
  const byAt = new Map<number, number>();
  for (const s of series) for (const p of s) byAt.set(p.at, (byAt.get(p.at) ?? 0) + p.value);
  return [...byAt.entries()].map(([at, value]) => ({ at, value })).sort((a, b) => a.at - b.at);
}

function periodOf(samples: Sample[]): number {
  if (samples.length < 2) return 3_600_000;
  return (samples.at(-1)!.at - samples[0]!.at) / (samples.length - 1);
}

/** The change of an evenly bucketed series, with `firstSeen` when the subject is new in it. */
export function readSeries(
  samples: Sample[],
  now: Date,
  firstSeen?: string,
): SeriesReading | undefined {
  if (samples.length < MIN_SAMPLES) return undefined;
  const period = periodOf(samples);
  const windowStart = samples[0]!.at;
  const windowEnd = Math.min(now.getTime(), samples.at(-1)!.at + period);
  const frame = {
    windowStart: new Date(windowStart).toISOString(),
    windowEnd: new Date(windowEnd).toISOString(),
    periodMinutes: Math.round(period / 60_000),
    samples,
  };
  const first = firstSeen ? Date.parse(firstSeen) : Number.NaN;
  if (!Number.isNaN(first) && first >= windowStart && first <= windowEnd) {
    const before = samples.filter((s) => s.at + period <= first).map((s) => s.value);
    const after = samples.filter((s) => s.at + period > first).map((s) => s.value);
    if (mean(after) > mean(before)) {
      return {
        ...frame,
        direction: "rise",
        before: round(mean(before)),
        after: round(mean(after)),
        peak: Math.max(0, ...after),
        onset: new Date(first).toISOString(),
        uncertaintyMinutes: 0,
        datedBy: "first_seen",
      };
    }
  }
  const cp = detectChangePoint(samples);
  return {
    ...frame,
    direction: cp.direction,
    before: round(cp.before),
    after: round(cp.after),
    peak: cp.peak,
    ...(cp.onset !== undefined
      ? {
          onset: new Date(cp.onset).toISOString(),
          uncertaintyMinutes: Math.round((cp.uncertaintyMs ?? 0) / 60_000),
          datedBy: "change_point" as const,
        }
      : {}),
  };
}

/** The reading of one issue's 24h series. */
export function issueSeries(
  issue: Pick<SentryIssueSummary, "stats24h" | "firstSeen">,
  now: Date,
): SeriesReading | undefined {
  return readSeries(toSamples(issue.stats24h), now, issue.firstSeen);
}
