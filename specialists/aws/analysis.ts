import type { MetricSeries } from "../tools.ts";
import { type CalledEndpoint, healthEndpointsNamed } from "./endpoints.ts";
import { kindSpec } from "./measures.ts";
import { assessSeries } from "./series.ts";

/**
 * Pure readings of CloudWatch series and Logs Insights rows: the decisions the aws
 * specialist turns into signals, kept apart from the reads so they are unit-tested.
 */

export const LOOKBACK_MINUTES = 60;
/** The recent half of the lookback is compared with the half before it. */
export const RECENT_MINUTES = 30;
/** A rise must at least double the rate and add this many 5xx per minute. */
export const MIN_RISE_PER_MINUTE = 1;

const MINUTE = 60_000;

/** Sum of the datapoints in [from, to), per minute of the window. */
function perMinute(series: MetricSeries, from: Date, to: Date): number {
  let sum = 0;
  series.timestamps.forEach((t, i) => {
    const at = Date.parse(t);
    if (at >= from.getTime() && at < to.getTime()) sum += series.values[i] ?? 0;
  });
  const minutes = (to.getTime() - from.getTime()) / MINUTE;
  return minutes > 0 ? sum / minutes : 0;
}

/** Logs Insights prints `2026-11-21 01:52:03.000` (UTC, no zone); anything else passes through. */
export function insightsTimeToIso(value: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?)$/.exec(value.trim());
  return m ? `${m[1]}T${m[2]}Z` : value;
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

export interface ErrorRateReading {
  /** 5xx per minute in the earlier half of the lookback. */
  from: number;
  /** 5xx per minute in the recent half. */
  to: number;
  /** 5xx share of requests (percent) in each half, when request counts are known. */
  ratioFrom?: number;
  ratioTo?: number;
  rising: boolean;
  /** When the rise began (the 5xx series' change point), if it was dated. */
  onset?: string;
  /** Minutes the "after" side covers: from the onset to now, or the recent half. */
  windowMinutes?: number;
}

const FIVE_XX = kindSpec("alb").series.find((s) => s.metricName === "HTTPCode_Target_5XX_Count")!;
const firstAt = (series: MetricSeries | undefined) =>
  series?.timestamps.length ? Date.parse(series.timestamps[0]!) : undefined;

/**
 * The 5xx rate anchored to its onset: the change point of the 5xx series (missing
 * minutes are zeros once the load balancer is seen serving requests), accepted as a rise
 * on the same bounds as {@link assessErrorRate} (double, and at least
 * {@link MIN_RISE_PER_MINUTE} more per minute; the error share doubling too when
 * requests are known). An onset long before the last half hour is still a rise. Falls
 * back to the fixed halves when the series has no change point.
 */
export function assessAnchoredErrorRate(
  errors: MetricSeries,
  requests: MetricSeries | undefined,
  now: Date,
): ErrorRateReading | undefined {
  const fixed = assessErrorRate(errors, requests, now);
  if (!fixed) return undefined;
  const active = firstAt(requests) ?? firstAt(errors);
  const change = assessSeries(errors, FIVE_XX, {
    now,
    ...(active !== undefined ? { activeSince: active } : {}),
  });
  if (change?.direction !== "rise" || !change.onset) return fixed;
  const from = change.before;
  const to = change.after;
  let rising = to >= 2 * from && to - from >= MIN_RISE_PER_MINUTE;
  const onset = Date.parse(change.onset);
  const reading: ErrorRateReading = {
    from: round(from),
    to: round(to),
    rising,
    onset: change.onset,
    windowMinutes: Math.max(1, Math.round((now.getTime() - onset) / MINUTE)),
  };
  if (requests && requests.values.length > 0) {
    const start = Date.parse(change.windowStart) - 24 * 60 * MINUTE;
    const reqFrom = perMinute(
      requests,
      new Date(Math.max(start, active ?? start)),
      new Date(onset),
    );
    const reqTo = perMinute(requests, new Date(onset), new Date(now.getTime() + 1));
    if (reqFrom > 0 && reqTo > 0) {
      reading.ratioFrom = round((100 * from) / reqFrom, 3);
      reading.ratioTo = round((100 * to) / reqTo, 3);
      rising = rising && reading.ratioTo >= 2 * reading.ratioFrom;
      reading.rising = rising;
    }
  }
  // The fixed halves still count: a rise in the last minutes is too short to split.
  return reading.rising || !fixed.rising ? reading : fixed;
}

