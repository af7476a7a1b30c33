import type {
  SentryData,
  SentryEventData,
  SentryIssueData,
  SentryReleaseData,
} from "./sentry-data.ts";

/**
 * Renders scenario facts in the shapes Sentry's REST API returns (field names and types
 * as in the API reference: `count` is a string, `userCount` a number, stats buckets are
 * `[unix seconds, count]`). Pure: the clock is an argument.
 */

type Project = SentryData["projects"][number];

const HOUR_S = 3600;
const DAY_S = 86_400;

function seconds(iso: string): number {
  return Math.floor(Date.parse(iso) / 1000);
}

/** Events newest first, as Sentry lists them. */
function eventsNewestFirst(issue: SentryIssueData): SentryEventData[] {
  return [...issue.events].sort((a, b) => Date.parse(b.dateCreated) - Date.parse(a.dateCreated));
}

/**
 * An issue's events newest first, with where each event id first appears in that order:
 * what {@link renderEvent} needs for an event's neighbours, built once per listing.
 */
export interface EventTimeline {
  ordered: SentryEventData[];
  indexOf: ReadonlyMap<string, number>;
}

export function eventTimeline(issue: SentryIssueData): EventTimeline {
  const ordered = eventsNewestFirst(issue);
  const indexOf = new Map<string, number>();
  ordered.forEach((e, i) => {
    if (!indexOf.has(e.eventID)) indexOf.set(e.eventID, i);
  });
  return { ordered, indexOf };
}

/** `buckets` buckets of `size` seconds ending at the bucket holding `now`. */
function bucketSeries(
  events: SentryEventData[],
  now: Date,
  size: number,
  buckets: number,
): [number, number][] {
  const end = Math.floor(now.getTime() / 1000 / size) * size;
  const series: [number, number][] = [];
  for (let i = buckets - 1; i >= 0; i--) series.push([end - i * size, 0]);
  const start = series[0]![0];
  for (const event of events) {
    const t = seconds(event.dateCreated);
    const index = Math.floor((t - start) / size);
    if (index >= 0 && index < buckets) series[index]![1] += 1;
  }
  return series;
}

function issueStats(issue: SentryIssueData, now: Date): Record<string, [number, number][]> {
  if (issue.stats) return issue.stats;
  return {
    "24h": bucketSeries(issue.events, now, HOUR_S, 24),
    "30d": bucketSeries(issue.events, now, DAY_S, 30),
  };
}

/**
 * The `stats` of the issue list form for its `statsPeriod` ("24h" hourly, "14d" daily,
 * "" none), as "List a Project's Issues" returns them. An explicit series of that key
 * wins; otherwise buckets are counted from the listed events.
 */
export function issueListStats(
  issue: SentryIssueData,
  now: Date,
  period: string,
): Record<string, [number, number][]> {
  if (period === "") return {};
  const explicit = issue.stats?.[period];
  if (explicit) return { [period]: explicit };
  const series =
    period === "14d"
      ? bucketSeries(issue.events, now, DAY_S, 14)
      : bucketSeries(issue.events, now, HOUR_S, 24);
  return { [period]: series };
}

interface TagSummary {
  key: string;
  name: string;
  totalValues: number;
  uniqueValues: number;
  topValues: {
    key: string;
    name: string;
    value: string;
    count: number;
    firstSeen: string | null;
    lastSeen: string | null;
  }[];
}

