import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { findScenario } from "../../sim/scenario.ts";
import { scenarioTicket } from "../../test/setup/scenario-ticket.ts";
import { ToolEntrySchema } from "../domain/evidence-context.ts";
import { readProdeWiki, wikiSignalsFromTicket, wikiToolEntry } from "./read-prode-wiki.ts";
import { loadWiki } from "./wiki.ts";

const SHIPPED_WIKI = fileURLToPath(new URL("../../wiki/", import.meta.url));

describe("readProdeWiki", () => {
  it.each([
    ["abort-noise", "mobile-request-aborted"],
    ["backend-500-pr", "release-null-dereference"],
    ["db-state-approval", "derived-counter-drift"],
    ["queue-alarm-infra", "sqs-queue-saturation-ecs-capacity"],
  ])("%s: the ticket as FETCH_LINEAR sees it selects %s", async (name, page) => {
    const scenario = await findScenario(name);
    const result = await readProdeWiki({
      dir: SHIPPED_WIKI,
      ticket: scenarioTicket(scenario),
      now: new Date(scenario.now),
    });
    expect(result.hints.pages).toEqual([page]);
    expect(result.tool).toEqual({ connector: "wiki", status: "available", confidenceImpact: 0 });
    expect(result.problems).toEqual([]);
  });

  it("finds the page from the ticket's words alone when the service is unknown", async () => {
    const scenario = await findScenario("queue-alarm-infra");
    const ticket = scenarioTicket(scenario);
    delete ticket.service;
    const signals = wikiSignalsFromTicket(ticket);
    expect(signals.services).toEqual([]);
    const result = await readProdeWiki({ dir: SHIPPED_WIKI, ticket, now: new Date(scenario.now) });
    expect(result.memory.pages[0]).toMatchObject({
      id: "sqs-queue-saturation-ecs-capacity",
      status: "stale",
    });
    expect(result.memory.pages[0]?.reason).toContain('keyword "ApproximateAgeOfOldestMessage"');
    expect(result.memory.pages[0]?.reason).toContain("label infra");
  });

  it("takes the service from a service: label and Sentry tags from the caller", async () => {
    const scenario = await findScenario("abort-noise");
    const ticket = scenarioTicket(scenario);
    delete ticket.service;
    ticket.snapshot.labels = ["prode", "service:mobile-bff"];
    ticket.snapshot.title = "Burst";
    ticket.snapshot.descriptionExcerpt = "";
    ticket.attachments = [];
    const signals = wikiSignalsFromTicket(ticket, [{ key: "client.os", value: "iOS 18.1" }]);
    expect(signals.services).toEqual(["mobile-bff"]);
    const result = await readProdeWiki({
      dir: SHIPPED_WIKI,
      ticket,
      sentryTags: [{ key: "client.os", value: "iOS 18.1" }],
      now: new Date(scenario.now),
    });
    expect(result.memory.pages[0]?.reason).toBe("matched service mobile-bff, sentry tag client.os");
  });
});

describe("wikiToolEntry", () => {
  it("a missing wiki is a missing connector that costs no confidence (memory is not proof)", async () => {
    const empty = await mkdtemp(join(tmpdir(), "prode-wiki-"));
    try {
      const entry = wikiToolEntry(await loadWiki(empty));
      expect(entry).toEqual({
        connector: "wiki",
        status: "missing",
        reason: "wiki/index.md cannot be read (ENOENT)",
        confidenceImpact: 0,
      });
      expect(ToolEntrySchema.safeParse(entry).success).toBe(true);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
