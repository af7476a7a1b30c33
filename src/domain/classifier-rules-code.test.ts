import { describe, expect, it } from "vitest";
import type { UnsourcedSignal } from "../../test/setup/classifier-fixtures.ts";
import {
  crash,
  deployAbsent,
  exception,
  flat,
  inputOf,
  no5xxRise,
  RULES_NOW,
  release,
  rise,
} from "../../test/setup/classifier-signals.ts";
import { classify, decideGate } from "./classifier.ts";

/**
 * A deploy near the onset must not carry a code change through the gate when the
 * evidence points elsewhere (a vendor, a surge, a dependency that moved first), and an
 * old exception's age alone must not either. Each case is the reviewer's hand-built
 * shape; the last ones are the legitimate regressions that must still pass.
 */
const now = RULES_NOW;
const judge = (...groups: UnsourcedSignal[][]) => {
  const c = classify(inputOf(...groups), { now });
  return { c, gate: decideGate(c, { now }), fired: c.rulesFired.map((r) => r.ruleId) };
};
const OLD = "2024-11-02T08:00:00Z";
const vendorErrors: UnsourcedSignal = {
  kind: "vendor_error_correlation",
  vendor: "vendor-a",
  correlatedRequests: 40,
};
const vendorGreen: UnsourcedSignal = { kind: "vendor_operational", vendor: "vendor-a" };
/** A regression's strongest shape: errors after a tight release, dependencies and load flat. */
const cleanRegression = (): UnsourcedSignal[][] => [
  [rise("errors_5xx"), rise("error_events"), flat("connections"), flat("cpu"), flat("requests")],
  [release()],
  [exception()],
];

describe("competing evidence near a release keeps the gate closed", () => {
  it("vendor errors with a harmless deploy 10 min before and no status post yet: no delivery", () => {
    const { c, gate, fired } = judge(...cleanRegression(), [vendorErrors, vendorGreen]);
    expect(fired).toContain("code.vendor_implicated");
    // The regression's corroborating rules still clear the floor; the gate stops it anyway.
    expect(c.class).toBe("code_defect");
    expect(c.confidence).toBeGreaterThanOrEqual(70);
    expect(gate.outcome).toBe("CANNOT_AUTO_FIX");
    expect(gate.reasons.join(" ")).toContain("code.vendor_implicated");
  });

  it("requests doubled with DB connections rising, deploy just before: no delivery", () => {
    const { gate, fired } = judge(
      [rise("errors_5xx"), rise("latency_p99"), flat("cpu")],
      [rise("requests", { onset: "2025-03-04T10:06:00Z" })],
      [rise("connections", { onset: "2025-03-04T10:08:00Z" })],
      [release({ after: 10 })],
      [exception()],
    );
    expect(fired).toContain("code.load_rose_with_symptom");
    expect(gate.decision).toBe("exit");
  });

  it("the cache emptied minutes before the latency, deploy just before: no delivery", () => {
    const { gate, fired } = judge(
      [rise("latency_p99", { uncertainty: 1 }), flat("requests"), flat("connections")],
      [
        {
          kind: "series_change",
          measure: "cache_items",
          direction: "drop",
          before: 90_000,
          after: 200,
          service: "svc-a",
          onset: "2025-03-04T10:02:00Z",
          onsetUncertaintyMinutes: 1,
        },
      ],
      [release({ after: 10 })],
      [exception()],
    );
    expect(fired).toContain("code.dependency_moved_first");
    expect(gate.decision).toBe("exit");
  });

  it("a request rise after the errors began is not a surge that explains them", () => {
    const { fired } = judge(
      [rise("errors_5xx", { uncertainty: 1 })],
      [rise("requests", { onset: "2025-03-04T10:40:00Z", uncertainty: 1 })],
      [release()],
    );
    expect(fired).not.toContain("code.load_rose_with_symptom");
  });
});

describe("an old exception's age alone does not pass the gate", () => {
  it("an old unhandled issue alone stays under the floor", () => {
    const { c, gate, fired } = judge([exception(OLD)]);
    expect(fired).toContain("code.long_standing_defect");
    expect(fired).not.toContain("code.new_exception_one_path");
    expect(c.confidence).toBeLessThan(70);
    expect(gate.decision).toBe("exit");
  });

  it("an old timeout exception while the cache's items drop, no deploy: the old defect does not count", () => {
    const { gate, fired } = judge(
      [exception(OLD)],
      [
        {
          kind: "series_change",
          measure: "cache_items",
          direction: "drop",
          before: 50_000,
          after: 10,
          service: "svc-a",
          onset: "2025-03-04T10:05:00Z",
        },
        rise("latency_p99"),
      ],
      [deployAbsent],
    );
    expect(fired).not.toContain("code.long_standing_defect");
    expect(gate.decision).toBe("exit");
  });

  it("an old defect whose own events spike with nothing else moving still passes", () => {
    const { gate } = judge([exception(OLD), rise("error_events")], [deployAbsent]);
    expect(gate.decision).toBe("proceed_to_delivery");
  });

  it("an old defect with the whole service's 5xx flat (confined to its path) still passes", () => {
    const { gate, fired } = judge([exception(OLD)], [no5xxRise]);
    expect(fired).toContain("code.new_exception_one_path");
    expect(gate.decision).toBe("proceed_to_delivery");
  });
});

