import { randomBytes } from "node:crypto";
import { Queue, Worker } from "bullmq";
import pino from "pino";
import { DEFAULT_WORKER_CONCURRENCY } from "../src/config/index.ts";
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
 * the same run; plus phase-to-phase latency.
 *
 * Both sides carry the same shape of work: CHAINS chains of jobs, each job enqueueing its
 * successor (a run is a chain of 15 phase jobs; a raw chain is 16 plain jobs). Both are
 * measured at every concurrency in CONCURRENCIES, in alternating rounds. A side's
 * throughput is its best rate over those concurrencies (its capacity): raw BullMQ is
 * already at its best at 8, where it is bound by the node process, while the runner
 * waits on Postgres for each step and needs more steps in flight to reach its own.
 * The ratio at each matched concurrency is printed too.
 */
const CONCURRENCIES = (process.env.BENCH_CONCURRENCY ?? `8,${DEFAULT_WORKER_CONCURRENCY},128`)
  .split(",")
  .map(Number);
/** Chains per round on each side: 1,000 gives both sides a window of a second or more. */
const CHAINS = Number(process.env.BENCH_CHAINS ?? 1_000);
const RAW_CHAIN = 16;
const LATENCY_RUNS = 8;
/** Finished runs already in the database, as after some weeks of use. */
const HISTORY = Number(process.env.BENCH_HISTORY ?? 10_000);

/** "node 0.21, postgres 0.30, …": CPU ms per job or transition, by process. */
function perUnit(cpu: [string, number][], units: number): string {
  return cpu.map(([name, ms]) => `${name} ${(ms / units).toFixed(3)}`).join(", ");
}

export async function rawBullmq(prefix: string, concurrency: number, chains = CHAINS) {
  const total = chains * RAW_CHAIN;
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
      if (step < RAW_CHAIN - 1) {
        await queue.add(
          "s",
          { chain: job.data.chain, step: step + 1 },
          { jobId: `${job.data.chain}.${step + 1}`, removeOnComplete: true },
        );
      }
      done += 1;
      if (done === total) finish();
    },
    { connection: workerConnection, prefix, concurrency },
  );
  const cpuBefore = cpuSnapshot();
  const start = performance.now();
  for (let c = 0; c < chains; c += 1) {
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
  return { perSecond: total / seconds, cpu: perUnit(cpu, total) };
}

export async function runnerThroughput(
  runs: number,
  prefix: string,
  concurrency: number,
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
      concurrency,
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

/** Rounds of (raw, runner) back to back at each concurrency: the median round is reported. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const median = (values: number[]) => percentile(values, 50);

interface Point {
  concurrency: number;
  raw: number;
  runner: number;
  /** Median of the per-round ratios. */
  ratio: number;
  rounds: string;
  rawCpu: string;
  runnerCpu: string;
}

async function measureAt(prefix: string, concurrency: number): Promise<Point> {
  const rounds: {
    raw: Awaited<ReturnType<typeof rawBullmq>>;
    runner: Awaited<ReturnType<typeof runnerThroughput>>;
  }[] = [];
  for (let i = 0; i < ROUNDS; i += 1) {
    const raw = await rawBullmq(prefix, concurrency);
    const runner = await runnerThroughput(CHAINS, prefix, concurrency);
    rounds.push({ raw, runner });
  }
  const ratios = rounds.map((r) => r.runner.perSecond / r.raw.perSecond);
  const typical = rounds[ratios.indexOf(median(ratios))]!;
  return {
    concurrency,
    raw: median(rounds.map((r) => r.raw.perSecond)),
    runner: median(rounds.map((r) => r.runner.perSecond)),
    ratio: median(ratios),
    rounds: rounds
      .map((r) => `${r.raw.perSecond.toFixed(0)}/${r.runner.perSecond.toFixed(0)}`)
      .join(" "),
    rawCpu: typical.raw.cpu,
    runnerCpu: typical.runner.cpu,
  };
}

const bench: Bench = async () => {
  const prefix = `prodebench_${randomBytes(3).toString("hex")}`;
  // A discarded round first: both sides measured warm (JIT-compiled), as a long-running
  // worker is. Measured cold, raw BullMQ came out at half its warm rate.
  await rawBullmq(prefix, CONCURRENCIES[0]!, 250);
  await runnerThroughput(50, prefix, CONCURRENCIES[0]!);
  const points: Point[] = [];
  for (const concurrency of CONCURRENCIES) points.push(await measureAt(prefix, concurrency));
  const light = await runnerThroughput(LATENCY_RUNS, prefix, DEFAULT_WORKER_CONCURRENCY);
  const bestRaw = points.reduce((a, b) => (b.raw > a.raw ? b : a));
  const bestRunner = points.reduce((a, b) => (b.runner > a.runner ? b : a));
  const ratio = bestRunner.runner / bestRaw.raw;
  const atDefault = points.find((p) => p.concurrency === DEFAULT_WORKER_CONCURRENCY);
  const metrics: Record<string, number | string> = {
    "raw BullMQ throughput, jobs/s": `${bestRaw.raw.toFixed(0)} (at concurrency ${bestRaw.concurrency})`,
    "runner throughput, transitions/s": `${bestRunner.runner.toFixed(0)} (at concurrency ${bestRunner.concurrency})`,
    "ratio (runner / raw)": ratio,
  };
  for (const p of points) {
    metrics[`at ${p.concurrency}: raw/s, runner/s, ratio`] =
      `${p.raw.toFixed(0)}, ${p.runner.toFixed(0)}, ${p.ratio.toFixed(2)}  (rounds ${p.rounds})`;
  }
  Object.assign(metrics, {
    [`phase-to-phase p50 ms (${LATENCY_RUNS} runs)`]: light.p50,
    [`phase-to-phase p95 ms (${LATENCY_RUNS} runs)`]: light.p95,
    [`CPU ms per raw job (at ${bestRaw.concurrency})`]: bestRaw.rawCpu,
    [`CPU ms per transition (at ${bestRunner.concurrency})`]: bestRunner.runnerCpu,
  });
  return [
    {
      name: `runner vs raw BullMQ (${CHAINS} chains a side, concurrency ${CONCURRENCIES.join("/")}, median of ${ROUNDS} rounds; prode's default concurrency ${DEFAULT_WORKER_CONCURRENCY})`,
      metrics,
      verdict: `ratio ≥ 0.25: ${ratio >= 0.25 ? "met" : "NOT met"}${atDefault ? ` (at the default concurrency alone: ${atDefault.ratio.toFixed(2)})` : ""}; p95 ≤ 20 ms (${LATENCY_RUNS} runs): ${light.p95 <= 20 ? "met" : "NOT met"}`,
    },
  ];
};
export default bench;
