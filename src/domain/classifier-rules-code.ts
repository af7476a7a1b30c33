import {
  all,
  beganAfter,
  beganBefore,
  crashLoops,
  DEFAULT_ONSET_UNCERTAINTY_MINUTES,
  dependencyRises,
  errorRises,
  flagChanges,
  flatDependencies,
  flatServerErrors,
  infraEventsAtOnset,
  LONG_STANDING_DAYS,
  LOOSE_RELEASE_MINUTES,
  latencyRises,
  matchedPairs,
  outOfMemoryLoops,
  overlappingProviderIncidents,
  poisonMessages,
  RELEASE_WINDOW_MINUTES,
  releases,
  saturatedDependencies,
  series,
  serviceOf,
  TIGHT_RELEASE_MINUTES,
  unless,
} from "./classifier-features.ts";
import {
  longStandingDefect,
  longStandingDefectSpiking,
  longStandingDefectUnexplained,
  oneFailingPath,
} from "./classifier-features-code.ts";
import { drivingReleases, releaseDrivenDependencies } from "./classifier-features-drivers.ts";
import type { SignalIndex } from "./classifier-index.ts";
import { sameOrUnstated } from "./classifier-index.ts";
import type { Rule } from "./classifier-rule.ts";
import { CODE_AGAINST_RULES } from "./classifier-rules-code-against.ts";

/**
 * Rules for and against a code defect. A regression is argued from order and proximity:
 * a symptom that began after a release of the same service (and not before it), on one
 * path, with dependencies and load unchanged. A defect that is not a regression (a
 * message the consumer cannot process, an exception that has been steady for weeks) is
 * argued from the failure itself.
 */

const errorAfterRelease = (i: SignalIndex) => matchedPairs(errorRises(i), releases(i), beganAfter);
/** Latency counts separately only when no error rise already pairs with the release. */
const latencyAfterRelease = (i: SignalIndex) =>
  unless(errorAfterRelease(i), matchedPairs(latencyRises(i), releases(i), beganAfter));
const crashAfterRelease = (i: SignalIndex) => matchedPairs(crashLoops(i), releases(i), beganAfter);
/** Releases paired with a symptom that began after them (within the release window). */
const pairedReleases = (i: SignalIndex) =>
  releases(i).filter((r) =>
    [...errorRises(i), ...latencyRises(i), ...crashLoops(i)].some((s) => beganAfter(s, r)),
  );
/**
 * Paired releases close enough to the onset to be the likely cause, or tied to it through
 * a dependency climb that began within their rollout: only these earn the corroborating
 * rules (steady load, healthy dependencies, confinement).
 */
const nearReleases = (i: SignalIndex) => {
  const driving = drivingReleases(i);
  return pairedReleases(i).filter(
    (r) => r.signal.firstSeenAfterDeployMinutes <= LOOSE_RELEASE_MINUTES || driving.includes(r),
  );
};
/** Paired releases that drove a dependency's climb, with the climbs they drove. */
const releaseDroveDependency = (i: SignalIndex) => {
  const driving = drivingReleases(i);
  return all(
    pairedReleases(i).filter((r) => driving.includes(r)),
    releaseDrivenDependencies(i),
  );
};
/** A user-visible symptom that began after a near release, with that release. */
const releasePairedSymptom = (i: SignalIndex) =>
  matchedPairs(
    [...errorRises(i), ...latencyRises(i), ...crashLoops(i)],
    nearReleases(i),
    beganAfter,
  );
const flagPaired = (i: SignalIndex) =>
  matchedPairs([...errorRises(i), ...latencyRises(i)], flagChanges(i), (s, f) =>
    sameOrUnstated(serviceOf(s), f.signal.service),
  );
/** A latency rise that began after a release, whether or not an error rise also pairs. */
const anyLatencyAfterRelease = (i: SignalIndex) =>
  matchedPairs(latencyRises(i), releases(i), beganAfter);

/**
 * New exceptions first seen at a queue backlog's onset, with those backlog series: a
 * message that cannot be processed throws on its first receive, as the backlog begins.
 */
