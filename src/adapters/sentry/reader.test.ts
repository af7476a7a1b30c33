import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startWorld, type World } from "../../../sim/server.ts";
import { ErrorCode } from "../../domain/errors.ts";
import { withCallBudget } from "../../observability/call-budget.ts";
import type { RetryEvent } from "../retry.ts";
import { createSentryReader, probeSentry } from "./reader.ts";

/** The reader against the simulated Sentry (real HTTP, Sentry's own paths and shapes). */

const ISSUE = "4502117730";
let world: World;

beforeEach(async () => {
  world = await startWorld({ scenario: "backend-500-pr" });
});
afterEach(async () => {
  await world.close();
});

const reader = (
  overrides: { token?: string; timeoutMs?: number; onRetry?: (e: RetryEvent) => void } = {},
) =>
  createSentryReader({
    baseUrl: world.urls.sentry,
    org: "acme-sim",
    token: overrides.token ?? "sntrys_sim_token",
    timeoutMs: overrides.timeoutMs ?? 2_000,
    ...(overrides.onRetry ? { onRetry: overrides.onRetry } : {}),
  });

const hex = (i: number) => i.toString(16).padStart(32, "0");

describe("createSentryReader over the simulated Sentry", () => {
  it("reads the issue with its 24h series and the recommended event without request secrets", async () => {
    const sentry = reader();
    const issue = await sentry.getIssue(ISSUE);
    expect(issue).toMatchObject({
      id: ISSUE,
      shortId: "ONBOARDING-API-3F",
      count: 312,
      project: "onboarding-api",
      firstSeen: "2026-11-20T14:06:11Z",
    });
    expect(issue.stats24h).toHaveLength(24);

    const event = await sentry.getEvent(ISSUE, "recommended");
    expect(event.request).toMatchObject({ method: "POST", path: "/v1/onboarding/complete" });
    expect(Object.keys(event.request ?? {}).sort()).toEqual(["method", "path", "userAgent"]);
    expect(event.release).toBe("onboarding-api@v2026.11.20-3");
    // The world did send the secrets: the adapter is what keeps them in.
    const raw = JSON.stringify(world.calls({ service: "sentry" }).at(-1)?.response);
    expect(raw).toContain("acme_session");
    const mapped = JSON.stringify(event);
    for (const leak of ["acme_session", "Bearer", "@example.com", "203.0.113.24", "[Filtered]"]) {
      expect(mapped).not.toContain(leak);
    }
    const auth = world.calls({ service: "sentry" }).every((c) => c.status === 200);
    expect(auth).toBe(true);
  });

  it("pages events with Sentry's cursor until the limit and stops there", async () => {
    for (let i = 0; i < 120; i++) {
      // The world's test hook records an occurrence, as a new burst would.
      const added = await fetch(`${world.urls.sentry}/_sim/issues/${ISSUE}/events`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          eventID: hex(i + 1),
          dateCreated: new Date(Date.parse("2026-11-20T12:00:00Z") + i * 1000).toISOString(),
          tags: [{ key: "request_id", value: `req_${i}` }],
          entries: [],
        }),
      });
      expect(added.status).toBe(201);
    }
    world.clearCalls();
    const events = await reader().listEvents(ISSUE, 110);
    expect(events).toHaveLength(110);
    const calls = world.calls({ service: "sentry" });
    expect(calls).toHaveLength(2);
    expect(calls.map((c) => c.status)).toEqual([200, 200]);
  });

  it("reads tag values and the organization's releases", async () => {
    const sentry = reader();
    await expect(sentry.getTagValues(ISSUE, "release")).resolves.toEqual({
      key: "release",
      values: [{ value: "onboarding-api@v2026.11.20-3", count: 3 }],
      totalValues: 3,
    });
    const releases = await sentry.listReleases(10);
    expect(releases.map((r) => [r.version, r.lastDeployAt])).toEqual([
      ["onboarding-api@v2026.11.20-3", "2026-11-20T14:02:14Z"],
      ["onboarding-api@v2026.11.20-2", "2026-11-20T09:15:36Z"],
    ]);
    await expect(sentry.getTagValues(ISSUE, "user")).rejects.toMatchObject({
      code: ErrorCode.BadInput,
    });
  });

  it("waits out a rate limit's Retry-After within the deadline, then reads (a delay, not a gap)", async () => {
    world.injectFault({ service: "sentry", kind: "rate_limit", retryAfterSec: 1, count: 1 });
    const events: RetryEvent[] = [];
    const started = Date.now();
    const issue = await withCallBudget({ deadline: new Date(Date.now() + 10_000) }, () =>
      reader({ onRetry: (e) => events.push(e) }).getIssue(ISSUE),
    );
    expect(issue.id).toBe(ISSUE);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(events).toEqual([
      expect.objectContaining({
        service: "sentry",
        outcome: "retry",
        code: ErrorCode.UpstreamRateLimited,
      }),
    ]);
    expect(world.calls({ service: "sentry" }).map((c) => c.status)).toEqual([429, 200]);
  });

  it("gives up at once, with Retry-After and the reset, when the wait does not fit the deadline", async () => {
    world.injectFault({ service: "sentry", kind: "rate_limit", retryAfterSec: 7 });
    const events: RetryEvent[] = [];
    const started = Date.now();
    const error = await withCallBudget({ deadline: new Date(Date.now() + 3_000) }, () =>
      reader({ onRetry: (e) => events.push(e) }).getIssue(ISSUE),
    ).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(error).toMatchObject({ code: ErrorCode.UpstreamRateLimited, retryable: true });
    expect((error as Error).message).toMatch(
      /retry after 7s, window resets at 2026-11-20T14:35:0\d/,
    );
    expect(events).toEqual([expect.objectContaining({ outcome: "gave_up" })]);
  });

  it("turns 5xx into retryable UpstreamUnavailable, 404 into NotFound and a missing token into Unauthorized", async () => {
    await expect(reader().getIssue("999")).rejects.toMatchObject({
      code: ErrorCode.NotFound,
      retryable: false,
    });
    await expect(reader({ token: "" }).getIssue(ISSUE)).rejects.toMatchObject({
      code: ErrorCode.Unauthorized,
      retryable: false,
    });
    // An outage that outlasts the retries stays a retryable error.
    world.injectFault({ service: "sentry", kind: "error", status: 502 });
    await expect(reader().getIssue(ISSUE)).rejects.toMatchObject({
      code: ErrorCode.UpstreamUnavailable,
      retryable: true,
    });
  });

  it("gives up on a request Sentry holds past the timeout", async () => {
    world.injectFault({ service: "sentry", kind: "timeout" });
    const started = Date.now();
    await expect(reader({ timeoutMs: 150 }).getIssue(ISSUE)).rejects.toMatchObject({
      code: ErrorCode.Timeout,
      retryable: true,
    });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("lists the organization's project slugs (service discovery)", async () => {
    const slugs = await reader().listProjects!();
    expect(slugs).toContain("onboarding-api");
  });

  it("reads the project list once for a run's callers, and again after a failed read", async () => {
    const sentry = reader();
    const projectReads = () =>
      world.calls({ service: "sentry" }).filter((c) => c.method.includes("/projects/")).length;
    // Every attempt of the first read fails (the retry's four), then Sentry answers again.
    world.injectFault({ service: "sentry", kind: "error", status: 503, count: 4 });
    await expect(sentry.listProjects!()).rejects.toMatchObject({ retryable: true });
    const afterFailure = projectReads();
    expect(await sentry.listProjects!()).toContain("onboarding-api");
    expect(await sentry.listProjects!()).toContain("onboarding-api");
    expect(projectReads()).toBe(afterFailure + 1);
  });

  it("never sends anything but GET", async () => {
    const sentry = reader();
    await sentry.getIssue(ISSUE);
    await sentry.listEvents(ISSUE, 5);
    await sentry.listReleases(5);
    expect(world.calls({ service: "sentry" }).every((c) => c.method.startsWith("GET "))).toBe(true);
  });
});

describe("probeSentry", () => {
  it("reports a refused token and an unavailable Sentry as reasons, never throwing", async () => {
    const options = { baseUrl: world.urls.sentry, org: "acme-sim", timeoutMs: 1_000 };
    const refused = await probeSentry({ ...options, token: "" });
    expect(refused).toMatchObject({ ok: false, reason: expect.stringMatching(/^unauthorized:/) });
    world.injectFault({ service: "sentry", kind: "error", status: 503 });
    const down = await probeSentry({ ...options, token: "sntrys_sim_token" });
    expect(down).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^upstream_unavailable:/),
    });
    expect(JSON.stringify(down)).not.toContain("sntrys_sim_token");
  });
});
