import { describe, expect, it } from "vitest";
import { sentryEvent } from "../../test/setup/sentry-event.ts";
import type { SimRequest } from "../types.ts";
import { createSentryInstance } from "./sentry.ts";
import { type SentryDataInput, sentryDataSchema } from "./sentry-data.ts";

// biome-ignore lint/suspicious/noExplicitAny: assertions walk provider-shaped JSON
type Json = any;

const NOW = new Date("2025-06-01T12:30:00Z");

function event(id: string, dateCreated: string, release = "api@1.4.0") {
  return sentryEvent({
    eventID: id.padEnd(32, "0"),
    dateCreated,
    release,
    tags: [{ key: "route", value: "/v1/onboarding" }],
    headers: [
      ["Cookie", "session=abc123"],
      ["Authorization", "Bearer user-secret"],
    ],
  });
}

const fixture: SentryDataInput = {
  org: "acme",
  tokens: ["sntrys_test"],
  projects: [{ id: "11", slug: "api", name: "API" }],
  issues: [
    {
      id: "4501",
      shortId: "API-7",
      title: "TypeError: Cannot read properties of null (reading 'plan')",
      culprit: "start(src/onboarding)",
      project: "api",
      userCount: 3,
      firstRelease: "api@1.4.0",
      events: [
        event("a1", "2025-06-01T11:10:00Z"),
        event("a2", "2025-06-01T12:05:00Z"),
        event("a3", "2025-06-01T12:20:00Z"),
      ],
    },
  ],
  releases: [
    {
      version: "api@1.4.0",
      dateCreated: "2025-06-01T11:00:00Z",
      dateReleased: "2025-06-01T11:02:00Z",
      commitCount: 4,
      projects: ["api"],
      lastDeploy: {
        id: "9",
        environment: "production",
        dateFinished: "2025-06-01T11:05:00Z",
      },
    },
    { version: "api@1.3.9", dateCreated: "2025-05-30T09:00:00Z", projects: ["api"] },
  ],
  eventsPageSize: 2,
};

function world() {
  return createSentryInstance(sentryDataSchema.parse(fixture), {
    now: () => NOW,
    baseUrl: "http://world.test",
  });
}

function get(path: string, token: string | null = "sntrys_test"): SimRequest {
  const url = new URL(path, "http://x");
  return {
    method: "GET",
    path: url.pathname,
    query: url.searchParams,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    rawBody: "",
    body: undefined,
  };
}

