import type { TaggedSignal } from "./classifier-index.ts";
import { TOOL_REQUIREMENTS, type ToolRequirement } from "./classifier-requirements.ts";
import type { IncidentClass } from "./classifier-schema.ts";

/**
 * Which connectors a hypothesis depends on, given the evidence it rests on. A class's
 * requirements (classifier-requirements.ts) name the source its usual evidence comes
 * from: a code defect's exception, path and first-seen time come from Sentry. One crash
 * loop is the exception to that: tasks killed for exceeding their memory limit, as their
 * stop events say (OutOfMemoryError, exit 137), with no exception, 5xx or error-event
 * series among the supporting evidence. A process killed by the platform raises nothing
 * Sentry would hold, so Sentry's silence is not a missing part of the argument: the stop
 * reasons, the task counts and the memory series are CloudWatch's, CloudWatch is the
 * required source, and Sentry's absence is recorded as not needed by it (invariant 7: the
 * missing source is still named; no weaker source stands in for the one the evidence
 * comes from).
 *
 * The waiver cannot rest on "no exception was seen": with Sentry missing none can be, so
 * that test would waive Sentry for every crash loop, including tasks exiting at boot with
 * the very exception Sentry would show. It rests on what the stop events positively say.
 * A loop with any other exit, only a memory series or error lines to say it was out of
 * memory, or no stop event read at all, keeps Sentry required.
 */

/** A code defect's requirement when its evidence is out-of-memory kills: CloudWatch, not Sentry. */
export const CRASH_CODE_REQUIREMENT: ToolRequirement = {
  connector: "aws",
  required: true,
  defaultImpact: 40,
  why: "the restarts, their stop reasons and the memory series come from CloudWatch",
};

/** Evidence of a failure a process reports itself (an exception, errors it answered). */
function isReportedFailure(t: TaggedSignal): boolean {
  const s = t.signal;
  if (s.kind === "new_exception" || s.kind === "error_rate_rise") return true;
  return s.kind === "series_change" && (s.measure === "errors_5xx" || s.measure === "error_events");
}

/**
 * A crash loop whose stop events say every task was killed out of memory: at least one
 * such event read, and no container exiting with another code.
 */
export function isKilledOutOfMemory(t: TaggedSignal): boolean {
  const s = t.signal;
  if (s.kind !== "crash_loop" || s.reason !== "out_of_memory") return false;
  return (s.stopEvents?.outOfMemory ?? 0) > 0 && s.stopEvents?.exits === 0;
}

/**
 * The hypothesis rests on out-of-memory kills: its crash loops are all killed out of
 * memory by their stop events' account, and no reported failure is among its evidence.
 */
export function restsOnOutOfMemoryKills(evidenceFor: readonly TaggedSignal[]): boolean {
  const loops = evidenceFor.filter((t) => t.signal.kind === "crash_loop");
  return (
    loops.length > 0 && loops.every(isKilledOutOfMemory) && !evidenceFor.some(isReportedFailure)
  );
}

/** The requirements of `cls` as argued from `evidenceFor` (its supporting signals). */
export function requirementsFor(
  cls: IncidentClass,
  evidenceFor: readonly TaggedSignal[],
): ToolRequirement[] {
  if (cls === "code_defect" && restsOnOutOfMemoryKills(evidenceFor)) {
    return [
      CRASH_CODE_REQUIREMENT,
      ...TOOL_REQUIREMENTS.code_defect.filter((r) => r.connector !== "sentry"),
    ];
  }
  return [...TOOL_REQUIREMENTS[cls]];
}
