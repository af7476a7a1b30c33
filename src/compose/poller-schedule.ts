import { Queue, Worker } from "bullmq";
import type { Logger } from "pino";
import type { LinearGateway } from "../adapters/linear/client.ts";
import type { IntakeDeps } from "../intake/intake.ts";
import { FIRST_PASS_LOOKBACK_MS, POLL_OVERLAP_MS, pollOnce } from "../intake/poller.ts";
import { logRedisErrors } from "../observability/redis-errors.ts";
import { createRedis } from "../runner/queue.ts";

/** The poller's own queue and the one scheduler in it, shared by every worker process. */
export const POLLER_QUEUE = "poller";
const SCHEDULER_ID = "linear-poller";

export interface PollerSchedule {
  /** Resolves when this process's poller worker has stopped (a pass in hand finishes). */
  stop(): Promise<void>;
}

/**
 * The fallback poller, once per cluster: every worker upserts the same BullMQ job scheduler
 * (idempotent: one repeating job, whatever the number of workers) and any one of them
 * takes each pass. Before, every worker ran its own timer and N workers polled Linear N
 * times (issue 16).
 *
 * A pass looks back to the start of the last successful pass anywhere in the cluster,
 * kept in Redis, plus an overlap; with none known (first start, Redis flushed) it looks
 * back FIRST_PASS_LOOKBACK_MS. Linear compares the lookback with its own clock.
 */
export async function schedulePoller(
  deps: IntakeDeps & { linear: LinearGateway },
  options: { redisUrl: string; prefix: string; intervalMs: number; log: Logger },
): Promise<PollerSchedule> {
  const { redisUrl, prefix, intervalMs, log } = options;
  const queueConnection = createRedis(redisUrl);
  const workerConnection = createRedis(redisUrl);
  logRedisErrors(queueConnection, log, "poller-queue");
  logRedisErrors(workerConnection, log, "poller-worker");
  const lastPassKey = `${prefix}:${POLLER_QUEUE}:last-pass-start`;
  const queue = new Queue(POLLER_QUEUE, { connection: queueConnection, prefix });
  // BullMQ prints an error its Queue has no listener for raw on stderr.
  logRedisErrors(queue, log, "poller-queue");
  await queue.upsertJobScheduler(
    SCHEDULER_ID,
    { every: intervalMs },
    { name: "poll", opts: { removeOnComplete: 100, removeOnFail: 100 } },
  );
  const worker = new Worker(
    POLLER_QUEUE,
    async () => {
      const started = Date.now();
      const last = Number(await queueConnection.get(lastPassKey));
      const lookback = last > 0 ? started - last + POLL_OVERLAP_MS : FIRST_PASS_LOOKBACK_MS;
      const runs = await pollOnce(deps, Math.min(lookback, FIRST_PASS_LOOKBACK_MS));
      // Only a pass that succeeded moves the window: a failed one is covered by the next.
      await queueConnection.set(lastPassKey, String(started), "PX", FIRST_PASS_LOOKBACK_MS);
      return { started: runs.length };
    },
    { connection: workerConnection, prefix, concurrency: 1 },
  );
  worker.on("failed", (_job, error) => log.warn({ err: error }, "poller pass failed; will retry"));
  logRedisErrors(worker, log, "poller-worker");
  return {
    async stop() {
      await worker.close();
      await queue.close();
      queueConnection.disconnect();
      workerConnection.disconnect();
    },
  };
}
