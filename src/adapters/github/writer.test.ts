import { generateKeyPairSync } from "node:crypto";
import type { Octokit } from "@octokit/rest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findScenario } from "../../../sim/scenario.ts";
import { startWorld, type World } from "../../../sim/server.ts";
import type { DeliveryGitHub, FileChangeInput } from "../../delivery/types.ts";
import { AppError, ErrorCode } from "../../domain/errors.ts";
import { createInstallationOctokit } from "./app.ts";
import { createDeliveryGitHub } from "./writer.ts";

/**
 * The delivery GitHub port against the simulated GitHub of the reference scenario, with
 * the installation Octokit @octokit/app mints (as production wires it).
 */

const HEAD = "249e44cf83d0ce742707a40dbfffcbda89e05623";
const OWNER = "acme-sim";
const REPO = "onboarding-api";
const CAPS = { maxFiles: 1000, maxBytes: 5_000_000 };
const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});

let world: World;
let octokit: Octokit;
let fix: FileChangeInput[];
beforeAll(async () => {
  const scenario = await findScenario("backend-500-pr");
  fix = Object.entries(scenario.delivery?.fix ?? {}).map(([path, content]) => ({ path, content }));
  world = await startWorld({ scenario });
  octokit = await createInstallationOctokit({
    appId: 104211,
    privateKey,
    installationId: 51903177,
    baseUrl: world.urls.github,
  });
});
afterAll(async () => {
  await world.close();
});

const github = (repo = REPO): DeliveryGitHub =>
  createDeliveryGitHub({ octokit, owner: OWNER, repo, timeoutMs: 5_000 });
const methods = () => world.calls({ service: "github" }).map((c) => c.method);
const count = (method: string) => methods().filter((m) => m === method).length;

