import { describe, expect, it } from "vitest";
import { normalizeSpecialistOutput } from "../../src/domain/specialist-output.ts";
import type { TicketContext } from "../types.ts";
import { readTicket, sentences } from "./extract.ts";
import support from "./index.ts";

function ticket(
  description: string,
  comments: string[] = [],
  attachments: string[] = [],
  requestIds: string[] = [],
): TicketContext {
  return {
    snapshot: {
      ticketKey: "ENG-42",
      title: "Something is wrong",
      labels: [],
      status: "Triage",
      descriptionExcerpt: description,
      linked: { sentryIssueIds: [], awsRefs: [], requestIds },
      createdAt: "2026-11-20T09:00:00.000Z",
      updatedAt: "2026-11-20T09:30:00.000Z",
      fetchedAt: "2026-11-20T09:40:00.000Z",
    },
    comments: comments.map((body, i) => ({
      author: "support",
      body,
      createdAt: `2026-11-20T09:1${i}:00.000Z`,
    })),
    attachments: attachments.map((title) => ({ title, url: "https://example.com/a" })),
  };
}

describe("readTicket", () => {
  it("reads a release the ticket blames, with its version, and not a question or a denial", () => {
    const r = readTicket(
      ticket(
        "Customers cannot pay. This started after yesterday's 09:30 deploy of the api (5.2.0), please look at it.",
      ),
    );
    expect(r.reportedRelease).toMatchObject({ release: "5.2.0" });
    expect(r.reportedRelease?.statement).toContain("started after yesterday's 09:30 deploy");
    expect(
      readTicket(ticket("Broke with the rollout this morning.")).reportedRelease,
    ).toMatchObject({
      statement: "Broke with the rollout this morning.",
    });
    expect(
      readTicket(ticket("Could it be related to the release after 3.2.1?")).reportedRelease,
    ).toBeUndefined();
    expect(
      readTicket(ticket("It did not start after the deploy; it was earlier.")).reportedRelease,
    ).toBeUndefined();
    // Not claims: a hold being released, an IP or a date for a version, a contraction.
    expect(
      readTicket(ticket("It fails after the seat hold is released.")).reportedRelease,
    ).toBeUndefined();
    expect(
      readTicket(ticket("We haven't seen it since the deploy.")).reportedRelease,
    ).toBeUndefined();
    expect(
      readTicket(ticket("Errors from 10.0.12.4 since the release this morning.")).reportedRelease
        ?.release,
    ).toBeUndefined();
    expect(readTicket(ticket("It broke after v3.4.1 was deployed.")).reportedRelease).toMatchObject(
      {
        release: "v3.4.1",
      },
    );
    // A timeout of "5.0 s" is not a version.
    expect(
      readTicket(ticket("Timeouts (5.0 s) since the release this morning.")).reportedRelease
        ?.release,
    ).toBeUndefined();
  });

  it("counts support tickets once, and 'N more reports' only where no ticket is cited", () => {
    const r = readTicket(
      ticket(
        "First report: support ticket #88231 at 14:12 UTC. Possibly more: two similar tickets (#88012, #88077).",
        ["Two more reports from self-serve signups."],
      ),
    );
    expect(r.supportTickets).toEqual(["#88231", "#88012", "#88077"]);
    expect(r.reports).toBe(5);
    expect(r.scope).toBe("partial");
  });

  it("prefers a stated count of affected users over the report count", () => {
    const r = readTicket(
      ticket("Support ticket #1234.", [], ["TypeError (ONB-3F · 312 events · 187 users)"]),
    );
    expect(r.statedAffected?.count).toBe(187);
    expect(readTicket(ticket("About 40 customers are affected.")).statedAffected?.count).toBe(40);
    // "lists 3 people" is what the page shows, not who is affected.
    expect(readTicket(ticket("Members lists 3 people.")).statedAffected).toBeUndefined();
  });

  it("reads scope words: widespread, partial, isolated", () => {
    expect(readTicket(ticket("All users get a 500 on login. Support ticket #4444.")).scope).toBe(
      "widespread",
    );
    expect(readTicket(ticket("Support ticket #4444. Only this customer is affected.")).scope).toBe(
      "partial",
    );
    expect(readTicket(ticket("Support ticket #4444.")).scope).toBe("isolated");
    expect(readTicket(ticket("No customer reports so far.")).scope).toBeUndefined();
  });

  it("joins hard-wrapped lines before finding what users see against what they expect", () => {
    const r = readTicket(
      ticket("Settings > Billing shows 5 seats while Settings > Members\nlists 3 people."),
    );
    expect(r.expectedVsActual[0]?.sentence).toBe(
      "Settings > Billing shows 5 seats while Settings > Members lists 3 people.",
    );
    expect(sentences("Endpoint: POST /v1/x\nRequest ids: a, b")).toEqual([
      "Endpoint: POST /v1/x",
      "Request ids: a, b",
    ]);
  });

  it("collects request ids from text, labels and the snapshot, once each", () => {
    const r = readTicket(
      ticket(
        "Request id: 9f1c2d3e-aaaa. Also req_01JD9Q4M8X2V7K3N5P6R8T0W1Y.",
        ["req_01JD9Q4M8X2V7K3N5P6R8T0W1Y again"],
        [],
        ["req_01JD9QB1E3G5J7L9N1Q3S5U7W9"],
      ),
    );
    expect(r.requestIds).toEqual([
      "req_01JD9QB1E3G5J7L9N1Q3S5U7W9",
      "req_01JD9Q4M8X2V7K3N5P6R8T0W1Y",
      "9f1c2d3e-aaaa",
    ]);
  });
});

