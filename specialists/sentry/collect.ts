import type { AppError } from "../../src/domain/errors.ts";
import { clipText } from "../clip.ts";
import {
  describeError,
  type EvidenceCollector,
  isNotFound,
  type Settled,
  type SourceRef,
  settle,
} from "../shared/collector.ts";
import { issueSeries, type SeriesReading } from "../shared/sentry-series.ts";
import type {
  SentryEventSummary,
  SentryIssueSummary,
  SentryReader,
  SentryReleaseSummary,
} from "../tools.ts";
import {
  codePathOf,
  correlationTags,
  culpritFrame,
  culpritOf,
  describeDistribution,
  handledOf,
  isClientAbort,
  isNewIssue,
  isoTimestamp,
  NEW_EXCEPTION_MAX_AGE_HOURS,
  requestPathOf,
  statusCodesOf,
  summarizeTrend,
} from "./analyze.ts";
import { topCallerShare, topRuntimeOf } from "./callers.ts";
import { noteMissingConfig } from "./missing-config.ts";
import { originShares } from "./origin.ts";
import { recurrenceReading } from "./recurrence.ts";

/**
 * Reads one Sentry issue — the issue with its 24h series, the recommended event, recent
 * events, tag breakdowns and the release its events ran — and records what it shows.
 * Upstream failures become gaps; only the deadline throws (DeadlineReached).
 */

/** Recent events read for request ids and event ids to correlate. */
export const RECENT_EVENTS = 10;
export const RELEASES_READ = 25;

/** Confidence points each missing piece costs (see DESIGN invariant 7). */
export const GAP_IMPACT = {
  issue: 30,
  event: 15,
  recentEvents: 5,
  tags: 5,
  releases: 5,
  path: 10,
  abortStatuses: 10,
} as const;

const CLIENT_TAGS = ["client.app_version", "client.os", "browser", "os"];

export type IssueOutcome =
  | { ok: true; issue: SentryIssueSummary; kind: "client_abort" | "new_exception" | "recurring" }
  | { ok: false; error: AppError };

type TagValues = { value: string; count: number }[];

interface Context {
  sentry: SentryReader;
  ev: EvidenceCollector;
  signal: AbortSignal;
  now: Date;
  /** The org's recent releases, read once per run: every linked issue shares them. */
  releases: () => Promise<Settled<SentryReleaseSummary[]>>;
}

/** A run's context for {@link collectIssue}. */
export function issueContext(input: Omit<Context, "releases">): Context {
  let releases: Promise<Settled<SentryReleaseSummary[]>> | undefined;
  return {
    ...input,
    releases: () => {
      releases ??= settle(() => input.sentry.listReleases(RELEASES_READ), input.signal);
      return releases;
    },
  };
}

/** The recommended event (Sentry's pick of a representative one), else the latest. */
async function readEvent(sentry: SentryReader, issueId: string): Promise<SentryEventSummary> {
  try {
    return await sentry.getEvent(issueId, "recommended");
  } catch (error) {
    if (!isNotFound(error as AppError)) throw error;
    return sentry.getEvent(issueId, "latest");
  }
}

/** A tag the issue does not have is an empty breakdown, not a failure. */
async function readTag(ctx: Context, issueId: string, key: string): Promise<Settled<TagValues>> {
  const read = await readBreakdown(ctx, issueId, key);
  return read.ok ? { ok: true, value: read.value.values } : read;
}

/** A tag's top values with `totalValues`, the events carrying it (when Sentry gave it). */
async function readBreakdown(
  ctx: Context,
  issueId: string,
  key: string,
): Promise<Settled<{ values: TagValues; totalValues?: number }>> {
  const read = await settle(() => ctx.sentry.getTagValues(issueId, key), ctx.signal);
  if (read.ok) return read;
  return isNotFound(read.error) ? { ok: true, value: { values: [] } } : read;
}

/** Cuts provider text at a token boundary (specialists/clip.ts): never half a secret. */
const short = (text: string, max = 160) => clipText(text, max);

function recordIssue(ctx: Context, issue: SentryIssueSummary, issueRef: SourceRef): void {
  ctx.ev.finding({
    fact:
      `${issue.shortId} "${short(issue.title)}" (${issue.level}, ${issue.status}) in ${issue.project}: ` +
      `${issue.count} events from ${issue.userCount} users, first seen ${issue.firstSeen}, last seen ${issue.lastSeen}`,
    source: issueRef,
  });
  const trend = summarizeTrend(issue.stats24h);
  if (trend) {
    ctx.ev.finding({
      fact:
        `last 24h: ${trend.total} events, ${trend.lastHour} in the current hour against ` +
        `${trend.earlierHourlyMean}/h before; hourly peak ${trend.peak.count} at ${trend.peak.at}`,
      source: issueRef,
    });
  }
}

