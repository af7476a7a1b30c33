import type { IncomingMessage, ServerResponse } from "node:http";
import {
  App,
  type Authorize,
  type BlockAction,
  type ButtonAction,
  HTTPReceiver,
  HTTPReceiverDeferredRequestError,
  type Receiver,
  SocketModeReceiver,
} from "@slack/bolt";
import { WebClient } from "@slack/web-api";
import type { Logger } from "pino";
import { APPROVE_ACTION_ID, REJECT_ACTION_ID } from "../../../blocks/approval-request.ts";
import type { Fallback } from "../../app/http-server.ts";
import type { Config } from "../../config/index.ts";
import type { Db } from "../../db/client.ts";
import { AppError, ErrorCode } from "../../domain/errors.ts";
import type { RunnerDeps } from "../../runner/types.ts";
import { handleApprovalClick } from "../../slack/approval-actions.ts";
import { answerProdeCommand, type StartTriage } from "../../slack/commands.ts";
import { publishHome } from "../../slack/home.ts";
import { cachedPolicySource, type PolicySource } from "../../slack/policy-source.ts";
import { type BackgroundTasks, createBackgroundTasks } from "./background.ts";
import { callSlack, slackClientOptions } from "./client.ts";
import { claimDelivery, deliveryIdOf } from "./deliveries.ts";
import { slackLogger } from "./logger.ts";
import { replyEphemeral } from "./reply.ts";
import { createUserGroupResolver, type UserGroupResolver } from "./user-groups.ts";
import { createUserNames, type UserNames } from "./user-names.ts";

/** Where Slack posts events, commands and interactions (manifest: slack/manifest.yaml). */
export const SLACK_EVENTS_PATH = "/slack/events";
export const PRODE_COMMAND = "/prode";

export interface SlackAppDeps {
  db: Db;
  log: Logger;
  /** Enqueues a run's next step when an approval moves it out of AWAIT_APPROVAL. */
  enqueue: RunnerDeps["enqueue"];
  /** `/prode triage`: starts or joins the ticket's run (the pipeline's). */
  startTriage: StartTriage;
  /** Defaults to the policy files in PRODE_POLICY_DIR, cached briefly. */
  policyFor?: PolicySource;
  now?: () => Date;
}

export interface SlackApp {
  app: App;
  /** The WebClient the listeners use (no SDK retries; SLACK_API_URL when set). */
  client: WebClient;
  mode: "http" | "socket";
  /**
   * HTTP mode: the handler for our web server's fallback (startWeb's third argument):
   * serves POST /slack/events, answers 404 to anything else. Undefined in Socket Mode.
   */
  fallback: Fallback | undefined;
  groups: UserGroupResolver;
  names: UserNames;
  background: BackgroundTasks;
  /** Verifies the bot token (auth.test) and, in Socket Mode, connects. */
  start(): Promise<void>;
  /** Disconnects (Socket Mode) and waits for work started after acks. */
  stop(): Promise<void>;
  /** Resolves when no post-ack work is running (tests). */
  idle(): Promise<void>;
}

/**
 * Authorizes with the one bot token, running auth.test once and caching its result;
 * a failed auth.test is not cached (the next request asks again) and never becomes an
 * unhandled rejection at boot, which Bolt's eager token verification could.
 */
function singleTokenAuthorize(client: WebClient, token: string): Authorize<boolean> {
  let identity: Promise<{ botId?: string; botUserId?: string }> | undefined;
  return async () => {
    identity ??= callSlack("auth.test", () => client.auth.test({ token })).then(
      (r) => ({
        ...(r.bot_id ? { botId: r.bot_id } : {}),
        ...(r.user_id ? { botUserId: r.user_id } : {}),
      }),
      (error: unknown) => {
        identity = undefined;
        throw error;
      },
    );
    return { botToken: token, ...(await identity) };
  };
}

/** Serves Bolt's receiver from our server: a path it does not own gets a plain 404. */
function receiverFallback(receiver: HTTPReceiver, log: Logger): Fallback {
  return (req: IncomingMessage, res: ServerResponse) => {
    try {
      receiver.requestListener(req, res);
    } catch (error) {
      const notOurs = error instanceof HTTPReceiverDeferredRequestError;
      if (!notOurs) log.error({ err: error, path: req.url }, "slack receiver failed");
      res.writeHead(notOurs ? 404 : 500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: notOurs ? "not found" : "internal error" }));
    }
  };
}

/**
 * The Slack surface (DESIGN.md): `/prode`, the Approve/Reject buttons and App Home, on
 * Bolt. HTTP mode shares our web server (no port of its own) with Bolt's signature and
 * 5-minute timestamp checks kept; Socket Mode when SLACK_APP_TOKEN is set. Every
 * listener acknowledges first and does the slow part afterwards (see BackgroundTasks);
 * retried deliveries are dropped by their delivery id in `deliveries`.
 */
