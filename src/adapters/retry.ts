import { type AppError, asAppError, ErrorCode } from "../domain/errors.ts";
import { type CallBudget, currentCallBudget } from "../observability/call-budget.ts";
import { inSpan } from "../observability/tracing.ts";

/**
 * The one retry every read adapter uses (Sentry, GitHub, Linear, vendor status). A
 * provider's rate limit with Retry-After becomes a wait, not a gap, as long as the wait
 * fits the caller's budget: the deadline and abort signal of the specialist that reads
 * (set once around the specialist's run with `withCallBudget`, src/observability/call-budget.ts,
 * so the read ports keep their signatures), or an explicit one. A Retry-After beyond the budget gives up at
 * once with the provider's error, so the specialist records the gap instead of idling to
 * its timeout. 5xx and transport failures back off exponentially with full jitter; a
 * timeout is not retried (the request already spent its own budget). Without a budget (a
 * phase's own read) waits are short, and a longer Retry-After is left to the runner, which
 * waits without holding a worker. Each retry and each give-up is reported to `onRetry`,
 * for metrics and the operator log.
 */

export interface RetryEvent {
  /** The provider: "sentry", "github", "linear", "vendor_status". */
  service: string;
  /** The call, e.g. "GET /api/0/issues/{id}/". */
  what: string;
  /** The attempt that failed (1-based). */
  attempt: number;
  code: AppError["code"];
  /** "retry": waiting `delayMs` before the next attempt; "gave_up": the error is thrown. */
  outcome: "retry" | "gave_up";
  delayMs: number;
  /** Why it gave up, when it did. */
  reason?: string;
}

export type RetryObserver = (event: RetryEvent) => void;

export interface RetryOptions {
  service: string;
  what: string;
  /** Attempts in all, the first included. Default 4. */
  maxAttempts?: number;
  /** First backoff without Retry-After; doubles each attempt. Default 200 ms. */
  baseDelayMs?: number;
  /**
   * The longest single wait accepted. Default 30 s inside a caller's budget (a specialist
   * waits for its data within its deadline); 5 s without one: a phase's own read does not
   * sleep in a worker slot, a longer Retry-After is thrown to the runner, which waits it
   * out as a delayed job (src/runner/retry-policy.ts).
   */
  maxDelayMs?: number;
  /** Time the retried call needs after the wait; a wait leaving less is not made. Default 250 ms. */
  reserveMs?: number;
  /** Overrides the ambient budget (src/observability/call-budget.ts). */
  budget?: CallBudget;
  onRetry?: RetryObserver;
  /** For tests: randomness in [0, 1) and the clock. */
  random?: () => number;
  now?: () => number;
}

/**
 * A Retry-After header in milliseconds: delta-seconds or an HTTP date
 * (RFC 9110 §10.2.3). Undefined when absent or unreadable.
 */
export function parseRetryAfter(
  value: string | number | null | undefined,
  nowMs: number,
): number | undefined {
  if (value === null || value === undefined || value === "") return undefined;
  const text = String(value).trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** Errors worth another attempt: rate limits and the provider being unavailable. */
function isRetryable(error: AppError): boolean {
  if (!error.retryable) return false;
  return (
    error.code === ErrorCode.UpstreamRateLimited || error.code === ErrorCode.UpstreamUnavailable
  );
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** The wait before the next attempt: the provider's Retry-After plus a little jitter, else backoff. */
function delayFor(error: AppError, attempt: number, options: RetryOptions, random: () => number) {
  const base = options.baseDelayMs ?? 200;
  if (error.retryAfterMs !== undefined) {
    // Many clients wake together when a window resets: spread them by up to 10 %.
    return Math.round(error.retryAfterMs + random() * Math.min(1_000, error.retryAfterMs * 0.1));
  }
  return Math.round(random() * base * 2 ** (attempt - 1));
}

/** The longest in-call wait of a read with no caller budget (see RetryOptions.maxDelayMs). */
const UNBUDGETED_MAX_DELAY_MS = 5_000;

/**
 * Calls `fn` until it succeeds, the error is not retryable, or the budget runs out; one
 * trace span (`<provider> <call>`) covers every attempt and wait.
 */
export function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  return inSpan(
    `${options.service} ${options.what}`,
    { "prode.provider": options.service, "prode.call": options.what },
    (span) =>
      retrying((attempt) => {
        span.setAttribute("prode.attempts", attempt);
        return fn(attempt);
      }, options),
  );
}

async function retrying<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const maxAttempts = options.maxAttempts ?? 4;
  const reserveMs = options.reserveMs ?? 250;
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const budget = options.budget ?? currentCallBudget() ?? {};
  const maxDelayMs =
    options.maxDelayMs ?? (budget.deadline || budget.signal ? 30_000 : UNBUDGETED_MAX_DELAY_MS);
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fn(attempt);
    } catch (thrown) {
      const error = asAppError(thrown, ErrorCode.UpstreamUnavailable);
      if (!isRetryable(error)) throw thrown;
      const delayMs = delayFor(error, attempt, options, random);
      const report = (outcome: RetryEvent["outcome"], reason?: string) =>
        options.onRetry?.({
          service: options.service,
          what: options.what,
          attempt,
          code: error.code,
          outcome,
          delayMs,
          ...(reason ? { reason } : {}),
        });
      const left = budget.deadline ? budget.deadline.getTime() - now() : Number.POSITIVE_INFINITY;
      const giveUp =
        attempt >= maxAttempts
          ? `${maxAttempts} attempts made`
          : budget.signal?.aborted
            ? "the caller stopped waiting"
            : delayMs + reserveMs > left
              ? `a wait of ${delayMs} ms does not fit the ${Math.max(0, left)} ms left before the deadline`
              : delayMs > maxDelayMs
                ? `the provider asked to wait ${delayMs} ms, more than ${maxDelayMs} ms`
                : undefined;
      if (giveUp) {
        report("gave_up", giveUp);
        throw thrown;
      }
      report("retry");
      try {
        await sleep(delayMs, budget.signal);
      } catch {
        // Stopped while waiting: the provider's error is the honest answer.
        throw thrown;
      }
    }
  }
}
