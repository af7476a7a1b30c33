import { describe, expect, it } from "vitest";
import {
  input,
  linear,
  returnedOutput,
  SCENARIO_NOW,
  type Scenario,
  toolMap,
} from "../../test/setup/classifier-fixtures.ts";
import { classify, decideGate } from "./classifier.ts";

/**
 * A reference row the ticket names was edited and the rows referring to it followed the
 * edit: a data correction owned by the data's owners, never a code change.
 */

const now = SCENARIO_NOW;
const EDITED_AT = "2025-03-03T09:40:00Z";

function edited(datedBy: "audit_trail" | "update_time"): Scenario {
  return {
    linear: linear("ENG-402", "Fees for Region North look off since yesterday"),
    toolMap: toolMap([
      { specialistId: "db", required: false, reason: "scenario" },
      { specialistId: "release", required: true, reason: "scenario" },
    ]),
    specialists: [
      returnedOutput("db", { kind: "db_query", ref: "db_query:reference-edit/regions/orders" }, [
        {
          kind: "reference_edit",
          table: "regions",
          named: "Region North",
          editedAt: EDITED_AT,
          datedBy,
          referringTable: "orders",
          rowsBefore: 300,
          rowsSince: 120,
          shifted: [{ column: "fee", before: 1500, after: 0 }],
        },
      ]),
      returnedOutput("release", { kind: "github_deploy", ref: "gh:deployments" }, [
        {
          kind: "deploy_absent",
          windowHours: 24,
          windowStart: "2025-03-02T09:40:00Z",
          windowEnd: EDITED_AT,
        },
      ]),
    ],
  };
}

describe("an audited edit of a reference row the ticket names", () => {
  const c = classify(input(edited("audit_trail")), { now });

  it("is a data defect with no code change: NO_CODE_CHANGE", () => {
    expect(c.class).toBe("data_defect");
    expect(c.confidence).toBeGreaterThanOrEqual(70);
    expect(c.remedy).toEqual({ codeChange: false, dataCorrection: true });
    expect(decideGate(c, { now })).toMatchObject({ decision: "exit", outcome: "NO_CODE_CHANGE" });
  });

  it("names the edited row, its time and the shifted column in the hypothesis", () => {
    expect(c.rootCauseHypothesis).toContain('regions row the ticket names ("Region North")');
    expect(c.rootCauseHypothesis).toContain(EDITED_AT);
    expect(c.rootCauseHypothesis).toContain("fee 1500 → 0");
  });
});

describe("an edit dated only by the row's update time", () => {
  it("stays below the floor: the service's own write path may have made it", () => {
    const c = classify(input(edited("update_time")), { now });
    expect(c.confidence).toBeLessThan(70);
    expect(decideGate(c, { now })).toMatchObject({ outcome: "BLOCKED_NEEDS_INFO" });
  });
});
