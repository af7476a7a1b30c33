import { createSlackApp, type SlackApp } from "../adapters/slack/app.ts";
import { createSlackWebClient } from "../adapters/slack/client.ts";
import {
  createSlackInteractionQueue,
  startSlackInteractionWorker,
} from "../adapters/slack/interaction-queue.ts";
import type { Config } from "../config/index.ts";
import { startTriage } from "../intake/intake.ts";
import { logRedisErrors } from "../observability/redis-errors.ts";
import type { PolicySource } from "../policy/source.ts";
import { createRedis } from "../runner/queue.ts";
import type { ReviewNoteSink } from "../runner/review-notes.ts";
import { createApprovalExpiryHook } from "../slack/approval-messages.ts";
import { createSlackInteractionHandler } from "../slack/dispatcher.ts";
import { createSlackNotifier, type SlackNotifier } from "../slack/notifier.ts";
import { createReviewNoteSink } from "../slack/pr-review-notes.ts";
import { sentryIssueUrl } from "../slack/views.ts";
import { intakeDeps, type Resources } from "./resources.ts";

/** The Slack side of a process. */
export interface SlackWiring {
  notifier: SlackNotifier;
  /** Updates an expired approval's message (the reconciler's hook). */
  onApprovalExpired: (approvalId: string) => Promise<void>;
  /** Posts a review of a run's PR in its thread (the reconciler's review-note pass). */
  reviewNotes: ReviewNoteSink;
  /** The Bolt app, for roles that serve HTTP (or hold the Socket Mode connection). */
  app?: SlackApp;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * web: Bolt acks every interaction at once and appends it to a Redis stream;
 * worker: consumes the stream (commands, clicks, App Home), so nothing slow sits before
 * an ack; dev: one process does both, handling right after the ack.
 */
export function wireSlack(
  config: Config,
  res: Resources,
  role: "web" | "worker" | "dev",
  /** The process's policy source (shared with the pipeline); defaults to a cached one. */
  policyFor?: PolicySource,
  /** The clock approvals are judged by (the simulated world's in the demo). */
  now?: () => Date,
): SlackWiring | undefined {
  const slack = config.slack;
  if (!slack) return undefined;
  const client = createSlackWebClient({
    token: slack.SLACK_BOT_TOKEN.reveal(),
    apiUrl: slack.SLACK_API_URL,
    log: res.log,
  });
  const sentry = config.sentry;
  const notifier = createSlackNotifier({
    client,
    channel: slack.SLACK_INCIDENT_CHANNEL,
    // The parent message links the ticket's Sentry issue (issue 19.1).
    ...(sentry
      ? { links: { sentryIssue: sentryIssueUrl(sentry.SENTRY_API_URL, sentry.SENTRY_ORG) } }
      : {}),
  });
  const onApprovalExpired = createApprovalExpiryHook({ client, db: res.dbh.db, log: res.log });
  const reviewNotes = createReviewNoteSink({ client, db: res.dbh.db, ...(now ? { now } : {}) });
  const intake = intakeDeps(res, now);
  const deps = {
    db: res.dbh.db,
    log: res.log,
    enqueue: res.queue.enqueue,
    startTriage: (ticket: string, actor: string) => startTriage(intake, ticket, actor, "slack"),
    ...(policyFor ? { policyFor } : {}),
    ...(now ? { now } : {}),
  };
  // One handler per process: the worker consumes the stream with it; web falls back to it
  // when Redis refuses an interaction; dev handles every interaction with it.
  const handler = createSlackInteractionHandler({ config, client, deps });
  const closers: (() => Promise<void>)[] = [];
  let app: SlackApp | undefined;
  if (role === "web" || role === "dev") {
    const interactions =
      role === "web"
        ? createSlackInteractionQueue(res.connection, config.PRODE_QUEUE_PREFIX, {
            count: (outcome) => res.metrics.slackInteractions.inc({ outcome }),
          })
        : undefined;
    app = createSlackApp({
      config,
      deps: {
        log: res.log,
        client,
        handle: handler.handle,
        ...(interactions ? { interactions } : {}),
      },
    });
    const started = app;
    closers.push(async () => {
      await started.stop();
      await interactions?.close();
    });
  }
  if (role === "worker") {
    const connection = createRedis(res.redis.url);
    // Without a listener ioredis prints each reconnect failure raw on stderr (issue 16),
    // and a duplicate() (the consumer's blocking reader) starts with no listener.
    logRedisErrors(connection, res.log, "slack-interactions");
    const duplicate = connection.duplicate.bind(connection);
    connection.duplicate = (...args: Parameters<typeof connection.duplicate>) => {
      const copy = duplicate(...args);
      logRedisErrors(copy, res.log, "slack-interactions-blocking");
      return copy;
    };
    const consumer = startSlackInteractionWorker({
      connection,
      prefix: config.PRODE_QUEUE_PREFIX,
      consumer: res.workerId,
      handle: handler.handle,
      log: res.log,
      concurrency: 8,
      count: (outcome) => res.metrics.slackInteractions.inc({ outcome }),
      countError: (code) => res.metrics.slackConsumerErrors.inc({ code }),
    });
    closers.push(async () => {
      // Inside the slack step's bound in startProde's close (interactions are redelivered).
      await consumer.close({ graceMs: 4_000 });
      connection.disconnect();
    });
  }
  return {
    notifier,
    onApprovalExpired,
    reviewNotes,
    ...(app ? { app } : {}),
    start: async () => {
      await app?.start();
    },
    stop: async () => {
      for (const close of closers) await close();
    },
  };
}
