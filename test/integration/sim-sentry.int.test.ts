import { describe, expect, it } from "vitest";
import type { World } from "../../sim/server.ts";
import type { SentryDataInput } from "../../sim/services/sentry-data.ts";
import { sentryEvent } from "../setup/sentry-event.ts";
import { useInlineWorld } from "../setup/world.ts";

/**
 * The simulated Sentry through the world's HTTP server, called with fetch the way prode's
 * Sentry adapter does (Sentry ships no REST client). Inline data, no scenario files.
 */

const TOKEN = "sntrys_sim_test";

function event(n: number) {
  const minute = String(n).padStart(2, "0");
  return sentryEvent({
    eventID: n.toString(16).padStart(32, "0"),
    dateCreated: `2025-06-01T12:${minute}:00Z`,
    release: "api@2.0.0",
    headers: [["Cookie", `session=s${n}`]],
    cookies: [["session", `s${n}`]],
  });
}

const sentry: SentryDataInput = {
  org: "acme",
  tokens: [TOKEN],
  projects: [{ id: "11", slug: "api", name: "API" }],
  issues: [
    {
      id: "4501",
      shortId: "API-7",
      title: "TypeError: Cannot read properties of null (reading 'plan')",
      culprit: "start(src/onboarding)",
      project: "api",
      userCount: 5,
      firstRelease: "api@2.0.0",
      events: Array.from({ length: 5 }, (_, i) => event(i + 1)),
    },
  ],
  releases: [
    {
      version: "api@2.0.0",
      dateCreated: "2025-06-01T11:55:00Z",
      dateReleased: "2025-06-01T11:58:00Z",
      commitCount: 3,
      projects: ["api"],
      lastDeploy: { id: "1", environment: "production", dateFinished: "2025-06-01T11:59:00Z" },
    },
  ],
  eventsPageSize: 2,
};

let world: World;
useInlineWorld(
  {
    name: "sim-sentry-int",
    description: "Sentry service integration test",
    integrations: { github: false, aws: false, replica: false, vendorStatus: false },
    ticket: { identifier: "ENG-1", title: "500s on onboarding", createdAt: "2025-06-01T12:10:00Z" },
    sentry,
    expected: { outcome: "RUN_COMPLETE", classification: "code_defect" },
  },
  (w) => {
    world = w;
  },
  { clock: () => new Date("2025-06-01T12:30:00Z") },
);

const get = (path: string, token: string | null = TOKEN) =>
  fetch(`${world.urls.sentry}${path}`, {
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  });

/** Follows Sentry's `Link` header until `rel="next"` says `results="false"`. */
async function allPages(path: string): Promise<unknown[]> {
  const items: unknown[] = [];
  let url: string | null = `${world.urls.sentry}${path}`;
  while (url) {
    const res: Response = await fetch(url, { headers: { Authorization: `Bearer ${TOKEN}` } });
    items.push(...((await res.json()) as unknown[]));
    const next = /<([^>]+)>; rel="next"; results="true"/.exec(res.headers.get("link") ?? "");
    url = next ? next[1]! : null;
  }
  return items;
}

describe("simulated Sentry over HTTP", () => {
  it("serves issue details with auth and refuses without a token", async () => {
    const res = await get("/api/0/organizations/acme/issues/4501/");
    expect(res.status).toBe(200);
    expect(res.headers.get("x-sentry-rate-limit-limit")).toBe("40");
    const issue = (await res.json()) as Record<string, unknown>;
    expect(issue).toMatchObject({ id: "4501", shortId: "API-7", count: "5", userCount: 5 });
    expect((issue.stats as Record<string, unknown[]>)["24h"]).toHaveLength(24);

    const anonymous = await get("/api/0/organizations/acme/issues/4501/", null);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({
      detail: "Authentication credentials were not provided.",
    });
    expect(world.calls({ service: "sentry" }).at(-1)?.method).toBe(
      "GET /api/0/organizations/{org}/issues/{issue_id}/",
    );
  });

  it("returns the latest event with its stack trace, request headers and release", async () => {
    const res = await get("/api/0/organizations/acme/issues/4501/events/latest/");
    const latest = (await res.json()) as {
      eventID: string;
      entries: { type: string; data: { headers?: [string, string][] } }[];
      release: { version: string; lastDeploy: { environment: string } };
    };
    expect(latest.eventID).toBe((5).toString(16).padStart(32, "0"));
    const request = latest.entries.find((e) => e.type === "request");
    expect(request?.data.headers).toContainEqual(["Cookie", "session=s5"]);
    expect(latest.release).toMatchObject({
      version: "api@2.0.0",
      lastDeploy: { environment: "production" },
    });
  });

  it("pages events through the Link header until results run out", async () => {
    const events = (await allPages("/api/0/organizations/acme/issues/4501/events/")) as {
      eventID: string;
    }[];
    expect(events).toHaveLength(5);
    expect(new Set(events.map((e) => e.eventID)).size).toBe(5);
  });

  it("lists releases and fetches one; unknown ones are 404", async () => {
    const list = (await (await get("/api/0/organizations/acme/releases/")).json()) as {
      version: string;
      commitCount: number;
    }[];
    expect(list).toEqual([expect.objectContaining({ version: "api@2.0.0", commitCount: 3 })]);
    const one = await get(`/api/0/organizations/acme/releases/${encodeURIComponent("api@2.0.0")}/`);
    expect(((await one.json()) as { dateReleased: string }).dateReleased).toBe(
      "2025-06-01T11:58:00Z",
    );
    const missing = await get("/api/0/organizations/acme/releases/nope/");
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ detail: "The requested resource does not exist" });
  });

  it("records a recurrence through the hook and shows it in the issue", async () => {
    const hook = await fetch(`${world.urls.sentry}/_sim/issues/4501/events`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(event(29)),
    });
    expect(hook.status).toBe(201);
    const issue = (await (await get("/api/0/organizations/acme/issues/4501/")).json()) as {
      count: string;
      lastSeen: string;
    };
    expect(issue).toMatchObject({ count: "6", lastSeen: "2025-06-01T12:29:00Z" });
  });
});
