import { asc, eq } from "drizzle-orm";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { createHttpServer, listen } from "../../src/adapters/http/server.ts";
import { buildPipeline } from "../../src/compose/pipeline.ts";
import { loadConfig } from "../../src/config/index.ts";
import type { Db } from "../../src/db/client.ts";
import { phaseTransitions, runs } from "../../src/db/schema.ts";
import { AppError, ErrorCode } from "../../src/domain/errors.ts";
import { linearWebhookRoute } from "../../src/intake/intake.ts";
import { evidencePhases } from "../../src/phases/handlers.ts";
import { killSwitchCheck } from "../../src/policy/kill-switch-check.ts";
import type { TriageNotifier } from "../../src/runner/ports.ts";
import { createPhaseQueue, createRedis } from "../../src/runner/queue.ts";
import type { RunRow } from "../../src/runner/types.ts";
import { startPhaseWorker } from "../../src/runner/worker.ts";
import { type SeededReplica, seedReplica } from "../replica-seed.ts";
import type { Scenario } from "../scenario.ts";
import { startWorld, type World } from "../server.ts";
import { linearWebhook } from "../services/linear-webhook.ts";
import { worldEnv } from "./world-env.ts";

export interface ScenarioProgress {
  scenario: string;
  ticket: string;
  from: string;
  to: string;
  description: string;
  at: Date;
}

export interface ScenarioRunOptions {
  scenario: string | Scenario;
  /** Run again in a world that is already up (a rerun); the caller closes it. */
  world?: World;
  /** The replica of that world, when it has one. */
  replicaUrl?: string;
  db: Db;
  redisUrl: string;
  prefix: string;
  log: Logger;
  /** A Postgres server to seed the scenario's read replica on (the db connector is missing without one). */
  replicaAdminUrl?: string;
  recordTo?: string;
  appendRecord?: boolean;
  /** The incident channel's notifier for this world (Slack), or silence. */
  notifier?: (world: World, env: Record<string, string>) => TriageNotifier;
  onProgress?: (event: ScenarioProgress) => void;
  /** Called with the world before the webhook is sent (tests inject faults here). */
  beforeTrigger?: (world: World) => void | Promise<void>;
  timeoutMs?: number;
  /** Phase steps one worker runs at once (default 4). */
  concurrency?: number;
  policyDir?: string;
  wikiDir?: string;
}

export interface ScenarioRunResult {
  scenario: Scenario;
  replicaUrl?: string;
  run: RunRow;
  world: World;
  transitions: { from: string; to: string; description: string }[];
  durationMs: number;
  /** Tears the world and the replica down; the caller keeps them until it has asserted. */
  close(): Promise<void>;
}

export interface Harness {
  world: World;
  /** Where prode's Linear webhook route listens. */
  intakeUrl: string;
  scenario: Scenario;
  replicaUrl?: string;
  /** Sends the ticket (or another issue of the world) as a signed Linear webhook; returns the run id. */
  trigger(
    identifier?: string,
    deliveryId?: string,
  ): Promise<{ status: number; runId?: string; body: unknown }>;
  /** Waits until the run stops, reporting each transition. */
  follow(runId: string, until?: (run: RunRow) => boolean): Promise<RunRow>;
  /** Stops prode's side (worker, server, queue); `closeWorld` also the world and replica. */
  close(options?: { closeWorld?: boolean }): Promise<void>;
}

/**
 * Brings prode up against a scenario's world as production would run: the world serves
 * the providers, prode is configured with base URLs pointed at it, a worker executes
 * phases, and tickets arrive as signed Linear webhooks over HTTP.
 */
