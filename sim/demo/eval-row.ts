import { parseRunContext } from "../../src/domain/run-context.ts";
import type { RunRow } from "../../src/runner/types.ts";
import type { Scenario } from "../scenario.ts";
import { DELIVERY, ERROR, type EvalRow } from "./eval-report.ts";

/** The scenario's family, or "unfiled". */
export function familyOf(scenario: Scenario): string {
  return scenario.family ?? "unfiled";
}

/** The exit a scenario expects, DELIVERY when it expects the gate to pass. */
export function expectedExit(scenario: Scenario): string {
  return scenario.expected.outcome === "RUN_COMPLETE" ? DELIVERY : scenario.expected.outcome;
}

/** The scenario allows the gate to pass: it expects delivery, or a PR beside an approval. */
export function deliveryExpected(scenario: Scenario): boolean {
  return scenario.expected.outcome === "RUN_COMPLETE" || scenario.expected.pullRequest;
}

/** The gate decided proceed_to_delivery in this run. */
export function gatePassed(run: RunRow): boolean {
  return parseRunContext(run.context).decision?.decision === "proceed_to_delivery";
}

/**
 * The exit a run got. A run that passed the gate stops at the delivery boundary
 * (CANNOT_AUTO_FIX until delivery is built): that is DELIVERY. One that passed and then
 * stopped on another exit (APPROVAL_REQUIRED for a backfill) got that exit.
 */
export function gotExit(run: RunRow): string {
  const outcome = run.outcome ?? run.phase;
  const boundary = outcome === "CANNOT_AUTO_FIX" || outcome === "RUN_COMPLETE";
  return gatePassed(run) && boundary ? DELIVERY : outcome;
}

/** One eval row from a finished run. */
export function evalRow(scenario: Scenario, run: RunRow, ms: number): EvalRow {
  const passed = gatePassed(run);
  return {
    scenario: scenario.name,
    family: familyOf(scenario),
    expected: expectedExit(scenario),
    got: gotExit(run),
    gatePassed: passed,
    deliveryExpected: deliveryExpected(scenario),
    ms,
  };
}

/** One eval row for a run that did not finish. */
export function errorRow(scenario: Scenario, ms: number, error: unknown): EvalRow {
  return {
    scenario: scenario.name,
    family: familyOf(scenario),
    expected: expectedExit(scenario),
    got: ERROR,
    gatePassed: false,
    deliveryExpected: deliveryExpected(scenario),
    ms,
    error: error instanceof Error ? error.message.split("\n")[0]! : String(error),
  };
}
