import type { SentryEventSummary, SentryIssueSummary } from "../tools.ts";

/**
 * Pure readings of a Sentry issue and its events: is it a client abort, which request
 * path and code frame it belongs to, whether it is new, and how it recurs. No I/O.
 */

/** An issue first seen at most this long before now counts as a new exception. */
export const NEW_EXCEPTION_MAX_AGE_HOURS = 72;

/**
 * Exceptions that mean the client went away, not that the server failed: Node's
 * raw-body "request aborted", fetch's AbortError, Tomcat's ClientAbortException, nginx's
 * 499 wording, premature stream closes. Deliberately not "aborted" alone: a database's
 * "current transaction is aborted" is a server error.
 */
const CLIENT_ABORT =
  /request aborted|\bAbortError\b|ClientAbortException|client closed request|premature close|ECONNABORTED/i;

/** Statuses that record a client closing the connection: nginx 499, AWS ALB 460. */
export const CLIENT_CLOSED_STATUSES = new Set([460, 499]);

export function isClientAbort(
  issue: Pick<SentryIssueSummary, "title">,
  event: SentryEventSummary | undefined,
  statusCodes: number[],
): boolean {
  const exception = event?.exception;
  const text = [issue.title, exception ? `${exception.type}: ${exception.value}` : ""].join(" ");
  if (CLIENT_ABORT.test(text)) return true;
  return statusCodes.length > 0 && statusCodes.every((c) => CLIENT_CLOSED_STATUSES.has(c));
}

const ROUTE = /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) \/\S*$/;

export function isRoute(value: string | undefined): value is string {
  return value !== undefined && ROUTE.test(value);
}

const tag = (event: SentryEventSummary | undefined, key: string) =>
  event?.tags.find((t) => t.key === key)?.value;

/**
 * The request route the exception happened on: the event's `transaction` tag (Sentry's
 * route name), the most frequent transaction of the issue, the event's request, or the
 * issue's culprit when Sentry used the route as culprit.
 */
export function requestPathOf(
  issue: Pick<SentryIssueSummary, "culprit">,
  event: SentryEventSummary | undefined,
  transactions: { value: string; count: number }[],
): string | undefined {
  const fromTag = tag(event, "transaction");
  if (fromTag) return fromTag;
  const top = [...transactions].sort((a, b) => b.count - a.count)[0]?.value;
  if (top) return top;
  const request = event?.request;
  if (request?.method && request.path) return `${request.method} ${request.path}`;
  return isRoute(issue.culprit) ? issue.culprit : undefined;
}

/**
 * Tags that name the background job, task or cron monitor an exception ran in, by the
 * conventions of Sentry's SDK integrations and common job runners (a worker has no
 * request route; its job is the path).
 */
const JOB_TAGS = ["job", "job.name", "job_name", "task", "task.name", "task_name", "monitor.slug"];

/** Sentry's culprit for an issue outside a request: `function(file)`. */
const FUNCTION_CULPRIT = /^[\w$.<>]+\([^()\s]+\)$/;

/**
 * The path an exception failed on: its request route ({@link requestPathOf}), else the
 * background job it ran in (`job <name>`), else the code path Sentry grouped it by (the
 * innermost in-app frame as `function(file)`, or the issue's culprit in that form). A
 * worker's or consumer's exception has no route, yet it fails on one code path all the
 * same; only an issue with none of these is untyped.
 */
export function codePathOf(
  issue: Pick<SentryIssueSummary, "culprit" | "title">,
  event: SentryEventSummary | undefined,
  transactions: { value: string; count: number }[],
): string | undefined {
  const route = requestPathOf(issue, event, transactions);
  if (route) return route;
  const job = JOB_TAGS.map((key) => tag(event, key)).find((v) => v !== undefined && v !== "");
  if (job) return `job ${job}`;
  if (culpritFrame(event)) return culpritOf(issue, event);
  return FUNCTION_CULPRIT.test(issue.culprit) ? issue.culprit : undefined;
}

/** The innermost in-app frame: where the code that threw lives. */
export function culpritFrame(event: SentryEventSummary | undefined) {
  return event?.exception?.frames.findLast((f) => f.inApp);
}

