import { detectChangePoint } from "../../src/domain/change-point.ts";
import { readSeries, type SeriesReading, toSamples } from "../shared/sentry-series.ts";
import type { SentryIssueSummary } from "../tools.ts";

/**
 * An old issue's recurrence, read from its daily 30-day series (`stats["30d"]`, which the
 * issue form returns with the hourly one). A defect that fails on a periodic condition
 * (a month end, a year end, a weekly job) is silent for weeks and comes back; its first
 * event may be a year old and its hourly 24h series is a few isolated job runs around
 * zero, which reads flat. Neither dates it: the daily series does, as a step from
 * silence (no event on any day before it) that still holds at the window's end. Such a
 * step is what "the issue came back now" means, whatever the issue's age; a series that
 * was never silent, or rose and fell back, is not one. Pure.
 */

/** Fewest days of silence before the return: one quiet day is a gap between runs, not sleep. */
export const MIN_SILENT_DAYS = 7;

/**
 * The daily reading of an issue that returned after days of silence, or undefined: when
 * the hourly reading already rose (it dates the rise more finely), when the issue is not
 * older than the daily window (its first event dates it), or when the daily series shows
 * no such return.
 */
export function recurrenceReading(
  issue: Pick<SentryIssueSummary, "stats30d" | "firstSeen">,
  now: Date,
  hourly: SeriesReading | undefined,
): SeriesReading | undefined {
  if (hourly?.direction === "rise") return undefined;
  const samples = toSamples(issue.stats30d);
  const first = Date.parse(issue.firstSeen);
  if (samples.length === 0 || Number.isNaN(first) || first >= samples[0]!.at) return undefined;
  const reading = readSeries(samples, now);
  if (reading?.direction !== "rise" || reading.onset === undefined) return undefined;
  const onset = Date.parse(reading.onset);
  const before = samples.filter((s) => s.at < onset);
  const silent = before.length >= MIN_SILENT_DAYS && before.every((s) => s.value === 0);
  const ended = detectChangePoint(samples).shape === "transient";
  return silent && !ended ? reading : undefined;
}