describe("the 5xx negative control is the whole service's", () => {
  it("a zone's flat 5xx series does not say the 5xx rate did not rise", () => {
    const { fired } = judge(
      [rise("errors_5xx", { zones: ["zone-a"] }), flat("errors_5xx", ["zone-b"])],
      [release()],
    );
    expect(fired).not.toContain("code.no_5xx_rise");
  });

  it("a whole-service flat 5xx series still does", () => {
    const { fired } = judge([rise("latency_p99"), flat("errors_5xx")], [deployAbsent]);
    expect(fired).toContain("code.no_5xx_rise");
  });
});

describe("legitimate regressions still pass", () => {
  it("errors after a tight release with dependencies and load flat", () => {
    expect(judge(...cleanRegression()).gate.decision).toBe("proceed_to_delivery");
  });

  it("a release that loads the database as the latency begins (moving together) is not refuted", () => {
    const { gate, fired } = judge(
      [rise("latency_p99", { onset: "2025-03-04T10:06:00Z" }), flat("requests")],
      [rise("connections", { onset: "2025-03-04T10:05:00Z" })],
      [release({ after: 6 })],
      [{ ...exception("2025-03-04T10:05:00Z"), events: 30 } as UnsourcedSignal, no5xxRise],
    );
    expect(fired).not.toContain("code.dependency_moved_first");
    expect(gate.decision).toBe("proceed_to_delivery");
  });

  it("a dependency filling before the errors, from a release that changed the failing stack, still passes", () => {
    const { gate, fired } = judge(
      [rise("errors_5xx", { onset: "2025-03-04T10:30:00Z", uncertainty: 1 }), flat("requests")],
      [rise("connections", { onset: "2025-03-04T10:05:00Z", uncertainty: 1 })],
      [{ ...release({ after: 30 }), diffTouchesStack: true } as UnsourcedSignal],
      [exception("2025-03-04T10:30:00Z")],
    );
    expect(fired).not.toContain("code.dependency_moved_first");
    expect(gate.decision).toBe("proceed_to_delivery");
  });

  it("vendor marks on a failure whose stack the release changed do not clear the release", () => {
    const { fired } = judge(
      [rise("errors_5xx")],
      [{ ...release(), diffTouchesStack: true } as UnsourcedSignal],
      [exception(), vendorErrors],
    );
    expect(fired).not.toContain("code.vendor_implicated");
  });
});

describe("a memory leak's crash loop (tasks killed at the limit, memory climbing from an onset)", () => {
  const leakFrom = (onset: string): UnsourcedSignal[] => [
    { ...crash("out_of_memory"), onset } as UnsourcedSignal,
    rise("memory", { onset, uncertainty: 15 }),
  ];
  it("that began right after a release of the service is a regression and passes", () => {
    const { c, gate, fired } = judge(leakFrom("2025-03-04T10:05:00Z"), [release({ after: 5 })]);
    expect(fired).toEqual(
      expect.arrayContaining([
        "code.crash_loop_after_release",
        "code.oom_after_release",
        "code.memory_rise_after_release",
        "code.release_within_minutes",
      ]),
    );
    expect(c.class).toBe("code_defect");
    expect(gate.decision).toBe("proceed_to_delivery");
  });

  it("that began with no deploy nearby is no regression", () => {
    const { c, gate } = judge(leakFrom("2025-03-04T10:05:00Z"), [deployAbsent]);
    expect(c.class).not.toBe("code_defect");
    expect(gate.decision).toBe("exit");
  });

  it("that began long after the only release does not pass", () => {
    const { gate, fired } = judge(leakFrom("2025-03-04T12:30:00Z"), [release({ after: 150 })]);
    expect(fired).toContain("code.release_long_before_onset");
    expect(gate.decision).toBe("exit");
  });

  it("that was a sawtooth from the first sample of a week's read does not pair with a release inside it", () => {
    // The loop began before the read: placed at the read's start, ± the read's length.
    const undated: UnsourcedSignal[] = [
      {
        ...crash("out_of_memory"),
        onset: "2025-02-25T10:30:00Z",
        onsetUncertaintyMinutes: 7 * 24 * 60,
        stopEvents: { outOfMemory: 3, exits: 0 },
      } as UnsourcedSignal,
      flat("memory"),
    ];
    const { gate, fired } = judge(undated, [release({ after: 5 })]);
    expect(fired).not.toContain("code.crash_loop_after_release");
    expect(fired).not.toContain("code.oom_after_release");
    expect(gate.decision).toBe("exit");
  });
});
