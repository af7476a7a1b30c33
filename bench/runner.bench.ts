import { randomBytes } from "node:crypto";
import { Queue, Worker } from "bullmq";
import pino from "pino";
import { DEFAULT_WORKER_CONCURRENCY } from "../src/config/index.ts";
import { PHASES, type Phase } from "../src/domain/phases.ts";
import { CommitBatcher } from "../src/runner/commit-batcher.ts";
import { createPhaseQueue, createRedis } from "../src/runner/queue.ts";
import { createRun } from "../src/runner/runs.ts";
import { commitTransition } from "../src/runner/transition.ts";
import type { PhaseHandlers } from "../src/runner/types.ts";
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
 * successor (a run is a chain of 15 phase jobs; a raw chain is 16 plain jobs), with every
 * chain's first job queued before the clock starts. Rounds pair the two sides at one
 * concurrency, back to back, in alternating order; the concurrencies are interleaved
 * round by round, so the machine's drift falls on all of them alike.
 *
 * The verdict is the median paired ratio at 128 in flight, where both sides are near
 * their CPU bound rather than bound by what each step waits for: a raw job waits on two
 * Redis round trips, a runner step on its commit as well, so the runner needs more
 * steps in flight, and its group commit spreads a statement over more transitions
 * there. The paired ratio at prode's default worker concurrency is printed beside it,
 * with what a step waits for there, and CPU per unit on each side (ADR 0013).
 */
/**
 * Where the verdict is taken, fixed: enough steps in flight for both sides to be near
 * their CPU bound on this 2-core machine (ADR 0013). Always measured.
 */
const VERDICT_AT = 128;
/** The concurrencies measured: always the default and VERDICT_AT, plus BENCH_CONCURRENCY's. */
const CONCURRENCIES = [
  ...new Set(
    `${DEFAULT_WORKER_CONCURRENCY},${VERDICT_AT},${process.env.BENCH_CONCURRENCY ?? "8,32"}`
      .split(",")
      .filter(Boolean)
      .map(Number),
  ),
].sort((a, b) => a - b);
/** Chains per round on each side: 1,000 gives both sides a window of a second or more. */
const CHAINS = Number(process.env.BENCH_CHAINS ?? 1_000);
const RAW_CHAIN = 16;
const LATENCY_RUNS = 8;
/** Finished runs already in the database, as after some weeks of use. */
const HISTORY = Number(process.env.BENCH_HISTORY ?? 10_000);

/** "node 0.21, postgres 0.30, …": CPU ms per job or transition, by process. */
function perUnit(cpu: [string, number][], units: number): string {
  return cpu
    .slice(0, 4)
    .map(([name, ms]) => `${name} ${(ms / units).toFixed(3)}`)
    .join(", ");
}

/** CPU ms per unit spent by the parts both sides run on: node, Postgres and Redis. */
function ownCpu(cpu: [string, number][], units: number): number {
  const own = new Set(["node", "postgres", "redis-server"]);
  return cpu.filter(([name]) => own.has(name)).reduce((sum, [, ms]) => sum + ms, 0) / units;
}

async function rawBullmq(prefix: string, concurrency: number) {
  const total = CHAINS * RAW_CHAIN;
  const connection = createRedis(BENCH_REDIS_URL);
  const workerConnection = createRedis(BENCH_REDIS_URL);
  const queue = new Queue("raw", { connection, prefix });
  let done = 0;
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  // Every chain's first job waits in the queue before the clock starts, as every run's
  // first job does on the runner's side: both sides time the chains, not their creation.
  await queue.addBulk(
    Array.from({ length: CHAINS }, (_, c) => ({
      name: "s",
      data: { chain: `c${c}`, step: 0 },
      opts: { jobId: `c${c}.0`, removeOnComplete: true },
    })),
  );
  const cpuBefore = cpuSnapshot();
  const start = performance.now();
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
  await finished;
  const seconds = (performance.now() - start) / 1000;
  const cpu = cpuDiff(cpuBefore, cpuSnapshot(), Number.POSITIVE_INFINITY);
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
  workerConnection.disconnect();
  return { perSecond: total / seconds, cpu: perUnit(cpu, total), cpuMs: ownCpu(cpu, total) };
}

