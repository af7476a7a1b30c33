import { describe, expect, it } from "vitest";
import type { UnsourcedSignal } from "../../test/setup/classifier-fixtures.ts";
import {
  exception,
  flat,
  inputOf,
  RULES_NOW,
  release,
  rise,
} from "../../test/setup/classifier-signals.ts";
import { classify, decideGate } from "./classifier.ts";

/**
 * A release whose new code needs a configuration value its environment lacks: every
 * deploy-correlation rule blames the release (rightly), yet the remedy is the value (set
 * it, or roll back), which a human owns. The gate must not pass it to delivery, while a
 * genuine defect the same release brought still passes.
 */
const now = RULES_NOW;
const judge = (...groups: UnsourcedSignal[][]) => {
  const c = classify(inputOf(...groups), { now });
  return { c, gate: decideGate(c, { now }), fired: c.rulesFired.map((r) => r.ruleId) };
};
const OLD = "2024-11-02T08:00:00Z";
const missingConfig = (firstSeen?: string, path?: string) =>
  ({ ...exception(firstSeen, path), missingConfig: true }) as UnsourcedSignal;
/** A second new exception the release brought, saying nothing about configuration. */
const another = () => ({ ...exception(), issueId: "I-2" }) as UnsourcedSignal;
/** A regression's strongest shape around one exception: tight release, controls flat. */
const regression = (...exceptions: UnsourcedSignal[]): UnsourcedSignal[][] => [
  [rise("errors_5xx"), rise("error_events"), flat("connections"), flat("cpu"), flat("requests")],
  [release()],
  exceptions,
];

describe("a release that needs configuration its environment lacks", () => {
  it("its only exception says a required value is missing: no code change, NO_CODE_CHANGE", () => {
    const { c, gate, fired } = judge(...regression(missingConfig()));
    expect(fired).toContain("code.release_needs_missing_config");
    expect(c.class).toBe("code_defect");
    expect(c.remedy.codeChange).toBe(false);
    expect(gate.outcome).toBe("NO_CODE_CHANGE");
    expect(c.rootCauseHypothesis).toContain("needs configuration its environment lacks");
    expect(c.rootCauseHypothesis).toContain("roll back r-2");
  });

  it("the same regression with an ordinary exception still passes the gate", () => {
    const { c, gate, fired } = judge(...regression(exception()));
    expect(fired).not.toContain("code.release_needs_missing_config");
    expect(c.remedy.codeChange).toBe(true);
    expect(gate.decision).toBe("proceed_to_delivery");
  });

  it("a missing-configuration guard beside another new exception: a human weighs them", () => {
    const { gate, fired } = judge(...regression(missingConfig(undefined, "GET /b"), another()));
    expect(fired).toContain("code.release_partly_needs_missing_config");
    expect(fired).not.toContain("code.release_needs_missing_config");
    expect(gate.outcome).toBe("CANNOT_AUTO_FIX");
  });

  it("an old missing-configuration warning does not excuse a new defect the release brought", () => {
    const { gate, fired } = judge(...regression(missingConfig(OLD, "GET /b"), another()));
    expect(fired).not.toContain("code.release_needs_missing_config");
    expect(fired).not.toContain("code.release_partly_needs_missing_config");
    expect(gate.decision).toBe("proceed_to_delivery");
  });

  it("a handled one answered with 4xx only is a request rejected, not the release's failure", () => {
    const rejected = { ...missingConfig(), handled: true, statusCodes: [400] } as UnsourcedSignal;
    const { fired } = judge(...regression(rejected));
    expect(fired).not.toContain("code.release_needs_missing_config");
  });

  it("one first seen before the rollout began is not what the release brought", () => {
    const { fired } = judge(...regression(missingConfig("2025-03-04T09:30:00Z")));
    expect(fired).not.toContain("code.release_needs_missing_config");
  });
});
