import { Queue, type QueueOptions } from "bullmq";
import { Redis, type RedisOptions } from "ioredis";
import type { Phase } from "../domain/phases.ts";
import { phaseJobId } from "./ids.ts";

export const PHASE_QUEUE = "phases";

export interface PhaseJobData {
  runId: string;
  seq: number;
  phase: Phase;
  /**
   * The fencing counter of the lease the previous step handed to this step (ADR 0010):
   * the worker that gets the job may take that lease without waiting for it to expire.
   */
  lease?: number;
}

/** BullMQ wants `maxRetriesPerRequest: null` on worker connections (DESIGN.md, provider facts). */
export function createRedis(url: string, options: RedisOptions = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, ...options });
}

export interface PhaseQueue {
  queue: Queue<PhaseJobData>;
  prefix: string;
  /** Enqueues the job for (run, seq); a second call for the same step is a no-op. */
  enqueue(data: PhaseJobData, options?: { delayMs?: number }): Promise<void>;
  close(): Promise<void>;
}

export function createPhaseQueue(connection: Redis, prefix: string): PhaseQueue {
  const options: QueueOptions = { connection, prefix };
  const queue = new Queue<PhaseJobData>(PHASE_QUEUE, options);
  return {
    queue,
    prefix,
    async enqueue(data, opts = {}) {
      await queue.add(data.phase, data, {
        jobId: phaseJobId(data.runId, data.seq),
        // The job is only a wake-up call; Postgres holds the truth, so completed jobs go.
        removeOnComplete: true,
        removeOnFail: { count: 1000 },
        attempts: 5,
        backoff: { type: "exponential", delay: 250 },
        ...(opts.delayMs ? { delay: opts.delayMs } : {}),
      });
    },
    async close() {
      await queue.close();
    },
  };
}