/**
 * Did the 5xx rate rise? Yes when the recent half at least doubles the earlier half and
 * adds {@link MIN_RISE_PER_MINUTE}; when requests are known, the error share must double
 * too, so a traffic surge alone is not a rise. `undefined` when there is no data at all:
 * ALBs publish no 5xx datapoint for a quiet minute, but RequestCount shows the series
 * exists, so an empty 5xx series with requests reads as zero.
 */
export function assessErrorRate(
  errors: MetricSeries,
  requests: MetricSeries | undefined,
  now: Date,
): ErrorRateReading | undefined {
  const hasRequests = requests !== undefined && requests.values.length > 0;
  if (errors.values.length === 0 && !hasRequests) return undefined;
  const start = new Date(now.getTime() - LOOKBACK_MINUTES * MINUTE);
  const split = new Date(now.getTime() - RECENT_MINUTES * MINUTE);
  const end = new Date(now.getTime() + 1);
  const from = perMinute(errors, start, split);
  const to = perMinute(errors, split, end);
  let rising = to >= 2 * from && to - from >= MIN_RISE_PER_MINUTE;
  const reading: ErrorRateReading = { from: round(from), to: round(to), rising };
  if (hasRequests) {
    const reqFrom = perMinute(requests, start, split);
    const reqTo = perMinute(requests, split, end);
    if (reqFrom > 0 && reqTo > 0) {
      const ratioFrom = (100 * from) / reqFrom;
      const ratioTo = (100 * to) / reqTo;
      reading.ratioFrom = round(ratioFrom, 3);
      reading.ratioTo = round(ratioTo, 3);
      rising = rising && ratioTo >= 2 * ratioFrom;
      reading.rising = rising;
    }
  }
  return reading;
}

/** The newest datapoint of a series. */
export function latest(series: MetricSeries): { value: number; at: string } | undefined {
  const i = series.values.length - 1;
  if (i < 0) return undefined;
  return { value: series.values[i]!, at: series.timestamps[i]! };
}

/**
 * When the series' final run of datapoints passing `test` began: undefined unless the
 * newest datapoint passes.
 */
function runStartedAt(series: MetricSeries, test: (value: number) => boolean): string | undefined {
  let at: string | undefined;
  series.values.forEach((v, i) => {
    if (test(v)) at ??= series.timestamps[i];
    else at = undefined;
  });
  return at;
}

/** When the series first crossed `threshold` and stayed above it to the end. */
export const crossedAt = (series: MetricSeries, threshold: number) =>
  runStartedAt(series, (v) => v > threshold);

/** When the series last dropped below `level` (e.g. running tasks below desired). */
export const droppedBelowAt = (series: MetricSeries, level: number) =>
  runStartedAt(series, (v) => v < level);

/**
 * A shortfall lasting at least this long, against a desired count that did not change
 * during it, is the service failing to keep its tasks running. Shorter, or while desired
 * was raised, is a scale-out's new tasks still starting (running < desired for a minute
 * or two in any scale-out).
 */
export const SUSTAINED_SHORTFALL_MINUTES = 10;
/** …over at least this many datapoints of the running-task series. */
const SUSTAINED_SHORTFALL_POINTS = 3;

/**
 * When the running-task series' final run below the desired count in effect at each
 * datapoint began, if that run is sustained: desired did not change during it, it lasts
 * {@link SUSTAINED_SHORTFALL_MINUTES} or more and spans {@link SUSTAINED_SHORTFALL_POINTS}
 * datapoints or more. Undefined otherwise (no shortfall now, a short one, or a scale-out).
 */
