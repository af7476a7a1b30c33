import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../domain/errors.ts";
import { nextCursor, sentryHttpError, sentryTransportError } from "./http.ts";

describe("sentryHttpError", () => {
  it("makes 429 a retryable rate limit that carries Retry-After and the window reset", () => {
    const error = sentryHttpError(
      429,
      new Headers({ "retry-after": "7", "x-sentry-rate-limit-reset": "1795012345" }),
      { detail: "too frequently" },
      "GET /api/0/x/",
    );
    expect(error.code).toBe(ErrorCode.UpstreamRateLimited);
    expect(error.retryable).toBe(true);
    expect(error.message).toContain("retry after 7s");
    expect(error.message).toContain(new Date(1795012345 * 1000).toISOString());
  });

  it.each([
    [500, ErrorCode.UpstreamUnavailable, true],
    [503, ErrorCode.UpstreamUnavailable, true],
    [401, ErrorCode.Unauthorized, false],
    [403, ErrorCode.Unauthorized, false],
    [404, ErrorCode.NotFound, false],
    [400, ErrorCode.UpstreamRejected, false],
  ])("maps HTTP %i to %s (retryable %s)", (status, code, retryable) => {
    const error = sentryHttpError(status, new Headers(), { detail: "x" }, "GET /p/");
    expect([error.code, error.retryable]).toEqual([code, retryable]);
  });

  it("makes a timeout a retryable Timeout and a network failure retryable UpstreamUnavailable", () => {
    const timeout = sentryTransportError(new DOMException("t", "TimeoutError"), "GET /p/", 50);
    expect([timeout.code, timeout.retryable]).toEqual([ErrorCode.Timeout, true]);
    const reset = sentryTransportError(new TypeError("fetch failed"), "GET /p/", 50);
    expect([reset.code, reset.retryable]).toEqual([ErrorCode.UpstreamUnavailable, true]);
  });
});

describe("nextCursor", () => {
  it("follows only a next link that says more results exist, taking just its cursor", () => {
    const more =
      '<https://evil.example/?cursor=0:0:1>; rel="previous"; results="false"; cursor="0:0:1", ' +
      '<https://evil.example/?cursor=0:100:0>; rel="next"; results="true"; cursor="0:100:0"';
    expect(nextCursor(more)).toBe("0:100:0");
    expect(nextCursor(more.replace('results="true"', 'results="false"'))).toBeUndefined();
    expect(nextCursor(null)).toBeUndefined();
  });
});
