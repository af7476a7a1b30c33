import type { Octokit } from "@octokit/rest";
import type { GitHubReader } from "../../../specialists/tools.ts";
import { type RetryObserver, withRetry } from "../retry.ts";
import { githubError } from "./errors.ts";
import { mapCompare, mapDeployment } from "./map.ts";

/**
 * The read-only GitHub capability (specialists/tools.ts GitHubReader) over Octokit. The
 * Octokit (an installation client that could write) stays inside this closure: the
 * returned object has reads only.
 */
export interface GitHubReaderOptions {
  octokit: Octokit;
  owner: string;
  repo: string;
  /** Per-request budget; unlimited when absent. */
  timeoutMs?: number;
  /** Told about each retry and give-up; rate limits are waited out within the caller's budget. */
  onRetry?: RetryObserver;
}

const MAX_PAGE = 100;

export function createGitHubReader(options: GitHubReaderOptions): GitHubReader {
  const { octokit, owner, repo } = options;
  const request = () =>
    options.timeoutMs === undefined
      ? {}
      : { request: { signal: AbortSignal.timeout(options.timeoutMs) } };
  const call = <T>(what: string, run: () => Promise<T>): Promise<T> =>
    withRetry(
      async () => {
        try {
          return await run();
        } catch (error) {
          throw githubError(error, what);
        }
      },
      { service: "github", what, ...(options.onRetry ? { onRetry: options.onRetry } : {}) },
    );

  return {
    async compare(base, head) {
      const basehead = `${base}...${head}`;
      const { data } = await call(`GET /repos/${owner}/${repo}/compare/{basehead}`, () =>
        octokit.rest.repos.compareCommitsWithBasehead({
          owner,
          repo,
          basehead,
          per_page: MAX_PAGE,
          ...request(),
        }),
      );
      return mapCompare(data);
    },

    async listDeployments({ environment, limit }) {
      const wanted = Math.max(1, Math.floor(limit));
      const { data } = await call(`GET /repos/${owner}/${repo}/deployments`, () =>
        octokit.rest.repos.listDeployments({
          owner,
          repo,
          ...(environment ? { environment } : {}),
          per_page: Math.min(MAX_PAGE, wanted),
          ...request(),
        }),
      );
      // GitHub lists statuses newest first: the first one is the deployment's state now.
      return Promise.all(
        data.slice(0, wanted).map(async (deployment) => {
          const { data: statuses } = await call(
            `GET /repos/${owner}/${repo}/deployments/{deployment_id}/statuses`,
            () =>
              octokit.rest.repos.listDeploymentStatuses({
                owner,
                repo,
                deployment_id: deployment.id,
                per_page: 1,
                ...request(),
              }),
          );
          return mapDeployment(deployment, statuses[0]?.state);
        }),
      );
    },
  };
}
