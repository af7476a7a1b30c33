import type { Signal, SignalOf } from "./signals.ts";
import type { SpecialistOutput } from "./specialist-output.ts";

/**
 * The run's onset: when the symptom began, chosen from every returned specialist's
 * evidence the same way for every source. The earliest credible rise among the symptom's
 * series (`series_change` rises with an onset, in a measure that describes the symptom,
 * dated to within {@link MAX_ONSET_UNCERTAINTY_MINUTES}; a crash loop's onset counts as a
 * rise of its restarts; a new exception's first event counts as one, unless the same
 * source saw the issue's own event series rise, which then dates it: a months-old issue
 * that spikes today began today; failing all of those, a client-error rise or tasks lost
 * below the desired count); failing that, the earliest data-state date: the oldest stale
 * derived row, which only bounds when a write path went wrong, or the edit of a reference
 * row the referring rows shifted at. Pure.
 */

/**
 * Measures that date a symptom (what users or callers feel, or work piling up). Load and
 * dependency measures (requests, cpu, memory, connections, evictions) describe causes or
 * traffic; they are not the symptom's start.
 */
export const SYMPTOM_MEASURES: ReadonlySet<string> = new Set([
  "errors_5xx",
  "error_events",
  "latency_p50",
  "latency_p99",
  "unhealthy_hosts",
  "queue_age",
  "queue_depth",
  "dlq_depth",
  "throttles",
  "restarts",
]);

/**
 * Measures that date a symptom only when none of {@link SYMPTOM_MEASURES} rose: client
 * errors (4xx) are often scanners, bots or clients, but when nothing else moved they are
 * what users feel (sessions lost, requests refused), and the change still has a time.
 * `running_tasks` counts by its drop, and only while the same source reports the service
 * still short of its desired count ({@link tasksLostAsRise}): tasks lost fail what they
 * were serving (a load balancer's 502s), yet a task count says capacity was lost, not what
 * users saw, so a symptom series that rose dates it first.
 */
export const FALLBACK_SYMPTOM_MEASURES: ReadonlySet<string> = new Set([
  "errors_4xx",
  "running_tasks",
]);

/**
 * A deploy can explain a symptom series' rise only when the rise began within this many
 * minutes after it (plus the onset's uncertainty): a bad release shows within one rollout
 * and a traffic cycle; one that was out for hours without the series moving did not start
 * it. Policy `deploy_proximity_minutes` may set it (lower levels may only tighten).
 */
export const DEFAULT_DEPLOY_PROXIMITY_MINUTES = 90;

/** Coarser onsets (e.g. daily buckets) cannot place a deploy before or after the symptom. */
export const MAX_ONSET_UNCERTAINTY_MINUTES = 60;

export interface RunOnset {
  at: string;
  /** Human wording for findings: "error_events rose (sentry)". */
  what: string;
  specialistId: string;
  source: "series" | "data_state";
  uncertaintyMinutes: number;
  /** The series' measure, for a series onset. */
  measure?: string;
  /** The signal's source ref (the series read, or the query that found the rows). */
  sourceRef: string;
  /** How many credible rises were compared. */
  candidates: number;
  /**
   * The service the onset's series is about, as its source resolved it from structured
   * data (a resource's dimensions, a Sentry project); absent when the series names none.
   */
  service?: string;
}

type Rise = { specialistId: string; signal: SignalOf<"series_change"> };

/**
 * A crash loop's onset is stated to the sampling period of what dated it (a stop event's
 * time, a restart counter's or a memory climb's change point). A loop that does not say
 * (`onsetUncertaintyMinutes` absent) is assumed one 5-minute sampling period, as the
 * classifier does.
 */
export const CRASH_LOOP_ONSET_UNCERTAINTY_MINUTES = 5;

/**
 * A crash loop is tasks restarting: every restart fails the requests in flight, so its
 * onset dates the symptom as a rise of `restarts` would, with the loop's own uncertainty:
 * a memory climb sampled every half hour is dated to the half hour, and a loop older than
 * what was read (its uncertainty the read's length) dates nothing.
 */
function crashAsRise(s: SignalOf<"crash_loop">): SignalOf<"series_change"> | undefined {
  if (s.onset === undefined || s.restarts === 0) return undefined;
  return {
    kind: "series_change",
    sourceRef: s.sourceRef,
    measure: "restarts",
    direction: "rise",
    before: 0,
    after: s.restarts,
    ...(s.service ? { service: s.service } : {}),
    onset: s.onset,
    onsetUncertaintyMinutes: s.onsetUncertaintyMinutes ?? CRASH_LOOP_ONSET_UNCERTAINTY_MINUTES,
  };
}

/**
 * A new exception's first event is a rise of its error events from zero at a measured
 * time (no estimate): it competes with the series' change points as one.
 */
