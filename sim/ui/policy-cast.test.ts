import { describe, expect, it } from "vitest";
import { loadPolicy } from "../../src/policy/load.ts";
import { rolesOf } from "../../src/policy/roles.ts";
import { findScenario } from "../scenario.ts";
import { castPolicy } from "./policy-cast.ts";

describe("the shipped policy with the simulated workspace's people cast", () => {
  it("gives the on-call group operate and the engineering lead approve, and changes nothing else", async () => {
    const scenario = await findScenario("db-state-approval");
    const cast = await castPolicy("policy", scenario);
    try {
      const shipped = await loadPolicy("policy", { service: "workspace-api" });
      const policy = await loadPolicy(cast.dir, { service: "workspace-api" });
      expect(rolesOf(policy, { userId: "U0ONCALL01", groupIds: ["S0SREONCAL"] }).at(-1)).toBe(
        "operator",
      );
      expect(rolesOf(policy, { userId: "U0ENGLEAD2" }).at(-1)).toBe("approver");
      expect(rolesOf(policy, { userId: "U0BACKEND5" })).toEqual([]);
      expect(policy.actions).toEqual(shipped.actions);
      expect(policy.confidence_threshold).toBe(shipped.confidence_threshold);
      // The onboarding team's own approvers are cast too.
      const team = await loadPolicy(cast.dir, { team: "onboarding" });
      expect(rolesOf(team, { userId: "U0ENGLEAD2" }).at(-1)).toBe("approver");
    } finally {
      await cast.remove();
    }
  });
});
