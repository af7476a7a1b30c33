import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../domain/errors.ts";
import { githubError } from "./errors.ts";
import { mapCompare, mapDeployment } from "./map.ts";

describe("mapCompare", () => {
  it("keeps SHAs, messages, logins and file counts — never author emails or patches", () => {
    const mapped = mapCompare({
      commits: [
        {
          sha: "a".repeat(40),
          commit: {
            message: "fix: guard null plan",
            author: {
              name: "Lena Hoffmann",
              email: "lena@example.com",
              date: "2026-11-20T11:41:09Z",
            } as never,
          },
          author: { login: "lhoffmann-acme" },
        },
        {
          sha: "b".repeat(40),
          commit: { message: "chore", author: null, committer: { date: "2026-11-20T12:00:00Z" } },
          author: null,
        },
      ],
      files: [
        {
          filename: "src/onboarding/complete.ts",
          status: "modified",
          additions: 3,
          deletions: 3,
          patch: "@@ secret",
        } as never,
      ],
    });
    expect(mapped).toEqual({
      commits: [
        {
          sha: "a".repeat(40),
          message: "fix: guard null plan",
          author: "lhoffmann-acme",
          date: "2026-11-20T11:41:09Z",
        },
        { sha: "b".repeat(40), message: "chore", author: "unknown", date: "2026-11-20T12:00:00Z" },
      ],
      files: [
        { filename: "src/onboarding/complete.ts", status: "modified", additions: 3, deletions: 3 },
      ],
    });
    expect(JSON.stringify(mapped)).not.toMatch(/example\.com|@@/);
  });

  it("gives a deployment the state of its newest status, and none when it has no status", () => {
    const d = {
      id: 7,
      sha: "c".repeat(40),
      ref: "v1",
      environment: "production",
      created_at: "2026-11-20T13:58:40Z",
    };
    expect(mapDeployment(d, "success")).toEqual({
      id: 7,
      sha: "c".repeat(40),
      ref: "v1",
      environment: "production",
      createdAt: "2026-11-20T13:58:40Z",
      state: "success",
    });
    expect(mapDeployment(d, undefined)).not.toHaveProperty("state");
  });
});

/** The shape of Octokit's RequestError: status, response headers, optional cause. */
const requestError = (status: number, headers: Record<string, string> = {}) =>
  Object.assign(new Error("GitHub said no"), {
    name: "HttpError",
    status,
    response: { status, url: "https://api.github.com/x", headers, data: {} },
  }) as Error & { status: number; cause?: unknown };

describe("githubError", () => {
  it.each([
    [requestError(429, { "retry-after": "30" }), ErrorCode.UpstreamRateLimited, true],
    [
      requestError(403, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1795012345" }),
      ErrorCode.UpstreamRateLimited,
      true,
    ],
    [requestError(403), ErrorCode.Unauthorized, false],
    [requestError(401), ErrorCode.Unauthorized, false],
    [requestError(404), ErrorCode.NotFound, false],
    [requestError(422), ErrorCode.UpstreamRejected, false],
    [requestError(502), ErrorCode.UpstreamUnavailable, true],
  ])("maps %s to its code and retryability", (error, code, retryable) => {
    const mapped = githubError(error, "GET /repos/o/r");
    expect([mapped.code, mapped.retryable]).toEqual([code, retryable]);
  });

  it("treats Octokit's status-500 wrapper of a timeout as a retryable Timeout", () => {
    const wrapped = requestError(500);
    wrapped.cause = new DOMException("timed out", "TimeoutError");
    expect(githubError(wrapped, "GET /x")).toMatchObject({
      code: ErrorCode.Timeout,
      retryable: true,
    });
  });

  it("names the rate-limit reset in the message", () => {
    const error = githubError(
      requestError(403, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1795012345" }),
      "GET /x",
    );
    expect(error.message).toContain(new Date(1795012345 * 1000).toISOString());
  });
});