/** `function(file)`, as Sentry writes culprits for non-request issues; else the issue's. */
export function culpritOf(
  issue: Pick<SentryIssueSummary, "culprit" | "title">,
  event: SentryEventSummary | undefined,
): string {
  const frame = culpritFrame(event);
  if (frame) return frame.function ? `${frame.function}(${frame.filename})` : frame.filename;
  return issue.culprit || issue.title || "unknown";
}

/** HTTP statuses seen on the issue: its `http.status_code` tag values, else the event's tag. */
export function statusCodesOf(
  statusTag: { value: string; count: number }[],
  event: SentryEventSummary | undefined,
): number[] {
  const values =
    statusTag.length > 0 ? statusTag.map((v) => v.value) : [tag(event, "http.status_code")];
  const codes = values
    .map((v) => Number(v))
    .filter((n) => Number.isInteger(n) && n >= 100 && n <= 599);
  return [...new Set(codes)].sort((a, b) => a - b);
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

/** Sentry's timestamps as the output schema's ISO form (kept verbatim when already so). */
export function isoTimestamp(value: string): string {
  return ISO.test(value) ? value : new Date(value).toISOString();
}

/**
 * Whether the code caught the exception: false when the issue says an event was
 * unhandled (Sentry's isUnhandled) or the event's mechanism says so, true when what is
 * known says handled, undefined when neither tells.
 */
export function handledOf(
  issue: Pick<SentryIssueSummary, "unhandled">,
  event: SentryEventSummary | undefined,
): boolean | undefined {
  const fromEvent = event?.exception?.handled;
  if (issue.unhandled === true || fromEvent === false) return false;
  if (issue.unhandled === false || fromEvent === true) return true;
  return undefined;
}

export function isNewIssue(firstSeen: string, now: Date): boolean {
  const at = Date.parse(firstSeen);
  if (Number.isNaN(at)) return false;
  const ageHours = (now.getTime() - at) / 3_600_000;
  return ageHours >= 0 && ageHours <= NEW_EXCEPTION_MAX_AGE_HOURS;
}

export interface Trend {
  total: number;
  /** Events in the newest (current) hourly bucket. */
  lastHour: number;
  /** Mean events per hour over the earlier buckets. */
  earlierHourlyMean: number;
  peak: { at: string; count: number };
}

/** Reads Sentry's hourly `stats["24h"]` series (oldest first, [unix seconds, count]). */
export function summarizeTrend(stats24h: [number, number][] | undefined): Trend | undefined {
  if (!stats24h || stats24h.length === 0) return undefined;
  const total = stats24h.reduce((sum, [, n]) => sum + n, 0);
  const lastHour = stats24h.at(-1)![1];
  const earlier = stats24h.slice(0, -1);
  const earlierHourlyMean =
    earlier.length > 0 ? earlier.reduce((sum, [, n]) => sum + n, 0) / earlier.length : 0;
  const peak = stats24h.reduce((best, b) => (b[1] > best[1] ? b : best), stats24h[0]!);
  return {
    total,
    lastHour,
    earlierHourlyMean: Math.round(earlierHourlyMean * 100) / 100,
    peak: { at: new Date(peak[0] * 1000).toISOString(), count: peak[1] },
  };
}

/** Tag keys that carry a request id (correlation across logs, support and Sentry). */
const REQUEST_ID_TAGS = new Set(["request_id", "requestid", "request.id", "x-request-id"]);
const TRACE_TAGS = new Set(["trace", "trace_id", "trace.id"]);

export function correlationTags(event: SentryEventSummary): {
  requestIds: string[];
  traceIds: string[];
} {
  const requestIds: string[] = [];
  const traceIds: string[] = [];
  for (const { key, value } of event.tags) {
    const k = key.toLowerCase();
    if (REQUEST_ID_TAGS.has(k)) requestIds.push(value);
    else if (TRACE_TAGS.has(k)) traceIds.push(value);
  }
  return { requestIds, traceIds };
}

/** The share of events per value, largest first: "<release> 100%". */
export function describeDistribution(values: { value: string; count: number }[], max = 3): string {
  const total = values.reduce((sum, v) => sum + v.count, 0);
  if (total === 0) return "";
  return [...values]
    .sort((a, b) => b.count - a.count)
    .slice(0, max)
    .map((v) => `${v.value} ${Math.round((v.count / total) * 100)}%`)
    .join(", ");
}
