import { describe, expect, it } from "vitest";
import {
  normalizeSpecialistOutput,
  type SpecialistOutput,
} from "../../src/domain/specialist-output.ts";
import type { GitHubReader, SentryIssueSummary, SentryReader } from "../tools.ts";
import type { EvidenceOnset, TicketContext } from "../types.ts";
import release from "./index.ts";

/**
 * The release specialist against an onset read from the data: a long-lived Sentry issue
 * that spikes, deploys near and far from it, and the run's onset handed over.
 */

const NOW = new Date("2026-11-20T14:35:00Z");
const HOUR = 3600;
const end = Math.floor(NOW.getTime() / 1000 / HOUR) * HOUR;
const hourly = (counts: number[]): [number, number][] =>
  counts.map((n, i) => [end - (counts.length - 1 - i) * HOUR, n]);
/** Flat at 2/h, then ~40/h from the bucket starting 11:00. */
const SPIKE = hourly([...Array(20).fill(2), 40, 44, 41, 39]);

const ticket: TicketContext = {
  snapshot: {
    ticketKey: "OPS-9",
    title: "t",
    labels: [],
    status: "Triage",
    descriptionExcerpt: "",
    linked: { sentryIssueIds: ["77"], awsRefs: [], requestIds: [] },
    createdAt: "2026-11-20T14:20:00Z",
    updatedAt: "2026-11-20T14:20:00Z",
    fetchedAt: "2026-11-20T14:21:00Z",
  },
  service: "svc-a",
  comments: [],
  attachments: [],
};

const issue: SentryIssueSummary = {
  id: "77",
  shortId: "SVC-77",
  title: "Error",
  culprit: "x",
  level: "error",
  status: "unresolved",
  count: 900,
  userCount: 10,
  firstSeen: "2026-08-01T00:00:00Z",
  lastSeen: "2026-11-20T14:30:00Z",
  project: "svc-a",
  stats24h: SPIKE,
};

const sentry: SentryReader = {
  getIssue: async () => issue,
  getEvent: async () => ({ eventId: "e", dateCreated: "2026-11-20T14:00:00Z", tags: [] }),
  listEvents: async () => [],
  getTagValues: async () => ({ key: "k", values: [] }),
  listReleases: async () => [],
};

const github = (deploys: { id: number; createdAt: string }[]): GitHubReader => ({
  compare: async () => ({ commits: [], files: [] }),
  listDeployments: async () =>
    deploys.map((d) => ({
      id: d.id,
      sha: String(d.id).repeat(40).slice(0, 40),
      ref: `v${d.id}`,
      environment: "production",
      createdAt: d.createdAt,
      state: "success",
    })),
});

async function run(
  deploys: { id: number; createdAt: string }[],
  onset?: EvidenceOnset,
  withSentry = true,
): Promise<SpecialistOutput> {
  return normalizeSpecialistOutput(
    await release.run({
      question: "q",
      ticket,
      hints: { pages: [], recipes: [], negativeControls: [] },
      tools: { github: github(deploys), ...(withSentry ? { sentry } : {}) },
      signal: new AbortController().signal,
      deadline: new Date(NOW.getTime() + 60_000),
      now: NOW,
      ...(onset ? { onset } : {}),
    }),
  );
}
const kinds = (o: SpecialistOutput) => o.signals.map((s) => s.kind);

