import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import postgres from "postgres";
import { worldEnv } from "../../sim/demo/world-env.ts";
import { findScenario } from "../../sim/scenario.ts";
import { startWorld, type World } from "../../sim/server.ts";
import { linearWebhook } from "../../sim/services/linear-webhook.ts";
import { handoffMarker } from "../../src/domain/handoff-comment.ts";
import { Supervised } from "./processes.ts";
import {
  freePort,
  type PrivatePostgres,
  type PrivateRedis,
  startPrivatePostgres,
  startPrivateRedis,
} from "./servers.ts";

/**
 * `npm run chaos`: prode as deployed (web + 2 workers, each a `prode web|worker` process
 * under a restarting supervisor) on a private Postgres and a private Redis, against the
 * simulated world, while faults hit it. For each fault a fresh batch of tickets arrives by
 * signed Linear webhook (retried like Linear does while web answers an error), the fault
 * lands while their runs are in flight, and the suite waits for every run to end. One row
 * per fault: runs started, completed, FAILED, lost (an accepted ticket with no run, or a
 * run that never ended), tickets with a duplicated external effect (a second run, Slack
 * parent, handoff reply or Linear comment, from the world's record), whether `prode audit
 * verify` holds, and the time from the fault to the last run's end.
 *
 * Loopback only. Bounded: CHAOS_MAX_SECONDS (default 280) for the whole suite, each
 * fault's drain at most CHAOS_DRAIN_SECONDS (default 90). CHAOS_TICKETS per fault
 * (default 12: about 100 in all). Not in CI. Exit code 1 when a row shows a loss, a
 * FAILED run, a duplicate or a broken audit chain.
 */

const TICKETS_PER_FAULT = Number(process.env.CHAOS_TICKETS ?? 12);
const MAX_SECONDS = Number(process.env.CHAOS_MAX_SECONDS ?? 280);
const DRAIN_SECONDS = Number(process.env.CHAOS_DRAIN_SECONDS ?? 90);
const BIN = fileURLToPath(new URL("../../bin/prode.mjs", import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const run = promisify(execFile);

interface Suite {
  world: World;
  pg: PrivatePostgres;
  redis: PrivateRedis;
  web: Supervised;
  workers: Supervised[];
  webUrl: string;
  env: NodeJS.ProcessEnv;
  sql: postgres.Sql;
}

interface Fault {
  name: string;
  inject(s: Suite): Promise<void>;
}

const ALL_FAULTS: Fault[] = [
  { name: "none (baseline)", inject: async () => {} },
  {
    name: "worker SIGKILL x3",
    async inject(s) {
      for (const w of [s.workers[0], s.workers[1], s.workers[0]]) {
        w?.kill();
        await sleep(1_500);
      }
    },
  },
  { name: "Redis FLUSHALL", inject: (s) => s.redis.flush() },
  { name: "Redis restart", inject: (s) => s.redis.restart() },
  { name: "Postgres restart (fast)", inject: (s) => s.pg.restart("fast") },
  { name: "Postgres restart (immediate)", inject: (s) => s.pg.restart("immediate") },
  {
    name: "Slack 429 storm (10 s)",
    inject: async (s) =>
      s.world.injectFault({
        service: "slack",
        kind: "rate_limit",
        retryAfterSec: 2,
        forMs: 10_000,
      }),
  },
  {
    name: "Linear 500 storm (10 s)",
    inject: async (s) =>
      s.world.injectFault({ service: "linear", kind: "error", status: 500, forMs: 10_000 }),
  },
  {
    name: "Slack slow posts (30% take 12 s, 30 s)",
    inject: async (s) =>
      s.world.injectFault({
        service: "slack",
        method: "chat.postMessage",
        kind: "latency",
        latencyMs: 12_000,
        probability: 0.3,
        forMs: 30_000,
      }),
  },
];

/** CHAOS_FAULTS: a comma-separated list of fault-name prefixes to run (default: all). */
const FAULTS = process.env.CHAOS_FAULTS
  ? ALL_FAULTS.filter((f) =>
      process.env.CHAOS_FAULTS?.split(",").some((p) => f.name.startsWith(p.trim())),
    )
  : ALL_FAULTS;

interface Row {
  fault: string;
  started: number;
  completed: number;
  failed: number;
  lost: number;
  duplicated: number;
  auditValid: boolean | "?";
  drainSeconds: number | "timeout";
}

/** The abort-noise world with `count` extra tickets like its own, keyed ENG-9000…. */
async function chaosWorld(count: number): Promise<{ world: World; tickets: string[] }> {
  const base = await findScenario("abort-noise");
  const tickets = Array.from({ length: count }, (_, i) => `ENG-${9000 + i}`);
  const extra = tickets.map((identifier) => ({ ...base.ticket, identifier }));
  const scenario = {
    ...base,
    linear: { ...base.linear, issues: [...base.linear.issues, ...extra] },
  };
  return { world: await startWorld({ scenario }), tickets };
}

/** Delivers the ticket's webhook, retrying one delivery like Linear does while web errs. */
async function trigger(s: Suite, identifier: string, deadline: number): Promise<boolean> {
  const deliveryId = randomUUID();
  while (Date.now() < deadline) {
    const delivery = linearWebhook(s.world, {
      action: "create",
      type: "Issue",
      data: { identifier },
      deliveryId,
    });
    try {
      const res = await fetch(`${s.webUrl}/webhooks/linear`, {
        method: "POST",
        headers: delivery.headers,
        body: delivery.body,
        signal: AbortSignal.timeout(10_000),
      });
      if (res.ok) {
        const body = (await res.json()) as { runId?: string; duplicate?: boolean };
        if (body.runId || body.duplicate) return true;
      }
    } catch {}
    await sleep(500);
  }
  return false;
}

/** Reads Postgres, retrying while it restarts. */
async function query<T>(s: Suite, read: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await read(s.sql);
    } catch (error) {
      if (attempt >= 60) throw error;
      await sleep(500);
    }
  }
}

