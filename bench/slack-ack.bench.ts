import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { Agent, request } from "node:http";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import pino from "pino";
import { findScenario } from "../sim/scenario.ts";
import { createSlackInteractionQueue } from "../src/adapters/slack/interaction-queue.ts";
import { formBody, interactionBody, signedSlackHeaders } from "../src/adapters/slack/signing.ts";
import { type ApprovalRow, createApproval } from "../src/approvals/create.ts";
import { startProde } from "../src/compose/prode.ts";
import { loadConfig } from "../src/config/index.ts";
import { runs } from "../src/db/schema.ts";
import { loadPolicy } from "../src/policy/load.ts";
import { createPhaseQueue, createRedis } from "../src/runner/queue.ts";
import { createBenchDb } from "./lib/bench-db.ts";
import { BENCH_REDIS_URL } from "./lib/env.ts";
import { percentile } from "./lib/stats.ts";
import type { Bench, BenchResult } from "./types.ts";

/**
 * Ack latency of `/prode status` and of an Approve click at a fixed 200 requests/s
 * (open loop: requests leave on schedule whether or not earlier ones were answered)
 * against a bare Bolt app that only acks the same signed requests, in the same run,
 * with the same receiver (HTTPReceiver mounted as our web server's fallback).
 *
 * Topology as deployed, one process each (bench/lib/): the prode web process (acks,
 * then appends the interaction to the Redis stream), the bare Bolt web process, the
 * worker (handles every interaction for real: database, policy, audit, replies; run at
 * a lower CPU priority, BENCH_SLACK_WORKER_NICE, default 10) and the simulated world.
 * This process only generates load, switching target every second (bare, prode, …) so
 * both see the same machine over the same minute. Each kind runs twice: with the worker
 * handling every interaction as it arrives on this same (2-core) host, and with the
 * worker frozen, which leaves the ack path alone, as when web and worker run on
 * separate machines.
 *
 * Loopback only; bounded by the duration: BENCH_SLACK_SECONDS (default 30) per target.
 * BENCH_SLACK_INLINE=1 adds the same load against an app doing the work inside its web
 * process, for comparison.
 */
const RATE = 200;
const SECONDS = Number(process.env.BENCH_SLACK_SECONDS ?? 30);
const INLINE = process.env.BENCH_SLACK_INLINE === "1";
/** CPU niceness of the worker process (BENCH_SLACK_WORKER_NICE; 0 = same as web). */
const NICE = Number(process.env.BENCH_SLACK_WORKER_NICE ?? 10);
const ROOT = new URL("..", import.meta.url).pathname;
const log = pino({ level: "silent" });

let trigger = 0;
function statusCommand(): string {
  trigger += 1;
  return formBody({
    team_id: "T0ACMESIM",
    channel_id: "C0INCIDENTS",
    user_id: "U0ONCALL01",
    command: "/prode",
    text: "status",
    response_url: "http://127.0.0.1:9/unused",
    trigger_id: `bench.${trigger}`,
  });
}

function approveClick(approval: string): string {
  trigger += 1;
  return interactionBody({
    type: "block_actions",
    // Someone who may not approve: the refusal path reads policy, audits and replies.
    user: { id: "U0BACKEND5", username: "lena", name: "Lena", team_id: "T0ACMESIM" },
    team: { id: "T0ACMESIM", domain: "acme-sim" },
    channel: { id: "C0INCIDENTS", name: "incidents" },
    container: { type: "message", message_ts: "1.000100", channel_id: "C0INCIDENTS" },
    message: { type: "message", ts: "1.000100", text: "approval" },
    trigger_id: `bench.${trigger}`,
    response_url: "http://127.0.0.1:9/unused",
    actions: [
      {
        action_id: "prode_approve",
        block_id: "prode_approval",
        value: approval,
        type: "button",
        action_ts: "1",
      },
    ],
  });
}

/** One signed request; resolves to its latency (ms), or NaN when it failed. */
function post(agent: Agent, port: number, secret: string, body: string): Promise<number> {
  return new Promise((resolve) => {
    const headers = signedSlackHeaders(secret, body);
    const started = performance.now();
    const req = request(
      { host: "127.0.0.1", port, path: "/slack/events", method: "POST", agent, headers },
      (res) => {
        res.resume();
        res.on("end", () =>
          resolve(res.statusCode === 200 ? performance.now() - started : Number.NaN),
        );
      },
    );
    req.on("error", () => resolve(Number.NaN));
    req.end(body);
  });
}

/** Sends `makeBody()` at RATE per second for `seconds`; returns every latency (ms). */
async function load(port: number, secret: string, makeBody: () => string, seconds = SECONDS) {
  return (await alternate([port], secret, makeBody, seconds))[0]!;
}

/**
 * RATE requests per second, switching target every second (bare, prode, bare, …) until
 * each target got `seconds` seconds: both see the same machine over the same minute, so
 * a noisy neighbour hits both, not whichever happened to run second.
 */
