import { describe, expect, it } from "vitest";
import {
  abortNoise,
  backend500,
  input,
  queueAlarm,
  returnedOutput,
  SCENARIO_NOW,
  type Scenario,
  skippedOutput,
  staleCounts,
  tool,
  toolMap,
} from "../../test/setup/classifier-fixtures.ts";
import { classify, decideGate } from "./classifier.ts";
import { MISSING_REQUIRED_SOURCE_CAP } from "./classifier-requirements.ts";
import type { Classification } from "./classifier-schema.ts";

const now = SCENARIO_NOW;
const run = (s: Scenario) => {
  const classification = classify(input(s), { now });
  return { classification, gate: decideGate(classification, { now }) };
};
const fired = (c: Classification) => c.rulesFired.map((r) => r.ruleId);
const rejectedBy = (c: Classification, cls: string) =>
  c.rejected.find((r) => r.class === cls)?.rejectedBy.map((e) => e.signalKind);

describe("reference scenario 1: backend 500 → PR", () => {
  const { classification: c, gate } = run(backend500());

  it("classifies a release-correlated exception on one path as a code defect and proceeds", () => {
    expect(c.class).toBe("code_defect");
    expect(c.confidence).toBeGreaterThanOrEqual(80);
    expect(c.confidence).toBeLessThanOrEqual(95);
    expect(c.severity).toBe("sev2");
    expect(c.remedy).toEqual({ codeChange: true, dataCorrection: false });
    expect(gate).toMatchObject({ decision: "proceed_to_delivery", effectiveThreshold: 70 });
    expect(gate.outcome).toBeUndefined();
    expect(gate.needsDataCorrection).toBeUndefined();
  });

  it("records every supporting rule with its contribution", () => {
    const supports = c.rulesFired.filter((r) => r.class === "code_defect");
    expect(supports.map((r) => [r.ruleId, r.contribution])).toEqual([
      ["code.5xx_rise_after_release", 35],
      ["code.release_within_minutes", 15],
      ["code.new_exception_one_path", 25],
      ["code.exception_after_deploy", 15],
      ["code.data_precondition_present", 10],
    ]);
    expect(c.confidenceBreakdown).toEqual({
      evidenceScore: 100,
      gapPenalty: 0,
      conflictPenalty: 0,
      caps: ["ceiling 95: evidence never proves certainty"],
    });
  });

  it("names the issue the release introduced, not an older one on the service", () => {
    const s = backend500();
    s.specialists.unshift(
      returnedOutput("sentry", { kind: "sentry_issue", ref: "sentry_issue:OLD-1" }, [
        {
          kind: "new_exception",
          issueId: "OLD-1",
          path: "GET /v1/profile",
          firstSeen: "2025-01-10T08:00:00Z",
          culprit: "profile.read",
          events: 40,
        },
      ]),
    );
    const hypothesis = classify(input(s), { now }).rootCauseHypothesis;
    expect(hypothesis).toContain("ONB-4821");
    expect(hypothesis).not.toContain("OLD-1");
  });

  it("names the release, path and issue in the root-cause hypothesis, with a settling test", () => {
    expect(c.rootCauseHypothesis).toContain("api@2025.03.04-1");
    expect(c.rootCauseHypothesis).toContain("POST /v1/onboarding");
    expect(c.rootCauseHypothesis).toContain("ONB-4821");
    const [leading] = c.hypotheses;
    expect(leading?.class).toBe("code_defect");
    expect(leading?.evidenceFor.map((e) => e.specialistId).sort()).toEqual([
      "aws",
      "db",
      "release",
      "sentry",
    ]);
    expect(leading?.settlingTest).toContain("POST /v1/onboarding");
  });

  it("keeps noise rejected with the 5xx rise, release and exception that rejected it", () => {
    expect(rejectedBy(c, "noise")).toEqual([
      "error_rate_rise",
      "release_correlation",
      "new_exception",
    ]);
    expect(rejectedBy(c, "infra")).toEqual(["release_correlation"]);
    for (const r of c.rejected) expect(r.rejectedBy[0]?.sourceRef).toMatch(/^(cw|gh|sentry):/);
  });
});

