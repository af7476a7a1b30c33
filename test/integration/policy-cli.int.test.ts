import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadPolicy } from "../../src/policy/load.ts";
import { runCliCaptured } from "../setup/io.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A copy of the shipped policy directory, to change one file of it. */
function copyOfShippedPolicy(): string {
  const dir = mkdtempSync(join(tmpdir(), "prode-policy-cli-"));
  dirs.push(dir);
  cpSync("policy", dir, { recursive: true });
  return dir;
}

describe("prode policy check", () => {
  it("checks every chain of the shipped policy and prints the effective policy and its hash", async () => {
    const r = await runCliCaptured([
      "policy",
      "check",
      "--policy-dir",
      "policy",
      "--service",
      "onboarding-api",
    ]);
    expect(r.code).toBe(0);
    // platform → org, the onboarding team, and one chain per service file (the catalog).
    expect(r.stdout).toContain("# policy ok: 6 chain(s) in policy");
    const printed = parse(r.stdout) as { hash: string; confidence_threshold: number };
    const loaded = await loadPolicy("policy", { service: "onboarding-api" });
    expect(printed.hash).toBe(loaded.hash);
    expect(printed.confidence_threshold).toBe(80);
  });

  it("prints JSON with --json", async () => {
    const r = await runCliCaptured(["policy", "check", "--policy-dir", "policy", "--json"]);
    expect(r.code).toBe(0);
    const printed = JSON.parse(r.stdout) as { hash: string; sources: string[] };
    expect(printed.hash).toBe((await loadPolicy("policy")).hash);
    expect(printed.sources).toEqual(["policy/platform.yaml", "policy/org.yaml"]);
  });

  it("exits 1 naming file, rule and level when any file in the directory loosens", async () => {
    const dir = copyOfShippedPolicy();
    writeFileSync(
      join(dir, "services", "onboarding-api.yaml"),
      "version: 1\nteam: onboarding\nmax_pr_size: { lines: 350 }\n",
    );
    // Only the service loosens, and the platform-level check still finds it.
    const r = await runCliCaptured(["policy", "check", "--policy-dir", dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `${dir}/services/onboarding-api.yaml: max_pr_size.lines 350 is looser than team's 300 (policy_loosening)`,
    );
    expect(r.stdout).toBe("");
  });

  it("checks given files as one chain", async () => {
    const dir = copyOfShippedPolicy();
    const proposal = join(dir, "teams", "onboarding.yaml");
    writeFileSync(proposal, "version: 1\nconfidence_threshold: 74\n");
    const ok = await runCliCaptured(["policy", "check", "policy/platform.yaml", proposal]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("# effective policy for onboarding");
    const bad = await runCliCaptured([
      "policy",
      "check",
      "policy/platform.yaml",
      "policy/org.yaml",
      proposal,
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`${proposal}: confidence_threshold 74 is looser than org's 75`);
  });
});

describe("prode policy test", () => {
  it("passes every shipped case", async () => {
    const r = await runCliCaptured(["policy", "test", "--policy-dir", "policy"]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain("FAIL");
    expect(r.stdout).toMatch(/^(\d+) passed, 0 failed$/m);
    const cases = (parse(readFileSync("policy/cases.yaml", "utf8")) as { cases: unknown[] }).cases;
    expect(r.stdout).toContain(`${cases.length} passed, 0 failed`);
  });

  it("fails, naming the case and what differed, when a case is wrong", async () => {
    const dir = copyOfShippedPolicy();
    writeFileSync(
      join(dir, "cases.yaml"),
      `version: 1
cases:
  - name: still right
    action: production_write
    expect: { decision: ask_approval }
  - name: deliberately wrong
    team: onboarding
    action: create_worktree
    confidence: 77
    expect: { decision: allow, matched_rules: [confidence_threshold] }
`,
    );
    const r = await runCliCaptured(["policy", "test", "--policy-dir", dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("pass  still right\n");
    expect(r.stdout).toContain("FAIL  deliberately wrong: decision deny, expected allow\n");
    expect(r.stdout).toContain("1 passed, 1 failed\n");
  });

  it("fails the cases when the policy they run against loosens", async () => {
    const dir = copyOfShippedPolicy();
    writeFileSync(join(dir, "org.yaml"), "version: 1\nconfidence_threshold: 70\n");
    writeFileSync(join(dir, "platform.yaml"), "version: 1\nconfidence_threshold: 71\n");
    const r = await runCliCaptured(["policy", "test", "--policy-dir", dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("confidence_threshold 70 is looser than platform's 71");
  });
});
