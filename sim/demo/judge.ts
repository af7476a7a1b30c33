import { DELIVERY_PHASES, type Phase } from "../../src/domain/phases.ts";
import { parseRunContext } from "../../src/domain/run-context.ts";
import type { RunRow } from "../../src/runner/types.ts";
import type { Scenario } from "../scenario.ts";

/**
 * Phases not built yet — delivery, every phase after the evidence gate; a scenario whose
 * expectation needs them stops at their boundary.
 */
export const NOT_BUILT_PHASES: readonly Phase[] = [...DELIVERY_PHASES];

export interface Verdict {
  ok: boolean;
  expected: string;
  actual: string;
  /** Why the expectation was adjusted, when it was (the delivery boundary). */
  note?: string;
}

/**
 * Judges a finished run against its scenario. Where the scenario expects delivery
 * (a PR, RUN_COMPLETE), the run must have passed the gate and stopped at the delivery
 * boundary, since delivery is not built: that is the honest outcome today.
 */
export function judge(scenario: Scenario, run: RunRow): Verdict {
  const expected = scenario.expected.outcome;
  const actual = run.outcome ?? run.phase;
  const decision = parseRunContext(run.context).decision?.decision;
  if (expected === "RUN_COMPLETE") {
    const ok = decision === "proceed_to_delivery" && actual === "CANNOT_AUTO_FIX";
    return {
      ok,
      expected: "gate passed → delivery",
      actual: decision === "proceed_to_delivery" ? `gate passed → ${actual}` : actual,
      note: `delivery (${NOT_BUILT_PHASES.join(", ")}) is not built yet`,
    };
  }
  return { ok: actual === expected, expected, actual };
}
