import type { Octokit } from "@octokit/rest";
import type { DeliveryGitHub, PullRef, RepoFile, TreeCaps } from "../../delivery/types.ts";
import { AppError, ErrorCode } from "../../domain/errors.ts";
import { type RetryObserver, withRetry } from "../retry.ts";
import { githubError } from "./errors.ts";

/**
 * The write-capable GitHub port of delivery (src/delivery/types.ts DeliveryGitHub) over
 * an installation Octokit (createInstallationOctokit): files are read and a commit is
 * made with the Git Data API (https://docs.github.com/en/rest/git), never `git push`, so
 * the installation token stays in this closure. Errors are converted once (githubError).
 * Only calls that are safe to repeat are retried: reads, content-addressed blobs and
 * trees, a forced ref move to a fixed SHA, and labels (a set). Creating a commit, a ref or
 * a pull request is not retried; `pushCommit` and the callers of `createDraftPull` find a
 * previous attempt's result instead (branch head, pull by head branch).
 */
export interface DeliveryGitHubOptions {
  octokit: Octokit;
  owner: string;
  repo: string;
  /** Per-request budget; unlimited when absent. */
  timeoutMs?: number;
  onRetry?: RetryObserver;
}

/** The identity of prode's commits (the App's bot; GitHub shows it as the author). */
export const PRODE_AUTHOR = {
  name: "prode[bot]",
  email: "prode[bot]@users.noreply.github.com",
} as const;

/** One entry of `POST git/trees` as Octokit types it (mode is a union of literals). */
type GitTreeEntry = NonNullable<
  NonNullable<Parameters<Octokit["rest"]["git"]["createTree"]>[0]>["tree"]
>[number];

const PER_PAGE = 100;
/** Blob downloads and uploads in flight at once. */
const CONCURRENCY = 8;
const SYMLINK_MODE = "120000";
const FILE_MODES = new Set(["100644", "100755", SYMLINK_MODE]);