export function sustainedShortfallSince(
  running: MetricSeries,
  desired: MetricSeries,
): string | undefined {
  const desiredAt = (t: number): number | undefined => {
    let value: number | undefined;
    desired.timestamps.forEach((at, i) => {
      if (Date.parse(at) <= t) value = desired.values[i];
    });
    return value;
  };
  let start: number | undefined;
  let points = 0;
  let level: number | undefined;
  running.values.forEach((v, i) => {
    const t = Date.parse(running.timestamps[i]!);
    const want = desiredAt(t);
    const short = want !== undefined && v < want && (level === undefined || want === level);
    if (short) {
      start ??= i;
      level = want;
      points += 1;
    } else {
      start = want !== undefined && v < want ? i : undefined;
      level = start !== undefined ? want : undefined;
      points = start !== undefined ? 1 : 0;
    }
  });
  if (start === undefined || points < SUSTAINED_SHORTFALL_POINTS) return undefined;
  const from = running.timestamps[start]!;
  const to = running.timestamps[running.timestamps.length - 1]!;
  return (Date.parse(to) - Date.parse(from)) / MINUTE >= SUSTAINED_SHORTFALL_MINUTES
    ? from
    : undefined;
}

export interface ErrorLogSummary {
  lines: number;
  /** Error types by count, most frequent first. */
  types: { type: string; count: number }[];
  /** "METHOD /path" by count, most frequent first. */
  routes: { route: string; count: number }[];
  requestIds: string[];
  /**
   * The most times one message was received among the error lines: its receive count
   * when the line states one, else how many error lines name the same message id. The
   * ids themselves are not kept.
   */
  redelivered: number;
  /** Distinct message ids the error lines name. */
  messages: number;
  /**
   * Distinct message ids received {@link POISON_MIN_REDELIVERIES} times or more (their
   * stated receive count, else the error lines naming them).
   */
  redeliveredMessages: number;
  /** Buckets the error lines name: matched to the account's buckets, never emitted as read. */
  buckets: string[];
  /** AWS services (Health code, region) of the AWS endpoints the error lines name (endpoints.ts). */
  awsEndpoints: CalledEndpoint[];
}

/**
 * A message received this many times and rejected each time is being redelivered, not
 * retried through a blip: well beyond the few receives a transient failure or a
 * consumer restart causes (a redrive policy's maxReceiveCount is usually 3–5; a queue
 * without one redelivers forever).
 */
export const POISON_MIN_REDELIVERIES = 10;
/**
 * Poison is a few messages: more distinct ids redelivered than this is the consumer
 * failing on everything (a dependency or vendor down), not messages it cannot process.
 */
export const POISON_MAX_MESSAGES = 3;

const MESSAGE_ID_FIELDS = ["message_id", "messageId", "MessageId"];
const RECEIVE_COUNT_FIELDS = [
  "receive_count",
  "receiveCount",
  "ApproximateReceiveCount",
  "approximate_receive_count",
];
const REQUEST_ID_FIELDS = ["req_id", "requestId", "request_id", "x_request_id"];
const ERROR_TYPE_FIELDS = ["err.type", "error.type", "exception.type", "errorType"];
const BUCKET_FIELDS = ["bucket", "Bucket", "bucketName", "s3.bucket"];
/** Request ids are allowed egress (DESIGN invariant 6); anything else in the row is not read. */
const REQUEST_ID = /^[A-Za-z0-9_.:-]{6,128}$/;

function ranked(counts: Map<string, number>) {
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([key, count]) => ({ key, count }));
}

