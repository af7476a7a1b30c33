import {
  type RuledClass,
  type SignalIndex,
  sameOrUnstated,
  type TaggedSignal,
} from "./classifier-index.ts";

/**
 * The classifier's rules as data: each rule names the class it argues for or against,
 * its fixed contribution in confidence points, and the signals it rests on. A class's
 * evidence score is the signed sum of its fired rules; the strongest supporting set of
 * each class adds up to 80–85, so a clean reference scenario clears the 70 floor with a
 * margin that one stated gap or conflict can erase.
 */

export interface Rule {
  id: string;
  class: RuledClass;
  effect: "supports" | "refutes";
  /** Magnitude in confidence points; refuting rules subtract it. */
  points: number;
  explanation: string;
  /** The signals the rule rests on, or an empty list when it does not fire. */
  match(index: SignalIndex): TaggedSignal[];
}

/** A release counts as correlated when the symptom began within this many minutes of it. */
const RELEASE_WINDOW_MINUTES = 180;

const rising = (i: SignalIndex) =>
  i.of("error_rate_rise").filter((t) => t.signal.to > t.signal.from);
const all = (...groups: TaggedSignal[][]) =>
  groups.every((g) => g.length > 0) ? groups.flat() : [];
const unless = (blocker: TaggedSignal[], evidence: TaggedSignal[]) =>
  blocker.length > 0 ? [] : evidence;
/** The `as` and `bs` that pair with at least one of the other list, or none if no pair does. */
const matchedPairs = <A extends TaggedSignal, B extends TaggedSignal>(
  as: A[],
  bs: B[],
  pairs: (a: A, b: B) => boolean,
) =>
  all(
    as.filter((a) => bs.some((b) => pairs(a, b))),
    bs.filter((b) => as.some((a) => pairs(a, b))),
  );
/** "No deploy in the window" while any of `symptoms` is present, unless a release correlates. */
const withoutDeploy = (i: SignalIndex, ...symptoms: TaggedSignal[][]) =>
  symptoms.some((s) => s.length > 0)
    ? unless(i.of("release_correlation"), i.of("deploy_absent"))
    : [];

const saturatedQueues = (i: SignalIndex) =>
  i.of("queue_saturation").filter((t) => t.signal.ageSeconds > t.signal.threshold);
const exhaustedTasks = (i: SignalIndex) =>
  i
    .of("task_health")
    .filter(
      (t) =>
        t.signal.healthy < t.signal.desired ||
        (t.signal.max !== undefined && t.signal.desired >= t.signal.max),
    );
const activeVendorIncidents = (i: SignalIndex) =>
  i.of("vendor_incident").filter((t) => t.signal.status !== "resolved");
const correlatedVendorErrors = (i: SignalIndex) =>
  i.of("vendor_error_correlation").filter((t) => t.signal.correlatedRequests > 0);
const staleRows = (i: SignalIndex) =>
  i.of("stale_derived_rows").filter((t) => t.signal.staleCount > 0);

