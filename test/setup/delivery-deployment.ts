import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import postgres from "postgres";
import { referenceAgentEnv } from "../../sim/demo/delivery-env.ts";
import { worldEnv } from "../../sim/demo/world-env.ts";
import { type SeededReplica, seedReplica } from "../../sim/replica-seed.ts";
import { findScenario } from "../../sim/scenario.ts";
import { startWorld, type World } from "../../sim/server.ts";
import { linearWebhook } from "../../sim/services/linear-webhook.ts";
import { type Prode, startProde } from "../../src/compose/prode.ts";
import { loadConfig } from "../../src/config/index.ts";
import { runs } from "../../src/db/schema.ts";
import type { RunRow } from "../../src/runner/types.ts";
import { createTestDb, type TestDb } from "./db.ts";
import { TEST_ADMIN_URL, TEST_REDIS_URL } from "./env.ts";
import { dropQueuePrefix, testQueuePrefix } from "./redis.ts";
import { quietLog } from "./runner.ts";

const WORKER = "test/setup/processes/delivery-worker.ts";

/** One `prode worker` process (test/setup/processes/delivery-worker.ts). */
export interface WorkerProcess {
  id: string;
  child: ChildProcess;
  exited: Promise<void>;
  /** The pids of its descendants now (the coding agent, a check), from /proc. */
  descendants(): { pid: number; cmdline: string }[];
  /** SIGKILL of the worker and every process under it, as when its machine dies. */
  kill(): Promise<void>;
}

/**
 * prode deployed against a scenario's world with delivery on: web in this process (the
 * composition root's `web` role, taking the signed Linear webhook) and each worker a
 * process of its own through the same composition root, on a database copied from the
 * migrated template, a private queue prefix and the world's clock.
 */
export interface DeliveryDeployment {
  world: World;
  t: TestDb;
  web: Prode;
  /** The environment of every worker process. */
  env: NodeJS.ProcessEnv;
  startWorker(id: string): Promise<WorkerProcess>;
  /**
   * A worker through the same composition root inside this process (no process start-up
   * to pay for: the survivor of a kill, which nothing kills).
   */
  startWorkerHere(id: string): Promise<Prode>;
  /** Sends the scenario's ticket as a signed webhook; returns the run id. */
  trigger(): Promise<string>;
  run(runId: string): Promise<RunRow>;
  until<T>(
    what: string,
    read: () => Promise<T | undefined> | T | undefined,
    ms?: number,
  ): Promise<T>;
  /** Worktree directories left on disk. */
  worktrees(): string[];
  close(): Promise<void>;
}

