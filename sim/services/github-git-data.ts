import type { SimResponse } from "../types.ts";
import { type Commit, objectSha, type TreeEntry } from "./github-git.ts";
import { renderCommit, renderRef } from "./github-render.ts";
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
  const sha = objectSha("blob", text);
  repo.graph.blobs.set(sha, text);
  return ok({ sha, url: `${repo.urls.api}/repos/${repo.fullName}/git/blobs/${sha}` }, 201);
}

export function createTree(repo: SimRepo, body: Body): SimResponse {
  const docs = `${DOCS}/git/trees#create-a-tree`;
  if (!Array.isArray(body.tree)) return ghError(422, "Invalid request.", docs);
  const entries: TreeEntry[] = [];
  for (const raw of body.tree as Body[]) {
    const path = str(raw.path);
    if (!path) return ghError(422, "Invalid request.", docs);
    let sha = raw.sha === null ? null : (str(raw.sha) ?? null);
    const content = str(raw.content);
    if (content !== undefined) {
      sha = objectSha("blob", content);
      repo.graph.blobs.set(sha, content);
    } else if (sha !== null && !repo.graph.blobs.has(sha)) {
      return ghError(422, `tree.sha ${sha} is not a valid blob`, docs);
    }
    entries.push({ path, mode: str(raw.mode) ?? "100644", type: "blob", sha });
  }
  const base = str(body.base_tree) ?? "";
  const sha = objectSha("tree", base, JSON.stringify(entries));
  repo.graph.trees.set(sha, entries);
  return ok(
    {
      sha,
      url: `${repo.urls.api}/repos/${repo.fullName}/git/trees/${sha}`,
      tree: entries.map((e) => ({ ...e, size: e.sha ? repo.graph.blobs.get(e.sha)?.length : 0 })),
      truncated: false,
    },
    201,
  );
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
  const commit: Commit = {
    sha: objectSha("commit", tree, parents.join(","), message),
    message,
    author: {
      name: str(author.name) ?? "prode[bot]",
      email: str(author.email) ?? "prode[bot]@users.noreply.github.com",
      date: str(author.date) ?? repo.now(),
    },
    parents,
    files: repo.graph.filesOfTree(tree),
  };
  repo.graph.addCommit(commit);
  const rendered = renderCommit(repo.data, commit, repo.urls);
  return ok(
    {
      sha: commit.sha,
      node_id: rendered.node_id,
      url: rendered.commit.url,
      html_url: rendered.html_url,
      author: rendered.commit.author,
      committer: rendered.commit.committer,
      message,
      tree: { sha: tree, url: `${repo.urls.api}/repos/${repo.fullName}/git/trees/${tree}` },
      parents: rendered.parents,
      verification: rendered.commit.verification,
    },
    201,
  );
}
