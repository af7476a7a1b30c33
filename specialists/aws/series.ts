import {
  type ChangePointOptions,
  detectChangePoint,
  type Sample,
} from "../../src/domain/change-point.ts";
import type { MetricSeries } from "../tools.ts";
import {
  CHANGE_OPTIONS,
  climbStart,
  detectPercentChange,
  PERCENT_LIMIT,
  relativeChangeOf,
} from "./change-sensitivity.ts";
import type { KindSpec, SeriesSpec } from "./measures.ts";

/**
 * Pure readings of the CloudWatch series the aws specialist reads: the change point of
 * each series and the window it dates (series_change), whether a dependency is at its
 * limit (dependency_saturation), whether a queue's messages fail again and again
 * (poison_message), and how far a symptom spreads (impact_scope). No I/O, `now` passed in.
 */

const MINUTE = 60_000;
/** Without a change point, the level is judged over the most recent half hour. */
export const RECENT_WINDOW_MINUTES = 30;

/**
 * A dependency at 90% of its limit is saturated: the level CloudWatch's own recommended
 * alarms use for CPU, memory and connections (and the classifier's SATURATION_LOAD).
 */
export const SATURATION_SHARE = 0.9;
/**
 * Free memory that fell to a tenth of what it was (or less) is memory pressure: a
 * database swaps and its latency rises well before free memory reaches zero.
 */
export const FREE_MEMORY_FLOOR = 0.1;
/**
 * Messages are poison when the queue receives at least three times as many as it deletes
 * (each failing message comes back after its visibility timeout), over at least this
 * many receives in the window: fewer is a trickle, not a loop.
 */
export const POISON_RATIO = 3;
export const POISON_MIN_RECEIVES = 10;
/** Receives within 20% of deletes: every message is handled once (the negative control). */
const CLEAN_RATIO = 1.2;
/** Three restarts in the window is a loop; one or two is a deploy or a single crash. */
export const CRASH_LOOP_MIN_RESTARTS = 3;

export interface SeriesChange {
  direction: "rise" | "drop" | "flat";
  /** Mean per period before the onset (the whole series when flat). */
  before: number;
  after: number;
  onset?: string;
  uncertaintyMinutes?: number;
  /** The window the verdict covers: from the onset (or the series' start) to `now`. */
  windowStart: string;
  windowEnd: string;
  /** Mean over the evaluation window: from the onset, or the last half hour when flat. */
  level: number;
  /** Sum over the evaluation window. */
  total: number;
  latest?: number;
  /** Largest value from the onset on (of the series when flat). */
  peak: number;
  samples: Sample[];
}

const iso = (ms: number) => new Date(ms).toISOString();
const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * The series as samples. A sparse count (CloudWatch publishes no datapoint for a period
 * without events) gets zeros for its missing periods from `activeSince` (the resource's
 * first datapoint in any series) up to the last complete period before `now`; before
 * the resource was active nothing is assumed.
 */
export function toSamples(
  series: MetricSeries,
  options: { sparse?: boolean; activeSince?: number; now: Date; periodMs?: number },
): Sample[] {
  const samples = series.timestamps
    .map((t, i) => ({ at: Date.parse(t), value: series.values[i] ?? Number.NaN }))
    .filter((s) => Number.isFinite(s.at) && Number.isFinite(s.value));
  if (!options.sparse) return samples.sort((a, b) => a.at - b.at);
  const period = options.periodMs ?? MINUTE;
  const first = Math.min(
    options.activeSince ?? Number.POSITIVE_INFINITY,
    ...samples.map((s) => s.at),
  );
  if (!Number.isFinite(first)) return [];
  const byBucket = new Map(samples.map((s) => [Math.floor(s.at / period) * period, s.value]));
  const lastComplete = Math.floor(options.now.getTime() / period) * period - period;
  const filled: Sample[] = [];
  for (let at = Math.floor(first / period) * period; at <= lastComplete; at += period) {
    filled.push({ at, value: byBucket.get(at) ?? 0 });
  }
  return filled;
}

/**
 * One series divided by another, period by period (bytes used over items held: the size
 * of an item). Only periods both series have count, and not one whose divisor is zero or
 * less: a cache holding nothing has no item size.
 */
export function ratioSeries(numerator: MetricSeries, denominator: MetricSeries): MetricSeries {
  const divisors = new Map(denominator.timestamps.map((t, i) => [t, denominator.values[i]]));
  const timestamps: string[] = [];
  const values: number[] = [];
  numerator.timestamps.forEach((t, i) => {
    const top = numerator.values[i];
    const bottom = divisors.get(t);
    if (top === undefined || bottom === undefined || !(bottom > 0)) return;
    timestamps.push(t);
    values.push(top / bottom);
  });
  return { label: `${numerator.label} per ${denominator.label}`, timestamps, values };
}