/**
 * The issue's 24h event series as `series_change` (measure `error_events`): a spike of a
 * long-lived issue is dated by its change point, a new issue by its first-seen time.
 * `signal: false` keeps it a finding: for client aborts (not server errors: they are
 * `client_aborts`), and for a new issue reported as `new_exception`, whose first-seen
 * time is the same fact (one issue is not two pieces of evidence).
 */
export function recordSeries(
  ctx: Pick<Context, "ev" | "now">,
  issue: SentryIssueSummary,
  issueRef: SourceRef,
  path: string | undefined,
  options: { clientAbort: boolean; newException: boolean } = {
    clientAbort: false,
    newException: false,
  },
): void {
  const hourly = issueSeries(issue, ctx.now);
  // An old issue back after days of silence is dated by its daily series (recurrence.ts);
  // the hourly reading stays a finding.
  const recurrence = recurrenceReading(issue, ctx.now, hourly);
  if (recurrence && hourly) recordSeriesFinding(ctx, issue, issueRef, hourly);
  const reading = recurrence ?? hourly;
  if (!reading) return;
  const sameAsNewException = options.newException && reading.datedBy === "first_seen";
  if (!options.clientAbort && !sameAsNewException)
    recordSeriesSignal(ctx, issue, issueRef, path, reading);
  recordSeriesFinding(ctx, issue, issueRef, reading);
}

function recordSeriesSignal(
  ctx: Pick<Context, "ev">,
  issue: SentryIssueSummary,
  issueRef: SourceRef,
  path: string | undefined,
  reading: SeriesReading,
): void {
  ctx.ev.signal({
    kind: "series_change",
    source: issueRef,
    measure: "error_events",
    direction: reading.direction,
    before: reading.before,
    after: reading.after,
    unit: `events/${reading.periodMinutes} min`,
    scope: { ...(path ? { route: path } : {}), resource: issue.project || issue.shortId },
    ...(reading.onset
      ? { onset: reading.onset, onsetUncertaintyMinutes: reading.uncertaintyMinutes ?? 0 }
      : {}),
    windowStart: reading.windowStart,
    windowEnd: reading.windowEnd,
  });
}

function recordSeriesFinding(
  ctx: Pick<Context, "ev">,
  issue: SentryIssueSummary,
  issueRef: SourceRef,
  reading: SeriesReading,
): void {
  const how =
    reading.datedBy === "first_seen"
      ? `from its first event at ${reading.onset}`
      : reading.onset
        ? `from about ${reading.onset} (±${reading.uncertaintyMinutes} min, change point of the hourly series)`
        : "";
  ctx.ev.finding({
    fact:
      reading.direction === "flat"
        ? `${issue.shortId}'s events were flat from ${reading.windowStart} to ${reading.windowEnd} (${reading.before} per ${reading.periodMinutes} min)`
        : `${issue.shortId}'s events ${reading.direction === "rise" ? "rose" : "dropped"} from ${reading.before} to ${reading.after} per ${reading.periodMinutes} min ${how}`,
    source: issueRef,
  });
}

function recordEvent(ctx: Context, event: SentryEventSummary): void {
  const ref = ctx.ev.source({ kind: "sentry_event", ref: `sentry_event:${event.eventId}` });
  const exception = event.exception;
  const frame = culpritFrame(event);
  const parts = [
    `event ${event.eventId} at ${event.dateCreated}`,
    event.release ? `release ${event.release}` : undefined,
    event.environment ? `environment ${event.environment}` : undefined,
    exception ? `${exception.type}: ${short(exception.value)}` : undefined,
    frame
      ? `in-app frame ${frame.function ?? "?"} at ${frame.filename}${frame.lineno ? `:${frame.lineno}` : ""}`
      : undefined,
    event.request?.path
      ? `request ${event.request.method ?? ""} ${event.request.path}`.trim()
      : undefined,
  ];
  ctx.ev.finding({
    fact: parts.filter(Boolean).join("; "),
    source: ref,
    observedAt: event.dateCreated,
  });
  recordCorrelations(ctx, event);
}

function recordCorrelations(ctx: Context, event: SentryEventSummary): void {
  ctx.ev.correlate({ kind: "sentry_event_id", value: event.eventId });
  const { requestIds, traceIds } = correlationTags(event);
  for (const id of requestIds) ctx.ev.correlate({ kind: "request_id", value: id });
  for (const id of traceIds) ctx.ev.correlate({ kind: "trace_id", value: id });
}