/** Counts error rows by type and route, and keeps their request ids. */
export function summarizeErrorRows(rows: Record<string, string>[]): ErrorLogSummary {
  const types = new Map<string, number>();
  const routes = new Map<string, number>();
  const requestIds: string[] = [];
  const buckets = new Set<string>();
  /** Per message id: error lines naming it, and the highest receive count stated. */
  const perMessage = new Map<string, { lines: number; stated: number }>();
  let redelivered = 0;
  for (const row of rows) {
    const message = MESSAGE_ID_FIELDS.map((f) => row[f]).find(Boolean);
    const receives = Number(RECEIVE_COUNT_FIELDS.map((f) => row[f]).find(Boolean));
    if (Number.isFinite(receives)) redelivered = Math.max(redelivered, receives);
    if (message) {
      const seen = perMessage.get(message) ?? { lines: 0, stated: 0 };
      perMessage.set(message, {
        lines: seen.lines + 1,
        stated: Number.isFinite(receives) ? Math.max(seen.stated, receives) : seen.stated,
      });
    }
    const type = ERROR_TYPE_FIELDS.map((f) => row[f]).find(Boolean);
    if (type) types.set(type, (types.get(type) ?? 0) + 1);
    if (row.path) {
      const route = row.method ? `${row.method} ${row.path}` : row.path;
      routes.set(route, (routes.get(route) ?? 0) + 1);
    }
    const bucket = BUCKET_FIELDS.map((f) => row[f]).find(Boolean);
    if (bucket) buckets.add(bucket);
    const id = REQUEST_ID_FIELDS.map((f) => row[f]).find(Boolean);
    if (id && REQUEST_ID.test(id) && !requestIds.includes(id)) requestIds.push(id);
  }
  return {
    lines: rows.length,
    types: ranked(types).map(({ key, count }) => ({ type: key, count })),
    routes: ranked(routes).map(({ key, count }) => ({ route: key, count })),
    requestIds,
    redelivered: Math.max(redelivered, ...[...perMessage.values()].map((m) => m.lines)),
    messages: perMessage.size,
    redeliveredMessages: [...perMessage.values()].filter(
      (m) => Math.max(m.lines, m.stated) >= POISON_MIN_REDELIVERIES,
    ).length,
    buckets: [...buckets].sort(),
    awsEndpoints: healthEndpointsNamed(rows.flatMap((r) => Object.values(r))),
  };
}

/** The route most error lines share, when it holds at least 60% of them. */
export function dominantRoute(summary: ErrorLogSummary): string | undefined {
  const top = summary.routes[0];
  return top && top.count / Math.max(1, summary.lines) >= 0.6 ? top.route : undefined;
}

export interface CapacityEvents {
  placementFailures: number;
  /** What the placements lacked: memory, cpu, … */
  placementReasons: string[];
  tasksStopped: number;
  /** Desired-capacity changes of the cluster's scaling group, oldest first. */
  capacityChanges: { from: number; to: number; at: string }[];
  /** Tasks or containers killed for exceeding their memory (OutOfMemoryError, exit 137). */
  outOfMemory: number;
  /** Essential containers that exited on their own (a non-zero exit code). */
  containerExits: number;
  /** The scaling ceiling a scaling activity reported (it could not go beyond it). */
  maxCapacity?: number;
  firstAt?: string;
}

const PLACEMENT = /unable to place a task|SERVICE_TASK_PLACEMENT_FAILURE/i;
const PLACEMENT_REASON = /insufficient (memory|cpu|ports?)|RESOURCE:(MEMORY|CPU|PORTS)/gi;
const STOPPED = /has stopped (\d+) running tasks?/i;
const CAPACITY = /desired capacity from (\d+) to (\d+)/i;
/** Application Auto Scaling: "Successfully set desired count to 40". */
const DESIRED_SET = /successfully set desired count to (\d+)/i;
/** Application Auto Scaling: "… would exceed the maximum capacity of 40", "at max capacity (40)". */
const MAX_CAPACITY = /max(?:imum)? capacity(?: of| is|:)? \(?(\d+)\)?/i;
const OUT_OF_MEMORY = /OutOfMemory|exit code:? 137|killed due to memory/i;
const CONTAINER_EXIT = /Essential container in task exited|exit code:? [1-9]\d*/i;

