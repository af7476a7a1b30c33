import { z } from "zod";
import type {
  OutboundCall,
  SentryEventSummary,
  SentryIssueSummary,
  SentryReleaseSummary,
} from "../../../specialists/tools.ts";
import { AppError, ErrorCode } from "../../domain/errors.ts";

/**
 * Sentry payloads mapped down to the summaries specialists read. The schemas name only
 * the fields we keep (zod strips the rest), so request headers (but User-Agent), cookies, bodies, query
 * strings, breadcrumbs (but the hosts of HTTP ones), frame variables, source context and user data
 * never leave the adapter (invariant 6). Shapes: https://docs.sentry.io/api/events/retrieve-an-issue/,
 * …/retrieve-an-issue-event/, …/list-an-organizations-releases/.
 */

const text = z.string().nullish();

const issueSchema = z.object({
  id: z.string(),
  shortId: text,
  title: text,
  culprit: text,
  level: text,
  status: text,
  // Sentry serialises the event count as a string.
  count: z.union([z.string(), z.number()]).nullish(),
  userCount: z.number().nullish(),
  firstSeen: text,
  lastSeen: text,
  project: z.object({ slug: z.string() }).nullish(),
  stats: z.record(z.string(), z.array(z.tuple([z.number(), z.number()]))).nullish(),
  permalink: text,
  /** True when an event of the issue was not caught by the code (Sentry's mechanism.handled false). */
  isUnhandled: z.boolean().nullish(),
});

const tagSchema = z.object({ key: z.string(), value: z.string().nullable() });

const eventSchema = z.object({
  eventID: z.string().optional(),
  id: z.string().optional(),
  dateCreated: z.string(),
  // Event details carry the release object; some forms carry the version string.
  release: z.union([z.string(), z.object({ version: z.string() })]).nullish(),
  tags: z.array(tagSchema).nullish(),
  entries: z.array(z.object({ type: z.string(), data: z.unknown() })).nullish(),
});

const frameSchema = z.object({
  filename: text,
  absPath: text,
  module: text,
  function: text,
  lineNo: z.number().nullish(),
  inApp: z.boolean().nullish(),
});

const exceptionEntrySchema = z.object({
  values: z
    .array(
      z.object({
        type: text,
        value: text,
        mechanism: z.object({ handled: z.boolean().nullish() }).nullish(),
        stacktrace: z.object({ frames: z.array(frameSchema).nullish() }).nullish(),
      }),
    )
    .nullish(),
});

const requestEntrySchema = z.object({
  url: text,
  method: text,
  // `[name, value]` pairs; only User-Agent is read (it tells who sent the request).
  headers: z.array(z.tuple([z.string(), z.string().nullable()])).nullish(),
});

/**
 * A breadcrumb as Sentry sends it; only an HTTP one's URL (for its host) and response
 * status are read.
 */
const breadcrumbsEntrySchema = z.object({
  values: z
    .array(
      z.object({
        type: text,
        category: text,
        data: z.object({ url: z.unknown(), status_code: z.unknown() }).partial().nullish(),
      }),
    )
    .nullish(),
});

/** Breadcrumb categories the SDKs record outgoing HTTP calls under. */
const HTTP_BREADCRUMB = /^(http|fetch|xhr)$/i;

const tagValuesSchema = z.object({
  key: z.string(),
  topValues: z.array(z.object({ value: z.string().nullable(), count: z.number() })).default([]),
  /** Events carrying the tag at all; the top values are only the most common of them. */
  totalValues: z.number().nullish(),
});

const releaseSchema = z.object({
  version: z.string(),
  dateCreated: z.string(),
  dateReleased: text,
  commitCount: z.number().nullish(),
  lastDeploy: z.object({ dateFinished: text, dateStarted: text, environment: text }).nullish(),
});

const organizationSchema = z.object({ slug: z.string() });

/**
 * Tags that identify a person or a client address (Sentry adds `user` as `id:…`,
 * `email:…` or `ip:…`): dropped, as the user context is.
 */
const PERSONAL_TAG = /^(user|sentry:user|ip|client_ip|user\..+|email)$/i;

export function isPersonalTag(key: string): boolean {
  return PERSONAL_TAG.test(key);
}

function parse<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const result = schema.safeParse(body);
  if (!result.success) {
    throw new AppError(ErrorCode.Internal, `unexpected Sentry payload for ${what}`, {
      cause: result.error,
    });
  }
  return result.data;
}

/** A URL (or URL-ish string) reduced to its path: no host, query or fragment. */
export function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url.split(/[?#]/)[0] ?? url;
  }
}

export function mapIssue(body: unknown): SentryIssueSummary {
  const issue = parse(issueSchema, body, "issue");
  const stats24h = issue.stats?.["24h"];
  const stats30d = issue.stats?.["30d"];
  return {
    id: issue.id,
    shortId: issue.shortId ?? issue.id,
    title: issue.title ?? "",
    culprit: issue.culprit ?? "",
    level: issue.level ?? "error",
    status: issue.status ?? "unresolved",
    count: Number(issue.count ?? 0) || 0,
    userCount: issue.userCount ?? 0,
    firstSeen: issue.firstSeen ?? "",
    lastSeen: issue.lastSeen ?? "",
    project: issue.project?.slug ?? "",
    ...(stats24h ? { stats24h } : {}),
    ...(stats30d ? { stats30d } : {}),
    ...(issue.permalink ? { permalink: issue.permalink } : {}),
    ...(typeof issue.isUnhandled === "boolean" ? { unhandled: issue.isUnhandled } : {}),
  };
}

