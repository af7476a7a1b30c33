import { z } from "zod";

/**
 * The Sentry slice of a scenario file. Shapes follow Sentry's REST responses
 * (https://docs.sentry.io/api/events/retrieve-an-issue/, …/retrieve-an-issue-event/,
 * …/releases/) so that what a scenario author writes is what prode reads back. Times are
 * ISO-8601 strings; the world's clock (`SimContext.now`) anchors derived series.
 */

const isoTime = z.iso.datetime({ offset: true });
/** Sentry serialises headers, cookies and query strings as `[name, value]` pairs. */
const pairs = z.array(z.tuple([z.string(), z.string()]));

const frameSchema = z.object({
  filename: z.string(),
  absPath: z.string().optional(),
  module: z.string().nullable().optional(),
  function: z.string().nullable(),
  lineNo: z.number().int().nullable(),
  colNo: z.number().int().nullable().optional(),
  inApp: z.boolean(),
  /** Source context as `[lineNo, code]` pairs, as Sentry returns it. */
  context: z.array(z.tuple([z.number().int(), z.string()])).default([]),
  vars: z.record(z.string(), z.unknown()).optional(),
});

const exceptionValueSchema = z.object({
  type: z.string(),
  value: z.string(),
  module: z.string().nullable().optional(),
  mechanism: z.object({ type: z.string(), handled: z.boolean() }).nullable().optional(),
  stacktrace: z.object({ frames: z.array(frameSchema) }),
});

const sentryEntrySchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("exception"),
    data: z.object({
      values: z.array(exceptionValueSchema).min(1),
      hasSystemFrames: z.boolean().default(false),
      excOmitted: z.array(z.number()).nullable().default(null),
    }),
  }),
  z.object({
    type: z.literal("request"),
    data: z.object({
      url: z.string(),
      method: z.string(),
      query: pairs.default([]),
      fragment: z.string().default(""),
      data: z.unknown().optional(),
      /** Must hold realistic sensitive headers (Cookie, Authorization) so the redactor is exercised. */
      headers: pairs,
      cookies: pairs.default([]),
      env: z.record(z.string(), z.string()).optional(),
      inferredContentType: z.string().nullable().optional(),
    }),
  }),
  z.object({
    type: z.literal("breadcrumbs"),
    data: z.object({
      values: z.array(
        z.object({
          timestamp: isoTime,
          type: z.string().default("default"),
          category: z.string().nullable().default(null),
          level: z.string().default("info"),
          message: z.string().nullable().default(null),
          data: z.record(z.string(), z.unknown()).nullable().default(null),
        }),
      ),
    }),
  }),
  z.object({
    type: z.literal("message"),
    data: z.object({ formatted: z.string(), message: z.string().optional() }),
  }),
]);

export const sentryEventSchema = z.object({
  /** 32 lowercase hex characters, as Sentry's event ids. */
  eventID: z.string().regex(/^[0-9a-f]{32}$/),
  dateCreated: isoTime,
  message: z.string().default(""),
  platform: z.string().default("node"),
  /** Release version; rendered as the release object when the release is known. */
  release: z.string().nullable().default(null),
  environment: z.string().default("production"),
  tags: z.array(z.object({ key: z.string(), value: z.string() })).default([]),
  contexts: z.record(z.string(), z.unknown()).default({}),
  user: z
    .object({
      id: z.string().nullable().default(null),
      email: z.string().nullable().default(null),
      username: z.string().nullable().default(null),
      ip_address: z.string().nullable().default(null),
    })
    .nullable()
    .default(null),
  sdk: z.object({ name: z.string(), version: z.string() }).nullable().default(null),
  entries: z.array(sentryEntrySchema),
});

const tagValueSchema = z.object({
  value: z.string(),
  count: z.number().int().nonnegative(),
  firstSeen: isoTime.optional(),
  lastSeen: isoTime.optional(),
});

/** A `[unix seconds, count]` bucket, as in Sentry's issue `stats`. */
const statsSeries = z.array(z.tuple([z.number().int(), z.number().int().nonnegative()]));

