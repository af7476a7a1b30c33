import type { Logger } from "pino";
import type { Config } from "../config/index.ts";
import type { DbHandle } from "../db/client.ts";
import { githubWebhookRoute } from "../intake/github-webhook.ts";
import { linearWebhookRoute } from "../intake/linear-webhook.ts";
import { tracedHandlers } from "../observability/traced-handlers.ts";
import { observeProviderCalls } from "../observability/tracing.ts";
import { initTracing } from "../observability/tracing-sdk.ts";
import { evidencePhases } from "../phases/handlers.ts";
import { cachedPolicySource } from "../policy/source.ts";
import { buildPipeline, type Pipeline } from "./pipeline.ts";
import { type PollerSchedule, schedulePoller } from "./poller-schedule.ts";
import {
  startHealthServer,
  startWeb,
  startWorkerRole,
  type WebRole,
  type WorkerRole,
} from "./processes.ts";
import { intakeDeps, openResources, type Resources } from "./resources.ts";
import { type SlackWiring, wireSlack } from "./slack.ts";

/** `web` serves HTTP, `worker` runs phases, `dev` is both in one process. */
export type ProcessRole = "web" | "worker" | "dev";

/**
 * What may differ between production, `prode dev`, the demo, the end-to-end tests and the
 * benches. Everything else (queue, worker, reconciler, Slack, intake, pipeline) is built
 * here and only here, so a test of this wiring is a test of production's.
 */
export interface StartProdeOptions {
  role: ProcessRole;
  /** Parsed configuration (loadConfig): integrations, world URLs, timings, ports. */
  config: Config;
  /**
   * An open database to use instead of the configured one, left open by close(): the
   * demo and the tests read the same (possibly in-memory) database to follow runs.
   */
  db?: DbHandle;
  /** The process logger; by default one at LOG_LEVEL on stderr. */
  log?: Logger;
  /** The clock phases, approvals and Slack read (the simulated world's in the demo). */
  now?: () => Date;
  /** The interface web listens on; all of them by default. */
  host?: string;
}

export interface Prode {
  role: ProcessRole;
  resources: Resources;
  /** The web role's base URL (http://host:port), when this process serves HTTP. */
  url?: string;
  /** The worker role's /healthz, /readyz and /metrics (PRODE_WORKER_PORT). */
  healthUrl?: string;
  slack?: SlackWiring;
  pipeline?: Pipeline;
  worker?: WorkerRole;
  /** Stops intake first, then work in flight, then the resources, in that order. */
  close(): Promise<void>;
}

/**
 * The one composition root: opens the resources, builds the evidence pipeline and the
 * Slack surface, and starts the role's processes. `prode web|worker|dev`, the demo, the
 * scenario harness of the end-to-end tests and the benches all start prode through it.
 */
