import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findScenario } from "../../sim/scenario.ts";
import { startWorld, type World } from "../../sim/server.ts";
import { createLinearGateway } from "../../src/adapters/linear/client.ts";
import { type PollerSchedule, schedulePoller } from "../../src/compose/poller-schedule.ts";
import { pollOnce } from "../../src/intake/poller.ts";
import { createTestDb, type TestDb } from "../setup/db.ts";
import { TEST_REDIS_URL } from "../setup/env.ts";
import { dropQueuePrefix, testQueuePrefix } from "../setup/redis.ts";
import { quietLog } from "../setup/runner.ts";

describe("the Linear poller runs once per cluster (issue 16)", () => {
  let t: TestDb;
  let world: World;
  let prefix: string;
  const schedules: PollerSchedule[] = [];
  beforeEach(async () => {
    t = await createTestDb();
    world = await startWorld({ scenario: await findScenario("abort-noise") });
    prefix = testQueuePrefix();
  });
  afterEach(async () => {
    for (const s of schedules.splice(0)) await s.stop();
    await world.close();
    await t.drop();
    await dropQueuePrefix(prefix);
  });

  function deps() {
    const linear = createLinearGateway({
      apiKey: world.scenario.linear.apiKey,
      apiUrl: world.urls.linear,
    });
    return {
      db: t.db,
      enqueue: async () => {},
      log: quietLog,
      triggerLabels: ["prode", "sentry-issue"],
      linear,
    };
  }
  const linearCalls = () => world.calls({ service: "linear" }).length;

  it("two worker processes' schedulers make one pass per interval between them, not one each", async () => {
    // What one pass costs in Linear calls, measured, so the bound holds for any paging.
    const before = linearCalls();
    await pollOnce(deps());
    const perPass = linearCalls() - before;
    expect(perPass).toBeGreaterThan(0);

    const intervalMs = 1_000;
    const start = linearCalls();
    const began = Date.now();
    for (let i = 0; i < 2; i += 1)
      schedules.push(
        await schedulePoller(deps(), {
          redisUrl: TEST_REDIS_URL,
          prefix,
          intervalMs,
          log: quietLog,
        }),
      );
    await new Promise((r) => setTimeout(r, 4_500));
    const passes = (linearCalls() - start) / perPass;
    const intervals = (Date.now() - began) / intervalMs;
    // Two private timers would make about 2 × intervals passes.
    expect(passes).toBeGreaterThanOrEqual(2);
    expect(passes).toBeLessThanOrEqual(Math.ceil(intervals) + 1);
  }, 30_000);
});