function asRise(s: SignalOf<"new_exception">): SignalOf<"series_change"> {
  return {
    kind: "series_change",
    sourceRef: s.sourceRef,
    measure: "error_events",
    direction: "rise",
    before: 0,
    after: s.events ?? 1,
    scope: { route: s.path },
    onset: s.firstSeen,
    onsetUncertaintyMinutes: 0,
  };
}

/**
 * A drop of running tasks while the service stays short of its desired count is tasks
 * lost (killed, failing health checks), not a scale-in (which lowers the desired count
 * too): it dates the symptom as a rise of the tasks missing would.
 */
function tasksLostAsRise(
  s: SignalOf<"series_change">,
  short: ReadonlySet<string>,
): SignalOf<"series_change"> | undefined {
  if (s.measure !== "running_tasks" || s.direction !== "drop" || !s.onset) return undefined;
  if (s.service === undefined || !short.has(s.service)) return undefined;
  return { ...s, direction: "rise", before: 0, after: Math.max(0, s.before - s.after) };
}

function credibleRises(
  outputs: readonly SpecialistOutput[],
  measures: ReadonlySet<string> = SYMPTOM_MEASURES,
): Rise[] {
  const rises: Rise[] = [];
  for (const output of outputs) {
    if (output.status !== "returned") continue;
    // An issue whose own event series rose is dated by that rise (a long-lived issue's
    // spike today), not by the first event it ever had months ago. A steady old issue
    // keeps its first event: it dates when the defect appeared (and which release did it).
    const spiked = new Set(
      output.signals
        .filter((s) => s.kind === "series_change" && s.direction === "rise" && s.onset)
        .map((s) => s.sourceRef),
    );
    const short = new Set(
      output.signals.flatMap((s) =>
        s.kind === "task_health" && s.healthy < s.desired ? [s.service] : [],
      ),
    );
    for (const raw of output.signals) {
      if (raw.kind === "new_exception" && spiked.has(raw.sourceRef)) continue;
      const signal =
        raw.kind === "new_exception"
          ? asRise(raw)
          : raw.kind === "crash_loop"
            ? crashAsRise(raw)
            : raw.kind === "series_change" && raw.direction === "drop"
              ? tasksLostAsRise(raw, short)
              : raw.kind === "series_change" && raw.measure === "running_tasks"
                ? undefined // more tasks running (a scale-out) is no symptom
                : raw;
      if (
        signal === undefined ||
        signal.kind !== "series_change" ||
        signal.direction !== "rise" ||
        !signal.onset
      )
        continue;
      if (!measures.has(signal.measure)) continue;
      if ((signal.onsetUncertaintyMinutes ?? 0) > MAX_ONSET_UNCERTAINTY_MINUTES) continue;
      rises.push({ specialistId: output.specialistId, signal });
    }
  }
  return rises;
}

const where = (s: SignalOf<"series_change">) =>
  [s.service, s.scope?.resource, s.scope?.route].filter(Boolean).join(" ");

/**
 * When a data-state signal dates the symptom: the oldest stale row, or the edit of a
 * reference row the rows shifted at (an operator's change is the start, to the minute).
 */
function dataStateOnset(signal: Signal): { at: string; what: string } | undefined {
  if (signal.kind === "stale_derived_rows" && signal.oldestStaleAt) {
    return { at: signal.oldestStaleAt, what: `oldest stale ${signal.table} row` };
  }
  if (signal.kind === "reference_edit") {
    return { at: signal.editedAt, what: `edit of the ${signal.table} row the ticket names` };
  }
  return undefined;
}

export function runOnset(outputs: readonly SpecialistOutput[]): RunOnset | undefined {
  const primary = credibleRises(outputs);
  const rises = primary.length > 0 ? primary : credibleRises(outputs, FALLBACK_SYMPTOM_MEASURES);
  const earliest = rises
    .slice()
    .sort((a, b) => Date.parse(a.signal.onset!) - Date.parse(b.signal.onset!))[0];
  if (earliest) {
    const s = earliest.signal;
    const on = where(s);
    return {
      at: s.onset!,
      what: `${s.measure}${on ? ` of ${on}` : ""} ${s.measure === "running_tasks" ? "fell short of the desired count" : "rose"} (${earliest.specialistId})`,
      specialistId: earliest.specialistId,
      source: "series",
      uncertaintyMinutes: s.onsetUncertaintyMinutes ?? 0,
      measure: s.measure,
      sourceRef: s.sourceRef,
      candidates: rises.length,
      ...(s.service ? { service: s.service } : {}),
    };
  }
  let best: RunOnset | undefined;
  for (const output of outputs) {
    if (output.status !== "returned") continue;
    for (const signal of output.signals) {
      const dated = dataStateOnset(signal);
      if (!dated) continue;
      if (!best || Date.parse(dated.at) < Date.parse(best.at)) {
        best = {
          at: dated.at,
          what: `${dated.what} (${output.specialistId})`,
          specialistId: output.specialistId,
          source: "data_state",
          uncertaintyMinutes: 0,
          sourceRef: signal.sourceRef,
          candidates: 0,
        };
      }
    }
  }
  return best;
}