describe("support specialist", () => {
  const run = (t: TicketContext) =>
    support.run({
      question: "Who is affected?",
      ticket: t,
      hints: { pages: [], recipes: [], negativeControls: [] },
      tools: {},
      signal: new AbortController().signal,
      deadline: new Date(Date.now() + 1_000),
      now: new Date("2026-11-20T10:00:00Z"),
    });

  it("cites the Linear issue for user_impact, findings and request ids", async () => {
    const out = normalizeSpecialistOutput(
      await run(
        ticket(
          "Support ticket #88104: billing shows 5 seats while the list shows 3.",
          [],
          [],
          ["req_01AAAAAAAAAAAA"],
        ),
      ),
    );
    expect(out.status).toBe("returned");
    expect(out.sources).toEqual([
      { kind: "linear_issue", ref: "linear_issue:ENG-42", fetchedAt: "2026-11-20T09:40:00.000Z" },
    ]);
    expect(out.signals).toEqual([
      {
        kind: "user_impact",
        sourceRef: "linear_issue:ENG-42",
        affectedUsers: 1,
        scope: "isolated",
      },
    ]);
    expect(out.correlationIds).toEqual([{ kind: "request_id", value: "req_01AAAAAAAAAAAA" }]);
    expect(out.findings.every((f) => f.sourceRef === "linear_issue:ENG-42")).toBe(true);
  });

  it("gives no user_impact when the ticket says nobody reported it", async () => {
    const out = normalizeSpecialistOutput(
      await run(ticket("Alert fired. No customer reports so far.")),
    );
    expect(out.signals).toEqual([]);
    expect(out.findings.map((f) => f.fact)).toContain(
      "the ticket states there are no user reports",
    );
  });

  it("returns timed_out when the deadline has already passed", async () => {
    const out = await support.run({
      question: "q",
      ticket: ticket("x"),
      hints: { pages: [], recipes: [], negativeControls: [] },
      tools: {},
      signal: new AbortController().signal,
      deadline: new Date(Date.now() - 1),
      now: new Date(),
    });
    expect(out.status).toBe("timed_out");
  });
});