/** Mean and sum of the samples at or after `from`. */
function since(samples: Sample[], from: number): { mean: number; sum: number; n: number } {
  const xs = samples.filter((s) => s.at >= from).map((s) => s.value);
  const sum = xs.reduce((a, b) => a + b, 0);
  return { mean: xs.length ? sum / xs.length : 0, sum, n: xs.length };
}

/**
 * The change of one series: its change point (detectChangePoint, with the spec's smallest
 * meaningful step), and the window it dates. Undefined without samples.
 */
export function assessSeries(
  series: MetricSeries,
  spec: SeriesSpec,
  options: { now: Date; activeSince?: number },
): SeriesChange | undefined {
  const samples = toSamples(series, {
    ...(spec.sparse ? { sparse: true } : {}),
    ...(options.activeSince !== undefined ? { activeSince: options.activeSince } : {}),
    now: options.now,
  });
  if (samples.length === 0) return undefined;
  const relative = relativeChangeOf(spec);
  const cpOptions: ChangePointOptions = {
    ...CHANGE_OPTIONS,
    minAbsoluteChange: spec.minChange,
    ...(relative !== undefined ? { minRelativeChange: relative } : {}),
  };
  const detect = spec.unit === "%" ? detectPercentChange : detectChangePoint;
  const cp = climbStart(samples, detect(samples, cpOptions), cpOptions, detect);
  const now = options.now.getTime();
  const changed = cp.direction !== "flat" && cp.onset !== undefined;
  const from = changed ? cp.onset! : now - RECENT_WINDOW_MINUTES * MINUTE;
  const window = since(samples, from);
  return {
    direction: cp.direction,
    before: round(Math.max(0, cp.before)),
    after: round(Math.max(0, cp.after)),
    ...(changed
      ? {
          onset: iso(cp.onset!),
          uncertaintyMinutes: round(Math.max(0.5, (cp.uncertaintyMs ?? 0) / MINUTE), 1),
        }
      : {}),
    windowStart: iso(changed ? cp.onset! : samples[0]!.at),
    windowEnd: iso(now),
    level: round(window.n > 0 ? window.mean : (samples.at(-1)?.value ?? 0)),
    total: round(window.sum),
    latest: samples.at(-1)?.value,
    peak: cp.peak,
    samples,
  };
}

export interface Saturation {
  dependency: "database" | "cache" | "queue" | "compute" | "memory";
  measure: string;
  value: number;
  limit?: number;
  onset?: string;
}

/**
 * Whether a series shows its dependency at its limit (see the bounds above). Connections
 * count only against a known max_connections; a rise without a limit is a series_change,
 * not saturation.
 */
export function saturationOf(
  kind: KindSpec,
  spec: SeriesSpec,
  change: SeriesChange,
  limits: { maxConnections?: number } = {},
): Saturation | undefined {
  const onset = change.direction === "rise" && change.onset ? { onset: change.onset } : {};
  const current = change.direction === "rise" ? change.peak : (change.latest ?? change.level);
  switch (spec.measure) {
    case "connections": {
      const max = limits.maxConnections;
      if (max === undefined || max <= 0 || current < SATURATION_SHARE * max) return undefined;
      return {
        dependency: "database",
        measure: "connections",
        value: current,
        limit: max,
        ...onset,
      };
    }
    case "cpu":
      return change.level >= SATURATION_SHARE * PERCENT_LIMIT
        ? {
            dependency: kind.dependency,
            measure: "cpu",
            value: change.level,
            limit: PERCENT_LIMIT,
            ...onset,
          }
        : undefined;
    case "memory":
      return change.level >= SATURATION_SHARE * PERCENT_LIMIT
        ? {
            dependency: kind.dependency === "cache" ? "cache" : "memory",
            measure: "memory",
            value: change.level,
            limit: PERCENT_LIMIT,
            ...onset,
          }
        : undefined;
    case "free_memory":
      return change.direction === "drop" && change.after <= FREE_MEMORY_FLOOR * change.before
        ? {
            dependency: kind.dependency,
            measure: "memory",
            value: change.after,
            ...(change.onset ? { onset: change.onset } : {}),
          }
        : undefined;
    case "evictions":
      return change.direction === "rise" && change.after >= spec.minChange
        ? { dependency: "cache", measure: "evictions", value: change.after, ...onset }
        : undefined;
    case "throttles":
      return change.direction === "rise" || change.level >= spec.minChange
        ? { dependency: kind.dependency, measure: "throttles", value: change.level, ...onset }
        : undefined;
    default:
      return undefined;
  }
}

export interface PoisonReading {
  /** Receives beyond deletes in the window: deliveries of messages that were not handled. */
  repeatedReceives: number;
  dlqDepth: number;
  /** True for the negative control: received once, deleted, nothing in the DLQ. */
  clean: boolean;
}