describe("reference scenario 2: queue alarm → infra handoff", () => {
  const { classification: c, gate } = run(queueAlarm());

  it("classifies queue age with tasks at their ceiling and no deploy as infra", () => {
    expect(c.class).toBe("infra");
    expect(c.confidence).toBe(80);
    expect(fired(c)).toEqual(
      expect.arrayContaining([
        "infra.queue_saturated",
        "infra.capacity_exhausted",
        "infra.without_deploy",
      ]),
    );
    expect(c.remedy).toEqual({ codeChange: false, dataCorrection: false });
    expect(gate).toMatchObject({ decision: "exit", outcome: "VENDOR_OR_INFRA" });
  });

  it("rejects a code regression with the absent deploy and flat 5xx rate", () => {
    expect(rejectedBy(c, "code_defect")).toEqual(["deploy_absent", "no_5xx_rise"]);
  });

  it("is sev2, not an escalated incident: the queue is far past its threshold", () => {
    expect(c.severity).toBe("sev2");
    expect(c.severityReasons[0]).toContain("payouts-jobs");
  });
});

describe("reference scenario 3: DB state check → approval pause", () => {
  const { classification: c, gate } = run(staleCounts());

  it("classifies stale derived rows proven by aggregates as a data defect needing both fixes", () => {
    expect(c.class).toBe("data_defect");
    expect(c.confidence).toBe(80);
    expect(fired(c)).toEqual(
      expect.arrayContaining([
        "data.stale_rows_proven",
        "data.visible_count_mismatch",
        "data.write_path_changed",
      ]),
    );
    expect(c.remedy).toEqual({ codeChange: true, dataCorrection: true });
    expect(c.rootCauseHypothesis).toContain("data correction and a code fix");
  });

  it("proceeds to the code PR and flags the data correction for an approval", () => {
    expect(gate).toMatchObject({ decision: "proceed_to_delivery", needsDataCorrection: true });
  });

  it("without a write-path cause it is a data correction only: NO_CODE_CHANGE", () => {
    const s = staleCounts();
    s.specialists = s.specialists.map((o) =>
      o.specialistId === "release"
        ? returnedOutput("release", { kind: "github_deploy", ref: "gh:deployments" }, [
            { kind: "deploy_absent", service: "billing-api", windowHours: 24 * 14 },
          ])
        : o,
    );
    const only = classify(input(s), { now });
    expect(fired(only)).toContain("data.no_write_path_change");
    expect(only.remedy).toEqual({ codeChange: false, dataCorrection: true });
    expect(decideGate(only, { now })).toMatchObject({
      decision: "exit",
      outcome: "NO_CODE_CHANGE",
      needsDataCorrection: true,
    });
  });
});

describe("reference scenario 4: abort noise → safe stop", () => {
  const { classification: c, gate } = run(abortNoise());

  it("classifies aborts without 5xx rise or deploy as noise and stops without a fix", () => {
    expect(c.class).toBe("noise");
    expect(c.confidence).toBe(80);
    expect(c.severity).toBe("sev4");
    expect(fired(c)).toEqual(
      expect.arrayContaining(["noise.aborts_without_5xx_rise", "noise.aborts_without_deploy"]),
    );
    expect(gate).toMatchObject({ decision: "exit", outcome: "NOISE_NO_FIX" });
  });

  it("keeps the code-defect hypothesis rejected by the negative controls", () => {
    const rejected = c.rejected.find((r) => r.class === "code_defect");
    expect(rejected?.rejectedBy.map((e) => e.summary)).toEqual([
      "no deploy of feed-api in 24 h",
      "no 5xx rise on feed-api over 120 min",
    ]);
  });

  it("is not noise when the metrics specialist timed out: the required control is missing", () => {
    const s = abortNoise();
    s.specialists = s.specialists.map((o) =>
      o.specialistId === "aws" ? { ...o, status: "timed_out" as const, deadlineMs: 30_000 } : o,
    );
    const timedOut = classify(input(s), { now });
    expect(timedOut.gaps).toContainEqual(
      expect.objectContaining({ origin: "route:aws", blocking: true }),
    );
    expect(decideGate(timedOut, { now }).outcome).toBe("BLOCKED_NEEDS_INFO");
  });
});

