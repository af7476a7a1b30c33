import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { type ClusterGauges, clusterGauges } from "./cluster-metrics.ts";

/** Prometheus metrics for /metrics; one registry per process. */
export interface Metrics {
  registry: Registry;
  steps: Counter<"phase" | "outcome">;
  stepSeconds: Histogram<"phase">;
  activeRuns: Gauge;
  httpRequests: Counter<"route" | "status">;
  /** Provider reads retried (a wait, e.g. for Retry-After) or given up on, by provider. */
  upstreamRetries: Counter<"service" | "outcome" | "code">;
  /**
   * Slack interactions by outcome: enqueued / refused by web (Redis did not take it: the
   * user is told to retry, nothing is acknowledged) / handled / failed / unreadable by the
   * worker. `refused` and `unreadable` are interactions lost to prode.
   */
  slackInteractions: Counter<"outcome">;
  /** Errors of the worker's interaction consumer, by Redis or prode code (NOGROUP: flushed). */
  slackConsumerErrors: Counter<"code">;
  /** Provider calls this process made, by provider, outcome (ok/error) and error code (429s: upstream_rate_limited). */
  providerCalls: Counter<"provider" | "outcome" | "code">;
  /** Requests refused with a 4xx, by route and a short reason (bad signature, stale, rate limited…). */
  httpRejects: Counter<"route" | "reason">;
  /** Cluster state read at scrape time (cluster-metrics.ts). */
  cluster: ClusterGauges;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "prode_" });
  return {
    registry,
    steps: new Counter({
      name: "prode_phase_steps_total",
      help: "Phase executions by phase and step outcome",
      labelNames: ["phase", "outcome"],
      registers: [registry],
    }),
    stepSeconds: new Histogram({
      name: "prode_phase_step_seconds",
      help: "Time to execute one phase step",
      labelNames: ["phase"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    activeRuns: new Gauge({
      name: "prode_active_runs",
      help: "Runs not yet ended",
      registers: [registry],
    }),
    httpRequests: new Counter({
      name: "prode_http_requests_total",
      help: "HTTP requests by route and status",
      labelNames: ["route", "status"],
      registers: [registry],
    }),
    upstreamRetries: new Counter({
      name: "prode_upstream_retries_total",
      help: "Provider reads retried (outcome retry) or given up on (outcome gave_up), by provider and error code",
      labelNames: ["service", "outcome", "code"],
      registers: [registry],
    }),
    slackInteractions: new Counter({
      name: "prode_slack_interactions_total",
      help: "Slack interactions by outcome (enqueued, refused, handled, failed, unreadable); refused and unreadable ones are lost",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    slackConsumerErrors: new Counter({
      name: "prode_slack_interaction_consumer_errors_total",
      help: "Errors of the Slack interaction consumer by code; it recreates its group on NOGROUP and retries the rest with backoff",
      labelNames: ["code"],
      registers: [registry],
    }),
    providerCalls: new Counter({
      name: "prode_provider_calls_total",
      help: "Provider calls (Sentry, GitHub, Linear, vendor status, Slack, AWS) by provider, outcome and error code",
      labelNames: ["provider", "outcome", "code"],
      registers: [registry],
    }),
    httpRejects: new Counter({
      name: "prode_http_rejects_total",
      help: "Requests refused with a 4xx (webhooks, Slack, health), by route and reason",
      labelNames: ["route", "reason"],
      registers: [registry],
    }),
    cluster: clusterGauges(registry),
  };
}
