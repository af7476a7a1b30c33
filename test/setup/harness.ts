import type { ScenarioRunOptions } from "../../sim/demo/run-scenario.ts";
import type { TestDb } from "./db.ts";
import { TEST_REDIS_URL } from "./env.ts";
import { quietLog } from "./runner.ts";

/**
 * What every scenario harness of a test shares: its database, the test Redis with the
 * test's own queue prefix, and the quiet log. The replica (`replicaAdminUrl`) is the
 * caller's choice: a rerun in a world that is already up must not seed another.
 */
export function harnessOpts(
  t: TestDb,
  prefix: string,
): Pick<ScenarioRunOptions, "db" | "redisUrl" | "prefix" | "log"> {
  return { db: t, redisUrl: TEST_REDIS_URL, prefix, log: quietLog };
}
