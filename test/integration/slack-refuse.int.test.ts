import { describe, expect, it } from "vitest";
import { worldEnv } from "../../sim/demo/world-env.ts";
import { startWorld } from "../../sim/server.ts";
import { createHttpServer, listen } from "../../src/adapters/http/server.ts";
import { createSlackApp } from "../../src/adapters/slack/app.ts";
import { createSlackWebClient } from "../../src/adapters/slack/client.ts";
import {
  createSlackInteractionQueue,
  type InteractionOutcome,
} from "../../src/adapters/slack/interaction-queue.ts";
import { signedSlackHeaders } from "../../src/adapters/slack/signing.ts";
import { loadConfig } from "../../src/config/index.ts";
import { createRedis } from "../../src/runner/queue.ts";
import { testQueuePrefix } from "../setup/redis.ts";
import { quietLog } from "../setup/runner.ts";
import { CHANNEL, commandBody, USERS } from "../setup/slack-harness.ts";

/**
 * web must not acknowledge an interaction it could not hand to the worker (Redis down or
 * restarting): the user is told to try again, nothing acts, and the refusal is counted
 * (issue 17.5).
 */
describe("web refuses what it cannot enqueue", () => {
  it("web answers a command it cannot enqueue with an ephemeral error and acts on nothing", async () => {
    const world = await startWorld({ scenario: "db-state-approval" });
    const config = loadConfig({ ...worldEnv(world), SLACK_INCIDENT_CHANNEL: CHANNEL });
    const down = createRedis("redis://127.0.0.1:1", { retryStrategy: () => 1_000 });
    down.on("error", () => {});
    const outcomes: InteractionOutcome[] = [];
    const handled: string[] = [];
    const slack = createSlackApp({
      config,
      deps: {
        log: quietLog,
        client: createSlackWebClient({
          token: config.slack!.SLACK_BOT_TOKEN.reveal(),
          apiUrl: config.slack!.SLACK_API_URL,
          log: quietLog,
        }),
        handle: async (i) => {
          handled.push(i.deliveryId);
        },
        interactions: createSlackInteractionQueue(down, testQueuePrefix(), {
          timeoutMs: 300,
          count: (o) => outcomes.push(o),
        }),
      },
    });
    const server = createHttpServer(slack.routes, quietLog);
    try {
      const port = await listen(server, 0, "127.0.0.1");
      const body = commandBody("status", USERS.oncall);
      const started = Date.now();
      const res = await fetch(`http://127.0.0.1:${port}/slack/events`, {
        method: "POST",
        headers: signedSlackHeaders(world.scenario.slack.signingSecret, body),
        body,
      });
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(res.status).toBe(200);
      const answer = (await res.json()) as { response_type?: string; text?: string };
      expect(answer.response_type).toBe("ephemeral");
      expect(answer.text).toMatch(/try again/);
      await slack.idle();
      expect(handled).toEqual([]);
      expect(outcomes).toEqual(["refused"]);
    } finally {
      await new Promise((r) => server.close(() => r(undefined)));
      down.disconnect();
      await world.close();
    }
  });
});
