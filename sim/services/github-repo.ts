import type { SimResponse } from "../types.ts";
import type { GithubRepoData } from "./github-data.ts";
import { type Commit, objectSha, RepoGraph } from "./github-git.ts";
import {
  type Label,
  type PullState,
  renderCommitDetail,
  renderCompare,
  renderDeployment,
  renderDeploymentStatus,
  renderFile,
  renderLabel,
  renderPull,
  renderPullSummary,
  renderRepo,
  type Urls,
} from "./github-render.ts";

/**
 * One simulated repository and the REST operations on it. Each method returns a GitHub
 * response (status + body in GitHub's shape, errors as `{message, errors?,
 * documentation_url, status}`); routing and auth live in github.ts.
 */

/** The root of GitHub's REST documentation, which error bodies link into. */
export const DOCS = "https://docs.github.com/rest";

export function ghError(
  status: number,
  message: string,
  docs = DOCS,
  errors?: Record<string, string>[],
): SimResponse {
  return {
    status,
    body: {
      message,
      ...(errors ? { errors } : {}),
      documentation_url: docs,
      status: String(status),
    },
  };
}

export const notFound = (): SimResponse => ghError(404, "Not Found");

/** A successful GitHub response. */
export const ok = (body: unknown, status = 200): SimResponse => ({ status, body });

function validationFailed(docs: string, error: Record<string, string>): SimResponse {
  return ghError(422, "Validation Failed", docs, [error]);
}

/** A request's JSON body. */
export type Body = Record<string, unknown>;
/** A body field when it is a string. */
export const str = (value: unknown): string | undefined =>
  typeof value === "string" ? value : undefined;

export class SimRepo {
  readonly graph: RepoGraph;
  readonly pulls: PullState[] = [];

  constructor(
    readonly data: GithubRepoData,
    readonly urls: Urls,
    readonly now: () => string,
  ) {
    this.graph = new RepoGraph(data);
    for (const pull of data.pulls) {
      const headSha = data.branches[pull.head] ?? "";
      this.pulls.push({
        ...pull,
        maintainer_can_modify: false,
        updated_at: pull.created_at,
        closed_at: pull.state === "closed" ? pull.created_at : null,
        merged_at: pull.merged ? pull.created_at : null,
        merge_commit_sha: null,
        merged_by: null,
        head_sha: headSha,
        base_sha: data.branches[pull.base] ?? "",
      });
    }
  }

  get fullName(): string {
    return `${this.data.owner}/${this.data.name}`;
  }

  repo(): SimResponse {
    return ok(renderRepo(this.data, this.urls));
  }

  compare(basehead: string): SimResponse {
    const [baseRef, headRef, ...rest] = basehead.split(/\.{2,3}/);
    if (!baseRef || !headRef || rest.length > 0) return notFound();
    const base = this.graph.resolve(baseRef);
    const head = this.graph.resolve(headRef);
    if (!base || !head) return notFound();
    const result = this.graph.compare(base, head);
    return ok(
      renderCompare(this.data, result, basehead, head, (c) => this.graph.treeOf(c), this.urls),
    );
  }

  commit(ref: string): SimResponse {
    const commit = this.graph.resolve(ref);
    if (!commit) {
      return ghError(
        422,
        `No commit found for SHA: ${ref}`,
        `${DOCS}/commits/commits#get-a-commit`,
      );
    }
    return ok(renderCommitDetail(this.data, commit, this.graph.treeOf(commit.sha), this.urls));
  }

