import {
  all,
  crashLoops,
  exhaustedTasks,
  flatServerErrors,
  series,
  unless,
} from "./classifier-features.ts";
import type { SignalIndex } from "./classifier-index.ts";
import type { Rule } from "./classifier-rule.ts";
import { userFacingMoves } from "./classifier-rules-other.ts";

/**
 * An alarm that fires every day at the same time and clears by itself, while nothing
 * users depend on moves, is tuned too tight for a scheduled load (a nightly import, a
 * backup, a batch job): noise to tune, not an incident to fix. What "the same time" is
 * comes from the alarm's own history (specialists/aws/alarm-recurrence.ts).
 */

/**
 * Earlier days that must show the same firing: three makes a schedule (one or two
 * repeats can be a coincidence or one incident's aftermath), and a weekday job shows it
 * within the week of history read.
 */
export const MIN_PRIOR_FIRINGS = 3;
/**
 * The daily firings must be this share of all the alarm's firings read: an alarm that
 * also fires at other hours is flapping on something else, not following a schedule.
 */
export const SCHEDULED_SHARE = 0.75;

/**
 * The ticket's alarm fired at the same time of day on {@link MIN_PRIOR_FIRINGS} or more
 * earlier days, each of those episodes returned to OK by itself, and the daily firings
 * make up {@link SCHEDULED_SHARE} of its firings.
 */
export const scheduledAlarms = (i: SignalIndex) =>
  i
    .of("recurring_alarm")
    .filter(
      (t) =>
        t.signal.priorFirings >= MIN_PRIOR_FIRINGS &&
        t.signal.selfCleared === t.signal.priorFirings &&
        t.signal.priorFirings >= SCHEDULED_SHARE * (t.signal.priorFirings + t.signal.otherFirings),
    );

/**
 * A scheduled alarm while nothing users depend on moved, read, not assumed: the service's
 * 5xx rate and its latency were read flat, neither errors, error events nor latency rose,
 * and no task is crash-looping or short of its desired count.
 */
export const scheduledAlarmWithoutImpact = (i: SignalIndex) =>
  unless(
    [...userFacingMoves(i), ...crashLoops(i), ...exhaustedTasks(i)],
    all(
      scheduledAlarms(i),
      flatServerErrors(i),
      series(i, ["latency_p50", "latency_p99"], ["flat", "drop"]),
    ),
  );

const SCHEDULED = `at the same time of day on ${MIN_PRIOR_FIRINGS}+ earlier days of its history, clearing by itself each time (and seldom at other hours)`;

export const RECURRENCE_RULES: readonly Rule[] = [
  {
    id: "noise.scheduled_alarm_without_impact",
    class: "noise",
    effect: "supports",
    points: 45,
    explanation: `the alarm the ticket names fired ${SCHEDULED}, while the 5xx rate and latency were read flat and nothing users depend on moved (5xx, error events, latency, tasks): a scheduled load crossing a threshold set too tight; tune the alarm or schedule it out of that window, nothing to fix`,
    match: scheduledAlarmWithoutImpact,
  },
  {
    id: "noise.scheduled_alarm_without_deploy",
    class: "noise",
    effect: "supports",
    points: 25,
    explanation:
      "the same scheduled, impact-free alarm with no deploy in the window: the pattern predates any change of ours",
    match: (i) =>
      unless(
        i.of("release_correlation"),
        all(scheduledAlarmWithoutImpact(i), i.of("deploy_absent")),
      ),
  },
  {
    id: "infra.scheduled_alarm_without_impact",
    class: "infra",
    effect: "refutes",
    points: 25,
    explanation: `the dependency's alarm fired ${SCHEDULED}, with nothing users depend on moving: the resource absorbing its scheduled workload every day, not capacity the service lacks`,
    match: scheduledAlarmWithoutImpact,
  },
];
