import { asc, eq } from "drizzle-orm";
import type { Logger } from "pino";
import { type Prode, startProde } from "../../src/compose/prode.ts";
import { loadConfig } from "../../src/config/index.ts";
import type { DbHandle } from "../../src/db/client.ts";
import { phaseTransitions, runs } from "../../src/db/schema.ts";
import { AppError, ErrorCode } from "../../src/domain/errors.ts";
import type { RunRow } from "../../src/runner/types.ts";
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
  /** The database prode uses (left open): the caller follows runs in it. */
  db: DbHandle;
  redisUrl: string;
  prefix: string;
  log: Logger;
  /** A Postgres server to seed the scenario's read replica on (the db connector is missing without one). */
  replicaAdminUrl?: string;
  recordTo?: string;
  appendRecord?: boolean;
  onProgress?: (event: ScenarioProgress) => void;
  /** Called with the world before the webhook is sent (tests inject faults here). */
  beforeTrigger?: (world: World) => void | Promise<void>;
  timeoutMs?: number;
  /** Phase steps one worker runs at once (default 4). */
  concurrency?: number;
  policyDir?: string;
  wikiDir?: string;
  /** The reconciler's pass interval (default 2 s, so a scenario sees it act). */
  reconcileMs?: number;
  /** More configuration, as an operator would set it (e.g. delivery's agent command). */
  env?: Record<string, string>;
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
  /** prode's base URL (Slack posts to `${url}/slack/events`). */
  url: string;
  /** prode itself, started by the composition root in the `dev` role. */
  prode: Prode;
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
 * Brings prode up against a scenario's world as production does, through the composition
 * root (`dev` role: web, worker, reconciler, Slack): the world serves the providers,
 * prode is configured with base URLs pointed at it, and tickets arrive as signed Linear
 * webhooks over HTTP.
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
  let prode: Prode | undefined;
  const closeProde = async () => {
    await prode?.close();
    prode = undefined;
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
    const config = loadConfig({
      ...worldEnv(world, replicaUrl ? { replicaUrl } : {}),
      REDIS_URL: options.redisUrl,
      PRODE_QUEUE_PREFIX: options.prefix,
      PRODE_WORKER_ID: `demo-${scenario.name}`,
      PRODE_WORKER_CONCURRENCY: String(options.concurrency ?? 4),
      PRODE_POLICY_DIR: options.policyDir ?? "policy",
      PRODE_WIKI_DIR: options.wikiDir ?? "wiki",
      // Tickets arrive as webhooks here; a poller would race the test's own triggers.
      PRODE_POLL_MS: "0",
      PRODE_RECONCILE_MS: String(options.reconcileMs ?? 2_000),
      PORT: "0",
      ...options.env,
    });
    prode = await startProde({
      role: "dev",
      config,
      db: options.db,
      log: options.log,
      now: () => world.now(),
      host: "127.0.0.1",
    });
    const intakeUrl = `${prode.url}/webhooks/linear`;
    return {
      world,
      intakeUrl,
      url: prode.url!,
      prode,
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
  // A run that opened its draft PR waits for a human's review: it has stopped working.
  until: (run: RunRow) => boolean = (run) =>
    run.outcome !== null || run.phase === "AWAIT_HUMAN_REVIEW",
): Promise<{ run: RunRow; transitions: (typeof phaseTransitions.$inferSelect)[] }> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let seen = 0;
  for (;;) {
    // The run first: a transition commits in the same statement as the run's new state,
    // so the rows read after it hold every transition up to that state.
    const [run] = await options.db.db.select().from(runs).where(eq(runs.id, runId));
    const rows = await options.db.db
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
