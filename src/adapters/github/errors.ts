import { AppError, ErrorCode } from "../../domain/errors.ts";
import { parseRetryAfter } from "../retry.ts";

/**
 * The single conversion of Octokit failures into AppError. Octokit throws a RequestError
 * with `status` and the response headers; a transport failure (timeout, reset) arrives as
 * status 500 with the original error as `cause`. Rate limits: 429, or 403 with
 * `x-ratelimit-remaining: 0` / `retry-after` (primary and secondary limits,
 * https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api).
 */
interface OctokitLikeError {
  status?: number;
  name?: string;
  cause?: unknown;
  response?: { headers?: Record<string, string | number | undefined> };
}

const isTimeout = (error: unknown): boolean =>
  error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");

function rateLimitHint(headers: Record<string, string | number | undefined>): string {
  const parts: string[] = [];
  if (headers["retry-after"] !== undefined) parts.push(`retry after ${headers["retry-after"]}s`);
  const reset = Number(headers["x-ratelimit-reset"]);
  if (Number.isFinite(reset) && reset > 0) {
    parts.push(`resets at ${new Date(reset * 1000).toISOString()}`);
  }
  return parts.length > 0 ? ` (${parts.join(", ")})` : "";
}

export function githubError(error: unknown, what: string): AppError {
  if (error instanceof AppError) return error;
  const e = (error ?? {}) as OctokitLikeError;
  if (isTimeout(error) || isTimeout(e.cause)) {
    return new AppError(ErrorCode.Timeout, `GitHub did not answer ${what} in time`, {
      retryable: true,
      cause: error,
    });
  }
  const status = typeof e.status === "number" ? e.status : undefined;
  const headers = e.response?.headers ?? {};
  const message = error instanceof Error ? error.message.slice(0, 200) : String(error);
  if (status === undefined) {
    // Not an HTTP answer: Octokit reports transport failures as 500, so this is local
    // (e.g. the app JWT could not be signed with the configured key). Retrying won't help.
    return new AppError(ErrorCode.Internal, `GitHub ${what} failed before a request: ${message}`, {
      cause: error,
    });
  }
  const limited =
    status === 429 ||
    (status === 403 &&
      (String(headers["x-ratelimit-remaining"]) === "0" || headers["retry-after"] !== undefined));
  if (limited) {
    const now = Date.now();
    const reset = Number(headers["x-ratelimit-reset"]);
    // Retry-After first; a primary limit only says when its window resets.
    const retryAfterMs =
      parseRetryAfter(headers["retry-after"], now) ??
      (Number.isFinite(reset) && reset > 0 ? Math.max(0, reset * 1000 - now) : undefined);
    return new AppError(
      ErrorCode.UpstreamRateLimited,
      `GitHub rate-limited ${what}${rateLimitHint(headers)}`,
      { retryable: true, cause: error, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
    );
  }
  if (status >= 500) {
    return new AppError(ErrorCode.UpstreamUnavailable, `GitHub ${status} on ${what}: ${message}`, {
      retryable: true,
      cause: error,
    });
  }
  if (status === 401 || status === 403) {
    return new AppError(ErrorCode.Unauthorized, `GitHub refused ${what} (${status}): ${message}`, {
      cause: error,
    });
  }
  if (status === 404) {
    // GitHub also answers 404 for a repository the installation cannot see (it does not
    // reveal that a private one exists), so "not found" may mean "not granted".
    return new AppError(ErrorCode.NotFound, `GitHub: not found: ${what}`, { cause: error });
  }
  return new AppError(ErrorCode.UpstreamRejected, `GitHub ${status} on ${what}: ${message}`, {
    cause: error,
  });
}
