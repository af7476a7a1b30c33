import type { GithubRepoData } from "./github-data.ts";
import { blobSha, gitObjectSha, lineChanges } from "./github-objects.ts";

export { objectSha } from "./github-objects.ts";

/**
 * The commit graph of one simulated repository: ref resolution, ancestry and the
 * compare computation, plus the tiny object store behind the Git Data API (blobs, trees,
 * commits) that lets a client create a commit without `git push`.
 */

export type Commit = GithubRepoData["commits"][number];
export type FileChange = Commit["files"][number];

/** One file of a tree: a blob (file or symlink) or a submodule's commit. */
export interface TreeItem {
  /** "100644", "100755", "120000" (symlink) or "160000" (submodule). */
  mode: string;
  type: "blob" | "commit";
  sha: string;
}

/**
 * A stored tree: every file below it by relative path, and every directory below it with
 * its own tree SHA, so a tree is listed (non-recursive or recursive) without walking.
 */
export interface StoredTree {
  files: Map<string, TreeItem>;
  dirs: Map<string, string>;
}

export interface CompareResult {
  status: "ahead" | "behind" | "identical" | "diverged";
  ahead: Commit[];
  behindBy: number;
  base: Commit;
  mergeBase: Commit;
  files: FileChange[];
}

/** Directory modes as git writes them in a tree object. */
const TREE_MODE = "40000";

export class RepoGraph {
  readonly commits = new Map<string, Commit>();
  readonly blobs = new Map<string, string>();
  readonly trees = new Map<string, StoredTree>();
  /** Commit SHA → its root tree SHA. */
  private readonly commitTrees = new Map<string, string>();
  readonly emptyTree: string;

  constructor(private readonly repo: GithubRepoData) {
    this.emptyTree = this.storeTree(new Map());
    for (const commit of repo.commits) this.commits.set(commit.sha, commit);
    for (const commit of repo.commits) {
      const treeSha = this.treeOf(commit.sha);
      // A seeded snapshot without a change list: its changes are the diff to its parent.
      if (commit.tree && commit.files.length === 0) {
        commit.files = this.diffTrees(this.parentTree(commit), treeSha);
      }
    }
  }

  /**
   * The root tree of a commit: its own snapshot when the scenario gives one, else its
   * first parent's (a commit that only lists changed files keeps the files it inherits),
   * else the empty tree.
   */
  treeOf(commitSha: string): string {
    const known = this.commitTrees.get(commitSha);
    if (known) return known;
    const commit = this.commits.get(commitSha);
    let treeSha = this.emptyTree;
    if (commit?.tree) treeSha = this.storeSnapshot(commit.tree);
    else if (commit) treeSha = this.parentTree(commit);
    this.commitTrees.set(commitSha, treeSha);
    return treeSha;
  }

  private parentTree(commit: Commit): string {
    const parent = commit.parents[0];
    return parent && this.commits.has(parent) ? this.treeOf(parent) : this.emptyTree;
  }

  putBlob(content: string): string {
    const sha = blobSha(content);
    this.blobs.set(sha, content);
    return sha;
  }

  /** A scenario snapshot (path → content, or content and mode) as a stored tree. */
  private storeSnapshot(snapshot: NonNullable<Commit["tree"]>): string {
    const files = new Map<string, TreeItem>();
    for (const [path, file] of Object.entries(snapshot)) {
      const { content, mode } = typeof file === "string" ? { content: file, mode: "100644" } : file;
      files.set(path, { mode, type: "blob", sha: this.putBlob(content) });
    }
    return this.storeTree(files);
  }

