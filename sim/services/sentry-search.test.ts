import { describe, expect, it } from "vitest";
import { sentryEvent } from "../../test/setup/sentry-event.ts";
import type { SimRequest } from "../types.ts";
import { createSentryInstance } from "./sentry.ts";
import { type SentryDataInput, sentryDataSchema } from "./sentry-data.ts";

/** "List a Project's Issues" in the simulated Sentry: filters, order, stats periods. */

// biome-ignore lint/suspicious/noExplicitAny: assertions walk provider-shaped JSON
type Json = any;

const NOW = new Date("2025-06-01T12:30:00Z");
const event = (id: string, dateCreated: string) =>
  sentryEvent({
    eventID: id.padEnd(32, "0"),
    dateCreated,
    release: "api@1",
    tags: [],
    headers: [],
  });
const issue = (id: string, title: string, status: string, events: ReturnType<typeof event>[]) => ({
  id,
  shortId: `API-${id}`,
  title,
  culprit: "x",
  project: "api",
  status: status as "unresolved",
  events,
});

const fixture: SentryDataInput = {
  org: "acme",
  projects: [
    { id: "11", slug: "api", name: "API" },
    { id: "12", slug: "web", name: "Web" },
  ],
  issues: [
    issue("1", "TimeoutError: upstream", "unresolved", [event("a", "2025-06-01T09:10:00Z")]),
    issue("2", "TypeError: null plan", "unresolved", [
      event("b", "2025-06-01T12:05:00Z"),
      event("c", "2025-06-01T12:10:00Z"),
    ]),
    issue("3", "Old resolved", "resolved", [event("d", "2025-06-01T12:00:00Z")]),
    {
      ...issue("4", "Spiking", "unresolved", []),
      firstSeen: "2025-04-01T00:00:00Z",
      lastSeen: "2025-06-01T12:29:00Z",
      count: 500,
      stats: { "24h": [[1748772000, 5]] },
    },
  ],
};

const world = () =>
  createSentryInstance(sentryDataSchema.parse(fixture), {
    now: () => NOW,
    baseUrl: "http://world.test",
  });

function get(path: string): SimRequest {
  const url = new URL(path, "http://x");
  return {
    method: "GET",
    path: url.pathname,
    query: url.searchParams,
    headers: { authorization: "Bearer t" },
    rawBody: "",
    body: undefined,
  };
}

describe("simulated Sentry: project issue search", () => {
  it("lists the project's unresolved issues, last seen first, with the 24h hourly series", async () => {
    const res = await world().handle(get("/api/0/projects/acme/api/issues/?statsPeriod=24h"));
    expect(res.status).toBe(200);
    expect(res.method).toBe("GET /api/0/projects/{org}/{project}/issues/");
    const body = res.body as Json[];
    expect(body.map((i) => i.id)).toEqual(["4", "2", "1"]);
    expect(body[1].stats["24h"]).toHaveLength(24);
    expect(body[1].stats["24h"].at(-1)).toEqual([Date.parse("2025-06-01T12:00:00Z") / 1000, 2]);
    // An explicit series is returned as written.
    expect(body[0].stats).toEqual({ "24h": [[1748772000, 5]] });
    expect(body[0].count).toBe("500");
  });

  it("honours is: tokens, title words, sort, and the 14d and empty stats periods", async () => {
    const sentry = world();
    const resolved = await sentry.handle(get("/api/0/projects/acme/api/issues/?query=is:resolved"));
    expect((resolved.body as Json[]).map((i) => i.id)).toEqual(["3"]);
    const words = await sentry.handle(
      get("/api/0/projects/acme/api/issues/?query=is:unresolved%20timeout"),
    );
    expect((words.body as Json[]).map((i) => i.id)).toEqual(["1"]);
    const freq = await sentry.handle(get("/api/0/projects/acme/api/issues/?sort=freq"));
    expect((freq.body as Json[])[0].id).toBe("4");
    const daily = await sentry.handle(get("/api/0/projects/acme/api/issues/?statsPeriod=14d"));
    expect((daily.body as Json[])[1].stats["14d"]).toHaveLength(14);
    const none = await sentry.handle(get("/api/0/projects/acme/api/issues/?statsPeriod="));
    expect((none.body as Json[])[0].stats).toEqual({});
  });

  it("answers 400 for a stats period Sentry refuses and 404 for an unknown project or org", async () => {
    const sentry = world();
    expect(
      (await sentry.handle(get("/api/0/projects/acme/api/issues/?statsPeriod=7d"))).status,
    ).toBe(400);
    expect((await sentry.handle(get("/api/0/projects/acme/nope/issues/"))).status).toBe(404);
    expect((await sentry.handle(get("/api/0/projects/other/api/issues/"))).status).toBe(404);
    const empty = await sentry.handle(get("/api/0/projects/acme/web/issues/"));
    expect(empty.body).toEqual([]);
  });
});
