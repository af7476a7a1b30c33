import { describe, expect, it } from "vitest";
import { evaluate } from "./evaluate.ts";
import type { PolicyFile } from "./file-schema.ts";
import { type PolicyLayer, resolveLoadedPolicy } from "./resolve.ts";
import type { LoadedPolicy } from "./types.ts";

function policy(platform: Omit<PolicyFile, "version">, team?: Omit<PolicyFile, "version">) {
  const layers: PolicyLayer[] = [
    {
      level: "platform",
      source: "platform.yaml",
      file: { version: 1 as const, ...platform },
    },
  ];
  if (team) {
    layers.push({
      level: "team",
      source: "teams/payments.yaml",
      file: { version: 1 as const, ...team },
    });
  }
  return resolveLoadedPolicy(layers, { team: team ? "payments" : null, service: null });
}

const base: LoadedPolicy = policy(
  {
    confidence_threshold: 75,
    forbidden_paths: ["*.pem", "infra/**"],
    max_pr_size: { lines: 100, files: 5 },
    roles: { operator: { groups: ["S0ONCALL"] }, viewer: { users: ["U0VIEW"] } },
  },
  {},
);
const pr = {
  action: "open_pr",
  team: "payments",
  paths: ["src/a.ts"],
  prSize: { lines: 10, files: 1 },
};

describe("the gate", () => {
  it("allows a clean PR above the threshold, naming the checks that passed", () => {
    const r = evaluate(base, { ...pr, confidence: 75 });
    expect(r.decision).toBe("allow");
    expect(r.matchedRules).toEqual(["confidence_threshold", "forbidden_paths", "max_pr_size"]);
    expect(r.policyHash).toBe(base.hash);
    expect(r.explanation).toContain("confidence 75 ≥ 75");
  });

  it("denies with every failed rule, not only the first", () => {
    const r = evaluate(base, {
      ...pr,
      confidence: 60,
      paths: ["infra/main.tf", "certs/x.pem", "src/ok.ts"],
      prSize: { lines: 101, files: 6 },
    });
    expect(r.decision).toBe("deny");
    expect(r.matchedRules).toEqual([
      "confidence_threshold",
      "forbidden_paths:infra/**",
      "forbidden_paths:*.pem",
      "max_pr_size.lines",
      "max_pr_size.files",
    ]);
    expect(r.explanation).toContain("confidence 60 is below 75");
    expect(r.explanation).toContain("certs/x.pem is forbidden (*.pem)");
  });

  it("fails closed on a missing or non-numeric confidence for code actions", () => {
    expect(evaluate(base, { action: "create_worktree", team: "payments" }).decision).toBe("deny");
    const nan = evaluate(base, { ...pr, confidence: Number.NaN });
    expect(nan.decision).toBe("deny");
    expect(nan.matchedRules).toEqual(["confidence_threshold"]);
  });

  it("asks for approval with the expiry and approver roles of the action", () => {
    const p = policy({
      actions: { production_write: { approval_expiry_minutes: 20, approvers: ["admin"] } },
    });
    const r = evaluate(p, { action: "production_write", runId: "r1" });
    expect(r.decision).toBe("ask_approval");
    expect(r.matchedRules).toEqual(["actions.production_write.requires_approval"]);
    expect(r.approval).toEqual({ expiryMinutes: 20, approvers: ["admin"] });
  });

  it("denies a request for another scope than the policy was loaded for", () => {
    const r = evaluate(base, { ...pr, team: "growth", confidence: 90 });
    expect(r.decision).toBe("deny");
    expect(r.matchedRules).toEqual(["scope.team"]);
    const unscoped = policy({});
    expect(evaluate(unscoped, { ...pr, confidence: 90 }).matchedRules).toEqual(["scope.team"]);
  });

  it("denies when a kill switch declared in policy applies, and only then", () => {
    const p = policy(
      {},
      { kill_switches: [{ scope: "capability", value: "open_pr", reason: "freeze" }] },
    );
    const r = evaluate(p, { ...pr, confidence: 90 });
    expect(r.decision).toBe("deny");
    expect(r.matchedRules).toEqual(["kill_switches.capability:open_pr"]);
    expect(r.explanation).toContain("freeze");
    expect(
      evaluate(p, { action: "create_worktree", team: "payments", confidence: 90 }).decision,
    ).toBe("allow");
  });

  it("requires an actor to hold the operator role", () => {
    const asViewer = evaluate(base, { ...pr, confidence: 90, actor: { userId: "U0VIEW" } });
    expect(asViewer.matchedRules).toEqual(["roles.operator"]);
    const asOnCall = evaluate(base, {
      ...pr,
      confidence: 90,
      actor: { userId: "U0X", groupIds: ["S0ONCALL"] },
    });
    expect(asOnCall.decision).toBe("allow");
  });

  it("denies actions it does not know", () => {
    const r = evaluate(base, { action: "delete_prod" });
    expect(r).toMatchObject({ decision: "deny", matchedRules: ["actions.delete_prod"] });
  });
});
