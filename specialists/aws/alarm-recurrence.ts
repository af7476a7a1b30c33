import type { AlarmStateChange } from "../tools.ts";

/**
 * Whether an alarm's firing repeats one it made at the same time of day on earlier days:
 * the shape of a scheduled job (a nightly import, a backup, a batch) pushing a measure
 * over the threshold, as opposed to something new. Read from the alarm's own state
 * history (DescribeAlarmHistory), so it needs no knowledge of the job.
 */

/** Days of alarm history read for the pattern: a week holds a daily job's and a weekday job's runs. */
export const RECURRENCE_DAYS = 7;
/**
 * A previous firing is "at the same time of day" within this many minutes: cron starts a
 * job on the minute, but its load takes a few minutes to cross the threshold and the alarm
 * needs its evaluation periods, which vary from night to night.
 */
export const TIME_OF_DAY_TOLERANCE_MINUTES = 30;

const MINUTE = 60_000;
const DAY_MINUTES = 24 * 60;

export interface DailyRecurrence {
  /** The firing the ticket is about: the newest change into ALARM. */
  firedAt: string;
  /** Earlier days on which the alarm went into ALARM at the same time of day. */
  priorFirings: number;
  /** Of those, how many returned to OK by themselves before the alarm fired again. */
  selfCleared: number;
  /** Changes into ALARM read at other times of day (before the current firing). */
  otherFirings: number;
  /** The longest ALARM episode among the prior firings that cleared, minutes. */
  longestEpisodeMinutes?: number;
  /** Every firing read, at any time of day: how often the alarm flaps (see {@link flapsOf}). */
  flaps: Flaps;
}

/** An alarm's firings over the history read, whatever the time of day. */
export interface Flaps {
  /** Changes into ALARM read, the current one included. */
  firings: number;
  /** Distinct calendar days (UTC) with a firing. */
  days: number;
  /** Firings that returned to OK by themselves (before the next firing, or since, for the last). */
  cleared: number;
  /** The longest of the cleared episodes, minutes. */
  longestMinutes: number;
}

type Dated = AlarmStateChange & { ms: number };

/** How often the alarm went into ALARM and how long each episode lasted (`sorted` by time). */
function flapsOf(sorted: readonly Dated[]): Flaps {
  const firings = sorted.filter((c) => c.to === "ALARM");
  let cleared = 0;
  let longest = 0;
  firings.forEach((f, k) => {
    const next = firings[k + 1]?.ms ?? Number.POSITIVE_INFINITY;
    const ok = sorted.find((c) => c.to === "OK" && c.ms > f.ms && c.ms < next);
    if (!ok) return;
    cleared += 1;
    longest = Math.max(longest, Math.round((ok.ms - f.ms) / MINUTE));
  });
  const days = new Set(firings.map((f) => new Date(f.ms).toISOString().slice(0, 10))).size;
  return { firings: firings.length, days, cleared, longestMinutes: longest };
}

/** Minutes between two instants' times of day, the short way round midnight. */
function timeOfDayDistance(a: number, b: number): number {
  const d = Math.abs(Math.round((a - b) / MINUTE)) % DAY_MINUTES;
  return Math.min(d, DAY_MINUTES - d);
}

/**
 * The daily pattern of an alarm's firings in `changes` (any order), anchored on its newest
 * change into ALARM; undefined when it never went into ALARM. Firings on the current
 * firing's own day (within the tolerance of a day before it) are "other": a re-fire of
 * the same episode is not an earlier day's.
 */
export function dailyRecurrence(changes: readonly AlarmStateChange[]): DailyRecurrence | undefined {
  const sorted: Dated[] = [...changes]
    .map((c) => ({ ...c, ms: Date.parse(c.at) }))
    .filter((c) => Number.isFinite(c.ms))
    .sort((a, b) => a.ms - b.ms);
  const firings = sorted.filter((c) => c.to === "ALARM");
  const current = firings.at(-1);
  if (!current) return undefined;
  const earliestPrior = current.ms - (DAY_MINUTES - TIME_OF_DAY_TOLERANCE_MINUTES) * MINUTE;
  let priorFirings = 0;
  let selfCleared = 0;
  let otherFirings = 0;
  let longest: number | undefined;
  firings.slice(0, -1).forEach((f, k) => {
    const sameTime =
      f.ms <= earliestPrior && timeOfDayDistance(f.ms, current.ms) <= TIME_OF_DAY_TOLERANCE_MINUTES;
    if (!sameTime) {
      otherFirings += 1;
      return;
    }
    priorFirings += 1;
    const next = firings[k + 1]!.ms;
    const cleared = sorted.find((c) => c.to === "OK" && c.ms > f.ms && c.ms < next);
    if (cleared) {
      selfCleared += 1;
      longest = Math.max(longest ?? 0, Math.round((cleared.ms - f.ms) / MINUTE));
    }
  });
  return {
    firedAt: new Date(current.ms).toISOString(),
    priorFirings,
    selfCleared,
    otherFirings,
    ...(longest === undefined ? {} : { longestEpisodeMinutes: longest }),
    flaps: flapsOf(sorted),
  };
}
