import type { Server } from "node:http";
import { createHttpServer, type Fallback, listen, type Route } from "../adapters/http/server.ts";
import { sweepOrphanWorktrees } from "../delivery/orphans.ts";
import { refreshClusterGauges } from "../observability/cluster-metrics.ts";
import type { Metrics } from "../observability/metrics.ts";
import { logRedisErrors } from "../observability/redis-errors.ts";
import { killSwitchCheck } from "../policy/kill-switch-check.ts";
import { type PullLookup, pullWatcher } from "../runner/pr-watch.ts";
import { createRedis } from "../runner/queue.ts";
import { startReconciler } from "../runner/reconciler.ts";
import { postPendingReviewNotes, type ReviewNoteSink } from "../runner/review-notes.ts";
import { countActiveRuns } from "../runner/status.ts";
import { DEFAULT_TIMING, type PhaseHandlers } from "../runner/types.ts";
import { type PhaseWorker, startPhaseWorker } from "../runner/worker.ts";
import type { Resources } from "./resources.ts";

/** Each readiness probe's bound: a probe must answer well inside its checker's timeout. */
export const READINESS_TIMEOUT_MS = 1_500;

/**
 * "ok" or "down: why" within READINESS_TIMEOUT_MS. A Redis client that is not connected
 * queues commands until it reconnects (BullMQ wants maxRetriesPerRequest: null), so a bare
 * PING would wait for Redis to come back: /readyz hung over 30 s (issue 16).
 */
