import {
  all,
  clientAborts,
  flatServerErrors,
  latencyRises,
  MAJORITY_SHARE,
  nonUserMajority,
  onlyHandledExceptions,
  series,
  serverErrorRises,
  unless,
  userMajority,
  withoutDeploy,
} from "./classifier-features.ts";
import {
  oneCallerRejections,
  RUNTIME_CONCENTRATION,
  runtimeSpikes,
} from "./classifier-features-code.ts";
import type { SignalIndex, TaggedSignal } from "./classifier-index.ts";
import type { Rule } from "./classifier-rule.ts";

/** Rules for and against a data defect and noise (a vendor's failure: classifier-rules-vendor.ts). */

const staleRows = (i: SignalIndex) =>
  i.of("stale_derived_rows").filter((t) => t.signal.staleCount > 0);
/** Bad rows still appearing within the last day: the cause is active (a write path). */
const ongoingRows = (i: SignalIndex) => staleRows(i).filter((t) => t.signal.ongoing === true);
/**
 * Bad rows after whose newest one enough rows were written, all of them right: the write
 * path is whole again (a release since rolled forward, a one-off job that ended).
 */
const wholeAgainRows = (i: SignalIndex) =>
  staleRows(i).filter((t) => t.signal.writePathWhole === true && t.signal.ongoing !== true);
/** Every bad row found is of a write path that is whole again: nothing left to fix in code. */
const allWholeAgain = (i: SignalIndex) =>
  staleRows(i).length > 0 && wholeAgainRows(i).length === staleRows(i).length;
/** Bad rows the ticket's own quoted records are among (the reporter's case re-observed). */
const ticketRecordsAffected = (i: SignalIndex) =>
  unless(
    i.of("count_mismatch"),
    staleRows(i).filter((t) => (t.signal.ticketEntitiesAffected ?? 0) > 0),
  );
/**
 * An edit of a reference row the ticket names, with the rows referring to it shifted at
 * that minute and those of its other rows steady (the db specialist emits it only then).
 */
const referenceEdits = (i: SignalIndex) => i.of("reference_edit");
/**
 * No deploy in the window before the edit and none correlated: a deploy-absence control
 * whose window reaches the edit (the release specialist read deploys against that onset).
 */
const noDeployAcrossEdit = (i: SignalIndex) => {
  const edits = referenceEdits(i).map((t) => Date.parse(t.signal.editedAt));
  const reaches = (t: TaggedSignal<"deploy_absent">) => {
    const { windowStart, windowEnd } = t.signal;
    if (windowStart === undefined || windowEnd === undefined) return false;
    return edits.some((at) => Date.parse(windowStart) < at && Date.parse(windowEnd) >= at);
  };
  return unless(
    i.of("release_correlation"),
    all(referenceEdits(i), i.of("deploy_absent").filter(reaches)),
  );
};
const abortsWithout5xx = (i: SignalIndex) => all(clientAborts(i), flatServerErrors(i));
const abortsWithoutDeploy = (i: SignalIndex) =>
  unless(i.of("release_correlation"), all(i.of("client_aborts"), i.of("deploy_absent")));
const majority = `${Math.round(MAJORITY_SHARE * 100)}%`;
/**
 * What users or a job's output depend on moved: the 5xx rate, the error events (the
 * handled issue's own series included) or the latency rose. Handled errors are noise only
 * while none of it did: a worker that catches every failure and reports it still failed
 * its work, and its own series shows when. (A 4xx rise is left out: scanners, bots and
 * monitors raise it, and the traffic-origin rules judge those; so are the events of a
 * handled exception answered with 4xx only that one caller sends, while no
 * release correlates, {@link oneCallerRejections}.)
 */
