import { matchRoute, type RoutePattern } from "../http.ts";
import type {
  SimContext,
  SimHandled,
  SimRequest,
  SimService,
  SimServiceInstance,
} from "../types.ts";
import {
  type SentryData,
  type SentryEventData,
  type SentryIssueData,
  sentryDataSchema,
  sentryEventSchema,
} from "./sentry-data.ts";
import {
  type EventTimeline,
  eventTimeline,
  issueListStats,
  issueTags,
  renderEvent,
  renderEventSummary,
  renderIssue,
  renderRelease,
} from "./sentry-render.ts";

/**
 * Simulated Sentry REST API (the subset prode reads). Mounted at "/sentry", so the
 * adapter's `SENTRY_API_URL` is `<world>/sentry` and paths are Sentry's own
 * (`/api/0/organizations/{org}/issues/{id}/`). Also answers the org-less
 * `/api/0/issues/{id}/…` forms. Test hooks live under `/_sim/` and on the instance.
 */

const MOUNT = "/sentry";
/** Sentry's own wording for these statuses. */
const NOT_FOUND = { detail: "The requested resource does not exist" };
const NO_CREDENTIALS = { detail: "Authentication credentials were not provided." };
const BAD_TOKEN = { detail: "Invalid token" };
const MAX_PAGE = 100;

interface SentrySimInstance extends SimServiceInstance {
  /** Same as `data`: the live state, exposed to tests through `world.state.sentry`. */
  readonly state: SentryData;
  /** Records a new occurrence (recurrence after a fix, a fresh burst). */
  addEvent(issueId: string, event: unknown): void;
  /** The live state, for assertions. */
  readonly data: SentryData;
}

interface Route extends RoutePattern {
  run(match: string[], req: SimRequest): Omit<SimHandled, "method">;
}

const json = (status: number, body: unknown, headers?: Record<string, string>) => ({
  status,
  body,
  ...(headers ? { headers } : {}),
});

/** Sentry cursors are `value:offset:is_prev`; the offset paginator uses value 0. */
function parseCursorOffset(cursor: string | null): number {
  if (!cursor) return 0;
  const offset = Number(cursor.split(":")[1]);
  return Number.isInteger(offset) && offset >= 0 ? offset : 0;
}

/**
 * Builds Sentry's `Link` header: `<uri&cursor=…>; rel="previous"; results="false";
 * cursor="…"` for both directions, as sentry/api/base.py `build_cursor_link` does.
 */
function cursorLink(
  publicPath: string,
  query: URLSearchParams,
  offset: number,
  size: number,
  total: number,
): string {
  const rest = new URLSearchParams(query);
  rest.delete("cursor");
  const base = `${publicPath}?${rest.toString()}`;
  const link = (rel: string, cursor: string, results: boolean) =>
    `<${base}&cursor=${cursor}>; rel="${rel}"; results="${results}"; cursor="${cursor}"`;
  const prev = link("previous", `0:${Math.max(0, offset - size)}:1`, offset > 0);
  const next = link("next", `0:${offset + size}:0`, offset + size < total);
  return `${prev}, ${next}`;
}

function paginate<T>(
  items: T[],
  req: SimRequest,
  publicPath: string,
  defaultSize: number,
): { page: T[]; link: string } {
  const requested = Number(req.query.get("per_page"));
  const size =
    Number.isInteger(requested) && requested > 0 ? Math.min(requested, MAX_PAGE) : defaultSize;
  const offset = parseCursorOffset(req.query.get("cursor"));
  return {
    page: items.slice(offset, offset + size),
    link: cursorLink(publicPath, req.query, offset, size, items.length),
  };
}

const lastSeenOf = (i: SentryIssueData) =>
  i.lastSeen ??
  i.events
    .map((e) => e.dateCreated)
    .sort()
    .at(-1) ??
  "";
const firstSeenOf = (i: SentryIssueData) =>
  i.firstSeen ?? i.events.map((e) => e.dateCreated).sort()[0] ?? "";

