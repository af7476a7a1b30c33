import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AUTONOMY_LEVELS, autonomyRank } from "../policy/types.ts";
import { deliveryBand } from "./autonomy.ts";

const policy = {
  autonomy: "draft_pr" as const,
  confidence_floors: { proposed_patch: 70, draft_pr: 80 },
  checks: [{ name: "tests", command: "npm test", timeout_seconds: 60 }],
};
const repository = "acme/api";

describe("the delivery band", () => {
  it("opens a PR at the PR floor, proposes a patch between the floors, and analyses below", () => {
    expect(deliveryBand({ policy, confidence: 85, repository }).band).toBe("draft_pr");
    const middle = deliveryBand({ policy, confidence: 75, repository });
    expect(middle.band).toBe("proposed_patch");
    expect(middle.reasons[0]).toBe("confidence 75% is below the draft_pr floor of 80%");
    expect(deliveryBand({ policy, confidence: 69, repository }).band).toBe("analysis_only");
  });

  it("proposes a patch at most when the service declares no checks, and analyses without a repository", () => {
    const noChecks = deliveryBand({
      policy: { ...policy, checks: [] },
      confidence: 95,
      repository,
    });
    expect(noChecks.band).toBe("proposed_patch");
    expect(noChecks.reasons[0]).toContain("declares no checks");
    expect(deliveryBand({ policy, confidence: 95, repository: undefined }).band).toBe(
      "analysis_only",
    );
  });

  it("never goes above the policy's autonomy nor below a floor it sets", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...AUTONOMY_LEVELS),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 70, max: 100 }),
        fc.integer({ min: 70, max: 100 }),
        (autonomy, confidence, patchFloor, prFloor) => {
          const floors = { proposed_patch: patchFloor, draft_pr: prFloor };
          const { band } = deliveryBand({
            policy: { ...policy, autonomy, confidence_floors: floors },
            confidence,
            repository,
          });
          expect(autonomyRank(band)).toBeLessThanOrEqual(autonomyRank(autonomy));
          if (band !== "analysis_only") expect(confidence).toBeGreaterThanOrEqual(floors[band]);
        },
      ),
    );
  });
});