/**
 * Receives against deletes over a common window (from the earliest onset among the three
 * series, else the last half hour), with the dead-letter queue's depth when it is known.
 * Poison: receives ≥ {@link POISON_RATIO} × deletes (and ≥ {@link POISON_MIN_RECEIVES}), or
 * the DLQ rising while receives exceed deletes, and in both cases deletes that did not
 * drop (the consumer still handles the other messages). Clean: receives within 20% of deletes and
 * an empty DLQ. Anything between is neither, and undefined without both counts.
 */
export function assessPoison(
  received: SeriesChange | undefined,
  deleted: SeriesChange | undefined,
  dlq: SeriesChange | undefined,
  now: Date,
): PoisonReading | undefined {
  if (!received || !deleted) return undefined;
  const onsets = [received, deleted, dlq]
    .map((c) => (c?.onset ? Date.parse(c.onset) : undefined))
    .filter((x): x is number => x !== undefined);
  const from = onsets.length ? Math.min(...onsets) : now.getTime() - RECENT_WINDOW_MINUTES * MINUTE;
  const recv = since(received.samples, from).sum;
  const del = since(deleted.samples, from).sum;
  const dlqDepth = Math.max(0, Math.round(dlq?.latest ?? 0));
  const dlqRising = dlq?.direction === "rise";
  const repeated = Math.max(0, Math.round(recv - del));
  // Deletes that dropped mean the consumer stopped handling messages at all (a dependency
  // or vendor down, a broken build): every message is redelivered, none is poison.
  const deletesContinue = deleted.direction !== "drop";
  const poison =
    deletesContinue &&
    ((recv >= POISON_MIN_RECEIVES && recv >= POISON_RATIO * Math.max(del, 1)) ||
      (dlqRising && recv > del));
  if (poison) return { repeatedReceives: repeated, dlqDepth, clean: false };
  if (recv > 0 && recv <= CLEAN_RATIO * del && dlqDepth === 0 && !dlqRising) {
    return { repeatedReceives: 0, dlqDepth: 0, clean: true };
  }
  return undefined;
}

/** Restarts counted in the window (a restart counter's total), when they make a loop. */
export function crashLoopOf(
  change: SeriesChange,
): { restarts: number; onset?: string } | undefined {
  const restarts = Math.round(change.total);
  if (restarts < CRASH_LOOP_MIN_RESTARTS) return undefined;
  return { restarts, ...(change.onset ? { onset: change.onset } : {}) };
}

/** Memory this close to its limit (percent) before restarts: the tasks were killed for it. */
export const MEMORY_AT_LIMIT_PERCENT = 90;
const OOM_TEXT =
  /out ?of ?memory|\boom(?:killed|_killed)?\b|heap|exit(?:ed)?(?: with)?(?: code)?[ =:]*137\b/i;

export interface CrashEvidence {
  /** ECS stop reasons counted in the cluster's events. */
  events?: { outOfMemory: number; containerExits: number };
  /** The memory series (percent of the limit) of the restarting resource. */
  memory?: SeriesChange;
  /** Error types or messages from the service's logs. */
  errorTexts?: readonly string[];
}

/**
 * Why tasks restart, from evidence: stop reasons (killed out of memory, or an essential
 * container exiting), out-of-memory kills in the logs, or the memory series at its limit
 * before the restarts; `unknown` when nothing says.
 */
export function crashReasonOf(e: CrashEvidence): "out_of_memory" | "exit" | "unknown" {
  const oom = e.events?.outOfMemory ?? 0;
  const exits = e.events?.containerExits ?? 0;
  if (oom > 0 && oom >= exits) return "out_of_memory";
  if ((e.errorTexts ?? []).some((t) => OOM_TEXT.test(t))) return "out_of_memory";
  if (e.memory && e.memory.peak >= MEMORY_AT_LIMIT_PERCENT) return "out_of_memory";
  if (exits > 0) return "exit";
  return "unknown";
}

/** Measures users feel: a rise in one of these is the symptom, not a cause. */
const SYMPTOM_MEASURES = new Set(["errors_5xx", "error_events", "latency_p99", "unhealthy_hosts"]);

export interface ScopeInput {
  measure: string;
  direction: "rise" | "drop" | "flat";
  resource: string;
  zone?: string;
}

/**
 * How far the symptom spreads in what was read: the zones whose series rose, and which
 * resources show it. Undefined when no symptom series rose.
 */
export function impactOf(
  readings: ScopeInput[],
): { zones: string[]; resources: string[]; zonesRead: string[] } | undefined {
  const rising = readings.filter((r) => SYMPTOM_MEASURES.has(r.measure) && r.direction === "rise");
  if (rising.length === 0) return undefined;
  const unique = (xs: (string | undefined)[]) =>
    [...new Set(xs.filter((x): x is string => x !== undefined))].sort();
  return {
    zones: unique(rising.map((r) => r.zone)),
    resources: unique(rising.map((r) => r.resource)),
    zonesRead: unique(readings.map((r) => r.zone)),
  };
}
