import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startWorld, type World } from "../../../sim/server.ts";
import { ErrorCode } from "../../domain/errors.ts";
import { createSentryReader } from "./reader.ts";

/** searchProjectIssues against the simulated Sentry (real HTTP, Sentry's path and shape). */

let world: World;
beforeEach(async () => {
  world = await startWorld({ scenario: "backend-500-pr" });
});
afterEach(async () => {
  await world.close();
});

const reader = () =>
  createSentryReader({
    baseUrl: world.urls.sentry,
    org: "acme-sim",
    token: "sntrys_sim_token",
    timeoutMs: 2_000,
  });

describe("createSentryReader.searchProjectIssues", () => {
  it("lists a project's unresolved issues with their hourly 24h series", async () => {
    const issues = await reader().searchProjectIssues!("onboarding-api", 5);
    expect(issues.length).toBeGreaterThan(0);
    expect(issues[0]).toMatchObject({ project: "onboarding-api" });
    expect(issues[0]!.stats24h).toHaveLength(24);
    const call = world.calls({ service: "sentry" }).at(-1);
    expect(call?.method).toBe("GET /api/0/projects/{org}/{project}/issues/");
  });

  it("is not_found for a project Sentry does not have", async () => {
    await expect(reader().searchProjectIssues!("no-such-project", 5)).rejects.toMatchObject({
      code: ErrorCode.NotFound,
    });
  });
});
