import { describe, expect, it } from "vitest";
import type { UnsourcedSignal } from "../../test/setup/classifier-fixtures.ts";
import {
  flat,
  inputOf,
  no5xxRise,
  RULES_NOW,
  release,
  rise,
  tasks,
} from "../../test/setup/classifier-signals.ts";
import { classify } from "./classifier.ts";

/**
 * What drove a dependency to its limit (classifier-features-drivers.ts), and capacity
 * working as designed (classifier-features-capacity.ts).
 */
const classified = (...groups: Parameters<typeof inputOf>) =>
  classify(inputOf(...groups), { now: RULES_NOW });
const fired = (...groups: Parameters<typeof inputOf>) =>
  classified(...groups).rulesFired.map((r) => r.ruleId);
const measureOf = (s: UnsourcedSignal) => (s as { measure?: string }).measure;

const cacheFull = (onset?: string): UnsourcedSignal => ({
  kind: "dependency_saturation",
  dependency: "cache",
  resource: "cache-1",
  measure: "evictions",
  value: 1800,
  ...(onset ? { onset } : {}),
});
const cacheSeries = (measure: "memory" | "evictions", onset: string): UnsourcedSignal =>
  ({
    ...rise(measure, { onset, uncertainty: 0.5 }),
    scope: { resource: "cache-1" },
  }) as UnsourcedSignal;
/** Released 09:55–10:00; the cache fills from 10:01, evictions from 10:40, latency then. */
const releasedThenFilled = [
  [
    cacheSeries("memory", "2025-03-04T10:01:00Z"),
    cacheSeries("evictions", "2025-03-04T10:40:00Z"),
    cacheFull("2025-03-04T10:40:00Z"),
    rise("latency_p99", { onset: "2025-03-04T10:01:00Z", uncertainty: 0.5 }),
  ],
  [
    {
      ...release({ after: 1 }),
      deployStartedAt: "2025-03-04T09:55:00Z",
    } as UnsourcedSignal,
  ],
];

describe("a saturation whose load a release drove", () => {
  it("is not capacity: the saturation and lead rules do not fire, the release's defect leads", () => {
    const c = classified(...releasedThenFilled);
    const rules = c.rulesFired.map((r) => r.ruleId);
    expect(rules).not.toContain("infra.dependency_saturated");
    expect(rules).not.toContain("infra.dependency_leads_symptom");
    expect(rules).not.toContain("code.dependency_moved_first");
    expect(c.class).toBe("code_defect");
  });

  it("stays capacity when the request volume rose before the dependency did", () => {
    const [aws, rel] = releasedThenFilled;
    const rules = fired(
      [...aws!, rise("requests", { onset: "2025-03-04T09:50:00Z", uncertainty: 0.5 })],
      rel!,
    );
    expect(rules).toContain("infra.dependency_saturated");
  });

  it("stays capacity when the climb began long after the rollout", () => {
    const rules = fired(
      [
        cacheSeries("memory", "2025-03-04T10:25:00Z"),
        cacheFull("2025-03-04T10:28:00Z"),
        rise("latency_p99", { onset: "2025-03-04T10:28:00Z", uncertainty: 0.5 }),
      ],
      [{ ...release({ after: 28 }), deployStartedAt: "2025-03-04T09:55:00Z" } as UnsourcedSignal],
    );
    expect(rules).toContain("infra.dependency_saturated");
  });

  it("holds when the release came hours before the symptom: the climb began in its rollout, the evictions later", () => {
    const rules = fired(
      [
        cacheSeries("memory", "2025-03-04T10:01:00Z"),
        cacheSeries("evictions", "2025-03-04T12:10:00Z"),
        cacheFull("2025-03-04T12:10:00Z"),
        rise("latency_p99", { onset: "2025-03-04T12:12:00Z", uncertainty: 0.5 }),
      ],
      [{ ...release({ after: 132 }), deployStartedAt: "2025-03-04T09:55:00Z" } as UnsourcedSignal],
    );
    expect(rules).not.toContain("infra.dependency_saturated");
    expect(rules).not.toContain("infra.dependency_leads_symptom");
    expect(rules).not.toContain("code.dependency_moved_first");
    // An accumulating effect surfaces late by nature: the release is not "weakly tied".
    expect(rules).not.toContain("code.release_long_before_onset");
    // The climb ties the release to the late symptom: it counts, and so does its control.
    expect(rules).toContain("code.release_drove_dependency");
  });

  it("a late symptom with the climb beginning long after the rollout is not tied to the release", () => {
    const rules = fired(
      [
        cacheSeries("memory", "2025-03-04T11:20:00Z"),
        cacheFull("2025-03-04T12:10:00Z"),
        rise("latency_p99", { onset: "2025-03-04T12:12:00Z", uncertainty: 0.5 }),
        flat("requests"),
      ],
      [{ ...release({ after: 132 }), deployStartedAt: "2025-03-04T09:55:00Z" } as UnsourcedSignal],
    );
    expect(rules).not.toContain("code.release_drove_dependency");
    expect(rules).not.toContain("code.load_steady");
    expect(rules).toContain("code.release_long_before_onset");
  });

  it("stays capacity without any correlated release", () => {
    expect(fired([cacheFull("2025-03-04T10:05:00Z")])).toContain("infra.dependency_saturated");
  });
});

describe("infra.scaled_out_under_load", () => {
  const running = (before: number): UnsourcedSignal =>
    ({ ...flat("running_tasks"), before, after: before }) as UnsourcedSignal;
  const scaleOut = [
    rise("requests", { onset: "2025-03-04T09:40:00Z" }),
    running(6),
    tasks(8, 9),
    flat("errors_5xx"),
    flat("latency_p99"),
    no5xxRise,
  ];

  it("reaches the gate as infra: load rose, tasks are being added, nothing degraded", () => {
    const c = classified(scaleOut);
    expect(c.rulesFired.map((r) => r.ruleId)).toContain("infra.scaled_out_under_load");
    expect(c.class).toBe("infra");
    expect(c.confidence).toBeGreaterThanOrEqual(70);
  });

  it("does not fire while the new tasks are not arriving (still at the old level)", () => {
    expect(fired(scaleOut.map((s) => (s.kind === "task_health" ? tasks(6, 9) : s)))).not.toContain(
      "infra.scaled_out_under_load",
    );
  });

  it("does not fire at the scaling ceiling", () => {
    expect(
      fired(scaleOut.map((s) => (s.kind === "task_health" ? tasks(8, 9, 9) : s))),
    ).not.toContain("infra.scaled_out_under_load");
  });

  it("does not fire when errors rose, or when the request volume did not", () => {
    expect(
      fired([...scaleOut.filter((s) => measureOf(s) !== "errors_5xx"), rise("errors_5xx")]),
    ).not.toContain("infra.scaled_out_under_load");
    expect(fired(scaleOut.filter((s) => measureOf(s) !== "requests"))).not.toContain(
      "infra.scaled_out_under_load",
    );
  });

  it("does not fire without a latency control (an unmeasured symptom is not flat)", () => {
    expect(fired(scaleOut.filter((s) => measureOf(s) !== "latency_p99"))).not.toContain(
      "infra.scaled_out_under_load",
    );
  });
});
