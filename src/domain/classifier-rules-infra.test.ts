import { describe, expect, it } from "vitest";
import { inputOf, RULES_NOW, release, rise } from "../../test/setup/classifier-signals.ts";
import { classify } from "./classifier.ts";

/**
 * A release near the onset argues for a regression over capacity, but not when the load
 * rose with the symptom or a dependency moved first: then the release is a bystander and
 * must not take points from the infrastructure explanation.
 */
const fired = (...groups: Parameters<typeof inputOf>) =>
  classify(inputOf(...groups), { now: RULES_NOW }).rulesFired.map((r) => r.ruleId);

describe("infra.release_correlated", () => {
  it("counts a release just before the symptom against infrastructure", () => {
    expect(fired([rise("latency_p99")], [release({ after: 10 })])).toContain(
      "infra.release_correlated",
    );
  });

  it("does not when the request volume rose with the symptom", () => {
    const rules = fired(
      [rise("latency_p99", { onset: "2025-03-04T10:08:00Z" })],
      [rise("requests", { onset: "2025-03-04T10:06:00Z" })],
      [release({ after: 10 })],
    );
    expect(rules).toContain("code.load_rose_with_symptom");
    expect(rules).not.toContain("infra.release_correlated");
  });
});