async function recordRelease(ctx: Context, version: string): Promise<void> {
  const read = await ctx.releases();
  if (!read.ok) {
    ctx.ev.gap({
      what: `Sentry releases unavailable (${describeError(read.error)}): when ${version} went out is not confirmed`,
      confidenceImpact: GAP_IMPACT.releases,
    });
    return;
  }
  const release = read.value.find((r) => r.version === version);
  if (!release) return;
  const ref = ctx.ev.source({ kind: "sentry_release", ref: `sentry_release:${release.version}` });
  const deployed = release.lastDeployAt ?? release.dateReleased;
  ctx.ev.finding({
    fact:
      `release ${release.version} created ${release.dateCreated}` +
      (deployed
        ? `, deployed ${deployed}${release.environment ? ` to ${release.environment}` : ""}`
        : ", no deploy recorded") +
      (release.commitCount !== undefined
        ? `, ${release.commitCount} commit${release.commitCount === 1 ? "" : "s"}`
        : ""),
    source: ref,
  });
}

/** How concentrated a handled exception's callers are ({@link topCallerShare}). */
function readCallers([event, recent]: [
  SentryEventSummary | undefined,
  Settled<SentryEventSummary[]>,
]): { topCallerShare?: number } {
  // From the events' caller tags only: the `user` tag identifies people, and the adapter
  // refuses to read it (isPersonalTag), so asking for its breakdown only ever fails.
  const events = [...(event ? [event] : []), ...(recent.ok ? recent.value : [])];
  const share = topCallerShare(events);
  return share === undefined ? {} : { topCallerShare: Math.round(share * 100) / 100 };
}

/** The browser (with its version) most of the issue's events come from ({@link topRuntimeOf}). */
async function readRuntime(
  ctx: Context,
  issueId: string,
): Promise<{ topRuntime?: { name: string; share: number } }> {
  const browsers = await readBreakdown(ctx, issueId, "browser");
  const top = browsers.ok
    ? topRuntimeOf(browsers.value.values, browsers.value.totalValues)
    : undefined;
  return top ? { topRuntime: top } : {};
}

async function recordClients(ctx: Context, issueId: string, issueRef: SourceRef): Promise<void> {
  const reads = await Promise.all(CLIENT_TAGS.map((key) => readTag(ctx, issueId, key)));
  const described = CLIENT_TAGS.map((key, i) => {
    const read = reads[i]!;
    return read.ok && read.value.length > 0 ? `${key} ${describeDistribution(read.value)}` : "";
  }).filter(Boolean);
  if (described.length > 0)
    ctx.ev.finding({ fact: `clients: ${described.join("; ")}`, source: issueRef });
}

/**
 * Who sent the failing requests (not for client aborts): the events read (the representative one and the
 * recent ones), each classified by its User-Agent and tags, as one `traffic_origin` per
 * origin with its share of them.
 */
export function recordOrigins(
  ctx: Pick<Context, "ev">,
  issue: SentryIssueSummary,
  issueRef: SourceRef,
  events: SentryEventSummary[],
): void {
  const shares = originShares(events);
  if (shares.length === 0) return;
  for (const share of shares) {
    ctx.ev.signal({
      kind: "traffic_origin",
      source: issueRef,
      origin: share.origin,
      share: share.share,
      requests: share.requests,
    });
  }
  const total = shares.reduce((s, o) => s + o.requests, 0);
  ctx.ev.finding({
    fact: `${issue.shortId}'s ${total} events read come from ${shares
      .map((o) => `${o.origin.replace("_", " ")} ${Math.round(o.share * 100)}%`)
      .join(", ")} (by User-Agent and tags)`,
    source: issueRef,
  });
}

