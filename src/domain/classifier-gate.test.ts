import { describe, expect, it } from "vitest";
import {
  abortNoise,
  backend500,
  input,
  returnedOutput,
  SCENARIO_NOW,
  staleCounts,
} from "../../test/setup/classifier-fixtures.ts";
import { classify } from "./classifier.ts";
import { CONFIDENCE_FLOOR, decideGate } from "./classifier-gate.ts";
import type { Classification } from "./classifier-schema.ts";
import { AppError } from "./errors.ts";

const now = SCENARIO_NOW;
const codeDefect = classify(input(backend500()), { now }); // confidence 95 (the ceiling)
const noise = classify(input(abortNoise()), { now }); // confidence 80
const at = (c: Classification, confidence: number): Classification => ({ ...c, confidence });

describe("decideGate thresholds", () => {
  it("clamps a policy threshold below 70 to 70 and says so", () => {
    const gate = decideGate(at(codeDefect, 65), { now, threshold: 50 });
    expect(gate.effectiveThreshold).toBe(CONFIDENCE_FLOOR);
    expect(gate.reasons[0]).toBe("policy threshold 50 is below the floor: clamped to 70");
    expect(gate.outcome).toBe("BLOCKED_NEEDS_INFO");
  });

  it("passes at exactly the floor and not one point below it", () => {
    expect(decideGate(at(codeDefect, 70), { now }).decision).toBe("proceed_to_delivery");
    expect(decideGate(at(codeDefect, 69), { now }).outcome).toBe("BLOCKED_NEEDS_INFO");
  });

  it("lets policy raise the bar for a code change", () => {
    const gate = decideGate(at(codeDefect, 85), { now, threshold: 90 });
    expect(gate).toMatchObject({ decision: "exit", outcome: "BLOCKED_NEEDS_INFO" });
    expect(gate.reasons.at(-1)).toContain("below the policy threshold 90");
  });

  it("applies a raised threshold to code changes only, not to a noise stop", () => {
    expect(decideGate(noise, { now, threshold: 90 }).outcome).toBe("NOISE_NO_FIX");
  });

  it("applies the floor to a noise verdict too", () => {
    expect(decideGate(at(noise, 60), { now }).outcome).toBe("BLOCKED_NEEDS_INFO");
  });

  it("refuses a threshold that is not a number", () => {
    expect(() => decideGate(codeDefect, { now, threshold: Number.NaN })).toThrow(AppError);
  });
});

describe("decideGate exits", () => {
  it("names required evidence the runner found missing", () => {
    const gate = decideGate(codeDefect, { now, requiredEvidenceMissing: ["reproduction"] });
    expect(gate.outcome).toBe("BLOCKED_NEEDS_INFO");
    expect(gate.reasons).toEqual(["required evidence missing: reproduction"]);
  });

  it("refuses an automatic fix for a class policy does not allow", () => {
    const gate = decideGate(codeDefect, { now, autoFixableClasses: ["data_defect"] });
    expect(gate.outcome).toBe("CANNOT_AUTO_FIX");
  });

  it("waits for a required approval that is pending, rejected or expired", () => {
    const pending = decideGate(codeDefect, {
      now,
      requiredApprovals: [{ action: "change migrations/", status: "pending" }],
    });
    expect(pending).toMatchObject({ decision: "exit", outcome: "APPROVAL_REQUIRED" });
    const expired = decideGate(codeDefect, {
      now,
      requiredApprovals: [
        { action: "change migrations/", status: "approved", expiresAt: "2025-03-04T10:30:00Z" },
      ],
    });
    expect(expired.reasons).toEqual([
      "approval for change migrations/ expired at 2025-03-04T10:30:00Z",
    ]);
    const fresh = decideGate(codeDefect, {
      now,
      requiredApprovals: [
        { action: "change migrations/", status: "approved", expiresAt: "2025-03-04T10:45:00Z" },
      ],
    });
    expect(fresh.decision).toBe("proceed_to_delivery");
  });

  it("escalates sev1 before anything else, even with low confidence", () => {
    const gate = decideGate({ ...at(codeDefect, 10), severity: "sev1" }, { now });
    expect(gate.outcome).toBe("ESCALATED_INCIDENT");
  });

  it("reports a data correction on proceed so the runner asks for its approval", () => {
    const data = classify(input(staleCounts()), { now });
    expect(decideGate(data, { now })).toMatchObject({
      decision: "proceed_to_delivery",
      needsDataCorrection: true,
    });
  });
});

