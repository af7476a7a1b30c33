import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRedisServer } from "../../src/compose/redis.ts";

/**
 * A redis-server of the test's own, for tests that must FLUSHALL or restart Redis
 * without disturbing the tests running beside them on the shared server.
 */
export interface PrivateRedis {
  url: string;
  stop(): Promise<void>;
}

export function startPrivateRedis(): Promise<PrivateRedis> {
  return startRedisServer(join(tmpdir(), "prode-test-redis"));
}