describe("release specialist: onset from the data", () => {
  it("correlates the deploy just before a long-lived issue's spike, not its first-seen time", async () => {
    const out = await run([
      { id: 1, createdAt: "2026-11-19T09:00:00Z" },
      { id: 2, createdAt: "2026-11-20T10:40:00Z" },
    ]);
    const correlation = out.signals.find((s) => s.kind === "release_correlation");
    expect(correlation).toMatchObject({ release: "v2", firstSeenAfterDeployMinutes: 20 });
    expect(correlation).toHaveProperty("windowStart");
    expect(out.findings.some((f) => f.fact.includes("rose across deploy 2"))).toBe(true);
  });

  it("does not blame a deploy 20 hours before the spike: absence for the window, the deploy as context", async () => {
    const out = await run([{ id: 1, createdAt: "2026-11-19T15:00:00Z" }]);
    expect(kinds(out)).toEqual(["deploy_absent", "change_event"]);
    const absent = out.signals[0]!;
    // 90 min before the onset, widened by its ±30 min on both sides.
    expect(absent).toMatchObject({ windowHours: 2.5 });
    expect(out.signals[1]).toMatchObject({ change: "deploy", minutesBeforeOnset: 20 * 60 });
  });

  it("records a deploy after the onset as context that did not start the symptom", async () => {
    const out = await run([{ id: 3, createdAt: "2026-11-20T13:30:00Z" }]);
    expect(kinds(out)).toEqual(["deploy_absent", "change_event"]);
    expect(out.signals[1]).toMatchObject({ change: "deploy", minutesBeforeOnset: -150 });
    expect(out.findings.some((f) => f.fact.includes("after the symptom"))).toBe(true);
  });

  it("uses the run's onset when one is handed over (second wave)", async () => {
    const out = await run(
      [{ id: 4, createdAt: "2026-11-20T13:00:00Z" }],
      {
        at: "2026-11-20T13:20:00Z",
        what: "errors_5xx rose (aws)",
        specialistId: "aws",
        source: "series",
        uncertaintyMinutes: 2.5,
      },
      false,
    );
    expect(out.signals.find((s) => s.kind === "release_correlation")).toMatchObject({
      release: "v4",
      firstSeenAfterDeployMinutes: 20,
    });
  });

  it("wants the run's onset only when its own absence control did not cover it", async () => {
    const out = await run([{ id: 1, createdAt: "2026-11-19T15:00:00Z" }]);
    const covered: EvidenceOnset = {
      at: "2026-11-20T11:00:00.000Z",
      what: "x",
      specialistId: "sentry",
      source: "series",
    };
    expect(release.wantsOnset?.(out, covered)).toBe(false);
    expect(release.wantsOnset?.(out, { ...covered, at: "2026-11-20T08:00:00Z" })).toBe(true);
  });
});

describe("release specialist: does the correlated diff touch the stack", () => {
  const withStack: SentryReader = {
    ...sentry,
    getEvent: async () => ({
      eventId: "e",
      dateCreated: "2026-11-20T14:00:00Z",
      tags: [],
      exception: {
        type: "Error",
        value: "v",
        frames: [
          { filename: "node_modules/lib/index.js", inApp: false },
          { filename: "/app/src/orders/total.ts", function: "total", lineno: 9, inApp: true },
        ],
      },
    }),
  };
  async function runWith(changed: string[], reads: SentryReader = withStack) {
    const deploys = [
      { id: 1, createdAt: "2026-11-19T09:00:00Z" },
      { id: 2, createdAt: "2026-11-20T10:40:00Z" },
    ];
    const gh: GitHubReader = {
      ...github(deploys),
      compare: async () => ({
        commits: [
          { sha: "a".repeat(40), message: "change", author: "dev", date: "2026-11-20T10:00:00Z" },
        ],
        files: changed.map((filename) => ({
          filename,
          status: "modified",
          additions: 1,
          deletions: 1,
        })),
      }),
    };
    const out = normalizeSpecialistOutput(
      await release.run({
        question: "q",
        ticket,
        hints: { pages: [], recipes: [], negativeControls: [] },
        tools: { github: gh, sentry: reads },
        signal: new AbortController().signal,
        deadline: new Date(NOW.getTime() + 60_000),
        now: NOW,
      }),
    );
    return out.signals.find((s) => s.kind === "release_correlation");
  }

  it("is true when the range changed a file of the exception's in-app stack", async () => {
    expect(await runWith(["src/orders/total.ts", "README.md"])).toMatchObject({
      release: "v2",
      diffTouchesStack: true,
    });
  });

  it("is false when it changed none of them", async () => {
    expect(await runWith(["src/billing/tax.ts"])).toMatchObject({ diffTouchesStack: false });
  });

  it("is absent when there is no stack to compare against", async () => {
    expect(await runWith(["src/orders/total.ts"], sentry)).not.toHaveProperty("diffTouchesStack");
  });
});