  /**
   * Stores a tree from its files (relative paths) and every subtree below it, with the
   * SHAs git would compute, and returns the root's SHA.
   */
  storeTree(files: Map<string, TreeItem>): string {
    const here = new Map<string, { mode: string; sha: string }>();
    const below = new Map<string, Map<string, TreeItem>>();
    for (const [path, item] of files) {
      const slash = path.indexOf("/");
      if (slash < 0) {
        here.set(path, item);
        continue;
      }
      const dir = path.slice(0, slash);
      if (!below.has(dir)) below.set(dir, new Map());
      below.get(dir)!.set(path.slice(slash + 1), item);
    }
    const dirs = new Map<string, string>();
    for (const [dir, sub] of below) {
      const subSha = this.storeTree(sub);
      here.set(dir, { mode: TREE_MODE, sha: subSha });
      dirs.set(dir, subSha);
      for (const [inner, innerSha] of this.trees.get(subSha)!.dirs)
        dirs.set(`${dir}/${inner}`, innerSha);
    }
    // Git orders entries by name, a directory's name compared as if it ended in "/".
    const key = (name: string, mode: string) => (mode === TREE_MODE ? `${name}/` : name);
    const ordered = [...here].sort(([a, x], [b, y]) => {
      const ka = key(a, x.mode);
      const kb = key(b, y.mode);
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
    const body = Buffer.concat(
      ordered.flatMap(([name, entry]) => [
        Buffer.from(`${entry.mode} ${name}\0`),
        Buffer.from(entry.sha, "hex"),
      ]),
    );
    const sha = gitObjectSha("tree", body);
    if (!this.trees.has(sha)) this.trees.set(sha, { files: new Map(files), dirs });
    return sha;
  }

  /** What changed from tree `before` to tree `after`, per file, with line counts. */
  diffTrees(before: string, after: string): FileChange[] {
    const left = this.trees.get(before)?.files ?? new Map<string, TreeItem>();
    const right = this.trees.get(after)?.files ?? new Map<string, TreeItem>();
    const text = (item: TreeItem | undefined) =>
      item && item.type === "blob" ? (this.blobs.get(item.sha) ?? "") : "";
    const changes: FileChange[] = [];
    for (const path of [...new Set([...left.keys(), ...right.keys()])].sort()) {
      const a = left.get(path);
      const b = right.get(path);
      if (a && b && a.sha === b.sha && a.mode === b.mode) continue;
      const status = !a ? "added" : !b ? "removed" : "modified";
      changes.push({ filename: path, status, ...lineChanges(text(a), text(b)) });
    }
    return changes;
  }

  /**
   * The tree of merging `head` into `base`: base's files with every change head made since
   * their merge base (the world never has conflicts to resolve).
   */
  mergeTree(base: string, mergeBase: string, head: string): string {
    const files = new Map(this.trees.get(base)?.files);
    const from = this.trees.get(mergeBase)?.files ?? new Map<string, TreeItem>();
    const to = this.trees.get(head)?.files ?? new Map<string, TreeItem>();
    for (const path of new Set([...from.keys(), ...to.keys()])) {
      const a = from.get(path);
      const b = to.get(path);
      if (a?.sha === b?.sha && a?.mode === b?.mode) continue;
      if (b) files.set(path, b);
      else files.delete(path);
    }
    return this.storeTree(files);
  }

  /**
   * A ref as GitHub accepts it in URLs: a branch name, `refs/heads/…`, `owner:branch`
   * (compare), a full SHA, or an abbreviated SHA of at least 7 characters.
   */
  resolve(ref: string): Commit | undefined {
    const name = ref.replace(/^refs\/heads\//, "").replace(/^[^:]+:/, "");
    const branchSha = this.repo.branches[name];
    if (branchSha) return this.commits.get(branchSha);
    if (/^[0-9a-f]{7,40}$/.test(name)) {
      const matches = [...this.commits.keys()].filter((sha) => sha.startsWith(name));
      return matches.length === 1 ? this.commits.get(matches[0]!) : undefined;
    }
    return undefined;
  }

  /** Every commit reachable from `sha` (itself included), breadth-first. */
  ancestors(sha: string): string[] {
    const seen = new Set<string>();
    const queue = [sha];
    while (queue.length > 0) {
      const next = queue.shift()!;
      if (seen.has(next)) continue;
      seen.add(next);
      for (const parent of this.commits.get(next)?.parents ?? []) queue.push(parent);
    }
    return [...seen];
  }

  /**
   * Compares like GitHub's `base...head`: commits reachable from head but not from base
   * (oldest first), how far base is ahead, and the files those commits touch. Files are
   * summed per path over the commits; when several commits touch one file the patch is
   * their patches in order, not a recomputed combined diff.
   */
  compare(base: Commit, head: Commit): CompareResult {
    const fromBase = new Set(this.ancestors(base.sha));
    const fromHeadOrdered = this.ancestors(head.sha);
    const fromHead = new Set(fromHeadOrdered);
    const ahead = fromHeadOrdered
      .filter((sha) => !fromBase.has(sha))
      .map((sha) => this.commits.get(sha)!)
      .sort((a, b) => Date.parse(a.author.date) - Date.parse(b.author.date));
    const behindBy = [...fromBase].filter((sha) => !fromHead.has(sha)).length;
    const mergeBaseSha = fromHeadOrdered.find((sha) => fromBase.has(sha));
    const status =
      ahead.length === 0 && behindBy === 0
        ? "identical"
        : behindBy === 0
          ? "ahead"
          : ahead.length === 0
            ? "behind"
            : "diverged";
    return {
      status,
      ahead,
      behindBy,
      base,
      mergeBase: (mergeBaseSha && this.commits.get(mergeBaseSha)) || base,
      files: combineFiles(ahead),
    };
  }

  /**
   * Adds a commit with its tree: `treeSha` for one made through the Git Data API, else its
   * own snapshot or its parent's (see treeOf).
   */
  addCommit(commit: Commit, treeSha?: string): void {
    // Same content, parents and message give the same id, as in git: store it once.
    if (this.commits.has(commit.sha)) return;
    this.repo.commits.push(commit);
    this.commits.set(commit.sha, commit);
    if (treeSha) this.commitTrees.set(commit.sha, treeSha);
    const tree = this.treeOf(commit.sha);
    if (commit.tree && commit.files.length === 0) {
      commit.files = this.diffTrees(this.parentTree(commit), tree);
    }
  }
}

function combineFiles(commits: Commit[]): FileChange[] {
  const byName = new Map<string, FileChange>();
  for (const commit of commits) {
    for (const file of commit.files) {
      const seen = byName.get(file.filename);
      if (!seen) {
        byName.set(file.filename, { ...file });
        continue;
      }
      seen.additions += file.additions;
      seen.deletions += file.deletions;
      if (file.status === "removed") seen.status = "removed";
      if (file.patch) seen.patch = seen.patch ? `${seen.patch}\n${file.patch}` : file.patch;
    }
  }
  return [...byName.values()];
}
