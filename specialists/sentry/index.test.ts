import { describe, expect, it } from "vitest";
import { tool } from "../../src/domain/classifier-fixtures.ts";
import { normalizeSpecialistOutput } from "../../src/domain/specialist-output.ts";
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

  it("does not apply to a ticket with no Sentry link or label", () => {
    expect(sentry.appliesTo(ticket({}), tools, hints)).toMatchObject({ applies: false });
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
