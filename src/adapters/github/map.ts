import type { GitHubReader } from "../../../specialists/tools.ts";

/**
 * GitHub payloads mapped down to what specialists read: SHAs, first-line-and-body commit
 * messages, logins (never author emails), file names and line counts (never patches).
 */

type CompareResult = Awaited<ReturnType<GitHubReader["compare"]>>;
type Deployment = Awaited<ReturnType<GitHubReader["listDeployments"]>>[number];

export interface CompareCommitPayload {
  sha: string;
  commit: {
    message: string;
    author?: { name?: string | null; date?: string | null } | null;
    committer?: { date?: string | null } | null;
  };
  author?: { login?: string | null } | null;
}

export interface ComparePayload {
  commits: CompareCommitPayload[];
  files?: { filename: string; status?: string; additions?: number; deletions?: number }[];
}

export interface DeploymentPayload {
  id: number;
  sha: string;
  ref: string;
  environment: string;
  created_at: string;
}

/** The person as GitHub shows them publicly: login first, else the commit's name. */
function authorOf(commit: CompareCommitPayload): string {
  return commit.author?.login ?? commit.commit.author?.name ?? "unknown";
}

export function mapCompare(data: ComparePayload): CompareResult {
  return {
    commits: data.commits.map((c) => ({
      sha: c.sha,
      message: c.commit.message,
      author: authorOf(c),
      date: c.commit.author?.date ?? c.commit.committer?.date ?? "",
    })),
    files: (data.files ?? []).map((f) => ({
      filename: f.filename,
      status: f.status ?? "modified",
      additions: f.additions ?? 0,
      deletions: f.deletions ?? 0,
    })),
  };
}

export function mapDeployment(d: DeploymentPayload, latestState: string | undefined): Deployment {
  return {
    id: d.id,
    sha: d.sha,
    ref: d.ref,
    environment: d.environment,
    createdAt: d.created_at,
    ...(latestState ? { state: latestState } : {}),
  };
}