describe("decideGate with a competing explanation under the floor", () => {
  const against = (c: Classification, points: number): Classification => ({
    ...c,
    rulesFired: [
      ...c.rulesFired,
      {
        ruleId: "code.load_rose_with_symptom",
        class: "code_defect",
        effect: "refutes",
        contribution: -points,
        explanation: "request volume rose with the errors",
        evidence: c.rulesFired[0]!.evidence,
      },
    ],
  });

  it("hands a human the two live explanations when the rival alone put it under the floor", () => {
    const gate = decideGate(at(against(codeDefect, 30), 55), { now });
    expect(gate.outcome).toBe("CANNOT_AUTO_FIX");
    expect(gate.reasons[0]).toContain("code.load_rose_with_symptom");
    expect(gate.reasons[1]).toContain("would stand at 85 without it");
  });

  it("still needs information when the class is under the floor even without the rival", () => {
    const gate = decideGate(at(against(codeDefect, 30), 35), { now });
    expect(gate.outcome).toBe("BLOCKED_NEEDS_INFO");
  });

  it("blocks on a missing required source before weighing rivals", () => {
    const gate = decideGate(at(against(codeDefect, 30), 55), {
      now,
      requiredEvidenceMissing: ["sentry"],
    });
    expect(gate.outcome).toBe("BLOCKED_NEEDS_INFO");
  });
});

describe("decideGate when sources disagree or two classes stay live", () => {
  const ref = (signalKind: string, summary: string) => ({
    specialistId: signalKind === "service_resolution" ? "ticket" : "aws",
    signalKind,
    sourceRef: `${signalKind}:x`,
    summary,
  });
  const conflict = (signalKind: string, material: boolean) => ({
    subject: `${signalKind === "service_resolution" ? "service identity" : "onset order"}: one says a, the other b`,
    between: [ref(signalKind, "a"), ref(signalKind, "b")] as [
      ReturnType<typeof ref>,
      ReturnType<typeof ref>,
    ],
    material,
  });

  it("asks which service the ticket is about when its structured sources name two", () => {
    const gate = decideGate(
      { ...codeDefect, conflicts: [conflict("service_resolution", true)] },
      {
        now,
      },
    );
    expect(gate.outcome).toBe("BLOCKED_NEEDS_INFO");
    expect(gate.reasons.at(-1)).toContain("which service is this ticket about?");
  });

  it("hands a human an evidence conflict, material or (with no surviving class) recorded", () => {
    const material = decideGate(
      { ...codeDefect, conflicts: [conflict("series_change", true)] },
      {
        now,
      },
    );
    expect(material.outcome).toBe("CANNOT_AUTO_FIX");
    const unknown: Classification = { ...codeDefect, class: "unknown", confidence: 0 };
    const recorded = decideGate(
      { ...unknown, conflicts: [conflict("reported_cause", false)] },
      {
        now,
      },
    );
    expect(recorded.outcome).toBe("CANNOT_AUTO_FIX");
    expect(recorded.reasons[0]).toContain("the sources disagree");
    // Nothing disputed: an unknown class still asks for more.
    expect(decideGate({ ...unknown, conflicts: [] }, { now }).outcome).toBe("BLOCKED_NEEDS_INFO");
  });

  it("hands a human two live classes under the floor when nothing missing cost confidence", () => {
    const rival = { ...codeDefect.hypotheses[0]!, class: "infra" as const, confidence: 45 };
    const two: Classification = {
      ...at(codeDefect, 60),
      hypotheses: [{ ...codeDefect.hypotheses[0]!, confidence: 60 }, rival],
      gaps: [],
    };
    const gate = decideGate(two, { now });
    expect(gate.outcome).toBe("CANNOT_AUTO_FIX");
    expect(gate.reasons[0]).toContain("code_defect at 60 and infra at 45");
    // A gap that cost confidence names what is missing: ask for it instead.
    const gap = { what: "no metrics", confidenceImpact: 10, origin: "x", blocking: false };
    expect(decideGate({ ...two, gaps: [gap] }, { now }).outcome).toBe("BLOCKED_NEEDS_INFO");
    // A weak rival is not live.
    const weak = { ...two, hypotheses: [two.hypotheses[0]!, { ...rival, confidence: 20 }] };
    expect(decideGate(weak, { now }).outcome).toBe("BLOCKED_NEEDS_INFO");
  });
});

describe("a release the error tracker blames that the deployment records say is not running", () => {
  it("hands a confident code defect over (CANNOT_AUTO_FIX) instead of delivering", () => {
    const s = backend500();
    const release = "onboarding-api@9.1.0";
    s.specialists.push(
      returnedOutput("release", { kind: "sentry_release", ref: `sentry_release:${release}` }, [
        { kind: "release_attribution", release, seenAt: "2025-03-04T09:58:00Z" },
      ]),
      returnedOutput("release", { kind: "github_deploy", ref: "github_deploy:901" }, [
        {
          kind: "change_event",
          change: "deploy",
          ref: release,
          at: "2025-03-04T09:20:00Z",
          state: "failure",
          supersededAt: "2025-03-04T09:30:00Z",
        },
      ]),
    );
    const c = classify(input(s), { now });
    expect(c.conflicts.find((k) => k.subject.startsWith("release attribution"))?.material).toBe(
      true,
    );
    const gate = decideGate(c, { now, threshold: 70 });
    expect(gate).toMatchObject({ decision: "exit", outcome: "CANNOT_AUTO_FIX" });
    // Without the attribution the same evidence is delivered.
    expect(decideGate(codeDefect, { now, threshold: 70 }).decision).toBe("proceed_to_delivery");
  });
});