async function runsOf(s: Suite, tickets: string[]) {
  return query(
    s,
    (sql) =>
      sql<{ id: string; ticket: string; outcome: string | null }[]>`
      select id, ticket, outcome from runs where ticket = any(${tickets})`,
  );
}

/** Tickets with more than one run, Slack parent, handoff reply or Linear handoff comment. */
function duplicatedTickets(
  world: World,
  runs: { id: string; ticket: string }[],
  tickets: string[],
) {
  const parents = world.state.slack.withMetadata("prode_triage");
  const replies = world.state.slack.withMetadata("prode_milestone");
  let duplicated = 0;
  for (const ticket of tickets) {
    const ids = new Set(runs.filter((r) => r.ticket === ticket).map((r) => r.id));
    const ofRuns = (messages: typeof parents, kind?: string) =>
      messages.filter(
        (m) =>
          ids.has(String(m.metadata?.event_payload.run_id)) &&
          (kind === undefined || m.metadata?.event_payload.kind === kind),
      ).length;
    const comments = world.state.linear
      .comments(ticket)
      .filter((c) => c.body.includes(handoffMarker(ticket))).length;
    if (ids.size > 1 || ofRuns(parents) > 1 || ofRuns(replies, "handoff") > 1 || comments > 1)
      duplicated += 1;
  }
  return duplicated;
}

async function auditValid(s: Suite): Promise<boolean | "?"> {
  try {
    await run(process.execPath, [BIN, "audit", "verify"], { env: s.env, timeout: 60_000 });
    return true;
  } catch (error) {
    return (error as { code?: unknown }).code === 1 ? false : "?";
  }
}

async function runFault(s: Suite, fault: Fault, tickets: string[], suiteDeadline: number) {
  const triggerDeadline = Date.now() + 60_000;
  const accepted = tickets.map((t) => trigger(s, t, triggerDeadline));
  // The fault lands while the first runs are in flight.
  await sleep(1_000);
  const faultAt = Date.now();
  await fault.inject(s);
  const delivered = await Promise.all(accepted);
  const drainDeadline = Math.min(faultAt + DRAIN_SECONDS * 1_000, suiteDeadline);
  let rows = await runsOf(s, tickets);
  while (Date.now() < drainDeadline) {
    rows = await runsOf(s, tickets);
    const ended = rows.filter((r) => r.outcome !== null);
    if (rows.length >= delivered.filter(Boolean).length && ended.length === rows.length) break;
    await sleep(500);
  }
  const endedAt = Date.now();
  // Where the time went: each phase's mean duration over the batch (the transition out
  // of a phase minus the one into it), slowest first.
  const phases = await query(
    s,
    (sql) =>
      sql<{ phase: string; seconds: number }[]>`
      select from_state as phase, round(avg(extract(epoch from d))::numeric, 1)::float as seconds
      from (
        select t.from_state, t.created_at - lag(t.created_at) over (partition by t.run_id order by t.seq) as d
        from phase_transitions t join runs r on r.id = t.run_id where r.ticket = any(${tickets})
      ) x where d is not null group by from_state order by 2 desc limit 3`,
  ).catch(() => []);
  const ended = rows.filter((r) => r.outcome !== null);
  const withRun = new Set(rows.map((r) => r.ticket));
  const row: Row = {
    fault: fault.name,
    started: rows.length,
    completed: ended.filter((r) => r.outcome !== "FAILED").length,
    failed: ended.filter((r) => r.outcome === "FAILED").length,
    lost: tickets.filter((t) => !withRun.has(t)).length + (rows.length - ended.length),
    duplicated: duplicatedTickets(s.world, rows, tickets),
    auditValid: await auditValid(s),
    drainSeconds:
      ended.length === rows.length && rows.length > 0
        ? Math.round((endedAt - faultAt) / 100) / 10
        : "timeout",
  };
  process.stdout.write(
    `chaos: ${fault.name}: slowest phases ${phases.map((p) => `${p.phase} ${p.seconds}s`).join(", ")}\n`,
  );
  return row;
}

