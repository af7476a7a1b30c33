import { describe, expect, it } from "vitest";
import type { UnsourcedSignal } from "../../test/setup/classifier-fixtures.ts";
import {
  change,
  crash,
  deployAbsent,
  exception,
  flat,
  inputOf,
  no5xxRise,
  origin,
  poison,
  provider,
  queueAge,
  RULES_NOW,
  release,
  rise,
  SERVICE,
  saturation,
  tasks,
} from "../../test/setup/classifier-signals.ts";
import { classify, decideGate } from "./classifier.ts";

/**
 * Incident families as a senior SRE would judge them, written from signal shapes only
 * (placeholder names, no scenario's data): the class, and the exit the gate gives.
 */
const now = RULES_NOW;
const judge = (...groups: UnsourcedSignal[][]) => {
  const c = classify(inputOf(...groups), { now });
  return { c, gate: decideGate(c, { now }), fired: c.rulesFired.map((r) => r.ruleId) };
};
const scope = (
  services: string[],
  zones: string[] = [],
  extra: { routes?: "one" | "some" | "all"; errorShare?: number; zonesRead?: number } = {},
): UnsourcedSignal => ({ kind: "impact_scope", services, zones, ...extra });

describe("regressions after a release → code defect", () => {
  it("latency after a deploy, dependencies and load flat, no 5xx rise: code defect that passes", () => {
    const { c, gate, fired } = judge(
      [rise("latency_p99"), flat("connections"), flat("cpu"), flat("requests"), no5xxRise],
      [release()],
      [scope([SERVICE], [], { routes: "some" })],
    );
    expect(c.class).toBe("code_defect");
    expect(fired).not.toContain("code.no_5xx_rise");
    expect(c.confidence).toBeGreaterThanOrEqual(70);
    expect(gate.decision).toBe("proceed_to_delivery");
  });

  it("an error rise whose onset precedes the release is not blamed on it", () => {
    const { c, gate, fired } = judge(
      [
        rise("errors_5xx", { onset: "2025-03-04T09:20:00Z" }),
        rise("error_events", { onset: "2025-03-04T09:21:00Z" }),
      ],
      [release()],
      [exception("2025-03-04T09:21:00Z")],
    );
    expect(fired).toContain("code.onset_before_release");
    expect(fired).not.toContain("code.5xx_rise_after_release");
    const code = c.rejected.find((r) => r.class === "code_defect");
    expect(code?.rejectedBy.map((e) => e.signalKind)).toContain("series_change");
    expect(gate.decision).not.toBe("proceed_to_delivery");
  });

  it("a deploy that came only after the onset refutes a regression", () => {
    const late: UnsourcedSignal = {
      kind: "change_event",
      change: "deploy",
      ref: "r-3",
      service: SERVICE,
      at: "2025-03-04T10:25:00Z",
      minutesBeforeOnset: -15,
    };
    const { fired, gate } = judge([rise("errors_5xx")], [late], [exception()]);
    expect(fired).toContain("code.onset_before_release");
    expect(gate.decision).not.toBe("proceed_to_delivery");
  });

  it("a crash loop of out-of-memory kills after a release, memory growing: code defect", () => {
    const { c, gate } = judge(
      [crash("out_of_memory"), rise("memory", { onset: "2025-03-04T10:02:00Z" }), tasks(2, 6)],
      [release()],
    );
    expect(c.class).toBe("code_defect");
    expect(c.rejected.map((r) => r.class)).toContain("infra");
    expect(gate.decision).toBe("proceed_to_delivery");
  });
});

