import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { checkEvictionPolicy } from "../../src/compose/redis.ts";
import { type PrivateRedis, startPrivateRedis } from "../setup/private-redis.ts";

describe("Redis's maxmemory-policy is checked at start (issue 16)", () => {
  let redis: PrivateRedis | undefined;
  afterEach(async () => {
    await redis?.stop();
    redis = undefined;
  });

  it("accepts noeviction and refuses a policy that evicts, naming it and the fix", async () => {
    redis = await startPrivateRedis();
    await expect(checkEvictionPolicy(redis.url)).resolves.toBeUndefined();
    const admin = new Redis(redis.url);
    await admin.config("SET", "maxmemory-policy", "allkeys-lru");
    admin.disconnect();
    await expect(checkEvictionPolicy(redis.url)).rejects.toThrow(
      /maxmemory-policy allkeys-lru: BullMQ loses jobs when Redis evicts; set maxmemory-policy noeviction/,
    );
  });

  it("refuses a Redis that does not answer, within the bound", async () => {
    redis = await startPrivateRedis();
    const url = redis.url;
    await redis.stop();
    redis = undefined;
    const began = Date.now();
    await expect(checkEvictionPolicy(url, 1_000)).rejects.toThrow(/did not answer/);
    expect(Date.now() - began).toBeLessThan(3_000);
  });
});
