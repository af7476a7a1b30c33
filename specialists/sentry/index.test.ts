import { describe, expect, it } from "vitest";
import { AppError, ErrorCode } from "../../src/domain/errors.ts";
import { normalizeSpecialistOutput } from "../../src/domain/specialist-output.ts";
import { tool } from "../../test/setup/classifier-fixtures.ts";
import type { SentryIssueSummary, SentryReader, SentryReleaseSummary } from "../tools.ts";
import type { TicketContext } from "../types.ts";
import sentry from "./index.ts";

function ticket(opts: { labels?: string[]; ids?: string[] }): TicketContext {
  return {
    snapshot: {
      ticketKey: "ENG-1",
      title: "t",
      labels: opts.labels ?? ["prode"],
      status: "Triage",
      descriptionExcerpt: "",
      linked: { sentryIssueIds: opts.ids ?? [], awsRefs: [], requestIds: [] },
      createdAt: "2026-11-20T14:19:27Z",
      updatedAt: "2026-11-20T14:19:27Z",
      fetchedAt: "2026-11-20T14:20:00Z",
    },
    comments: [],
    attachments: [],
  };
}
const tools = [tool("sentry")];
const hints = { pages: [], recipes: [], negativeControls: [] };

describe("sentry specialist routing", () => {
  it("applies and is required when the ticket carries the sentry-issue label", () => {
    const route = sentry.appliesTo(ticket({ labels: ["sentry-issue"], ids: ["42"] }), tools, hints);
    expect(route).toMatchObject({ applies: true, required: true });
    expect(route.reason).toContain("42");
  });

  it("applies but is optional for a linked issue without the label, and says when Sentry is missing", () => {
    const route = sentry.appliesTo(ticket({ ids: ["42"] }), [tool("sentry", "missing", 15)], hints);
    expect(route).toMatchObject({ applies: true, required: false });
    expect(route.reason).toContain("Sentry is missing");
  });

  it("does not apply to a ticket with no Sentry link or label when Sentry is not available", () => {
    expect(sentry.appliesTo(ticket({}), [tool("sentry", "missing", 15)], hints)).toMatchObject({
      applies: false,
    });
  });

  it("sweeps the organization (optional) for a ticket with no link, label or service", () => {
    const route = sentry.appliesTo(ticket({}), tools, hints);
    expect(route).toMatchObject({ applies: true, required: false });
    expect(route.reason).toContain("sweeping");
  });
});

describe("sentry specialist without its inputs", () => {
  const input = (t: TicketContext, withSentry: boolean) => ({
    question: sentry.question(t),
    ticket: t,
    hints,
    tools: withSentry ? { sentry: {} as never } : {},
    signal: new AbortController().signal,
    deadline: new Date("2026-11-20T14:36:00Z"),
    now: new Date("2026-11-20T14:35:00Z"),
  });

  it("is skipped with a reason and a gap when the tool is absent", async () => {
    const out = normalizeSpecialistOutput(await sentry.run(input(ticket({ ids: ["42"] }), false)));
    expect(out).toMatchObject({ status: "skipped", reason: "the sentry tool is not available" });
    expect(out.gaps[0]?.confidenceImpact).toBeGreaterThan(0);
  });

  it("is skipped when the label is there but no issue id can be found", async () => {
    const out = normalizeSpecialistOutput(
      await sentry.run(input(ticket({ labels: ["sentry-issue"] }), true)),
    );
    expect(out).toMatchObject({ status: "skipped", reason: "the ticket links no Sentry issue id" });
  });
});

