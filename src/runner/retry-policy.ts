import { type AppError, ErrorCode } from "../domain/errors.ts";

/**
 * What the engine does with a step that failed retryably (issue 17, ADR 0002):
 *
 * - **in flight**: an effect's earlier attempt may still land remotely (effects.ts throws
 *   `EffectFailed` with the time left): the step waits until it can no longer land, as a
 *   delayed job, then the effect's remote lookup decides. Bounded by the deadline itself.
 * - **provider trouble** (rate limited, unavailable, a transient refusal, a timeout): the
 *   step waits as a delayed job, for the provider's Retry-After when it gave one, else
 *   with exponential backoff and jitter up to `maxDelayMs`, for as long as the step has
 *   been running less than `outageMaxMs`; then it fails. No worker slot is held while
 *   it waits, and a storm does not burn the attempts meant for crash loops.
 * - anything else retryable: another attempt at once (the queue's short backoff), up to
 *   `maxAttempts` leases of the step (a crash-looping phase).
 */

export interface ProviderWaitPolicy {
  /** How long a step may keep waiting on a provider, from its start, before it fails. */
  outageMaxMs: number;
  /** First wait without Retry-After; doubles each attempt. */
  baseDelayMs: number;
  /** The longest wait without Retry-After (a provider's Retry-After is honoured whole). */
  maxDelayMs: number;
}

/** Thirty minutes of patience (PRODE_PROVIDER_OUTAGE_MAX_MINUTES), waits of 2 s up to 2 min. */
export const DEFAULT_PROVIDER_WAIT: ProviderWaitPolicy = {
  outageMaxMs: 30 * 60_000,
  baseDelayMs: 2_000,
  maxDelayMs: 120_000,
};

export type RetryDecision =
  | { kind: "wait"; delayMs: number; why: "in_flight" | "provider" }
  | { kind: "retry" }
  | { kind: "fail"; reason?: string };

/** Codes that say the provider, not the request or prode, is the trouble right now. */
const PROVIDER_CODES: ReadonlySet<string> = new Set([
  ErrorCode.UpstreamRateLimited,
  ErrorCode.UpstreamUnavailable,
  ErrorCode.UpstreamRejected,
  ErrorCode.Timeout,
]);

export function isProviderTrouble(error: AppError): boolean {
  return error.retryable && PROVIDER_CODES.has(error.code);
}

/** An effect's earlier attempt may still land: wait `retryAfterMs` (effects.ts). */
export function isInFlightWait(error: AppError): boolean {
  return (
    error.retryable && error.code === ErrorCode.EffectFailed && error.retryAfterMs !== undefined
  );
}

export function decideRetry(
  error: AppError,
  step: {
    /** The step's lease count so far (1 on its first attempt). */
    attempt: number;
    maxAttempts: number;
    /** When the step began (the run entered its phase). */
    startedAt: Date;
    now: Date;
    policy: ProviderWaitPolicy;
    /** Randomness in [0, 1), for jitter. */
    random?: () => number;
  },
): RetryDecision {
  const random = step.random ?? Math.random;
  if (isInFlightWait(error)) {
    // A little past the deadline, so the lookup runs after it, never just before.
    return { kind: "wait", delayMs: (error.retryAfterMs ?? 0) + 50, why: "in_flight" };
  }
  if (isProviderTrouble(error)) {
    const { policy } = step;
    const retryAfter = error.retryAfterMs;
    // Retry-After honoured whole, spread by up to 10 % (capped at 5 s) so waiting runs do
    // not all wake in the same instant; otherwise "equal jitter" exponential backoff.
    const delayMs =
      retryAfter !== undefined
        ? Math.round(retryAfter + random() * Math.min(5_000, retryAfter * 0.1))
        : Math.round(
            (() => {
              const exp = Math.min(
                policy.maxDelayMs,
                policy.baseDelayMs * 2 ** Math.max(0, step.attempt - 1),
              );
              return exp / 2 + (random() * exp) / 2;
            })(),
          );
    const waited = step.now.getTime() - step.startedAt.getTime();
    const left = policy.outageMaxMs - waited;
    // Backoff is cut to the time left, so the last attempt comes at the bound; a provider
    // asking for longer than is left cannot be waited out within it.
    if (left <= 0 || (retryAfter !== undefined && delayMs > left)) {
      return {
        kind: "fail",
        reason: `the provider stayed unavailable for ${Math.round(waited / 1000)} s (bound ${Math.round(policy.outageMaxMs / 1000)} s)`,
      };
    }
    return { kind: "wait", delayMs: Math.max(1, Math.min(delayMs, left)), why: "provider" };
  }
  if (error.retryable && step.attempt < step.maxAttempts) return { kind: "retry" };
  return { kind: "fail" };
}