/** The subset of Sentry's issue search the world answers: `is:<status>` and title words. */
function searchIssues(issues: SentryIssueData[], query: string, sort: string): SentryIssueData[] {
  const tokens = query.split(/\s+/).filter(Boolean);
  const statuses = tokens.filter((t) => t.startsWith("is:")).map((t) => t.slice(3));
  const words = tokens.filter((t) => !t.includes(":")).map((t) => t.toLowerCase());
  const count = (i: SentryIssueData) => i.count ?? i.events.length;
  const order: Record<string, (a: SentryIssueData, b: SentryIssueData) => number> = {
    date: (a, b) => lastSeenOf(b).localeCompare(lastSeenOf(a)),
    new: (a, b) => firstSeenOf(b).localeCompare(firstSeenOf(a)),
    freq: (a, b) => count(b) - count(a),
    user: (a, b) => b.userCount - a.userCount,
  };
  return issues
    .filter((i) => statuses.every((s) => i.status === s))
    .filter((i) => words.every((w) => i.title.toLowerCase().includes(w)))
    .sort(order[sort] ?? order.date);
}

export function createSentryInstance(state: SentryData, ctx: SimContext): SentrySimInstance {
  let window = { start: 0, used: 0 };

  const findIssue = (org: string | null, id: string): SentryIssueData | undefined => {
    if (org !== null && org !== state.org) return undefined;
    return state.issues.find((i) => i.id === id || i.shortId === id);
  };
  const permalink = (issue: SentryIssueData) =>
    `${ctx.baseUrl}${MOUNT}/organizations/${state.org}/issues/${issue.id}/`;
  const publicPath = (req: SimRequest) => `${ctx.baseUrl}${MOUNT}${req.path}`;

  const pickEvent = (
    issue: SentryIssueData,
    { ordered }: EventTimeline,
    which: string,
  ): SentryEventData | undefined => {
    if (which === "latest") return ordered[0];
    if (which === "oldest") return ordered.at(-1);
    if (which === "recommended") {
      return (
        (issue.recommendedEventId &&
          issue.events.find((e) => e.eventID === issue.recommendedEventId)) ||
        ordered[0]
      );
    }
    return issue.events.find((e) => e.eventID === which);
  };

  const withIssue = (
    org: string | null,
    id: string,
    then: (issue: SentryIssueData) => Omit<SimHandled, "method">,
  ) => {
    const issue = findIssue(org, id);
    return issue ? then(issue) : json(404, NOT_FOUND);
  };

  // Both `/organizations/{org}/issues/…` and the org-less `/issues/…` forms.
  const issuePrefix = "^/api/0/(?:organizations/([^/]+)/)?issues/([^/]+)";
  const routes: Route[] = [
    {
      // Organization details (https://docs.sentry.io/api/organizations/retrieve-an-organization/):
      // what a connector probe reads to prove the token can see the organization.
      method: "GET",
      pattern: /^\/api\/0\/organizations\/([^/]+)\/?$/,
      name: "GET /api/0/organizations/{org}/",
      run: ([org]) =>
        org === state.org
          ? json(200, {
              id: String(1_000_000 + state.org.length),
              slug: state.org,
              name: state.org,
              status: { id: "active", name: "active" },
              dateCreated: "2021-03-01T09:00:00.000000Z",
              isEarlyAdopter: false,
              require2FA: true,
              features: [],
            })
          : json(404, NOT_FOUND),
    },
    {
      method: "GET",
      pattern: new RegExp(`${issuePrefix}/?$`),
      name: "GET /api/0/organizations/{org}/issues/{issue_id}/",
      run: ([org, id]) =>
        withIssue(org ?? null, id!, (issue) =>
          json(200, renderIssue(issue, state, permalink(issue), ctx.now())),
        ),
    },
    {
      method: "GET",
      pattern: new RegExp(`${issuePrefix}/events/?$`),
      name: "GET /api/0/organizations/{org}/issues/{issue_id}/events/",
      run: ([org, id], req) =>
        withIssue(org ?? null, id!, (issue) => {
          const full = req.query.get("full") === "true" || req.query.get("full") === "1";
          const timeline = eventTimeline(issue);
          const { page, link } = paginate(
            timeline.ordered,
            req,
            publicPath(req),
            state.eventsPageSize,
          );
          const rendered = page.map((e) =>
            full ? renderEvent(issue, e, state, timeline) : renderEventSummary(issue, e, state),
          );
          return json(200, rendered, { Link: link });
        }),
    },
    {
      method: "GET",
      pattern: new RegExp(`${issuePrefix}/events/([^/]+)/?$`),
      name: "GET /api/0/organizations/{org}/issues/{issue_id}/events/{event_id}/",
      run: ([org, id, which]) =>
        withIssue(org ?? null, id!, (issue) => {
          const timeline = eventTimeline(issue);
          const event = pickEvent(issue, timeline, which!);
          return event
            ? json(200, renderEvent(issue, event, state, timeline))
            : json(404, NOT_FOUND);
        }),
    },
    {
      method: "GET",
      pattern: new RegExp(`${issuePrefix}/tags/?$`),
      name: "GET /api/0/organizations/{org}/issues/{issue_id}/tags/",
      run: ([org, id]) => withIssue(org ?? null, id!, (issue) => json(200, issueTags(issue))),
    },
    {
      method: "GET",
      pattern: new RegExp(`${issuePrefix}/tags/([^/]+)/?$`),
      name: "GET /api/0/organizations/{org}/issues/{issue_id}/tags/{key}/",
      run: ([org, id, key]) =>
        withIssue(org ?? null, id!, (issue) => {
          const tag = issueTags(issue).find((t) => t.key === decodeURIComponent(key!));
          return tag ? json(200, tag) : json(404, NOT_FOUND);
        }),
    },
    {
      // https://docs.sentry.io/api/organizations/list-an-organizations-projects/
      method: "GET",
      pattern: /^\/api\/0\/organizations\/([^/]+)\/projects\/?$/,
      name: "GET /api/0/organizations/{org}/projects/",
      run: ([org]) =>
        org !== state.org
          ? json(404, NOT_FOUND)
          : json(
              200,
              state.projects.map((p) => ({
                id: p.id,
                slug: p.slug,
                name: p.name,
                platform: p.platform,
                status: "active",
              })),
            ),
    },
    {
      // https://docs.sentry.io/api/events/list-a-projects-issues/: `statsPeriod` "24h"
      // (default), "14d" or ""; `query` defaults to `is:unresolved` (its `is:` tokens are
      // honoured, other words match the title); `sort` date (last seen, default), new,
      // freq or user.
      method: "GET",
      pattern: /^\/api\/0\/projects\/([^/]+)\/([^/]+)\/issues\/?$/,
      name: "GET /api/0/projects/{org}/{project}/issues/",
      run: ([org, project], req) => {
        if (org !== state.org || !state.projects.some((p) => p.slug === project)) {
          return json(404, NOT_FOUND);
        }
        const period = req.query.get("statsPeriod") ?? "24h";
        if (!["24h", "14d", ""].includes(period)) {
          return json(400, {
            detail: "Invalid stats_period. Valid choices are '', '24h', and '14d'",
          });
        }
        const issues = searchIssues(
          state.issues.filter((i) => i.project === project),
          req.query.get("query") ?? "is:unresolved",
          req.query.get("sort") ?? "date",
        ).map((issue) => ({
          ...renderIssue(issue, state, permalink(issue), ctx.now()),
          stats: issueListStats(issue, ctx.now(), period),
        }));
        const { page, link } = paginate(issues, req, publicPath(req), MAX_PAGE);
        return json(200, page, { Link: link });
      },
    },
    {
      method: "GET",
      pattern: /^\/api\/0\/organizations\/([^/]+)\/releases\/?$/,
      name: "GET /api/0/organizations/{org}/releases/",
      run: ([org], req) => {
        if (org !== state.org) return json(404, NOT_FOUND);
        const text = req.query.get("query");
        const projectIds = req.query.getAll("project");
        const slugs = state.projects.filter((p) => projectIds.includes(p.id)).map((p) => p.slug);
        const releases = state.releases
          .filter((r) => !text || r.version.includes(text))
          .filter((r) => projectIds.length === 0 || r.projects.some((p) => slugs.includes(p)))
          .sort((a, b) => Date.parse(b.dateCreated) - Date.parse(a.dateCreated))
          .map((r) => renderRelease(r, state));
        const { page, link } = paginate(releases, req, publicPath(req), MAX_PAGE);
        return json(200, page, { Link: link });
      },
    },
    {
      method: "GET",
      pattern: /^\/api\/0\/organizations\/([^/]+)\/releases\/([^/]+)\/?$/,
      name: "GET /api/0/organizations/{org}/releases/{version}/",
      run: ([org, version]) => {
        const release =
          org === state.org
            ? state.releases.find((r) => r.version === decodeURIComponent(version!))
            : undefined;
        return release ? json(200, renderRelease(release, state)) : json(404, NOT_FOUND);
      },
    },
  ];

  const addEvent = (issueId: string, raw: unknown) => {
    const issue = findIssue(null, issueId);
    if (!issue) throw new Error(`sim sentry: unknown issue ${issueId}`);
    const event = sentryEventSchema.parse(raw);
    issue.events.push(event);
    if (issue.count !== undefined) issue.count += 1;
    if (!issue.lastSeen || event.dateCreated > issue.lastSeen) issue.lastSeen = event.dateCreated;
    if (issue.stats?.["24h"]) {
      // An explicit series would otherwise hide the new occurrence.
      const series = issue.stats["24h"];
      const t = Math.floor(Date.parse(event.dateCreated) / 1000);
      const bucket = series.findLast(([start]) => start <= t);
      if (bucket) bucket[1] += 1;
    }
  };

  const rateLimitHeaders = (): { headers: Record<string, string>; exceeded: boolean } => {
    const { limit, windowSeconds, enforce } = state.rateLimit;
    const nowS = Math.floor(ctx.now().getTime() / 1000);
    const start = nowS - (nowS % windowSeconds);
    if (start !== window.start) window = { start, used: 0 };
    window.used += 1;
    return {
      exceeded: enforce && window.used > limit,
      headers: {
        "X-Sentry-Rate-Limit-Limit": String(limit),
        "X-Sentry-Rate-Limit-Remaining": String(Math.max(0, limit - window.used)),
        "X-Sentry-Rate-Limit-Reset": String(start + windowSeconds),
        "X-Sentry-Rate-Limit-ConcurrentLimit": "25",
        "X-Sentry-Rate-Limit-ConcurrentRemaining": "24",
      },
    };
  };

  const handleHook = (req: SimRequest): SimHandled => {
    const match = /^\/_sim\/issues\/([^/]+)\/events\/?$/.exec(req.path);
    if (req.method !== "POST" || !match) return { ...json(404, NOT_FOUND), method: "sim.unknown" };
    try {
      addEvent(match[1]!, req.body ?? JSON.parse(req.rawBody));
      return { ...json(201, { ok: true }), method: "sim.addEvent" };
    } catch (error) {
      return { ...json(400, { detail: String(error) }), method: "sim.addEvent" };
    }
  };

  const identify = (req: SimRequest): string =>
    req.path.startsWith("/_sim/")
      ? "sim.hook"
      : (matchRoute(routes, req.method, req.path)?.route.name ?? `${req.method} ${req.path}`);

  return {
    data: state,
    state,
    addEvent,
    identify: (req) => identify(req),
    handle(req: SimRequest): SimHandled {
      if (req.path.startsWith("/_sim/")) return handleHook(req);
      const matched = matchRoute(routes, req.method, req.path);
      const method = matched?.route.name ?? `${req.method} ${req.path}`;
      const auth = req.headers.authorization;
      const token = typeof auth === "string" ? /^Bearer\s+(\S+)$/i.exec(auth)?.[1] : undefined;
      if (!token) return { ...json(401, NO_CREDENTIALS), method };
      if (state.tokens.length > 0 && !state.tokens.includes(token)) {
        return { ...json(401, BAD_TOKEN), method };
      }
      const limit = rateLimitHeaders();
      if (limit.exceeded) {
        return {
          ...json(429, {
            detail: `You are attempting to use this endpoint too frequently. Limit is ${state.rateLimit.limit} requests in ${state.rateLimit.windowSeconds} seconds`,
          }),
          headers: { ...limit.headers, "Retry-After": "1" },
          method,
        };
      }
      const response = matched ? matched.route.run(matched.params, req) : json(404, NOT_FOUND);
      return { ...response, headers: { ...limit.headers, ...response.headers }, method };
    },
  };
}

export const sentryService: SimService<SentryData> = {
  name: "sentry",
  mount: MOUNT,
  dataSchema: sentryDataSchema,
  create: createSentryInstance,
};
