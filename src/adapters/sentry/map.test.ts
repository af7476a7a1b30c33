import { describe, expect, it } from "vitest";
import { AppError } from "../../domain/errors.ts";
import { mapEvent, mapEvents, mapIssue, mapReleases, mapTagValues, pathOf } from "./map.ts";

/** Small payloads in the shapes Sentry's REST API answers (docs.sentry.io/api/events/). */
const event = {
  eventID: "65eca93c4205830a530f3e4e628ece43",
  dateCreated: "2026-11-20T14:33:52Z",
  release: { version: "api@1.2.3", dateCreated: "2026-11-20T13:58:31Z" },
  tags: [
    { key: "environment", value: "production" },
    { key: "transaction", value: "POST /v1/onboarding/complete" },
    { key: "url", value: "https://api.example.com/v1/onboarding/complete?token=abc123" },
    { key: "user", value: "email:dana.reyes@example.com" },
    { key: "request_id", value: "req_01" },
  ],
  user: { id: "acct_1", email: "dana.reyes@example.com", ip_address: "203.0.113.24" },
  entries: [
    {
      type: "exception",
      data: {
        values: [
          { type: "DatabaseError", value: "cause", stacktrace: { frames: [] } },
          {
            type: "TypeError",
            value: "Cannot read properties of null (reading 'plan')",
            mechanism: { type: "onunhandledrejection", handled: false },
            stacktrace: {
              frames: [
                { filename: "node:internal/process", function: "tick", lineNo: 95, inApp: false },
                {
                  filename: "src/onboarding/complete.ts",
                  function: "completeOnboarding",
                  lineNo: 42,
                  inApp: true,
                  vars: { password: "hunter2" },
                  context: [[42, "const secret = 'sk_live_123';"]],
                },
              ],
            },
          },
        ],
      },
    },
    {
      type: "request",
      data: {
        url: "https://api.example.com/v1/onboarding/complete?session=s3cr3t",
        method: "POST",
        data: { workspaceName: "Acme" },
        headers: [
          ["Authorization", "Bearer eyJhbGciOi.payload.sig"],
          ["Cookie", "acme_session=s%3Asim"],
          ["User-Agent", "ExampleApp/2.1 (iOS 18.1)"],
        ],
        cookies: [["acme_session", "s%3Asim"]],
      },
    },
    { type: "breadcrumbs", data: { values: [{ message: "select * from accounts" }] } },
  ],
};

describe("mapEvent", () => {
  it("keeps the exception, its handled flag, in-app flags, method + path and User-Agent, and no other header, cookie, body or the user", () => {
    const mapped = mapEvent(event);
    expect(mapped).toMatchObject({
      eventId: "65eca93c4205830a530f3e4e628ece43",
      release: "api@1.2.3",
      environment: "production",
      request: {
        method: "POST",
        path: "/v1/onboarding/complete",
        userAgent: "ExampleApp/2.1 (iOS 18.1)",
      },
      exception: {
        type: "TypeError",
        handled: false,
        frames: [
          { filename: "node:internal/process", function: "tick", lineno: 95, inApp: false },
          {
            filename: "src/onboarding/complete.ts",
            function: "completeOnboarding",
            lineno: 42,
            inApp: true,
          },
        ],
      },
    });
    const text = JSON.stringify(mapped);
    for (const leak of [
      "Bearer",
      "acme_session",
      "dana.reyes",
      "203.0.113.24",
      "hunter2",
      "sk_live",
      "workspaceName",
      "select * from",
      "session=",
      "token=",
    ]) {
      expect(text).not.toContain(leak);
    }
  });

  it("keeps the host and status of each HTTP breadcrumb in order: no path, query or other breadcrumb", () => {
    const mapped = mapEvent({
      ...event,
      entries: [
        ...event.entries,
        {
          type: "breadcrumbs",
          data: {
            values: [
              { type: "default", category: "query", message: "select 1" },
              {
                type: "http",
                category: "fetch",
                data: {
                  method: "POST",
                  url: "http://Upstream.internal.example.com/v2/things?key=s3cr3t",
                },
              },
              { type: "default", category: "xhr", data: { url: "https://cdn.example.com/a.js" } },
              { type: "http", category: "fetch", data: { url: "/relative/only" } },
              {
                type: "http",
                category: "fetch",
                data: { url: "http://upstream.internal.example.com/x", status_code: 504 },
              },
            ],
          },
        },
      ].filter((e) => !(e.type === "breadcrumbs" && JSON.stringify(e).includes("accounts"))),
    });
    expect(mapped.outboundCalls).toEqual([
      { host: "upstream.internal.example.com" },
      { host: "cdn.example.com" },
      { host: "upstream.internal.example.com", status: 504 },
    ]);
    expect(JSON.stringify(mapped)).not.toContain("s3cr3t");
    expect(JSON.stringify(mapped)).not.toContain("/v2/things");
    expect(mapEvent(event).outboundCalls).toBeUndefined();
  });

  it("drops the user tag and reduces the url tag to its path", () => {
    const { tags } = mapEvent(event);
    expect(tags.map((t) => t.key)).not.toContain("user");
    expect(tags.find((t) => t.key === "url")?.value).toBe("/v1/onboarding/complete");
    expect(tags.find((t) => t.key === "request_id")?.value).toBe("req_01");
  });

  it("reads the release from the tag when the event carries none, and list rows without entries", () => {
    const [row] = mapEvents([
      {
        id: "e1",
        dateCreated: "2026-11-20T14:00:00Z",
        tags: [{ key: "release", value: "api@1.0.0" }],
      },
    ]);
    expect(row).toEqual({
      eventId: "e1",
      dateCreated: "2026-11-20T14:00:00Z",
      release: "api@1.0.0",
      tags: [{ key: "release", value: "api@1.0.0" }],
    });
  });

  it("refuses a payload that is not an event with a coded error", () => {
    expect(() => mapEvent({ nope: true })).toThrow(AppError);
  });
});

