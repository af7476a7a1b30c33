import { describe, expect, it } from "vitest";
import {
  createSlackInteractionQueue,
  type InteractionOutcome,
  startSlackInteractionWorker,
} from "../../src/adapters/slack/interaction-queue.ts";
import { ErrorCode } from "../../src/domain/errors.ts";
import { createRedis } from "../../src/runner/queue.ts";
import { TEST_REDIS_URL } from "../setup/env.ts";
import { dropQueuePrefix, testQueuePrefix } from "../setup/redis.ts";
import { quietLog } from "../setup/runner.ts";

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Redis losing the interaction stream (FLUSHALL, a restart without persistence) must not
 * stop Slack command handling until a restart (issue 17.5). The shared test Redis is
 * never flushed: deleting this test's own stream key removes the stream and its group,
 * which is what a flush does to it.
 */
describe("the interaction consumer outlives a Redis flush", () => {
  it("recreates its group and handles interactions appended after the stream vanished", async () => {
    const prefix = testQueuePrefix();
    const redis = createRedis(TEST_REDIS_URL);
    const consumerConnection = createRedis(TEST_REDIS_URL);
    const outcomes: InteractionOutcome[] = [];
    const errors: string[] = [];
    const handled: string[] = [];
    const stream = createSlackInteractionQueue(redis, prefix, {
      count: (o) => outcomes.push(o),
    });
    const consumer = startSlackInteractionWorker({
      connection: consumerConnection,
      prefix,
      consumer: "w1",
      handle: async (i) => {
        handled.push(i.deliveryId);
      },
      log: quietLog,
      blockMs: 50,
      count: (o) => outcomes.push(o),
      countError: (code) => errors.push(code),
    });
    try {
      await stream.enqueue({ kind: "home", deliveryId: "before", userId: "U1" });
      await until(() => handled.includes("before"));

      // The flush: the stream key and its consumer group are gone.
      await redis.del(stream.key);
      await stream.enqueue({ kind: "home", deliveryId: "after-1", userId: "U1" });
      await stream.enqueue({ kind: "home", deliveryId: "after-2", userId: "U1" });
      await until(() => handled.includes("after-1") && handled.includes("after-2"));

      // Twice: the loop did not end after the first recovery.
      await redis.del(stream.key);
      await stream.enqueue({ kind: "home", deliveryId: "after-3", userId: "U1" });
      await until(() => handled.includes("after-3"));

      expect(handled).toEqual(["before", "after-1", "after-2", "after-3"]);
      expect(errors).toContain("NOGROUP");
      expect(outcomes.filter((o) => o === "enqueued")).toHaveLength(4);
      expect(outcomes.filter((o) => o === "handled")).toHaveLength(4);
      await until(async () => (await stream.backlog()) === 0);
    } finally {
      await consumer.close({ graceMs: 1_000 });
      consumerConnection.disconnect();
      redis.disconnect();
      await dropQueuePrefix(prefix);
    }
  });

  it("web refuses an interaction Redis does not take in time, and counts it", async () => {
    // A Redis that is not there: the connection queues the command, the deadline refuses it.
    const down = createRedis("redis://127.0.0.1:1", { retryStrategy: () => 1_000 });
    down.on("error", () => {});
    const outcomes: InteractionOutcome[] = [];
    const stream = createSlackInteractionQueue(down, testQueuePrefix(), {
      timeoutMs: 200,
      count: (o) => outcomes.push(o),
    });
    try {
      const refused = await stream.enqueue({ kind: "home", deliveryId: "lost", userId: "U1" }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(refused).toMatchObject({ code: ErrorCode.UpstreamUnavailable, retryable: true });
      expect(outcomes).toEqual(["refused"]);
    } finally {
      down.disconnect();
    }
  });
});
