import { createSlackApp, type SlackApp } from "../adapters/slack/app.ts";
import { createSlackWebClient } from "../adapters/slack/client.ts";
import type { Config } from "../config/index.ts";
import { startTriage } from "../pipeline/intake.ts";
import { createApprovalExpiryHook } from "../slack/approval-messages.ts";
import { createSlackNotifier, type SlackNotifier } from "../slack/notifier.ts";
import type { Resources } from "./resources.ts";

/** The Slack side of a process: the incident channel's notifier, and (web) the Bolt app. */
export interface SlackWiring {
  notifier: SlackNotifier;
  /** Updates an expired approval's message (the reconciler's hook). */
  onApprovalExpired: (approvalId: string) => Promise<void>;
  /** The Bolt app, for roles that serve HTTP (or hold the Socket Mode connection). */
  app?: SlackApp;
}

export function wireSlack(
  config: Config,
  res: Resources,
  options: { serve: boolean },
): SlackWiring | undefined {
  const slack = config.slack;
  if (!slack) return undefined;
  const client = createSlackWebClient({
    token: slack.SLACK_BOT_TOKEN.reveal(),
    apiUrl: slack.SLACK_API_URL,
    log: res.log,
  });
  const notifier = createSlackNotifier({ client, channel: slack.SLACK_INCIDENT_CHANNEL });
  const onApprovalExpired = createApprovalExpiryHook({ client, db: res.dbh.db, log: res.log });
  if (!options.serve) return { notifier, onApprovalExpired };
  const intake = {
    db: res.dbh.db,
    enqueue: res.queue.enqueue,
    log: res.log,
    triggerLabels: config.triggerLabels,
  };
  const app = createSlackApp({
    config,
    deps: {
      db: res.dbh.db,
      log: res.log,
      enqueue: res.queue.enqueue,
      startTriage: (ticket, actor) => startTriage(intake, ticket, actor, "slack"),
    },
  });
  return { notifier, onApprovalExpired, app };
}
