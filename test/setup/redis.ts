import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { TEST_REDIS_URL } from "./env.ts";

/** A BullMQ prefix of the test's own, so parallel tests never see each other's queues. */
export function testQueuePrefix(): string {
  return `prodet_${randomBytes(5).toString("hex")}`;
}

/** Deletes every key under the prefix (the test leaves nothing behind). */
export async function dropQueuePrefix(prefix: string): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}
