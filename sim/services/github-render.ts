import type { GithubRepoData } from "./github-data.ts";
import type { Commit, CompareResult, FileChange } from "./github-git.ts";

/**
 * GitHub REST response shapes (https://docs.github.com/en/rest), rendered from the
 * world's facts. `urls` carries the world's public prefixes so links resolve to it.
 */

export interface Urls {
  /** API root, e.g. http://127.0.0.1:4010/github */
  api: string;
  /** Where html_url links point (the world does not serve HTML; links stay stable). */
  web: string;
}

export type Label = GithubRepoData["labels"][number];
type Deployment = GithubRepoData["deployments"][number];
type DeploymentStatus = Deployment["statuses"][number];

export interface PullState {
  number: number;
  title: string;
  body: string | null;
  head: string;
  base: string;
  state: "open" | "closed";
  merged: boolean;
  draft: boolean;
  user: string;
  labels: string[];
  maintainer_can_modify: boolean;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  merged_at: string | null;
  merge_commit_sha: string | null;
  merged_by: string | null;
  /** Branch head while open; frozen when the pull request closes. */
  head_sha: string;
  base_sha: string;
}

/** Small stable integer ids for users and labels (GitHub ids are opaque numbers). */
function stableId(text: string): number {
  let hash = 7;
  for (const char of text) hash = (hash * 31 + char.charCodeAt(0)) % 2_147_483_647;
  return hash;
}

export function user(login: string, urls: Urls, type: "User" | "Bot" | "Organization" = "User") {
  return {
    login,
    id: stableId(login),
    node_id: Buffer.from(`04:User${stableId(login)}`).toString("base64"),
    type,
    site_admin: false,
    url: `${urls.api}/users/${login}`,
    html_url: `${urls.web}/${login}`,
  };
}

export function renderRepo(repo: GithubRepoData, urls: Urls) {
  const id = repo.id ?? stableId(`${repo.owner}/${repo.name}`);
  const full = `${repo.owner}/${repo.name}`;
  return {
    id,
    node_id: Buffer.from(`010:Repository${id}`).toString("base64"),
    name: repo.name,
    full_name: full,
    private: repo.private,
    visibility: repo.private ? "private" : "public",
    owner: user(repo.owner, urls, "Organization"),
    html_url: `${urls.web}/${full}`,
    description: null,
    fork: false,
    url: `${urls.api}/repos/${full}`,
    default_branch: repo.default_branch,
    archived: false,
    disabled: false,
    permissions: { admin: false, maintain: false, push: true, triage: true, pull: true },
  };
}

/** A commit in the REST commits shape; `treeSha` is its root tree (the world's graph knows it). */
export function renderCommit(repo: GithubRepoData, commit: Commit, treeSha: string, urls: Urls) {
  const full = `${repo.owner}/${repo.name}`;
  const person = { name: commit.author.name, email: commit.author.email, date: commit.author.date };
  const login = commit.author.login ? user(commit.author.login, urls) : null;
  return {
    sha: commit.sha,
    node_id: Buffer.from(`04:Commit${commit.sha}`).toString("base64"),
    commit: {
      author: person,
      committer: person,
      message: commit.message,
      tree: { sha: treeSha, url: `${urls.api}/repos/${full}/git/trees/${treeSha}` },
      url: `${urls.api}/repos/${full}/git/commits/${commit.sha}`,
      comment_count: 0,
      verification: { verified: false, reason: "unsigned", signature: null, payload: null },
    },
    url: `${urls.api}/repos/${full}/commits/${commit.sha}`,
    html_url: `${urls.web}/${full}/commit/${commit.sha}`,
    comments_url: `${urls.api}/repos/${full}/commits/${commit.sha}/comments`,
    author: login,
    committer: login,
    parents: commit.parents.map((sha) => ({
      sha,
      url: `${urls.api}/repos/${full}/commits/${sha}`,
      html_url: `${urls.web}/${full}/commit/${sha}`,
    })),
  };
}

