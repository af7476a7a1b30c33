import { Octokit } from "@octokit/rest";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { worldEnv } from "../../sim/demo/world-env.ts";
import { startWorld, type World } from "../../sim/server.ts";
import type { RetryEvent } from "../adapters/retry.ts";
import { loadConfig } from "../config/index.ts";
import { buildPipeline, lazyGitHubReader } from "./pipeline.ts";

let world: World;
beforeAll(async () => {
  world = await startWorld({ scenario: "backend-500-pr" });
});
afterAll(async () => {
  await world.close();
});

describe("lazyGitHubReader", () => {
  it("tries the installation token again after a failure instead of keeping the failure", async () => {
    let opens = 0;
    const reader = lazyGitHubReader(
      async () => {
        opens += 1;
        if (opens === 1) throw new Error("token exchange failed: 502");
        return new Octokit({ baseUrl: world.urls.github, auth: "ghp_sim_reader" });
      },
      "acme-sim",
      "onboarding-api",
    );
    const query = { environment: "production", limit: 1 };
    await expect(reader.listDeployments(query)).rejects.toThrow("token exchange failed");
    const deployments = await reader.listDeployments(query);
    expect(deployments).toHaveLength(1);
    // Once it worked, the Octokit is kept: no exchange per call.
    await reader.listDeployments(query);
    expect(opens).toBe(2);
  });
});

/** TCP sockets open in this process (both ends, when the server is in-process too). */
const openSockets = () =>
  process.getActiveResourcesInfo().filter((r) => r === "TCPSocketWrap").length;

describe("buildPipeline", () => {
  it("closes the AWS SDK clients' kept-alive sockets on close", async () => {
    const pipeline = await buildPipeline(loadConfig(worldEnv(world)), pino({ level: "silent" }));
    const end = new Date("2025-06-01T12:05:00Z");
    await pipeline.deps.tools.cloudwatch!.getMetricSeries({
      namespace: "AWS/SQS",
      metricName: "ApproximateAgeOfOldestMessage",
      dimensions: { QueueName: "jobs" },
      stat: "Maximum",
      periodSeconds: 60,
      start: new Date(end.getTime() - 600_000),
      end,
    });
    const open = openSockets();
    await pipeline.close();
    await new Promise((r) => setTimeout(r, 50));
    expect(openSockets()).toBeLessThan(open);
  });
});

describe("buildPipeline retries", () => {
  it("waits out a Sentry rate limit and counts the retry, and loads the service catalog", async () => {
    const counted: RetryEvent[] = [];
    const pipeline = await buildPipeline(
      loadConfig(worldEnv(world)),
      pino({ level: "silent" }),
      undefined,
      undefined,
      (event) => counted.push(event),
    );
    try {
      world.injectFault({ service: "sentry", kind: "rate_limit", retryAfterSec: 1, count: 1 });
      const issue = await pipeline.deps.tools.sentry!.getIssue("4502117730");
      expect(issue.project).toBe("onboarding-api");
      expect(counted).toEqual([
        expect.objectContaining({
          service: "sentry",
          outcome: "retry",
          code: "upstream_rate_limited",
        }),
      ]);
      expect(Object.keys(pipeline.deps.catalog.services)).toContain("onboarding-api");
    } finally {
      world.clearFaults();
      await pipeline.close();
    }
  });
});