describe("defects that are not regressions", () => {
  it("an unhandled exception first seen weeks ago at a flat rate, no release: a code defect to fix, no release blamed", () => {
    const { c, gate, fired } = judge(
      [exception("2025-01-10T08:00:00Z")],
      [no5xxRise, flat("error_events")],
      [deployAbsent],
    );
    expect(c.class).toBe("code_defect");
    expect(fired).not.toContain("code.no_deploy");
    expect(c.rootCauseHypothesis).toContain("long-standing");
    expect(c.rootCauseHypothesis).not.toMatch(/^Release/);
    expect(gate.decision).toBe("proceed_to_delivery");
  });

  it("a handled exception recurring at a flat rate, no deploy: noise", () => {
    const { c, gate } = judge(
      [{ ...exception("2025-01-10T08:00:00Z"), handled: true } as UnsourcedSignal],
      [no5xxRise, flat("error_events")],
      [deployAbsent],
    );
    expect(c.class).toBe("noise");
    expect(gate.outcome).toBe("NOISE_NO_FIX");
  });

  it("a handled exception real users meet at its usual rate, 5xx flat, no deploy: still noise", () => {
    const { c, gate, fired } = judge(
      [
        { ...exception("2025-01-10T08:00:00Z"), handled: true } as UnsourcedSignal,
        origin("users", 1),
      ],
      [no5xxRise, flat("error_events")],
      [deployAbsent],
    );
    expect(fired).not.toContain("noise.real_user_traffic");
    expect(c.class).toBe("noise");
    expect(gate.outcome).toBe("NOISE_NO_FIX");
  });

  it("an old handled exception whose own events came back now, no deploy: a code defect, not noise", () => {
    const { c, gate, fired } = judge(
      [
        { ...exception("2025-01-10T08:00:00Z"), handled: true } as UnsourcedSignal,
        rise("error_events"),
      ],
      [deployAbsent],
    );
    expect(fired).not.toContain("noise.handled_errors_without_deploy");
    expect(fired).toContain("code.long_standing_defect_spiking");
    expect(c.class).toBe("code_defect");
    expect(gate.decision).toBe("proceed_to_delivery");
  });

  it("the same old issue spiking right after a release is still a code defect", () => {
    const { c, gate } = judge(
      [exception("2025-01-10T08:00:00Z")],
      [rise("error_events"), rise("errors_5xx")],
      [release()],
    );
    expect(c.class).toBe("code_defect");
    expect(gate.decision).toBe("proceed_to_delivery");
  });
});

describe("competing hypotheses", () => {
  it("a release and the implicated vendor's open incident both explain the errors: CANNOT_AUTO_FIX", () => {
    const { c, gate } = judge(
      [rise("errors_5xx"), exception()],
      [release()],
      [
        { kind: "vendor_incident", vendor: "vendor-a", status: "investigating", impact: "minor" },
        { kind: "vendor_error_correlation", vendor: "vendor-a", correlatedRequests: 3 },
      ],
    );
    // The vendor's marks on the failing requests now count against the release too.
    expect(["code_defect", "vendor"]).toContain(c.class);
    expect(c.conflicts).toContainEqual(
      expect.objectContaining({
        material: true,
        subject: expect.stringMatching(/competing|cause/),
      }),
    );
    expect(gate.outcome).toBe("CANNOT_AUTO_FIX");
  });
});

describe("dependencies and capacity → infra", () => {
  it("database connections at max before the latency rise, no deploy: VENDOR_OR_INFRA", () => {
    const { c, gate } = judge(
      [saturation("database", 100), rise("connections", { onset: "2025-03-04T10:05:00Z" })],
      [rise("latency_p99"), no5xxRise],
      [deployAbsent],
    );
    expect(c.class).toBe("infra");
    expect(c.rejected.map((r) => r.class)).toContain("code_defect");
    expect(gate.outcome).toBe("VENDOR_OR_INFRA");
  });

  it("cache evictions rising with latency, no deploy: VENDOR_OR_INFRA", () => {
    const { c, gate } = judge(
      [
        saturation("cache", 95, 100, "evictions"),
        rise("evictions", { onset: "2025-03-04T10:06:00Z" }),
      ],
      [rise("latency_p99")],
      [deployAbsent],
    );
    expect(c.class).toBe("infra");
    expect(gate.outcome).toBe("VENDOR_OR_INFRA");
  });

  it("a database failover at the onset, the only release long before it: infra, not the release", () => {
    const { c, gate } = judge(
      [rise("latency_p99"), no5xxRise, rise("connections", { onset: "2025-03-04T10:09:00Z" })],
      [release({ deployedAt: "2025-03-04T08:45:00Z", after: 85 })],
      [{ ...change("infra", 1), ref: "db-failover" } as UnsourcedSignal],
      [exception("2025-03-04T10:11:00Z")],
    );
    expect(c.class).toBe("infra");
    const code = c.hypotheses.find((h) => h.class === "code_defect");
    expect(code?.evidenceAgainst.map((e) => e.signalKind)).toContain("change_event");
    expect(gate.outcome).toBe("VENDOR_OR_INFRA");
  });

  it("a cache emptied (items dropped, misses up) before the latency rise, no deploy: VENDOR_OR_INFRA", () => {
    const { c, gate } = judge(
      [
        { ...rise("cache_misses", { onset: "2025-03-04T10:01:00Z" }) } as UnsourcedSignal,
        {
          ...rise("cache_items", { onset: "2025-03-04T10:01:00Z" }),
          direction: "drop",
          before: 900,
          after: 0,
        } as UnsourcedSignal,
        rise("latency_p99", { onset: "2025-03-04T10:03:00Z" }),
        { ...change("infra", 2), ref: "cache-node-replaced" } as UnsourcedSignal,
      ],
      [deployAbsent],
    );
    expect(c.class).toBe("infra");
    expect(gate.outcome).toBe("VENDOR_OR_INFRA");
  });

  it("queue lag with clean receives/deletes and consumers at their ceiling: VENDOR_OR_INFRA", () => {
    const { c, gate } = judge([queueAge(1800), tasks(10, 10, 10), poison(0, 0)], [deployAbsent]);
    expect(c.class).toBe("infra");
    expect(gate.outcome).toBe("VENDOR_OR_INFRA");
  });

  it("queue lag from a poison message (repeats, dead letters) with the consumer's exception: code defect", () => {
    const { c, gate } = judge(
      [queueAge(1800), tasks(4, 4, 10), poison(60, 14)],
      [exception("2025-03-04T10:05:00Z", "job q-1")],
      [deployAbsent],
    );
    expect(c.class).toBe("code_defect");
    expect(
      c.rejected.find((r) => r.class === "infra")?.rejectedBy.map((e) => e.signalKind),
    ).toContain("poison_message");
    expect(gate.decision).toBe("proceed_to_delivery");
  });

  it("a crash loop under memory saturation with no release: infra", () => {
    const { c, gate } = judge(
      [crash("out_of_memory"), saturation("memory", 990, 1000, "memory"), tasks(3, 6)],
      [deployAbsent],
    );
    expect(c.class).toBe("infra");
    expect(gate.outcome).toBe("VENDOR_OR_INFRA");
  });
});