export const userFacingMoves = (i: SignalIndex) => {
  // One caller's rejected requests rising is its doing, answered correctly: not a failure;
  // so is one client runtime's spike while the server answers as before.
  const rejections = [...oneCallerRejections(i), ...runtimeSpikes(i)];
  return [
    ...serverErrorRises(i),
    ...series(i, ["error_events"], ["rise"]).filter(
      (s) => !rejections.some((r) => r.signal.sourceRef === s.signal.sourceRef),
    ),
    ...latencyRises(i),
  ];
};
/** One client runtime's spike of an old exception while latency held (noise.client_runtime_spike). */
const steadyRuntimeSpikes = (i: SignalIndex) => unless(latencyRises(i), runtimeSpikes(i));
/** Unhandled exceptions, but for an old one a client runtime's spike carries. */
const unexcusedUnhandled = (i: SignalIndex) => {
  const spikes = runtimeSpikes(i);
  return i.of("new_exception").filter((t) => t.signal.handled !== true && !spikes.includes(t));
};
/**
 * Every reported exception handled, the service's 5xx rate read flat, and nothing users
 * depend on moved: the steady state of a condition the code expects (a business rule
 * answered with a 4xx the client recovers from), not a failure.
 */
const handledAndSteady = (i: SignalIndex) =>
  unless(userFacingMoves(i), all(onlyHandledExceptions(i), flatServerErrors(i)));

export const DATA_RULES: readonly Rule[] = [
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
    id: "data.ticket_records_affected",
    class: "data_defect",
    effect: "supports",
    points: 20,
    explanation:
      "the records the ticket quotes are among the rows found wrong: the reporter's own case, re-observed (counted only when no visible-count mismatch already is)",
    match: ticketRecordsAffected,
  },
  {
    id: "data.write_path_changed",
    class: "data_defect",
    effect: "supports",
    points: 15,
    explanation:
      "a release or new exception explains why the rows went wrong, or wrong rows are still appearing (within the last day): a write path keeps producing them (not counted when the rows written since the newest wrong one are all right: the write path is whole again)",
    match: (i) =>
      staleRows(i).length > 0 && !allWholeAgain(i)
        ? [...i.of("release_correlation"), ...i.of("new_exception"), ...ongoingRows(i)]
        : [],
  },
  {
    id: "data.write_path_whole_again",
    class: "data_defect",
    effect: "supports",
    points: 15,
    explanation:
      "enough rows were written after the newest wrong one, all of them right: whatever wrote the wrong rows (a release since rolled forward, a one-off job) no longer does, so a correction of the rows already written is the remedy, not a code change (counted only when data.no_write_path_change does not already make the case)",
    match: (i) =>
      unless(withoutDeploy(i, staleRows(i)), ongoingRows(i).length > 0 ? [] : wholeAgainRows(i)),
  },
  {
    id: "data.no_write_path_change",
    class: "data_defect",
    effect: "supports",
    points: 15,
    explanation:
      "wrong rows with no deploy in the window and none still appearing: a one-off failure, a correction only",
    match: (i) => (ongoingRows(i).length > 0 ? [] : withoutDeploy(i, staleRows(i))),
  },
  {
    id: "data.reference_edit_shifted_rows",
    class: "data_defect",
    effect: "supports",
    points: 45,
    explanation:
      "a reference row the ticket names was edited, and the rows referring to it carry a different value since that minute while those of the table's other rows kept theirs: the rows follow the edited data",
    match: referenceEdits,
  },
  {
    id: "data.reference_edit_audited",
    class: "data_defect",
    effect: "supports",
    points: 20,
    explanation:
      "an audit table records that edit (an operator's change with its time), not only the row's update time: a change made to the data, not by the service's write path",
    match: (i) => referenceEdits(i).filter((t) => t.signal.datedBy === "audit_trail"),
  },
  {
    id: "data.reference_edit_without_deploy",
    class: "data_defect",
    effect: "supports",
    points: 15,
    explanation:
      "no deploy in the window before the edit and none correlated: the edit alone changed the rows, a correction only",
    match: noDeployAcrossEdit,
  },
  {
    id: "data.rows_consistent",
    class: "data_defect",
    effect: "refutes",
    points: 50,
    explanation: "the aggregate check found derived rows consistent",
    match: (i) => i.of("derived_rows_consistent"),
  },
];

