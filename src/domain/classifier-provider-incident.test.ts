import { describe, expect, it } from "vitest";
import type { UnsourcedSignal } from "../../test/setup/classifier-fixtures.ts";
import {
  exception,
  flat,
  inputOf,
  provider,
  RULES_NOW,
  release,
  rise,
} from "../../test/setup/classifier-signals.ts";
import { classify } from "./classifier.ts";
import { decideGate } from "./classifier-gate.ts";

/**
 * A release and a cloud-provider incident on what the service runs on, both just before
 * the onset: the incident is a live competing explanation (the gate stops on
 * CANNOT_AUTO_FIX), and a dependency whose own latency rose is not "healthy".
 */

const now = RULES_NOW;
const classified = (...groups: UnsourcedSignal[][]) => classify(inputOf(...groups), { now });
const fired = (...groups: UnsourcedSignal[][]) =>
  classified(...groups).rulesFired.map((r) => r.ruleId);

/** Released 09:57–10:00; the cache slows at 10:02, the errors rise at 10:04. */
const rolledOut = {
  ...release({ after: 4 }),
  deployStartedAt: "2025-03-04T09:57:00Z",
} as UnsourcedSignal;
const cacheSlowed = {
  ...rise("dependency_latency", { onset: "2025-03-04T10:02:00Z", uncertainty: 0.5 }),
  scope: { resource: "cache-1" },
} as UnsourcedSignal;
const errors = rise("errors_5xx", { onset: "2025-03-04T10:04:00Z", uncertainty: 0.5 });
const incident = (startedAt: string) =>
  ({ ...provider(), component: "cache-service", startedAt }) as UnsourcedSignal;
/** A new exception with the errors, traffic and compute flat: a regression's usual evidence. */
const regression = [errors, exception("2025-03-04T10:04:30Z"), flat("requests"), flat("cpu")];

describe("a provider incident begun by the onset", () => {
  it("stops the gate on CANNOT_AUTO_FIX where the same regression alone would deliver", () => {
    const alone = classified(regression, [rolledOut]);
    expect(decideGate(alone, { now }).decision).toBe("proceed_to_delivery");

    const both = classified(regression, [rolledOut], [incident("2025-03-04T10:01:00Z")]);
    expect(both.rulesFired.map((r) => r.ruleId)).toContain("code.provider_incident_before_onset");
    const gate = decideGate(both, { now });
    expect(gate.outcome).toBe("CANNOT_AUTO_FIX");
    expect(gate.reasons.join(" ")).toContain("code.provider_incident_before_onset");
  });

  it("is not a competing explanation when it began after the symptom (it still counts against)", () => {
    const rules = fired(regression, [rolledOut], [incident("2025-03-04T10:30:00Z")]);
    expect(rules).toContain("code.provider_incident_overlaps");
    expect(rules).not.toContain("code.provider_incident_before_onset");
  });

  it("is not one when it is not on what the service runs on", () => {
    const elsewhere = { ...incident("2025-03-04T10:01:00Z"), overlapsUs: false } as UnsourcedSignal;
    expect(fired(regression, [rolledOut], [elsewhere])).not.toContain(
      "code.provider_incident_before_onset",
    );
  });

  it("leaves no dependency 'healthy' while it is open", () => {
    const rules = fired(regression, [rolledOut], [incident("2025-03-04T10:01:00Z")]);
    expect(rules).not.toContain("code.dependencies_healthy");
  });
});

describe("a dependency whose own latency rose", () => {
  it("is not a healthy dependency", () => {
    expect(fired(regression, [rolledOut])).toContain("code.dependencies_healthy");
    expect(fired([...regression, cacheSlowed], [rolledOut])).not.toContain(
      "code.dependencies_healthy",
    );
  });

  it("leads the symptom as a dependency failing when it slowed long after any rollout", () => {
    const late = {
      ...rise("dependency_latency", { onset: "2025-03-04T10:40:00Z", uncertainty: 0.5 }),
      scope: { resource: "cache-1" },
    } as UnsourcedSignal;
    const rules = fired([
      late,
      rise("errors_5xx", { onset: "2025-03-04T10:45:00Z", uncertainty: 0.5 }),
    ]);
    expect(rules).toContain("infra.dependency_leads_symptom");
  });
});

describe("a dependency climb within a rollout that a provider incident preceded", () => {
  it("without the incident, ties the release to the symptom (the release drove it)", () => {
    expect(fired([...regression, cacheSlowed], [rolledOut])).toContain(
      "code.release_drove_dependency",
    );
  });

  it("with it, is contested: neither the release's doing nor a dependency failing first", () => {
    const c = classified(
      [...regression, cacheSlowed],
      [rolledOut],
      [incident("2025-03-04T10:01:00Z")],
    );
    const rules = c.rulesFired.map((r) => r.ruleId);
    expect(rules).not.toContain("code.release_drove_dependency");
    expect(rules).not.toContain("code.dependency_moved_first");
    expect(rules).not.toContain("infra.dependency_leads_symptom");
    expect(decideGate(c, { now }).outcome).toBe("CANNOT_AUTO_FIX");
  });
});
