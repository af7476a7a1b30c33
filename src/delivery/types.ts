/**
 * The ports of delivery (DESIGN.md, "Delivery (only after the gate)"): what the
 * CREATE_WORKTREE → IMPLEMENT → VERIFY → REVIEW → OPEN_PR phases use. Only delivery
 * phases may hold the write-capable {@link DeliveryGitHub}; specialists never see it
 * (test/architecture.test.ts).
 */

/** One file of a repository tree, as text. */
export interface RepoFile {
  /** Repository-relative POSIX path. */
  path: string;
  content: string;
  /** Git file mode ("100644", "100755"); "100644" when absent. */
  mode?: string;
}

/** A pull request as delivery needs it. */
export interface PullRef {
  number: number;
  url: string;
  state: "open" | "closed";
  merged: boolean;
  draft: boolean;
  headSha: string;
  headBranch: string;
  labels: string[];
  /** When merged: the merge commit and its time (the post-merge monitor looks for its deploy). */
  mergeCommitSha?: string;
  mergedAt?: string;
}

/** One change of a pushed commit: new content, or null to delete the path. */
export interface FileChangeInput {
  path: string;
  content: string | null;
  mode?: string;
}

/** Caps on what a worktree may hold (policy `delivery.worktree`). */
export interface TreeCaps {
  maxFiles: number;
  maxBytes: number;
}

/**
 * The write-capable GitHub port, bound to one repository with a short-lived installation
 * token that never leaves the adapter. Errors are AppErrors (`src/adapters/github/errors.ts`).
 */
export interface DeliveryGitHub {
  readonly fullName: string;
  /** The default branch and its head commit now. */
  defaultBranch(): Promise<{ name: string; sha: string }>;
  /** Every blob of the tree at commit `sha`; AppError bad_input naming the cap when over it. */
  readTree(sha: string, caps: TreeCaps): Promise<RepoFile[]>;
  /** The branch's head SHA, or null when the branch does not exist. */
  branchHead(branch: string): Promise<string | null>;
  /**
   * One commit on `baseSha` with `changes` (Git Data API: blobs, tree on the base tree,
   * commit), then the branch created at it, or moved to it when it exists. Returns the
   * commit's SHA. With `date` (ISO 8601) the commit's author and committer dates are
   * fixed, so a retried push makes the very same commit object (same SHA) instead of an
   * unreferenced twin.
   */
  pushCommit(input: {
    branch: string;
    baseSha: string;
    message: string;
    changes: FileChangeInput[];
    date?: string;
  }): Promise<{ headSha: string }>;
  /** The pull request whose head is `branch`, in any state; null when none. */
  findPullByHead(branch: string): Promise<PullRef | null>;
  /** Opens a draft pull request (never ready for review, never merged). */
  createDraftPull(input: {
    branch: string;
    base: string;
    title: string;
    body: string;
  }): Promise<PullRef>;
  /** Adds labels (idempotent: labels already there stay once). */
  addLabels(pullNumber: number, labels: string[]): Promise<void>;
  /** Open pull requests carrying `label` in this repository. */
  countOpenPulls(label: string): Promise<number>;
}

/** One changed file of a worktree against its base commit. */
export interface DiffFile {
  path: string;
  status: "added" | "modified" | "removed";
  additions: number;
  deletions: number;
  /** The file's new content; null when removed. */
  content: string | null;
  mode?: string;
  /** A symbolic link (never pushed: it can point outside the repository). */
  symlink?: boolean;
  /** A binary file (not reviewed as text; never pushed). */
  binary?: boolean;
}

/** What the coding agent changed in the worktree. */
export interface WorktreeDiff {
  files: DiffFile[];
  /** Unified diff (git diff) of every change, for the artifact and the PR. */
  patch: string;
  /** additions + deletions over every file. */
  lines: number;
}

/** A finished child process (the agent, a check, the reviewer). */
export interface CommandResult {
  exitCode: number | null;
  /** The signal that ended it, e.g. "SIGKILL" after a timeout. */
  signal: string | null;
  timedOut: boolean;
  /** Output, capped and already redacted. */
  stdout: string;
  stderr: string;
  /** The output was cut at the cap. */
  truncated: boolean;
  durationMs: number;
  /** The OS sandbox it ran in (sandbox.ts), when one was asked for; "none" when `auto` found none. */
  sandbox?: "bwrap" | "unshare" | "none";
}

/** A check a service declares (policy `delivery.checks`). */
export interface CheckSpec {
  name: string;
  /** A command line, split like a shell would (no shell runs it). */
  command: string;
  timeout_seconds: number;
}

export interface CheckResult extends CommandResult {
  name: string;
  command: string;
  passed: boolean;
}

/** REVIEW's finding about the diff. `blocking` stops the run; `approval` needs a human. */
export interface ReviewFinding {
  rule:
    | "diff_size"
    | "forbidden_path"
    | "secret"
    | "scope"
    | "agent_instructions"
    | "ci_config"
    | "symlink"
    | "binary"
    | "reviewer";
  severity: "blocking" | "approval" | "note";
  message: string;
  path?: string;
}
