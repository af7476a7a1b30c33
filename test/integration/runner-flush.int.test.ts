import { Redis } from "ioredis";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PHASES } from "../../src/domain/phases.ts";
import { startReconciler } from "../../src/runner/reconciler.ts";
import { createRun } from "../../src/runner/runs.ts";
import type { PhaseHandlers } from "../../src/runner/types.ts";
import type { TestDb } from "../setup/db.ts";
import { type PrivateRedis, startPrivateRedis } from "../setup/private-redis.ts";
import { hasEnded, quietLog, type TestRunner, useTestRunner, waitForRun } from "../setup/runner.ts";

describe("Redis flushed in the middle of runs", () => {
  let t: TestDb;
  let redis: PrivateRedis;
  let r: TestRunner;
  // Registered before the runner's hooks: Redis starts before the runner connects to it
  // and stops after the runner closed.
  beforeEach(async () => {
    redis = await startPrivateRedis();
  });
  afterEach(async () => {
    await redis.stop();
  });
  useTestRunner(
    (db, runner) => {
      t = db;
      r = runner;
    },
    { redisUrl: () => redis.url },
  );

  it("the reconciler rebuilds the queue from Postgres and every run completes", async () => {
    let flushed = false;
    const slow = async () => {
      await new Promise((res) => setTimeout(res, 30));
      return {};
    };
    const handlers: PhaseHandlers = Object.fromEntries(PHASES.map((p) => [p, slow]));
    handlers.LINEAR_HANDOFF = async () => ({ next: "WRITE_CANDIDATE_LEARNING" });
    r.startWorker("w1", handlers);
    const ids: string[] = [];
    for (let i = 0; i < 8; i += 1) {
      ids.push(
        (
          await createRun(
            { db: t.db, enqueue: r.queue.enqueue },
            { ticket: `ENG-F${i}`, trigger: "test" },
          )
        ).run.id,
      );
    }
    await new Promise((res) => setTimeout(res, 150));
    const ended = await Promise.all(ids.map((id) => waitForRun(t, id, () => true)));
    expect(ended.filter((run) => run.outcome !== null).length).toBeLessThan(ids.length);
    const admin = new Redis(redis.url);
    expect(await admin.dbsize()).toBeGreaterThan(0);
    await admin.flushall();
    flushed = true;
    admin.disconnect();

    const reconciler = startReconciler(
      { db: t.db, queue: r.queue, log: quietLog, actor: "reconciler" },
      300,
    );
    try {
      for (const id of ids)
        expect((await waitForRun(t, id, hasEnded, 30_000)).outcome).toBe("RUN_COMPLETE");
    } finally {
      await reconciler.stop();
    }
    expect(flushed).toBe(true);
  }, 60_000);
});
