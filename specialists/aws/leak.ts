import type { Sample } from "../../src/domain/change-point.ts";
import { detectSawtooth, type Sawtooth } from "../../src/domain/sawtooth.ts";
import type { EvidenceCollector, SignalInput } from "../shared/collector.ts";
import type { MetricSeries } from "../tools.ts";
import type { CapacityEvents } from "./analysis.ts";
import type { CheckContext } from "./checks.ts";
import type { Assessed } from "./emit.ts";
import type { SeriesRead } from "./reads.ts";
import { crashReasonOf, MEMORY_AT_LIMIT_PERCENT, type SeriesChange, toSamples } from "./series.ts";

/**
 * Memory that reaches its limit and falls back at once: often tasks killed out of memory
 * and restarted. When the series window shows that, an on-call engineer zooms out — how
 * long has memory been doing this, and what did it do before? — because a leak kills a
 * task hours after it started, so the last hours show one fall, not when the pattern
 * began. This module decides when to zoom (a fall from the limit in the window read),
 * reads the series over {@link ZOOM_DAYS} days, and turns a sawtooth there
 * (src/domain/sawtooth.ts) into the series' change (a rise dated where the first climb
 * left a flat baseline) and, when the stop events read since say tasks were killed out
 * of memory, a crash loop. Nothing here names a service or a threshold of a particular
 * incident.
 */

/** How far back the zoomed read goes: a weekly release train and its days after. */
export const ZOOM_DAYS = 7;
/** Its period: fine enough for cycles of a few hours, 336 points over a week. */
export const ZOOM_PERIOD_SECONDS = 1800;
/**
 * A cycle's highest sample is at least this (percent of the limit): a climb sampled every
 * period may last be seen a period's climb short of the limit it is killed at.
 */
export const SAMPLED_PEAK_PERCENT = 80;
/** A zoomed read that fails costs what any series beyond the classic checks does (collect.ts). */
const ZOOM_IMPACT = 2;
/** A fall from the limit drops by at least this share of the peak between two samples. */
const FALL_SHARE = 0.4;

const MINUTE = 60_000;
const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;
const iso = (ms: number) => new Date(ms).toISOString();
const hhmm = (at: string) => `${at.slice(5, 10)} ${at.slice(11, 16)}`;

/** A memory series (percent of the limit) whose zoomed read is a sawtooth. */
export interface Leak {
  read: SeriesRead;
  sawtooth: Sawtooth;
  /** The zoomed series' change: a rise from the baseline when the sawtooth is dated. */
  change: SeriesChange;
}

/** A series of memory used as a percent of its limit, for the whole resource. */
export const isMemoryPercent = (a: Assessed) =>
  a.read.spec.measure === "memory" && a.read.spec.unit === "%" && a.read.zone === undefined;

/** The samples reach the limit and, at the next sample, fall by {@link FALL_SHARE} of it. */
export function fellFromLimit(samples: readonly Sample[]): boolean {
  return samples.some((s, i) => {
    const next = samples[i + 1];
    return (
      next !== undefined &&
      s.value >= MEMORY_AT_LIMIT_PERCENT &&
      s.value - next.value >= FALL_SHARE * s.value
    );
  });
}

/**
 * The zoomed series' sawtooth and the change it makes: dated, a rise from the baseline to
 * the level the cycles peak at, its window from the onset; undated, the series has been a
 * sawtooth since its first sample, and the change says only "flat" over the read (the
 * pattern began before it: nothing dates it).
 */
export function sawtoothOf(
  series: MetricSeries,
  now: Date,
): { sawtooth: Sawtooth; change: SeriesChange } | undefined {
  const samples = toSamples(series, { now });
  const sawtooth = detectSawtooth(samples, {
    peakAtLeast: SAMPLED_PEAK_PERCENT,
    minFallShare: FALL_SHARE,
  });
  if (!sawtooth) return undefined;
  const from = sawtooth.onset ?? samples[0]!.at;
  const window = samples.filter((s) => s.at >= from).map((s) => s.value);
  const total = window.reduce((a, b) => a + b, 0);
  const level = window.length ? total / window.length : 0;
  const dated = sawtooth.onset !== undefined;
  const change: SeriesChange = {
    direction: dated ? "rise" : "flat",
    before: round(dated ? (sawtooth.baseline ?? level) : level),
    after: round(dated ? sawtooth.peakLevel : level),
    ...(dated
      ? {
          onset: iso(sawtooth.onset!),
          uncertaintyMinutes: round(Math.max(0.5, (sawtooth.uncertaintyMs ?? 0) / MINUTE), 1),
        }
      : {}),
    windowStart: iso(from),
    windowEnd: now.toISOString(),
    level: round(level),
    total: round(total),
    latest: samples.at(-1)?.value,
    peak: Math.max(...window),
    samples,
  };
  return { sawtooth, change };
}

/** Memory series worth zooming out on: they fell from the limit in the window read. */
export const zoomCandidates = (assessed: Assessed[]) =>
  assessed.filter((a) => isMemoryPercent(a) && fellFromLimit(a.change.samples));