function tagName(key: string): string {
  return key
    .split(/[._]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join(" ");
}

/** Tag breakdowns: the scenario's, or counted from the events' tags. */
export function issueTags(issue: SentryIssueData): TagSummary[] {
  if (issue.tags) {
    return issue.tags.map((tag) => ({
      key: tag.key,
      name: tag.name ?? tagName(tag.key),
      totalValues: tag.totalValues ?? tag.topValues.reduce((sum, v) => sum + v.count, 0),
      uniqueValues: tag.topValues.length,
      topValues: tag.topValues.map((v) => ({
        key: tag.key,
        name: v.value,
        value: v.value,
        count: v.count,
        firstSeen: v.firstSeen ?? null,
        lastSeen: v.lastSeen ?? null,
      })),
    }));
  }
  const byKey = new Map<string, Map<string, { count: number; first: string; last: string }>>();
  for (const event of issue.events) {
    for (const { key, value } of eventTags(event)) {
      const values = byKey.get(key) ?? new Map();
      byKey.set(key, values);
      const seen = values.get(value);
      if (!seen) values.set(value, { count: 1, first: event.dateCreated, last: event.dateCreated });
      else {
        seen.count += 1;
        if (event.dateCreated < seen.first) seen.first = event.dateCreated;
        if (event.dateCreated > seen.last) seen.last = event.dateCreated;
      }
    }
  }
  return [...byKey.entries()].map(([key, values]) => {
    const top = [...values.entries()].sort((a, b) => b[1].count - a[1].count);
    return {
      key,
      name: tagName(key),
      totalValues: top.reduce((sum, [, v]) => sum + v.count, 0),
      uniqueValues: top.length,
      topValues: top.map(([value, v]) => ({
        key,
        name: value,
        value,
        count: v.count,
        firstSeen: v.first,
        lastSeen: v.last,
      })),
    };
  });
}

/** The event's tags, with the `environment`, `level` and `release` tags Sentry always adds. */
function eventTags(event: SentryEventData): { key: string; value: string }[] {
  const tags = [...event.tags];
  const has = (key: string) => tags.some((t) => t.key === key);
  if (!has("environment")) tags.push({ key: "environment", value: event.environment });
  if (!has("level")) tags.push({ key: "level", value: "error" });
  if (event.release && !has("release")) tags.push({ key: "release", value: event.release });
  return tags.sort((a, b) => a.key.localeCompare(b.key));
}

function projectRef(project: Project | undefined, slug: string) {
  return {
    id: project?.id ?? "0",
    name: project?.name ?? slug,
    slug,
    platform: project?.platform ?? null,
  };
}

export function renderRelease(
  release: SentryReleaseData,
  data: SentryData,
): Record<string, unknown> {
  const events = data.issues
    .flatMap((issue) => issue.events)
    .filter((e) => e.release === release.version)
    .map((e) => e.dateCreated)
    .sort();
  return {
    version: release.version,
    shortVersion: release.shortVersion ?? release.version.slice(0, 12),
    versionInfo: {
      package: null,
      version: { raw: release.version },
      description: release.version,
      buildHash: /^[0-9a-f]{40}$/.test(release.version) ? release.version : null,
    },
    ref: release.ref,
    url: release.url,
    dateCreated: release.dateCreated,
    dateReleased: release.dateReleased,
    data: {},
    newGroups: release.newGroups,
    owner: null,
    commitCount: release.commitCount,
    lastCommit: release.lastCommit,
    deployCount: release.deployCount ?? (release.lastDeploy ? 1 : 0),
    lastDeploy: release.lastDeploy,
    authors: release.lastCommit?.author ? [release.lastCommit.author] : [],
    projects: release.projects.map((slug) =>
      projectRef(
        data.projects.find((p) => p.slug === slug),
        slug,
      ),
    ),
    firstEvent: events[0] ?? null,
    lastEvent: events.at(-1) ?? null,
    status: "open",
  };
}

function releaseOrNull(version: string | null, data: SentryData): Record<string, unknown> | null {
  if (!version) return null;
  const release = data.releases.find((r) => r.version === version);
  return release ? renderRelease(release, data) : null;
}

export function renderIssue(
  issue: SentryIssueData,
  data: SentryData,
  permalink: string,
  now: Date,
): Record<string, unknown> {
  const events = eventsNewestFirst(issue);
  const project = data.projects.find((p) => p.slug === issue.project);
  const tags = issueTags(issue);
  return {
    id: issue.id,
    shareId: null,
    shortId: issue.shortId,
    title: issue.title,
    culprit: issue.culprit,
    permalink,
    logger: null,
    level: issue.level,
    status: issue.status,
    statusDetails: {},
    substatus: issue.substatus,
    isPublic: false,
    platform: project?.platform ?? events[0]?.platform ?? null,
    project: projectRef(project, issue.project),
    type: issue.type,
    metadata: issue.metadata,
    numComments: 0,
    assignedTo: null,
    isBookmarked: false,
    isSubscribed: false,
    subscriptionDetails: null,
    hasSeen: false,
    annotations: [],
    issueType: "error",
    issueCategory: "error",
    isUnhandled: issue.isUnhandled,
    // Sentry serialises the event count as a string (it can exceed 2^53 in theory).
    count: String(issue.count ?? issue.events.length),
    userCount: issue.userCount,
    firstSeen: issue.firstSeen ?? events.at(-1)?.dateCreated ?? null,
    lastSeen: issue.lastSeen ?? events[0]?.dateCreated ?? null,
    stats: issueStats(issue, now),
    firstRelease: releaseOrNull(issue.firstRelease, data),
    lastRelease: releaseOrNull(issue.lastRelease, data),
    activity: [],
    seenBy: [],
    participants: [],
    pluginActions: [],
    pluginIssues: [],
    pluginContexts: [],
    userReportCount: 0,
    tags: tags.map(({ key, name, totalValues }) => ({ key, name, totalValues })),
  };
}

function eventTitle(issue: SentryIssueData, event: SentryEventData): string {
  const exception = event.entries.find((e) => e.type === "exception");
  if (exception?.type === "exception") {
    const last = exception.data.values.at(-1)!;
    return `${last.type}: ${last.value}`;
  }
  return event.message || issue.title;
}

/** The list form (`…/events/`): no entries, like Sentry's default (non-`full`) listing. */
export function renderEventSummary(
  issue: SentryIssueData,
  event: SentryEventData,
  data: SentryData,
): Record<string, unknown> {
  const project = data.projects.find((p) => p.slug === issue.project);
  return {
    id: event.eventID,
    eventID: event.eventID,
    groupID: issue.id,
    projectID: project?.id ?? "0",
    title: eventTitle(issue, event),
    message: event.message,
    platform: event.platform,
    dateCreated: event.dateCreated,
    culprit: issue.culprit,
    location: issue.metadata.filename ?? null,
    "event.type": "error",
    tags: eventTags(event),
    user: event.user,
  };
}

/** The full event; a listing of many passes its {@link eventTimeline} instead of re-sorting. */
export function renderEvent(
  issue: SentryIssueData,
  event: SentryEventData,
  data: SentryData,
  timeline: EventTimeline = eventTimeline(issue),
): Record<string, unknown> {
  const { ordered } = timeline;
  const index = timeline.indexOf.get(event.eventID) ?? -1;
  return {
    ...renderEventSummary(issue, event, data),
    type: "error",
    dateReceived: event.dateCreated,
    metadata: issue.metadata,
    entries: event.entries,
    contexts: event.contexts,
    context: {},
    sdk: event.sdk,
    release: releaseOrNull(event.release, data),
    dist: null,
    errors: [],
    fingerprints: ["{{ default }}"],
    packages: {},
    size: JSON.stringify(event).length,
    // Neighbours in time: "previous" is older, "next" is newer.
    previousEventID: ordered[index + 1]?.eventID ?? null,
    nextEventID: index > 0 ? ordered[index - 1]!.eventID : null,
    userReport: null,
    _meta: { entries: {}, tags: {}, user: null, contexts: null, sdk: null, message: null },
  };
}
