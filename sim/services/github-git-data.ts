import type { SimResponse } from "../types.ts";
import { type Commit, objectSha, type TreeItem } from "./github-git.ts";
import { renderGitCommit, renderTree } from "./github-git-read.ts";
import { renderRef } from "./github-render.ts";
import { type Body, DOCS, ghError, notFound, ok, type SimRepo, str } from "./github-repo.ts";

/**
 * Git refs and the Git Data API (blobs, trees, commits) on a simulated repository: how a
 * GitHub App creates a branch and a commit without `git push`
 * (https://docs.github.com/en/rest/git). Responses and errors in GitHub's shapes.
 */

export function getRef(repo: SimRepo, branch: string): SimResponse {
  const sha = repo.data.branches[branch];
  return sha ? ok(renderRef(repo.data, branch, sha, repo.urls)) : notFound();
}

/**
 * `GET git/matching-refs/{ref}`: every branch whose full name starts with `refs/{ref}`, an
 * empty list when none (unlike `git/ref/{ref}`, which answers 404).
 */
export function matchingRefs(repo: SimRepo, prefix: string): SimResponse {
  const refs = Object.entries(repo.data.branches)
    .filter(([branch]) => `refs/heads/${branch}`.startsWith(`refs/${prefix}`))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([branch, sha]) => renderRef(repo.data, branch, sha, repo.urls));
  return ok(refs);
}

export function createRef(repo: SimRepo, body: Body): SimResponse {
  const docs = `${DOCS}/git/refs#create-a-reference`;
  const ref = str(body.ref);
  const sha = str(body.sha);
  if (!ref || !sha) return ghError(422, "Invalid request.", docs);
  const match = /^refs\/heads\/(.+)$/.exec(ref);
  if (!match) return ghError(422, "Reference name must start with 'refs/heads/'", docs);
  if (repo.data.branches[match[1]!]) return ghError(422, "Reference already exists", docs);
  if (!repo.graph.commits.has(sha)) return ghError(422, "Object does not exist", docs);
  repo.data.branches[match[1]!] = sha;
  return ok(renderRef(repo.data, match[1]!, sha, repo.urls), 201);
}

export function updateRef(repo: SimRepo, branch: string, body: Body): SimResponse {
  const docs = `${DOCS}/git/refs#update-a-reference`;
  const current = repo.data.branches[branch];
  const sha = str(body.sha);
  if (!current) return ghError(422, "Reference does not exist", docs);
  if (!sha || !repo.graph.commits.has(sha)) return ghError(422, "Object does not exist", docs);
  if (body.force !== true && !repo.graph.ancestors(sha).includes(current)) {
    return ghError(422, "Update is not a fast forward", docs);
  }
  repo.data.branches[branch] = sha;
  repo.refreshOpenPulls();
  return ok(renderRef(repo.data, branch, sha, repo.urls));
}

export function deleteRef(repo: SimRepo, branch: string): SimResponse {
  if (!repo.data.branches[branch]) {
    return ghError(422, "Reference does not exist", `${DOCS}/git/refs#delete-a-reference`);
  }
  delete repo.data.branches[branch];
  return { status: 204, body: "" };
}

export function createBlob(repo: SimRepo, body: Body): SimResponse {
  const content = str(body.content);
  if (content === undefined) return ghError(422, "Invalid request.", `${DOCS}/git/blobs`);
  const text =
    body.encoding === "base64" ? Buffer.from(content, "base64").toString("utf8") : content;
  const sha = repo.graph.putBlob(text);
  return ok({ sha, url: `${repo.urls.api}/repos/${repo.fullName}/git/blobs/${sha}` }, 201);
}

const MODES: Record<string, TreeItem["type"] | "tree"> = {
  "100644": "blob",
  "100755": "blob",
  "120000": "blob",
  "160000": "commit",
  "040000": "tree",
};

/**
 * `POST git/trees`: the entries of `base_tree` (when given) with `tree` applied in order:
 * `content` or a blob `sha` sets a file, a tree `sha` places that tree at the path, a
 * submodule entry records its commit, `sha: null` deletes the path (and what is below it).
 */