export async function collectIssue(ctx: Context, issueId: string): Promise<IssueOutcome> {
  const { ev } = ctx;
  const read = await settle(() => ctx.sentry.getIssue(issueId), ctx.signal);
  if (!read.ok) {
    ev.gap({
      what: `Sentry issue ${issueId} unreadable (${describeError(read.error)})`,
      confidenceImpact: GAP_IMPACT.issue,
    });
    return { ok: false, error: read.error };
  }
  const issue = read.value;
  const issueRef = ev.source({ kind: "sentry_issue", ref: `sentry_issue:${issue.id}` });
  recordIssue(ctx, issue, issueRef);

  const [eventRead, recentRead, statusRead, transactionRead, releaseRead] = await Promise.all([
    settle(() => readEvent(ctx.sentry, issue.id), ctx.signal),
    settle(() => ctx.sentry.listEvents(issue.id, RECENT_EVENTS), ctx.signal),
    readTag(ctx, issue.id, "http.status_code"),
    readTag(ctx, issue.id, "transaction"),
    readTag(ctx, issue.id, "release"),
  ]);

  const event = eventRead.ok ? eventRead.value : undefined;
  if (event) recordEvent(ctx, event);
  else if (!eventRead.ok) {
    ev.gap({
      what: `Sentry event of ${issue.shortId} unavailable (${describeError(eventRead.error)}): no stack trace, culprit frame, request path or release`,
      confidenceImpact: GAP_IMPACT.event,
    });
  }
  if (recentRead.ok) for (const e of recentRead.value) recordCorrelations(ctx, e);
  else {
    ev.gap({
      what: `recent Sentry events of ${issue.shortId} unavailable (${describeError(recentRead.error)}): fewer request ids to correlate`,
      confidenceImpact: GAP_IMPACT.recentEvents,
    });
  }
  const tagFailure = [statusRead, transactionRead, releaseRead].find((r) => !r.ok);
  if (tagFailure && !tagFailure.ok) {
    ev.gap({
      what: `Sentry tag breakdowns of ${issue.shortId} unavailable (${describeError(tagFailure.error)})`,
      confidenceImpact: GAP_IMPACT.tags,
    });
  }
  const values = (r: Settled<TagValues>) => (r.ok ? r.value : []);
  const releases = values(releaseRead);
  if (releases.length > 0)
    ev.finding({ fact: `events by release: ${describeDistribution(releases)}`, source: issueRef });

  const statusCodes = statusCodesOf(values(statusRead), event);
  const route = requestPathOf(issue, event, values(transactionRead));
  // A worker's exception has no route but still one path (its job or code frame).
  const path = codePathOf(issue, event, values(transactionRead));
  const clientAbort = isClientAbort(issue, event, statusCodes);
  recordSeries(ctx, issue, issueRef, route, {
    clientAbort,
    newException: !clientAbort && path !== undefined,
  });
  const version = event?.release ?? [...releases].sort((a, b) => b.count - a.count)[0]?.value;
  if (version) await recordRelease(ctx, version);

  if (clientAbort) {
    await recordClients(ctx, issue.id, issueRef);
    if (statusCodes.length === 0) {
      ev.gap({
        what: `statuses of the aborted requests of ${issue.shortId} unknown`,
        confidenceImpact: GAP_IMPACT.abortStatuses,
      });
    } else {
      ev.signal({
        kind: "client_aborts",
        source: issueRef,
        count: issue.count,
        statusCodes,
        ...(route ? { path: route } : {}),
      });
    }
    ev.finding({
      fact: `${issue.shortId} records requests the client aborted (statuses ${statusCodes.join("/") || "unknown"}${route ? ` on ${route}` : ""}), not a server exception`,
      source: issueRef,
    });
    return { ok: true, issue, kind: "client_abort" };
  }
  // Only failing requests: a client abort is not a server failure (no origin to weigh).
  recordOrigins(ctx, issue, issueRef, [
    ...(event ? [event] : []),
    ...(recentRead.ok ? recentRead.value : []),
  ]);
  const recurring = !isNewIssue(issue.firstSeen, ctx.now);
  if (recurring) {
    ev.finding({
      fact: `${issue.shortId} is not new: first seen ${issue.firstSeen}, before the ${NEW_EXCEPTION_MAX_AGE_HOURS}h window ending ${ctx.now.toISOString()}`,
      source: issueRef,
    });
  }
  const kind = recurring ? "recurring" : "new_exception";
  if (!path) {
    ev.gap({
      what: `request path, job or code frame of ${issue.shortId} unknown: the exception is not typed`,
      confidenceImpact: GAP_IMPACT.path,
    });
    return { ok: true, issue, kind };
  }
  if (Number.isNaN(Date.parse(issue.firstSeen))) {
    ev.gap({
      what: `first-seen time of ${issue.shortId} unknown: the exception's age is not typed`,
      confidenceImpact: GAP_IMPACT.path,
    });
    return { ok: true, issue, kind };
  }
  const handled = handledOf(issue, event);
  const callers = handled === true ? readCallers([event, recentRead]) : {};
  const runtime = await readRuntime(ctx, issue.id);
  ev.signal({
    kind: "new_exception",
    source: issueRef,
    issueId: issue.id,
    path,
    firstSeen: isoTimestamp(issue.firstSeen),
    culprit: culpritOf(issue, event),
    events: issue.count,
    ...(handled !== undefined ? { handled } : {}),
    ...(statusCodes.length > 0 ? { statusCodes } : {}),
    ...callers,
    ...runtime,
    ...(noteMissingConfig(ctx.ev, issue, issueRef, event) ? { missingConfig: true as const } : {}),
  });
  return { ok: true, issue, kind };
}
