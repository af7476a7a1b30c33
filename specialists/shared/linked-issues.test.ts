import { describe, expect, it } from "vitest";
import type { TicketContext } from "../types.ts";
import { linkedSentryIssueIds } from "./linked-issues.ts";

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