describe("missing tools lower confidence or block (invariant 7)", () => {
  function withoutSentry(impact: number): Scenario {
    const s = backend500();
    s.toolMap = toolMap(s.toolMap.route.specialists, [tool("sentry", "missing", impact)]);
    s.specialists = s.specialists.map((o) =>
      o.specialistId === "sentry" ? skippedOutput("sentry", "sentry connector missing") : o,
    );
    return s;
  }

  it("a code-defect ticket without Sentry falls below the gate, and the gap says why", () => {
    const c = classify(input(withoutSentry(30)), { now });
    expect(c.class).toBe("code_defect");
    expect(c.confidence).toBeLessThan(70);
    const gap = c.gaps.find((g) => g.origin === "tool:sentry");
    expect(gap).toMatchObject({ blocking: true, confidenceImpact: 30 });
    expect(gap?.what).toContain("sentry connector missing");
    expect(gap?.what).toContain("not replaced by a weaker source");
    const gate = decideGate(c, { now });
    expect(gate.outcome).toBe("BLOCKED_NEEDS_INFO");
    expect(gate.reasons.join("\n")).toContain("sentry connector missing");
  });

  it("a weaker source reporting the exception cannot lift confidence past the cap", () => {
    const s = withoutSentry(0);
    s.specialists.push(
      returnedOutput("aws-logs", { kind: "cloudwatch_logs", ref: "cw:logs/onboarding" }, [
        {
          kind: "new_exception",
          issueId: "logs-TypeError",
          path: "POST /v1/onboarding",
          firstSeen: "2025-03-04T09:52:00Z",
          culprit: "onboarding.createProfile",
        },
      ]),
    );
    const c = classify(input(s), { now });
    expect(c.confidenceBreakdown.evidenceScore).toBeGreaterThanOrEqual(70);
    expect(c.confidence).toBe(MISSING_REQUIRED_SOURCE_CAP);
    expect(c.confidenceBreakdown.caps[0]).toContain("tool:sentry");
  });

  it("a connector absent from the inventory counts as missing with its default impact", () => {
    const s = abortNoise();
    s.toolMap.tools = s.toolMap.tools.filter((t) => t.connector !== "aws");
    const c = classify(input(s), { now });
    expect(c.gaps).toContainEqual(
      expect.objectContaining({ origin: "tool:aws", blocking: true, confidenceImpact: 35 }),
    );
    expect(c.confidence).toBeLessThan(70);
  });

  it("a missing tool the leading hypothesis does not need costs nothing", () => {
    const s = queueAlarm();
    s.toolMap = toolMap(s.toolMap.route.specialists, [tool("db", "blocked", 40)]);
    const c = classify(input(s), { now });
    expect(c.confidence).toBe(80);
    expect(c.gaps).toEqual([
      expect.objectContaining({ origin: "tool:db", confidenceImpact: 0, blocking: false }),
    ]);
  });

  it("specialists' own gaps lower confidence by their stated impact", () => {
    const s = queueAlarm();
    const aws = s.specialists[0]!;
    s.specialists[0] = { ...aws, gaps: [{ what: "only 1 h of metrics", confidenceImpact: 15 }] };
    const c = classify(input(s), { now });
    expect(c.confidence).toBe(65);
    expect(decideGate(c, { now }).outcome).toBe("BLOCKED_NEEDS_INFO");
  });

  it("evidence older than the freshness limit is flagged as not current", () => {
    const later = new Date(SCENARIO_NOW.getTime() + 3 * 60 * 60_000);
    const c = classify(input(queueAlarm()), { now: later });
    expect(c.gaps.map((g) => g.origin)).toEqual(["freshness:aws", "freshness:release"]);
    expect(c.confidence).toBe(60);
  });
});

