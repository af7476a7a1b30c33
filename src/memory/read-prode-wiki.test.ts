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

describe("memory routes, never targets another service (issue 13)", () => {
  it("skips a page restricted to other services even when its keywords match", async () => {
    const scenario = await findScenario("queue-alarm-infra");
    const ticket = scenarioTicket(scenario);
    // Same words, but the run resolved a different service from structured data.
    ticket.service = "billing-worker";
    const result = await readProdeWiki({ dir: SHIPPED_WIKI, ticket, now: new Date(scenario.now) });
    expect(result.hints.pages).not.toContain("sqs-queue-saturation-ecs-capacity");
    expect(result.hints.recipes.map((r) => r.pageId)).not.toContain(
      "sqs-queue-saturation-ecs-capacity",
    );
    const skipped = result.memory.pages.find((p) => p.id === "sqs-queue-saturation-ecs-capacity");
    expect(skipped).toMatchObject({ status: "skipped" });
    expect(skipped?.reason).toContain("not the resolved service billing-worker");
  });

  it("never hands a recipe's example values to a specialist as targets", async () => {
    const scenario = await findScenario("backend-500-pr");
    const ticket = scenarioTicket(scenario);
    ticket.service = "payments-api";
    ticket.snapshot.labels = ["vendor"];
    ticket.snapshot.title = "Upstream provider errors: vendor outage?";
    const result = await readProdeWiki({ dir: SHIPPED_WIKI, ticket, now: new Date(scenario.now) });
    expect(result.hints.pages).toContain("vendor-status-outage");
    const bodies = result.hints.recipes.map((r) => r.body).join("\n");
    // The page documents its log group parameter with another service's group as example.
    expect(bodies).not.toContain("/ecs/onboarding-api");
    expect(bodies).toContain('example: "(example)"');
  });

  it("withholds a recipe that names a resource the catalog assigns to another service", async () => {
    const scenario = await findScenario("queue-alarm-infra");
    const ticket = scenarioTicket(scenario);
    ticket.service = "notifications-worker";
    const result = await readProdeWiki({
      dir: SHIPPED_WIKI,
      ticket,
      // As if the catalog said the queue belonged to another service.
      foreignResources: ["notifications-email"],
      now: new Date(scenario.now),
    });
    const page = result.memory.pages.find((p) => p.id === "sqs-queue-saturation-ecs-capacity");
    expect(page?.reason).toContain("withheld");
    for (const hint of [...result.hints.recipes, ...result.hints.negativeControls]) {
      expect(hint.body).not.toMatch(/(^|[^\w.-])notifications-email($|[^\w.-])/);
    }
  });
});