async function alternate(
  ports: number[],
  secret: string,
  makeBody: () => string,
  seconds = SECONDS,
): Promise<number[][]> {
  // Fresh keep-alive sockets per phase: a socket idle past the server's keep-alive
  // timeout would be reset under the first request that reuses it.
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const total = Math.round(RATE * seconds) * ports.length;
  const interval = 1000 / RATE;
  const start = performance.now();
  const pending: Promise<number>[][] = ports.map(() => []);
  try {
    for (let i = 0; i < total; i += 1) {
      const wait = start + i * interval - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const target = Math.floor(i / RATE) % ports.length;
      pending[target]!.push(post(agent, ports[target]!, secret, makeBody()));
    }
    return await Promise.all(pending.map((p) => Promise.all(p)));
  } finally {
    agent.destroy();
  }
}

/**
 * A child process running a TypeScript entry; resolves once it prints `ready`. `nice`
 * lowers its CPU priority (the worker role: on a shared host the web role's acks come
 * first, the jobs wait a little).
 */
async function child(args: string[], env: Record<string, string>, ready: RegExp, nice = 0) {
  const argv = [process.execPath, "--import", "tsx", ...args];
  const [cmd, ...rest] = nice > 0 ? ["nice", "-n", String(nice), ...argv] : argv;
  const proc: ChildProcess = spawn(cmd!, rest, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    let out = "";
    proc.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const m = ready.exec(out);
      if (m) resolve(m);
    });
    proc.once("exit", (code) => reject(new Error(`${args.join(" ")} exited with ${code}: ${out}`)));
  });
  return {
    match,
    /** Freezes the process (SIGSTOP) or lets it go on (SIGCONT). */
    pause: (paused: boolean) => proc.kill(paused ? "SIGSTOP" : "SIGCONT"),
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once("exit", () => resolve());
        proc.kill("SIGCONT");
        proc.kill("SIGTERM");
      }),
  };
}

const ok = (xs: number[]) => xs.filter(Number.isFinite);
const p = (xs: number[], q: number) => percentile(ok(xs), q);
const failed = (xs: number[]) => xs.length - ok(xs).length;

const bench: Bench = async () => {
  // Everything started is stopped in reverse order, also when the run fails midway.
  const cleanup: (() => Promise<unknown>)[] = [];
  try {
    return await measure(cleanup);
  } finally {
    for (const undo of cleanup.reverse()) await undo().catch(() => {});
  }
};