describe("providers and vendors → VENDOR_OR_INFRA", () => {
  it("a provider incident in the one zone our errors are in: infra, not escalated", () => {
    const { c, gate } = judge(
      [rise("errors_5xx", { zones: ["z-a"] }), rise("unhealthy_hosts", { zones: ["z-a"] })],
      [provider({ zones: ["z-a"] })],
      [deployAbsent],
      [scope([SERVICE], ["z-a"])],
    );
    expect(c.class).toBe("infra");
    expect(c.severity).not.toBe("sev1");
    expect(gate.outcome).toBe("VENDOR_OR_INFRA");
  });

  it("errors and unhealthy hosts in one zone, the other zones flat, no provider post yet: infra", () => {
    const { c, gate } = judge(
      [
        rise("errors_5xx", { zones: ["z-c"] }),
        flat("errors_5xx", ["z-a"]),
        flat("errors_5xx", ["z-b"]),
        rise("unhealthy_hosts", { zones: ["z-c"] }),
        flat("unhealthy_hosts", ["z-a"]),
      ],
      [deployAbsent],
      [exception()],
    );
    expect(c.class).toBe("infra");
    expect(c.severity).not.toBe("sev1");
    expect(gate.outcome).toBe("VENDOR_OR_INFRA");
    // Said as a zone's fault, not as capacity.
    expect(c.rootCauseHypothesis).toMatch(/^A fault confined to zone z-c \(/);
  });

  it("the implicated vendor's incident counts; another vendor's green status does not", () => {
    const { c, gate, fired } = judge(
      [
        { kind: "vendor_incident", vendor: "vendor-a", status: "identified", impact: "major" },
        { kind: "vendor_operational", vendor: "vendor-b" },
      ],
      [{ kind: "vendor_error_correlation", vendor: "vendor-a", correlatedRequests: 80 }],
      [deployAbsent],
    );
    expect(fired).not.toContain("vendor.operational");
    expect(c.class).toBe("vendor");
    expect(gate.outcome).toBe("VENDOR_OR_INFRA");
  });

  it("only the vendor's calls fail while our other outbound calls succeed: vendor, despite its green page", () => {
    const green: UnsourcedSignal = { kind: "vendor_operational", vendor: "vendor-a" };
    const failing = {
      kind: "vendor_error_correlation",
      vendor: "vendor-a",
      correlatedRequests: 40,
    };
    const isolated = judge(
      [rise("errors_5xx"), green],
      [{ ...failing, otherHostsHealthy: 2 } as UnsourcedSignal],
      [deployAbsent, exception()],
    );
    expect(isolated.fired).toContain("vendor.isolated_by_control");
    expect(isolated.fired).not.toContain("vendor.operational");
    expect(isolated.c.class).toBe("vendor");
    expect(isolated.gate.outcome).toBe("VENDOR_OR_INFRA");
    // Without the control, the vendor and our egress cannot be told apart: the green page counts.
    const unisolated = judge(
      [rise("errors_5xx"), green],
      [failing as UnsourcedSignal],
      [deployAbsent, exception()],
    );
    expect(unisolated.fired).toContain("vendor.operational");
    expect(unisolated.gate.outcome).not.toBe("VENDOR_OR_INFRA");
  });

  it("a vendor with no status page, isolated because its other calls to the same host answered: vendor", () => {
    const isolated = judge(
      [rise("errors_5xx")],
      [
        {
          kind: "vendor_error_correlation",
          vendor: "rates.example.org",
          correlatedRequests: 120,
          sameHostAnswered: 4,
        },
      ],
      [deployAbsent, exception()],
    );
    expect(isolated.fired).toContain("vendor.isolated_by_control");
    expect(isolated.c.class).toBe("vendor");
    expect(isolated.gate.outcome).toBe("VENDOR_OR_INFRA");
  });
});

describe("traffic that is not users → noise", () => {
  it("synthetic checks failing, 5xx flat, no deploy: NOISE_NO_FIX", () => {
    const { c, gate } = judge(
      [origin("synthetic", 0.85), origin("users", 0.15), flat("errors_5xx")],
      [deployAbsent],
    );
    expect(c.class).toBe("noise");
    expect(gate.outcome).toBe("NOISE_NO_FIX");
  });

  it("bots failing while real users' 5xx rose is not noise", () => {
    const { c } = judge([origin("bots", 0.6), rise("errors_5xx")], [release()]);
    expect(c.class).not.toBe("noise");
  });
});

describe("escalation from telemetry (sev1 → ESCALATED_INCIDENT)", () => {
  const base = [rise("errors_5xx")];
  it("symptoms on three services escalate", () => {
    const { c, gate } = judge(base, [scope(["s-1", "s-2", "s-3"])]);
    expect(c.severity).toBe("sev1");
    expect(gate.outcome).toBe("ESCALATED_INCIDENT");
  });

  it("symptoms in two zones escalate", () => {
    expect(judge(base, [scope([SERVICE], ["z-a", "z-b"])]).gate.outcome).toBe("ESCALATED_INCIDENT");
    expect(judge(base, [scope([SERVICE], ["z-a", "z-b"], { zonesRead: 3 })]).c.severity).toBe(
      "sev1",
    );
  });

  it("a symptom in every zone read is service-wide, not zones failing: no zone escalation", () => {
    const { c } = judge(base, [scope([SERVICE], ["z-a", "z-b", "z-c"], { zonesRead: 3 })]);
    expect(c.severity).not.toBe("sev1");
  });

  it("three services failing together in one zone of three are that zone's: sev2, not sev1", () => {
    const { c } = judge(base, [scope(["s-1", "s-2", "s-3"], ["z-b"], { zonesRead: 3 })]);
    expect(c.severity).toBe("sev2");
    expect(c.severityReasons.join(" ")).toContain("confined to zone z-b of 3 read");
    // Another source's spread over three services, without zones, still escalates.
    const other = judge(base, [
      scope(["s-1", "s-2", "s-3"], ["z-b"], { zonesRead: 3 }),
      scope(["s-1", "s-2", "s-4"]),
    ]);
    expect(other.c.severity).toBe("sev1");
  });

  it("all routes failing above the error-share bound escalate; below it they do not", () => {
    expect(judge(base, [scope([SERVICE], [], { routes: "all", errorShare: 0.4 })]).c.severity).toBe(
      "sev1",
    );
    expect(
      judge(base, [scope([SERVICE], [], { routes: "all", errorShare: 0.05 })]).c.severity,
    ).toBe("sev2");
  });

  it("policy may tighten the bounds", () => {
    const c = classify(inputOf(base, [scope(["s-1", "s-2"])]), {
      now,
      escalation: { minServices: 2 },
    });
    expect(c.severity).toBe("sev1");
  });

  it("a ticket's words alone never escalate: widespread with no telemetry symptom is sev2", () => {
    const { c, gate } = judge(
      [{ kind: "user_impact", affectedUsers: 5000, scope: "widespread" }],
      [no5xxRise, deployAbsent],
    );
    expect(c.severity).toBe("sev2");
    expect(c.severityReasons[0]).toContain("not corroborated");
    expect(gate.outcome).not.toBe("ESCALATED_INCIDENT");
  });
});
