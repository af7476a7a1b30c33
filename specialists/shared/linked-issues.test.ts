import { describe, expect, it } from "vitest";
import type { TicketContext } from "../types.ts";
import { isCallerView, linkedSentryIssueIds } from "./linked-issues.ts";

/** A ticket carrying only what the link reading looks at. */
function ticket(opts: { ids?: string[]; description?: string; urls?: string[] }): TicketContext {
  return {
    snapshot: {
      ticketKey: "ENG-1",
      title: "t",
      labels: ["prode"],
      status: "Triage",
      descriptionExcerpt: opts.description ?? "",
      linked: { sentryIssueIds: opts.ids ?? [], awsRefs: [], requestIds: [] },
      createdAt: "2026-11-20T14:19:27Z",
      updatedAt: "2026-11-20T14:19:27Z",
      fetchedAt: "2026-11-20T14:20:00Z",
    },
    comments: [],
    attachments: (opts.urls ?? []).map((url) => ({ title: "Sentry", url })),
  };
}

describe("linkedSentryIssueIds", () => {
  it("finds issue ids in Sentry links of attachments and description when none were extracted", () => {
    expect(
      linkedSentryIssueIds(
        ticket({
          urls: ["https://acme.sentry.io/issues/4502117730/"],
          description: "see https://sentry.io/organizations/acme/issues/77/?project=1",
        }),
      ),
    ).toEqual(["4502117730", "77"]);
    expect(
      linkedSentryIssueIds(ticket({ ids: ["9"], urls: ["https://acme.sentry.io/issues/1/"] })),
    ).toEqual(["9"]);
  });
});

describe("linkedSentryIssueIds with a caller's view", () => {
  it("leaves out a linked issue FETCH_LINEAR read as its caller's view of the ticket's service", () => {
    const t: TicketContext = {
      ...ticket({ ids: ["11", "12"] }),
      resolution: {
        service: "callee-svc",
        declared: false,
        sources: [],
        policyScope: { service: "callee-svc" },
        gaps: [],
        callerViews: [{ issueId: "11", caller: "caller-svc", callee: "callee-svc", detail: "d" }],
      },
    };
    expect(linkedSentryIssueIds(t)).toEqual(["12"]);
    expect(isCallerView(t, "11")).toBe(true);
    expect(isCallerView(t, "12")).toBe(false);
  });
});
