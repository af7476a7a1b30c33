import { describe, expect, it } from "vitest";
import { AppError, ErrorCode } from "../domain/errors.ts";
import { withCallBudget } from "../observability/call-budget.ts";
import { parseRetryAfter, type RetryEvent, withRetry } from "./retry.ts";

const limited = (retryAfterMs?: number) =>
  new AppError(ErrorCode.UpstreamRateLimited, "rate limited", {
    retryable: true,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });

function flaky<T>(errors: AppError[], value: T) {
  let calls = 0;
  const fn = async () => {
    calls += 1;
    const error = errors.shift();
    if (error) throw error;
    return value;
  };
  return { fn, calls: () => calls };
}

describe("parseRetryAfter", () => {
  it("reads delta-seconds and HTTP dates", () => {
    const now = Date.parse("2026-11-20T10:00:00Z");
    expect(parseRetryAfter("2", now)).toBe(2_000);
    expect(parseRetryAfter("Fri, 20 Nov 2026 10:00:05 GMT", now)).toBe(5_000);
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter("soon", now)).toBeUndefined();
  });
});

describe("withRetry", () => {
  it("waits the provider's Retry-After, then succeeds, and reports the retry", async () => {
    const events: RetryEvent[] = [];
    const call = flaky([limited(50)], "ok");
    const started = Date.now();
    const value = await withRetry(call.fn, {
      service: "sentry",
      what: "GET /x",
      onRetry: (e) => events.push(e),
      random: () => 0,
    });
    expect(value).toBe("ok");
    expect(call.calls()).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(events).toEqual([
      expect.objectContaining({ outcome: "retry", delayMs: 50, code: "upstream_rate_limited" }),
    ]);
  });

  it("gives up at once when Retry-After does not fit the ambient deadline", async () => {
    const events: RetryEvent[] = [];
    const call = flaky([limited(60_000)], "ok");
    const started = Date.now();
    const attempt = withCallBudget({ deadline: new Date(Date.now() + 2_000) }, () =>
      withRetry(call.fn, { service: "github", what: "GET /y", onRetry: (e) => events.push(e) }),
    );
    await expect(attempt).rejects.toMatchObject({ code: ErrorCode.UpstreamRateLimited });
    expect(Date.now() - started).toBeLessThan(500);
    expect(call.calls()).toBe(1);
    expect(events[0]).toMatchObject({
      outcome: "gave_up",
      reason: expect.stringContaining("deadline"),
    });
  });

  it("without a caller budget, a long Retry-After is thrown to the runner at once, carried on the error", async () => {
    const events: RetryEvent[] = [];
    const call = flaky([limited(20_000)], "ok");
    const started = Date.now();
    await expect(
      withRetry(call.fn, { service: "linear", what: "issue", onRetry: (e) => events.push(e) }),
    ).rejects.toMatchObject({ code: ErrorCode.UpstreamRateLimited, retryAfterMs: 20_000 });
    expect(Date.now() - started).toBeLessThan(500);
    expect(call.calls()).toBe(1);
    expect(events[0]).toMatchObject({
      outcome: "gave_up",
      reason: expect.stringContaining("more than"),
    });
    // Within a specialist's budget the cap is its deadline, not those 5 s.
    const inBudget = flaky([limited(20_000)], "ok");
    const events2: RetryEvent[] = [];
    await expect(
      withCallBudget({ deadline: new Date(Date.now() + 1_000) }, () =>
        withRetry(inBudget.fn, {
          service: "linear",
          what: "issue",
          onRetry: (e) => events2.push(e),
        }),
      ),
    ).rejects.toMatchObject({ code: ErrorCode.UpstreamRateLimited });
    expect(events2[0]?.reason).toContain("deadline");
  });

  it("never retries an error that is not retryable, nor past max attempts", async () => {
    const refused = flaky([new AppError(ErrorCode.Unauthorized, "no")], "ok");
    await expect(withRetry(refused.fn, { service: "s", what: "w" })).rejects.toMatchObject({
      code: ErrorCode.Unauthorized,
    });
    expect(refused.calls()).toBe(1);
    const down = () => new AppError(ErrorCode.UpstreamUnavailable, "503", { retryable: true });
    const always = flaky([down(), down(), down()], "ok");
    await expect(
      withRetry(always.fn, { service: "s", what: "w", maxAttempts: 3, baseDelayMs: 1 }),
    ).rejects.toMatchObject({ code: ErrorCode.UpstreamUnavailable });
    expect(always.calls()).toBe(3);
  });

  it("stops waiting when the caller's signal aborts, with the provider's error", async () => {
    const controller = new AbortController();
    const call = flaky([limited(5_000)], "ok");
    setTimeout(() => controller.abort(new Error("deadline")), 20);
    const started = Date.now();
    await expect(
      withRetry(call.fn, { service: "s", what: "w", budget: { signal: controller.signal } }),
    ).rejects.toMatchObject({ code: ErrorCode.UpstreamRateLimited });
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
