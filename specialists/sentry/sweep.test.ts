import { describe, expect, it } from "vitest";
import { normalizeSpecialistOutput } from "../../src/domain/specialist-output.ts";
import type { SentryIssueSummary, SentryReader } from "../tools.ts";
import type { TicketContext } from "../types.ts";
import sentry from "./index.ts";
import { MIN_NEW_ISSUE_EVENTS, projectRise, risingTogether } from "./sweep.ts";

/** The sentry specialist for a ticket no structured source ties to a service: the org sweep. */

const NOW = new Date("2027-02-03T06:50:00Z");
const HOUR = 3600;
const end = Math.floor(NOW.getTime() / 1000 / HOUR) * HOUR;
const hourly = (counts: number[]): [number, number][] =>
  counts.map((n, i) => [end - (counts.length - 1 - i) * HOUR, n]);

const issue = (
  project: string,
  stats: number[],
  firstSeen = "2026-10-01T00:00:00Z",
  over: Partial<SentryIssueSummary> = {},
): SentryIssueSummary => ({
  id: `${project}-1`,
  shortId: `${project.toUpperCase()}-1`,
  title: "Error: upstream connect error",
  culprit: "call(src/client.ts)",
  level: "error",
  status: "unresolved",
  count: stats.reduce((a, b) => a + b, 0),
  userCount: 10,
  firstSeen,
  lastSeen: "2027-02-03T06:45:00Z",
  project,
  stats24h: hourly(stats),
  ...over,
});
const quiet = (project: string) => issue(project, Array(24).fill(2));
/** Errors that jump in the last three hours (onset about three hours ago). */
const spiking = (project: string, lateBy = 0) =>
  issue(project, [...Array(21 + lateBy).fill(1), ...Array(3 - lateBy).fill(60)]);

function reader(byProject: Record<string, SentryIssueSummary[]>): SentryReader {
  return {
    getIssue: async () => {
      throw new Error("not read by the sweep");
    },
    getEvent: async () => {
      throw new Error("not read by the sweep");
    },
    listEvents: async () => [],
    getTagValues: async (_id, key) => ({ key, values: [] }),
    listReleases: async () => [],
    listProjects: async () => Object.keys(byProject),
    searchProjectIssues: async (project) => byProject[project] ?? [],
  };
}

const ticket: TicketContext = {
  snapshot: {
    ticketKey: "OPS-9",
    title: "everything is erroring",
    labels: [],
    status: "Triage",
    descriptionExcerpt: "",
    linked: { sentryIssueIds: [], awsRefs: [], requestIds: [] },
    createdAt: "2027-02-03T06:30:00Z",
    updatedAt: "2027-02-03T06:30:00Z",
    fetchedAt: "2027-02-03T06:31:00Z",
  },
  comments: [],
  attachments: [],
};
const hints = { pages: [], recipes: [], negativeControls: [] };
const run = async (r: SentryReader) =>
  normalizeSpecialistOutput(
    await sentry.run({
      question: sentry.question(ticket),
      ticket,
      hints,
      tools: { sentry: r },
      signal: new AbortController().signal,
      deadline: new Date(NOW.getTime() + 60_000),
      now: NOW,
    }),
  );

describe("sentry specialist: organization sweep when no service is resolved", () => {
  it("names the services whose errors rose together in one impact_scope, from telemetry", async () => {
    const out = await run(
      reader({
        "billing-svc": [spiking("billing-svc")],
        "ledger-svc": [spiking("ledger-svc", 1)],
        "web-edge": [spiking("web-edge")],
        "reports-svc": [quiet("reports-svc")],
      }),
    );
    expect(out.status).toBe("returned");
    const scope = out.signals.filter((s) => s.kind === "impact_scope");
    expect(scope).toHaveLength(1);
    expect(scope[0]).toMatchObject({ services: ["billing-svc", "web-edge", "ledger-svc"] });
    const rises = out.signals.filter((s) => s.kind === "series_change");
    expect(rises.map((s) => s.kind === "series_change" && s.service).sort()).toEqual([
      "billing-svc",
      "ledger-svc",
      "web-edge",
    ]);
  });

  it("emits no signal when one service alone rose (the sweep never picks the run's service)", async () => {
    const out = await run(
      reader({ "billing-svc": [spiking("billing-svc")], "web-edge": [quiet("web-edge")] }),
    );
    expect(out.signals).toEqual([]);
    expect(out.findings.map((f) => f.fact).join(" ")).toContain("errors rose in 1 of 2");
  });
});

