import { describe, expect, it } from "vitest";
import { resolvePolicy } from "./resolve.ts";
import { canApprove, rolesOf } from "./roles.ts";

const policy = resolvePolicy([
  {
    level: "platform",
    source: "platform.yaml",
    file: {
      version: 1,
      actions: { kill_switch_change: { approvers: ["admin"] } },
      roles: {
        admin: { users: ["U0ADMIN"] },
        approver: { groups: ["S0LEADS"] },
        operator: { groups: ["S0ONCALL"] },
        viewer: { users: ["U0VIEW"] },
      },
    },
  },
]);

describe("roles", () => {
  it("includes every role below the highest one held", () => {
    expect(rolesOf(policy, { userId: "U0ADMIN" })).toEqual([
      "viewer",
      "operator",
      "approver",
      "admin",
    ]);
    expect(rolesOf(policy, { userId: "U1", groupIds: ["S0ONCALL"] })).toEqual([
      "viewer",
      "operator",
    ]);
    expect(rolesOf(policy, { userId: "U1", groupIds: ["S0ONCALL", "S0LEADS"] })).toContain(
      "approver",
    );
    expect(rolesOf(policy, { userId: "U0NOBODY" })).toEqual([]);
  });

  it("lets approvers approve ordinary actions and only admins kill-switch changes", () => {
    const lead = { userId: "U2", groupIds: ["S0LEADS"] };
    expect(canApprove(policy, "production_write", lead)).toBe(true);
    expect(canApprove(policy, "kill_switch_change", lead)).toBe(false);
    expect(canApprove(policy, "kill_switch_change", { userId: "U0ADMIN" })).toBe(true);
    expect(canApprove(policy, "production_write", { userId: "U1", groupIds: ["S0ONCALL"] })).toBe(
      false,
    );
  });
});
