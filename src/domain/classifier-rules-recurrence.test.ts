import { describe, expect, it } from "vitest";
import {
  linear,
  returnedOutput,
  toolMap,
  type UnsourcedSignal,
} from "../../test/setup/classifier-fixtures.ts";
import {
  crash,
  deployAbsent,
  exception,
  flat,
  inputOf,
  no5xxRise,
  RULES_NOW,
  recurringAlarm,
  rise,
  saturation,
} from "../../test/setup/classifier-signals.ts";
import { classify } from "./classifier.ts";
import { decideTriage } from "./triage-decision.ts";

const quiet = [no5xxRise, flat("latency_p99"), deployAbsent];
const cacheFull = saturation("cache", 98, 100, "memory");
const run = (signals: UnsourcedSignal[]) => classify(inputOf(signals), { now: RULES_NOW });
const fired = (signals: UnsourcedSignal[]) => run(signals).rulesFired.map((r) => r.ruleId);

describe("an alarm that fires every day at the same time, with nothing users depend on moving", () => {
  it("is noise over a dependency at its limit, with the alarm to tune as the statement", () => {
    const c = run([recurringAlarm(), cacheFull, ...quiet]);
    expect(c.class).toBe("noise");
    expect(c.confidence).toBeGreaterThanOrEqual(70);
    expect(c.rootCauseHypothesis).toContain("svc-a-cache-evictions");
    expect(c.rootCauseHypothesis).toContain("tune the alarm");
  });

  it("is not a schedule when an earlier episode did not clear by itself", () => {
    expect(fired([recurringAlarm({ selfCleared: 5 }), cacheFull, ...quiet])).not.toContain(
      "noise.scheduled_alarm_without_impact",
    );
  });

  it("is not a schedule when the alarm fires as often at other hours", () => {
    expect(fired([recurringAlarm({ otherFirings: 4 }), cacheFull, ...quiet])).not.toContain(
      "noise.scheduled_alarm_without_impact",
    );
  });

  it("needs the 5xx rate and the latency read, not merely not seen rising", () => {
    expect(fired([recurringAlarm(), cacheFull, no5xxRise, deployAbsent])).not.toContain(
      "noise.scheduled_alarm_without_impact",
    );
    expect(fired([recurringAlarm(), cacheFull, flat("latency_p99"), deployAbsent])).not.toContain(
      "noise.scheduled_alarm_without_impact",
    );
  });

  it("is not noise when the 5xx rate or error events rose, or tasks crash", () => {
    for (const impact of [rise("errors_5xx"), rise("error_events"), crash("out_of_memory")]) {
      expect(fired([recurringAlarm(), cacheFull, ...quiet, impact])).not.toContain(
        "noise.scheduled_alarm_without_impact",
      );
    }
  });

  it("is not noise when a job's backlog grew or a new unhandled exception appeared", () => {
    const fresh = { ...exception(RULES_NOW.toISOString()) } as UnsourcedSignal;
    for (const impact of [rise("queue_age"), fresh]) {
      expect(fired([recurringAlarm(), cacheFull, ...quiet, impact])).not.toContain(
        "noise.scheduled_alarm_without_impact",
      );
    }
    // An old handled one is the steady background.
    const old = { ...exception("2024-12-01T00:00:00Z"), handled: true } as UnsourcedSignal;
    expect(fired([recurringAlarm(), cacheFull, ...quiet, old])).toContain(
      "noise.scheduled_alarm_without_impact",
    );
  });

  it("proposes tuning the alarm, by a human, and no code change", () => {
    const cw = { kind: "cloudwatch_metric" as const, ref: "cw:cache" };
    const decided = decideTriage({
      runId: "run_1",
      linear: linear("OPS-7", "ALARM: svc-a-cache-evictions", {
        aws: ["alarm:svc-a-cache-evictions"],
      }),
      toolMap: toolMap([]),
      specialists: [
        returnedOutput("aws", cw, [recurringAlarm(), cacheFull, no5xxRise, flat("latency_p99")]),
        returnedOutput("release", { kind: "github_deploy", ref: "gh:deployments" }, [deployAbsent]),
      ],
      threshold: 70,
      now: RULES_NOW,
    });
    expect(decided.gate.outcome).toBe("NOISE_NO_FIX");
    expect(decided.mitigations).toEqual([
      expect.objectContaining({ kind: "config", performedBy: "human" }),
    ]);
    expect(decided.mitigations[0]!.action).toContain("svc-a-cache-evictions");
  });
});
