import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createPhaseQueue, createRedis, type PhaseQueue } from "../../src/runner/queue.ts";
import { TEST_REDIS_URL } from "../setup/env.ts";
import { dropQueuePrefix, testQueuePrefix } from "../setup/redis.ts";

describe("phase queue", () => {
  let prefix: string;
  let queue: PhaseQueue;
  let redis: ReturnType<typeof createRedis>;
  beforeEach(() => {
    prefix = testQueuePrefix();
    redis = createRedis(TEST_REDIS_URL);
    queue = createPhaseQueue(redis, prefix);
  });
  afterEach(async () => {
    await queue.close();
    await dropQueuePrefix(prefix);
    redis.disconnect();
  });

  it("sends jobs enqueued together in one batch, one job per step, with its lease", async () => {
    await Promise.all([
      queue.enqueue({ runId: "run_a", seq: 3, phase: "CLASSIFY", lease: 7 }),
      queue.enqueue({ runId: "run_a", seq: 3, phase: "CLASSIFY", lease: 7 }), // the same step
      queue.enqueue({ runId: "run_b", seq: 0, phase: "QUEUED" }),
      queue.enqueue({ runId: "run_c", seq: 1, phase: "PRECHECK" }, { delayMs: 60_000 }),
    ]);
    const waiting = await queue.queue.getJobs(["waiting"]);
    expect(waiting.map((j) => j.id).sort()).toEqual(["run_a.3", "run_b.0"]);
    expect(waiting.find((j) => j.id === "run_a.3")!.data).toEqual({
      runId: "run_a",
      seq: 3,
      phase: "CLASSIFY",
      lease: 7,
    });
    const delayed = await queue.queue.getJobs(["delayed"]);
    expect(delayed.map((j) => j.id)).toEqual(["run_c.1"]);
    // A later enqueue of a step still queued is a no-op too.
    await queue.enqueue({ runId: "run_b", seq: 0, phase: "QUEUED" });
    expect(await queue.queue.getJobCounts("waiting")).toEqual({ waiting: 2 });
  });

  it("rejects every enqueue of a batch Redis refused", async () => {
    redis.disconnect();
    const results = await Promise.allSettled([
      queue.enqueue({ runId: "run_x", seq: 0, phase: "QUEUED" }),
      queue.enqueue({ runId: "run_y", seq: 0, phase: "QUEUED" }),
    ]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
  });
});