const sentryIssueSchema = z.object({
  /** Numeric id as a string, as Sentry returns it. */
  id: z.string().regex(/^\d+$/),
  shortId: z.string(),
  title: z.string(),
  culprit: z.string(),
  level: z.enum(["fatal", "error", "warning", "info", "debug"]).default("error"),
  status: z.enum(["unresolved", "resolved", "ignored"]).default("unresolved"),
  substatus: z.string().nullable().default("ongoing"),
  /** Project slug; must be one of `projects`. */
  project: z.string(),
  type: z.string().default("error"),
  isUnhandled: z.boolean().default(true),
  metadata: z
    .object({
      type: z.string().optional(),
      value: z.string().optional(),
      filename: z.string().optional(),
      function: z.string().optional(),
    })
    .default({}),
  /** Total events; defaults to the number of listed events. */
  count: z.number().int().nonnegative().optional(),
  userCount: z.number().int().nonnegative().default(0),
  /** Default: the oldest / newest listed event. */
  firstSeen: isoTime.optional(),
  lastSeen: isoTime.optional(),
  firstRelease: z.string().nullable().default(null),
  lastRelease: z.string().nullable().default(null),
  /**
   * Recurrence series. When absent the world derives `24h` (hourly) and `30d` (daily)
   * buckets from the listed events, ending at the world's clock.
   */
  stats: z.record(z.string(), statsSeries).optional(),
  /** Tag breakdowns. When absent they are counted from the events' tags. */
  tags: z
    .array(
      z.object({
        key: z.string(),
        name: z.string().optional(),
        totalValues: z.number().int().nonnegative().optional(),
        topValues: z.array(tagValueSchema),
      }),
    )
    .optional(),
  /** The event `…/events/recommended/` returns; default: the latest. */
  recommendedEventId: z.string().optional(),
  events: z.array(sentryEventSchema).default([]),
});

const sentryReleaseSchema = z.object({
  version: z.string(),
  shortVersion: z.string().optional(),
  ref: z.string().nullable().default(null),
  url: z.string().nullable().default(null),
  dateCreated: isoTime,
  dateReleased: isoTime.nullable().default(null),
  commitCount: z.number().int().nonnegative().default(0),
  lastCommit: z
    .object({
      id: z.string(),
      message: z.string(),
      dateCreated: isoTime,
      author: z.object({ name: z.string(), email: z.string() }).optional(),
    })
    .nullable()
    .default(null),
  lastDeploy: z
    .object({
      id: z.string(),
      environment: z.string(),
      dateStarted: isoTime.nullable().default(null),
      dateFinished: isoTime,
      name: z.string().nullable().default(null),
      url: z.string().nullable().default(null),
    })
    .nullable()
    .default(null),
  deployCount: z.number().int().nonnegative().optional(),
  newGroups: z.number().int().nonnegative().default(0),
  /** Project slugs. */
  projects: z.array(z.string()).default([]),
});

export const sentryDataSchema = z.object({
  /** Organization slug (`SENTRY_ORG`). */
  org: z.string().min(1),
  /** Accepted bearer tokens; when empty any non-empty token is accepted. */
  tokens: z.array(z.string().min(1)).default([]),
  projects: z
    .array(
      z.object({
        id: z.string().regex(/^\d+$/),
        slug: z.string(),
        name: z.string(),
        platform: z.string().default("node"),
      }),
    )
    .default([]),
  issues: z.array(sentryIssueSchema).default([]),
  releases: z.array(sentryReleaseSchema).default([]),
  /**
   * Fixed window on the world's clock, reported in `X-Sentry-Rate-Limit-*`. Exceeding it
   * answers 429 only when `enforce` is set: a scenario with a frozen clock would
   * otherwise never leave the window.
   */
  rateLimit: z
    .object({
      limit: z.number().int().positive().default(40),
      windowSeconds: z.number().int().positive().default(1),
      enforce: z.boolean().default(false),
    })
    .default({ limit: 40, windowSeconds: 1, enforce: false }),
  /** Page size of `…/events/` (Sentry's default is 100). */
  eventsPageSize: z.number().int().positive().default(100),
});

export type SentryData = z.infer<typeof sentryDataSchema>;
export type SentryDataInput = z.input<typeof sentryDataSchema>;
export type SentryIssueData = z.infer<typeof sentryIssueSchema>;
export type SentryEventData = z.infer<typeof sentryEventSchema>;
export type SentryReleaseData = z.infer<typeof sentryReleaseSchema>;