describe("projectRise and risingTogether", () => {
  it("dates a project by a new issue's first event once it has enough events, not by a stray one", () => {
    const fresh = (count: number) =>
      issue("svc", [...Array(23).fill(0), count], "2027-02-03T06:10:00Z", { count });
    expect(projectRise([fresh(MIN_NEW_ISSUE_EVENTS)], NOW)?.onset).toBe("2027-02-03T06:10:00.000Z");
    expect(projectRise([fresh(MIN_NEW_ISSUE_EVENTS - 1)], NOW)).toBeUndefined();
    expect(projectRise([quiet("svc")], NOW)).toBeUndefined();
  });

  it("keeps rises within the co-onset window of the earliest, not a later unrelated one", () => {
    const at = (project: string, onset: string) => ({
      project,
      reading: {
        direction: "rise" as const,
        before: 1,
        after: 50,
        peak: 60,
        onset,
        uncertaintyMinutes: 0,
        windowStart: "2027-02-02T07:00:00Z",
        windowEnd: "2027-02-03T06:50:00Z",
        periodMinutes: 60,
        samples: [],
      },
    });
    const together = risingTogether([
      at("b", "2027-02-03T04:30:00Z"),
      at("a", "2027-02-03T04:00:00Z"),
      at("c", "2027-02-03T06:30:00Z"),
    ]);
    expect(together.map((r) => r.project)).toEqual(["a", "b"]);
  });

  it("anchors the spread to the run's onset or the ticket, not the earliest rise of the day", () => {
    const at = (project: string, onset: string) => ({
      project,
      reading: {
        direction: "rise" as const,
        before: 1,
        after: 50,
        peak: 60,
        onset,
        uncertaintyMinutes: 0,
        windowStart: "2027-02-02T07:00:00Z",
        windowEnd: "2027-02-03T06:50:00Z",
        periodMinutes: 60,
        samples: [],
      },
    });
    const rises = [
      at("early-a", "2027-02-02T23:00:00Z"),
      at("early-b", "2027-02-02T23:20:00Z"),
      at("near-a", "2027-02-03T05:40:00Z"),
      at("near-b", "2027-02-03T06:00:00Z"),
    ];
    expect(risingTogether(rises, "2027-02-03T06:30:00Z").map((r) => r.project)).toEqual([
      "near-a",
      "near-b",
    ]);
    // Rises long before the ticket are not its symptom, however many rose together.
    expect(risingTogether(rises.slice(0, 2), "2027-02-03T06:30:00Z")).toEqual([]);
  });

  it("judges a project's new issue against the project's own baseline", () => {
    const fresh = issue(
      "svc",
      [...Array(23).fill(0), MIN_NEW_ISSUE_EVENTS],
      "2027-02-03T06:10:00Z",
      {
        count: MIN_NEW_ISSUE_EVENTS,
      },
    );
    const busy = issue("svc", Array(24).fill(400));
    expect(projectRise([fresh], NOW)).toBeDefined();
    expect(projectRise([fresh, busy], NOW)).toBeUndefined();
  });

  it("three quiet projects with a new stray-sized issue each, hours before the ticket: no spread", async () => {
    const stray = (project: string) =>
      issue(
        project,
        [...Array(14).fill(0), MIN_NEW_ISSUE_EVENTS, ...Array(9).fill(0)],
        "2027-02-02T20:10:00Z",
        {
          count: MIN_NEW_ISSUE_EVENTS,
        },
      );
    const out = await run(reader({ a: [stray("a")], b: [stray("b")], c: [stray("c")] }));
    expect(out.signals.filter((s) => s.kind === "impact_scope")).toEqual([]);
  });
});

describe("sentry specialist: the second wave after the sweep", () => {
  const onset = {
    at: "2027-02-03T04:00:00Z",
    what: "queue_age of billing-jobs rose (aws)",
    specialistId: "aws",
    source: "series" as const,
    uncertaintyMinutes: 0.5,
    service: "billing-svc",
  };
  const fresh = issue("billing-svc", [...Array(21).fill(0), 40, 40, 40], "2027-02-03T04:01:00Z", {
    id: "77",
    shortId: "BILLING-SVC-7",
    title: "ZodError: bad field",
  });
  const withIssue: SentryReader = {
    ...reader({ "billing-svc": [fresh], "web-edge": [quiet("web-edge")] }),
    getIssue: async () => fresh,
    getEvent: async () => ({
      eventId: "e1",
      dateCreated: "2027-02-03T06:40:00Z",
      release: "billing-svc@1",
      tags: [],
    }),
  };

  it("asks again when it swept, found no spread, and another source dated the onset on a service", async () => {
    const first = await run(withIssue);
    expect(sentry.wantsOnset?.(first, onset)).toBe(true);
    const { service: _, ...undated } = onset;
    expect(sentry.wantsOnset?.(first, undated)).toBe(false);
  });

  const alarmed: TicketContext = {
    ...ticket,
    snapshot: {
      ...ticket.snapshot,
      linked: { ...ticket.snapshot.linked, awsRefs: ["alarm:billing-jobs-oldest-message-age"] },
    },
  };

  it("then reads that service's project and its rising issue as a new exception", async () => {
    const out = normalizeSpecialistOutput(
      await sentry.run({
        question: sentry.question(alarmed),
        ticket: alarmed,
        hints,
        onset,
        tools: { sentry: withIssue },
        signal: new AbortController().signal,
        deadline: new Date(NOW.getTime() + 60_000),
        now: NOW,
      }),
    );
    const exceptions = out.signals.filter((s) => s.kind === "new_exception");
    expect(exceptions).toHaveLength(1);
    expect(exceptions[0]).toMatchObject({ issueId: "77" });
  });

  it("does not when the ticket links no AWS alarm or resource (a scan's service is inferred)", async () => {
    const out = normalizeSpecialistOutput(
      await sentry.run({
        question: sentry.question(ticket),
        ticket,
        hints,
        onset,
        tools: { sentry: withIssue },
        signal: new AbortController().signal,
        deadline: new Date(NOW.getTime() + 60_000),
        now: NOW,
      }),
    );
    expect(out.signals.filter((s) => s.kind === "new_exception")).toEqual([]);
  });

  it("does not when the onset's service has no project of its own in the organization", async () => {
    const out = normalizeSpecialistOutput(
      await sentry.run({
        question: sentry.question(alarmed),
        ticket: alarmed,
        hints,
        onset: { ...onset, service: "payments-worker" },
        tools: { sentry: withIssue },
        signal: new AbortController().signal,
        deadline: new Date(NOW.getTime() + 60_000),
        now: NOW,
      }),
    );
    expect(out.signals.filter((s) => s.kind === "new_exception")).toEqual([]);
  });
});