export function createTree(repo: SimRepo, body: Body): SimResponse {
  const docs = `${DOCS}/git/trees#create-a-tree`;
  if (!Array.isArray(body.tree)) return ghError(422, "Invalid request.", docs);
  const baseRef = str(body.base_tree);
  // GitHub peels a commit given as base_tree to its tree; accept both, as it does.
  const baseSha =
    baseRef && !repo.graph.trees.has(baseRef) && repo.graph.commits.has(baseRef)
      ? repo.graph.treeOf(baseRef)
      : baseRef;
  const base = baseSha ? repo.graph.trees.get(baseSha) : undefined;
  if (baseSha && !base) return ghError(422, "base_tree is not a valid tree oid", docs);
  const files = new Map<string, TreeItem>(base?.files);
  const removeUnder = (path: string) => {
    files.delete(path);
    for (const key of [...files.keys()]) if (key.startsWith(`${path}/`)) files.delete(key);
  };
  for (const raw of body.tree as Body[]) {
    const path = str(raw?.path);
    const mode = str(raw?.mode) ?? "100644";
    const kind = MODES[mode];
    if (!path || path.startsWith("/") || path.endsWith("/") || !kind) {
      return ghError(422, "Invalid tree info", docs);
    }
    const type = str(raw.type) ?? kind;
    if (type !== kind)
      return ghError(422, `Invalid tree info: mode ${mode} is not a ${type}`, docs);
    const content = str(raw.content);
    if (raw.sha === null && content === undefined) {
      removeUnder(path);
      continue;
    }
    const sha = content !== undefined ? repo.graph.putBlob(content) : str(raw.sha);
    if (!sha || !/^[0-9a-f]{40}$/.test(sha)) return ghError(422, "Invalid tree info", docs);
    removeUnder(path);
    if (kind === "tree") {
      const sub = repo.graph.trees.get(sha);
      if (!sub) return ghError(422, `tree.sha ${sha} is not a valid tree`, docs);
      for (const [inner, item] of sub.files) files.set(`${path}/${inner}`, item);
    } else if (kind === "blob" && !repo.graph.blobs.has(sha)) {
      return ghError(422, `tree.sha ${sha} is not a valid blob`, docs);
    } else {
      files.set(path, { mode, type: kind, sha });
    }
  }
  const sha = repo.graph.storeTree(files);
  return ok(renderTree(repo, sha, false), 201);
}

export function createCommit(repo: SimRepo, body: Body): SimResponse {
  const docs = `${DOCS}/git/commits#create-a-commit`;
  const message = str(body.message);
  const tree = str(body.tree);
  const parents = Array.isArray(body.parents) ? (body.parents as unknown[]).map(String) : [];
  if (!message || !tree) return ghError(422, "Invalid request.", docs);
  if (!repo.graph.trees.has(tree)) return ghError(422, "Tree SHA does not exist", docs);
  if (parents.some((p) => !repo.graph.commits.has(p))) {
    return ghError(422, "Parent SHA does not exist or is not a commit object", docs);
  }
  const author = (body.author ?? {}) as Body;
  const committer = (body.committer ?? {}) as Body;
  const parentTree = parents[0] ? repo.graph.treeOf(parents[0]) : repo.graph.emptyTree;
  // As in git, the dates are part of the object: without them GitHub stamps "now", so
  // the same content pushed twice makes two commits; with them it makes one.
  const date = str(author.date) ?? repo.now();
  const committed = str(committer.date) ?? str(author.date) ?? repo.now();
  const commit: Commit = {
    sha: objectSha("commit", tree, parents.join(","), message, date, committed),
    message,
    author: {
      name: str(author.name) ?? "prode[bot]",
      email: str(author.email) ?? "prode[bot]@users.noreply.github.com",
      date,
    },
    parents,
    files: repo.graph.diffTrees(parentTree, tree),
  };
  repo.graph.addCommit(commit, tree);
  return ok(renderGitCommit(repo, repo.graph.commits.get(commit.sha)!), 201);
}