async function probe(check: () => Promise<unknown>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(
      () => resolve(`down: no answer within ${READINESS_TIMEOUT_MS} ms`),
      READINESS_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([
      check().then(
        () => "ok",
        (e: Error) => `down: ${e.message}`,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** /healthz (alive), /readyz (Postgres and Redis answer), /metrics (Prometheus). */
function coreRoutes(res: Resources): Route[] {
  return [
    { method: "GET", path: "/healthz", handle: async () => ({ status: 200, body: { ok: true } }) },
    {
      method: "GET",
      path: "/readyz",
      handle: async () => {
        const checks = await Promise.all([
          probe(() => res.dbh.ping()),
          res.connection.status === "ready"
            ? probe(() => res.connection.ping())
            : Promise.resolve(`down: connection ${res.connection.status}`),
        ]);
        const [postgres, redis] = checks;
        const ok = checks.every((c) => c === "ok");
        return { status: ok ? 200 : 503, body: { ok, postgres, redis } };
      },
    },
    {
      method: "GET",
      path: "/metrics",
      handle: async () => {
        // A database that does not answer leaves the gauge at its last value: the rest of
        // the metrics are still worth scraping.
        const active = await probe(async () =>
          res.metrics.activeRuns.set(await countActiveRuns(res.dbh.db)),
        );
        if (active !== "ok") res.log.warn({ postgres: active }, "metrics: active runs unknown");
        const unread = await refreshClusterGauges(
          res.metrics.cluster,
          { db: res.dbh.db, queue: res.queue },
          probe,
        );
        if (unread.length > 0) res.log.warn({ unread }, "metrics: some cluster gauges not read");
        return {
          status: 200,
          body: await res.metrics.registry.metrics(),
          headers: { "content-type": res.metrics.registry.contentType },
        };
      },
    },
  ];
}

export interface WebRole {
  server: Server;
  port: number;
  /** The base URL the server answers on (http://host:port). */
  url: string;
  close(): Promise<void>;
}

export async function startWeb(
  res: Resources,
  extraRoutes: Route[] = [],
  fallback?: Fallback,
  host = "0.0.0.0",
): Promise<WebRole> {
  const server = createHttpServer([...coreRoutes(res), ...extraRoutes], res.log, {
    metrics: res.metrics,
    fallback,
    rateLimits: {
      perSourcePerMinute: res.config.PRODE_HTTP_RATE_PER_SOURCE,
      perRoutePerMinute: res.config.PRODE_HTTP_RATE_PER_ROUTE,
    },
    clientIpHeader: res.config.PRODE_CLIENT_IP_HEADER,
  });
  const port = await listen(server, res.config.PORT, host);
  res.log.info({ port }, "web listening");
  return {
    server,
    port,
    url: `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * A worker's own /healthz, /readyz and /metrics (its phase counters and histograms live in
 * its registry, so only it can serve them) on PRODE_WORKER_PORT.
 */
export async function startHealthServer(res: Resources, host = "0.0.0.0"): Promise<WebRole> {
  const server = createHttpServer(coreRoutes(res), res.log, { metrics: res.metrics });
  const port = await listen(server, res.config.PRODE_WORKER_PORT, host);
  res.log.info({ port }, "worker health and metrics listening");
  return {
    server,
    port,
    url: `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Every phase handler, timed into prode_phase_step_seconds (failures included). */
export function timedHandlers(handlers: PhaseHandlers, metrics: Metrics): PhaseHandlers {
  const out: PhaseHandlers = {};
  for (const [phase, handler] of Object.entries(handlers) as [
    keyof PhaseHandlers,
    PhaseHandlers[keyof PhaseHandlers],
  ][]) {
    if (!handler) continue;
    out[phase] = async (ctx) => {
      const end = metrics.stepSeconds.startTimer({ phase });
      try {
        return await handler(ctx);
      } finally {
        end();
      }
    };
  }
  return out;
}

export interface WorkerRole {
  worker: PhaseWorker;
  close(): Promise<void>;
}

/** Phase workers plus the reconciler; close() finishes or releases running phases. */
export function startWorkerRole(
  res: Resources,
  handlers: PhaseHandlers,
  hooks: {
    onApprovalExpired?: (approvalId: string) => Promise<void>;
    /** The clock phases read (the simulated world's in the demo). */
    now?: () => Date;
    /** Reads a waiting run's PR for the reconciler's poll (delivery on). */
    pullLookup?: PullLookup;
    /** Posts reviews of runs' PRs in their threads (Slack on). */
    reviewNotes?: ReviewNoteSink;
  } = {},
): WorkerRole {
  const connection = createRedis(res.redis.url);
  logRedisErrors(connection, res.log, "worker");
  const worker = startPhaseWorker(
    {
      db: res.dbh.db,
      log: res.log,
      workerId: res.workerId,
      handlers: timedHandlers(handlers, res.metrics),
      timing: {
        ...DEFAULT_TIMING,
        leaseMs: res.config.PRODE_LEASE_MS,
        heartbeatMs: res.config.PRODE_HEARTBEAT_MS,
        // A provider throttling or down is waited out up to this bound (issue 17).
        providerWait: {
          outageMaxMs: res.config.PRODE_PROVIDER_OUTAGE_MAX_MINUTES * 60_000,
          baseDelayMs: res.config.PRODE_PROVIDER_BACKOFF_MS,
          maxDelayMs: res.config.PRODE_PROVIDER_BACKOFF_MAX_MS,
        },
      },
      enqueue: (data, options) => res.queue.enqueue(data, options),
      killSwitch: killSwitchCheck(res.dbh.db),
      ...(hooks.now ? { now: hooks.now } : {}),
    },
    {
      connection,
      prefix: res.config.PRODE_QUEUE_PREFIX,
      concurrency: res.config.PRODE_WORKER_CONCURRENCY,
      lockDurationMs: res.config.PRODE_JOB_LOCK_MS,
      // BullMQ moves a stalled job back on the check after its lock expired (a worker
      // killed mid-step): checking every third of the lock bounds that to lock + 2/3 lock
      // instead of up to twice the lock. One small Redis script per check per worker.
      stalledIntervalMs: Math.max(5_000, Math.round(res.config.PRODE_JOB_LOCK_MS / 3)),
      onStep: (job, outcome) => res.metrics.steps.inc({ phase: job.phase, outcome }),
    },
  );
  const reconciler = startReconciler(
    {
      db: res.dbh.db,
      queue: res.queue,
      log: res.log,
      actor: `reconciler@${res.workerId}`,
      handoffs: worker.handoffs,
      ...(res.config.delivery
        ? {
            sweepWorktrees: async () =>
              (await sweepOrphanWorktrees(res.dbh.db, res.config.delivery!.PRODE_WORKTREE_DIR))
                .length,
          }
        : {}),
      ...(hooks.pullLookup
        ? {
            watchPulls: pullWatcher({
              db: res.dbh.db,
              enqueue: (data) => res.queue.enqueue(data),
              log: res.log,
              actor: `reconciler@${res.workerId}`,
              lookup: hooks.pullLookup,
              minIntervalMs: res.config.PRODE_PR_POLL_MS,
            }),
          }
        : {}),
      // A FAILED run still gets its handoff once the provider is back (failed-handoffs.ts).
      ...(handlers.LINEAR_HANDOFF
        ? {
            failedHandoffs: {
              db: res.dbh.db,
              log: res.log,
              workerId: res.workerId,
              handoff: handlers.LINEAR_HANDOFF,
              killSwitch: killSwitchCheck(res.dbh.db),
              retryBaseMs: res.config.PRODE_PROVIDER_BACKOFF_MS,
              retryMaxMs: res.config.PRODE_PROVIDER_BACKOFF_MAX_MS,
              ...(hooks.now ? { now: hooks.now } : {}),
            },
          }
        : {}),
      ...(hooks.reviewNotes
        ? {
            postReviewNotes: () =>
              postPendingReviewNotes({
                db: res.dbh.db,
                log: res.log,
                workerId: res.workerId,
                sink: hooks.reviewNotes!,
                killSwitch: killSwitchCheck(res.dbh.db),
              }),
          }
        : {}),
      ...(hooks.now ? { now: hooks.now } : {}),
      ...(hooks.onApprovalExpired ? { onApprovalExpired: hooks.onApprovalExpired } : {}),
    },
    res.config.PRODE_RECONCILE_MS,
  );
  res.log.info(
    { workerId: res.workerId, concurrency: res.config.PRODE_WORKER_CONCURRENCY },
    "worker started",
  );
  return {
    worker,
    async close() {
      await reconciler.stop();
      await worker.close();
      connection.disconnect();
    },
  };
}

/** Resolves on the first SIGTERM or SIGINT (BullMQ: close workers on SIGTERM). */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
      resolve(signal);
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
}
