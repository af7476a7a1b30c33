import type { Octokit } from "@octokit/rest";
import type { GitHubReader } from "../../../specialists/tools.ts";
import { AppError, ErrorCode } from "../../domain/errors.ts";
import { defaultRedactor, type Redactor } from "../../safety/redact.ts";
import { type RetryObserver, withRetry } from "../retry.ts";
import { githubError } from "./errors.ts";
import {
  type ContentFilePayload,
  decodeContentFile,
  type GitCommitPayload,
  mapCompare,
  mapDeployment,
  mapGitCommit,
} from "./map.ts";

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
  /** Files larger than this are refused by getFile (bad_input); {@link MAX_FILE_BYTES} by default. */
  maxFileBytes?: number;
  /** What file contents pass through before they leave; the default redactor otherwise. */
  redactor?: Redactor;
}

const MAX_PAGE = 100;
/** Statuses read per deployment: enough to reach its `success` past a later `inactive`. */
const STATUSES_READ = 10;
/**
 * A source file a specialist reads line by line; larger ones (bundles, generated code,
 * fixtures) are refused rather than held in memory and redacted whole.
 */
export const MAX_FILE_BYTES = 256 * 1024;

/**
 * Redacts a file's text without moving its lines, so line n of the result is still line n
 * of the repository's file. The whole text is redacted (a multi-line secret, e.g. a PEM
 * block, is caught whole and collapses to one placeholder line); when that shortened the
 * text, each collapsed block keeps its placeholder line on the block's first line and
 * blank lines for the rest. Every line of the result comes from the redacted text or is
 * blank: an alignment that fails withholds the file rather than a secret leaking.
 */
export function redactKeepingLines(text: string, redactor: Redactor): string {
  const original = text.split("\n");
  const redacted = redactor.redact(text).text.split("\n");
  if (redacted.length === original.length) return redacted.join("\n");
  const sameLine = (i: number, j: number) =>
    j < redacted.length &&
    i < original.length &&
    (original[i] === redacted[j] || redactor.redact(original[i]!).text === redacted[j]);
  const out: string[] = [];
  let deficit = original.length - redacted.length;
  let i = 0;
  let j = 0;
  while (i < original.length && j < redacted.length) {
    if (sameLine(i, j)) {
      out.push(redacted[j]!);
      i += 1;
      j += 1;
      continue;
    }
    // redacted[j] stands for original[i..i+k]: the smallest k after which both align again.
    let k = 1;
    while (
      k <= deficit &&
      !(i + k + 1 >= original.length ? j + 1 >= redacted.length : sameLine(i + k + 1, j + 1))
    ) {
      k += 1;
    }
    if (k > deficit) break;
    out.push(redacted[j]!, ...Array<string>(k).fill(""));
    deficit -= k;
    i += k + 1;
    j += 1;
  }
  if (i !== original.length || j !== redacted.length || out.length !== original.length) {
    return original.map(() => "[REDACTED:withheld_file]").join("\n");
  }
  return out.join("\n");
}

/** A 404 as null: the path or commit does not exist at that ref. */
async function orNull<T>(read: Promise<T>): Promise<T | null> {
  try {
    return await read;
  } catch (error) {
    if (error instanceof AppError && error.code === ErrorCode.NotFound) return null;
    throw error;
  }
}

export function createGitHubReader(options: GitHubReaderOptions): GitHubReader {
  const { octokit, owner, repo } = options;
  const maxFileBytes = options.maxFileBytes ?? MAX_FILE_BYTES;
  const redactor = options.redactor ?? defaultRedactor;
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
      // GitHub lists statuses newest first: the first one is the deployment's state now;
      // the oldest `success` among them is when the rollout finished (a later `inactive`
      // only says another deployment replaced it).
      return Promise.all(
        data.slice(0, wanted).map(async (deployment) => {
          const { data: statuses } = await call(
            `GET /repos/${owner}/${repo}/deployments/{deployment_id}/statuses`,
            () =>
              octokit.rest.repos.listDeploymentStatuses({
                owner,
                repo,
                deployment_id: deployment.id,
                per_page: STATUSES_READ,
                ...request(),
              }),
          );
          const succeeded = statuses.filter((s) => s.state === "success").at(-1);
          return mapDeployment(deployment, statuses[0]?.state, succeeded?.created_at);
        }),
      );
    },

    async getFile(path, ref) {
      const what = `GET /repos/${owner}/${repo}/contents/{path}`;
      const answer = await orNull(
        call(what, () => octokit.rest.repos.getContent({ owner, repo, path, ref, ...request() })),
      );
      if (answer === null) return null;
      const data = answer.data as ContentFilePayload | ContentFilePayload[];
      if (Array.isArray(data)) {
        throw new AppError(ErrorCode.BadInput, `${path} at ${ref} is a directory, not a file`);
      }
      if (data.size > maxFileBytes) {
        throw new AppError(
          ErrorCode.BadInput,
          `${path} at ${ref} is ${data.size} bytes, over the ${maxFileBytes}-byte cap`,
        );
      }
      const decoded = decodeContentFile(data);
      if (!decoded.ok) throw new AppError(ErrorCode.BadInput, `${decoded.reason} at ${ref}`);
      return {
        path: data.path,
        sha: data.sha,
        size: data.size,
        content: redactKeepingLines(decoded.text, redactor),
      };
    },

    async getCommit(sha) {
      const answer = await orNull(
        call(`GET /repos/${owner}/${repo}/git/commits/{commit_sha}`, () =>
          octokit.rest.git.getCommit({ owner, repo, commit_sha: sha, ...request() }),
        ),
      );
      return answer === null ? null : mapGitCommit(answer.data as GitCommitPayload);
    },
  };
}
