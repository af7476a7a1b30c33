import { App } from "@octokit/app";
import { Octokit } from "@octokit/rest";
import { asAppError } from "../../domain/errors.ts";
import { githubError } from "./errors.ts";

/**
 * The GitHub App side: an installation-scoped Octokit for the composition root (which
 * wraps it in read-only capabilities before any specialist sees it) and the inventory
 * probe. @octokit/app signs the app JWT and mints (and renews) installation tokens.
 */

/** A key as a string or as config's Secret (which prints as **********). */
export type PrivateKey = string | { reveal(): string };

export interface GitHubAppOptions {
  appId: string | number;
  privateKey: PrivateKey;
  installationId: number;
  /** "https://api.github.com" or the simulated world's `<world>/github`. */
  baseUrl?: string;
}

function createApp(options: GitHubAppOptions) {
  const privateKey =
    typeof options.privateKey === "string" ? options.privateKey : options.privateKey.reveal();
  return new App({
    appId: options.appId,
    privateKey,
    Octokit: Octokit.defaults({
      ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
      // Octokit logs each failed request (`GET … - 404`) to the console, outside prode's
      // redacting logger; every failure is converted and handled (errors.ts), so quiet.
      log: QUIET,
    }),
  });
}

const quiet = () => {};
const QUIET = { debug: quiet, info: quiet, warn: quiet, error: quiet };

/**
 * An Octokit authenticated as the installation, its token renewed by @octokit/app. With
 * `app`, reuses the App already built from `options` (the probe signs with it too).
 */
export async function createInstallationOctokit(
  options: GitHubAppOptions,
  app?: ReturnType<typeof createApp>,
): Promise<Octokit> {
  try {
    // @octokit/app types the client as its Octokit option's instance; it is @octokit/rest's.
    return (await (app ?? createApp(options)).getInstallationOctokit(
      options.installationId,
    )) as unknown as Octokit;
  } catch (error) {
    throw githubError(error, `POST /app/installations/${options.installationId}/access_tokens`);
  }
}

export type GitHubProbe =
  | { ok: true; installationId: number; account: string; repository: string }
  | { ok: false; reason: string };

/**
 * For INVENTORY_TOOLS: the app JWT opens the installation (`GET
 * /app/installations/{id}`) and the installation token can read the repository. Never
 * throws; the reason names the AppError code.
 */
export async function probeGitHub(
  options: GitHubAppOptions & { owner: string; repo: string },
): Promise<GitHubProbe> {
  try {
    const app = createApp(options);
    const { data: installation } = await app.octokit
      .request("GET /app/installations/{installation_id}", {
        installation_id: options.installationId,
      })
      .catch((error: unknown) => {
        throw githubError(error, "GET /app/installations/{installation_id}");
      });
    const octokit = await createInstallationOctokit(options, app);
    const { data: repository } = await octokit.rest.repos
      .get({ owner: options.owner, repo: options.repo })
      .catch((error: unknown) => {
        throw githubError(error, `GET /repos/${options.owner}/${options.repo}`);
      });
    const account =
      installation.account && "login" in installation.account
        ? installation.account.login
        : String(installation.account?.id ?? "");
    return {
      ok: true,
      installationId: installation.id,
      account,
      repository: repository.full_name,
    };
  } catch (error) {
    const appError = asAppError(error);
    return { ok: false, reason: `${appError.code}: ${appError.message}` };
  }
}