describe("mapIssue", () => {
  it("keeps Sentry's isUnhandled as unhandled, and leaves it out when absent", () => {
    expect(mapIssue({ id: "1", isUnhandled: true }).unhandled).toBe(true);
    expect(mapIssue({ id: "1", isUnhandled: false }).unhandled).toBe(false);
    expect(mapIssue({ id: "1" })).not.toHaveProperty("unhandled");
  });

  it("turns Sentry's string count into a number and keeps the 24h and 30d series and project slug", () => {
    const issue = mapIssue({
      id: "4502117730",
      shortId: "ONBOARDING-API-3F",
      title: "TypeError: boom",
      culprit: "POST /v1/onboarding/complete",
      level: "error",
      status: "unresolved",
      count: "312",
      userCount: 187,
      firstSeen: "2026-11-20T14:06:11Z",
      lastSeen: "2026-11-20T14:33:52Z",
      project: { id: "1", slug: "onboarding-api" },
      stats: { "24h": [[1700000000, 3]], "30d": [[1700000000, 3]] },
      metadata: { filename: "src/x.ts" },
    });
    expect(issue).toEqual({
      id: "4502117730",
      shortId: "ONBOARDING-API-3F",
      title: "TypeError: boom",
      culprit: "POST /v1/onboarding/complete",
      level: "error",
      status: "unresolved",
      count: 312,
      userCount: 187,
      firstSeen: "2026-11-20T14:06:11Z",
      lastSeen: "2026-11-20T14:33:52Z",
      project: "onboarding-api",
      stats24h: [[1700000000, 3]],
      stats30d: [[1700000000, 3]],
    });
  });
});

describe("mapReleases and mapTagValues", () => {
  it("takes the last deploy's finish as the deploy time, else its start", () => {
    const releases = mapReleases([
      {
        version: "api@2",
        dateCreated: "2026-11-20T13:58:31Z",
        dateReleased: "2026-11-20T14:02:14Z",
        commitCount: 3,
        lastDeploy: {
          dateStarted: "2026-11-20T13:59:02Z",
          dateFinished: "2026-11-20T14:02:14Z",
          environment: "production",
        },
        authors: [{ email: "lena@example.com" }],
      },
      {
        version: "api@1",
        dateCreated: "2026-11-19T09:00:00Z",
        dateReleased: null,
        lastDeploy: { dateStarted: "2026-11-19T09:01:00Z", dateFinished: null },
      },
    ]);
    expect(releases).toEqual([
      {
        version: "api@2",
        dateCreated: "2026-11-20T13:58:31Z",
        dateReleased: "2026-11-20T14:02:14Z",
        lastDeployAt: "2026-11-20T14:02:14Z",
        environment: "production",
        commitCount: 3,
      },
      {
        version: "api@1",
        dateCreated: "2026-11-19T09:00:00Z",
        lastDeployAt: "2026-11-19T09:01:00Z",
      },
    ]);
  });

  it("maps top values and strips query strings from url values", () => {
    expect(
      mapTagValues({
        key: "url",
        topValues: [{ value: "https://x.example/a?b=c", count: 3, lastSeen: "…" }],
      }),
    ).toEqual({ key: "url", values: [{ value: "/a", count: 3 }] });
    expect(pathOf("not a url?x=1")).toBe("not a url");
  });

  it("keeps the tag's totalValues: the top values are a subset of the events", () => {
    expect(
      mapTagValues({ key: "browser", totalValues: 40, topValues: [{ value: "B 1", count: 10 }] }),
    ).toEqual({ key: "browser", values: [{ value: "B 1", count: 10 }], totalValues: 40 });
  });
});
