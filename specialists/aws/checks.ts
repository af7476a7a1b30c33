import type { EvidenceCollector, SourceRef } from "../shared/collector.ts";
import type { CloudWatchReader, MetricQuery, MetricSeries } from "../tools.ts";
import {
  assessAnchoredErrorRate,
  type CapacityEvents,
  crossedAt,
  droppedBelowAt,
  type ErrorLogSummary,
  type ErrorRateReading,
  type InfraEvent,
  LOOKBACK_MINUTES,
  latest,
  RECENT_MINUTES,
  sustainedShortfallSince,
} from "./analysis.ts";

/**
 * The reads the aws specialist makes. Each check reads CloudWatch, registers its source,
 * states its findings and leaves its reading in {@link AwsReadings}; signals are drawn
 * from the readings once every check has settled (index.ts), so the 5xx signal can carry
 * the route the error logs point at.
 */

export interface CheckContext {
  cloudwatch: CloudWatchReader;
  ev: EvidenceCollector;
  now: Date;
  /** The specialist's clock: `now` advanced by the time the run has taken. */
  clock: () => Date;
  /**
   * One metric series over the run's series window, read once per run whoever asks
   * (see {@link seriesReader}).
   */
  read: (metric: Metric, stat: MetricQuery["stat"]) => Promise<MetricSeries>;
}

export interface AwsReadings {
  errorRate?: { ref: SourceRef; reading: ErrorRateReading; loadBalancer: string };
  queues: { ref: SourceRef; queue: string; ageSeconds: number; threshold: number }[];
  tasks?: {
    ref: SourceRef;
    service: string;
    running: number;
    desired: number;
    /** Start of a sustained shortfall (analysis.ts `sustainedShortfallSince`), if one. */
    shortSince?: string;
  };
  errorLogs: { ref: SourceRef; summary: ErrorLogSummary }[];
  capacity: { ref: SourceRef; events: CapacityEvents }[];
  infra?: { ref: SourceRef; events: InfraEvent[] }[];
  /** Connections a database refused for want of a free slot, from its own log group. */
  connectionRefusals?: { ref: SourceRef; database: string; count: number; firstAt?: string }[];
}

const MINUTE = 60_000;

/** Which metric a check reads; the stat, period and window are the check's. */
export type Metric = Pick<MetricQuery, "namespace" | "metricName" | "dimensions">;

/** `cloudwatch_metric:<namespace>/<metric>/<dim=value,…>`, dimensions sorted by name. */
export function metricRef(query: Metric) {
  const dims = Object.entries(query.dimensions)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  return `cloudwatch_metric:${query.namespace}/${query.metricName}/${dims}`;
}

export const hhmm = (iso: string) => iso.slice(11, 16);
const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2));

/**
 * A memo over GetMetricData for one run: every series is read at a 60 s period over
 * [start, now], once per metric and statistic, however many checks use it.
 */
export function seriesReader(
  cloudwatch: CloudWatchReader,
  start: Date,
  now: Date,
): CheckContext["read"] {
  const memo = new Map<string, Promise<MetricSeries>>();
  return (metric, stat) => {
    const key = `${metricRef(metric)}#${stat}`;
    let read = memo.get(key);
    if (!read) {
      read = cloudwatch.getMetricSeries({ ...metric, stat, periodSeconds: 60, start, end: now });
      memo.set(key, read);
    }
    return read;
  };
}

function series(
  ctx: CheckContext,
  metric: Metric,
  stat: MetricQuery["stat"],
): Promise<MetricSeries> {
  return ctx.read(metric, stat);
}

/** ALB target 5xx against request count: the 5xx rate and its negative control. */
export async function checkErrorRate(
  ctx: CheckContext,
  readings: AwsReadings,
  loadBalancer: string,
): Promise<void> {
  const dims = { LoadBalancer: loadBalancer };
  const errorsQuery = {
    namespace: "AWS/ApplicationELB",
    metricName: "HTTPCode_Target_5XX_Count",
    dimensions: dims,
  };
  const requestsQuery = { ...errorsQuery, metricName: "RequestCount" };
  const [errors, requests] = await Promise.all([
    series(ctx, errorsQuery, "Sum"),
    series(ctx, requestsQuery, "Sum").catch(() => undefined),
  ]);
  const ref = ctx.ev.source({
    kind: "cloudwatch_metric",
    ref: metricRef(errorsQuery),
    fetchedAt: ctx.clock(),
  });
  if (requests === undefined) {
    ctx.ev.gap({
      what: `ALB RequestCount for ${loadBalancer} unavailable: 5xx share not computed`,
      confidenceImpact: 0,
    });
  }
  const reading = assessAnchoredErrorRate(errors, requests, ctx.now);
  if (!reading) {
    ctx.ev.finding({
      fact: `no ALB datapoints (5xx or requests) for ${loadBalancer} in the last ${LOOKBACK_MINUTES} min`,
      source: ref,
    });
    return;
  }
  readings.errorRate = { ref, reading, loadBalancer };
  const share =
    reading.ratioFrom !== undefined && reading.ratioTo !== undefined
      ? `; 5xx share of requests ${fmt(reading.ratioFrom)}% → ${fmt(reading.ratioTo)}%`
      : "";
  const when = reading.onset
    ? `before ${hhmm(reading.onset)}, ${fmt(reading.to)}/min since (${reading.windowMinutes} min)`
    : `in the ${LOOKBACK_MINUTES - RECENT_MINUTES} min before, ${fmt(reading.to)}/min in the last ${RECENT_MINUTES} min`;
  ctx.ev.finding({
    fact: `ALB ${loadBalancer} target 5xx: ${fmt(reading.from)}/min ${when}${share} (${reading.rising ? "a rise" : "no rise"})`,
    source: ref,
  });
}