async function runnerThroughput(runs: number, prefix: string, concurrency: number) {
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

  await Promise.all(
    Array.from({ length: runs }, (_, i) =>
      createRun(
        { db: db.db, enqueue: (d) => queue.enqueue(d) },
        { ticket: `B-${i}`, trigger: "bench" },
      ),
    ),
  );
  // What a step waits for, summed: its commit (the worker's group commit, as a worker
  // makes it) and its successor's enqueue.
  const batcher = new CommitBatcher(db.db);
  const waits = { commit: 0, enqueue: 0 };
  const cpuBefore = cpuSnapshot();
  const start = performance.now();
  const worker = startPhaseWorker(
    {
      db: db.db,
      log: pino({ level: "silent" }),
      workerId: "bench",
      handlers,
      timing: { leaseMs: 30_000, heartbeatMs: 10_000, maxAttempts: 5 },
      commits: {
        async commit(request) {
          const t = performance.now();
          const run = await batcher.commit(request);
          waits.commit += performance.now() - t;
          return run;
        },
      },
      async enqueue(d) {
        const t = performance.now();
        await queue.enqueue(d);
        waits.enqueue += performance.now() - t;
      },
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
  await finished;
  const seconds = (performance.now() - start) / 1000;
  const cpu = cpuDiff(cpuBefore, cpuSnapshot(), Number.POSITIVE_INFINITY);
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
    /**
     * Mean ms per step waiting for its commit, and for its successor's enqueue (the last
     * step enqueues nothing and counts as 0: these split the step's time).
     */
    commitWait: waits.commit / transitions,
    enqueueWait: waits.enqueue / transitions,
    /** Transitions per group-commit statement (ADR 0011). */
    perStatement: batcher.stats.transitions / batcher.stats.statements,
    cpu: perUnit(cpu, transitions),
    cpuMs: ownCpu(cpu, transitions),
  };
}

/**
 * One transition's commit with nothing else running: the least a step's commit waits
 * (under load it also waits for the batch in flight and for the CPU). Runs step one at
 * a time through their phases.
 */
async function commitAlone(runs: number) {
  const db = await createBenchDb({ history: HISTORY });
  const created = await Promise.all(
    Array.from({ length: runs }, (_, i) =>
      createRun({ db: db.db, enqueue: async () => {} }, { ticket: `C-${i}`, trigger: "bench" }),
    ),
  );
  const times: number[] = [];
  for (const { run: first } of created) {
    let run = first;
    for (const to of PHASES.slice(1, 8)) {
      const start = performance.now();
      run = await commitTransition(db.db, { run, to, actor: "bench", description: "bench" });
      times.push(performance.now() - start);
    }
  }
  await db.drop();
  return { p50: percentile(times, 50), p95: percentile(times, 95) };
}

/** Paired rounds at each concurrency; the median is reported. */
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));

const median = (values: number[]) => percentile(values, 50);

interface Round {
  raw: Awaited<ReturnType<typeof rawBullmq>>;
  runner: Awaited<ReturnType<typeof runnerThroughput>>;
}

interface Point {
  concurrency: number;
  raw: number;
  runner: number;
  /** Median of the per-round ratios. */
  ratio: number;
  rounds: string;
  /** Of the round whose ratio is the median: */
  typical: Round;
}

/** One paired round: raw first on even rounds, the runner first on odd ones. */
async function pairedRound(prefix: string, concurrency: number, round: number): Promise<Round> {
  if (round % 2 === 0) {
    const raw = await rawBullmq(prefix, concurrency);
    return { raw, runner: await runnerThroughput(CHAINS, prefix, concurrency) };
  }
  const runner = await runnerThroughput(CHAINS, prefix, concurrency);
  return { raw: await rawBullmq(prefix, concurrency), runner };
}

function summarise(concurrency: number, rounds: Round[]): Point {
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
    typical,
  };
}

/** ms per step per slot: the time each of `concurrency` slots spends on one step. */
const slotMs = (concurrency: number, perSecond: number) => (concurrency * 1000) / perSecond;