export function createSlackApp(input: {
  config: Pick<Config, "slack" | "PRODE_POLICY_DIR">;
  deps: SlackAppDeps;
}): SlackApp {
  const slack = input.config.slack;
  if (!slack) {
    throw new AppError(
      ErrorCode.ConfigInvalid,
      "Slack is not configured: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET",
    );
  }
  const { deps } = input;
  const log = deps.log.child({ component: "slack" });
  const token = slack.SLACK_BOT_TOKEN.reveal();
  const clientOptions = slackClientOptions({ apiUrl: slack.SLACK_API_URL, log });
  const logger = slackLogger(log, "bolt");
  const socketMode = slack.SLACK_APP_TOKEN !== undefined;

  let receiver: Receiver;
  let fallback: Fallback | undefined;
  if (slack.SLACK_APP_TOKEN) {
    receiver = new SocketModeReceiver({ appToken: slack.SLACK_APP_TOKEN.reveal(), logger });
  } else {
    const http = new HTTPReceiver({
      signingSecret: slack.SLACK_SIGNING_SECRET.reveal(),
      endpoints: SLACK_EVENTS_PATH,
      logger,
      // Ack first: the HTTP response leaves at ack(), listeners go on afterwards.
      processBeforeResponse: false,
    });
    receiver = http;
    fallback = receiverFallback(http, log);
  }

  // Our own client (Bolt's app.client carries no token when `authorize` is given).
  const client = new WebClient(token, clientOptions);
  const authorize = singleTokenAuthorize(client, token);
  const app = new App({ receiver, logger, clientOptions, convoStore: false, authorize });
  const background = createBackgroundTasks(log);
  const groups = createUserGroupResolver(client, { log });
  const names = createUserNames(client);
  const policyFor = deps.policyFor ?? cachedPolicySource(input.config.PRODE_POLICY_DIR);
  const now = deps.now ?? (() => new Date());
  const groupsOf = (userId: string, candidates: readonly string[]) =>
    groups.groupsOf(userId, candidates);

  /** Runs `task` after the ack, once per delivery (a retry of one is dropped). */
  const afterAck = (name: string, body: unknown, retryNum: unknown, task: () => Promise<void>) =>
    background.run(name, async () => {
      const deliveryId = deliveryIdOf(body);
      if (!(await claimDelivery(deps.db, deliveryId))) {
        log.info({ deliveryId, retryNum }, "duplicate slack delivery dropped");
        return;
      }
      await task();
    });

  app.command(PRODE_COMMAND, async ({ ack, command, body, respond, context }) => {
    await ack();
    afterAck("slack.command", body, context.retryNum, async () => {
      const message = await answerProdeCommand(
        {
          db: deps.db,
          log,
          policyFor,
          groupsOf,
          startTriage: deps.startTriage,
          now,
          command: PRODE_COMMAND,
        },
        command.text ?? "",
        { userId: command.user_id },
      );
      await replyEphemeral(
        client,
        { channel: command.channel_id, user: command.user_id },
        message,
        respond,
      );
    });
  });

  for (const [actionId, verdict] of [
    [APPROVE_ACTION_ID, "approve"],
    [REJECT_ACTION_ID, "reject"],
  ] as const) {
    app.action<BlockAction<ButtonAction>>(
      actionId,
      async ({ ack, body, action, respond, context }) => {
        await ack();
        afterAck(`slack.${verdict}`, body, context.retryNum, async () => {
          const channel = body.channel?.id ?? body.container?.channel_id;
          const threadTs = body.message?.thread_ts;
          await handleApprovalClick(
            { client, db: deps.db, log, names, enqueue: deps.enqueue, policyFor, groupsOf, now },
            {
              approvalId: action.value ?? "",
              verdict,
              userId: body.user.id,
              userName: body.user.name ?? body.user.username,
              channel,
              messageTs: body.message?.ts ?? body.container?.message_ts,
              threadTs: threadTs && threadTs !== body.message?.ts ? threadTs : undefined,
            },
            async (message) => {
              await replyEphemeral(
                client,
                { channel, user: body.user.id, threadTs },
                message,
                respond,
              );
            },
          );
        });
      },
    );
  }

  // Events are acknowledged by Bolt before listeners run.
  app.event("app_home_opened", async ({ event, body, context }) => {
    if (event.tab !== "home") return;
    afterAck("slack.home", body, context.retryNum, () =>
      publishHome({ db: deps.db, client, policyFor, groupsOf, names, now }, event.user),
    );
  });

  app.error(async (error) => {
    log.error({ err: error }, "slack listener failed");
  });

  return {
    app,
    client,
    mode: socketMode ? "socket" : "http",
    fallback,
    groups,
    names,
    background,
    async start() {
      // Fails fast on a bad token, and warms the cached identity for the first request.
      await authorize({ teamId: "", enterpriseId: undefined, isEnterpriseInstall: false });
      if (socketMode) await app.start();
    },
    async stop() {
      if (socketMode) await app.stop();
      await background.idle();
    },
    idle: () => background.idle(),
  };
}
