import {
  INFRA_EVENT,
  infraEventsOf,
  LOOKBACK_MINUTES,
  summarizeCapacityEvents,
  summarizeErrorRows,
} from "./analysis.ts";
import { type AwsReadings, type CheckContext, hhmm } from "./checks.ts";

/**
 * The checks that read log groups through Logs Insights: the service's error lines, its
 * scaling activity and the infrastructure events of its cluster and managed resources.
 */

const MINUTE = 60_000;

/** The evidence source of a log group read now. */
const logsSource = (ctx: CheckContext, group: string) =>
  ctx.ev.source({
    kind: "cloudwatch_logs",
    ref: `cloudwatch_logs:${group}`,
    fetchedAt: ctx.clock(),
  });

/** The lookback window, or from `since` when a reading needs to reach further back. */
function window(now: Date, since?: Date) {
  return { start: since ?? new Date(now.getTime() - LOOKBACK_MINUTES * MINUTE), end: now };
}

/** Rows a Logs Insights query returns at most; its `limit` clause says the same. */
const LOG_ROWS = 200;

/** One Logs Insights query over `group` in the lookback window. */
function readLogs(
  ctx: CheckContext,
  group: string,
  query: string,
  since?: Date,
): Promise<Record<string, string>[]> {
  return ctx.cloudwatch.queryLogs({
    logGroupNames: [group],
    query,
    ...window(ctx.now, since),
    limit: LOG_ROWS,
  });
}

/** Logs Insights over an application log group: error lines by type and route. */
const ERROR_QUERY = [
  // @message too: only what summarizeErrorRows derives from it leaves (the AWS endpoints named).
  "fields @timestamp, @message, level, status, method, path, req_id, requestId, request_id, err.type, error.type, message_id, messageId, receive_count, receiveCount, ApproximateReceiveCount, bucket, Bucket, bucketName, s3.bucket",
  // Logs Insights discovers fields in JSON lines only: a logfmt line (`level=fatal msg=…`,
  // a task failing at boot) is matched by its text.
  'filter level in ["error", "fatal"] or status >= 500 or @message like /\\blevel=(error|fatal|panic)\\b/',
  "sort @timestamp desc",
  `limit ${LOG_ROWS}`,
].join(" | ");

export async function checkErrorLogs(
  ctx: CheckContext,
  readings: AwsReadings,
  group: string,
): Promise<void> {
  const rows = await readLogs(ctx, group, ERROR_QUERY);
  const ref = logsSource(ctx, group);
  const summary = summarizeErrorRows(rows);
  readings.errorLogs.push({ ref, summary });
  for (const id of summary.requestIds.slice(0, 20))
    ctx.ev.correlate({ kind: "request_id", value: id });
  if (summary.lines === 0) {
    ctx.ev.finding({
      fact: `no error lines in ${group} in the last ${LOOKBACK_MINUTES} min`,
      source: ref,
    });
    return;
  }
  const types = summary.types
    .slice(0, 3)
    .map((t) => `${t.type} ×${t.count}`)
    .join(", ");
  const routes = summary.routes
    .slice(0, 3)
    .map((r) => `${r.route} ×${r.count}`)
    .join(", ");
  ctx.ev.finding({
    fact: `${summary.lines} error lines in ${group} in the last ${LOOKBACK_MINUTES} min${types ? `; types: ${types}` : ""}${routes ? `; routes: ${routes}` : ""}`,
    source: ref,
  });
}

/** Logs Insights over ECS service events and scaling activity: why tasks are missing. */
const CAPACITY_QUERY = [
  "fields @timestamp, @message",
  "filter @message like /unable to place a task|SERVICE_TASK_PLACEMENT_FAILURE|has stopped \\d+ running task|desired capacity from|set desired count|maximum capacity|max capacity|OutOfMemory|Essential container in task exited|exit code/",
  "sort @timestamp desc",
  `limit ${LOG_ROWS}`,
].join(" | ");

/**
 * ECS and scaling events of the last hour, or since `since` (a memory leak's first climb:
 * its kills are hours apart, so the last hour may hold none).
 */
