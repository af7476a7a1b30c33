import {
  crashLoops,
  errorRises,
  flatServerErrors,
  latencyRises,
  queueBacklog,
  saturatedDependencies,
  series,
  unless,
} from "./classifier-features.ts";
import { type SignalIndex, sameOrUnstated, type TaggedSignal } from "./classifier-index.ts";

/**
 * Capacity working as designed: request volume rose, the autoscaler raised the desired
 * task count above what ran before and the new tasks are arriving, and nothing users feel
 * moved. A CPU alarm during a scale-out is the trigger of the scale-out, not an incident;
 * a release that happens to precede it did not cause a load that came from outside.
 */

type Tagged = TaggedSignal;

/**
 * A scale-out raises desired by at least one task and by at least this share of the
 * level that ran before it (a +20% step, the smallest a target-tracking policy usually
 * takes): a desired count of 7 over a level of 6.9 is rounding, not a scale-out.
 */
export const SCALE_OUT_SHARE = 1.2;

/**
 * Task counts being raised and met: a task-health reading whose desired count is above
 * the running-task level the window held before (the series' level before its change, or
 * its mean when flat) by {@link SCALE_OUT_SHARE} and one task, with more tasks running
 * than that level (the new ones are starting), and below any scaling ceiling. A
 * scale-out whose tasks cannot be placed keeps running at the old level and does not
 * count; nor does one at its ceiling (that is capacity exhausted).
 */
export function scaleOutUnderway(i: SignalIndex): Tagged[] {
  const running = series(i, ["running_tasks"], ["flat", "rise"]);
  const out: Tagged[] = [];
  for (const t of i.of("task_health")) {
    const { desired, healthy, max, service } = t.signal;
    if (max !== undefined && desired >= max) continue;
    const base = running.find((r) => sameOrUnstated(r.signal.service, service));
    if (!base) continue;
    const level = base.signal.before;
    if (level <= 0) continue;
    const raised = desired >= level + 1 && desired >= SCALE_OUT_SHARE * level;
    const arriving = healthy >= level + 1;
    if (raised && arriving) out.push(t, base);
  }
  return out;
}

/** Latency read over the window that did not rise (the whole service, not one zone). */
const flatLatency = (i: SignalIndex): Tagged[] =>
  series(i, ["latency_p50", "latency_p99"], ["flat", "drop"]).filter(
    (t) => (t.signal.scope?.zones ?? []).length === 0,
  );

/**
 * Load rose, the service scaled out, and every symptom stayed flat: the rising requests,
 * the scale-out, and the flat 5xx and latency series that show nothing degraded. Only
 * with both controls read (a symptom nobody measured is not "flat"), and not while errors,
 * latency or a backlog rose, tasks crash-loop, a dependency is saturated, or a release
 * correlates with a symptom's onset.
 */
export function scaledOutUnderLoad(i: SignalIndex): Tagged[] {
  const load = series(i, ["requests"], ["rise"]);
  const scaling = scaleOutUnderway(i);
  const errorsFlat = flatServerErrors(i);
  const latencyFlat = flatLatency(i);
  if ([load, scaling, errorsFlat, latencyFlat].some((g) => g.length === 0)) return [];
  return unless(
    [
      ...errorRises(i),
      ...latencyRises(i),
      ...queueBacklog(i),
      ...crashLoops(i),
      ...saturatedDependencies(i),
      ...i.of("release_correlation"),
    ],
    [...load, ...scaling, ...errorsFlat, ...latencyFlat],
  );
}