export async function deployDelivery(options: {
  scenario: string;
  /** Appended to the reference agent's command (e.g. --delay-ms). */
  agentArgs?: string;
}): Promise<DeliveryDeployment> {
  const scenario = await findScenario(options.scenario);
  const world = await startWorld({ scenario });
  const dir = mkdtempSync(join(tmpdir(), "prode-delivery-crash-"));
  const workers: WorkerProcess[] = [];
  const here: Prode[] = [];
  let replica: SeededReplica | undefined;
  let t: TestDb | undefined;
  let web: Prode | undefined;
  const prefix = testQueuePrefix();
  const close = async () => {
    for (const w of workers) await w.kill();
    for (const p of here) await p.close();
    await web?.close();
    await world.close();
    await replica?.drop();
    await dropQueuePrefix(prefix);
    await t?.drop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    if (scenario.replica && scenario.integrations.replica) {
      replica = await seedReplica(TEST_ADMIN_URL, scenario);
    }
    t = await createTestDb();
    const agent = referenceAgentEnv(scenario, dir);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...worldEnv(world, replica ? { replicaUrl: replica.url } : {}),
      ...agent,
      PRODE_AGENT_COMMAND: `${agent.PRODE_AGENT_COMMAND}${options.agentArgs ? ` ${options.agentArgs}` : ""}`,
      DATABASE_URL: t.url,
      REDIS_URL: TEST_REDIS_URL,
      PRODE_QUEUE_PREFIX: prefix,
      PRODE_POLICY_DIR: "policy",
      PRODE_WIKI_DIR: "wiki",
      PRODE_POLL_MS: "0",
      PRODE_RECONCILE_MS: "500",
      // A dead worker's step is back within seconds (production: 30 s locks and leases).
      PRODE_JOB_LOCK_MS: "3000",
      PRODE_LEASE_MS: "4000",
      PRODE_HEARTBEAT_MS: "1000",
      PRODE_WORKER_CONCURRENCY: "4",
      PORT: "0",
      PRODE_WORKER_PORT: "0",
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "fatal",
    };
    const db = t;
    web = await startProde({
      role: "web",
      config: loadConfig(env),
      db,
      log: quietLog,
      now: () => world.now(),
      host: "127.0.0.1",
    });
    const url = web.url!;
    const until: DeliveryDeployment["until"] = async (what, read, ms = 120_000) => {
      const deadline = Date.now() + ms;
      for (;;) {
        const value = await read();
        if (value !== undefined) return value;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    return {
      world,
      t: db,
      web,
      env,
      async startWorker(id) {
        const offsetMs = world.now().getTime() - Date.now();
        const w = spawnWorker(id, { ...env, PRODE_WORKER_ID: id }, offsetMs);
        workers.push(w);
        await w.ready;
        return w;
      },
      async startWorkerHere(id) {
        const p = await startProde({
          role: "worker",
          config: loadConfig({ ...env, PRODE_WORKER_ID: id }),
          db,
          log: quietLog,
          now: () => world.now(),
          host: "127.0.0.1",
        });
        here.push(p);
        return p;
      },
      async trigger() {
        const delivery = linearWebhook(world, {
          action: "create",
          type: "Issue",
          data: { identifier: scenario.ticket.identifier },
        });
        const response = await fetch(`${url}/webhooks/linear`, {
          method: "POST",
          headers: delivery.headers,
          body: delivery.body,
        });
        const body = (await response.json()) as { runId?: string };
        if (!body.runId) throw new Error(`intake refused the ticket: ${JSON.stringify(body)}`);
        return body.runId;
      },
      async run(runId) {
        const [row] = await db.db.select().from(runs).where(eq(runs.id, runId));
        return row!;
      },
      until,
      worktrees: () => {
        try {
          return readdirSync(agent.PRODE_WORKTREE_DIR!);
        } catch {
          return [];
        }
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

function spawnWorker(
  id: string,
  env: NodeJS.ProcessEnv,
  offsetMs: number,
): WorkerProcess & { ready: Promise<void> } {
  const child = spawn(process.execPath, ["--import", "tsx", WORKER, String(offsetMs)], {
    env,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("STARTED")) resolve();
    });
    void exited.then(() => reject(new Error(`worker ${id} exited before it started: ${out}`)));
  });
  const descendants = () => descendantsOf(child.pid!);
  return {
    id,
    child,
    exited,
    ready,
    descendants,
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const below = descendants();
      child.kill("SIGKILL");
      for (const d of below) {
        try {
          process.kill(d.pid, "SIGKILL");
        } catch {}
      }
      await exited;
    },
  };
}

/** Every process below `root` (children, grandchildren …), read from /proc. */
function descendantsOf(root: number): { pid: number; cmdline: string }[] {
  const parents = new Map<number, number[]>();
  const cmdlines = new Map<number, string>();
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      // The command name may hold spaces and parentheses: the ppid follows the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), pid]);
      cmdlines.set(pid, readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " "));
    } catch {}
  }
  const out: { pid: number; cmdline: string }[] = [];
  const visit = (pid: number) => {
    for (const child of parents.get(pid) ?? []) {
      out.push({ pid: child, cmdline: cmdlines.get(child) ?? "" });
      visit(child);
    }
  };
  visit(root);
  return out;
}

/**
 * Holds a table in EXCLUSIVE mode (reads go on, writes wait) until released: a phase
 * that writes to it stops there, inside the phase, for as long as the test needs.
 */
export async function holdTable(
  databaseUrl: string,
  table: string,
): Promise<{ blocked(): Promise<boolean>; release(): Promise<void> }> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  let release!: () => void;
  const released = new Promise<void>((r) => {
    release = r;
  });
  let locked!: () => void;
  const isLocked = new Promise<void>((r) => {
    locked = r;
  });
  const tx = sql
    .begin(async (q) => {
      await q.unsafe(`lock table ${table} in exclusive mode`);
      locked();
      await released;
    })
    .catch(() => {});
  await isLocked;
  const probe = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  return {
    async blocked() {
      const rows = await probe`
        select 1 from pg_locks l join pg_class c on c.oid = l.relation
        where c.relname = ${table} and not l.granted`;
      return rows.length > 0;
    },
    async release() {
      release();
      await tx;
      await sql.end({ timeout: 1 });
      await probe.end({ timeout: 1 });
    },
  };
}