describe("createDeliveryGitHub over the simulated GitHub", () => {
  it("reads the default branch's head and every file of its tree", async () => {
    const gh = github();
    expect(gh.fullName).toBe("acme-sim/onboarding-api");
    await expect(gh.defaultBranch()).resolves.toEqual({ name: "main", sha: HEAD });
    const files = await gh.readTree(HEAD, CAPS);
    const byPath = new Map(files.map((f) => [f.path, f]));
    expect(byPath.get("src/onboarding/complete.ts")?.content.split("\n")[41]).toBe(
      "  const limits = planLimits(account.subscription.plan);",
    );
    expect(JSON.parse(byPath.get("package.json")!.content)).toMatchObject({ name: REPO });
    expect(files.every((f) => f.mode === "100644")).toBe(true);
  });

  it("refuses a tree over a cap with bad_input naming the cap, before fetching any blob", async () => {
    world.clearCalls();
    const gh = github();
    const files = await gh.readTree(HEAD, CAPS);
    const bytes = files.reduce((sum, f) => sum + Buffer.byteLength(f.content), 0);
    world.clearCalls();
    const tooMany = gh.readTree(HEAD, { maxFiles: files.length - 1, maxBytes: CAPS.maxBytes });
    await expect(tooMany).rejects.toMatchObject({
      code: ErrorCode.BadInput,
      message: expect.stringContaining(`maxFiles=${files.length - 1}`),
    });
    const tooBig = gh.readTree(HEAD, { maxFiles: CAPS.maxFiles, maxBytes: bytes - 1 });
    await expect(tooBig).rejects.toMatchObject({
      code: ErrorCode.BadInput,
      message: expect.stringContaining(`maxBytes=${bytes - 1}`),
    });
    expect(count("GET /repos/{owner}/{repo}/git/blobs/{file_sha}")).toBe(0);
  });

  it("pushes one commit on the base and creates the branch; the pushed tree keeps every other file", async () => {
    const gh = github();
    const branch = "prode/ENG-4821-push";
    await expect(gh.branchHead(branch)).resolves.toBeNull();
    const { headSha } = await gh.pushCommit({
      branch,
      baseSha: HEAD,
      message: "fix(onboarding): complete onboarding without a subscription",
      changes: fix,
    });
    await expect(gh.branchHead(branch)).resolves.toBe(headSha);
    // Refs are matched by prefix on GitHub: a shorter name is another branch.
    await expect(gh.branchHead("prode/ENG-4821-pus")).resolves.toBeNull();
    const { data: commit } = await octokit.rest.git.getCommit({
      owner: OWNER,
      repo: REPO,
      commit_sha: headSha,
    });
    expect(commit.parents.map((p) => p.sha)).toEqual([HEAD]);
    expect(commit.author.name).toBe("prode[bot]");
    const before = await gh.readTree(HEAD, CAPS);
    const after = new Map((await gh.readTree(headSha, CAPS)).map((f) => [f.path, f.content]));
    expect(after.size).toBe(before.length);
    for (const change of fix) expect(after.get(change.path)).toBe(change.content);
    const { data: detail } = await octokit.rest.repos.getCommit({
      owner: OWNER,
      repo: REPO,
      ref: headSha,
    });
    expect(detail.files?.map((f) => [f.filename, f.status])).toEqual(
      fix.map((c) => [c.path, "modified"]),
    );
  });

  it("a second push of the same change makes no second commit; a different change moves the branch", async () => {
    const gh = github();
    const branch = "prode/ENG-4821-twice";
    const input = { branch, baseSha: HEAD, message: "fix", changes: fix };
    world.clearCalls();
    const first = await gh.pushCommit(input);
    const second = await gh.pushCommit(input);
    expect(second.headSha).toBe(first.headSha);
    expect(count("POST /repos/{owner}/{repo}/git/commits")).toBe(1);
    expect(count("POST /repos/{owner}/{repo}/git/refs")).toBe(1);
    expect(count("PATCH /repos/{owner}/{repo}/git/refs/heads/{branch}")).toBe(0);

    const third = await gh.pushCommit({
      ...input,
      changes: [...fix, { path: "src/billing/checkout.ts", content: null }],
    });
    expect(third.headSha).not.toBe(first.headSha);
    await expect(gh.branchHead(branch)).resolves.toBe(third.headSha);
    expect(count("PATCH /repos/{owner}/{repo}/git/refs/heads/{branch}")).toBe(1);
    const paths = (await gh.readTree(third.headSha, CAPS)).map((f) => f.path);
    expect(paths).not.toContain("src/billing/checkout.ts");
  });

  it("with a fixed date, the same change pushed to two branches is one commit object; undated, GitHub's clock stamps another", async () => {
    const gh = github();
    const input = { baseSha: HEAD, message: "fix", changes: fix };
    const date = "2026-03-01T12:00:00.000Z";
    // A crash between the commit and the branch: the rerun commits again on a branch
    // that does not exist yet. Fixed dates make that the same object, not an orphan.
    const a = await gh.pushCommit({ ...input, branch: "prode/ENG-4821-date-a", date });
    const b = await gh.pushCommit({ ...input, branch: "prode/ENG-4821-date-b", date });
    expect(b.headSha).toBe(a.headSha);
    const { data: commit } = await octokit.rest.git.getCommit({
      owner: OWNER,
      repo: REPO,
      commit_sha: a.headSha,
    });
    expect(commit.author.date).toBe(date);
    const c = await gh.pushCommit({ ...input, branch: "prode/ENG-4821-date-c" });
    expect(c.headSha).not.toBe(a.headSha);
  });

  it("opens one draft pull request, finds it by its branch, labels it once, and counts it", async () => {
    const gh = github();
    const branch = "prode/ENG-4821-pr";
    const { headSha } = await gh.pushCommit({
      branch,
      baseSha: HEAD,
      message: "fix",
      changes: fix,
    });
    await expect(gh.findPullByHead(branch)).resolves.toBeNull();
    const labelled = await gh.countOpenPulls("agent-generated");
    const pull = await gh.createDraftPull({
      branch,
      base: "main",
      title: "Complete onboarding for accounts without a subscription",
      body: "Evidence: …",
    });
    expect(pull).toMatchObject({
      state: "open",
      draft: true,
      merged: false,
      headSha,
      headBranch: branch,
      labels: [],
    });
    expect(pull.url).toContain(`/pull/${pull.number}`);
    // A retry after a crash gets the same pull request back, not a second one.
    await expect(
      gh.createDraftPull({ branch, base: "main", title: "again", body: "" }),
    ).resolves.toMatchObject({ number: pull.number });
    await gh.addLabels(pull.number, ["agent-generated", "code_defect"]);
    await gh.addLabels(pull.number, ["agent-generated", "risk:low"]);
    const found = await gh.findPullByHead(branch);
    expect(found).toMatchObject({ number: pull.number, draft: true, headSha });
    expect(found?.labels.sort()).toEqual(["agent-generated", "code_defect", "risk:low"]);
    await expect(gh.countOpenPulls("agent-generated")).resolves.toBe(labelled + 1);
    await expect(gh.countOpenPulls("no-such-label")).resolves.toBe(0);
    const open = world.state.github as { repos: Map<string, { pulls: { head: string }[] }> };
    expect(
      open.repos.get("acme-sim/onboarding-api")?.pulls.filter((p) => p.head === branch),
    ).toHaveLength(1);
    expect(methods().some((m) => m.endsWith("/merge"))).toBe(false);
  });

  it("returns symlinks with their mode and target, and leaves submodules out", async () => {
    const repo = { owner: OWNER, repo: REPO };
    const { data: base } = await octokit.rest.git.getCommit({ ...repo, commit_sha: HEAD });
    const { data: tree } = await octokit.rest.git.createTree({
      ...repo,
      base_tree: base.tree.sha,
      tree: [
        { path: "docs/readme-link", mode: "120000", type: "blob", content: "../README.md" },
        { path: "vendor/sdk", mode: "160000", type: "commit", sha: "e".repeat(40) },
      ],
    });
    const { data: commit } = await octokit.rest.git.createCommit({
      ...repo,
      message: "links",
      tree: tree.sha,
      parents: [HEAD],
    });
    const files = await github().readTree(commit.sha, CAPS);
    expect(files.find((f) => f.path === "docs/readme-link")).toEqual({
      path: "docs/readme-link",
      content: "../README.md",
      mode: "120000",
    });
    expect(files.some((f) => f.path.startsWith("vendor/"))).toBe(false);
  });

  it("retries a read the provider failed once, never a commit creation; the rerun pushes", async () => {
    const gh = github();
    const trees = "GET /repos/{owner}/{repo}/git/trees/{tree_sha}";
    const commits = "POST /repos/{owner}/{repo}/git/commits";
    const files = await gh.readTree(HEAD, CAPS);
    world.clearCalls();
    world.injectFault({ service: "github", method: trees, kind: "error", status: 502, count: 1 });
    await expect(gh.readTree(HEAD, CAPS)).resolves.toHaveLength(files.length);
    expect(count(trees)).toBe(2);

    const input = { branch: "prode/ENG-4821-fault", baseSha: HEAD, message: "fix", changes: fix };
    world.injectFault({ service: "github", method: commits, kind: "error", status: 502, count: 1 });
    await expect(gh.pushCommit(input)).rejects.toMatchObject({
      code: ErrorCode.UpstreamUnavailable,
      retryable: true,
    });
    expect(count(commits)).toBe(1);
    await expect(gh.branchHead(input.branch)).resolves.toBeNull();
    const { headSha } = await gh.pushCommit(input);
    await expect(gh.branchHead(input.branch)).resolves.toBe(headSha);
    world.clearFaults();
  });

  it("names the repository and call in the AppError when the repository is not there", async () => {
    const gh = github("nope");
    const error = await gh.defaultBranch().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({
      code: ErrorCode.NotFound,
      retryable: false,
      message: expect.stringContaining("acme-sim/nope"),
    });
    await expect(gh.readTree(HEAD, CAPS)).rejects.toMatchObject({ code: ErrorCode.NotFound });
  });
});