describe("conflicting specialists", () => {
  it("a material conflict stops on CANNOT_AUTO_FIX and names both sides", () => {
    const s = backend500();
    s.specialists.push(
      returnedOutput("aws-ecs", { kind: "cloudwatch_metric", ref: "cw:ecs-deployments" }, [
        { kind: "deploy_absent", service: "onboarding-api", windowHours: 24 },
      ]),
    );
    const c = classify(input(s), { now });
    expect(c.conflicts).toEqual([
      expect.objectContaining({ subject: "deploys of onboarding-api", material: true }),
    ]);
    expect(c.confidenceBreakdown.conflictPenalty).toBe(20);
    const gate = decideGate(c, { now });
    expect(gate.outcome).toBe("CANNOT_AUTO_FIX");
    expect(gate.reasons[0]).toContain("release");
    expect(gate.reasons[0]).toContain("aws-ecs");
  });

  it("a conflict away from the leading hypothesis is recorded but does not stop the gate", () => {
    const s = queueAlarm();
    s.specialists.push(
      returnedOutput("vendor", { kind: "vendor_status", ref: "status:stripe" }, [
        { kind: "vendor_incident", vendor: "stripe", status: "investigating", impact: "minor" },
      ]),
      returnedOutput("support", { kind: "support_ticket", ref: "support:T-9" }, [
        { kind: "vendor_operational", vendor: "stripe" },
      ]),
    );
    const c = classify(input(s), { now });
    expect(c.class).toBe("infra");
    expect(c.conflicts).toEqual([
      expect.objectContaining({ subject: "status of stripe", material: false }),
    ]);
    expect(c.hypotheses.map((h) => h.class)).toEqual(["infra", "vendor"]);
    expect(c.hypotheses[1]?.evidenceAgainst[0]?.signalKind).toBe("vendor_operational");
    expect(decideGate(c, { now }).outcome).toBe("VENDOR_OR_INFRA");
  });
});

describe("other exits", () => {
  it("an open vendor incident correlated with failures is VENDOR_OR_INFRA", () => {
    const s: Scenario = {
      ...queueAlarm(),
      specialists: [
        returnedOutput("vendor", { kind: "vendor_status", ref: "status:kyc-vendor" }, [
          { kind: "vendor_incident", vendor: "kyc-vendor", status: "identified", impact: "major" },
          { kind: "vendor_error_correlation", vendor: "kyc-vendor", correlatedRequests: 40 },
        ]),
        returnedOutput("release", { kind: "github_deploy", ref: "gh:deployments" }, [
          { kind: "deploy_absent", windowHours: 24 },
        ]),
      ],
    };
    s.toolMap = toolMap([]);
    const c = classify(input(s), { now });
    expect(c.class).toBe("vendor");
    expect(c.confidence).toBe(85);
    expect(decideGate(c, { now }).outcome).toBe("VENDOR_OR_INFRA");
  });

  it("with no signal at all the class is unknown and the run is blocked", () => {
    const s: Scenario = { ...abortNoise(), specialists: [] };
    s.toolMap = toolMap([]);
    const c = classify(input(s), { now });
    expect(c).toMatchObject({ class: "unknown", confidence: 0, hypotheses: [], rejected: [] });
    expect(decideGate(c, { now }).outcome).toBe("BLOCKED_NEEDS_INFO");
  });

  it("widespread impact escalates whatever the class", () => {
    const s = backend500();
    s.specialists.push(
      returnedOutput("support", { kind: "support_ticket", ref: "support:bulk" }, [
        { kind: "user_impact", affectedUsers: 12000, scope: "widespread" },
      ]),
    );
    const c = classify(input(s), { now });
    expect(c.severity).toBe("sev1");
    expect(decideGate(c, { now }).outcome).toBe("ESCALATED_INCIDENT");
  });

  it("signals of a failed specialist are not evidence", () => {
    const s = abortNoise();
    s.specialists = s.specialists.map((o) =>
      o.specialistId === "sentry"
        ? { ...o, status: "failed" as const, error: { code: "upstream_unavailable", message: "" } }
        : o,
    );
    const c = classify(input(s), { now });
    expect(fired(c)).not.toContain("noise.aborts_without_5xx_rise");
    expect(c.gaps).toContainEqual(
      expect.objectContaining({ origin: "route:sentry", blocking: true }),
    );
  });
});
