import { LinearClient } from "@linear/sdk";
import { WebClient } from "@slack/web-api";
import { describe, expect, it } from "vitest";
import { seedReplica } from "../../sim/replica-seed.ts";
import { loadScenarios } from "../../sim/scenario.ts";
import { startWorld } from "../../sim/server.ts";
import { TEST_ADMIN_URL } from "../setup/env.ts";

describe("every shipped scenario", () => {
  it("starts a world whose Slack, Linear, Sentry and status pages answer with the scenario's data", async () => {
    for (const scenario of await loadScenarios()) {
      const world = await startWorld({ scenario });
      try {
        const slack = new WebClient(scenario.slack.botToken, {
          slackApiUrl: world.urls.slack,
          retryConfig: { retries: 0 },
        });
        expect((await slack.auth.test()).ok, scenario.name).toBe(true);
        const linear = new LinearClient({
          apiKey: scenario.linear.apiKey,
          apiUrl: world.urls.linear,
        });
        const ticket = await linear.issue(scenario.ticket.identifier);
        expect(
          (await ticket.labels()).nodes.map((l) => l.name),
          scenario.name,
        ).toEqual(scenario.ticket.labels);

        const issue = scenario.sentry?.issues[0];
        if (issue && scenario.faults.length === 0) {
          const res = await fetch(
            `${world.urls.sentry}/api/0/organizations/${scenario.sentry?.org}/issues/${issue.id}/`,
            { headers: { authorization: "Bearer sntrys_sim" } },
          );
          expect(res.status, scenario.name).toBe(200);
          expect(((await res.json()) as { title: string }).title).toBe(issue.title);
        }
        // A scenario with faults answers them (a throttled status page is the point of one).
        for (const vendor of scenario.faults.length
          ? []
          : Object.keys(scenario.vendorStatus ?? {})) {
          const res = await fetch(`${world.urls.statuspage}/${vendor}/api/v2/status.json`);
          expect(res.status, `${scenario.name} ${vendor}`).toBe(200);
        }
        // The world clock starts at the scenario's `now`.
        expect(Math.abs(world.now().getTime() - new Date(scenario.now).getTime())).toBeLessThan(
          60_000,
        );
      } finally {
        await world.close();
      }
    }
  }, 180_000);

  it("seeds its replica, when it has one", async () => {
    for (const scenario of await loadScenarios()) {
      if (!scenario.replica) continue;
      const replica = await seedReplica(TEST_ADMIN_URL, scenario);
      await replica.drop();
    }
    // One database per scenario, one after another: ~12 s alone for 68 scenarios, more
    // while the rest of the suite runs beside it.
  }, 180_000);
});
