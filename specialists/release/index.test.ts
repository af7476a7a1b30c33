import { describe, expect, it } from "vitest";
import { normalizeSpecialistOutput } from "../../src/domain/specialist-output.ts";
import { tool } from "../../test/setup/classifier-fixtures.ts";
import type { TicketContext } from "../types.ts";
import release, { RELEASE_OPTIONAL_TOOLS } from "./index.ts";

const ticket = (ids: string[] = []): TicketContext => ({
  snapshot: {
    ticketKey: "OPS-1",
    title: "t",
    labels: ["prode"],
    status: "Triage",
    descriptionExcerpt: "",
    linked: { sentryIssueIds: ids, awsRefs: [], requestIds: [] },
    createdAt: "2026-11-21T02:14:09Z",
    updatedAt: "2026-11-21T02:14:09Z",
    fetchedAt: "2026-11-21T02:15:00Z",
  },
  comments: [],
  attachments: [],
});
const hints = { pages: [], recipes: [], negativeControls: [] };

describe("release specialist contract", () => {
  it("needs GitHub and uses Sentry when the run has it", () => {
    expect(release.needs).toEqual(["github"]);
    expect(RELEASE_OPTIONAL_TOOLS).toEqual(["sentry"]);
  });

  it("applies to every ticket, required, naming the Sentry issue it times against", () => {
    const route = release.appliesTo(ticket(["42"]), [tool("github")], hints);
    expect(route).toMatchObject({ applies: true, required: true });
    expect(route.reason).toContain("42");
    expect(release.question(ticket(["42"]))).toContain("Sentry issue 42");
  });

  it("is skipped with a reason and a gap without GitHub", async () => {
    const t = ticket();
    const out = normalizeSpecialistOutput(
      await release.run({
        question: release.question(t),
        ticket: t,
        hints,
        tools: {},
        signal: new AbortController().signal,
        deadline: new Date("2026-11-21T02:41:00Z"),
        now: new Date("2026-11-21T02:40:00Z"),
      }),
    );
    expect(out).toMatchObject({ status: "skipped", reason: "the github tool is not available" });
    expect(out.gaps[0]?.confidenceImpact).toBeGreaterThan(0);
  });
});