/** `run` over `items`, at most `limit` at a time, results in input order. */
async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  run: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await run(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

interface PullLike {
  number: number;
  html_url: string;
  state: string;
  draft?: boolean | null;
  merged_at?: string | null;
  merged?: boolean;
  merge_commit_sha?: string | null;
  head: { sha: string; ref: string };
  labels: ({ name?: string } | string)[];
}

function toPullRef(pull: PullLike): PullRef {
  return {
    number: pull.number,
    url: pull.html_url,
    state: pull.state === "closed" ? "closed" : "open",
    // The list form has no `merged`; `merged_at` says the same.
    merged: pull.merged ?? Boolean(pull.merged_at),
    draft: pull.draft === true,
    headSha: pull.head.sha,
    headBranch: pull.head.ref,
    labels: pull.labels
      .map((l) => (typeof l === "string" ? l : (l.name ?? "")))
      .filter((name) => name !== ""),
    ...(pull.merged_at ? { mergedAt: pull.merged_at } : {}),
    ...(pull.merged_at && pull.merge_commit_sha ? { mergeCommitSha: pull.merge_commit_sha } : {}),
  };
}

export function createDeliveryGitHub(options: DeliveryGitHubOptions): DeliveryGitHub {
  const { octokit, owner, repo } = options;
  const fullName = `${owner}/${repo}`;
  const base = { owner, repo };
  const request = () =>
    options.timeoutMs === undefined
      ? {}
      : { request: { signal: AbortSignal.timeout(options.timeoutMs) } };
  const once = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw githubError(error, `${what} (${fullName})`);
    }
  };
  const repeatable = <T>(what: string, run: () => Promise<T>): Promise<T> =>
    withRetry(() => once(what, run), {
      service: "github",
      what,
      ...(options.onRetry ? { onRetry: options.onRetry } : {}),
    });

  const getCommit = (sha: string) =>
    repeatable("GET /repos/{owner}/{repo}/git/commits/{commit_sha}", () =>
      octokit.rest.git.getCommit({ ...base, commit_sha: sha, ...request() }),
    ).then((r) => r.data);

  // matching-refs answers an empty list for a missing branch, where `git/ref` answers a
  // 404 that Octokit logs as an error on every first push.
  const branchHead = async (branch: string): Promise<string | null> => {
    const { data } = await repeatable("GET /repos/{owner}/{repo}/git/matching-refs/{ref}", () =>
      octokit.rest.git.listMatchingRefs({ ...base, ref: `heads/${branch}`, ...request() }),
    );
    // A prefix match: `prode/ENG-1` also matches `prode/ENG-12`.
    return data.find((ref) => ref.ref === `refs/heads/${branch}`)?.object.sha ?? null;
  };

  const findPullByHead = async (branch: string): Promise<PullRef | null> => {
    const { data } = await repeatable("GET /repos/{owner}/{repo}/pulls", () =>
      octokit.rest.pulls.list({
        ...base,
        head: `${owner}:${branch}`,
        state: "all",
        per_page: PER_PAGE,
        ...request(),
      }),
    );
    // An open one first; else the newest (GitHub lists newest first).
    const pull = data.find((p) => p.state === "open") ?? data[0];
    return pull ? toPullRef(pull) : null;
  };

  return {
    fullName,

    async defaultBranch() {
      const { data } = await repeatable("GET /repos/{owner}/{repo}", () =>
        octokit.rest.repos.get({ ...base, ...request() }),
      );
      const sha = await branchHead(data.default_branch);
      if (!sha) {
        throw new AppError(
          ErrorCode.NotFound,
          `GitHub: the default branch ${data.default_branch} of ${fullName} has no head`,
        );
      }
      return { name: data.default_branch, sha };
    },

    /**
     * Regular files and symlinks (mode 120000, content = the link's target, which the
     * worktree checks stays inside); submodules are left out (their files live in another
     * repository). The caps are checked on the tree listing, before any blob is fetched.
     */
    async readTree(sha: string, caps: TreeCaps): Promise<RepoFile[]> {
      const commit = await getCommit(sha);
      const { data: tree } = await repeatable(
        "GET /repos/{owner}/{repo}/git/trees/{tree_sha}",
        () =>
          octokit.rest.git.getTree({
            ...base,
            tree_sha: commit.tree.sha,
            recursive: "1",
            ...request(),
          }),
      );
      if (tree.truncated) {
        // GitHub cuts a recursive listing at 100,000 entries / 7 MB: far over any cap.
        throw new AppError(
          ErrorCode.BadInput,
          `the tree of ${fullName}@${sha} is too large to list (GitHub truncated it); over the worktree caps`,
        );
      }
      const blobs = tree.tree.filter(
        (e) => e.type === "blob" && e.path && e.sha && FILE_MODES.has(e.mode ?? ""),
      );
      if (blobs.length > caps.maxFiles) {
        throw new AppError(
          ErrorCode.BadInput,
          `${fullName}@${sha.slice(0, 12)} has ${blobs.length} files, over the worktree cap maxFiles=${caps.maxFiles}`,
        );
      }
      const bytes = blobs.reduce((sum, e) => sum + (e.size ?? 0), 0);
      if (bytes > caps.maxBytes) {
        throw new AppError(
          ErrorCode.BadInput,
          `${fullName}@${sha.slice(0, 12)} holds ${bytes} bytes, over the worktree cap maxBytes=${caps.maxBytes}`,
        );
      }
      return mapLimited(blobs, CONCURRENCY, async (entry) => {
        const { data } = await repeatable("GET /repos/{owner}/{repo}/git/blobs/{file_sha}", () =>
          octokit.rest.git.getBlob({ ...base, file_sha: entry.sha!, ...request() }),
        );
        const content =
          data.encoding === "base64"
            ? Buffer.from(data.content, "base64").toString("utf8")
            : data.content;
        return { path: entry.path!, content, mode: entry.mode! };
      });
    },

    branchHead,

    /**
     * Blobs → a tree on the base commit's tree → a commit with the single parent `baseSha`
     * → the branch created or moved (forced: prode owns its `prode/*` branches). A branch
     * whose head already is that commit's equal (same parent, same tree) is left as is, so
     * a retried push after a crash makes no second commit; with a fixed `date`, a push
     * retried before the branch moved makes the same commit object again (content-addressed).
     */
    async pushCommit({ branch, baseSha, message, changes, date }) {
      const baseCommit = await getCommit(baseSha);
      const entries = await mapLimited(changes, CONCURRENCY, async (change) => {
        const mode = change.mode ?? "100644";
        if (change.content === null) {
          return { path: change.path, mode, type: "blob" as const, sha: null };
        }
        const content = change.content;
        const { data } = await repeatable("POST /repos/{owner}/{repo}/git/blobs", () =>
          octokit.rest.git.createBlob({ ...base, content, encoding: "utf-8", ...request() }),
        );
        return { path: change.path, mode, type: "blob" as const, sha: data.sha };
      });
      const { data: tree } = await repeatable("POST /repos/{owner}/{repo}/git/trees", () =>
        octokit.rest.git.createTree({
          ...base,
          base_tree: baseCommit.tree.sha,
          // The port carries modes as strings; GitHub answers 422 to one it does not know.
          tree: entries as GitTreeEntry[],
          ...request(),
        }),
      );

      const head = await branchHead(branch);
      if (head) {
        const current = await getCommit(head);
        const sameParent = current.parents.length === 1 && current.parents[0]?.sha === baseSha;
        if (sameParent && current.tree.sha === tree.sha) return { headSha: head };
      }
      const { data: commit } = await once("POST /repos/{owner}/{repo}/git/commits", () =>
        octokit.rest.git.createCommit({
          ...base,
          message,
          tree: tree.sha,
          parents: [baseSha],
          author: { ...PRODE_AUTHOR, ...(date ? { date } : {}) },
          ...(date ? { committer: { ...PRODE_AUTHOR, date } } : {}),
          ...request(),
        }),
      );
      const moveBranch = () =>
        repeatable("PATCH /repos/{owner}/{repo}/git/refs/{ref}", () =>
          octokit.rest.git.updateRef({
            ...base,
            ref: `heads/${branch}`,
            sha: commit.sha,
            force: true,
            ...request(),
          }),
        );
      if (head) {
        await moveBranch();
      } else {
        try {
          await once("POST /repos/{owner}/{repo}/git/refs", () =>
            octokit.rest.git.createRef({
              ...base,
              ref: `refs/heads/${branch}`,
              sha: commit.sha,
              ...request(),
            }),
          );
        } catch (error) {
          // Created meanwhile (a concurrent attempt): move it to this commit instead.
          if (!(error instanceof AppError && error.code === ErrorCode.UpstreamRejected)) {
            throw error;
          }
          if ((await branchHead(branch)) === null) throw error;
          await moveBranch();
        }
      }
      return { headSha: commit.sha };
    },

    findPullByHead,

    /**
     * `draft: true`, and nothing here can merge or mark it ready. When GitHub answers that
     * a pull request for the branch already exists (a retry after a crash), that one is
     * returned.
     */
    async createDraftPull({ branch, base: baseBranch, title, body }) {
      try {
        const { data } = await once("POST /repos/{owner}/{repo}/pulls", () =>
          octokit.rest.pulls.create({
            ...base,
            head: branch,
            base: baseBranch,
            title,
            body,
            draft: true,
            maintainer_can_modify: false,
            ...request(),
          }),
        );
        return toPullRef(data);
      } catch (error) {
        if (error instanceof AppError && error.code === ErrorCode.UpstreamRejected) {
          const existing = await findPullByHead(branch);
          if (existing && existing.state === "open") return existing;
        }
        throw error;
      }
    },

    async addLabels(pullNumber, labels) {
      const names = [...new Set(labels)];
      if (names.length === 0) return;
      await repeatable("POST /repos/{owner}/{repo}/issues/{issue_number}/labels", () =>
        octokit.rest.issues.addLabels({
          ...base,
          issue_number: pullNumber,
          labels: names,
          ...request(),
        }),
      );
    },

    async countOpenPulls(label) {
      const pulls = await repeatable("GET /repos/{owner}/{repo}/pulls", () =>
        octokit.paginate(octokit.rest.pulls.list, {
          ...base,
          state: "open",
          per_page: PER_PAGE,
          ...request(),
        }),
      );
      return pulls.filter((p) => p.labels.some((l) => l.name === label)).length;
    },
  };
}