export async function startHarness(options: ScenarioRunOptions): Promise<Harness> {
  const world =
    options.world ??
    (await startWorld({
      scenario: options.scenario,
      ...(options.recordTo
        ? { recordTo: options.recordTo, appendRecord: options.appendRecord ?? false }
        : {}),
    }));
  const scenario = world.scenario;
  const ownsWorld = options.world === undefined;
  let replica: SeededReplica | undefined;
  const connections: Redis[] = [];
  const closers: (() => Promise<unknown>)[] = [];
  const closeProde = async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
    closers.length = 0;
    for (const c of connections) c.disconnect();
  };
  const closeWorld = async () => {
    if (ownsWorld) await world.close();
    await replica?.drop();
  };
  try {
    if (ownsWorld && options.replicaAdminUrl && scenario.replica && scenario.integrations.replica) {
      replica = await seedReplica(options.replicaAdminUrl, scenario);
    }
    const replicaUrl = replica?.url ?? options.replicaUrl;
    const env = worldEnv(world, replicaUrl ? { replicaUrl } : {});
    const config = loadConfig({
      ...env,
      PRODE_POLICY_DIR: options.policyDir ?? "policy",
      PRODE_WIKI_DIR: options.wikiDir ?? "wiki",
    });
    const pipeline = await buildPipeline(config, options.log, options.notifier?.(world, env));
    closers.push(() => pipeline.close());
    const connection = createRedis(options.redisUrl);
    connections.push(connection);
    const queue = createPhaseQueue(connection, options.prefix);
    closers.push(() => queue.close());
    const workerConnection = createRedis(options.redisUrl);
    connections.push(workerConnection);
    const worker = startPhaseWorker(
      {
        db: options.db,
        log: options.log,
        workerId: `demo-${scenario.name}`,
        handlers: evidencePhases(pipeline.deps),
        timing: { leaseMs: 30_000, heartbeatMs: 5_000, maxAttempts: 3 },
        enqueue: (data) => queue.enqueue(data),
        killSwitch: killSwitchCheck(options.db),
        now: () => world.now(),
      },
      {
        connection: workerConnection,
        prefix: options.prefix,
        concurrency: options.concurrency ?? 4,
      },
    );
    closers.push(() => worker.close());
    const intake = {
      db: options.db,
      enqueue: queue.enqueue,
      log: options.log,
      triggerLabels: config.triggerLabels,
    };
    const server = createHttpServer(
      [linearWebhookRoute(intake, config.linear?.LINEAR_WEBHOOK_SECRET?.reveal())],
      options.log,
    );
    const port = await listen(server, 0, "127.0.0.1");
    closers.push(() => new Promise((r) => server.close(() => r(undefined))));
    const intakeUrl = `http://127.0.0.1:${port}/webhooks/linear`;
    return {
      world,
      intakeUrl,
      scenario,
      ...(replicaUrl ? { replicaUrl } : {}),
      async trigger(identifier = scenario.ticket.identifier, deliveryId) {
        const delivery = linearWebhook(world, {
          action: "create",
          type: "Issue",
          data: { identifier },
          ...(deliveryId ? { deliveryId } : {}),
        });
        const response = await fetch(intakeUrl, {
          method: "POST",
          headers: delivery.headers,
          body: delivery.body,
        });
        const body = (await response.json()) as { runId?: string };
        return { status: response.status, ...(body.runId ? { runId: body.runId } : {}), body };
      },
      follow: async (runId, until) => (await followRun(options, scenario, runId, until)).run,
      async close(opts = {}) {
        await closeProde();
        if (opts.closeWorld ?? true) await closeWorld();
      },
    };
  } catch (error) {
    await closeProde();
    await closeWorld();
    throw error;
  }
}

/** One scenario, start to stop: the harness, one webhook, the run followed to its end. */
export async function runScenario(options: ScenarioRunOptions): Promise<ScenarioRunResult> {
  const started = performance.now();
  const harness = await startHarness(options);
  try {
    await options.beforeTrigger?.(harness.world);
    const accepted = await harness.trigger();
    if (accepted.status !== 200 || !accepted.runId) {
      throw new AppError(
        ErrorCode.UpstreamRejected,
        `intake refused the webhook: ${accepted.status} ${JSON.stringify(accepted.body)}`,
      );
    }
    const { run, transitions } = await followRun(options, harness.scenario, accepted.runId);
    await harness.close({ closeWorld: false });
    return {
      scenario: harness.scenario,
      ...(harness.replicaUrl ? { replicaUrl: harness.replicaUrl } : {}),
      run,
      world: harness.world,
      transitions: transitions.map((t) => ({
        from: t.fromState,
        to: t.toState,
        description: t.description,
      })),
      durationMs: performance.now() - started,
      close: () => harness.close(),
    };
  } catch (error) {
    await harness.close();
    throw error;
  }
}

/**
 * Polls a run until `until` holds, reporting each new transition; returns the run and
 * every transition up to the state it was read in.
 */
async function followRun(
  options: ScenarioRunOptions,
  scenario: Scenario,
  runId: string,
  until: (run: RunRow) => boolean = (run) => run.outcome !== null,
): Promise<{ run: RunRow; transitions: (typeof phaseTransitions.$inferSelect)[] }> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let seen = 0;
  for (;;) {
    // The run first: a transition commits in the same statement as the run's new state,
    // so the rows read after it hold every transition up to that state.
    const [run] = await options.db.select().from(runs).where(eq(runs.id, runId));
    const rows = await options.db
      .select()
      .from(phaseTransitions)
      .where(eq(phaseTransitions.runId, runId))
      .orderBy(asc(phaseTransitions.seq));
    for (const t of rows.slice(seen)) {
      options.onProgress?.({
        scenario: scenario.name,
        ticket: scenario.ticket.identifier,
        from: t.fromState,
        to: t.toState,
        description: t.description,
        at: t.createdAt,
      });
    }
    seen = rows.length;
    if (run && until(run)) return { run, transitions: rows };
    if (Date.now() > deadline) {
      throw new AppError(
        ErrorCode.Timeout,
        `${scenario.name}: run ${runId} did not stop in time (at ${run?.phase})`,
      );
    }
    await new Promise((r) => setTimeout(r, 40));
  }
}
