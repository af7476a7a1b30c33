import { asc, eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { policyDecisions } from "../../src/db/schema.ts";
import { evaluateAndRecord } from "../../src/policy/decisions.ts";
import { loadPolicy } from "../../src/policy/load.ts";
import type { LoadedPolicy } from "../../src/policy/types.ts";
import { type TestDb, useTestDb } from "../setup/db.ts";

describe("policy decision records", () => {
  let t: TestDb;
  let policy: LoadedPolicy;
  useTestDb((db) => {
    t = db;
  });
  beforeEach(async () => {
    policy = await loadPolicy("policy", { service: "onboarding-api" });
  });

  it("writes one policy_decisions row per evaluation, whatever the decision", async () => {
    const base = { runId: "run-1", team: "onboarding", service: "onboarding-api" };
    const allow = await evaluateAndRecord(t.db, policy, {
      ...base,
      action: "open_pr",
      confidence: 90,
      paths: ["src/onboarding/handler.ts"],
      prSize: { lines: 20, files: 1 },
    });
    const deny = await evaluateAndRecord(t.db, policy, {
      ...base,
      action: "open_pr",
      confidence: 50,
      paths: ["src/onboarding/handler.ts"],
      prSize: { lines: 20, files: 1 },
    });
    const ask = await evaluateAndRecord(t.db, policy, { ...base, action: "production_write" });
    const unknown = await evaluateAndRecord(t.db, policy, { runId: null, action: "rm_rf" });

    const rows = await t.db.select().from(policyDecisions).orderBy(asc(policyDecisions.id));
    expect(rows.map((r) => [r.runId, r.action, r.decision])).toEqual([
      ["run-1", "open_pr", "allow"],
      ["run-1", "open_pr", "deny"],
      ["run-1", "production_write", "ask_approval"],
      [null, "rm_rf", "deny"],
    ]);
    for (const [row, result] of rows.map((r, i) => [r, [allow, deny, ask, unknown][i]!] as const)) {
      expect(row.id).toBe(result.decisionId);
      expect(row.matchedRules).toEqual(result.matchedRules);
      expect(row.explanation).toBe(result.explanation);
      expect(row.policyHash).toBe(policy.hash);
    }
    expect(rows[1]!.matchedRules).toEqual(["confidence_threshold"]);
  });

  it("commits the record with the transaction of the step it gates", async () => {
    await expect(
      t.db.transaction(async (tx) => {
        await evaluateAndRecord(tx, policy, { runId: "run-2", action: "pr_merge" });
        throw new Error("the step failed");
      }),
    ).rejects.toThrow("the step failed");
    expect(
      await t.db.select().from(policyDecisions).where(eq(policyDecisions.runId, "run-2")),
    ).toEqual([]);
  });
});