const bench: Bench = async () => {
  const prefix = `prodebench_${randomBytes(3).toString("hex")}`;
  const DEFAULT = DEFAULT_WORKER_CONCURRENCY;
  // A discarded round first: both sides measured warm (JIT-compiled), as a long-running
  // worker is. Measured cold, raw BullMQ came out at half its warm rate.
  await rawBullmq(prefix, DEFAULT);
  await runnerThroughput(Math.max(1, Math.floor(CHAINS / 4)), prefix, DEFAULT);
  const byConcurrency = new Map(CONCURRENCIES.map((c) => [c, [] as Round[]]));
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const concurrency of CONCURRENCIES) {
      byConcurrency.get(concurrency)!.push(await pairedRound(prefix, concurrency, round));
    }
  }
  const points = [...byConcurrency].map(([c, rounds]) => summarise(c, rounds));
  const light = await runnerThroughput(LATENCY_RUNS, prefix, DEFAULT);
  const alone = await commitAlone(100);
  const judged = points.find((p) => p.concurrency === VERDICT_AT)!;
  const atDefault = points.find((p) => p.concurrency === DEFAULT)!;
  const d = atDefault.typical;
  const metrics: Record<string, number | string> = {
    [`raw BullMQ jobs/s at ${VERDICT_AT}`]: judged.raw,
    [`runner phase transitions/s at ${VERDICT_AT}`]: judged.runner,
    [`paired ratio at ${VERDICT_AT} (runner / raw)`]: judged.ratio,
    [`CPU ms per raw job at ${VERDICT_AT}`]: judged.typical.raw.cpu,
    [`CPU ms per transition at ${VERDICT_AT}`]: judged.typical.runner.cpu,
    [`CPU cost ratio at ${VERDICT_AT} (raw job / transition; node, postgres, redis)`]:
      judged.typical.raw.cpuMs / judged.typical.runner.cpuMs,
    [`phase-to-phase p50 ms (${LATENCY_RUNS} runs at ${DEFAULT})`]: light.p50,
    [`phase-to-phase p95 ms (${LATENCY_RUNS} runs at ${DEFAULT})`]: light.p95,
    "one commit alone, p50 / p95 ms": `${alone.p50.toFixed(2)} / ${alone.p95.toFixed(2)}`,
    [`at ${DEFAULT}, ms per step per slot: raw / runner`]: `${slotMs(DEFAULT, d.raw.perSecond).toFixed(2)} / ${slotMs(DEFAULT, d.runner.perSecond).toFixed(2)}`,
    [`CPU ms per raw job at ${DEFAULT}`]: d.raw.cpu,
    [`CPU ms per transition at ${DEFAULT}`]: d.runner.cpu,
    [`CPU cost ratio at ${DEFAULT}`]: d.raw.cpuMs / d.runner.cpuMs,
    "transitions per commit statement, at default / verdict": `${d.runner.perStatement.toFixed(1)} / ${judged.typical.runner.perStatement.toFixed(1)}`,
    [`at ${DEFAULT}, a runner step waits ms: commit / enqueue`]: `${d.runner.commitWait.toFixed(2)} / ${d.runner.enqueueWait.toFixed(2)}`,
  };
  for (const p of points) {
    // No phase-to-phase latency here: with 1,000 runs queued, a gap is the queue's
    // length over the rate, and says nothing the rate does not.
    const label = p.concurrency === DEFAULT ? " (prode's default)" : "";
    metrics[`at ${p.concurrency}${label}: raw/s, runner/s, paired ratio`] =
      `${p.raw.toFixed(0)}, ${p.runner.toFixed(0)}, ${p.ratio.toFixed(2)}`;
    metrics[`at ${p.concurrency}: raw/runner per round`] = p.rounds;
  }
  return [
    {
      name: `runner vs raw BullMQ: ${CHAINS} chains a side, ${ROUNDS} paired rounds at each concurrency (${CONCURRENCIES.join(", ")})`,
      metrics,
      verdict:
        `ratio ≥ 0.25 at ${VERDICT_AT}: ${judged.ratio >= 0.25 ? "met" : "NOT met"}; ` +
        `p95 ≤ 20 ms (${LATENCY_RUNS} runs): ${light.p95 <= 20 ? "met" : "NOT met"}; ` +
        `at the default ${DEFAULT} (information, ADR 0013): ${atDefault.ratio.toFixed(2)}`,
    },
  ];
};
export default bench;