export const NOISE_RULES: readonly Rule[] = [
  {
    id: "noise.aborts_without_5xx_rise",
    class: "noise",
    effect: "supports",
    points: 45,
    explanation: "client aborts while the 5xx rate did not rise",
    match: abortsWithout5xx,
  },
  {
    id: "noise.aborts_without_deploy",
    class: "noise",
    effect: "supports",
    points: 25,
    explanation: "client aborts with no deploy in the window",
    match: abortsWithoutDeploy,
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
    id: "noise.non_user_traffic_without_5xx_rise",
    class: "noise",
    effect: "supports",
    points: 45,
    explanation: `synthetic checks, bots or health checks make up ${majority}+ of the failing requests while the 5xx rate did not rise (counted only when client aborts have not already made the case)`,
    match: (i) => unless(abortsWithout5xx(i), all(nonUserMajority(i), flatServerErrors(i))),
  },
  {
    id: "noise.non_user_traffic_without_deploy",
    class: "noise",
    effect: "supports",
    points: 25,
    explanation:
      "failing requests are mostly synthetic, bots or health checks, with no deploy in the window (counted only when client aborts have not already made the case)",
    match: (i) =>
      unless(
        [...abortsWithoutDeploy(i), ...i.of("release_correlation")],
        all(nonUserMajority(i), i.of("deploy_absent")),
      ),
  },
  {
    id: "noise.handled_errors_flat",
    class: "noise",
    effect: "supports",
    points: 45,
    explanation:
      "every reported exception is handled (the code caught it and recovered), the 5xx rate did not rise and nothing users depend on moved (5xx, error events, latency): nothing failed for a user",
    match: handledAndSteady,
  },
  {
    id: "noise.handled_errors_without_deploy",
    class: "noise",
    effect: "supports",
    points: 25,
    explanation:
      "every reported exception is handled, with no deploy in the window, while nothing users depend on moved (5xx, error events, latency)",
    match: (i) =>
      unless(
        [...i.of("release_correlation"), ...userFacingMoves(i)],
        all(onlyHandledExceptions(i), i.of("deploy_absent")),
      ),
  },
  {
    id: "noise.one_caller_rejections",
    class: "noise",
    effect: "supports",
    points: 15,
    explanation: `a handled exception answered with client errors (4xx) only, ${majority}+ of it from one caller, with no correlated release and the 5xx rate flat: the service rejects what one client sends (a retry loop, a broken integration); its rise is that caller's doing`,
    match: (i) => all(oneCallerRejections(i), flatServerErrors(i)),
  },
  {
    id: "noise.client_runtime_spike",
    class: "noise",
    effect: "supports",
    points: 45,
    explanation: `a long-standing exception's events rose, ${Math.round(RUNTIME_CONCENTRATION * 100)}%+ of them from one client runtime (a browser version), with no correlated release while the 5xx rate and latency held: a browser update changed what the old code meets in the client, not a change of ours, and nothing the server does moved`,
    match: steadyRuntimeSpikes,
  },
  {
    id: "noise.server_errors_rising",
    class: "noise",
    effect: "refutes",
    points: 40,
    explanation: "the 5xx rate rose: the server is failing, not only clients leaving",
    match: serverErrorRises,
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
    explanation:
      "an unhandled exception appeared (not counted when most failing requests are synthetic, bots or health checks: they raise it; nor for an old exception one client runtime's spike carries, noise.client_runtime_spike)",
    match: (i) => unless(nonUserMajority(i), unexcusedUnhandled(i)),
  },
  {
    id: "noise.real_user_traffic",
    class: "noise",
    effect: "refutes",
    points: 30,
    explanation: `real users make up ${majority}+ of the failing requests (not counted when every exception is handled, the 5xx rate is flat and nothing users depend on moved: users meeting a condition the code expects, at its usual rate, is not a failure)`,
    match: (i) => unless([...handledAndSteady(i), ...steadyRuntimeSpikes(i)], userMajority(i)),
  },
];
