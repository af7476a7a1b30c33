import { AppError, ErrorCode } from "../../domain/errors.ts";
import { parseRetryAfter, type RetryObserver, withRetry } from "../retry.ts";

/**
 * The one place prode talks HTTP to Sentry's REST API: bearer auth, a per-request
 * timeout, and the single conversion of HTTP failures into AppError (429/5xx/timeouts
 * retryable, 4xx not). Error messages name the method and path only, never the token.
 */

/** A token as a string or as config's Secret (which prints as **********). */
export type SentryToken = string | { reveal(): string };

export interface SentryHttpOptions {
  /** e.g. "https://sentry.io" or the simulated world's `<world>/sentry`. */
  baseUrl: string;
  token: SentryToken;
  /** Per-request budget; the request is aborted when it runs out. */
  timeoutMs: number;
  fetch?: typeof fetch;
  /** Told about each retry and give-up (metrics); rate limits are waited out within the caller's budget. */
  onRetry?: RetryObserver;
}

export interface SentryResponse {
  body: unknown;
  headers: Headers;
}

export type SentryQuery = Record<string, string | number | undefined>;

export interface SentryHttp {
  get(path: string, query?: SentryQuery): Promise<SentryResponse>;
}

const reveal = (token: SentryToken) => (typeof token === "string" ? token : token.reveal());

/**
 * Sentry's rate-limit answer: `Retry-After` in seconds and `X-Sentry-Rate-Limit-Reset`
 * as a UTC epoch second (https://docs.sentry.io/api/ratelimits/).
 */
function rateLimitHint(headers: Headers): string {
  const parts: string[] = [];
  const retryAfter = headers.get("retry-after");
  if (retryAfter) parts.push(`retry after ${retryAfter}s`);
  const reset = Number(headers.get("x-sentry-rate-limit-reset"));
  if (Number.isFinite(reset) && reset > 0) {
    parts.push(`window resets at ${new Date(reset * 1000).toISOString()}`);
  }
  return parts.length > 0 ? ` (${parts.join(", ")})` : "";
}

/** Sentry answers errors as `{ "detail": "…" }`. */
function detailOf(body: unknown): string {
  if (body && typeof body === "object" && "detail" in body) {
    const detail = (body as { detail: unknown }).detail;
    if (typeof detail === "string") return `: ${detail.slice(0, 200)}`;
  }
  return "";
}

/** Converts a non-2xx Sentry answer into the AppError the runner understands. */
export function sentryHttpError(
  status: number,
  headers: Headers,
  body: unknown,
  what: string,
): AppError {
  const detail = detailOf(body);
  if (status === 429) {
    const now = Date.now();
    const reset = Number(headers.get("x-sentry-rate-limit-reset"));
    const retryAfterMs =
      parseRetryAfter(headers.get("retry-after"), now) ??
      (Number.isFinite(reset) && reset > 0 ? Math.max(0, reset * 1000 - now) : undefined);
    return new AppError(
      ErrorCode.UpstreamRateLimited,
      `Sentry rate-limited ${what}${rateLimitHint(headers)}`,
      { retryable: true, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
    );
  }
  if (status >= 500) {
    return new AppError(ErrorCode.UpstreamUnavailable, `Sentry ${status} on ${what}${detail}`, {
      retryable: true,
    });
  }
  if (status === 401 || status === 403) {
    return new AppError(ErrorCode.Unauthorized, `Sentry refused ${what} (${status})${detail}`);
  }
  if (status === 404) {
    return new AppError(ErrorCode.NotFound, `Sentry: not found: ${what}${detail}`);
  }
  return new AppError(ErrorCode.UpstreamRejected, `Sentry ${status} on ${what}${detail}`);
}

/** Converts a failure to reach Sentry at all (timeout, reset, DNS) into an AppError. */
export function sentryTransportError(error: unknown, what: string, timeoutMs: number): AppError {
  const name = error instanceof Error ? error.name : "";
  if (name === "TimeoutError" || name === "AbortError") {
    return new AppError(ErrorCode.Timeout, `Sentry did not answer ${what} within ${timeoutMs}ms`, {
      retryable: true,
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new AppError(ErrorCode.UpstreamUnavailable, `Sentry unreachable for ${what}: ${message}`, {
    retryable: true,
    cause: error,
  });
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function createSentryHttp(options: SentryHttpOptions): SentryHttp {
  const base = options.baseUrl.replace(/\/+$/, "");
  const doFetch = options.fetch ?? globalThis.fetch;
  return {
    get: (path, query = {}) =>
      withRetry(() => getOnce(path, query), {
        service: "sentry",
        what: `GET ${path}`,
        ...(options.onRetry ? { onRetry: options.onRetry } : {}),
      }),
  };

  async function getOnce(path: string, query: SentryQuery): Promise<SentryResponse> {
    const url = new URL(`${base}${path}`);
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const what = `GET ${path}`;
    let response: Response;
    let body: unknown;
    try {
      response = await doFetch(url, {
        method: "GET",
        headers: {
          Authorization: `Bearer ${reveal(options.token)}`,
          Accept: "application/json",
        },
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      body = await readJson(response);
    } catch (error) {
      throw sentryTransportError(error, what, options.timeoutMs);
    }
    if (!response.ok) throw sentryHttpError(response.status, response.headers, body, what);
    return { body, headers: response.headers };
  }
}

/**
 * The `next` cursor of Sentry's `Link` header when it says more results exist:
 * `<…>; rel="next"; results="true"; cursor="0:100:0"`. Only the cursor is taken, so a
 * Link pointing elsewhere is never followed.
 */
export function nextCursor(link: string | null): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(",")) {
    if (!/rel="next"/.test(part) || !/results="true"/.test(part)) continue;
    return /cursor="([^"]+)"/.exec(part)?.[1];
  }
  return undefined;
}