/** The issue list form (`…/projects/{org}/{project}/issues/`): the same fields per issue. */
export function mapIssues(body: unknown): SentryIssueSummary[] {
  return parse(z.array(z.unknown()), body, "issues").map(mapIssue);
}

function mapTags(tags: z.infer<typeof tagSchema>[]): { key: string; value: string }[] {
  return tags
    .filter((t) => t.value !== null && !isPersonalTag(t.key))
    .map((t) => ({ key: t.key, value: t.key === "url" ? pathOf(t.value!) : t.value! }));
}

function mapException(entries: { type: string; data: unknown }[]) {
  const entry = entries.find((e) => e.type === "exception");
  if (!entry) return undefined;
  const parsed = exceptionEntrySchema.safeParse(entry.data);
  // The last value is the one Sentry titles the event with (chained causes come first).
  const value = parsed.success ? parsed.data.values?.at(-1) : undefined;
  if (!value) return undefined;
  return {
    type: value.type ?? "Error",
    value: value.value ?? "",
    ...(typeof value.mechanism?.handled === "boolean" ? { handled: value.mechanism.handled } : {}),
    frames: (value.stacktrace?.frames ?? []).map((f) => ({
      filename: f.filename ?? f.absPath ?? f.module ?? "?",
      ...(f.function ? { function: f.function } : {}),
      ...(typeof f.lineNo === "number" ? { lineno: f.lineNo } : {}),
      inApp: f.inApp === true,
    })),
  };
}

function mapRequest(entries: { type: string; data: unknown }[]) {
  const entry = entries.find((e) => e.type === "request");
  if (!entry) return undefined;
  const parsed = requestEntrySchema.safeParse(entry.data);
  if (!parsed.success) return undefined;
  const { method, url, headers } = parsed.data;
  const userAgent = headers?.find(([name]) => name.toLowerCase() === "user-agent")?.[1];
  return {
    ...(method ? { method } : {}),
    ...(url ? { path: pathOf(url) } : {}),
    ...(userAgent ? { userAgent } : {}),
  };
}

/** A URL's host, lower-cased; undefined when it has none (a relative path). */
function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname.toLowerCase() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The event's HTTP breadcrumbs, oldest first as Sentry sends them, one per call: its host
 * and, when a response came, its status. Order is kept because only the last call before
 * the error (or a failed one) is the call that failed; earlier ones may have succeeded.
 */
function mapOutboundCalls(entries: { type: string; data: unknown }[]): OutboundCall[] {
  const entry = entries.find((e) => e.type === "breadcrumbs");
  if (!entry) return [];
  const parsed = breadcrumbsEntrySchema.safeParse(entry.data);
  if (!parsed.success) return [];
  const calls: OutboundCall[] = [];
  for (const crumb of parsed.data.values ?? []) {
    const http =
      HTTP_BREADCRUMB.test(crumb.type ?? "") || HTTP_BREADCRUMB.test(crumb.category ?? "");
    const url = crumb.data?.url;
    const host = http && typeof url === "string" ? hostOf(url) : undefined;
    if (!host) continue;
    const status = Number(crumb.data?.status_code);
    calls.push({ host, ...(Number.isInteger(status) && status > 0 ? { status } : {}) });
  }
  return calls;
}

export function mapEvent(body: unknown): SentryEventSummary {
  const event = parse(eventSchema, body, "event");
  const tags = mapTags(event.tags ?? []);
  const release =
    typeof event.release === "string"
      ? event.release
      : (event.release?.version ?? tags.find((t) => t.key === "release")?.value);
  const environment = tags.find((t) => t.key === "environment")?.value;
  const entries = event.entries ?? [];
  const exception = mapException(entries);
  const request = mapRequest(entries);
  const outboundCalls = mapOutboundCalls(entries);
  return {
    eventId: event.eventID ?? event.id ?? "",
    dateCreated: event.dateCreated,
    ...(release ? { release } : {}),
    ...(environment ? { environment } : {}),
    tags,
    ...(exception ? { exception } : {}),
    ...(request ? { request } : {}),
    ...(outboundCalls.length > 0 ? { outboundCalls } : {}),
  };
}

export function mapEvents(body: unknown): SentryEventSummary[] {
  return parse(z.array(z.unknown()), body, "events").map(mapEvent);
}

export function mapTagValues(body: unknown): {
  key: string;
  values: { value: string; count: number }[];
  totalValues?: number;
} {
  const tag = parse(tagValuesSchema, body, "tag values");
  return {
    key: tag.key,
    values: tag.topValues
      .filter((v) => v.value !== null)
      .map((v) => ({ value: tag.key === "url" ? pathOf(v.value!) : v.value!, count: v.count })),
    ...(typeof tag.totalValues === "number" ? { totalValues: tag.totalValues } : {}),
  };
}

export function mapReleases(body: unknown): SentryReleaseSummary[] {
  return parse(z.array(releaseSchema), body, "releases").map((r) => {
    const deployedAt = r.lastDeploy?.dateFinished ?? r.lastDeploy?.dateStarted;
    return {
      version: r.version,
      dateCreated: r.dateCreated,
      ...(r.dateReleased ? { dateReleased: r.dateReleased } : {}),
      ...(deployedAt ? { lastDeployAt: deployedAt } : {}),
      ...(r.lastDeploy?.environment ? { environment: r.lastDeploy.environment } : {}),
      ...(typeof r.commitCount === "number" ? { commitCount: r.commitCount } : {}),
    };
  });
}

export function mapOrganization(body: unknown): { slug: string } {
  return parse(organizationSchema, body, "organization");
}