export function renderFile(repo: GithubRepoData, file: FileChange, ref: string, urls: Urls) {
  const full = `${repo.owner}/${repo.name}`;
  return {
    sha: Buffer.from(`${ref}:${file.filename}`).toString("hex").slice(0, 40).padEnd(40, "0"),
    filename: file.filename,
    status: file.status,
    additions: file.additions,
    deletions: file.deletions,
    changes: file.additions + file.deletions,
    blob_url: `${urls.web}/${full}/blob/${ref}/${file.filename}`,
    raw_url: `${urls.web}/${full}/raw/${ref}/${file.filename}`,
    contents_url: `${urls.api}/repos/${full}/contents/${file.filename}?ref=${ref}`,
    ...(file.patch !== undefined ? { patch: file.patch } : {}),
    ...(file.previous_filename ? { previous_filename: file.previous_filename } : {}),
  };
}

/** `GET /repos/{o}/{r}/commits/{ref}`: the commit with stats and files. */
export function renderCommitDetail(
  repo: GithubRepoData,
  commit: Commit,
  treeSha: string,
  urls: Urls,
) {
  const additions = commit.files.reduce((sum, f) => sum + f.additions, 0);
  const deletions = commit.files.reduce((sum, f) => sum + f.deletions, 0);
  return {
    ...renderCommit(repo, commit, treeSha, urls),
    stats: { additions, deletions, total: additions + deletions },
    files: commit.files.map((f) => renderFile(repo, f, commit.sha, urls)),
  };
}

export function renderCompare(
  repo: GithubRepoData,
  result: CompareResult,
  basehead: string,
  head: Commit,
  treeOf: (commitSha: string) => string,
  urls: Urls,
) {
  const full = `${repo.owner}/${repo.name}`;
  const commit = (c: Commit) => renderCommit(repo, c, treeOf(c.sha), urls);
  return {
    url: `${urls.api}/repos/${full}/compare/${basehead}`,
    html_url: `${urls.web}/${full}/compare/${basehead}`,
    permalink_url: `${urls.web}/${full}/compare/${result.base.sha}...${head.sha}`,
    diff_url: `${urls.web}/${full}/compare/${basehead}.diff`,
    patch_url: `${urls.web}/${full}/compare/${basehead}.patch`,
    base_commit: commit(result.base),
    merge_base_commit: commit(result.mergeBase),
    status: result.status,
    ahead_by: result.ahead.length,
    behind_by: result.behindBy,
    total_commits: result.ahead.length,
    commits: result.ahead.map(commit),
    files: result.files.map((f) => renderFile(repo, f, head.sha, urls)),
  };
}

export function renderRef(repo: GithubRepoData, branch: string, sha: string, urls: Urls) {
  const full = `${repo.owner}/${repo.name}`;
  return {
    ref: `refs/heads/${branch}`,
    node_id: Buffer.from(`03:Ref${full}:${branch}`).toString("base64"),
    url: `${urls.api}/repos/${full}/git/refs/heads/${branch}`,
    object: { sha, type: "commit", url: `${urls.api}/repos/${full}/git/commits/${sha}` },
  };
}

export function renderLabel(repo: GithubRepoData, label: Label, urls: Urls) {
  const id = stableId(`${repo.owner}/${repo.name}#${label.name}`);
  return {
    id,
    node_id: Buffer.from(`05:Label${id}`).toString("base64"),
    url: `${urls.api}/repos/${repo.owner}/${repo.name}/labels/${encodeURIComponent(label.name)}`,
    name: label.name,
    color: label.color,
    default: false,
    description: label.description,
  };
}

export function renderDeployment(repo: GithubRepoData, d: Deployment, urls: Urls) {
  const full = `${repo.owner}/${repo.name}`;
  return {
    url: `${urls.api}/repos/${full}/deployments/${d.id}`,
    id: d.id,
    node_id: Buffer.from(`010:Deployment${d.id}`).toString("base64"),
    sha: d.sha,
    ref: d.ref,
    task: d.task,
    payload: {},
    original_environment: d.environment,
    environment: d.environment,
    description: d.description,
    creator: user(d.creator, urls, "Bot"),
    created_at: d.created_at,
    updated_at: d.statuses.at(-1)?.created_at ?? d.created_at,
    statuses_url: `${urls.api}/repos/${full}/deployments/${d.id}/statuses`,
    repository_url: `${urls.api}/repos/${full}`,
    transient_environment: false,
    production_environment: d.environment === "production",
  };
}

