import { parseRunContext } from "../../src/domain/run-context.ts";
import type { RunRow } from "../../src/runner/types.ts";
import type { Scenario } from "../scenario.ts";

export interface Verdict {
  ok: boolean;
  expected: string;
  actual: string;
  /** Why the expectation was read as it was (delivery off: the gate's pass hands off). */
  note?: string;
}

/**
 * Judges a finished run against its scenario. Where the scenario expects delivery (a PR,
 * RUN_COMPLETE), the run must have passed the gate; with delivery on it must then have
 * opened its draft PR (waiting for review) when the scenario expects one, and with
 * delivery off (no coding agent configured) the honest end is the handoff after the gate.
 */
export function judge(scenario: Scenario, run: RunRow): Verdict {
  const expected = scenario.expected.outcome;
  const actual = run.outcome ?? run.phase;
  const context = parseRunContext(run.context);
  const decision = context.decision?.decision;
  if (expected !== "RUN_COMPLETE") return { ok: actual === expected, expected, actual };
  const passed = decision === "proceed_to_delivery";
  if (!context.delivery) {
    return {
      ok: passed && actual === "CANNOT_AUTO_FIX",
      expected: "gate passed → delivery",
      actual: passed ? `gate passed → ${actual}` : actual,
      note: "delivery off (no coding agent configured): the gate's pass hands off",
    };
  }
  const pr = context.delivery.pr;
  const delivered = scenario.expected.pullRequest
    ? pr !== undefined && (actual === "AWAIT_HUMAN_REVIEW" || actual === "RUN_COMPLETE")
    : actual === "RUN_COMPLETE";
  return {
    ok: passed && delivered,
    expected: scenario.expected.pullRequest ? "draft PR, awaiting review" : expected,
    actual: pr ? `draft PR #${pr.number} → ${actual}` : actual,
  };
}
