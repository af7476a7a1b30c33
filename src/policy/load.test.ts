import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { usePolicyDirs } from "../../test/setup/policy-dir.ts";
import { AppError, ErrorCode } from "../domain/errors.ts";
import { checkPolicyDir, loadPolicy, loadPolicyFiles } from "./load.ts";

const policyDir = usePolicyDirs();

const PLATFORM = `version: 1
confidence_threshold: 75
max_pr_size: { lines: 400, files: 15 }
forbidden_paths: ["*.pem"]
specialists: [sentry, aws, db, release]
roles:
  admin: { groups: [S0ADMINS] }
  approver: { users: [U0AMY, U0BEN] }
  operator: { groups: [S0ONCALL] }
`;

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe("loading policy", () => {
  it("loads the shipped policy for every chain, each level restricting the one above", async () => {
    const all = await checkPolicyDir("policy");
    expect(all.map((p) => p.scope)).toEqual([
      { team: null, service: null },
      { team: "onboarding", service: null },
      { team: "mobile", service: "mobile-bff" },
      { team: "notifications", service: "notifications-worker" },
      { team: "onboarding", service: "onboarding-api" },
      { team: "workspace", service: "workspace-api" },
    ]);
    const p = await loadPolicy("policy", { service: "onboarding-api" });
    expect(p.sources).toEqual([
      "policy/platform.yaml",
      "policy/org.yaml",
      "policy/teams/onboarding.yaml",
      "policy/services/onboarding-api.yaml",
    ]);
    expect(p.confidence_threshold).toBe(80);
    expect(p.actions.pr_merge).toEqual({
      requires_approval: true,
      approval_expiry_minutes: 10,
      approvers: ["admin"],
    });
    expect(p.actions.production_write.approval_expiry_minutes).toBe(15);
    expect(p.max_pr_size).toEqual({ lines: 300, files: 8 });
    expect(p.forbidden_paths).toEqual(
      expect.arrayContaining([".github/workflows/**", "**/*.tfstate", "src/payments/**"]),
    );
    expect(p.specialists).not.toContain("support");
    expect(p.roles.approver.users).toEqual(["U0LEADAMY", "U0LEADBEN"]);
    expect(p.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("refuses an org file that loosens platform, naming file, rule and level", async () => {
    const dir = policyDir({
      "platform.yaml": PLATFORM,
      "org.yaml": "version: 1\nconfidence_threshold: 72\n",
    });
    const e = await refusal(loadPolicy(dir));
    expect(e.code).toBe(ErrorCode.PolicyLoosening);
    expect(e.message).toBe(`${dir}/org.yaml: confidence_threshold 72 is looser than platform's 75`);
  });

  it("refuses a team file that loosens org, naming the org level", async () => {
    const dir = policyDir({
      "platform.yaml": PLATFORM,
      "org.yaml": "version: 1\nconfidence_threshold: 85\nmax_pr_size: { lines: 200 }\n",
      "teams/payments.yaml": "version: 1\nconfidence_threshold: 80\nmax_pr_size: { lines: 300 }\n",
    });
    const e = await refusal(loadPolicy(dir, { team: "payments" }));
    expect(e.code).toBe(ErrorCode.PolicyLoosening);
    expect(e.message).toBe(
      `${dir}/teams/payments.yaml: confidence_threshold 80 is looser than org's 85; ` +
        `${dir}/teams/payments.yaml: max_pr_size.lines 300 is looser than org's 200`,
    );
  });

  it("refuses a service file that loosens its team or the platform", async () => {
    const dir = policyDir({
      "platform.yaml": PLATFORM,
      "teams/payments.yaml":
        "version: 1\nactions:\n  production_write: { approval_expiry_minutes: 20 }\n",
      "services/checkout.yaml": `version: 1
team: payments
actions:
  production_write: { approval_expiry_minutes: 45 }
  pr_merge: { requires_approval: false }
`,
    });
    const e = await refusal(loadPolicy(dir, { service: "checkout" }));
    expect(e.code).toBe(ErrorCode.PolicyLoosening);
    expect(e.message).toContain(
      `${dir}/services/checkout.yaml: actions.production_write.approval_expiry_minutes 45 is looser than team's 20`,
    );
    expect(e.message).toContain(
      `${dir}/services/checkout.yaml: actions.pr_merge.requires_approval false is looser than platform's true`,
    );
  });

  it.each([
    [
      "approvers widen",
      "actions:\n  pr_merge: { approvers: [operator] }",
      "actions.pr_merge.approvers [operator, approver, admin] is looser than org's [admin]",
    ],
    [
      "a specialist is re-enabled",
      "specialists: [sentry, vendor]",
      "specialists [sentry, vendor] is looser than platform's [aws, db, release, sentry] (enables vendor)",
    ],
    [
      "a role is granted below org",
      "roles:\n  approver: { users: [U0AMY, U0EVE] }",
      "roles.approver [U0AMY, U0EVE] is looser than platform's [U0AMY, U0BEN] (grants U0EVE",
    ],
    [
      "a PR may touch more files",
      "max_pr_size: { files: 16 }",
      "max_pr_size.files 16 is looser than platform's 15",
    ],
    [
      "an approval that org added is dropped",
      "actions:\n  open_pr: { requires_approval: false }",
      "actions.open_pr.requires_approval false is looser than org's true",
    ],
  ])("refuses a team file where %s", async (_what, body, message) => {
    const dir = policyDir({
      "platform.yaml": PLATFORM,
      "org.yaml":
        "version: 1\nactions:\n  pr_merge: { approvers: [admin] }\n  open_pr: { requires_approval: true }\n",
      "teams/payments.yaml": `version: 1\n${body}\n`,
    });
    const e = await refusal(loadPolicy(dir, { team: "payments" }));
    expect(e.code).toBe(ErrorCode.PolicyLoosening);
    expect(e.message).toContain(`${dir}/teams/payments.yaml: ${message}`);
  });

  it("refuses a threshold below 70 at any level, platform included", async () => {
    for (const [file, scope] of [
      ["platform.yaml", {}],
      ["teams/payments.yaml", { team: "payments" }],
    ] as const) {
      const dir = policyDir({
        "platform.yaml": PLATFORM,
        [file]: "version: 1\nconfidence_threshold: 65\n",
      });
      const e = await refusal(loadPolicy(dir, scope));
      expect(e.code).toBe(ErrorCode.PolicyInvalid);
      expect(e.message).toBe(
        `${dir}/${file}: confidence_threshold: must be at least 70 (the floor of DESIGN.md)`,
      );
    }
  });

  it("refuses a platform that turns off an invariant-4 approval", async () => {
    const dir = policyDir({
      "platform.yaml": "version: 1\nactions:\n  sentry_suppression: { requires_approval: false }\n",
    });
    const e = await refusal(loadPolicy(dir));
    expect(e.code).toBe(ErrorCode.PolicyInvalid);
    expect(e.message).toContain("actions.sentry_suppression.requires_approval: must be true");
  });

  it.each([
    [
      "a misspelt field",
      "version: 1\nconfidence_treshold: 80\n",
      "(top level): unknown field 'confidence_treshold'",
    ],
    ["a wrong version", "version: 2\n", "version: version must be 1"],
    [
      "an unknown action",
      "version: 1\nactions:\n  pr_mrege: { requires_approval: true }\n",
      "actions: unknown field 'pr_mrege'",
    ],
    [
      "a bad Slack ID",
      "version: 1\nroles:\n  admin: { users: [bob] }\n",
      "roles.admin.users[0]: a Slack user ID",
    ],
    [
      "a negated glob",
      "version: 1\nforbidden_paths: ['!src/**']\n",
      "forbidden_paths[0]: negated globs would loosen",
    ],
    ["broken YAML", "version: 1\nactions: [\n", "invalid YAML"],
  ])("refuses %s as invalid, naming file and field", async (_what, text, detail) => {
    const dir = policyDir({ "platform.yaml": PLATFORM, "org.yaml": text });
    const e = await refusal(loadPolicy(dir));
    expect(e.code).toBe(ErrorCode.PolicyInvalid);
    expect(e.message).toContain(`${dir}/org.yaml: ${detail}`);
  });

  it("accepts restrictions, and adds forbidden paths and kill switches to the inherited ones", async () => {
    const dir = policyDir({
      "platform.yaml": PLATFORM,
      "teams/payments.yaml": `version: 1
confidence_threshold: 90
forbidden_paths: ["src/ledger/**"]
specialists: [sentry]
kill_switches:
  - { scope: capability, value: open_pr, reason: quarter close }
roles:
  approver: { users: [U0AMY] }
`,
    });
    const p = await loadPolicy(dir, { team: "payments" });
    expect(p.confidence_threshold).toBe(90);
    expect(p.forbidden_paths).toEqual(["*.pem", "src/ledger/**"]);
    expect(p.specialists).toEqual(["sentry"]);
    expect(p.kill_switches).toEqual([
      { scope: "capability", value: "open_pr", reason: "quarter close" },
    ]);
    expect(p.roles.approver).toEqual({ users: ["U0AMY"], groups: [] });
    expect(p.scope).toEqual({ team: "payments", service: null });
  });

  it("refuses a team file that engages another scope's kill switch", async () => {
    const dir = policyDir({
      "platform.yaml": PLATFORM,
      "teams/payments.yaml":
        "version: 1\nkill_switches:\n  - { scope: team, value: growth, reason: nope }\n",
    });
    const e = await refusal(loadPolicy(dir, { team: "payments" }));
    expect(e.code).toBe(ErrorCode.PolicyInvalid);
    expect(e.message).toContain("a team file may engage only its own team or a capability");
  });

  it("changes the hash when a rule changes, not when key order, comments or list order do", async () => {
    const a = policyDir({
      "platform.yaml": `version: 1
confidence_threshold: 75
forbidden_paths: ["*.pem", "infra/**"]
max_pr_size: { lines: 400, files: 15 }
`,
    });
    const b = policyDir({
      "platform.yaml": `# the same rules, written differently
max_pr_size: { files: 15, lines: 400 }   # size first
forbidden_paths:
  - "infra/**"
  - "*.pem"
version: 1
confidence_threshold: 75
`,
    });
    const c = policyDir({
      "platform.yaml": `version: 1
confidence_threshold: 76
forbidden_paths: ["*.pem", "infra/**"]
max_pr_size: { lines: 400, files: 15 }
`,
    });
    const [ha, hb, hc] = await Promise.all([a, b, c].map(async (d) => (await loadPolicy(d)).hash));
    expect(hb).toBe(ha);
    expect(hc).not.toBe(ha);
  });

  it("requires platform.yaml and a service file whose team matches", async () => {
    const empty = policyDir({ "org.yaml": "version: 1\n" });
    expect((await refusal(loadPolicy(empty))).message).toBe(
      `${empty}/platform.yaml: cannot be read`,
    );
    const dir = policyDir({
      "platform.yaml": PLATFORM,
      "services/checkout.yaml": "version: 1\nteam: payments\n",
    });
    const e = await refusal(loadPolicy(dir, { team: "growth", service: "checkout" }));
    expect(e.message).toContain("team 'payments' does not match the requested team 'growth'");
    expect((await loadPolicy(dir, { service: "checkout" })).scope).toEqual({
      team: "payments",
      service: "checkout",
    });
  });

  it("refuses team and service names that could leave the policy directory", async () => {
    const dir = policyDir({ "platform.yaml": PLATFORM });
    expect((await refusal(loadPolicy(dir, { team: "../platform" }))).code).toBe(ErrorCode.BadInput);
    expect((await refusal(loadPolicy(dir, { service: "a/b" }))).code).toBe(ErrorCode.BadInput);
  });

  it("checks an explicit chain of files, placing each by its name", async () => {
    const dir = policyDir({
      "platform.yaml": PLATFORM,
      "proposal/teams/payments.yaml": "version: 1\nconfidence_threshold: 70\n",
      "proposal/other.yaml": "version: 1\n",
    });
    const e = await refusal(
      loadPolicyFiles([join(dir, "proposal/teams/payments.yaml"), join(dir, "platform.yaml")]),
    );
    expect(e.message).toBe(
      `${dir}/proposal/teams/payments.yaml: confidence_threshold 70 is looser than platform's 75`,
    );
    const odd = await refusal(loadPolicyFiles([join(dir, "proposal/other.yaml")]));
    expect(odd.code).toBe(ErrorCode.BadInput);
    const noPlatform = await refusal(loadPolicyFiles([join(dir, "proposal/teams/payments.yaml")]));
    expect(noPlatform.message).toContain("a policy chain starts with platform.yaml");
  });
});
