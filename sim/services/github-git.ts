import { createHash } from "node:crypto";
import type { GithubRepoData } from "./github-data.ts";

/**
 * The commit graph of one simulated repository: ref resolution, ancestry and the
 * compare computation, plus the tiny object store behind the Git Data API (blobs, trees,
 * commits) that lets a client create a commit without `git push`.
 */

export type Commit = GithubRepoData["commits"][number];
export type FileChange = Commit["files"][number];

export interface TreeEntry {
  path: string;
  mode: string;
  type: "blob" | "tree" | "commit";
  /** null deletes the path (GitHub's tree API convention). */
  sha: string | null;
}

export interface CompareResult {
  status: "ahead" | "behind" | "identical" | "diverged";
  ahead: Commit[];
  behindBy: number;
  base: Commit;
  mergeBase: Commit;
  files: FileChange[];
}

/** A stable 40-hex object id for synthetic objects (blobs, trees, merge commits). */
export function objectSha(...parts: string[]): string {
  return createHash("sha1").update(parts.join("\0")).digest("hex");
}

export class RepoGraph {
  readonly commits = new Map<string, Commit>();
  readonly blobs = new Map<string, string>();
  readonly trees = new Map<string, TreeEntry[]>();

  constructor(private readonly repo: GithubRepoData) {
    for (const commit of repo.commits) this.commits.set(commit.sha, commit);
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

  addCommit(commit: Commit): void {
    // Same content, parents and message give the same id, as in git: store it once.
    if (this.commits.has(commit.sha)) return;
    this.repo.commits.push(commit);
    this.commits.set(commit.sha, commit);
  }

  /** Files a tree changes, for a commit made through the Git Data API. */
  filesOfTree(treeSha: string): FileChange[] {
    return (this.trees.get(treeSha) ?? [])
      .filter((entry) => entry.type === "blob")
      .map((entry) => {
        if (entry.sha === null) {
          return { filename: entry.path, status: "removed" as const, additions: 0, deletions: 0 };
        }
        const content = this.blobs.get(entry.sha) ?? "";
        const lines = content === "" ? 0 : content.replace(/\n$/, "").split("\n").length;
        // Without the parent's content the world cannot diff: every line counts as added.
        return {
          filename: entry.path,
          status: "modified" as const,
          additions: lines,
          deletions: 0,
        };
      });
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