describe("simulated Sentry", () => {
  it("refuses requests without a bearer token or with an unknown one", async () => {
    const sentry = world();
    const missing = await sentry.handle(get("/api/0/organizations/acme/issues/4501/", null));
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({ detail: "Authentication credentials were not provided." });
    const wrong = await sentry.handle(get("/api/0/organizations/acme/issues/4501/", "nope"));
    expect(wrong.status).toBe(401);
  });

  it("returns issue details with a string count, releases and an hourly 24h series", async () => {
    const res = await world().handle(get("/api/0/organizations/acme/issues/4501/"));
    expect(res.status).toBe(200);
    expect(res.method).toBe("GET /api/0/organizations/{org}/issues/{issue_id}/");
    const issue = res.body as Json;
    expect(issue.count).toBe("3");
    expect(issue.shortId).toBe("API-7");
    expect(issue.project).toMatchObject({ id: "11", slug: "api" });
    expect(issue.firstSeen).toBe("2025-06-01T11:10:00Z");
    expect(issue.lastSeen).toBe("2025-06-01T12:20:00Z");
    expect(issue.firstRelease.lastDeploy.environment).toBe("production");
    const series = issue.stats["24h"] as [number, number][];
    expect(series).toHaveLength(24);
    expect(series.at(-1)).toEqual([Date.parse("2025-06-01T12:00:00Z") / 1000, 2]);
    expect(series.at(-2)).toEqual([Date.parse("2025-06-01T11:00:00Z") / 1000, 1]);
    expect(issue.permalink).toBe("http://world.test/sentry/organizations/acme/issues/4501/");
    expect(res.headers?.["X-Sentry-Rate-Limit-Limit"]).toBe("40");
    expect(res.headers?.["X-Sentry-Rate-Limit-Remaining"]).toBe("39");
  });

  it("answers 404 with Sentry's detail for an unknown org or issue", async () => {
    const sentry = world();
    for (const path of [
      "/api/0/organizations/other/issues/4501/",
      "/api/0/organizations/acme/issues/999/",
      "/api/0/organizations/acme/issues/4501/events/ffff/",
    ]) {
      const res = await sentry.handle(get(path));
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ detail: "The requested resource does not exist" });
    }
  });

  it("serves latest, oldest and recommended events with entries and the release object", async () => {
    const sentry = world();
    const latest = (
      await sentry.handle(get("/api/0/organizations/acme/issues/4501/events/latest/"))
    ).body as Json;
    expect(latest.eventID).toBe("a3".padEnd(32, "0"));
    expect(latest.previousEventID).toBe("a2".padEnd(32, "0"));
    expect(latest.release.version).toBe("api@1.4.0");
    const request = latest.entries.find((e: { type: string }) => e.type === "request");
    expect(request.data.headers).toContainEqual(["Cookie", "session=abc123"]);
    expect(latest.tags).toContainEqual({ key: "release", value: "api@1.4.0" });
    const oldest = (
      await sentry.handle(get("/api/0/organizations/acme/issues/4501/events/oldest/"))
    ).body as Json;
    expect(oldest.eventID).toBe("a1".padEnd(32, "0"));
    const recommended = await sentry.handle(
      get("/api/0/organizations/acme/issues/API-7/events/recommended/"),
    );
    expect((recommended.body as { eventID: string }).eventID).toBe(latest.eventID);
  });

  it("pages the event list with Sentry's cursor Link header", async () => {
    const sentry = world();
    const first = await sentry.handle(get("/api/0/organizations/acme/issues/4501/events/"));
    expect((first.body as unknown[]).length).toBe(2);
    const link = first.headers?.Link ?? "";
    expect(link).toContain('rel="previous"; results="false"; cursor="0:0:1"');
    expect(link).toContain(
      '<http://world.test/sentry/api/0/organizations/acme/issues/4501/events/?&cursor=0:2:0>; rel="next"; results="true"; cursor="0:2:0"',
    );
    const second = await sentry.handle(
      get("/api/0/organizations/acme/issues/4501/events/?cursor=0:2:0"),
    );
    const page = second.body as { eventID: string; entries?: unknown }[];
    expect(page.map((e) => e.eventID)).toEqual(["a1".padEnd(32, "0")]);
    expect(page[0]!.entries).toBeUndefined();
    expect(second.headers?.Link).toContain('rel="next"; results="false"');
  });

  it("breaks tags down by value, listing and per key", async () => {
    const sentry = world();
    const list = (await sentry.handle(get("/api/0/organizations/acme/issues/4501/tags/"))).body as {
      key: string;
    }[];
    expect(list.map((t) => t.key)).toEqual(
      expect.arrayContaining(["environment", "release", "route"]),
    );
    const route = (await sentry.handle(get("/api/0/organizations/acme/issues/4501/tags/route/")))
      .body as Json;
    expect(route.totalValues).toBe(3);
    expect(route.topValues[0]).toMatchObject({ value: "/v1/onboarding", count: 3 });
  });

  it("lists releases newest first and fetches one by version", async () => {
    const sentry = world();
    const list = (await sentry.handle(get("/api/0/organizations/acme/releases/"))).body as {
      version: string;
    }[];
    expect(list.map((r) => r.version)).toEqual(["api@1.4.0", "api@1.3.9"]);
    const one = (await sentry.handle(get("/api/0/organizations/acme/releases/api%401.4.0/")))
      .body as Json;
    expect(one).toMatchObject({ version: "api@1.4.0", commitCount: 4, deployCount: 1 });
    expect(one.firstEvent).toBe("2025-06-01T11:10:00Z");
  });

  it("records a recurrence through the test hook", async () => {
    const sentry = world();
    const hook = await sentry.handle({
      ...get("/_sim/issues/4501/events", null),
      method: "POST",
      body: event("b1", "2025-06-01T12:29:00Z"),
    });
    expect(hook.status).toBe(201);
    const issue = (await sentry.handle(get("/api/0/organizations/acme/issues/4501/"))).body as Json;
    expect(issue.count).toBe("4");
    expect(issue.lastSeen).toBe("2025-06-01T12:29:00Z");
  });

  it("answers 429 once an enforced window is spent", async () => {
    const sentry = createSentryInstance(
      sentryDataSchema.parse({ ...fixture, rateLimit: { limit: 2, enforce: true } }),
      { now: () => NOW, baseUrl: "http://world.test" },
    );
    const path = "/api/0/organizations/acme/issues/4501/";
    expect((await sentry.handle(get(path))).status).toBe(200);
    expect((await sentry.handle(get(path))).headers?.["X-Sentry-Rate-Limit-Remaining"]).toBe("0");
    const limited = await sentry.handle(get(path));
    expect(limited.status).toBe(429);
    expect(limited.headers?.["Retry-After"]).toBe("1");
  });
});