function printRows(rows: Row[], s: Suite): void {
  const header = [
    "fault",
    "started",
    "completed",
    "FAILED",
    "lost",
    "duplicated",
    "audit",
    "drain s",
  ];
  const cells = rows.map((r) => [
    r.fault,
    String(r.started),
    String(r.completed),
    String(r.failed),
    String(r.lost),
    String(r.duplicated),
    r.auditValid === true ? "valid" : r.auditValid === false ? "BROKEN" : "?",
    String(r.drainSeconds),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]?.length ?? 0)));
  const line = (c: string[]) => c.map((v, i) => v.padEnd(widths[i] ?? 0)).join("  ");
  process.stdout.write(`${line(header)}\n${cells.map(line).join("\n")}\n`);
  const restarts = [s.web, ...s.workers].map(
    (p) => `${p.name}: ${p.restarts} restarts (exit codes ${JSON.stringify(p.crashes)})`,
  );
  process.stdout.write(`supervisor: ${restarts.join("; ")}\n`);
}

async function main(): Promise<number> {
  const startedAt = Date.now();
  const suiteDeadline = startedAt + MAX_SECONDS * 1_000;
  const logDir = mkdtempSync(join(tmpdir(), "prode-chaos-logs-"));
  const { world, tickets } = await chaosWorld(TICKETS_PER_FAULT * FAULTS.length);
  const pg = await startPrivatePostgres();
  const redis = await startPrivateRedis();
  const webPort = await freePort();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...worldEnv(world),
    DATABASE_URL: pg.url,
    REDIS_URL: redis.url,
    PRODE_QUEUE_PREFIX: "chaos",
    PRODE_POLL_MS: "0",
    PRODE_RECONCILE_MS: "1000",
    PRODE_LEASE_MS: "8000",
    PRODE_HEARTBEAT_MS: "1000",
    PRODE_WORKER_CONCURRENCY: "4",
    LOG_LEVEL: "warn",
  };
  const web = new Supervised({
    name: "web",
    args: ["web"],
    env: { ...env, PORT: String(webPort) },
    logFile: join(logDir, "web.log"),
  });
  const workers = [1, 2].map(
    (n) =>
      new Supervised({
        name: `worker-${n}`,
        args: ["worker"],
        // Two workers on one host: each its own health port.
        env: { ...env, PORT: "0", PRODE_WORKER_PORT: "0", PRODE_WORKER_ID: `chaos-worker-${n}` },
        logFile: join(logDir, `worker-${n}.log`),
      }),
  );
  const sql = postgres(pg.url, { max: 2, onnotice: () => {}, connect_timeout: 5 });
  const s: Suite = {
    world,
    pg,
    redis,
    web,
    workers,
    webUrl: `http://127.0.0.1:${webPort}`,
    env,
    sql,
  };
  const rows: Row[] = [];
  try {
    // As a deployment does: migrate once, then start the processes.
    await run(process.execPath, [BIN, "migrate"], { env, timeout: 120_000 });
    const up = Promise.all([web.start(), ...workers.map((w) => w.start())]);
    await Promise.race([
      up,
      sleep(120_000).then(() => Promise.reject(new Error("not up in 2 min"))),
    ]);
    process.stdout.write(
      `chaos: web + ${workers.length} workers on a private Postgres and Redis; ${TICKETS_PER_FAULT} tickets per fault; logs in ${logDir}\n`,
    );
    for (const [i, fault] of FAULTS.entries()) {
      if (Date.now() > suiteDeadline - 20_000) {
        process.stdout.write(`chaos: time bound reached; skipped from "${fault.name}" on\n`);
        break;
      }
      await Promise.race([
        Promise.all([web.ready(), ...workers.map((w) => w.ready())]),
        sleep(60_000),
      ]);
      const batch = tickets.slice(i * TICKETS_PER_FAULT, (i + 1) * TICKETS_PER_FAULT);
      const row = await runFault(s, fault, batch, suiteDeadline);
      rows.push(row);
      process.stdout.write(`chaos: ${JSON.stringify(row)}\n`);
    }
  } finally {
    printRows(rows, s);
    process.stdout.write(`chaos: ${Math.round((Date.now() - startedAt) / 1000)} s in all\n`);
    await Promise.all([web.stop(), ...workers.map((w) => w.stop())]);
    await sql.end({ timeout: 1 }).catch(() => {});
    await redis.stop();
    await pg.stop();
    await world.close();
  }
  const bad =
    rows.length < FAULTS.length ||
    rows.some(
      (r) =>
        r.lost || r.failed || r.duplicated || r.auditValid !== true || r.drainSeconds === "timeout",
    );
  // The processes' logs are kept when something went wrong (or CHAOS_KEEP_LOGS=1).
  if (bad || process.env.CHAOS_KEEP_LOGS === "1")
    process.stdout.write(`chaos: logs kept in ${logDir}\n`);
  else rmSync(logDir, { recursive: true, force: true });
  return bad ? 1 : 0;
}

process.exitCode = await main();