/** One check per candidate: its series over {@link ZOOM_DAYS} days, kept when a sawtooth. */
export function zoomChecks(ctx: CheckContext, candidates: Assessed[], leaks: Leak[]) {
  const start = new Date(ctx.now.getTime() - ZOOM_DAYS * 24 * 60 * MINUTE);
  return candidates.map(({ read }) => ({
    what: `${read.spec.metricName} of ${read.kind.label} ${read.resource.id} over ${ZOOM_DAYS} days`,
    confidenceImpact: ZOOM_IMPACT,
    run: async () => {
      const series = await ctx.cloudwatch.getMetricSeries({
        namespace: read.kind.namespace,
        metricName: read.spec.metricName,
        dimensions: read.dims,
        stat: read.spec.stat,
        periodSeconds: ZOOM_PERIOD_SECONDS,
        start,
        end: ctx.now,
      });
      const found = sawtoothOf(series, ctx.now);
      if (found) leaks.push({ read, ...found });
    },
  }));
}

/**
 * The assessments with each leak's change in place of its series' window change: the
 * window holds one tooth of the sawtooth, whose climb would read as a rise of its own.
 */
export function withLeaks(assessed: Assessed[], leaks: readonly Leak[]): Assessed[] {
  return assessed.map((a) => {
    const leak = leaks.find((l) => l.read === a.read);
    return leak ? { read: a.read, change: leak.change } : a;
  });
}

/** When the kill events of a leak should be read from: its onset, else the zoomed read's start. */
export function leakEventsSince(leaks: readonly Leak[], now: Date): Date | undefined {
  if (leaks.length === 0) return undefined;
  const starts = leaks.map((l) => Date.parse(l.change.onset ?? l.change.windowStart));
  // An hour before, so the events of the first climb's end are inside whatever the clock skew.
  return new Date(
    Math.max(Math.min(...starts) - 60 * MINUTE, now.getTime() - ZOOM_DAYS * 24 * 60 * MINUTE),
  );
}

/**
 * The crash loop a leak's kills make: emitted only when the stop events read since the
 * onset (ECS keeps a sample of them) include at least one task killed out of memory. The
 * shape alone is no kill: memory that climbs and falls back at once is also a cache
 * flushed on a schedule, a batch that frees its buffers, a worker recycled on purpose.
 * `restarts` are the stop events read, not the falls; `stopEvents` carries them by
 * reason, for the classifier to tell a kill that raises no exception from an exit.
 *
 * Dated where the first climb began (the kills end the climbs, and the loop began with
 * the first of them), to within the zoomed series' sampling period. Undated — the series
 * is a sawtooth from its first sample — the loop began before the read: it is placed at
 * the read's start with the read's length as its uncertainty, which is no dating (the
 * run's onset skips it, run-onset.ts) and never after a release inside the read.
 */
export function leakCrashLoop(
  leak: Leak,
  service: string,
  events: Pick<CapacityEvents, "outOfMemory" | "containerExits">,
): (SignalInput & { kind: "crash_loop" }) | undefined {
  if (events.outOfMemory === 0) return undefined;
  const { change } = leak;
  const readMinutes = (Date.parse(change.windowEnd) - Date.parse(change.windowStart)) / MINUTE;
  return {
    kind: "crash_loop",
    source: leak.read.ref,
    reason: crashReasonOf({ events, memory: change }),
    restarts: events.outOfMemory + events.containerExits,
    service,
    onset: change.onset ?? change.windowStart,
    onsetUncertaintyMinutes: change.onset
      ? (change.uncertaintyMinutes ?? ZOOM_PERIOD_SECONDS / 60)
      : Math.round(readMinutes),
    stopEvents: { outOfMemory: events.outOfMemory, exits: events.containerExits },
  };
}

/**
 * Each leak as a finding, and as a `crash_loop` when stop events say tasks were killed
 * out of memory ({@link leakCrashLoop}). Returns whether any loop was emitted (its kills
 * are then not a second loop).
 */
export function emitLeaks(
  ev: EvidenceCollector,
  leaks: readonly Leak[],
  service: string,
  events: Pick<CapacityEvents, "outOfMemory" | "containerExits">,
): boolean {
  let emitted = false;
  for (const leak of leaks) {
    const { read, sawtooth, change } = leak;
    const falls = sawtooth.resets.length;
    const loop = leakCrashLoop(leak, service, events);
    const shape = `${read.spec.metricName} of ${read.kind.label} ${read.resource.id} over ${ZOOM_DAYS} days: climbs about ${round(sawtooth.climbPerHour, 1)} %/h to ${round(sawtooth.peakLevel, 1)} % and falls back at once, ${falls} times ${change.onset ? `since ${hhmm(change.onset)} (±${change.uncertaintyMinutes} min), flat at ${change.before} % before` : "over the whole read (it began before it)"}`;
    ev.finding({
      fact: loop
        ? `${shape}: tasks killed at the memory limit and restarted (${events.outOfMemory} out-of-memory stop events read since)`
        : `${shape}; no task was seen killed out of memory since (no such stop event read): a memory sawtooth, not counted as restarts`,
      source: read.ref,
      observedAt: change.onset ?? iso(sawtooth.resets[0]!),
    });
    if (!loop) continue;
    ev.signal(loop);
    emitted = true;
  }
  return emitted;
}
