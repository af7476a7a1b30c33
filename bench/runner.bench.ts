import { randomBytes } from "node:crypto";
import { Queue, Worker } from "bullmq";
import pino from "pino";
import { PHASES, type Phase } from "../src/domain/phases.ts";
import { createPhaseQueue, createRedis } from "../src/runner/queue.ts";
import { createRun } from "../src/runner/runs.ts";
import type { PhaseHandlers, RunnerDeps } from "../src/runner/types.ts";
import { startPhaseWorker } from "../src/runner/worker.ts";
import { createBenchDb } from "./lib/bench-db.ts";
import { cpuDiff, cpuSnapshot } from "./lib/cpu.ts";
import { BENCH_REDIS_URL } from "./lib/env.ts";
import { percentile } from "./lib/stats.ts";
import type { Bench } from "./types.ts";

/**
 * Phase transitions per second through the real runner (lease → no-op handler → commit
 * with audit → enqueue) against raw BullMQ no-op jobs per second on the same Redis, in
 * the same run and at the same worker concurrency; plus phase-to-phase latency.
 */
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const RAW_JOBS = 4_000;
const RUNS = 250;
const LATENCY_RUNS = 8;
/** Finished runs already in the database, as after some weeks of use. */
const HISTORY = Number(process.env.BENCH_HISTORY ?? 10_000);

/** "node 0.21, postgres 0.30, …": CPU ms per job or transition, by process. */
function perUnit(cpu: [string, number][], units: number): string {
  return cpu.map(([name, ms]) => `${name} ${(ms / units).toFixed(3)}`).join(", ");
}

export async function rawBullmq(prefix: string) {
  const connection = createRedis(BENCH_REDIS_URL);
  const workerConnection = createRedis(BENCH_REDIS_URL);
  const queue = new Queue("raw", { connection, prefix });
  let done = 0;
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  // Each job enqueues its successor, like a phase does, so both sides do a job hop.
  const worker = new Worker(
    "raw",
    async (job) => {
      const step = job.data.step as number;
      if (step < 15) {
        await queue.add(
          "s",
          { chain: job.data.chain, step: step + 1 },
          { jobId: `${job.data.chain}.${step + 1}`, removeOnComplete: true },
        );
      }
      done += 1;
      if (done === RAW_JOBS) finish();
    },
    { connection: workerConnection, prefix, concurrency: CONCURRENCY },
  );
  const cpuBefore = cpuSnapshot();
  const start = performance.now();
  for (let c = 0; c < RAW_JOBS / 16; c += 1) {
    await queue.add("s", { chain: `c${c}`, step: 0 }, { jobId: `c${c}.0`, removeOnComplete: true });
  }
  await finished;
  const seconds = (performance.now() - start) / 1000;
  const cpu = cpuDiff(cpuBefore, cpuSnapshot());
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
  workerConnection.disconnect();
  return { perSecond: RAW_JOBS / seconds, cpu: perUnit(cpu, RAW_JOBS) };
}

