import type { GitHubReader, RepoCommit } from "../../../specialists/tools.ts";

/**
 * GitHub payloads mapped down to what specialists read: SHAs, first-line-and-body commit
 * messages, logins (never author emails), file names and line counts (never patches),
 * and a file's decoded text (redacted by the reader).
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

export function mapDeployment(
  d: DeploymentPayload,
  latestState: string | undefined,
  succeededAt?: string,
): Deployment {
  return {
    id: d.id,
    sha: d.sha,
    ref: d.ref,
    environment: d.environment,
    createdAt: d.created_at,
    ...(latestState ? { state: latestState } : {}),
    ...(succeededAt ? { finishedAt: succeededAt } : {}),
  };
}

/** "Get repository content" for one file (a directory answers with an array instead). */
export interface ContentFilePayload {
  type: string;
  path: string;
  sha: string;
  size: number;
  /** Base64 (GitHub wraps it at 60 characters); empty above 1 MB, with encoding "none". */
  content?: string;
  encoding?: string;
}

/** Git Data API "Get a commit". */
export interface GitCommitPayload {
  sha: string;
  message: string;
  parents: { sha: string }[];
  author?: { date?: string | null } | null;
}

/**
 * A content payload's text, or why it has none: not a file, no inline content (GitHub
 * leaves it out above 1 MB), or not text (a NUL byte, or invalid UTF-8).
 */
export function decodeContentFile(
  data: ContentFilePayload,
): { ok: true; text: string } | { ok: false; reason: string } {
  if (data.type !== "file") return { ok: false, reason: `${data.path} is a ${data.type}` };
  if (data.encoding !== "base64" || data.content === undefined) {
    return { ok: false, reason: `${data.path} has no inline content (${data.size} bytes)` };
  }
  const bytes = Buffer.from(data.content, "base64");
  if (bytes.includes(0)) return { ok: false, reason: `${data.path} is binary` };
  try {
    return { ok: true, text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    return { ok: false, reason: `${data.path} is not UTF-8 text` };
  }
}

export function mapGitCommit(data: GitCommitPayload): RepoCommit {
  return {
    sha: data.sha,
    parents: data.parents.map((p) => p.sha),
    message: data.message,
    date: data.author?.date ?? "",
  };
}