export async function startProde(options: StartProdeOptions): Promise<Prode> {
  const { role, config } = options;
  // Traces of every role when OTEL_EXPORTER_OTLP_ENDPOINT is set (nothing loaded otherwise).
  const tracing = await initTracing(config, role);
  const res = await openResources(config, role, {
    ...(options.db ? { db: options.db } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  // Every provider call this process makes is counted (prode_provider_calls_total).
  observeProviderCalls((provider, outcome, code) =>
    res.metrics.providerCalls.inc({ provider, outcome, code }),
  );
  let pipeline: Pipeline | undefined;
  let slack: SlackWiring | undefined;
  let web: WebRole | undefined;
  let worker: WorkerRole | undefined;
  let poller: PollerSchedule | undefined;
  let health: WebRole | undefined;
  let closed = false;
  // Intake stops first (poller, Slack, HTTP), then work in flight, then what it used.
  const close = async () => {
    if (closed) return;
    closed = true;
    // Each step is bounded, and all of them by the process's shutdown grace: with Redis or
    // Postgres down a client's close() can wait for a server that never answers, and the
    // next steps (the leases' release among them) must still run before the supervisor's
    // kill. The worker's bound covers its phases' grace (runner/worker.ts).
    const deadline = Date.now() + config.PRODE_SHUTDOWN_GRACE_MS - 1_000;
    const steps: [string, (() => Promise<void>) | undefined, number][] = [
      ["poller", poller?.stop, 2_000],
      ["slack", slack?.stop, 5_000],
      ["web", web?.close, 3_000],
      ["worker", worker?.close, 12_000],
      ["health", health?.close, 1_000],
      ["pipeline", pipeline?.close, 3_000],
      ["resources", res.close, 3_000],
      ["traces", tracing?.flush, 2_000],
    ];
    for (const [name, stop, boundMs] of steps) {
      if (!stop) continue;
      const allowedMs = Math.max(250, Math.min(boundMs, deadline - Date.now()));
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<"late">((resolve) => {
        timer = setTimeout(() => resolve("late"), allowedMs);
      });
      const outcome = await Promise.race([
        stop().catch((error: unknown) =>
          res.log.error({ err: error, step: name }, "shutdown step failed"),
        ),
        late,
      ]);
      clearTimeout(timer);
      if (outcome === "late")
        res.log.warn(
          { step: name, boundMs: allowedMs },
          "shutdown step did not finish in time; going on",
        );
    }
  };
  try {
    const intake = intakeDeps(res, options.now);
    // One policy cache per process, shared by Slack interactions and the pipeline.
    const policyFor = cachedPolicySource(config.PRODE_POLICY_DIR);
    slack = wireSlack(config, res, role, policyFor, options.now);
    pipeline =
      role === "web"
        ? undefined
        : await buildPipeline(config, res.log, slack?.notifier, policyFor, (event) =>
            res.metrics.upstreamRetries.inc({
              service: event.service,
              outcome: event.outcome,
              code: event.code,
            }),
          );
    if (role !== "worker") {
      web = await startWeb(
        res,
        [
          linearWebhookRoute(intake, config.linear?.LINEAR_WEBHOOK_SECRET?.reveal()),
          githubWebhookRoute(intake, config.github?.GITHUB_WEBHOOK_SECRET?.reveal(), {
            // Reviews are queued for the thread only where a worker will post them.
            reviewNotes: Boolean(config.slack),
          }),
          ...(slack?.app?.routes ?? []),
        ],
        undefined,
        options.host,
      );
    }
    await slack?.start();
    if (pipeline) {
      const delivery = pipeline.deps.delivery;
      worker = startWorkerRole(res, tracedHandlers(evidencePhases(pipeline.deps)), {
        // The PR a run waits on, read through delivery's port (GitHub never redelivers).
        ...(delivery
          ? {
              pullLookup: async ({ repository, branch }) => {
                const pull = await delivery.github(repository).findPullByHead(branch);
                if (!pull) return null;
                const { mergedAt, ...rest } = pull;
                return { ...rest, ...(mergedAt ? { at: mergedAt } : {}) };
              },
            }
          : {}),
        ...(slack
          ? { onApprovalExpired: slack.onApprovalExpired, reviewNotes: slack.reviewNotes }
          : {}),
        ...(options.now ? { now: options.now } : {}),
      });
      if (pipeline.deps.linear && config.PRODE_POLL_MS > 0)
        poller = await schedulePoller(
          { ...intake, linear: pipeline.deps.linear },
          {
            redisUrl: res.redis.url,
            prefix: config.PRODE_QUEUE_PREFIX,
            intervalMs: config.PRODE_POLL_MS,
            log: res.log,
          },
        );
    }
    // dev serves these on its web port; a worker alone needs its own (issue 16).
    if (role === "worker") health = await startHealthServer(res, options.host);
    return {
      role,
      resources: res,
      ...(web ? { url: web.url } : {}),
      ...(health ? { healthUrl: health.url } : {}),
      ...(slack ? { slack } : {}),
      ...(pipeline ? { pipeline } : {}),
      ...(worker ? { worker } : {}),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

export type { WebRole, WorkerRole };
