import { generateKeyPairSync } from "node:crypto";
import { App } from "@octokit/app";
import { Octokit } from "@octokit/rest";
import { describe, expect, it } from "vitest";
import type { World } from "../../sim/server.ts";
import type { GithubDataInput } from "../../sim/services/github-data.ts";
import { useInlineWorld } from "../setup/world.ts";

/**
 * The simulated GitHub through the world's HTTP server, driven by the real Octokit and
 * @octokit/app (installation tokens from a JWT signed with a throwaway key).
 */

const sha = (c: string) => c.repeat(40);
const HUMAN = "ghp_sim_human";

const github: GithubDataInput = {
  app: { id: 31337, slug: "prode-sim", name: "prode (sim)", owner: "acme" },
  installations: [{ id: 9001, account: "acme" }],
  tokens: [HUMAN],
  repos: [
    {
      owner: "acme",
      name: "api",
      branches: { main: sha("c") },
      commits: [
        {
          sha: sha("a"),
          message: "init",
          author: { name: "A", email: "a@x", date: "2025-05-01T00:00:00Z" },
        },
        {
          sha: sha("b"),
          message: "feat: plan lookup on onboarding",
          author: { name: "B", email: "b@x", login: "bee", date: "2025-06-01T11:50:00Z" },
          parents: [sha("a")],
          files: [
            {
              filename: "src/onboarding.ts",
              additions: 9,
              deletions: 1,
              patch: "@@ -40,3 +40,11 @@",
            },
          ],
        },
        {
          sha: sha("c"),
          message: "chore: release 2.0.0",
          author: { name: "C", email: "c@x", date: "2025-06-01T11:54:00Z" },
          parents: [sha("b")],
          files: [{ filename: "package.json", status: "modified", additions: 1, deletions: 1 }],
        },
      ],
      deployments: Array.from({ length: 3 }, (_, i) => ({
        id: 700 + i,
        sha: i === 2 ? sha("c") : sha("a"),
        ref: "main",
        created_at: `2025-06-0${i + 1}T11:58:00Z`,
        statuses: [{ state: "success" as const, created_at: `2025-06-0${i + 1}T11:59:00Z` }],
      })),
    },
  ],
};

let world: World;
useInlineWorld(
  {
    name: "sim-github-int",
    description: "GitHub service integration test",
    integrations: { sentry: false, aws: false, replica: false, vendorStatus: false },
    ticket: { identifier: "ENG-2", title: "500s on onboarding", createdAt: "2025-06-01T12:10:00Z" },
    github,
    expected: { outcome: "RUN_COMPLETE", classification: "code_defect" },
  },
  (w) => {
    world = w;
  },
);

const human = () => new Octokit({ baseUrl: world.urls.github, auth: HUMAN });

/** What OPEN_PR does without `git push`: branch, tree, commit, ref update, draft PR. */
async function openDraftPr(branch: string) {
  const octokit = human();
  const repo = { owner: "acme", repo: "api" };
  const { data: base } = await octokit.rest.git.getRef({ ...repo, ref: "heads/main" });
  await octokit.rest.git.createRef({
    ...repo,
    ref: `refs/heads/${branch}`,
    sha: base.object.sha,
  });
  const { data: tree } = await octokit.rest.git.createTree({
    ...repo,
    base_tree: base.object.sha,
    tree: [{ path: "src/onboarding.ts", mode: "100644", type: "blob", content: "guard\n" }],
  });
  const { data: commit } = await octokit.rest.git.createCommit({
    ...repo,
    message: "fix: guard a missing plan",
    tree: tree.sha,
    parents: [base.object.sha],
  });
  await octokit.rest.git.updateRef({ ...repo, ref: `heads/${branch}`, sha: commit.sha });

  const { data: pr } = await octokit.rest.pulls.create({
    ...repo,
    title: "Guard a missing plan on onboarding",
    head: branch,
    base: "main",
    body: "Evidence: …",
    draft: true,
  });
  return { pr, commit };
}

