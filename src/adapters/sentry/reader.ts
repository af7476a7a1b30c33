import type { SentryEventSummary, SentryReader } from "../../../specialists/tools.ts";
import { AppError, asAppError, ErrorCode } from "../../domain/errors.ts";
import { createSentryHttp, nextCursor, type SentryHttpOptions } from "./http.ts";
import {
  isPersonalTag,
  mapEvent,
  mapEvents,
  mapIssue,
  mapIssues,
  mapOrganization,
  mapReleases,
  mapTagValues,
} from "./map.ts";

/**
 * The read-only Sentry capability (specialists/tools.ts SentryReader) over Sentry's REST
 * API. Only GETs exist here; the HTTP client never leaves this module.
 */
export interface SentryReaderOptions extends SentryHttpOptions {
  /** Organization slug, e.g. "acme". */
  org: string;
}

/** Sentry pages lists at most 100 items (sentry/api/paginator.py MAX_LIMIT). */
const MAX_PAGE = 100;
/** How long one read of the organization's projects is reused: about one run's evidence phase. */
export const PROJECTS_TTL_MS = 60_000;

const segment = (value: string) => encodeURIComponent(value);

export function createSentryReader(options: SentryReaderOptions): SentryReader {
  const http = createSentryHttp(options);
  const org = `/api/0/organizations/${segment(options.org)}`;
  const issuePath = (id: string) => `${org}/issues/${segment(id)}`;
  let projects: { at: number; read: Promise<string[]> } | undefined;

  return {
    async getIssue(issueId) {
      const { body } = await http.get(`${issuePath(issueId)}/`);
      return mapIssue(body);
    },

    async getEvent(issueId, which) {
      const { body } = await http.get(`${issuePath(issueId)}/events/${which}/`);
      return mapEvent(body);
    },

    async listEvents(issueId, limit) {
      const wanted = Math.max(1, Math.floor(limit));
      const events: SentryEventSummary[] = [];
      let cursor: string | undefined;
      do {
        const { body, headers } = await http.get(`${issuePath(issueId)}/events/`, {
          per_page: Math.min(MAX_PAGE, wanted - events.length),
          cursor,
        });
        events.push(...mapEvents(body));
        cursor = nextCursor(headers.get("link"));
      } while (cursor !== undefined && events.length < wanted);
      return events.slice(0, wanted);
    },

    async getTagValues(issueId, key) {
      if (isPersonalTag(key)) {
        throw new AppError(ErrorCode.BadInput, `tag '${key}' identifies people: not read`);
      }
      const { body } = await http.get(`${issuePath(issueId)}/tags/${segment(key)}/`);
      return mapTagValues(body);
    },

    async listReleases(limit) {
      const { body } = await http.get(`${org}/releases/`, {
        per_page: Math.min(MAX_PAGE, Math.max(1, Math.floor(limit))),
      });
      return mapReleases(body).slice(0, limit);
    },

    // https://docs.sentry.io/api/organizations/list-an-organizations-projects/: the slugs
    // (one page of up to 100), for service discovery. Read by FETCH_LINEAR and again by
    // the sentry specialist's sweep within seconds: one read serves a run (a failed read is
    // not kept, so the next caller tries again).
    listProjects() {
      const now = Date.now();
      if (projects && now - projects.at < PROJECTS_TTL_MS) return projects.read;
      const read = http
        .get(`${org}/projects/`, { per_page: MAX_PAGE })
        .then(({ body }) =>
          Array.isArray(body)
            ? body.flatMap((p) =>
                p && typeof p === "object" && typeof (p as { slug?: unknown }).slug === "string"
                  ? [(p as { slug: string }).slug]
                  : [],
              )
            : [],
        );
      const entry = { at: now, read };
      projects = entry;
      read.catch(() => {
        if (projects === entry) projects = undefined;
      });
      return read;
    },

    // https://docs.sentry.io/api/events/list-a-projects-issues/: `statsPeriod=24h` puts
    // the hourly series in `stats["24h"]`; `query` defaults to `is:unresolved` and `sort`
    // to `date` (last seen). One page: the most recently active issues are the symptom.
    async searchProjectIssues(project, limit) {
      const { body } = await http.get(
        `/api/0/projects/${segment(options.org)}/${segment(project)}/issues/`,
        {
          statsPeriod: "24h",
          query: "is:unresolved",
          sort: "date",
          per_page: Math.min(MAX_PAGE, Math.max(1, Math.floor(limit))),
        },
      );
      return mapIssues(body).slice(0, limit);
    },
  };
}

export type SentryProbe = { ok: true; org: string } | { ok: false; reason: string };

/**
 * For INVENTORY_TOOLS: can this token read this organization?
 * (`GET /api/0/organizations/{org}/`). Never throws; the reason names the AppError code.
 */
export async function probeSentry(options: SentryReaderOptions): Promise<SentryProbe> {
  try {
    const { body } = await createSentryHttp(options).get(
      `/api/0/organizations/${segment(options.org)}/`,
    );
    return { ok: true, org: mapOrganization(body).slug };
  } catch (error) {
    const appError = asAppError(error);
    return { ok: false, reason: `${appError.code}: ${appError.message}` };
  }
}