export async function checkCapacityEvents(
  ctx: CheckContext,
  readings: AwsReadings,
  group: string,
  since?: Date,
): Promise<void> {
  const rows = await readLogs(ctx, group, CAPACITY_QUERY, since);
  const ref = logsSource(ctx, group);
  const events = summarizeCapacityEvents(rows);
  readings.capacity.push({ ref, events });
  const at = events.firstAt ?? ctx.now.toISOString();
  if (events.placementFailures > 0) {
    const why = events.placementReasons.length
      ? ` (insufficient ${events.placementReasons.join(", ")})`
      : "";
    ctx.ev.finding({
      fact: `ECS could not place tasks ${events.placementFailures} times in the last hour${why}`,
      source: ref,
      observedAt: at,
    });
  }
  if (events.tasksStopped > 0) {
    ctx.ev.finding({
      fact: `ECS stopped ${events.tasksStopped} running tasks`,
      source: ref,
      observedAt: at,
    });
  }
  for (const change of events.capacityChanges) {
    ctx.ev.finding({
      fact: Number.isFinite(change.from)
        ? `scaling activity changed desired capacity from ${change.from} to ${change.to} at ${hhmm(change.at)}`
        : `scaling activity set desired capacity to ${change.to} at ${hhmm(change.at)}`,
      source: ref,
      observedAt: change.at || at,
    });
  }
  if (events.maxCapacity !== undefined) {
    ctx.ev.finding({
      fact: `scaling activity reports a maximum capacity of ${events.maxCapacity} tasks`,
      source: ref,
      observedAt: at,
    });
  }
  if (events.outOfMemory + events.containerExits > 0) {
    ctx.ev.finding({
      fact: `containers were killed out of memory ${events.outOfMemory} times and exited ${events.containerExits} times`,
      source: ref,
      observedAt: at,
    });
  }
  if (
    events.placementFailures +
      events.tasksStopped +
      events.capacityChanges.length +
      events.outOfMemory +
      events.containerExits ===
    0
  ) {
    ctx.ev.finding({
      fact: `no placement failures, stopped tasks or scaling in ${group}`,
      source: ref,
    });
  }
}

/** Infrastructure events are read over the series' own three hours, not the last hour. */
const INFRA_LOOKBACK_MINUTES = 180;
const INFRA_QUERY = [
  "fields @timestamp, @message",
  `filter @message like /${INFRA_EVENT.source}/`,
  "sort @timestamp asc",
  `limit ${LOG_ROWS}`,
].join(" | ");

/** Failovers, replacements and maintenance on `resources` in an event log group. */
export async function checkInfraEvents(
  ctx: CheckContext,
  readings: AwsReadings,
  group: string,
  resources: readonly string[],
): Promise<void> {
  const rows = await ctx.cloudwatch.queryLogs({
    logGroupNames: [group],
    query: INFRA_QUERY,
    start: new Date(ctx.now.getTime() - INFRA_LOOKBACK_MINUTES * MINUTE),
    end: ctx.now,
    limit: LOG_ROWS,
  });
  const ref = logsSource(ctx, group);
  const events = infraEventsOf(rows, resources);
  readings.infra = [...(readings.infra ?? []), { ref, events }];
  for (const e of events) {
    ctx.ev.finding({
      fact: `${e.resource}: ${e.what} event at ${hhmm(e.at)} (${group})`,
      source: ref,
      observedAt: e.at,
    });
  }
}

/**
 * A database refusing connections because every slot is taken: PostgreSQL's "too many
 * clients" / "remaining connection slots are reserved" (SQLSTATE 53300), MySQL's "Too many
 * connections" (ER_CON_COUNT_ERROR, 1040). Counts only; no line is kept.
 */
export const CONNECTION_LIMIT =
  /too many clients|remaining connection slots are reserved|too many connections|53300|ER_CON_COUNT_ERROR/i;
const CONNECTION_LIMIT_QUERY = [
  "fields @timestamp, @message",
  `filter @message like /${CONNECTION_LIMIT.source}/`,
  "sort @timestamp asc",
  `limit ${LOG_ROWS}`,
].join(" | ");

/** Connection refusals in a database instance's log group (`/aws/rds/instance/<id>/…`). */
export async function checkConnectionRefusals(
  ctx: CheckContext,
  readings: AwsReadings,
  group: string,
  database: string,
): Promise<void> {
  const rows = await ctx.cloudwatch.queryLogs({
    logGroupNames: [group],
    query: CONNECTION_LIMIT_QUERY,
    start: new Date(ctx.now.getTime() - INFRA_LOOKBACK_MINUTES * MINUTE),
    end: ctx.now,
    limit: LOG_ROWS,
  });
  const ref = logsSource(ctx, group);
  const refused = rows.filter((r) => CONNECTION_LIMIT.test(r["@message"] ?? ""));
  const firstAt = refused[0]?.["@timestamp"];
  readings.connectionRefusals = [
    ...(readings.connectionRefusals ?? []),
    { ref, database, count: refused.length, ...(firstAt ? { firstAt } : {}) },
  ];
  ctx.ev.finding({
    fact:
      refused.length > 0
        ? `database ${database} refused connections for want of a free slot ${refused.length} time(s) (${group})`
        : `database ${database} refused no connection for want of a slot (${group})`,
    source: ref,
  });
}
