import type { SimHandled, SimRequest } from "../types.ts";
import { type GithubData, githubCommitSchema, githubDeploymentSchema } from "./github-data.ts";
import { type Commit, objectSha } from "./github-git.ts";
import { updateRef } from "./github-git-data.ts";
import { renderRepo, type Urls, user } from "./github-render.ts";
import { notFound, type SimRepo } from "./github-repo.ts";

/**
 * Test hooks that stand in for people and CI on the simulated GitHub: a human merging or
 * closing a pull request, a developer pushing a commit, a pipeline recording a deployment.
 * Reachable as instance methods and over HTTP under `/_sim/…` (no auth: not GitHub's API).
 */

export interface WebhookDelivery {
  event: "pull_request";
  payload: Record<string, unknown>;
}

export class GithubHooks {
  constructor(
    private readonly repos: Map<string, SimRepo>,
    private readonly state: GithubData,
    private readonly urls: Urls,
  ) {}

  /** The `pull_request` `closed` delivery GitHub would send (merged or not). */
  private webhook(repo: SimRepo, number: number, sender: string): WebhookDelivery {
    const pull = repo.findPull(number)!;
    const installation = this.state.installations.find((i) => i.account === repo.data.owner);
    return {
      event: "pull_request",
      payload: {
        action: "closed",
        number,
        pull_request: repo.renderPull(pull),
        repository: renderRepo(repo.data, this.urls),
        ...(installation ? { installation: { id: installation.id } } : {}),
        sender: user(sender, this.urls),
      },
    };
  }

  private openPull(fullName: string, number: number) {
    const repo = this.repos.get(fullName);
    const pull = repo?.findPull(number);
    if (!repo || !pull) throw new Error(`sim github: no pull request ${fullName}#${number}`);
    if (pull.state !== "open") throw new Error(`sim github: ${fullName}#${number} is not open`);
    return { repo, pull };
  }

  mergePull(fullName: string, number: number, by = "octocat"): WebhookDelivery {
    const { repo, pull } = this.openPull(fullName, number);
    repo.merge(pull, by);
    return this.webhook(repo, number, by);
  }

  closePull(fullName: string, number: number, by = "octocat"): WebhookDelivery {
    const { repo, pull } = this.openPull(fullName, number);
    repo.close(pull);
    return this.webhook(repo, number, by);
  }

  pushCommit(fullName: string, branch: string, raw: unknown): string {
    const repo = this.repos.get(fullName);
    const parent = repo?.data.branches[branch];
    if (!repo || !parent) throw new Error(`sim github: no branch ${fullName}@${branch}`);
    const input = githubCommitSchema.omit({ sha: true, parents: true }).parse(raw);
    const commit: Commit = {
      ...input,
      sha: objectSha("push", parent, input.message, input.author.date),
      parents: [parent],
    };
    repo.graph.addCommit(commit);
    updateRef(repo, branch, { sha: commit.sha });
    return commit.sha;
  }

  /**
   * `POST /_sim/repos/{o}/{r}/pulls/{n}/merge|close` (body `{by}`),
   * `POST /_sim/repos/{o}/{r}/branches/{branch}/commits` (body: a scenario commit without
   * sha/parents), `POST /_sim/repos/{o}/{r}/deployments` (body: a scenario deployment).
   */
  handle(req: SimRequest, body: Record<string, unknown>): SimHandled {
    const fail = (error: unknown): SimHandled => ({
      status: 400,
      body: { message: String(error) },
      method: "sim.hook",
    });
    try {
      const pull = /^\/_sim\/repos\/([^/]+\/[^/]+)\/pulls\/(\d+)\/(merge|close)$/.exec(req.path);
      if (req.method === "POST" && pull) {
        const by = typeof body.by === "string" ? body.by : undefined;
        const delivery =
          pull[3] === "merge"
            ? this.mergePull(pull[1]!, Number(pull[2]), by)
            : this.closePull(pull[1]!, Number(pull[2]), by);
        return { status: 200, body: delivery, method: `sim.${pull[3]}Pull` };
      }
      const push = /^\/_sim\/repos\/([^/]+\/[^/]+)\/branches\/(.+)\/commits$/.exec(req.path);
      if (req.method === "POST" && push) {
        const sha = this.pushCommit(push[1]!, decodeURIComponent(push[2]!), body);
        return { status: 201, body: { sha }, method: "sim.pushCommit" };
      }
      const deploy = /^\/_sim\/repos\/([^/]+\/[^/]+)\/deployments$/.exec(req.path);
      if (req.method === "POST" && deploy) {
        const repo = this.repos.get(deploy[1]!);
        if (!repo) return fail(`no repository ${deploy[1]}`);
        repo.data.deployments.push(githubDeploymentSchema.parse(body));
        return { status: 201, body: { ok: true }, method: "sim.addDeployment" };
      }
    } catch (error) {
      return fail(error instanceof Error ? error.message : error);
    }
    return { ...notFound(), method: "sim.unknown" };
  }
}
