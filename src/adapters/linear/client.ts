import {
  AuthenticationLinearError,
  ForbiddenLinearError,
  InvalidInputLinearError,
  LinearClient,
  LinearError,
  RatelimitedLinearError,
} from "@linear/sdk";
import { AppError, ErrorCode } from "../../domain/errors.ts";
import { storableDeep } from "../../domain/storable-text.ts";
import { type RetryObserver, withRetry } from "../retry.ts";

/** The ticket as Linear has it, before redaction (the pipeline redacts at the snapshot). */
export interface LinearTicket {
  id: string;
  identifier: string;
  title: string;
  description: string;
  priority: number;
  url: string;
  state: { name: string; type: string };
  team: { key: string; name: string } | null;
  /** The Linear project the issue belongs to, when it has one. */
  project?: { name: string; slug: string } | null;
  labels: string[];
  comments: { id: string; author: string; body: string; createdAt: string }[];
  attachments: { title: string; url: string; metadata: Record<string, unknown> }[];
  createdAt: string;
  updatedAt: string;
}

/** One issue of the poller's listing. */
export interface LabelledIssue {
  identifier: string;
  stateType: string;
  updatedAt: string;
}

/** Page size of the poller's listing (Linear allows up to 250). */
const POLL_PAGE_SIZE = 100;
/** A bound on pages per listing, so a cursor that never ends cannot loop forever. */
const MAX_POLL_PAGES = 1_000;

/** One request per page, the state inline (the SDK's models would fetch it issue by issue). */
const LABELLED_ISSUES = `query prodeLabelledIssues($first: Int!, $after: String, $filter: IssueFilter) {
  issues(first: $first, after: $after, filter: $filter) {
    nodes { identifier updatedAt state { type } }
    pageInfo { hasNextPage endCursor }
  }
}`;

interface LabelledPage {
  issues: {
    nodes: { identifier: string; updatedAt: string; state: { type: string } | null }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

/**
 * Linear's relative date filter ("-PT90M"): evaluated by Linear's clock, so a skewed or
 * simulated clock here never hides a ticket from the poller.
 */
function updatedWithin(ms: number): string {
  return `-PT${Math.max(1, Math.ceil(ms / 60_000))}M`;
}

/** What the pipeline needs from Linear: reads, and the one run-owned comment. */
export interface LinearGateway {
  fetchTicket(key: string): Promise<LinearTicket>;
  probe(): Promise<{ ok: true; viewer: string } | { ok: false; reason: string }>;
  /** The comment on the ticket whose body carries `marker`, if any (effect reconcile). */
  findComment(key: string, marker: string): Promise<{ id: string; body: string } | null>;
  createComment(key: string, body: string): Promise<{ id: string }>;
  updateComment(id: string, body: string): Promise<void>;
  /**
   * Every issue carrying any of `labels` (all pages), for the poller's fallback; with
   * `updatedWithinMs`, only those updated that long before now by Linear's own clock.
   */
  listLabelled(labels: string[], updatedWithinMs?: number): Promise<LabelledIssue[]>;
}

/**
 * SDK errors become AppErrors once, here. Linear answers a lookup of an entity that does
 * not exist with HTTP 200 and an "invalid input" GraphQL error ("Entity not found"), which
 * the SDK throws as InvalidInputLinearError: for a read by key (`lookup`), the key names
 * nothing, so it is NotFound; anywhere else invalid input stays UpstreamRejected.
 */
function asLinearError(error: unknown, what: string, lookup = false): AppError {
  if (error instanceof AppError) return error;
  if (lookup && error instanceof InvalidInputLinearError) {
    return new AppError(ErrorCode.NotFound, `Linear has no ${what}`, { cause: error });
  }
  if (error instanceof RatelimitedLinearError) {
    const seconds = error.retryAfter;
    return new AppError(ErrorCode.UpstreamRateLimited, `Linear rate-limited ${what}`, {
      retryable: true,
      cause: error,
      ...(seconds !== undefined && seconds >= 0 ? { retryAfterMs: seconds * 1000 } : {}),
    });
  }
  if (error instanceof LinearError) {
    const status = error.status ?? 0;
    // Linear refuses a bad key with HTTP 400 and an "authentication error": the class says so.
    const refused =
      error instanceof AuthenticationLinearError || error instanceof ForbiddenLinearError;
    if (refused || status === 401 || status === 403) {
      return new AppError(ErrorCode.Unauthorized, `Linear refused ${what}: check LINEAR_API_KEY`, {
        cause: error,
      });
    }
    if (status >= 500 || status === 0) {
      return new AppError(ErrorCode.UpstreamUnavailable, `Linear unavailable for ${what}`, {
        retryable: true,
        cause: error,
      });
    }
    return new AppError(ErrorCode.UpstreamRejected, `Linear rejected ${what}: ${error.message}`, {
      cause: error,
    });
  }
  return new AppError(ErrorCode.UpstreamUnavailable, `Linear call failed for ${what}`, {
    retryable: true,
    cause: error,
  });
}

async function call<T>(what: string, fn: () => Promise<T>, lookup = false): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw asLinearError(error, what, lookup);
  }
}

/**
 * A read (by key: "invalid input" means the key names nothing, see {@link asLinearError}), retried on rate limits and outages within the caller's budget (writes are not:
 * the effect ledger owns whether a comment was created).
 */
