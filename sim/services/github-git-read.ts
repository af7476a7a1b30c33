import type { SimResponse } from "../types.ts";
import type { Commit, TreeItem } from "./github-git.ts";
import { renderCommit } from "./github-render.ts";
import { DOCS, ghError, notFound, ok, type SimRepo } from "./github-repo.ts";

/**
 * Reading a simulated repository's files: the Git Data API's commit, tree and blob
 * (https://docs.github.com/en/rest/git) and the contents API
 * (https://docs.github.com/en/rest/repos/contents), in GitHub's shapes.
 */

const TREE_MODE = "040000";

/** Base64 as GitHub sends it: wrapped at 60 characters, each line ending in "\n". */
function base64Lines(text: string): string {
  const flat = Buffer.from(text, "utf8").toString("base64");
  return flat.replace(/(.{60})/g, "$1\n") + (flat.length % 60 === 0 && flat ? "" : "\n");
}

const size = (repo: SimRepo, item: TreeItem) =>
  item.type === "blob" ? Buffer.byteLength(repo.graph.blobs.get(item.sha) ?? "", "utf8") : 0;

/** `GET git/commits/{sha}` (also the answer to `POST git/commits`). */
export function renderGitCommit(repo: SimRepo, commit: Commit) {
  const rendered = renderCommit(repo.data, commit, repo.graph.treeOf(commit.sha), repo.urls);
  return {
    sha: commit.sha,
    node_id: rendered.node_id,
    url: rendered.commit.url,
    html_url: rendered.html_url,
    author: rendered.commit.author,
    committer: rendered.commit.committer,
    message: commit.message,
    tree: rendered.commit.tree,
    parents: rendered.parents,
    verification: rendered.commit.verification,
  };
}

export function getGitCommit(repo: SimRepo, sha: string): SimResponse {
  const commit = repo.graph.commits.get(sha);
  return commit ? ok(renderGitCommit(repo, commit)) : notFound();
}

/**
 * A tree's entries: its own files and directories, or with `recursive` every file and
 * directory below it, directories as `tree` entries with their own SHA (no size).
 */
export function renderTree(repo: SimRepo, sha: string, recursive: boolean) {
  const stored = repo.graph.trees.get(sha)!;
  const api = `${repo.urls.api}/repos/${repo.fullName}/git`;
  const entries: {
    path: string;
    mode: string;
    type: string;
    sha: string;
    size?: number;
    url?: string;
  }[] = [];
  for (const [path, item] of stored.files) {
    if (!recursive && path.includes("/")) continue;
    entries.push({
      path,
      mode: item.mode,
      type: item.type,
      sha: item.sha,
      ...(item.type === "blob" ? { size: size(repo, item), url: `${api}/blobs/${item.sha}` } : {}),
    });
  }
  for (const [path, dirSha] of stored.dirs) {
    if (!recursive && path.includes("/")) continue;
    entries.push({
      path,
      mode: TREE_MODE,
      type: "tree",
      sha: dirSha,
      url: `${api}/trees/${dirSha}`,
    });
  }
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { sha, url: `${api}/trees/${sha}`, tree: entries, truncated: false };
}

/** `GET git/trees/{sha}?recursive=1`: any value of `recursive` turns it on, as on GitHub. */
export function getTree(repo: SimRepo, sha: string, query: URLSearchParams): SimResponse {
  if (!repo.graph.trees.has(sha)) return notFound();
  return ok(renderTree(repo, sha, query.has("recursive")));
}

export function getBlob(repo: SimRepo, sha: string): SimResponse {
  const content = repo.graph.blobs.get(sha);
  if (content === undefined) return notFound();
  return ok({
    sha,
    node_id: Buffer.from(`04:Blob${sha}`).toString("base64"),
    size: Buffer.byteLength(content, "utf8"),
    url: `${repo.urls.api}/repos/${repo.fullName}/git/blobs/${sha}`,
    content: base64Lines(content),
    encoding: "base64",
  });
}

/**
 * `GET contents/{path}?ref=`: a file with its content (base64), a symlink with its
 * target, a submodule, or a directory's entries; `ref` defaults to the default branch.
 */
export function getContents(repo: SimRepo, rawPath: string, ref: string | null): SimResponse {
  const refName = ref ?? repo.data.default_branch;
  const commit = repo.graph.resolve(refName);
  if (!commit) {
    return ghError(
      404,
      `No commit found for the ref ${refName}`,
      `${DOCS}/repos/contents#get-repository-content`,
    );
  }
  const path = rawPath.replace(/^\/+|\/+$/g, "");
  const tree = repo.graph.trees.get(repo.graph.treeOf(commit.sha))!;
  const full = repo.fullName;
  const links = (
    kind: "file" | "dir" | "symlink" | "submodule",
    entryPath: string,
    sha: string,
  ) => {
    const self = `${repo.urls.api}/repos/${full}/contents/${entryPath}?ref=${refName}`;
    const git = `${repo.urls.api}/repos/${full}/git/${kind === "dir" ? "trees" : "blobs"}/${sha}`;
    const html = `${repo.urls.web}/${full}/${kind === "dir" ? "tree" : "blob"}/${refName}/${entryPath}`;
    return {
      url: self,
      git_url: kind === "submodule" ? null : git,
      html_url: html,
      download_url: kind === "file" ? `${repo.urls.web}/${full}/raw/${refName}/${entryPath}` : null,
      _links: { self, git, html },
    };
  };
  const describe = (entryPath: string, item: TreeItem) => {
    const kind = item.type === "commit" ? "submodule" : item.mode === "120000" ? "symlink" : "file";
    return {
      type: kind,
      size: size(repo, item),
      name: entryPath.split("/").at(-1)!,
      path: entryPath,
      sha: item.sha,
      ...links(kind, entryPath, item.sha),
    };
  };

  const file = tree.files.get(path);
  if (file) {
    const entry = describe(path, file);
    if (entry.type === "symlink") {
      return ok({ ...entry, target: repo.graph.blobs.get(file.sha) ?? "" });
    }
    if (entry.type === "submodule") return ok({ ...entry, submodule_git_url: null });
    return ok({
      ...entry,
      encoding: "base64",
      content: base64Lines(repo.graph.blobs.get(file.sha) ?? ""),
    });
  }
  const dirSha = path === "" ? repo.graph.treeOf(commit.sha) : tree.dirs.get(path);
  if (!dirSha) return notFound();
  const prefix = path === "" ? "" : `${path}/`;
  const dir = repo.graph.trees.get(dirSha)!;
  const entries: unknown[] = [];
  for (const [inner, item] of dir.files) {
    if (!inner.includes("/")) entries.push(describe(`${prefix}${inner}`, item));
  }
  for (const [inner, sha] of dir.dirs) {
    if (inner.includes("/")) continue;
    entries.push({
      type: "dir",
      size: 0,
      name: inner,
      path: `${prefix}${inner}`,
      sha,
      ...links("dir", `${prefix}${inner}`, sha),
    });
  }
  return ok(
    (entries as { name: string }[]).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    ),
  );
}
