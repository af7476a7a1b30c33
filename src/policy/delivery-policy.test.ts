import { describe, expect, it } from "vitest";
import { usePolicyDirs } from "../../test/setup/policy-dir.ts";
import { AppError, ErrorCode } from "../domain/errors.ts";
import { loadPolicy } from "./load.ts";
import { strictestPolicy } from "./restrictive.ts";

const policyDir = usePolicyDirs();

const PLATFORM = `version: 1
delivery:
  autonomy: draft_pr
  confidence_floors: { proposed_patch: 70, draft_pr: 80 }
  max_open_prs_per_team: 3
  agent_timeout_seconds: 900
`;

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe("delivery policy", () => {
  it("ships draft PRs for the onboarding service, with its checks, and nothing past analysis by default", async () => {
    const p = await loadPolicy("policy", { service: "onboarding-api" });
    expect(p.delivery.autonomy).toBe("draft_pr");
    expect(p.delivery.confidence_floors.draft_pr).toBeGreaterThanOrEqual(80);
    expect(p.delivery.checks.map((c) => c.name)).toEqual(["unit tests"]);
    const bare = await loadPolicy(policyDir({ "platform.yaml": "version: 1\n" }));
    expect(bare.delivery.autonomy).toBe("analysis_only");
    expect(bare.delivery.checks).toEqual([]);
  });

  it("lets lower levels step autonomy down, raise floors, turn dry run on and shrink caps", async () => {
    const dir = policyDir({
      "platform.yaml": PLATFORM,
      "teams/payments.yaml":
        "version: 1\ndelivery:\n  autonomy: proposed_patch\n  dry_run: true\n  max_open_prs_per_team: 1\n",
      "services/ledger.yaml": `version: 1
team: payments
delivery:
  confidence_floors: { draft_pr: 90 }
  agent_timeout_seconds: 300
  checks: [{ name: tests, command: "npm test", timeout_seconds: 300 }]
`,
    });
    const p = await loadPolicy(dir, { service: "ledger" });
    expect(p.delivery).toMatchObject({
      autonomy: "proposed_patch",
      dry_run: true,
      max_open_prs_per_team: 1,
      agent_timeout_seconds: 300,
      confidence_floors: { proposed_patch: 70, draft_pr: 90 },
      checks: [{ name: "tests", command: "npm test", timeout_seconds: 300 }],
    });
  });

  it.each([
    [
      "a higher autonomy",
      "autonomy: draft_pr",
      "delivery.autonomy draft_pr is looser than team's proposed_patch",
    ],
    [
      "a lower floor",
      "confidence_floors: { draft_pr: 75 }",
      "delivery.confidence_floors.draft_pr 75 is looser",
    ],
    ["dry run off", "dry_run: false", "delivery.dry_run false is looser"],
    [
      "a bigger review load",
      "max_open_prs_per_team: 9",
      "delivery.max_open_prs_per_team 9 is looser",
    ],
  ])("refuses %s below a restricting level", async (_what, line, message) => {
    const dir = policyDir({
      "platform.yaml": PLATFORM,
      "teams/payments.yaml": "version: 1\ndelivery:\n  autonomy: proposed_patch\n  dry_run: true\n",
      "services/ledger.yaml": `version: 1\nteam: payments\ndelivery:\n  ${line}\n`,
    });
    const e = await refusal(loadPolicy(dir, { service: "ledger" }));
    expect(e.code).toBe(ErrorCode.PolicyLoosening);
    expect(e.message).toContain(message);
  });

  it("refuses a floor below 70 and checks outside a service file", async () => {
    const low = policyDir({
      "platform.yaml": "version: 1\ndelivery:\n  confidence_floors: { proposed_patch: 60 }\n",
    });
    expect((await refusal(loadPolicy(low))).code).toBe(ErrorCode.PolicyInvalid);
    const teamChecks = policyDir({
      "platform.yaml": PLATFORM,
      "teams/payments.yaml":
        "version: 1\ndelivery:\n  checks: [{ name: t, command: x, timeout_seconds: 1 }]\n",
    });
    const e = await refusal(loadPolicy(teamChecks, { team: "payments" }));
    expect(e.message).toContain("unknown field 'checks'");
  });

  it("a disputed scope gets the lowest autonomy and the strictest limits of every candidate", async () => {
    const dir = policyDir({
      "platform.yaml": PLATFORM,
      "services/a.yaml": `version: 1\nteam: t\ndelivery:\n  checks: [{ name: a, command: "npm test", timeout_seconds: 60 }]\n`,
      "services/b.yaml":
        "version: 1\nteam: t\ndelivery:\n  autonomy: analysis_only\n  dry_run: true\n",
    });
    const a = await loadPolicy(dir, { service: "a" });
    const b = await loadPolicy(dir, { service: "b" });
    const merged = strictestPolicy([a, b]);
    expect(merged.delivery.autonomy).toBe("analysis_only");
    expect(merged.delivery.dry_run).toBe(true);
    expect(merged.delivery.checks.map((c) => c.name)).toEqual(["a"]);
  });
});