export const RULES: readonly Rule[] = [
  // code_defect
  {
    id: "code.5xx_rise_after_release",
    class: "code_defect",
    effect: "supports",
    points: 35,
    explanation: `5xx rate rose within ${RELEASE_WINDOW_MINUTES} min of a release of the same service`,
    match: (i) =>
      matchedPairs(
        rising(i),
        i
          .of("release_correlation")
          .filter((r) => r.signal.firstSeenAfterDeployMinutes <= RELEASE_WINDOW_MINUTES),
        (e, r) => sameOrUnstated(e.signal.service, r.signal.service),
      ),
  },
  {
    id: "code.new_exception_one_path",
    class: "code_defect",
    effect: "supports",
    points: 25,
    explanation: "new exceptions are confined to one request path",
    match(i) {
      const exceptions = i.of("new_exception");
      const paths = new Set(exceptions.map((t) => t.signal.path));
      return paths.size === 1 ? exceptions : [];
    },
  },
  {
    id: "code.exception_after_deploy",
    class: "code_defect",
    effect: "supports",
    points: 15,
    explanation: "the exception was first seen after the correlated release was deployed",
    match: (i) =>
      matchedPairs(
        i.of("new_exception"),
        i.of("release_correlation"),
        (e, r) => Date.parse(e.signal.firstSeen) >= Date.parse(r.signal.deployedAt),
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
    id: "code.no_deploy",
    class: "code_defect",
    effect: "refutes",
    points: 30,
    explanation: "no deploy in the window: nothing changed the code",
    match: (i) => i.of("deploy_absent"),
  },
  {
    id: "code.no_5xx_rise",
    class: "code_defect",
    effect: "refutes",
    points: 25,
    explanation: "the 5xx rate did not rise",
    match: (i) => i.of("no_5xx_rise"),
  },
  {
    id: "code.not_reproduced",
    class: "code_defect",
    effect: "refutes",
    points: 20,
    explanation: "the failure did not reproduce on the path",
    match: (i) => i.of("reproduction").filter((t) => !t.signal.reproduced),
  },
  // data_defect
  {
    id: "data.stale_rows_proven",
    class: "data_defect",
    effect: "supports",
    points: 45,
    explanation: "aggregate SELECTs prove derived rows disagree with their source",
    match: staleRows,
  },
  {
    id: "data.visible_count_mismatch",
    class: "data_defect",
    effect: "supports",
    points: 20,
    explanation: "a user-visible count disagrees with the computed total",
    match: (i) => i.of("count_mismatch").filter((t) => t.signal.displayed !== t.signal.computed),
  },
  {
    id: "data.write_path_changed",
    class: "data_defect",
    effect: "supports",
    points: 15,
    explanation: "a release or new exception explains why the derived rows stopped updating",
    match: (i) =>
      staleRows(i).length > 0 ? [...i.of("release_correlation"), ...i.of("new_exception")] : [],
  },
  {
    id: "data.no_write_path_change",
    class: "data_defect",
    effect: "supports",
    points: 15,
    explanation: "stale rows with no deploy in the window: a one-off failure, a correction only",
    match: (i) => withoutDeploy(i, staleRows(i)),
  },
  {
    id: "data.rows_consistent",
    class: "data_defect",
    effect: "refutes",
    points: 50,
    explanation: "the aggregate check found derived rows consistent",
    match: (i) => i.of("derived_rows_consistent"),
  },
  // infra
  {
    id: "infra.queue_saturated",
    class: "infra",
    effect: "supports",
    points: 35,
    explanation: "queue age is over its alarm threshold",
    match: saturatedQueues,
  },
  {
    id: "infra.capacity_exhausted",
    class: "infra",
    effect: "supports",
    points: 25,
    explanation: "tasks are below desired or scaled to their ceiling",
    match: exhaustedTasks,
  },
  {
    id: "infra.without_deploy",
    class: "infra",
    effect: "supports",
    points: 20,
    explanation: "capacity symptoms with no deploy in the window: not a regression",
    match: (i) => withoutDeploy(i, saturatedQueues(i), exhaustedTasks(i)),
  },
  {
    id: "infra.release_correlated",
    class: "infra",
    effect: "refutes",
    points: 25,
    explanation: "a release correlates with the symptom: a regression is likelier than capacity",
    match: (i) => i.of("release_correlation"),
  },
  {
    id: "infra.tasks_have_headroom",
    class: "infra",
    effect: "refutes",
    points: 25,
    explanation: "all desired tasks are healthy and below their ceiling",
    match: (i) =>
      i
        .of("task_health")
        .filter(
          (t) =>
            t.signal.healthy >= t.signal.desired &&
            (t.signal.max === undefined || t.signal.desired < t.signal.max),
        ),
  },
  {
    id: "infra.queue_within_threshold",
    class: "infra",
    effect: "refutes",
    points: 20,
    explanation: "queue age is within its alarm threshold",
    match: (i) => i.of("queue_saturation").filter((t) => t.signal.ageSeconds <= t.signal.threshold),
  },
  // vendor
  {
    id: "vendor.status_incident",
    class: "vendor",
    effect: "supports",
    points: 50,
    explanation: "the vendor's status page reports an open incident",
    match: activeVendorIncidents,
  },
  {
    id: "vendor.errors_correlated",
    class: "vendor",
    effect: "supports",
    points: 25,
    explanation: "failing requests carry the vendor's correlation IDs",
    match: correlatedVendorErrors,
  },
  {
    id: "vendor.without_deploy",
    class: "vendor",
    effect: "supports",
    points: 10,
    explanation: "vendor symptoms with no deploy of ours in the window",
    match: (i) => withoutDeploy(i, activeVendorIncidents(i), correlatedVendorErrors(i)),
  },
  {
    id: "vendor.operational",
    class: "vendor",
    effect: "refutes",
    points: 40,
    explanation: "the vendor's status page is operational",
    match: (i) => i.of("vendor_operational"),
  },
  // noise
  {
    id: "noise.aborts_without_5xx_rise",
    class: "noise",
    effect: "supports",
    points: 45,
    explanation: "client aborts while the 5xx rate did not rise",
    match: (i) =>
      all(
        i.of("client_aborts").filter((t) => t.signal.count > 0),
        i.of("no_5xx_rise"),
      ),
  },
  {
    id: "noise.aborts_without_deploy",
    class: "noise",
    effect: "supports",
    points: 25,
    explanation: "client aborts with no deploy in the window",
    match: (i) =>
      unless(i.of("release_correlation"), all(i.of("client_aborts"), i.of("deploy_absent"))),
  },
  {
    id: "noise.client_statuses_only",
    class: "noise",
    effect: "supports",
    points: 10,
    explanation: "aborts carry client-side statuses only and no new exception",
    match: (i) =>
      unless(
        i.of("new_exception"),
        i.of("client_aborts").filter((t) => t.signal.statusCodes.every((c) => c < 500)),
      ),
  },
  {
    id: "noise.server_errors_rising",
    class: "noise",
    effect: "refutes",
    points: 40,
    explanation: "the 5xx rate rose: the server is failing, not only clients leaving",
    match: rising,
  },
  {
    id: "noise.release_correlated",
    class: "noise",
    effect: "refutes",
    points: 20,
    explanation: "a release correlates with the symptom",
    match: (i) => i.of("release_correlation"),
  },
  {
    id: "noise.new_exception",
    class: "noise",
    effect: "refutes",
    points: 15,
    explanation: "a new exception appeared",
    match: (i) => i.of("new_exception"),
  },
];
