import { describe, expect, it } from "vitest";
import type { UnsourcedSignal } from "../../test/setup/classifier-fixtures.ts";
import {
  change,
  deployAbsent,
  exception,
  inputOf,
  RULES_NOW,
  release,
  rise,
} from "../../test/setup/classifier-signals.ts";
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

describe("infra.load_drives_dependency", () => {
  const chain = [
    rise("requests", { onset: "2025-03-04T10:00:00Z" }),
    rise("connections", { onset: "2025-03-04T10:06:00Z" }),
    rise("latency_p99", { onset: "2025-03-04T10:12:00Z" }),
  ];

  it("fires on load, then the dependency, then the symptom, with a harmless release near", () => {
    expect(
      fired(chain, [{ ...release({ after: 12 }), diffTouchesStack: false } as UnsourcedSignal]),
    ).toContain("infra.load_drives_dependency");
  });

  it("does not when the correlated release changed a file in the failing stack", () => {
    expect(
      fired(chain, [{ ...release({ after: 12 }), diffTouchesStack: true } as UnsourcedSignal]),
    ).not.toContain("infra.load_drives_dependency");
  });

  it("does not when the dependency moved long before the load (it was already failing)", () => {
    const rules = fired([
      rise("connections", { onset: "2025-03-04T09:40:00Z" }),
      rise("requests", { onset: "2025-03-04T10:00:00Z" }),
      rise("latency_p99", { onset: "2025-03-04T10:12:00Z" }),
    ]);
    expect(rules).not.toContain("infra.load_drives_dependency");
  });

  it("does not when load and symptom moved together (no order to tell a surge from retries)", () => {
    const rules = fired([
      rise("requests", { onset: "2025-03-04T10:10:00Z" }),
      rise("connections", { onset: "2025-03-04T10:10:00Z" }),
      rise("latency_p99", { onset: "2025-03-04T10:11:00Z" }),
    ]);
    expect(rules).not.toContain("infra.load_drives_dependency");
  });
});

describe("code.load_rose_with_symptom with two encodings of the 5xx rise", () => {
  const rateOverWindow = {
    kind: "error_rate_rise",
    service: "svc-a",
    from: 0.3,
    to: 40,
    windowMinutes: 40,
  } as UnsourcedSignal;

  it("does not pair load that followed the dated rise through the undated 5xx rate", () => {
    const rules = fired(
      [rise("errors_5xx", { onset: "2025-03-04T10:04:00Z", uncertainty: 0.5 }), rateOverWindow],
      [rise("requests", { onset: "2025-03-04T10:07:00Z", uncertainty: 0.5 })],
      [release({ after: 4 })],
    );
    expect(rules).not.toContain("code.load_rose_with_symptom");
  });

  it("still fires when the load rose before the dated rise", () => {
    const rules = fired(
      [rise("errors_5xx", { onset: "2025-03-04T10:07:00Z", uncertainty: 0.5 }), rateOverWindow],
      [rise("requests", { onset: "2025-03-04T10:04:00Z", uncertainty: 0.5 })],
      [release({ after: 7 })],
    );
    expect(rules).toContain("code.load_rose_with_symptom");
  });
});

describe("client errors (4xx) as a dependency's symptom", () => {
  it("count as the symptom an evicting cache that moved no later explains", () => {
    const rules = fired(
      [rise("evictions", { onset: "2025-03-04T10:00:00Z", uncertainty: 1 })],
      [rise("errors_4xx", { onset: "2025-03-04T10:01:00Z", uncertainty: 1 })],
    );
    expect(rules).toContain("infra.dependency_leads_symptom");
  });

  it("are no symptom alone: a 4xx rise with the load (a scanner, a bot) fires no infra rule", () => {
    const rules = fired(
      [rise("requests", { onset: "2025-03-04T10:00:00Z", uncertainty: 1 })],
      [rise("errors_4xx", { onset: "2025-03-04T10:00:00Z", uncertainty: 1 })],
    );
    expect(rules.filter((r) => r.startsWith("infra."))).toEqual([]);
  });
});

