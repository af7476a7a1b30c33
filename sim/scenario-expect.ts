import { globMatcher } from "./faults.ts";
import type { ScenarioExpectation } from "./scenario-schema.ts";
import type { RecordedCall } from "./types.ts";

/** "service:method", the key scenario expectations use for calls. */
function callKey(call: Pick<RecordedCall, "service" | "method">): string {
  return `${call.service}:${call.method}`;
}

/**
 * Checks a run's recorded calls against a scenario's `expected.calls` (exact counts) and
 * `expected.forbiddenCalls` (globs). Returns one line per violation; empty when they hold.
 * Calls answered by an injected fault still count: prode attempted them.
 */
export function expectedCallViolations(
  expected: Pick<ScenarioExpectation, "calls" | "forbiddenCalls">,
  calls: readonly RecordedCall[],
): string[] {
  const keys = calls.map(callKey);
  const violations: string[] = [];
  for (const [key, count] of Object.entries(expected.calls)) {
    const actual = keys.filter((k) => k === key).length;
    if (actual !== count) violations.push(`${key}: expected ${count} call(s), saw ${actual}`);
  }
  for (const pattern of expected.forbiddenCalls) {
    const matches = globMatcher(pattern);
    const hits = keys.filter((k) => matches([k]));
    if (hits.length > 0)
      violations.push(`forbidden ${pattern}: called ${[...new Set(hits)].join(", ")}`);
  }
  return violations;
}
