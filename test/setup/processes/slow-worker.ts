import { setTimeout as sleep } from "node:timers/promises";
import { untilSignal } from "../../../src/compose/processes.ts";
import { openDb } from "../../../src/db/client.ts";
import { createPhaseQueue, createRedis } from "../../../src/runner/queue.ts";
import { startPhaseWorker } from "../../../src/runner/worker.ts";
import { FAST_TIMING, quietLog } from "../runner.ts";

/**
 * A worker process whose PRECHECK takes `phaseMs` (honouring the abort signal), shut
 * down by SIGTERM with a grace of `graceMs`. Prints IN_PHASE when the phase starts.
 */
const [databaseUrl, redisUrl, prefix, phaseMs, graceMs] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
const handle = openDb({ databaseUrl, maxConnections: 4 });
const queue = createPhaseQueue(createRedis(redisUrl), prefix);
const worker = startPhaseWorker(
  {
    db: handle.db,
    log: quietLog,
    workerId: "terminated",
    handlers: {
      PRECHECK: async (ctx) => {
        process.stdout.write("IN_PHASE\n");
        await sleep(Number(phaseMs), undefined, { signal: ctx.signal }).catch(() => {});
        return {};
      },
      // Only PRECHECK runs here: the next phase is left to the other worker.
      FETCH_LINEAR: async () => new Promise(() => {}),
    },
    timing: { ...FAST_TIMING, leaseMs: 30_000 },
    enqueue: (data) => queue.enqueue(data),
  },
  { connection: createRedis(redisUrl), prefix, concurrency: 1, shutdownGraceMs: Number(graceMs) },
);
process.stdout.write("STARTED\n");
await untilSignal();
await worker.close();
await queue.close();
await handle.close();
process.stdout.write("CLOSED\n");
process.exit(0);