export async function runnerThroughput(
  runs: number,
  prefix: string,
  variant: (db: RunnerDeps["db"]) => Partial<RunnerDeps> = () => ({}),
) {
  const db = await createBenchDb({ history: HISTORY });
  const connection = createRedis(BENCH_REDIS_URL);
  const workerConnection = createRedis(BENCH_REDIS_URL);
  const queue = createPhaseQueue(connection, prefix);
  const starts = new Map<string, number[]>();
  let transitions = 0;
  let ended = 0;
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  const noop = async (ctx: { run: { id: string } }) => {
    const list = starts.get(ctx.run.id) ?? [];
    list.push(performance.now());
    starts.set(ctx.run.id, list);
    return {};
  };
  const handlers: PhaseHandlers = Object.fromEntries(PHASES.map((p) => [p, noop]));
  handlers.LINEAR_HANDOFF = async (ctx) => {
    await noop(ctx);
    return { next: "WRITE_CANDIDATE_LEARNING" as Phase };
  };

  const worker = startPhaseWorker(
    {
      db: db.db,
      log: pino({ level: "silent" }),
      workerId: "bench",
      ...variant(db.db),
      handlers,
      timing: { leaseMs: 30_000, heartbeatMs: 10_000, maxAttempts: 5 },
      enqueue: (d) => queue.enqueue(d),
    },
    {
      connection: workerConnection,
      prefix,
      concurrency: CONCURRENCY,
      // The clock stops when the last run's last transition has committed.
      onStep: (job) => {
        transitions += 1;
        if (job.phase === "WRITE_CANDIDATE_LEARNING" && ++ended === runs) finish();
      },
    },
  );
  const cpuBefore = cpuSnapshot();
  const start = performance.now();
  await Promise.all(
    Array.from({ length: runs }, (_, i) =>
      createRun(
        { db: db.db, enqueue: (d) => queue.enqueue(d) },
        { ticket: `B-${i}`, trigger: "bench" },
      ),
    ),
  );
  await finished;
  const seconds = (performance.now() - start) / 1000;
  const cpu = cpuDiff(cpuBefore, cpuSnapshot());
  await worker.close();
  await queue.queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
  workerConnection.disconnect();
  await db.drop();
  const gaps = [...starts.values()].flatMap((t) => t.slice(1).map((v, i) => v - t[i]!));
  return {
    perSecond: transitions / seconds,
    p50: percentile(gaps, 50),
    p95: percentile(gaps, 95),
    transitions,
    cpu: perUnit(cpu, transitions),
  };
}

/** Rounds of (raw, runner) back to back: the ratio is taken per round, and the median reported. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const median = (values: number[]) => percentile(values, 50);

const bench: Bench = async () => {
  const prefix = `prodebench_${randomBytes(3).toString("hex")}`;
  // A discarded round first: both sides measured warm (JIT-compiled), as a long-running
  // worker is. Measured cold, raw BullMQ came out at half its warm rate.
  await rawBullmq(prefix);
  await runnerThroughput(50, prefix);
  const rounds: {
    raw: Awaited<ReturnType<typeof rawBullmq>>;
    runner: Awaited<ReturnType<typeof runnerThroughput>>;
  }[] = [];
  for (let i = 0; i < ROUNDS; i += 1) {
    const raw = await rawBullmq(prefix);
    const runner = await runnerThroughput(RUNS, prefix);
    rounds.push({ raw, runner });
  }
  const light = await runnerThroughput(LATENCY_RUNS, prefix);
  const ratios = rounds.map((r) => r.runner.perSecond / r.raw.perSecond);
  const ratio = median(ratios);
  const typical = rounds[ratios.indexOf(ratio)]!;
  return [
    {
      name: `runner vs raw BullMQ (concurrency ${CONCURRENCY}, ${RUNS} runs × ${typical.runner.transitions / RUNS} transitions, median of ${ROUNDS} rounds)`,
      metrics: {
        "raw BullMQ chained no-op jobs/s": typical.raw.perSecond,
        "runner phase transitions/s": typical.runner.perSecond,
        "ratio (runner / raw)": ratio,
        "ratio per round": ratios.map((r) => r.toFixed(2)).join(" "),
        "raw / runner per round": rounds
          .map((r) => `${r.raw.perSecond.toFixed(0)}/${r.runner.perSecond.toFixed(0)}`)
          .join(" "),
        "phase-to-phase p50 ms (loaded)": typical.runner.p50,
        "phase-to-phase p95 ms (loaded)": typical.runner.p95,
        [`phase-to-phase p50 ms (${LATENCY_RUNS} runs)`]: light.p50,
        [`phase-to-phase p95 ms (${LATENCY_RUNS} runs)`]: light.p95,
        "CPU ms per raw job": typical.raw.cpu,
        "CPU ms per transition": typical.runner.cpu,
      },
      verdict: `ratio ≥ 0.25: ${ratio >= 0.25 ? "met" : "NOT met"}; p95 ≤ 20 ms (${LATENCY_RUNS} runs): ${light.p95 <= 20 ? "met" : "NOT met"}`,
    },
  ];
};
export default bench;