const exceptionAtBacklogOnset = (i: SignalIndex) =>
  matchedPairs(i.of("new_exception"), series(i, ["queue_age", "queue_depth"], ["rise"]), (e, q) => {
    if (q.signal.onset === undefined) return false;
    const slack =
      Math.max(
        q.signal.onsetUncertaintyMinutes ?? DEFAULT_ONSET_UNCERTAINTY_MINUTES,
        DEFAULT_ONSET_UNCERTAINTY_MINUTES,
      ) * 60_000;
    return Math.abs(Date.parse(e.signal.firstSeen) - Date.parse(q.signal.onset)) <= slack;
  });

export const CODE_RULES: readonly Rule[] = [
  {
    id: "code.5xx_rise_after_release",
    class: "code_defect",
    effect: "supports",
    points: 35,
    explanation: `5xx or error events rose within ${RELEASE_WINDOW_MINUTES} min after a release of the same service, not before it`,
    match: errorAfterRelease,
  },
  {
    id: "code.latency_rise_after_release",
    class: "code_defect",
    effect: "supports",
    points: 35,
    explanation:
      "latency rose after a release of the same service (counted only when no error rise already pairs with the release: one regression, one count)",
    match: latencyAfterRelease,
  },
  {
    id: "code.release_drove_dependency",
    class: "code_defect",
    effect: "supports",
    points: 20,
    explanation:
      "a dependency's load began climbing within the release's rollout on flat traffic and the symptom followed: the change accumulates (entries that no longer expire, connections not returned) until the dependency reaches its limit, so the symptom shows late but the release started it",
    match: releaseDroveDependency,
  },
  {
    id: "code.crash_loop_after_release",
    class: "code_defect",
    effect: "supports",
    points: 45,
    explanation:
      "tasks began restarting after a release of the same service: the new build cannot stay up",
    match: crashAfterRelease,
  },
  {
    id: "code.oom_after_release",
    class: "code_defect",
    effect: "supports",
    points: 15,
    explanation:
      "the restarts are out-of-memory kills after a release: the release uses more memory than the limit that held before",
    match: (i) => matchedPairs(outOfMemoryLoops(i), releases(i), beganAfter),
  },
  {
    id: "code.memory_rise_after_release",
    class: "code_defect",
    effect: "supports",
    points: 20,
    explanation:
      "the service's memory series rose after the release while it crash-loops or slows: growth the release brought (a leak or a heavier path)",
    match: (i) =>
      crashAfterRelease(i).length + latencyAfterRelease(i).length > 0
        ? matchedPairs(series(i, ["memory"], ["rise"]), releases(i), beganAfter)
        : [],
  },
  {
    id: "code.release_within_minutes",
    class: "code_defect",
    effect: "supports",
    points: 15,
    explanation: `the symptom began within ${TIGHT_RELEASE_MINUTES} min of the release it pairs with: as soon as the rollout reached traffic, which coincidence rarely matches`,
    match: (i) =>
      pairedReleases(i).filter(
        (r) => r.signal.firstSeenAfterDeployMinutes <= TIGHT_RELEASE_MINUTES,
      ),
  },
  {
    id: "code.confined_to_released_service",
    class: "code_defect",
    effect: "supports",
    points: 10,
    explanation:
      "the symptom is confined to the one service that was released: a shared dependency or platform fault would spread to others",
    match: (i) => {
      const released = nearReleases(i);
      const one = i
        .of("impact_scope")
        .filter(
          (t) =>
            t.signal.services.length === 1 &&
            released.some((r) => sameOrUnstated(t.signal.services[0], r.signal.service)),
        );
      return all(one, released);
    },
  },
  {
    id: "code.new_exception_one_path",
    class: "code_defect",
    effect: "supports",
    points: 25,
    explanation:
      "new exceptions are confined to one request path: two or more exceptions on the same path, one new exception, or an old one with a contrast (the scope is one route, the service's whole 5xx rate stayed flat, or the same messages fail again and again on the consumer's path); an old exception alone says nothing about confinement",
    match: oneFailingPath,
  },
  {
    id: "code.exception_after_deploy",
    class: "code_defect",
    effect: "supports",
    points: 15,
    explanation:
      "the exception was first seen after the correlated release was deployed, or (an older issue) its error events began rising after it",
    match(i) {
      const firstSeenAfter = matchedPairs(
        i.of("new_exception"),
        i.of("release_correlation"),
        (e, r) => Date.parse(e.signal.firstSeen) >= Date.parse(r.signal.deployedAt),
      );
      if (firstSeenAfter.length > 0) return firstSeenAfter;
      const spikedAfter = matchedPairs(
        series(i, ["error_events"], ["rise"]),
        releases(i),
        beganAfter,
      );
      return spikedAfter.length > 0 ? all(i.of("new_exception"), spikedAfter) : [];
    },
  },
  {
    id: "code.release_touches_stack",
    class: "code_defect",
    effect: "supports",
    points: 10,
    explanation:
      "the correlated release's diff changed a file in the failing exception's stack: the change is where the failure is",
    match: (i) =>
      all(
        i.of("new_exception"),
        releases(i).filter((r) => r.signal.diffTouchesStack === true),
      ),
  },
  {
    id: "code.data_precondition_present",
    class: "code_defect",
    effect: "supports",
    points: 10,
    explanation: "rows in the state the failing path mishandles exist",
    match: (i) =>
      all(
        i.of("data_precondition").filter((t) => t.signal.rowCount > 0),
        i.of("new_exception"),
      ),
  },
  {
    id: "code.reproduced",
    class: "code_defect",
    effect: "supports",
    points: 15,
    explanation: "the failure was reproduced on the path",
    match: (i) => i.of("reproduction").filter((t) => t.signal.reproduced),
  },
  {
    id: "code.dependencies_healthy",
    class: "code_defect",
    effect: "supports",
    points: 20,
    explanation:
      "the symptom followed a release while every dependency read stayed flat and none is saturated, and no open provider incident covers what the service runs on: the release, not a dependency, explains it",
    match: (i) =>
      unless(
        [...saturatedDependencies(i), ...dependencyRises(i), ...overlappingProviderIncidents(i)],
        all(releasePairedSymptom(i), flatDependencies(i)),
      ),
  },
  {
    id: "code.load_steady",
    class: "code_defect",
    effect: "supports",
    points: 15,
    explanation:
      "the symptom followed a release while request volume stayed flat: not a traffic surge",
    match: (i) => all(releasePairedSymptom(i), series(i, ["requests"], ["flat"])),
  },
  {
    id: "code.after_flag_change",
    class: "code_defect",
    effect: "supports",
    points: 30,
    explanation: `errors or latency rose within ${RELEASE_WINDOW_MINUTES} min after a feature flag of the same service changed: the flag changed which code runs`,
    match: flagPaired,
  },
  {
    id: "code.poison_message",
    class: "code_defect",
    effect: "supports",
    points: 45,
    explanation:
      "the same messages are received again and again or land in the dead-letter queue: the consumer cannot process them, a defect whether or not we deployed (a new message shape or a rare case reaches existing code); more consumers would not drain them",
    match: poisonMessages,
  },
  {
    id: "code.exception_at_backlog_onset",
    class: "code_defect",
    effect: "supports",
    points: 15,
    explanation: `while messages fail again and again, an exception was first seen within the queue backlog's onset (its uncertainty, at least ${DEFAULT_ONSET_UNCERTAINTY_MINUTES} min): the consumer's own failure names why the message cannot be processed`,
    match: (i) => all(poisonMessages(i), exceptionAtBacklogOnset(i)),
  },
  {
    id: "code.long_standing_defect",
    class: "code_defect",
    effect: "supports",
    points: 45,
    explanation: `an unhandled exception first seen ${LONG_STANDING_DAYS}+ days ago: a defect in the code that predates the recent releases (fix it; do not blame or roll back today's release)`,
    match: longStandingDefectUnexplained,
  },
  {
    id: "code.long_standing_defect_spiking",
    class: "code_defect",
    effect: "supports",
    points: 30,
    explanation:
      "the long-standing unhandled exception's own error events rose now while no dependency, infrastructure event, provider or vendor explains a spike: the old defect is meeting more of the inputs it fails on (a periodic job, a data condition), the symptom the ticket is about",
    match: longStandingDefectSpiking,
  },
  {
    id: "code.no_deploy",
    class: "code_defect",
    effect: "refutes",
    points: 30,
    explanation:
      "no deploy in the window: nothing changed the code (not counted against a flag change, a poison message or a long-standing defect, which need no deploy)",
    match: (i) =>
      unless(
        [...flagChanges(i), ...poisonMessages(i), ...longStandingDefect(i)],
        i.of("deploy_absent"),
      ),
  },
  {
    id: "code.no_5xx_rise",
    class: "code_defect",
    effect: "refutes",
    points: 25,
    explanation:
      "the 5xx rate did not rise (not counted against a latency regression, a crash loop, a poison message or a long-standing defect, which do not raise it)",
    match: (i) =>
      unless(
        [
          ...anyLatencyAfterRelease(i),
          ...crashAfterRelease(i),
          ...poisonMessages(i),
          ...longStandingDefect(i),
        ],
        flatServerErrors(i),
      ),
  },
  {
    id: "code.not_reproduced",
    class: "code_defect",
    effect: "refutes",
    points: 20,
    explanation: "the failure did not reproduce on the path",
    match: (i) => i.of("reproduction").filter((t) => !t.signal.reproduced),
  },
  {
    id: "code.release_long_before_onset",
    class: "code_defect",
    effect: "refutes",
    points: 25,
    explanation: `the only correlated release came more than ${LOOSE_RELEASE_MINUTES} min before the onset: a regression shows as soon as traffic reaches the new code, so the release is weakly tied to the symptom (not counted when a dependency's climb began within that release's rollout on flat traffic: an accumulating effect, a cache filling or connections leaking, surfaces only later)`,
    match: (i) => {
      if (releaseDrivenDependencies(i).length > 0) return [];
      const paired = pairedReleases(i);
      return paired.length > 0 &&
        paired.every((r) => r.signal.firstSeenAfterDeployMinutes > LOOSE_RELEASE_MINUTES)
        ? paired
        : [];
    },
  },
  {
    id: "code.release_misses_stack",
    class: "code_defect",
    effect: "refutes",
    points: 10,
    explanation:
      "no file the correlated release changed is in the failing exception's stack: the release may be a bystander (weak: a defect can sit in a caller or in configuration)",
    match: (i) =>
      all(
        i.of("new_exception"),
        releases(i).filter((r) => r.signal.diffTouchesStack === false),
      ),
  },
  {
    id: "code.onset_before_release",
    class: "code_defect",
    effect: "refutes",
    points: 35,
    explanation:
      "the symptom's onset precedes the release it is near (or the only nearby deploy came after the onset) by more than the onset's uncertainty: the release cannot have caused it",
    match(i) {
      const symptoms = [...errorRises(i), ...latencyRises(i)];
      const dated = matchedPairs(symptoms, releases(i), beganBefore);
      // A deploy that did not correlate because it came after the onset says the same.
      const lateDeploys = i
        .of("change_event")
        .filter(
          (t) =>
            t.signal.change === "deploy" &&
            t.signal.minutesBeforeOnset !== undefined &&
            t.signal.minutesBeforeOnset < -DEFAULT_ONSET_UNCERTAINTY_MINUTES,
        );
      return dated.length > 0 ? dated : all(symptoms, lateDeploys);
    },
  },
  {
    id: "code.infra_event_at_onset",
    class: "code_defect",
    effect: "refutes",
    points: 25,
    explanation:
      "an infrastructure event (failover, node replacement, maintenance, scaling) came at the onset: the platform changing under the service explains the symptom",
    match: infraEventsAtOnset,
  },
  {
    id: "code.provider_incident_overlaps",
    class: "code_defect",
    effect: "refutes",
    points: 25,
    explanation:
      "an open cloud-provider incident covers the region, zones or component our symptom is in: the platform under the code explains it",
    match: overlappingProviderIncidents,
  },
  ...CODE_AGAINST_RULES,
];
