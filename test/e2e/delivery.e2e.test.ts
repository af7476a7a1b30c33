import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type ReferenceAgentMode, referenceAgentEnv } from "../../sim/demo/delivery-env.ts";
import { runScenario, type ScenarioRunResult } from "../../sim/demo/run-scenario.ts";
import { findScenario } from "../../sim/scenario.ts";
import type { World } from "../../sim/server.ts";
import type { SimRepo } from "../../sim/services/github-repo.ts";
import type { RecordedCall } from "../../sim/types.ts";
import { parseRunContext } from "../../src/domain/run-context.ts";
import { createTestDb } from "../setup/db.ts";
import { TEST_ADMIN_URL } from "../setup/env.ts";
import { harnessOpts } from "../setup/harness.ts";
import { dropQueuePrefix, testQueuePrefix } from "../setup/redis.ts";

/**
 * Delivery end to end (issue 14): the backend-500-pr world through the production
 * wiring with the reference coding agent as PRODE_AGENT_COMMAND: one draft PR with its
 * labels and body, or, for each way delivery can go wrong, the right phase stops with a
 * handoff and nothing is pushed.
 */

const SCENARIO = "backend-500-pr";
const REPO = "acme-sim/onboarding-api";
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Delivered {
  result: ScenarioRunResult;
  calls: RecordedCall[];
  slackText: string;
  linearText: string;
  worktrees: string[];
  phases: string[];
}

/**
 * The shipped policy with the onboarding service's `delivery:` extended by `lines` (as a
 * team would restrict it), in a directory of its own.
 */
function policyWith(lines: string, at = "delivery:\n"): string {
  const dir = mkdtempSync(join(tmpdir(), "prode-delivery-policy-"));
  dirs.push(dir);
  cpSync("policy", dir, { recursive: true });
  const file = join(dir, "services", "onboarding-api.yaml");
  const text = readFileSync(file, "utf8");
  expect(text).toContain(at);
  writeFileSync(file, text.replace(at, `${at}${lines}`));
  return dir;
}

