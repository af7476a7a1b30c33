import { hostname } from "node:os";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { Config } from "../config/index.ts";
import type { DbHandle } from "../db/client.ts";
import type { IntakeDeps } from "../intake/intake.ts";
import { createLogger } from "../observability/logger.ts";
import { createMetrics, type Metrics } from "../observability/metrics.ts";
import { logRedisErrors } from "../observability/redis-errors.ts";
import { createPhaseQueue, createRedis, type PhaseQueue } from "../runner/queue.ts";
import { configureDefaultRedactor } from "../safety/redact.ts";
import { openCurrentDb, openMigratedDb } from "./open-db.ts";
import { checkEvictionPolicy, type ResolvedRedis, resolveRedis } from "./redis.ts";

/** The explicit bundle of resources every process role receives (after trigger.dev). */
export interface Resources {
  config: Config;
  log: Logger;
  dbh: DbHandle;
  redis: ResolvedRedis;
  /** The connection the queue uses; workers open their own. */
  connection: Redis;
  queue: PhaseQueue;
  metrics: Metrics;
  workerId: string;
  close(): Promise<void>;
}

export async function openResources(
  config: Config,
  role: string,
  /** An open database (left open by close) and a logger, instead of the configured ones. */
  given: { db?: DbHandle; log?: Logger } = {},
): Promise<Resources> {
  configureDefaultRedactor(config.PRODE_REDACT_PATTERNS ?? []);
  const log = given.log ?? createLogger(config.LOG_LEVEL, { role });
  // `prode dev` is the one-machine mode: it migrates what it opens, like the demo. Every
  // other role leaves the schema to `prode migrate` (issue 16).
  const dbh =
    given.db ?? (role === "dev" ? await openMigratedDb(config) : await openCurrentDb(config));
  let redis: ResolvedRedis | undefined;
  try {
    redis = await resolveRedis(config.REDIS_URL, config.PRODE_DATA_DIR);
    if (redis.source === "private") log.info({ url: redis.url }, "started a private redis-server");
    // BullMQ loses jobs to eviction: refuse a Redis that evicts, at start, in one line.
    await checkEvictionPolicy(redis.url);
  } catch (error) {
    await redis?.stop();
    if (!given.db) await dbh.close().catch(() => {});
    throw error;
  }
  const connection = createRedis(redis.url);
  logRedisErrors(connection, log, "queue-connection");
  const queue = createPhaseQueue(connection, config.PRODE_QUEUE_PREFIX);
  // BullMQ prints an error its Queue has no listener for raw on stderr (issue 16).
  logRedisErrors(queue.queue, log, "queue");
  const workerId = config.PRODE_WORKER_ID ?? `${hostname()}-${process.pid}`;
  for (const name of config.missing) log.info({ integration: name }, "integration not configured");
  return {
    config,
    log,
    dbh,
    redis,
    connection,
    queue,
    metrics: createMetrics(),
    workerId,
    async close() {
      await queue.close();
      connection.disconnect();
      if (!given.db) await dbh.close();
      await redis.stop();
    },
  };
}

/** What intake needs (webhook, poller, `/prode triage`, `prode triage`), from the resources. */
export function intakeDeps(res: Resources, now?: () => Date): IntakeDeps {
  return {
    db: res.dbh.db,
    enqueue: res.queue.enqueue,
    log: res.log,
    triggerLabels: res.config.triggerLabels,
    ...(now ? { now } : {}),
  };
}
