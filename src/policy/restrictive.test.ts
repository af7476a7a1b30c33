import { describe, expect, it } from "vitest";
import { resolveLoadedPolicy } from "./resolve.ts";
import { strictestPolicy } from "./restrictive.ts";
import type { LoadedPolicy } from "./types.ts";

function policy(file: Record<string, unknown>): LoadedPolicy {
  return resolveLoadedPolicy([
    { level: "platform", source: "platform.yaml", file: { version: 1, ...file } as never },
  ]);
}

describe("strictestPolicy", () => {
  const lax = policy({
    confidence_threshold: 70,
    roles: { approver: { users: ["U0A", "U0B"] }, admin: { users: ["U0Z"] } },
    forbidden_paths: ["a/**"],
  });
  const strict = policy({
    confidence_threshold: 90,
    actions: { production_write: { approval_expiry_minutes: 5, approvers: ["admin"] } },
    max_pr_size: { lines: 50 },
    roles: { approver: { users: ["U0B"] }, admin: { users: ["U0Z"] } },
    forbidden_paths: ["b/**"],
    kill_switches: [{ scope: "capability", value: "open_pr", reason: "freeze" }],
  });

  it("keeps the strictest of every rule whichever order they come in", () => {
    for (const merged of [strictestPolicy([lax, strict]), strictestPolicy([strict, lax])]) {
      expect(merged.confidence_threshold).toBe(90);
      expect(merged.actions.production_write).toMatchObject({
        approvers: ["admin"],
        approval_expiry_minutes: 5,
        requires_approval: true,
      });
      expect(merged.max_pr_size.lines).toBe(50);
      expect(merged.forbidden_paths).toEqual(["a/**", "b/**"]);
      expect(merged.kill_switches).toEqual([
        expect.objectContaining({ scope: "capability", value: "open_pr" }),
      ]);
      expect(merged.roles.approver.users).toEqual(["U0B"]);
      expect(merged.hash).not.toBe(lax.hash);
      expect(merged.hash).not.toBe(strict.hash);
    }
  });

  it("carries another candidate's own service switch as a switch on the whole run", () => {
    const frozen = resolveLoadedPolicy(
      [
        {
          level: "platform",
          source: "platform.yaml",
          file: {
            version: 1,
            kill_switches: [{ scope: "service", value: "ledger-api", reason: "freeze" }],
          } as never,
        },
      ],
      { team: null, service: "ledger-api" },
    );
    const merged = strictestPolicy([lax, frozen]);
    expect(merged.kill_switches).toEqual([
      expect.objectContaining({ scope: "global", reason: expect.stringContaining("ledger-api") }),
    ]);
  });

  it("is the policy itself when there is one", () => {
    expect(strictestPolicy([lax])).toBe(lax);
  });
});