/** An open PR labelled agent-generated, opened through the world's REST API as prode would. */
async function openOtherPr(world: World): Promise<void> {
  const api = `${world.urls.github}/repos/${REPO}`;
  const headers = { authorization: "token ghs_other", "content-type": "application/json" };
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${api}${path}`, {
      method: "POST",
      headers,
      body: JSON.stringify(body),
    });
    expect(response.status, path).toBeLessThan(300);
    return (await response.json()) as { number: number; object?: { sha: string } };
  };
  const main = (await (await fetch(`${api}/git/ref/heads/main`, { headers })).json()) as {
    object: { sha: string };
  };
  const tree = (await post("/git/trees", {
    base_tree: main.object.sha,
    tree: [{ path: "NOTES.md", mode: "100644", type: "blob", content: "an earlier fix\n" }],
  })) as unknown as { sha: string };
  const commit = (await post("/git/commits", {
    message: "an earlier fix",
    tree: tree.sha,
    parents: [main.object.sha],
  })) as unknown as { sha: string };
  await post("/git/refs", { ref: "refs/heads/prode/other-fix", sha: commit.sha });
  const pr = await post("/pulls", {
    title: "an earlier fix",
    head: "prode/other-fix",
    base: "main",
    draft: true,
  });
  await post(`/issues/${pr.number}/labels`, { labels: ["agent-generated"] });
}

async function deliver(
  options: {
    mode?: ReferenceAgentMode;
    dryRun?: boolean;
    policyDir?: string;
    beforeTrigger?: (world: World) => Promise<void>;
    env?: Record<string, string>;
  } = {},
): Promise<Delivered> {
  const scenario = await findScenario(SCENARIO);
  const dir = mkdtempSync(join(tmpdir(), "prode-delivery-"));
  dirs.push(dir);
  const env = { ...referenceAgentEnv(scenario, dir, options), ...options.env };
  const t = await createTestDb();
  const prefix = testQueuePrefix();
  let result: ScenarioRunResult | undefined;
  try {
    result = await runScenario({
      scenario,
      ...harnessOpts(t, prefix),
      replicaAdminUrl: TEST_ADMIN_URL,
      timeoutMs: 60_000,
      env,
      ...(options.policyDir ? { policyDir: options.policyDir } : {}),
      ...(options.beforeTrigger ? { beforeTrigger: options.beforeTrigger } : {}),
    });
    const messages = result.world.state.slack.messages(scenario.slack.incidentChannel);
    const calls = result.world.calls();
    return {
      result,
      calls,
      slackText: JSON.stringify(messages),
      linearText: JSON.stringify(calls.filter((c) => c.service === "linear").map((c) => c.body)),
      worktrees: existsSync(env.PRODE_WORKTREE_DIR!)
        ? readdirSync(env.PRODE_WORKTREE_DIR!, { withFileTypes: true }).map((e) => e.name)
        : [],
      phases: result.transitions.map((x) => x.to),
    };
  } finally {
    await result?.close();
    await dropQueuePrefix(prefix);
    await t.drop();
  }
}

/** Calls that change a repository (anything but a read or minting the installation token). */
const githubWrites = (calls: RecordedCall[]) =>
  calls.filter(
    (c) =>
      c.service === "github" && !c.method.startsWith("GET ") && !c.method.includes("access_tokens"),
  );

describe("delivery on backend-500-pr", () => {
  it("opens exactly one draft PR, labelled, with evidence, checks and provenance, and waits for review", async () => {
    const d = await deliver();
    const { run } = d.result;
    expect(run.phase, JSON.stringify(d.result.transitions.slice(-6), null, 1)).toBe(
      "AWAIT_HUMAN_REVIEW",
    );
    expect(d.phases).toEqual(
      expect.arrayContaining(["CREATE_WORKTREE", "IMPLEMENT", "VERIFY", "REVIEW", "OPEN_PR"]),
    );
    const github = d.result.world.state.github as { repos: Map<string, SimRepo> };
    const pulls = github.repos.get(REPO)!.pulls;
    expect(pulls).toHaveLength(1);
    const pr = pulls[0]!;
    expect(pr.draft).toBe(true);
    expect(pr.merged).toBe(false);
    expect(pr.head).toMatch(/^prode\//);
    expect(pr.labels).toEqual(expect.arrayContaining(["agent-generated"]));
    expect(pr.labels.some((l) => l.startsWith("class:"))).toBe(true);
    expect(pr.labels.some((l) => l.startsWith("risk:"))).toBe(true);
    const body = pr.body ?? "";
    expect(body).toContain(run.id);
    expect(body).toContain("node --test");
    const state = parseRunContext(run.context).delivery!;
    expect(body).toContain(state.baseSha!);
    expect(body).toContain(state.headSha!);
    // One commit on the base, holding only the agent's change.
    const writes = githubWrites(d.calls).map((c) => c.method);
    expect(writes.filter((m) => m.includes("/pulls") && m.startsWith("POST"))).toHaveLength(1);
    expect(writes.filter((m) => m.includes("/git/commits"))).toHaveLength(1);
    expect(writes.some((m) => m.includes("/merge"))).toBe(false);
    // The thread and the Linear handoff carry the PR link; the worktree is gone.
    expect(d.slackText).toContain(`pull/${pr.number}`);
    expect(d.linearText).toContain(`pull/${pr.number}`);
    expect(d.worktrees).toEqual([]);
  }, 120_000);

  it.each([
    ["forbidden", "REVIEW", /\.github\/workflows|forbidden|human's decision/],
    ["secret", "REVIEW", /secret/i],
    ["break", "VERIFY", /unit tests.{0,40}failed/],
    ["none", "IMPLEMENT", /made no change/],
    // In the sandbox the write itself fails (read-only file system) and the agent exits
    // non-zero (EROFS); unsandboxed, the escape detection names it.
    ["outside", "IMPLEMENT", /outside its worktree|read-only file system|EROFS/i],
  ] as const)(
    "an agent that does %s is stopped at %s with a handoff, nothing pushed",
    async (mode, phase, reason) => {
      const d = await deliver({ mode });
      const { run } = d.result;
      expect(["CANNOT_AUTO_FIX", "APPROVAL_REQUIRED"]).toContain(run.outcome);
      const stop = d.result.transitions.find((x) => x.to === "LINEAR_HANDOFF");
      expect(d.phases[d.phases.indexOf("LINEAR_HANDOFF") - 1]).toBe(phase);
      expect(stop?.description).toMatch(reason);
      expect(githubWrites(d.calls)).toEqual([]);
      expect(d.linearText).toMatch(reason);
      expect(d.worktrees).toEqual([]);
    },
    120_000,
  );

  it("a dry run makes no GitHub or Linear change and says in the thread what it would have done", async () => {
    const d = await deliver({ dryRun: true });
    expect(d.result.run.outcome).toBe("RUN_COMPLETE");
    expect(githubWrites(d.calls)).toEqual([]);
    expect(d.calls.filter((c) => c.service === "linear" && /comment/i.test(c.method))).toEqual([]);
    expect(d.slackText).toContain("Would have: push branch prode/");
    expect(d.slackText).toContain("Would have: open a draft PR");
  }, 120_000);

  it("an analysis-only service gets the bundle and a handoff: no worktree, no agent, no GitHub write", async () => {
    const d = await deliver({ policyDir: policyWith("  autonomy: analysis_only\n") });
    expect(d.result.run.outcome).toBe("CANNOT_AUTO_FIX");
    expect(d.phases).not.toContain("CREATE_WORKTREE");
    expect(d.result.transitions.find((x) => x.from === "CLASSIFY")?.description).toMatch(
      /analysis only/,
    );
    expect(githubWrites(d.calls)).toEqual([]);
  }, 120_000);

  it("a proposed-patch service gets the patch in the thread and no branch", async () => {
    const d = await deliver({ policyDir: policyWith("  autonomy: proposed_patch\n") });
    expect(d.result.run.outcome).toBe("RUN_COMPLETE");
    expect(d.phases).toEqual(expect.arrayContaining(["IMPLEMENT", "VERIFY", "REVIEW", "OPEN_PR"]));
    expect(githubWrites(d.calls)).toEqual([]);
    expect(d.slackText).toContain("Proposed patch");
    expect(d.slackText).toContain("src/onboarding/complete.ts");
  }, 120_000);

  it("an agent past its time limit is killed and the run hands off from IMPLEMENT", async () => {
    const d = await deliver({
      mode: "timeout",
      policyDir: policyWith("  agent_timeout_seconds: 2\n"),
    });
    expect(d.result.run.outcome).toBe("CANNOT_AUTO_FIX");
    expect(d.phases[d.phases.indexOf("LINEAR_HANDOFF") - 1]).toBe("IMPLEMENT");
    expect(d.result.transitions.find((x) => x.to === "LINEAR_HANDOFF")?.description).toMatch(
      /time limit of 2 s/,
    );
    expect(githubWrites(d.calls)).toEqual([]);
  }, 120_000);

  it("at the team's review-load cap the run hands off before any worktree, and opens no PR", async () => {
    const d = await deliver({
      policyDir: policyWith("  max_open_prs_per_team: 1\n"),
      beforeTrigger: openOtherPr,
    });
    expect(d.result.run.outcome).toBe("CANNOT_AUTO_FIX");
    expect(d.result.transitions.find((x) => x.to === "LINEAR_HANDOFF")?.description).toMatch(
      /review-load cap reached: 1 open prode PR/,
    );
    const github = d.result.world.state.github as { repos: Map<string, SimRepo> };
    expect(github.repos.get(REPO)!.pulls).toHaveLength(1);
    expect(d.linearText).toMatch(/review-load cap/);
  }, 120_000);

  it("a reviewer command that objects blocks the PR at REVIEW, with its words in the handoff", async () => {
    const d = await deliver({
      env: {
        PRODE_REVIEWER_COMMAND:
          "node -e \"console.log('reviewer: the null guard hides a missing plan'); process.exit(1)\"",
      },
    });
    expect(d.result.run.outcome).toBe("CANNOT_AUTO_FIX");
    expect(d.phases[d.phases.indexOf("LINEAR_HANDOFF") - 1]).toBe("REVIEW");
    expect(d.result.transitions.find((x) => x.to === "LINEAR_HANDOFF")?.description).toMatch(
      /the reviewer exited with 1: reviewer: the null guard hides a missing plan/,
    );
    expect(githubWrites(d.calls)).toEqual([]);
  }, 120_000);

  it("a change over the service's size cap is stopped at REVIEW, nothing pushed", async () => {
    const d = await deliver({ policyDir: policyWith("  lines: 3\n", "max_pr_size:\n") });
    expect(d.result.run.outcome).toBe("CANNOT_AUTO_FIX");
    expect(d.phases[d.phases.indexOf("LINEAR_HANDOFF") - 1]).toBe("REVIEW");
    expect(d.result.transitions.find((x) => x.to === "LINEAR_HANDOFF")?.description).toMatch(
      /line|size/i,
    );
    expect(githubWrites(d.calls)).toEqual([]);
  }, 120_000);
});
