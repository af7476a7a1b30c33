import {
  ErrorCode as SlackErrorCode,
  type WebAPIHTTPError,
  type WebAPIPlatformError,
  type WebAPIRateLimitedError,
  WebClient,
} from "@slack/web-api";
import type { Logger } from "pino";
import { AppError, ErrorCode } from "../../domain/errors.ts";
import { inSpan } from "../../observability/tracing.ts";
import { parseRetryAfter } from "../retry.ts";
import { slackLogger } from "./logger.ts";

export interface SlackClientOptions {
  token: string;
  /** The Web API base URL, e.g. the simulated world's `world.urls.slack`; Slack's by default. */
  apiUrl?: string | undefined;
  log?: Logger | undefined;
  /** Per-call timeout; a hung call must not hold a phase or an interaction for long. */
  timeoutMs?: number;
}

/**
 * The options every prode WebClient is built with. The SDK retries failed calls for
 * ~30 minutes by default, which can post a message twice; retries of mutations belong to
 * the effect ledger (DESIGN.md, provider facts), so the SDK never retries, and a 429 is
 * raised at once (a retryable AppError) instead of being waited out inside a phase.
 */
export function slackClientOptions(options: Omit<SlackClientOptions, "token">) {
  return {
    ...(options.apiUrl ? { slackApiUrl: ensureTrailingSlash(options.apiUrl) } : {}),
    ...(options.log ? { logger: slackLogger(options.log, "slack-web-api") } : {}),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: options.timeoutMs ?? 10_000,
  };
}

/**
 * Every Web API method goes through apiCall (the SDK binds each method to it when the
 * client is built, so the override must be on the class): one trace span per call.
 */
class TracedWebClient extends WebClient {
  override apiCall(method: string, options?: Record<string, unknown>) {
    return inSpan(`slack ${method}`, { "prode.provider": "slack", "prode.call": method }, () =>
      super.apiCall(method, options),
    );
  }
}

/** A WebClient for posting: no SDK retries, rate limits surfaced (see {@link slackClientOptions}). */
export function createSlackWebClient(options: SlackClientOptions): WebClient {
  const client = new TracedWebClient(options.token, slackClientOptions(options));
  callWindows.set(client, callWindowFor(options.timeoutMs ?? 10_000));
  return client;
}

const callWindows = new WeakMap<WebClient, number>();

/**
 * How long after a call starts Slack may still act on it: the client's timeout (the SDK
 * makes no retries of its own), plus as long again and a second for a request Slack
 * accepted just before the client gave up and processes slowly. A post that timed out is
 * looked up only after this (the effect ledger's in-flight deadline, ADR 0002).
 */
function callWindowFor(timeoutMs: number): number {
  return 2 * timeoutMs + 1_000;
}

/** {@link callWindowFor} of a client built by {@link createSlackWebClient} (else its default). */
export function slackCallWindowMs(client: WebClient): number {
  return callWindows.get(client) ?? callWindowFor(10_000);
}

function ensureTrailingSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}

/** Platform errors that mean "try again later", not "this request is wrong". */
const TRANSIENT_PLATFORM_ERRORS = new Set([
  "ratelimited",
  "rate_limited",
  "internal_error",
  "fatal_error",
  "service_unavailable",
  "request_timeout",
]);

/**
 * The one conversion of a Slack SDK error into an AppError: rate limits and transport
 * failures are retryable (the runner retries the phase; the ledger keeps it single),
 * platform errors such as `channel_not_found` are not.
 */
export function slackAppError(error: unknown, method: string): AppError {
  if (error instanceof AppError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case SlackErrorCode.RateLimitedError: {
      // Slack's Retry-After, honoured by whoever retries (the runner waits as a delayed job).
      const retryAfter = (error as WebAPIRateLimitedError).retryAfter;
      return new AppError(
        ErrorCode.UpstreamRateLimited,
        `slack ${method} rate limited; retry after ${retryAfter}s`,
        {
          retryable: true,
          cause: error,
          ...(Number.isFinite(retryAfter) && retryAfter >= 0
            ? { retryAfterMs: retryAfter * 1000 }
            : {}),
        },
      );
    }
    case SlackErrorCode.PlatformError: {
      const slackError = (error as WebAPIPlatformError).data.error;
      return new AppError(ErrorCode.UpstreamRejected, `slack ${method} failed: ${slackError}`, {
        retryable: TRANSIENT_PLATFORM_ERRORS.has(slackError),
        cause: error,
      });
    }
    case SlackErrorCode.HTTPError: {
      const http = error as WebAPIHTTPError;
      const status = http.statusCode;
      const retryAfterMs = parseRetryAfter(retryAfterHeader(http.headers), Date.now());
      return new AppError(
        status === 429
          ? ErrorCode.UpstreamRateLimited
          : status >= 500
            ? ErrorCode.UpstreamUnavailable
            : ErrorCode.UpstreamRejected,
        `slack ${method} answered HTTP ${status}`,
        {
          retryable: status >= 500 || status === 429,
          cause: error,
          ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
        },
      );
    }
    case SlackErrorCode.RequestError:
      return new AppError(ErrorCode.UpstreamUnavailable, `slack ${method} unreachable`, {
        retryable: true,
        cause: error,
      });
    default:
      return new AppError(
        ErrorCode.UpstreamUnavailable,
        `slack ${method} failed: ${error instanceof Error ? error.message : String(error)}`,
        { retryable: true, cause: error },
      );
  }
}

function retryAfterHeader(headers: unknown): string | undefined {
  if (!headers || typeof headers !== "object") return undefined;
  const value = (headers as Record<string, unknown>)["retry-after"];
  return typeof value === "string" || typeof value === "number" ? String(value) : undefined;
}

/** The Slack platform error string of a call that failed (`channel_not_found`), if any. */
export function slackPlatformError(error: unknown): string | undefined {
  const cause = error instanceof AppError ? error.cause : error;
  const c = cause as { code?: unknown; data?: { error?: unknown } } | null;
  return c?.code === SlackErrorCode.PlatformError && typeof c.data?.error === "string"
    ? c.data.error
    : undefined;
}

/** Runs one Web API call and converts its failure with {@link slackAppError}. */
export async function callSlack<T>(method: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw slackAppError(error, method);
  }
}
