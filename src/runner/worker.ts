import { setMaxListeners } from "node:events";
import { DelayedError, type Job, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { logRedisErrors } from "../observability/redis-errors.ts";
import { CommitBatcher } from "./commit-batcher.ts";
import { executeStep, type StepOutcome } from "./engine.ts";
import { LeaseHandoffs } from "./lease-handoff.ts";
import { PHASE_QUEUE } from "./queue.ts";
import type { PhaseJobData, RunnerDeps } from "./types.ts";

interface PhaseWorkerOptions {
  connection: Redis;
  prefix: string;
  concurrency: number;
  /** BullMQ job lock; a dead worker's job is recovered as stalled after this. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** How long a SIGTERM waits for running phases before aborting (and releasing) them. */
  shutdownGraceMs?: number;
  onStep?: (job: PhaseJobData, outcome: StepOutcome) => void;
}

/** Thrown so BullMQ retries the job (with its backoff) instead of completing it. */
class StepNotDone extends Error {
  constructor(outcome: StepOutcome) {
    super(`step not done: ${outcome}`);
    this.name = "StepNotDone";
  }
}

export interface PhaseWorker {
  worker: Worker<PhaseJobData>;
  /** The leases this worker handed to its runs' next steps (ADR 0010). */
  handoffs: LeaseHandoffs;
  /** Stops taking jobs, lets running phases finish within the grace, aborts the rest. */
  close(): Promise<void>;
}

export function startPhaseWorker(base: RunnerDeps, options: PhaseWorkerOptions): PhaseWorker {
  const shutdown = new AbortController();
  // Every running step listens for shutdown: as many listeners as the concurrency.
  setMaxListeners(options.concurrency + 10, shutdown.signal);
  // A worker keeps the leases it hands to its runs' next steps (ADR 0010) and commits
  // its concurrent steps' transitions together (ADR 0011).
  const handoffs = base.handoffs ?? new LeaseHandoffs({ leaseMs: base.timing.leaseMs });
  const deps: RunnerDeps = {
    ...base,
    handoffs,
    commits: base.commits ?? new CommitBatcher(base.db),
  };
  const worker = new Worker<PhaseJobData>(
    PHASE_QUEUE,
    async (job: Job<PhaseJobData>, token?: string) => {
      let waitMs = 0;
      const outcome = await executeStep(
        deps,
        { ...job.data, redelivered: job.attemptsStarted > 1 || job.stalledCounter > 0 },
        shutdown.signal,
        (ms) => {
          waitMs = ms;
        },
      );
      options.onStep?.(job.data, outcome);
      if (outcome === "waiting") {
        // The step waits as a delayed job (a provider's Retry-After, an effect in flight):
        // no worker slot is held, and the job's attempts are not spent (issue 17).
        await job.moveToDelayed(Date.now() + waitMs, token);
        throw new DelayedError();
      }
      if (outcome === "retry" || outcome === "released") throw new StepNotDone(outcome);
      return outcome;
    },
    {
      connection: options.connection,
      prefix: options.prefix,
      concurrency: options.concurrency,
      lockDuration: options.lockDurationMs ?? 30_000,
      stalledInterval: options.stalledIntervalMs ?? 30_000,
      maxStalledCount: 5,
      autorun: true,
    },
  );
  // Worker errors are its Redis connection's, about two a second while Redis is down: one
  // JSON line per burst, then one per 30 s with the count suppressed (issue 16).
  logRedisErrors(worker, deps.log, "phase worker");
  return {
    worker,
    handoffs,
    async close() {
      const grace = options.shutdownGraceMs ?? 10_000;
      const timer = setTimeout(() => shutdown.abort(), grace);
      try {
        await worker.close();
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
