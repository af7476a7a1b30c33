import { describe, expect, it } from "vitest";
import type { UnsourcedSignal } from "../../test/setup/classifier-fixtures.ts";
import { flat, inputOf, RULES_NOW, release, rise } from "../../test/setup/classifier-signals.ts";
import { classify, decideGate } from "./classifier.ts";

/**
 * A load ramp begun long before an error step, with errors per request jumping and nothing
 * a surge strains moving, is not a competing explanation for a release; each neighbouring
 * shape (strain, a short lead, errors in proportion, no control read) still is.
 */
const judge = (...groups: UnsourcedSignal[][]) => {
  const c = classify(inputOf(...groups), { now: RULES_NOW });
  return { c, gate: decideGate(c, { now: RULES_NOW }), fired: c.rulesFired.map((r) => r.ruleId) };
};
/** An error step at the default onset (10:10), from near zero. */
const errorStep: UnsourcedSignal = {
  ...rise("errors_5xx", { uncertainty: 0.5 }),
  before: 0.3,
  after: 35,
} as UnsourcedSignal;
/** Requests ramping ×1.6 from `onset`. */
const ramp = (onset: string): UnsourcedSignal =>
  ({
    ...rise("requests", { onset, uncertainty: 0.5 }),
    before: 1350,
    after: 2230,
  }) as UnsourcedSignal;
const HOUR_BEFORE = "2025-03-04T09:05:00Z";

describe("code.load_rose_with_symptom and a load ramp long before an error step", () => {
  it("does not fire for an hour-old ramp with latency and CPU read flat: the release passes", () => {
    const { fired, gate } = judge(
      [errorStep, ramp(HOUR_BEFORE), flat("latency_p99"), flat("cpu")],
      [release()],
    );
    expect(fired).not.toContain("code.load_rose_with_symptom");
    expect(gate.outcome).not.toBe("CANNOT_AUTO_FIX");
  });

  it("fires when latency rose too: the load strained the service", () => {
    const { fired } = judge(
      [errorStep, ramp(HOUR_BEFORE), rise("latency_p99"), flat("cpu")],
      [release()],
    );
    expect(fired).toContain("code.load_rose_with_symptom");
  });

  it("fires when a dependency climbed: the load strained what it calls", () => {
    const { fired } = judge(
      [errorStep, ramp(HOUR_BEFORE), flat("latency_p99"), rise("connections")],
      [release()],
    );
    expect(fired).toContain("code.load_rose_with_symptom");
  });

  it("fires when the load began only minutes before the errors: new traffic may be failing", () => {
    const { fired } = judge(
      [errorStep, ramp("2025-03-04T10:04:00Z"), flat("latency_p99"), flat("cpu")],
      [release()],
    );
    expect(fired).toContain("code.load_rose_with_symptom");
  });

  it("fires when errors grew no faster than the load", () => {
    const proportional = { ...errorStep, before: 20, after: 33 } as UnsourcedSignal;
    const { fired } = judge(
      [proportional, ramp(HOUR_BEFORE), flat("latency_p99"), flat("cpu")],
      [release()],
    );
    expect(fired).toContain("code.load_rose_with_symptom");
  });

  it("fires when neither latency nor CPU was read: strain nobody measured is not absent", () => {
    const { fired } = judge([errorStep, ramp(HOUR_BEFORE)], [release()]);
    expect(fired).toContain("code.load_rose_with_symptom");
  });
});