export function renderDeploymentStatus(
  repo: GithubRepoData,
  d: Deployment,
  s: DeploymentStatus,
  index: number,
  urls: Urls,
) {
  const full = `${repo.owner}/${repo.name}`;
  const id = s.id ?? d.id * 1000 + index + 1;
  return {
    url: `${urls.api}/repos/${full}/deployments/${d.id}/statuses/${id}`,
    id,
    node_id: Buffer.from(`016:DeploymentStatus${id}`).toString("base64"),
    state: s.state,
    creator: user(d.creator, urls, "Bot"),
    description: s.description,
    environment: d.environment,
    target_url: s.log_url,
    log_url: s.log_url,
    environment_url: s.environment_url,
    created_at: s.created_at,
    updated_at: s.created_at,
    deployment_url: `${urls.api}/repos/${full}/deployments/${d.id}`,
    repository_url: `${urls.api}/repos/${full}`,
  };
}

function branchRef(repo: GithubRepoData, branch: string, sha: string, urls: Urls) {
  return {
    label: `${repo.owner}:${branch}`,
    ref: branch,
    sha,
    user: user(repo.owner, urls, "Organization"),
    repo: renderRepo(repo, urls),
  };
}

/** The list form of a pull request (`GET …/pulls`), which has no `merged`/`mergeable`. */
export function renderPullSummary(
  repo: GithubRepoData,
  pull: PullState,
  labels: Label[],
  urls: Urls,
) {
  const full = `${repo.owner}/${repo.name}`;
  const id = stableId(`${full}#pull${pull.number}`);
  return {
    url: `${urls.api}/repos/${full}/pulls/${pull.number}`,
    id,
    node_id: Buffer.from(`011:PullRequest${id}`).toString("base64"),
    html_url: `${urls.web}/${full}/pull/${pull.number}`,
    diff_url: `${urls.web}/${full}/pull/${pull.number}.diff`,
    patch_url: `${urls.web}/${full}/pull/${pull.number}.patch`,
    issue_url: `${urls.api}/repos/${full}/issues/${pull.number}`,
    number: pull.number,
    state: pull.state,
    locked: false,
    title: pull.title,
    user: user(pull.user, urls, pull.user.endsWith("[bot]") ? "Bot" : "User"),
    body: pull.body,
    labels: labels.map((l) => renderLabel(repo, l, urls)),
    milestone: null,
    active_lock_reason: null,
    created_at: pull.created_at,
    updated_at: pull.updated_at,
    closed_at: pull.closed_at,
    merged_at: pull.merged_at,
    merge_commit_sha: pull.merge_commit_sha,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    head: branchRef(repo, pull.head, pull.head_sha, urls),
    base: branchRef(repo, pull.base, pull.base_sha, urls),
    author_association: "NONE",
    auto_merge: null,
    draft: pull.draft,
  };
}

export function renderPull(
  repo: GithubRepoData,
  pull: PullState,
  labels: Label[],
  stats: { commits: number; files: FileChange[] },
  urls: Urls,
) {
  return {
    ...renderPullSummary(repo, pull, labels, urls),
    merged: pull.merged,
    mergeable: pull.state === "open" ? true : null,
    rebaseable: pull.state === "open" ? true : null,
    mergeable_state: pull.state === "open" ? (pull.draft ? "draft" : "clean") : "unknown",
    merged_by: pull.merged_by ? user(pull.merged_by, urls) : null,
    comments: 0,
    review_comments: 0,
    maintainer_can_modify: pull.maintainer_can_modify,
    commits: stats.commits,
    additions: stats.files.reduce((sum, f) => sum + f.additions, 0),
    deletions: stats.files.reduce((sum, f) => sum + f.deletions, 0),
    changed_files: stats.files.length,
  };
}
