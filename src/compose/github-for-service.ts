import type { GitHubReader } from "../../specialists/tools.ts";
import { asAppError, ErrorCode } from "../domain/errors.ts";
import type { ServiceCatalog } from "../policy/catalog.ts";

/**
 * The repository a run's release evidence comes from: the service's own, not whichever
 * one GITHUB_REPOSITORY names. The catalog's `repository:` first; else, by the usual
 * convention, the repository named like the service under GITHUB_REPOSITORY's owner, when
 * the installation can see it (a 404 falls back); else GITHUB_REPOSITORY (a monorepo, or
 * a service prode knows nothing about). Read-only, like every evidence reader.
 */
export function githubForService(options: {
  /** A reader of `owner/repo` over the pipeline's installation client. */
  reader: (owner: string, repo: string) => GitHubReader;
  fallback: GitHubReader;
  /** GITHUB_REPOSITORY, `owner/name`. */
  repository: string;
  catalog: ServiceCatalog;
}): (service: string | undefined) => GitHubReader {
  const [owner] = options.repository.split("/") as [string, string];
  const readers = new Map<string, GitHubReader>();
  const readerOf = (repository: string, guessed: boolean): GitHubReader => {
    const known = readers.get(repository);
    if (known) return known;
    const [o, r] = repository.split("/") as [string, string];
    const direct = options.reader(o, r);
    const reader = guessed ? orFallback(direct, options.fallback) : direct;
    readers.set(repository, reader);
    return reader;
  };
  return (service) => {
    if (!service) return options.fallback;
    const declared = options.catalog.services[service]?.repository;
    if (declared) {
      return declared.toLowerCase() === options.repository.toLowerCase()
        ? options.fallback
        : readerOf(declared, false);
    }
    const guess = `${owner}/${service}`;
    if (guess.toLowerCase() === options.repository.toLowerCase()) return options.fallback;
    return readerOf(guess, true);
  };
}

/**
 * `primary`, unless its repository turns out not to exist: the first read asks for one
 * deployment (an existing repository answers, even with none; only a missing or unseen
 * one answers 404), and a 404 there sends this read and every later one to `fallback`.
 * Other errors pass through, undecided, so a throttled probe does not pick the wrong
 * repository for good.
 */
function orFallback(primary: GitHubReader, fallback: GitHubReader): GitHubReader {
  let decided: Promise<GitHubReader> | undefined;
  const decide = () => {
    decided ??= primary.listDeployments({ limit: 1 }).then(
      () => primary,
      (error: unknown) => {
        if (asAppError(error).code === ErrorCode.NotFound) return fallback;
        decided = undefined;
        throw error;
      },
    );
    return decided;
  };
  return {
    compare: async (base, head) => (await decide()).compare(base, head),
    listDeployments: async (input) => (await decide()).listDeployments(input),
    getFile: async (path, ref) => (await decide()).getFile!(path, ref),
    getCommit: async (sha) => (await decide()).getCommit!(sha),
  };
}
