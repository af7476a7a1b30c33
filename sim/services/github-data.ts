import { z } from "zod";

/**
 * The GitHub slice of a scenario file: the App, its installations and the repositories
 * it can see. Responses are rendered in GitHub REST shapes
 * (https://docs.github.com/en/rest); the scenario only holds the facts. Times are
 * ISO-8601 strings.
 */

const isoTime = z.iso.datetime({ offset: true });
const sha = z.string().regex(/^[0-9a-f]{40}$/, "a 40-character hex commit SHA");

const fileChangeSchema = z.object({
  filename: z.string(),
  status: z
    .enum(["added", "removed", "modified", "renamed", "copied", "changed", "unchanged"])
    .default("modified"),
  additions: z.number().int().nonnegative().default(0),
  deletions: z.number().int().nonnegative().default(0),
  patch: z.string().optional(),
  previous_filename: z.string().optional(),
});

/** A repository-relative POSIX path: no leading or trailing slash, no empty, "." or ".." part. */
export const repoPath = z
  .string()
  .refine(
    (p) => p.split("/").every((part) => part !== "" && part !== "." && part !== ".."),
    "a relative path without empty, '.' or '..' parts",
  );

/** A file of a snapshot: its text, or its text and mode (executable, symlink target). */
const snapshotFileSchema = z.union([
  z.string(),
  z.object({
    content: z.string(),
    mode: z.enum(["100644", "100755", "120000"]).default("100644"),
  }),
]);

export const githubCommitSchema = z.object({
  sha,
  message: z.string(),
  author: z.object({
    name: z.string(),
    email: z.string(),
    /** GitHub login of the author, when the email maps to a user. */
    login: z.string().optional(),
    date: isoTime,
  }),
  /** Parent SHAs (first parent first). Ancestry drives `compare`. */
  parents: z.array(sha).default([]),
  /** Changed files (compare, pull files); computed from the snapshots when left empty. */
  files: z.array(fileChangeSchema).default([]),
  /**
   * The full snapshot of the repository at this commit, path → content. A commit without
   * one has its first parent's files (or none): its `files` list what changed, not what is.
   */
  tree: z.record(repoPath, snapshotFileSchema).optional(),
});

const deploymentStatusSchema = z.object({
  id: z.number().int().positive().optional(),
  state: z.enum(["error", "failure", "inactive", "in_progress", "queued", "pending", "success"]),
  description: z.string().default(""),
  environment_url: z.string().default(""),
  log_url: z.string().default(""),
  created_at: isoTime,
});

export const githubDeploymentSchema = z.object({
  id: z.number().int().positive(),
  sha,
  ref: z.string(),
  task: z.string().default("deploy"),
  environment: z.string().default("production"),
  description: z.string().nullable().default(null),
  creator: z.string().default("deploy-bot"),
  created_at: isoTime,
  /** Newest last; the API lists them newest first. */
  statuses: z.array(deploymentStatusSchema).default([]),
});

const labelSchema = z.object({
  name: z.string(),
  color: z.string().default("ededed"),
  description: z.string().nullable().default(null),
});

const pullSchema = z.object({
  number: z.number().int().positive(),
  title: z.string(),
  body: z.string().nullable().default(null),
  /** Branch name in this repository. */
  head: z.string(),
  base: z.string(),
  state: z.enum(["open", "closed"]).default("open"),
  merged: z.boolean().default(false),
  draft: z.boolean().default(false),
  user: z.string().default("octocat"),
  labels: z.array(z.string()).default([]),
  created_at: isoTime,
});

const githubRepoSchema = z.object({
  owner: z.string(),
  name: z.string(),
  id: z.number().int().positive().optional(),
  private: z.boolean().default(true),
  default_branch: z.string().default("main"),
  /** Branch name → head SHA. */
  branches: z.record(z.string(), sha).default({}),
  commits: z.array(githubCommitSchema).default([]),
  deployments: z.array(githubDeploymentSchema).default([]),
  labels: z.array(labelSchema).default([]),
  pulls: z.array(pullSchema).default([]),
});

/** What prode's App asks for: write where it opens PRs and labels, read elsewhere. */
const APP_PERMISSIONS: Record<string, "read" | "write" | "admin"> = {
  contents: "write",
  pull_requests: "write",
  issues: "write",
  deployments: "read",
  metadata: "read",
};

export const githubDataSchema = z.object({
  app: z
    .object({
      id: z.number().int().positive(),
      slug: z.string(),
      name: z.string(),
      owner: z.string(),
      permissions: z
        .record(z.string(), z.enum(["read", "write", "admin"]))
        .default(APP_PERMISSIONS),
      events: z.array(z.string()).default(["pull_request"]),
    })
    .default({
      id: 1,
      slug: "prode",
      name: "prode",
      owner: "acme",
      permissions: APP_PERMISSIONS,
      events: ["pull_request"],
    }),
  installations: z
    .array(
      z.object({
        id: z.number().int().positive(),
        account: z.string(),
        account_type: z.enum(["Organization", "User"]).default("Organization"),
        repository_selection: z.enum(["all", "selected"]).default("selected"),
        permissions: z.record(z.string(), z.enum(["read", "write", "admin"])).optional(),
      }),
    )
    .default([]),
  /**
   * Tokens accepted in `Authorization` besides the installation tokens the world mints.
   * When empty any non-empty token is accepted.
   */
  tokens: z.array(z.string().min(1)).default([]),
  repos: z.array(githubRepoSchema).default([]),
  /** Lifetime of minted installation tokens (GitHub: one hour). */
  installationTokenTtlSeconds: z.number().int().positive().default(3600),
});

export type GithubData = z.infer<typeof githubDataSchema>;
export type GithubDataInput = z.input<typeof githubDataSchema>;
export type GithubRepoData = z.infer<typeof githubRepoSchema>;