describe("sentry specialist with several linked issues", () => {
  const issue = (id: string): SentryIssueSummary => ({
    id,
    shortId: `API-${id}`,
    title: "TypeError",
    culprit: "handler",
    level: "error",
    status: "unresolved",
    count: 10,
    userCount: 2,
    firstSeen: "2026-11-20T14:06:11Z",
    lastSeen: "2026-11-20T14:30:00Z",
    project: "api",
  });
  function reader(releases: () => Promise<SentryReleaseSummary[]>) {
    const calls = { releases: 0 };
    const sentry: SentryReader = {
      getIssue: async (id) => issue(id),
      getEvent: async (id) => ({
        eventId: `event${id}`,
        dateCreated: "2026-11-20T14:30:00Z",
        release: "api@2",
        tags: [],
      }),
      listEvents: async () => [],
      getTagValues: async (_id, key) => ({ key, values: [] }),
      listReleases: () => {
        calls.releases += 1;
        return releases();
      },
    };
    return { sentry, calls };
  }
  const input = (reads: SentryReader) => {
    const t = ticket({ ids: ["41", "42"] });
    return {
      question: sentry.question(t),
      ticket: t,
      hints,
      tools: { sentry: reads },
      signal: new AbortController().signal,
      deadline: new Date(Date.now() + 5_000),
      now: new Date("2026-11-20T14:35:00Z"),
    };
  };

  it("reads the org's releases once and cites the release for each issue", async () => {
    const { sentry: reads, calls } = reader(async () => [
      { version: "api@2", dateCreated: "2026-11-20T14:00:00Z" },
    ]);
    const out = normalizeSpecialistOutput(await sentry.run(input(reads)));
    expect(calls.releases).toBe(1);
    expect(out.findings.filter((f) => f.sourceRef === "sentry_release:api@2")).toHaveLength(2);
    expect(out.gaps.filter((g) => g.what.startsWith("Sentry releases"))).toEqual([]);
  });

  it("records the failed releases read as a gap for each issue that needed it", async () => {
    const { sentry: reads, calls } = reader(async () => {
      throw new AppError(ErrorCode.UpstreamUnavailable, "sentry down");
    });
    const out = normalizeSpecialistOutput(await sentry.run(input(reads)));
    expect(calls.releases).toBe(1);
    expect(out.gaps.filter((g) => g.what.startsWith("Sentry releases unavailable"))).toHaveLength(
      2,
    );
  });
});

describe("sentry specialist on an old issue and its traffic", () => {
  const old: SentryIssueSummary = {
    id: "7",
    shortId: "API-7",
    title: "DeadlockError",
    culprit: "POST /v1/items",
    level: "error",
    status: "unresolved",
    count: 40,
    userCount: 0,
    firstSeen: "2026-03-12T14:20:00Z",
    lastSeen: "2026-11-20T14:30:00Z",
    project: "api",
    unhandled: false,
  };
  const ev = (id: string, userAgent: string) => ({
    eventId: id,
    dateCreated: "2026-11-20T14:30:00Z",
    tags: [{ key: "transaction", value: "POST /v1/items" }],
    exception: { type: "DeadlockError", value: "deadlock", handled: true, frames: [] },
    request: { method: "POST", path: "/v1/items", userAgent },
  });
  const reads: SentryReader = {
    getIssue: async () => old,
    getEvent: async () => ev("a", "Mozilla/5.0 (compatible; Googlebot/2.1)"),
    listEvents: async () => [
      ev("a", "Mozilla/5.0 (compatible; Googlebot/2.1)"),
      ev("b", "Mozilla/5.0 (compatible; Googlebot/2.1)"),
      ev("c", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0"),
    ],
    getTagValues: async (_id, key) => ({ key, values: [] }),
    listReleases: async () => [],
  };

  it("reports the old issue as new_exception with its first-seen time and handled flag, and who sent it", async () => {
    const t = ticket({ ids: ["7"] });
    const out = normalizeSpecialistOutput(
      await sentry.run({
        question: sentry.question(t),
        ticket: t,
        hints,
        tools: { sentry: reads },
        signal: new AbortController().signal,
        deadline: new Date(Date.now() + 5_000),
        now: new Date("2026-11-20T14:35:00Z"),
      }),
    );
    expect(out.signals).toContainEqual(
      expect.objectContaining({
        kind: "new_exception",
        issueId: "7",
        firstSeen: "2026-03-12T14:20:00Z",
        handled: true,
        path: "POST /v1/items",
      }),
    );
    const origins = out.signals.filter((s) => s.kind === "traffic_origin");
    expect(origins).toEqual([
      expect.objectContaining({ origin: "bots", requests: 2, share: 0.667 }),
      expect.objectContaining({ origin: "users", requests: 1, share: 0.333 }),
    ]);
  });

  it("never asks for the user tag, which the adapter refuses: callers come from event tags", async () => {
    const asked: string[] = [];
    const t = ticket({ ids: ["7"] });
    await sentry.run({
      question: sentry.question(t),
      ticket: t,
      hints,
      tools: {
        sentry: {
          ...reads,
          getTagValues: async (_id, key) => {
            asked.push(key);
            return { key, values: [] };
          },
        },
      },
      signal: new AbortController().signal,
      deadline: new Date(Date.now() + 5_000),
      now: new Date("2026-11-20T14:35:00Z"),
    });
    expect(asked.length).toBeGreaterThan(0);
    expect(asked).not.toContain("user");
  });
});
