import type { GitHubReader } from "../../specialists/tools.ts";
import { createInstallationOctokit } from "../adapters/github/app.ts";
import { createGitHubReader } from "../adapters/github/reader.ts";
import { createDeliveryGitHub } from "../adapters/github/writer.ts";
import type { Config } from "../config/index.ts";
import type { DeliveryGitHub } from "../delivery/types.ts";
import { AppError, ErrorCode } from "../domain/errors.ts";
import { githubApp } from "./pipeline.ts";

/**
 * The read and write ports of one repository through the configured GitHub App, for a
 * command run by a human (`prode learnings export --pr`): the installation token is short
 * lived and held in memory only.
 */
export async function repositoryPorts(
  config: Config,
  repository: string,
): Promise<{ reader: Required<Pick<GitHubReader, "getFile">>; writer: DeliveryGitHub }> {
  if (!config.github) {
    throw new AppError(
      ErrorCode.BadInput,
      "GitHub is not configured: set GITHUB_APP_ID, GITHUB_PRIVATE_KEY, GITHUB_INSTALLATION_ID and GITHUB_REPOSITORY",
    );
  }
  const match = /^([\w.-]+)\/([\w.-]+)$/.exec(repository);
  if (!match)
    throw new AppError(ErrorCode.BadInput, `repository must be owner/name, got ${repository}`);
  const [, owner, repo] = match as unknown as [string, string, string];
  const octokit = await createInstallationOctokit(githubApp(config.github));
  const reader = createGitHubReader({ octokit, owner, repo, timeoutMs: 30_000 });
  return {
    reader: { getFile: (path, ref) => reader.getFile!(path, ref) },
    writer: createDeliveryGitHub({ octokit, owner, repo, timeoutMs: 30_000 }),
  };
}
