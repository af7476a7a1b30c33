import { describe, expect, it } from "vitest";
import { AppError, ErrorCode } from "../../src/domain/errors.ts";
import { normalizeSpecialistOutput } from "../../src/domain/specialist-output.ts";
import { tool } from "../../test/setup/classifier-fixtures.ts";
import type { SentryIssueSummary, SentryReader } from "../tools.ts";
import type { TicketContext } from "../types.ts";
import sentry from "./index.ts";

/** The sentry specialist for a ticket that links no issue: the service's project searched. */

const NOW = new Date("2026-11-20T14:35:00Z");
const HOUR = 3600;
const end = Math.floor(NOW.getTime() / 1000 / HOUR) * HOUR;
const hourly = (counts: number[]): [number, number][] =>
  counts.map((n, i) => [end - (counts.length - 1 - i) * HOUR, n]);

const summary = (id: string, stats: number[], firstSeen: string): SentryIssueSummary => ({
  id,
  shortId: `SVC-${id}`,
  title: `Error ${id}`,
  culprit: "GET /v1/things",
  level: "error",
  status: "unresolved",
  count: stats.reduce((a, b) => a + b, 0),
  userCount: 1,
  firstSeen,
  lastSeen: "2026-11-20T14:30:00Z",
  project: "svc-a",
  stats24h: hourly(stats),
});
const steady = summary("1", Array(24).fill(3), "2026-07-01T00:00:00Z");
const spiking = summary("2", [...Array(20).fill(1), 30, 35, 33, 31], "2026-09-01T00:00:00Z");

function reader(search: SentryReader["searchProjectIssues"]): SentryReader {
  const byId = new Map([steady, spiking].map((i) => [i.id, i]));
  return {
    getIssue: async (id) => byId.get(id)!,
    getEvent: async () => ({
      eventId: "e1",
      dateCreated: "2026-11-20T14:00:00Z",
      tags: [{ key: "transaction", value: "GET /v1/things" }],
    }),
    listEvents: async () => [],
    getTagValues: async (_id, key) => ({ key, values: [] }),
    listReleases: async () => [],
    ...(search ? { searchProjectIssues: search } : {}),
  };
}

const ticket = (service?: string, sentryProjects?: string[]): TicketContext => ({
  snapshot: {
    ticketKey: "OPS-2",
    title: "errors",
    labels: [],
    status: "Triage",
    descriptionExcerpt: "",
    linked: { sentryIssueIds: [], awsRefs: [], requestIds: [] },
    createdAt: "2026-11-20T14:20:00Z",
    updatedAt: "2026-11-20T14:20:00Z",
    fetchedAt: "2026-11-20T14:21:00Z",
  },
  ...(service ? { service } : {}),
  ...(sentryProjects ? { sentryProjects } : {}),
  comments: [],
  attachments: [],
});
const hints = { pages: [], recipes: [], negativeControls: [] };
const run = async (t: TicketContext, r: SentryReader) =>
  normalizeSpecialistOutput(
    await sentry.run({
      question: sentry.question(t),
      ticket: t,
      hints,
      tools: { sentry: r },
      signal: new AbortController().signal,
      deadline: new Date(NOW.getTime() + 60_000),
      now: NOW,
    }),
  );

describe("sentry specialist: project search when the ticket links no issue", () => {
  it("applies (optional) when the service is known and Sentry is available", () => {
    expect(sentry.appliesTo(ticket("svc-a"), [tool("sentry")], hints)).toMatchObject({
      applies: true,
      required: false,
    });
    // No service at all: the organization is swept instead (sweep.test.ts).
    expect(sentry.appliesTo(ticket(), [tool("sentry")], hints)).toMatchObject({
      applies: true,
      required: false,
    });
    expect(sentry.appliesTo(ticket(), [], hints)).toMatchObject({ applies: false });
    expect(sentry.question(ticket("svc-a", ["svc-a-prod"]))).toContain("svc-a-prod");
  });

  it("reports the project's error series and reads the issue that carries the rise", async () => {
    const asked: string[] = [];
    const out = await run(
      ticket("svc-a"),
      reader(async (project) => {
        asked.push(project);
        return [steady, spiking];
      }),
    );
    expect(asked).toEqual(["svc-a"]);
    expect(out.status).toBe("returned");
    const series = out.signals.filter((s) => s.kind === "series_change");
    // The project's summed series, then the leading issue's own.
    expect(series.map((s) => [s.sourceRef, s.direction])).toEqual([
      ["sentry_issue:project/svc-a", "rise"],
      ["sentry_issue:2", "rise"],
    ]);
    expect(series[1]).toMatchObject({ scope: { route: "GET /v1/things", resource: "svc-a" } });
  });

  it("records a gap, not a guess, when the project does not exist", async () => {
    const out = await run(
      ticket("svc-a", ["nope"]),
      reader(async () => {
        throw new AppError(ErrorCode.NotFound, "Sentry: not found");
      }),
    );
    expect(out.status).toBe("failed");
    expect(out.gaps.map((g) => g.what)).toContain(
      "no Sentry project 'nope': the service's errors were not searched",
    );
  });
});