/** Reads ECS service events and scaling activity; counts only, no message is kept. */
export function summarizeCapacityEvents(rows: Record<string, string>[]): CapacityEvents {
  const events: CapacityEvents = {
    placementFailures: 0,
    placementReasons: [],
    tasksStopped: 0,
    capacityChanges: [],
    outOfMemory: 0,
    containerExits: 0,
  };
  const sorted = [...rows].sort((a, b) =>
    (a["@timestamp"] ?? "").localeCompare(b["@timestamp"] ?? ""),
  );
  // ECS reports a placement failure both as an EventBridge event (JSON) and as a service
  // message; a log group may hold either or both, so the larger count is the failures.
  let eventFailures = 0;
  let messageFailures = 0;
  for (const row of sorted) {
    const message = row["@message"] ?? "";
    const at = insightsTimeToIso(row["@timestamp"] ?? "");
    let relevant = false;
    if (PLACEMENT.test(message)) {
      if (/^\s*\{/.test(message)) eventFailures += 1;
      else messageFailures += 1;
      for (const m of message.matchAll(PLACEMENT_REASON)) {
        const reason = (m[1] ?? m[2] ?? "").toLowerCase();
        if (reason && !events.placementReasons.includes(reason))
          events.placementReasons.push(reason);
      }
      relevant = true;
    }
    const stopped = STOPPED.exec(message);
    if (stopped) {
      events.tasksStopped += Number(stopped[1]);
      relevant = true;
    }
    const capacity = CAPACITY.exec(message);
    if (capacity) {
      events.capacityChanges.push({ from: Number(capacity[1]), to: Number(capacity[2]), at });
      relevant = true;
    }
    const set = capacity ? undefined : DESIRED_SET.exec(message);
    if (set) {
      const from = events.capacityChanges.at(-1)?.to ?? Number.NaN;
      events.capacityChanges.push({ from, to: Number(set[1]), at });
      relevant = true;
    }
    const ceiling = MAX_CAPACITY.exec(message);
    if (ceiling) {
      events.maxCapacity = Number(ceiling[1]);
      relevant = true;
    }
    if (OUT_OF_MEMORY.test(message)) {
      events.outOfMemory += 1;
      relevant = true;
    } else if (CONTAINER_EXIT.test(message)) {
      events.containerExits += 1;
      relevant = true;
    }
    if (relevant && at) events.firstAt ??= at;
  }
  events.placementFailures = Math.max(eventFailures, messageFailures);
  return events;
}

/** An infrastructure event on one of our resources: a failover, a replacement, maintenance. */
export interface InfraEvent {
  at: string;
  /** The resource the event names. */
  resource: string;
  /** What happened, as the event says it (its category or id), e.g. `failover`. */
  what: string;
}

/** Event words that say the infrastructure under a resource changed. */
export const INFRA_EVENT =
  /failover|fail-over|replac\w*|maintenance|reboot|recover|restart|patch|promot|scal(?:ing|ed)|node/i;

/**
 * Infrastructure events in an event log group's rows (EventBridge JSON or plain lines)
 * that name one of `resources`: each with its time, the resource, and the event's
 * category (or id, or the infra word in its message). Pure: messages are not kept.
 */
export function infraEventsOf(
  rows: Record<string, string>[],
  resources: readonly string[],
): InfraEvent[] {
  const out: InfraEvent[] = [];
  for (const row of rows) {
    const message = row["@message"] ?? "";
    const resource = resources.find((r) => r.length >= 3 && message.includes(r));
    if (!resource) continue;
    let what: string | undefined;
    try {
      const detail = (JSON.parse(message) as { detail?: Record<string, unknown> }).detail ?? {};
      const categories = Array.isArray(detail.EventCategories)
        ? detail.EventCategories.filter((c): c is string => typeof c === "string")
        : [];
      const text = [...categories, String(detail.Message ?? ""), String(detail.EventID ?? "")];
      if (!text.some((t) => INFRA_EVENT.test(t)) && !INFRA_EVENT.test(JSON.stringify(detail))) {
        continue;
      }
      what =
        categories.find((c) => INFRA_EVENT.test(c)) ??
        String(detail.Message ?? "")
          .match(INFRA_EVENT)?.[0]
          ?.toLowerCase() ??
        (typeof detail.EventID === "string" ? detail.EventID : undefined);
    } catch {
      what = message.match(INFRA_EVENT)?.[0]?.toLowerCase();
    }
    if (!what) continue;
    const at = insightsTimeToIso(row["@timestamp"] ?? "");
    if (!Number.isFinite(Date.parse(at))) continue;
    out.push({ at, resource, what });
  }
  return out.sort((a, b) => a.at.localeCompare(b.at));
}