describe("a managed service answering its own errors on flat load", () => {
  const BUCKET = "uploads-bucket/EntireBucket";
  const onBucket = (t: UnsourcedSignal): UnsourcedSignal =>
    t.kind === "series_change" ? { ...t, scope: { resource: BUCKET } } : t;
  const failing = () => onBucket(rise("dependency_errors", { onset: "2025-03-04T10:08:00Z" }));
  const its = (measure: "requests", direction: "rise" | "flat"): UnsourcedSignal =>
    onBucket(
      direction === "rise"
        ? rise(measure, { onset: "2025-03-04T10:06:00Z" })
        : { kind: "series_change", measure, direction, before: 300, after: 300, service: "svc" },
    );
  const symptom = rise("errors_5xx", { onset: "2025-03-04T10:08:00Z" });

  it("supports infrastructure, refutes code and clears the release and healthy tasks", () => {
    const rules = fired([symptom], [failing(), its("requests", "flat")], [release({ after: 40 })]);
    expect(rules).toContain("infra.managed_dependency_failing");
    expect(rules).toContain("code.managed_dependency_failing");
    expect(rules).not.toContain("infra.release_correlated");
  });

  it("does not count when the requests sent to it rose (our load, not its failure)", () => {
    const rules = fired([symptom], [failing(), its("requests", "rise")]);
    expect(rules).not.toContain("infra.managed_dependency_failing");
    expect(rules).not.toContain("code.managed_dependency_failing");
  });

  it("does not count when its errors began after our symptom", () => {
    const late = onBucket(
      rise("dependency_errors", { onset: "2025-03-04T10:30:00Z", uncertainty: 1 }),
    );
    const early = rise("errors_5xx", { onset: "2025-03-04T10:08:00Z", uncertainty: 1 });
    expect(fired([early], [late])).not.toContain("infra.managed_dependency_failing");
  });
});

describe("infra.shared_failure_across_services", () => {
  const spread = (services: string[]) =>
    ({ kind: "impact_scope", services, zones: [] }) as UnsourcedSignal;
  const failing = [rise("errors_5xx"), exception()];

  it("classifies services failing together with no release of ours as infrastructure", () => {
    const c = classify(inputOf(failing, [spread(["svc-a", "svc-b"])], [deployAbsent]), {
      now: RULES_NOW,
    });
    const rules = c.rulesFired.map((r) => r.ruleId);
    expect(rules).toContain("infra.shared_failure_across_services");
    expect(rules).toContain("infra.without_deploy");
    expect(c.class).toBe("infra");
    expect(c.confidence).toBeGreaterThanOrEqual(70);
    // Said as a shared dependency failing, naming the services, not as capacity.
    expect(c.rootCauseHypothesis).toMatch(
      /^Several services failing together from one onset \(svc-a, svc-b\).*a dependency they share is failing/,
    );
  });

  it("does not when nobody read whether a release went out (no deploy_absent control)", () => {
    expect(fired(failing, [spread(["svc-a", "svc-b"])], [])).not.toContain(
      "infra.shared_failure_across_services",
    );
  });

  it("does not for one service's symptom", () => {
    expect(fired(failing, [spread(["svc-a"])], [deployAbsent])).not.toContain(
      "infra.shared_failure_across_services",
    );
  });

  it("does not when a release correlates (one bad release also fails its callers)", () => {
    expect(fired(failing, [spread(["svc-a", "svc-b"])], [release({ after: 10 })])).not.toContain(
      "infra.shared_failure_across_services",
    );
  });

  it("does not when a flag flipped before the onset (the services evaluate the same flag)", () => {
    expect(
      fired(failing, [spread(["svc-a", "svc-b"])], [deployAbsent, change("flag", 5)]),
    ).not.toContain("infra.shared_failure_across_services");
  });

  it("does not when the failing calls implicate a vendor (the vendor rules weigh that)", () => {
    const vendor = {
      kind: "vendor_error_correlation",
      vendor: "vendor-a",
      correlatedRequests: 40,
    } as UnsourcedSignal;
    expect(fired(failing, [spread(["svc-a", "svc-b"]), vendor], [deployAbsent])).not.toContain(
      "infra.shared_failure_across_services",
    );
  });

  it("does not without a symptom rising (a spread of alarms alone)", () => {
    expect(fired([exception()], [spread(["svc-a", "svc-b"])], [deployAbsent])).not.toContain(
      "infra.shared_failure_across_services",
    );
  });
});
