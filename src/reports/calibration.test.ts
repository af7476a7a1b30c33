import { describe, expect, it } from "vitest";
import {
  bandOf,
  type CalibrationRow,
  calibrate,
  formatCalibration,
  truthOf,
} from "./calibration.ts";

const row = (over: Partial<CalibrationRow>): CalibrationRow => ({
  runId: "r",
  class: "code_defect",
  confidence: 80,
  decision: "proceed_to_delivery",
  monitorVerdict: null,
  feedbackRight: 0,
  feedbackWrong: 0,
  ...over,
});

describe("calibration", () => {
  it("takes the truth from the monitor first, then the on-call feedback majority", () => {
    expect(truthOf(row({ monitorVerdict: "resolved", feedbackWrong: 3 }))).toBe("held");
    expect(truthOf(row({ monitorVerdict: "still recurring" }))).toBe("not_held");
    expect(truthOf(row({ monitorVerdict: "still_recurring" }))).toBe("not_held");
    expect(truthOf(row({ monitorVerdict: "inconclusive", feedbackRight: 1 }))).toBe("held");
    expect(truthOf(row({ feedbackWrong: 2, feedbackRight: 1 }))).toBe("not_held");
    expect(truthOf(row({ feedbackWrong: 1, feedbackRight: 1 }))).toBe("unknown");
    expect(truthOf(row({ monitorVerdict: "inconclusive" }))).toBe("unknown");
  });

  it("puts each confidence in one band, the gate's 70 starting the first passing band", () => {
    expect([0, 69, 69.6, 70, 79.9, 80, 89, 90, 100].map((c) => bandOf(c).label)).toEqual([
      "<70",
      "<70",
      "<70",
      "70-79",
      "70-79",
      "80-89",
      "80-89",
      "90-100",
      "90-100",
    ]);
  });

  it("computes the held rate and Brier score per band over known truths only", () => {
    const report = calibrate(
      [
        row({ confidence: 90, monitorVerdict: "resolved" }), // (0.9-1)² = 0.01
        row({ confidence: 90, monitorVerdict: "still recurring" }), // 0.81
        row({ confidence: 95, feedbackRight: 1 }), // 0.0025
        row({ confidence: 92 }), // unknown
        row({ confidence: 60, feedbackWrong: 1 }), // 0.36
      ],
      { unclassified: 2 },
    );
    const top = report.bands.find((b) => b.band === "90-100")!;
    expect(top).toMatchObject({ runs: 4, held: 2, notHeld: 1, unknown: 1 });
    expect(top.holdRate).toBeCloseTo(2 / 3);
    expect(top.brier).toBeCloseTo((0.01 + 0.81 + 0.0025) / 3);
    expect(report.bands.find((b) => b.band === "<70")).toMatchObject({ runs: 1, held: 0 });
    expect(report.bands.find((b) => b.band === "<70")!.brier).toBeCloseTo(0.36);
    expect(report.bands.find((b) => b.band === "70-79")).toMatchObject({
      runs: 0,
      holdRate: null,
      brier: null,
    });
    expect(report.overall).toMatchObject({ runs: 5, held: 2, notHeld: 2, unknown: 1 });
    expect(report.overall.brier).toBeCloseTo((0.01 + 0.81 + 0.0025 + 0.36) / 4);
    const text = formatCalibration(report);
    expect(text).toMatch(/^90-100\s+4\s+2\s+1\s+1\s+67%\s+92%\s+0\.274$/m);
    expect(text).toMatch(/^70-79\s+0\s+0\s+0\s+0\s+-\s+-\s+-$/m);
    expect(text).toContain("2 runs stopped before CLASSIFY");
  });
});