/** SQS age of the oldest message against the alarm threshold. */
export async function checkQueue(
  ctx: CheckContext,
  readings: AwsReadings,
  queue: string,
  threshold: number,
): Promise<void> {
  const query = {
    namespace: "AWS/SQS",
    metricName: "ApproximateAgeOfOldestMessage",
    dimensions: { QueueName: queue },
  };
  const age = await series(ctx, query, "Maximum");
  const ref = ctx.ev.source({
    kind: "cloudwatch_metric",
    ref: metricRef(query),
    fetchedAt: ctx.clock(),
  });
  const last = latest(age);
  if (!last) {
    ctx.ev.finding({
      fact: `no age datapoints for queue ${queue} in the window read`,
      source: ref,
    });
    ctx.ev.gap({
      what: `queue ${queue}: no ApproximateAgeOfOldestMessage datapoints`,
      confidenceImpact: 10,
    });
    return;
  }
  readings.queues.push({ ref, queue, ageSeconds: last.value, threshold });
  const since = crossedAt(age, threshold);
  ctx.ev.finding({
    fact: `oldest message in ${queue} is ${Math.round(last.value)} s old at ${hhmm(last.at)} (alarm threshold ${threshold} s)${since ? `, above the threshold since ${hhmm(since)}` : ""}`,
    source: ref,
    observedAt: last.at,
  });
  const staleMinutes = (ctx.now.getTime() - Date.parse(last.at)) / MINUTE;
  if (staleMinutes > 10) {
    ctx.ev.gap({
      what: `queue ${queue}: newest age datapoint is ${Math.round(staleMinutes)} min old`,
      confidenceImpact: 5,
    });
  }
}

/** ECS Container Insights: running against desired tasks. */
export async function checkTasks(
  ctx: CheckContext,
  readings: AwsReadings,
  ecs: { cluster: string; service: string },
): Promise<void> {
  const dims = { ClusterName: ecs.cluster, ServiceName: ecs.service };
  const runningQuery = {
    namespace: "ECS/ContainerInsights",
    metricName: "RunningTaskCount",
    dimensions: dims,
  };
  const desiredQuery = { ...runningQuery, metricName: "DesiredTaskCount" };
  const [running, desired] = await Promise.all([
    series(ctx, runningQuery, "Average"),
    series(ctx, desiredQuery, "Average"),
  ]);
  const ref = ctx.ev.source({
    kind: "cloudwatch_metric",
    ref: metricRef(runningQuery),
    fetchedAt: ctx.clock(),
  });
  const run = latest(running);
  const want = latest(desired);
  if (!run || !want) {
    ctx.ev.finding({
      fact: `no Container Insights task counts for ${ecs.cluster}/${ecs.service} in the window read`,
      source: ref,
    });
    ctx.ev.gap({
      what: `task health of ${ecs.cluster}/${ecs.service}: no task-count datapoints`,
      confidenceImpact: 0,
    });
    return;
  }
  const runningNow = Math.round(run.value);
  const desiredNow = Math.round(want.value);
  const shortSince = sustainedShortfallSince(running, desired);
  readings.tasks = {
    ref,
    service: ecs.service,
    running: runningNow,
    desired: desiredNow,
    ...(shortSince ? { shortSince } : {}),
  };
  const since = runningNow < desiredNow ? droppedBelowAt(running, desiredNow) : undefined;
  ctx.ev.finding({
    fact: `${ecs.service} on ${ecs.cluster}: ${runningNow} of ${desiredNow} desired tasks running at ${hhmm(run.at)}${since ? `, short since ${hhmm(since)}` : ""}`,
    source: ref,
    observedAt: run.at,
  });
}