describe("simulated GitHub through Octokit", () => {
  it("compares the previous deploy with the current one", async () => {
    const { data } = await human().rest.repos.compareCommitsWithBasehead({
      owner: "acme",
      repo: "api",
      basehead: `${sha("a")}...${sha("c")}`,
    });
    expect(data.status).toBe("ahead");
    expect(data.commits.map((c) => c.commit.message)).toEqual([
      "feat: plan lookup on onboarding",
      "chore: release 2.0.0",
    ]);
    expect(data.files?.map((f) => [f.filename, f.additions, f.deletions])).toEqual([
      ["src/onboarding.ts", 9, 1],
      ["package.json", 1, 1],
    ]);
  });

  it("paginates deployments with octokit.paginate and reads their statuses", async () => {
    const octokit = human();
    const deployments = await octokit.paginate(octokit.rest.repos.listDeployments, {
      owner: "acme",
      repo: "api",
      per_page: 2,
    });
    expect(deployments.map((d) => d.id)).toEqual([702, 701, 700]);
    const { data: statuses } = await octokit.rest.repos.listDeploymentStatuses({
      owner: "acme",
      repo: "api",
      deployment_id: 702,
    });
    expect(statuses[0]?.state).toBe("success");
  });

  it("creates a branch with a commit and a draft PR; a second PR for the same head is 422", async () => {
    const octokit = human();
    const repo = { owner: "acme", repo: "api" };
    const { pr, commit } = await openDraftPr("prode/ENG-2-r1");
    expect(pr).toMatchObject({ draft: true, state: "open", head: { sha: commit.sha } });
    await octokit.rest.issues.addLabels({
      ...repo,
      issue_number: pr.number,
      labels: ["agent-generated"],
    });

    const duplicate = await octokit.rest.pulls
      .create({ ...repo, title: "again", head: "prode/ENG-2-r1", base: "main" })
      .catch(
        (error: { status: number; response: { data: { errors: { message: string }[] } } }) => error,
      );
    expect(duplicate).toMatchObject({ status: 422 });
    expect(
      (duplicate as { response: { data: { errors: { message: string }[] } } }).response.data
        .errors[0]?.message,
    ).toBe("A pull request already exists for acme:prode/ENG-2-r1.");

    const { data: found } = await octokit.rest.pulls.list({
      ...repo,
      head: "acme:prode/ENG-2-r1",
      state: "all",
    });
    expect(found.map((p) => [p.number, p.labels.map((l) => l.name)])).toEqual([
      [pr.number, ["agent-generated"]],
    ]);
  });

  it("shows a merge done by hand to a poller", async () => {
    const octokit = human();
    const repo = { owner: "acme", repo: "api" };
    const { pr: opened } = await openDraftPr("prode/ENG-2-r2");
    const number = opened.number;
    const hook = await fetch(`${world.urls.github}/_sim/repos/acme/api/pulls/${number}/merge`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ by: "alice" }),
    });
    expect(hook.status).toBe(200);
    const { data: pr } = await octokit.rest.pulls.get({ ...repo, pull_number: number });
    expect(pr).toMatchObject({ state: "closed", merged: true, merged_by: { login: "alice" } });
    const { data: main } = await octokit.rest.git.getRef({ ...repo, ref: "heads/main" });
    expect(main.object.sha).toBe(pr.merge_commit_sha);
  });

  it("gives @octokit/app an installation token that reads the installation's repositories", async () => {
    const { privateKey } = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
      publicKeyEncoding: { type: "spki", format: "pem" },
    });
    const app = new App({
      appId: 31337,
      privateKey,
      Octokit: Octokit.defaults({ baseUrl: world.urls.github }),
    });
    const { data: self } = await app.octokit.request("GET /app");
    expect(self).toMatchObject({ id: 31337, slug: "prode-sim" });
    const installation = (await app.getInstallationOctokit(9001)) as unknown as Octokit;
    const { data: repo } = await installation.rest.repos.get({ owner: "acme", repo: "api" });
    expect(repo.full_name).toBe("acme/api");
    const tokenCall = world.calls({
      service: "github",
      method: "POST /app/installations/{installation_id}/access_tokens",
    });
    expect(tokenCall.at(-1)?.status).toBe(201);
  });

  it("refuses missing credentials and unknown repositories in GitHub's shape", async () => {
    const anonymous = new Octokit({ baseUrl: world.urls.github });
    await expect(anonymous.rest.repos.get({ owner: "acme", repo: "api" })).rejects.toMatchObject({
      status: 401,
    });
    const missing = await human()
      .rest.repos.get({ owner: "acme", repo: "nope" })
      .catch((error: { status: number; response: { data: unknown } }) => error);
    expect(missing).toMatchObject({ status: 404, response: { data: { message: "Not Found" } } });
  });
});