const read = <T>(what: string, fn: () => Promise<T>, onRetry?: RetryObserver, byKey = false) =>
  withRetry(() => call(what, fn, byKey), {
    service: "linear",
    what,
    ...(onRetry ? { onRetry } : {}),
  });

export function createLinearGateway(options: {
  apiKey: string;
  apiUrl?: string;
  onRetry?: RetryObserver;
}): LinearGateway {
  const client = new LinearClient({
    apiKey: options.apiKey,
    ...(options.apiUrl ? { apiUrl: options.apiUrl } : {}),
  });
  /** prode's own Linear user, read once (again after a failed read). */
  let viewerId: Promise<string> | undefined;
  return {
    fetchTicket: (key) =>
      read(
        `issue ${key}`,
        async () => {
          const issue = await client.issue(key);
          const [state, team, project, labels, comments, attachments] = await Promise.all([
            issue.state,
            issue.team,
            issue.project,
            issue.labels(),
            issue.comments({ first: 50 }),
            issue.attachments(),
          ]);
          const authors = await Promise.all(
            comments.nodes.map(async (c) => (await c.user)?.name ?? "unknown"),
          );
          // NUL and lone surrogates never leave the adapter: Postgres refuses them.
          return storableDeep({
            id: issue.id,
            identifier: issue.identifier,
            title: issue.title,
            description: issue.description ?? "",
            priority: issue.priority,
            url: issue.url,
            state: { name: state?.name ?? "unknown", type: state?.type ?? "unknown" },
            team: team ? { key: team.key, name: team.name } : null,
            project: project ? { name: project.name, slug: project.slugId } : null,
            labels: labels.nodes.map((l) => l.name),
            comments: comments.nodes.map((c, i) => ({
              id: c.id,
              author: authors[i] ?? "unknown",
              body: c.body,
              createdAt: new Date(c.createdAt).toISOString(),
            })),
            attachments: attachments.nodes.map((a) => ({
              title: a.title,
              url: a.url,
              metadata: (a.metadata ?? {}) as Record<string, unknown>,
            })),
            createdAt: new Date(issue.createdAt).toISOString(),
            updatedAt: new Date(issue.updatedAt).toISOString(),
          });
        },
        options.onRetry,
        true,
      ),
    async probe() {
      try {
        const viewer = await client.viewer;
        return { ok: true, viewer: viewer.name };
      } catch (error) {
        return { ok: false, reason: asLinearError(error, "viewer").message };
      }
    },
    findComment: (key, marker) =>
      read(
        `issue ${key}`,
        async () => {
          // Only a comment prode's own Linear user wrote is prode's: a human comment that
          // quotes the marker must never be taken for it (and then overwritten).
          viewerId ??= client.viewer.then((v) => v.id);
          const self = await viewerId.catch((error: unknown) => {
            viewerId = undefined;
            throw error;
          });
          const issue = await client.issue(key);
          let page = await issue.comments({ first: 50 });
          for (;;) {
            const found = page.nodes.find((c) => c.userId === self && c.body.includes(marker));
            if (found) return { id: found.id, body: found.body };
            if (!page.pageInfo.hasNextPage) return null;
            page = await page.fetchNext();
          }
        },
        options.onRetry,
        true,
      ),
    createComment: (key, body) =>
      call(`comment on ${key}`, async () => {
        const created = await client.createComment({ issueId: key, body });
        const comment = await created.comment;
        if (!created.success || !comment) {
          throw new AppError(
            ErrorCode.UpstreamRejected,
            `Linear did not create the comment on ${key}`,
          );
        }
        return { id: comment.id };
      }),
    updateComment: (id, body) =>
      call(`comment ${id}`, async () => {
        const updated = await client.updateComment(id, { body });
        if (!updated.success)
          throw new AppError(ErrorCode.UpstreamRejected, `Linear did not update comment ${id}`);
      }),
    listLabelled: (labels, updatedWithinMs) =>
      read(
        "labelled issues",
        async () => {
          const filter = {
            labels: { some: { name: { in: labels } } },
            ...(updatedWithinMs === undefined
              ? {}
              : { updatedAt: { gte: updatedWithin(updatedWithinMs) } }),
          };
          const found: LabelledIssue[] = [];
          let after: string | null = null;
          for (let page = 0; page < MAX_POLL_PAGES; page += 1) {
            const res: { data?: LabelledPage } = await client.client.rawRequest<
              LabelledPage,
              Record<string, unknown>
            >(LABELLED_ISSUES, { first: POLL_PAGE_SIZE, after, filter });
            const issues: LabelledPage["issues"] | undefined = res.data?.issues;
            if (!issues)
              throw new AppError(ErrorCode.UpstreamUnavailable, "Linear returned no issues page", {
                retryable: true,
              });
            for (const i of issues.nodes) {
              found.push({
                identifier: i.identifier,
                stateType: i.state?.type ?? "unknown",
                updatedAt: i.updatedAt,
              });
            }
            if (!issues.pageInfo.hasNextPage || !issues.pageInfo.endCursor) break;
            after = issues.pageInfo.endCursor;
          }
          return found;
        },
        options.onRetry,
      ),
  };
}
