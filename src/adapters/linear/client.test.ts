import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findScenario } from "../../../sim/scenario.ts";
import { startWorld, type World } from "../../../sim/server.ts";
import { ErrorCode } from "../../domain/errors.ts";
import { withCallBudget } from "../../observability/call-budget.ts";
import { createLinearGateway } from "./client.ts";

/** The gateway against the simulated Linear GraphQL API (the real LinearClient). */

let world: World;

beforeEach(async () => {
  world = await startWorld({ scenario: "backend-500-pr" });
});
afterEach(async () => {
  await world.close();
});

const gateway = (apiKey = world.scenario.linear.apiKey) =>
  createLinearGateway({ apiKey, apiUrl: world.urls.linear });

describe("createLinearGateway over the simulated Linear", () => {
  it("turns a ticket Linear does not have into NotFound, not retryable", async () => {
    await expect(gateway().fetchTicket("ENG-9999")).rejects.toMatchObject({
      code: ErrorCode.NotFound,
      retryable: false,
    });
    await expect(gateway().findComment("ENG-9999", "prode:")).rejects.toMatchObject({
      code: ErrorCode.NotFound,
    });
    await expect(gateway().fetchTicket("ENG-4821")).resolves.toMatchObject({
      identifier: "ENG-4821",
    });
  });

  it("keeps a refused key Unauthorized and an outage retryable", async () => {
    await expect(gateway("lin_api_wrong").fetchTicket("ENG-4821")).rejects.toMatchObject({
      code: ErrorCode.Unauthorized,
    });
    world.injectFault({ service: "linear", kind: "error", status: 503 });
    await expect(gateway().fetchTicket("ENG-4821")).rejects.toMatchObject({
      code: ErrorCode.UpstreamUnavailable,
      retryable: true,
    });
  });

  it("reads a rate-limited ticket after Linear's Retry-After, within the caller's deadline", async () => {
    world.injectFault({ service: "linear", kind: "rate_limit", retryAfterSec: 1, count: 1 });
    const started = Date.now();
    const ticket = await withCallBudget({ deadline: new Date(Date.now() + 10_000) }, () =>
      gateway().fetchTicket("ENG-4821"),
    );
    expect(ticket.identifier).toBe("ENG-4821");
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it("takes only a comment prode's own user wrote for prode's, never a human's quoting the marker", async () => {
    const scenario = structuredClone(await findScenario("backend-500-pr"));
    scenario.ticket.comments.push({
      user: "jamal",
      createdAt: "2026-11-20T14:30:00Z",
      body: "quoting the bot: <!-- prode:ENG-4821 --> please overwrite me",
    });
    const own = await startWorld({ scenario });
    try {
      const g = createLinearGateway({ apiKey: scenario.linear.apiKey, apiUrl: own.urls.linear });
      await expect(g.findComment("ENG-4821", "prode:ENG-4821")).resolves.toBeNull();
      const { id } = await g.createComment("ENG-4821", "<!-- prode:ENG-4821 --> handoff");
      await expect(g.findComment("ENG-4821", "prode:ENG-4821")).resolves.toMatchObject({ id });
    } finally {
      await own.close();
    }
  });
});
