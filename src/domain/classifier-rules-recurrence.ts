import {
  all,
  crashLoops,
  exhaustedTasks,
  flatServerErrors,
  longStandingExceptions,
  poisonMessages,
  series,
  unless,
} from "./classifier-features.ts";
import type { SignalIndex, TaggedSignal as Tagged } from "./classifier-index.ts";
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
 * `evidence` while nothing users depend on moved, read, not assumed: the service's 5xx rate
 * and its latency were read flat, neither errors, error events, latency (in any zone) nor
 * unhealthy hosts rose, and no task is crash-looping or short of its desired count.
 */
export const withoutImpact = (i: SignalIndex, evidence: Tagged[]): Tagged[] =>
  unless(
    [
      ...userFacingMoves(i),
      ...series(i, ["unhealthy_hosts"], ["rise"]),
      // A job's or a consumer's harm: its backlog growing, messages failing again and
      // again, or an exception it does not catch (a nightly job that now fails).
      ...series(i, ["queue_age", "queue_depth"], ["rise"]),
      ...poisonMessages(i),
      ...i
        .of("new_exception")
        .filter((t) => t.signal.handled !== true && !longStandingExceptions(i).includes(t)),
      ...crashLoops(i),
      ...exhaustedTasks(i),
    ],
    all(evidence, flatServerErrors(i), series(i, ["latency_p50", "latency_p99"], ["flat", "drop"])),
  );

/** A scheduled alarm while nothing users depend on moved ({@link withoutImpact}). */
export const scheduledAlarmWithoutImpact = (i: SignalIndex) => withoutImpact(i, scheduledAlarms(i));

/**
 * Calendar days of the week read on which the alarm must have fired: on most of them, so
 * the firing the ticket is about is the alarm's habit, not a new episode.
 */
export const MIN_FLAP_DAYS = 4;
/**
 * The longest episode a flap may last, minutes: shorter than an on-call takes to open the
 * page, so no one could have acted on any of them (a health check's grace, a task cycling).
 */
export const MAX_FLAP_MINUTES = 10;

/**
 * The ticket's alarm flaps: it fired on {@link MIN_FLAP_DAYS}+ days of the history read,
 * at whatever hour, and every firing, the current one included, returned to OK by itself
 * within {@link MAX_FLAP_MINUTES}.
 */
export const flappingAlarms = (i: SignalIndex) =>
  i.of("recurring_alarm").filter((t) => {
    const f = t.signal.flaps;
    return (
      f !== undefined &&
      f.days >= MIN_FLAP_DAYS &&
      f.firings > 0 &&
      f.cleared === f.firings &&
      f.longestMinutes <= MAX_FLAP_MINUTES
    );
  });

/** A flapping alarm while nothing users depend on moved ({@link withoutImpact}). */
export const flappingAlarmWithoutImpact = (i: SignalIndex) => withoutImpact(i, flappingAlarms(i));

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
    id: "noise.flapping_alarm_without_impact",
    class: "noise",
    effect: "supports",
    points: 45,
    explanation: `the alarm the ticket names fired on ${MIN_FLAP_DAYS}+ days of its history at any hour, every episode (this one included) back to OK by itself within ${MAX_FLAP_MINUTES} min, while the 5xx rate and latency were read flat and nothing users depend on moved (5xx and latency in any zone, error events, unhealthy hosts, tasks): an alarm that flaps, not an incident; tune it (evaluation periods, datapoints to alarm), nothing to fix`,
    match: flappingAlarmWithoutImpact,
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
