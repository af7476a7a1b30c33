import { describe, expect, it } from "vitest";
import type { UnsourcedSignal } from "../../test/setup/classifier-fixtures.ts";
import {
  deployAbsent,
  exception,
  inputOf,
  poison,
  queueAge,
  RULES_NOW,
  rise,
  saturation,
  tasks,
} from "../../test/setup/classifier-signals.ts";
import { classify, decideGate } from "./classifier.ts";

/**
 * Redeliveries during an outage are not poison (review finding 3): when a dependency or a
 * vendor is down, every message fails and comes back; the consumer has no defect and no
 * deploy changed it. Placeholder names only.
 */
const now = RULES_NOW;
const judge = (...groups: UnsourcedSignal[][]) => {
  const c = classify(inputOf(...groups), { now });
  return { c, gate: decideGate(c, { now }), fired: c.rulesFired.map((r) => r.ruleId) };
};
const consumerFailing = [queueAge(1800), tasks(6, 6, 10), poison(600, 40)];
const drop = (measure: "messages_deleted"): UnsourcedSignal => ({
  kind: "series_change",
  measure,
  direction: "drop",
  before: 400,
  after: 2,
  onset: "2025-03-04T10:08:00Z",
  onsetUncertaintyMinutes: 2,
});

describe("poison messages need nothing else to explain the redeliveries", () => {
  it("the control: a few messages redelivered with nothing else moving is still a code defect", () => {
    const { fired } = judge(
      consumerFailing,
      [exception("2025-03-04T10:05:00Z", "job q-1")],
      [deployAbsent],
    );
    expect(fired).toContain("code.poison_message");
  });

  it("a vendor implicated by the failing messages: no poison, no delivery", () => {
    const { fired, gate } = judge(
      consumerFailing,
      [exception("2025-03-04T10:05:00Z", "job q-1")],
      [{ kind: "vendor_error_correlation", vendor: "vendor-x", correlatedRequests: 300 }],
      [deployAbsent],
    );
    expect(fired).not.toContain("code.poison_message");
    expect(fired).toContain("code.no_deploy");
    expect(gate.decision).not.toBe("proceed_to_delivery");
  });

  it("a saturated or rising dependency: no poison, no delivery", () => {
    for (const dependency of [
      [saturation("database", 99, 100)],
      [rise("connections", { onset: "2025-03-04T10:06:00Z" })],
    ]) {
      const { fired, gate } = judge(
        consumerFailing,
        dependency,
        [exception("2025-03-04T10:05:00Z", "job q-1")],
        [deployAbsent],
      );
      expect(fired).not.toContain("code.poison_message");
      expect(gate.decision).not.toBe("proceed_to_delivery");
    }
  });

  it("the queue's deletes dropped (every message failing): no poison, no delivery", () => {
    const { fired, gate } = judge(
      consumerFailing,
      [drop("messages_deleted")],
      [exception("2025-03-04T10:05:00Z", "job q-1")],
      [deployAbsent],
    );
    expect(fired).not.toContain("code.poison_message");
    expect(gate.decision).not.toBe("proceed_to_delivery");
  });
});
