import { Queue, type QueueOptions } from "bullmq";
import { Redis, type RedisOptions } from "ioredis";
import { phaseJobId } from "./ids.ts";
import type { PhaseJobData } from "./types.ts";

export const PHASE_QUEUE = "phases";

/** BullMQ wants `maxRetriesPerRequest: null` on worker connections (DESIGN.md, provider facts). */
export function createRedis(url: string, options: RedisOptions = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, ...options });
}

export interface PhaseQueue {
  queue: Queue<PhaseJobData>;
  /** Enqueues the job for (run, seq); a second call for the same step is a no-op. */
  enqueue(data: PhaseJobData, options?: { delayMs?: number }): Promise<void>;
  close(): Promise<void>;
}

export function createPhaseQueue(connection: Redis, prefix: string): PhaseQueue {
  const options: QueueOptions = { connection, prefix };
  const queue = new Queue<PhaseJobData>(PHASE_QUEUE, options);
  // Jobs enqueued in the same turn of the event loop (a batch of commits returning
  // together) go to Redis in one round trip.
  let pending: { job: BulkJob; resolve(): void; reject(error: unknown): void }[] = [];
  const flush = () => {
    const batch = pending;
    pending = [];
    queue.addBulk(batch.map((p) => p.job)).then(
      () => {
        for (const p of batch) p.resolve();
      },
      (error) => {
        for (const p of batch) p.reject(error);
      },
    );
  };
  return {
    queue,
    enqueue(data, opts = {}) {
      return new Promise<void>((resolve, reject) => {
        if (pending.length === 0) setImmediate(flush);
        pending.push({ job: phaseJob(data, opts.delayMs), resolve, reject });
      });
    },
    async close() {
      await queue.close();
    },
  };
}

type BulkJob = Parameters<Queue<PhaseJobData>["addBulk"]>[0][number];

function phaseJob(data: PhaseJobData, delayMs: number | undefined): BulkJob {
  return {
    name: data.phase,
    data,
    opts: {
      jobId: phaseJobId(data.runId, data.seq),
      // The job is only a wake-up call; Postgres holds the truth, so completed jobs go.
      removeOnComplete: true,
      removeOnFail: { count: 1000 },
      attempts: 5,
      backoff: { type: "exponential", delay: 250 },
      ...(delayMs ? { delay: delayMs } : {}),
    },
  };
}
