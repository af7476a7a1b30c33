import { describe, expect, it } from "vitest";
import type { UnsourcedSignal } from "../../test/setup/classifier-fixtures.ts";
import {
  deployAbsent,
  exception,
  inputOf,
  no5xxRise,
  RULES_NOW,
  release,
  rise,
} from "../../test/setup/classifier-signals.ts";
import { classify } from "./classifier.ts";

/**
 * A months-old handled exception whose own events spike: a defect meeting more inputs
 * (a job reporting each failed item), or the service rejecting more bad requests from one
 * caller (classifier-features-code.ts, clientRejections / oneCallerRejections).
 */
const oldHandled = (extra: Record<string, unknown>): UnsourcedSignal =>
  ({ ...exception("2025-01-10T08:00:00Z"), handled: true, ...extra }) as UnsourcedSignal;
const spike = [rise("error_events"), no5xxRise, deployAbsent];
const run = (...signals: UnsourcedSignal[]) => classify(inputOf(signals), { now: RULES_NOW });
const ids = (c: ReturnType<typeof run>) => c.rulesFired.map((r) => r.ruleId);

describe("a handled exception answered with client errors only", () => {
  it("one caller sending most of it, no release: noise at the gate, not a long-standing defect", () => {
    const c = run(oldHandled({ statusCodes: [422], topCallerShare: 0.98 }), ...spike);
    expect(ids(c)).not.toContain("code.long_standing_defect");
    expect(ids(c)).not.toContain("code.long_standing_defect_spiking");
    expect(c.class).toBe("noise");
    expect(c.confidence).toBeGreaterThanOrEqual(70);
  });

  it("spread over many callers: neither noise nor a defect reaches the gate", () => {
    const c = run(oldHandled({ statusCodes: [401, 403], topCallerShare: 0.1 }), ...spike);
    expect(ids(c)).not.toContain("code.long_standing_defect_spiking");
    expect(ids(c)).not.toContain("noise.handled_errors_flat");
    expect(c.confidence).toBeLessThan(70);
  });

  it("with a correlated release stays a suspect: a release may reject valid requests", () => {
    const c = run(
      oldHandled({ statusCodes: [422], topCallerShare: 0.98 }),
      rise("error_events"),
      no5xxRise,
      release(),
    );
    expect(ids(c)).not.toContain("noise.one_caller_rejections");
    expect(c.class).not.toBe("noise");
  });
});

describe("a handled exception answered with server errors", () => {
  it("rising is still a long-standing defect: catching it did not make the work succeed", () => {
    const c = run(oldHandled({ statusCodes: [500], topCallerShare: 0.98 }), ...spike);
    expect(ids(c)).toContain("code.long_standing_defect_spiking");
    expect(c.class).toBe("code_defect");
  });
});

describe("an old exception whose spike one client runtime carries", () => {
  const old = (share: number) =>
    ({
      ...exception("2025-01-10T08:00:00Z"),
      topRuntime: { name: "Browser 9.1", share },
    }) as UnsourcedSignal;

  it("is not a long-standing defect to fix: the gate does not pass to delivery", () => {
    const c = run(old(0.95), ...spike);
    expect(ids(c)).not.toContain("code.long_standing_defect_spiking");
    expect(ids(c)).toContain("noise.client_runtime_spike");
    expect(c.class === "code_defect" && c.confidence >= 70).toBe(false);
  });

  it("spread over runtimes stays a long-standing defect spiking", () => {
    expect(ids(run(old(0.4), ...spike))).toContain("code.long_standing_defect_spiking");
  });

  it("with the 5xx rate rising is not excused", () => {
    const c = run(old(0.95), rise("error_events"), rise("errors_5xx"), deployAbsent);
    expect(ids(c)).not.toContain("noise.client_runtime_spike");
  });
});