  /** Newest first, filtered like the API's `sha`, `ref`, `task` and `environment`. */
  deployments(query: URLSearchParams): unknown[] {
    return this.data.deployments
      .filter((d) => !query.get("sha") || d.sha === query.get("sha"))
      .filter((d) => !query.get("ref") || d.ref === query.get("ref"))
      .filter((d) => !query.get("task") || d.task === query.get("task"))
      .filter((d) => !query.get("environment") || d.environment === query.get("environment"))
      .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at) || b.id - a.id)
      .map((d) => renderDeployment(this.data, d, this.urls));
  }

  deployment(id: number): SimResponse {
    const d = this.data.deployments.find((x) => x.id === id);
    return d ? ok(renderDeployment(this.data, d, this.urls)) : notFound();
  }

  deploymentStatuses(id: number): unknown[] | undefined {
    const d = this.data.deployments.find((x) => x.id === id);
    if (!d) return undefined;
    return d.statuses
      .map((s, i) => renderDeploymentStatus(this.data, d, s, i, this.urls))
      .reverse();
  }

  /** A branch name from `head`, which may be `owner:branch`; other owners are forks. */
  private headBranch(head: string): string | undefined {
    const [owner, branch] = head.includes(":") ? head.split(":", 2) : [this.data.owner, head];
    return owner === this.data.owner ? branch : undefined;
  }

  private labelsOf(pull: PullState): Label[] {
    return pull.labels.map(
      (name) =>
        this.data.labels.find((l) => l.name === name) ?? {
          name,
          color: "ededed",
          description: null,
        },
    );
  }

  private pullStats(pull: PullState) {
    const base = this.graph.commits.get(pull.base_sha);
    const head = this.graph.commits.get(pull.head_sha);
    if (!base || !head) return { commits: 0, files: [] };
    const result = this.graph.compare(base, head);
    return { commits: result.ahead.length, files: result.files };
  }

  renderPull(pull: PullState) {
    return renderPull(this.data, pull, this.labelsOf(pull), this.pullStats(pull), this.urls);
  }

  /** Open pull requests track their branches; closed ones keep the SHAs they closed at. */
  refreshOpenPulls(): void {
    for (const pull of this.pulls) {
      if (pull.state !== "open") continue;
      pull.head_sha = this.data.branches[pull.head] ?? pull.head_sha;
      pull.base_sha = this.data.branches[pull.base] ?? pull.base_sha;
    }
  }

  findPull(number: number): PullState | undefined {
    return this.pulls.find((p) => p.number === number);
  }

  listPulls(query: URLSearchParams): unknown[] {
    this.refreshOpenPulls();
    const state = query.get("state") ?? "open";
    const head = query.get("head");
    const headBranch = head ? this.headBranch(head) : undefined;
    const base = query.get("base");
    const ascending = query.get("direction") === "asc";
    return this.pulls
      .filter((p) => state === "all" || p.state === state)
      .filter((p) => !head || p.head === headBranch)
      .filter((p) => !base || p.base === base)
      .sort((a, b) => (ascending ? a.number - b.number : b.number - a.number))
      .map((p) => renderPullSummary(this.data, p, this.labelsOf(p), this.urls));
  }

  getPull(number: number): SimResponse {
    this.refreshOpenPulls();
    const pull = this.findPull(number);
    return pull ? ok(this.renderPull(pull)) : notFound();
  }

  createPull(body: Body, author: string): SimResponse {
    const docs = "https://docs.github.com/rest/pulls/pulls#create-a-pull-request";
    const title = str(body.title);
    const head = str(body.head);
    const baseName = str(body.base);
    if (!title)
      return validationFailed(docs, {
        resource: "PullRequest",
        code: "missing_field",
        field: "title",
      });
    if (!head)
      return validationFailed(docs, {
        resource: "PullRequest",
        code: "missing_field",
        field: "head",
      });
    if (!baseName)
      return validationFailed(docs, {
        resource: "PullRequest",
        code: "missing_field",
        field: "base",
      });
    const branch = this.headBranch(head);
    const headSha = branch ? this.data.branches[branch] : undefined;
    if (!branch || !headSha)
      return validationFailed(docs, { resource: "PullRequest", field: "head", code: "invalid" });
    const baseSha = this.data.branches[baseName];
    if (!baseSha)
      return validationFailed(docs, { resource: "PullRequest", field: "base", code: "invalid" });
    const duplicate = this.pulls.find(
      (p) => p.state === "open" && p.head === branch && p.base === baseName,
    );
    if (duplicate) {
      return validationFailed(docs, {
        resource: "PullRequest",
        code: "custom",
        message: `A pull request already exists for ${this.data.owner}:${branch}.`,
      });
    }
    const result = this.graph.compare(
      this.graph.commits.get(baseSha)!,
      this.graph.commits.get(headSha)!,
    );
    if (result.ahead.length === 0) {
      return validationFailed(docs, {
        resource: "PullRequest",
        code: "custom",
        message: `No commits between ${baseName} and ${branch}`,
      });
    }
    const now = this.now();
    const pull: PullState = {
      number: Math.max(0, ...this.pulls.map((p) => p.number)) + 1,
      title,
      body: str(body.body) ?? null,
      head: branch,
      base: baseName,
      state: "open",
      merged: false,
      draft: body.draft === true,
      user: author,
      labels: [],
      maintainer_can_modify: body.maintainer_can_modify === true,
      created_at: now,
      updated_at: now,
      closed_at: null,
      merged_at: null,
      merge_commit_sha: null,
      merged_by: null,
      head_sha: headSha,
      base_sha: baseSha,
    };
    this.pulls.push(pull);
    return ok(this.renderPull(pull), 201);
  }

  updatePull(number: number, body: Body): SimResponse {
    const docs = "https://docs.github.com/rest/pulls/pulls#update-a-pull-request";
    const pull = this.findPull(number);
    if (!pull) return notFound();
    if (body.state !== undefined && body.state !== "open" && body.state !== "closed") {
      return validationFailed(docs, { resource: "PullRequest", field: "state", code: "invalid" });
    }
    if (body.state === "open" && pull.merged) {
      return validationFailed(docs, {
        resource: "PullRequest",
        code: "custom",
        message: "Cannot reopen a merged pull request",
      });
    }
    const base = str(body.base);
    if (base !== undefined && !this.data.branches[base]) {
      return validationFailed(docs, { resource: "PullRequest", field: "base", code: "invalid" });
    }
    if (str(body.title)) pull.title = str(body.title)!;
    if (body.body !== undefined) pull.body = str(body.body) ?? null;
    if (base) pull.base = base;
    if (body.state === "closed" && pull.state === "open") this.close(pull);
    if (body.state === "open" && pull.state === "closed") {
      pull.state = "open";
      pull.closed_at = null;
    }
    pull.updated_at = this.now();
    this.refreshOpenPulls();
    return ok(this.renderPull(pull));
  }

  pullFiles(number: number): unknown[] | undefined {
    const pull = this.findPull(number);
    if (!pull) return undefined;
    return this.pullStats(pull).files.map((f) =>
      renderFile(this.data, f, pull.head_sha, this.urls),
    );
  }

  issueLabels(number: number): unknown[] | undefined {
    const pull = this.findPull(number);
    return pull ? this.labelsOf(pull).map((l) => renderLabel(this.data, l, this.urls)) : undefined;
  }

  /** Adds labels (creating unknown ones, as GitHub does) and returns all of the issue's. */
  addLabels(number: number, body: unknown): SimResponse {
    const pull = this.findPull(number);
    if (!pull) return notFound();
    const raw = Array.isArray(body) ? body : (body as Body | undefined)?.labels;
    if (!Array.isArray(raw)) {
      return ghError(422, "Invalid request.", `${DOCS}/issues/labels#add-labels-to-an-issue`);
    }
    const names = raw
      .map((l) => (typeof l === "string" ? l : str((l as Body)?.name)))
      .filter(Boolean);
    for (const name of names as string[]) {
      if (!this.data.labels.some((l) => l.name === name)) {
        this.data.labels.push({ name, color: "ededed", description: null });
      }
      if (!pull.labels.includes(name)) pull.labels.push(name);
    }
    pull.updated_at = this.now();
    return ok(this.issueLabels(number));
  }

  removeLabel(number: number, name: string): SimResponse {
    const pull = this.findPull(number);
    if (!pull) return notFound();
    if (!pull.labels.includes(name)) return ghError(404, "Label does not exist");
    pull.labels = pull.labels.filter((l) => l !== name);
    return ok(this.issueLabels(number));
  }

  close(pull: PullState): void {
    this.refreshOpenPulls();
    pull.state = "closed";
    pull.closed_at = this.now();
    pull.updated_at = pull.closed_at;
  }

  /** A human merge: a merge commit on the base branch, the pull request closed as merged. */
  merge(pull: PullState, by: string): void {
    this.refreshOpenPulls();
    const baseSha = this.data.branches[pull.base]!;
    const head = this.graph.commits.get(pull.head_sha)!;
    const now = this.now();
    const result = this.graph.compare(this.graph.commits.get(baseSha)!, head);
    const commit: Commit = {
      sha: objectSha("merge", baseSha, pull.head_sha),
      message: `Merge pull request #${pull.number} from ${this.data.owner}/${pull.head}\n\n${pull.title}`,
      author: { name: by, email: `${by}@users.noreply.github.com`, login: by, date: now },
      parents: [baseSha, pull.head_sha],
      files: result.files,
    };
    const tree = this.graph.mergeTree(
      this.graph.treeOf(baseSha),
      this.graph.treeOf(result.mergeBase.sha),
      this.graph.treeOf(head.sha),
    );
    this.graph.addCommit(commit, tree);
    this.data.branches[pull.base] = commit.sha;
    pull.merged = true;
    pull.merged_at = now;
    pull.merged_by = by;
    pull.merge_commit_sha = commit.sha;
    this.close(pull);
  }
}