async function measure(cleanup: (() => Promise<unknown>)[]): Promise<BenchResult[]> {
  const scenario = await findScenario("db-state-approval");
  const secret = scenario.slack.signingSecret;
  const token = scenario.slack.botToken;
  // The simulated world in its own process, as Slack is in production.
  const world = await child(
    ["src/main.ts", "sim", "--scenario", "db-state-approval"],
    {},
    /^\s+slack\s+(\S+)$/m,
    NICE,
  );
  cleanup.push(world.stop);
  const slackUrl = world.match[1]!;
  const db = await createBenchDb({ maxConnections: 10 });
  cleanup.push(db.drop);
  const prefix = `benchslack${Date.now()}`;
  const redis = createRedis(BENCH_REDIS_URL);
  cleanup.push(async () => redis.disconnect());
  const phases = createPhaseQueue(redis, prefix);
  const interactions = createSlackInteractionQueue(redis, prefix);
  cleanup.push(async () => {
    await interactions.close();
    await redis.del(interactions.key);
    await phases.close();
  });
  const policyDir = await mkdtemp(join(tmpdir(), "prode-bench-policy-"));
  cleanup.push(() => rm(policyDir, { recursive: true, force: true }));
  await writeFile(
    join(policyDir, "platform.yaml"),
    "version: 1\nroles:\n  approver: { groups: [S0APPROVER] }\n  operator: { groups: [S0SREONCAL] }\n",
  );
  const env = {
    SLACK_BOT_TOKEN: token,
    SLACK_SIGNING_SECRET: secret,
    SLACK_INCIDENT_CHANNEL: "C0INCIDENTS",
    SLACK_API_URL: slackUrl,
    PRODE_POLICY_DIR: policyDir,
    DATABASE_URL: db.url,
    REDIS_URL: BENCH_REDIS_URL,
    PRODE_QUEUE_PREFIX: prefix,
    // One loopback source at 200 requests/s: the rate limiter is not what is measured.
    PRODE_HTTP_RATE_PER_SOURCE: "1000000",
    PRODE_HTTP_RATE_PER_ROUTE: "1000000",
    PORT: "0",
  };
  const consumer = await child(["bench/lib/slack-consumer.ts"], env, /^ready$/m, NICE);
  cleanup.push(consumer.stop);
  const web = await child(["bench/lib/slack-web.ts", "prode"], env, /^ready (\d+)$/m);
  cleanup.push(web.stop);
  const bareWeb = await child(["bench/lib/slack-web.ts", "bare"], env, /^ready (\d+)$/m);
  cleanup.push(bareWeb.stop);
  const queuedPort = Number(web.match[1]);
  const barePort = Number(bareWeb.match[1]);
  // Only for BENCH_SLACK_INLINE: the work done inside the (bench's) web process.
  const inline = await startProde({
    role: "dev",
    config: loadConfig({ ...env, PRODE_QUEUE_PREFIX: `${prefix}inline` }),
    log,
    host: "127.0.0.1",
  });
  const inlinePort = Number(new URL(inline.url!).port);
  cleanup.push(() => inline.close());

  // Runs for /prode status to list; approvals for the clicks.
  await db.db.insert(runs).values(
    Array.from({ length: 25 }, (_, i) => ({
      id: `run_b${i}`,
      ticket: `ENG-${1000 + i}`,
      phase: i % 5 === 0 ? "AWAIT_APPROVAL" : "WAIT_FOR_EVIDENCE",
      context: { title: `Bench ticket ${i}`, service: "onboarding-api" },
    })),
  );
  const policy = await loadPolicy(policyDir);
  const pending: ApprovalRow[] = [];
  for (let i = 0; i < 25; i += 5) {
    pending.push(
      await createApproval(db.db, policy, {
        runId: `run_b${i}`,
        action: "production_write",
        detail: `UPDATE counts SET n = 0 WHERE id = ${i}`,
        risk: "high",
        rollback: "restore",
        requester: "prode",
      }),
    );
  }
  let next = 0;
  const bodies = {
    status: statusCommand,
    click: () => approveClick(pending[next++ % pending.length]!.id),
  };

  const drainQueue = async () => {
    const started = performance.now();
    for (let i = 0; i < 6_000; i += 1) {
      if ((await interactions.backlog()) === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    return performance.now() - started;
  };

  // Warm-up at rate (JIT, sockets, caches, the consumer), then let the work drain.
  await load(barePort, secret, bodies.status, 2);
  await load(queuedPort, secret, bodies.status, 2);
  await load(queuedPort, secret, bodies.click, 1);
  await drainQueue();

  const results: BenchResult[] = [];
  for (const kind of ["status", "click"] as const) {
    const label = kind === "status" ? "/prode status" : "Approve click";
    let bare: number[] = [];
    // Twice: with the worker handling every interaction on this same host as it comes
    // in, then with the worker frozen (SIGSTOP), which leaves the ack path alone, as on
    // a deployment where web and worker run on separate machines.
    for (const workerBusy of [true, false]) {
      if (!workerBusy) consumer.pause(true);
      const delay = monitorEventLoopDelay({ resolution: 1 });
      delay.enable();
      const load1 = loadavg()[0]!;
      let ours: number[];
      [bare, ours] = (await alternate([barePort, queuedPort], secret, bodies[kind])) as [
        number[],
        number[],
      ];
      delay.disable();
      const backlog = await interactions.backlog();
      if (!workerBusy) {
        // The frozen worker's backlog is not part of the measurement: drop it, resume.
        await redis.xtrim(interactions.key, "MAXLEN", 0);
        consumer.pause(false);
      }
      const drainMs = await drainQueue();
      const ratio = p(ours, 99) / p(bare, 99);
      const met = p(ours, 99) <= 50 && ratio <= 1.5 && failed(ours) === 0;
      results.push({
        name: `${label} ack at ${RATE}/s for ${SECONDS}s (${ours.length} requests each), ${workerBusy ? "worker handling them on this host" : "ack path alone (worker frozen)"}`,
        metrics: {
          "prode p50 (ms)": p(ours, 50),
          "prode p99 (ms)": p(ours, 99),
          "prode max (ms)": Math.max(...ok(ours)),
          "bare Bolt p50 (ms)": p(bare, 50),
          "bare Bolt p99 (ms)": p(bare, 99),
          "p99 ratio prode/bare": ratio,
          "failed requests prode / bare": `${failed(ours)} / ${failed(bare)}`,
          "load generator event-loop delay p99 (ms)": delay.percentile(99) / 1e6,
          ...(workerBusy
            ? {
                "interactions not yet handled when the load ended": backlog,
                "worker drain after the load (ms)": drainMs,
              }
            : {}),
          "load average (1 min) at start": load1,
        },
        verdict: `p99 ≤ 50 ms and ≤ 1.5× bare: ${met ? "met" : "NOT met"}`,
      });
    }
    if (INLINE) {
      const mine = await load(inlinePort, secret, bodies[kind]);
      const drainStart = performance.now();
      await inline.slack?.app?.idle();
      results.push({
        name: `${label} ack at ${RATE}/s, work done inside the web process (for comparison)`,
        metrics: {
          "prode p50 (ms)": p(mine, 50),
          "prode p99 (ms)": p(mine, 99),
          "p99 ratio prode/bare": p(mine, 99) / p(bare, 99),
          "drain after the load (ms)": performance.now() - drainStart,
        },
      });
    }
  }
  return results;
}
export default bench;
