import { describe, expect, it } from "vitest";
import { AppError, ErrorCode } from "../domain/errors.ts";
import { decideRetry, type ProviderWaitPolicy } from "./retry-policy.ts";

const policy: ProviderWaitPolicy = {
  outageMaxMs: 30 * 60_000,
  baseDelayMs: 2_000,
  maxDelayMs: 120_000,
};
const start = new Date("2026-01-01T10:00:00Z");
const at = (ms: number) => new Date(start.getTime() + ms);
const step = (attempt: number, elapsedMs: number) => ({
  attempt,
  maxAttempts: 5,
  startedAt: start,
  now: at(elapsedMs),
  policy,
  random: () => 0.5,
});
const upstream = (code: ErrorCode, retryAfterMs?: number) =>
  new AppError(code, "provider trouble", {
    retryable: true,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });

describe("what a step does after a retryable failure", () => {
  it("a rate limit waits for the provider's Retry-After, not the queue's backoff", () => {
    const d = decideRetry(upstream(ErrorCode.UpstreamRateLimited, 45_000), step(1, 0));
    expect(d.kind).toBe("wait");
    if (d.kind !== "wait") return;
    expect(d.delayMs).toBeGreaterThanOrEqual(45_000);
    expect(d.delayMs).toBeLessThanOrEqual(50_000);
  });

  it("an outage backs off exponentially to minutes, and never counts against the attempts", () => {
    const delays = [1, 2, 4, 8, 12].map((attempt) => {
      const d = decideRetry(upstream(ErrorCode.UpstreamUnavailable), step(attempt, 60_000));
      if (d.kind !== "wait") throw new Error(`attempt ${attempt}: ${d.kind}`);
      return d.delayMs;
    });
    expect(delays).toEqual([...delays].sort((a, b) => a - b));
    expect(delays.at(-1)).toBeGreaterThanOrEqual(60_000);
    expect(delays.at(-1)).toBeLessThanOrEqual(policy.maxDelayMs);
  });

  it("a provider still failing past the outage bound fails the step, with the reason", () => {
    const d = decideRetry(upstream(ErrorCode.UpstreamUnavailable), step(20, policy.outageMaxMs));
    expect(d.kind).toBe("fail");
    if (d.kind === "fail") expect(d.reason).toMatch(/bound/);
    // A Retry-After beyond what is left cannot be waited out within the bound.
    const late = decideRetry(
      upstream(ErrorCode.UpstreamRateLimited, 120_000),
      step(3, policy.outageMaxMs - 60_000),
    );
    expect(late.kind).toBe("fail");
  });

  it("the last backoff is cut to the bound, so the step tries once more at the bound", () => {
    const d = decideRetry(
      upstream(ErrorCode.UpstreamUnavailable),
      step(30, policy.outageMaxMs - 1_000),
    );
    expect(d).toEqual({ kind: "wait", delayMs: 1_000, why: "provider" });
  });

  it("an effect still in flight waits past its deadline, whatever the attempt count", () => {
    const inFlight = new AppError(ErrorCode.EffectFailed, "may still land", {
      retryable: true,
      retryAfterMs: 7_000,
    });
    const d = decideRetry(inFlight, step(50, policy.outageMaxMs * 2));
    expect(d.kind).toBe("wait");
    if (d.kind === "wait") {
      expect(d.why).toBe("in_flight");
      expect(d.delayMs).toBeGreaterThan(7_000);
    }
  });

  it("other retryable failures retry up to the attempts, then fail; permanent ones fail", () => {
    const db = new AppError(ErrorCode.Internal, "connection closed", { retryable: true });
    expect(decideRetry(db, step(4, 0))).toEqual({ kind: "retry" });
    expect(decideRetry(db, step(5, 0)).kind).toBe("fail");
    const refused = new AppError(ErrorCode.UpstreamRejected, "channel_not_found");
    expect(decideRetry(refused, step(1, 0)).kind).toBe("fail");
  });
});
