import { asc, eq } from "drizzle-orm";
import type { Redis } from "ioredis";
import pino from "pino";
import { afterEach, beforeEach } from "vitest";
import { phaseTransitions, runs } from "../../src/db/schema.ts";
import type { RunState } from "../../src/domain/phases.ts";
import { killSwitchCheck } from "../../src/policy/kill-switch-check.ts";
import { createPhaseQueue, createRedis, type PhaseQueue } from "../../src/runner/queue.ts";
import type { PhaseHandlers, RunnerDeps, RunnerTiming, RunRow } from "../../src/runner/types.ts";
import { type PhaseWorker, startPhaseWorker } from "../../src/runner/worker.ts";
import { type TestDb, useTestDb } from "./db.ts";
import { TEST_REDIS_URL } from "./env.ts";
import { dropQueuePrefix, testQueuePrefix } from "./redis.ts";

export const quietLog = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

/** Short timings so crash and lease tests take seconds, not minutes. */
export const FAST_TIMING: RunnerTiming = { leaseMs: 1_500, heartbeatMs: 300, maxAttempts: 5 };

export interface TestRunner {
  prefix: string;
  redis: Redis;
  queue: PhaseQueue;
  deps(workerId: string, handlers: PhaseHandlers, timing?: RunnerTiming): RunnerDeps;
  startWorker(workerId: string, handlers: PhaseHandlers, timing?: RunnerTiming): PhaseWorker;
  close(): Promise<void>;
}

export function createTestRunner(t: TestDb, redisUrl = TEST_REDIS_URL): TestRunner {
  const prefix = testQueuePrefix();
  const redis = createRedis(redisUrl);
  const queue = createPhaseQueue(redis, prefix);
  const workers: PhaseWorker[] = [];
  const connections: Redis[] = [];
  const runner: TestRunner = {
    prefix,
    redis,
    queue,
    deps: (workerId, handlers, timing = FAST_TIMING) => ({
      db: t.db,
      log: quietLog,
      workerId,
      handlers,
      timing,
      enqueue: (data) => queue.enqueue(data),
      killSwitch: killSwitchCheck(t.db),
    }),
    startWorker(workerId, handlers, timing = FAST_TIMING) {
      const connection = createRedis(redisUrl);
      connections.push(connection);
      const w = startPhaseWorker(runner.deps(workerId, handlers, timing), {
        connection,
        prefix,
        concurrency: 4,
        lockDurationMs: 2_000,
        stalledIntervalMs: 1_000,
        shutdownGraceMs: 2_000,
      });
      workers.push(w);
      return w;
    },
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await queue.close();
      if (redisUrl === TEST_REDIS_URL) await dropQueuePrefix(prefix);
      redis.disconnect();
      for (const c of connections) c.disconnect();
    },
  };
  return runner;
}

/**
 * A fresh test database (useTestDb) and a runner on it (its own queue prefix) for each
 * test of the enclosing suite, handed to `set`; after the test the runner is closed and
 * then the database dropped. `redisUrl` is read when the test starts (a private Redis
 * started by an earlier `beforeEach`). Hooks registered after this call run after its
 * `beforeEach` and, as vitest stacks `afterEach` hooks, before its teardown.
 */
export function useTestRunner(
  set: (t: TestDb, r: TestRunner) => void,
  opts: { redisUrl?: () => string } = {},
): void {
  let t: TestDb | undefined;
  let r: TestRunner | undefined;
  // Registered first, so its drop runs after the runner's close below.
  useTestDb((db) => {
    t = db;
  });
  beforeEach(() => {
    if (!t) throw new Error("useTestDb did not hand over a database");
    r = createTestRunner(t, opts.redisUrl?.());
    set(t, r);
  });
  afterEach(async () => {
    await r?.close();
    r = undefined;
    t = undefined;
  });
}

/** Polls Postgres until the run satisfies `done` (or fails the test after `timeoutMs`). */
export async function waitForRun(
  t: TestDb,
  runId: string,
  done: (run: RunRow) => boolean,
  timeoutMs = 20_000,
): Promise<RunRow> {
  const deadline = Date.now() + timeoutMs;
  let last: RunRow | undefined;
  while (Date.now() < deadline) {
    [last] = await t.db.select().from(runs).where(eq(runs.id, runId));
    if (last && done(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(
    `run ${runId} did not get there in ${timeoutMs} ms; last state ${last?.phase} (${last?.outcome})`,
  );
}

/** The run's row as it is now; throws when there is none. */
export async function runRow(t: Pick<TestDb, "db">, id: string): Promise<RunRow> {
  const [row] = await t.db.select().from(runs).where(eq(runs.id, id));
  if (!row) throw new Error(`no run ${id}`);
  return row;
}

/** The run's committed transitions, oldest first. */
export function transitionsOf(t: Pick<TestDb, "db">, runId: string) {
  return t.db
    .select()
    .from(phaseTransitions)
    .where(eq(phaseTransitions.runId, runId))
    .orderBy(asc(phaseTransitions.seq));
}

export const isAt = (state: RunState) => (run: RunRow) => run.phase === state;
export const hasEnded = (run: RunRow) => run.outcome !== null;
