import pino from "pino";
import { startSlackInteractionWorker } from "../../src/adapters/slack/interaction-queue.ts";
import { loadConfig } from "../../src/config/index.ts";
import { openDb } from "../../src/db/client.ts";
import { createPhaseQueue, createRedis } from "../../src/runner/queue.ts";
import { createSlackInteractionHandler } from "../../src/slack/dispatcher.ts";

/**
 * The worker-process side of bench/slack-ack.bench.ts: consumes the Slack interaction
 * queue, as `prode worker` would. Configured by the environment the bench passes;
 * prints "ready" once consuming and stops on SIGTERM.
 */
const config = loadConfig();
const log = pino({ level: "silent" });
const dbh = openDb({ databaseUrl: config.DATABASE_URL!, maxConnections: 10 });
const redisUrl = config.REDIS_URL!;
const phases = createPhaseQueue(createRedis(redisUrl), config.PRODE_QUEUE_PREFIX);
const handler = createSlackInteractionHandler({
  config,
  deps: {
    db: dbh.db,
    log,
    enqueue: phases.enqueue,
    startTriage: async () => ({ runId: "run_bench", created: false }),
  },
});
const connection = createRedis(redisUrl);
const worker = startSlackInteractionWorker({
  connection,
  prefix: config.PRODE_QUEUE_PREFIX,
  consumer: `bench-${process.pid}`,
  handle: handler.handle,
  log,
  concurrency: Number(process.env.BENCH_SLACK_WORKER_CONCURRENCY ?? 4),
});
process.stdout.write("ready\n");
process.once("SIGTERM", async () => {
  await worker.close();
  await phases.close();
  connection.disconnect();
  await dbh.close();
  process.exit(0);
});
