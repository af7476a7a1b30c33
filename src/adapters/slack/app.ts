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
import type { WebClient } from "@slack/web-api";
import type { Logger } from "pino";
import { APPROVE_ACTION_ID, REJECT_ACTION_ID } from "../../../blocks/approval-request.ts";
import type { Fallback } from "../http/server.ts";
import { type BackgroundTasks, createBackgroundTasks } from "./background.ts";
import { callSlack, slackClientOptions } from "./client.ts";
import { deliveryIdOf } from "./deliveries.ts";
import {
  type HandleSlackInteraction,
  requireSlack,
  type SlackConfig,
  type SlackInteraction,
} from "./interaction.ts";
import type { SlackInteractionQueue } from "./interaction-queue.ts";
import { slackLogger } from "./logger.ts";

/** Where Slack posts events, commands and interactions (manifest: slack/manifest.yaml). */
export const SLACK_EVENTS_PATH = "/slack/events";
export const PRODE_COMMAND = "/prode";

export interface SlackAppDeps {
  log: Logger;
  /** The process's one WebClient (createSlackWebClient): auth.test runs through it. */
  client: WebClient;
  /** Handles an interaction in this process (the dispatcher of src/slack). */
  handle: HandleSlackInteraction;
  /**
   * Where acknowledged interactions go: a BullMQ queue the worker process consumes
   * (startSlackInteractionWorker), so the web process only acks and enqueues. Without
   * it they are handled in this process right after the ack (dev, tests).
   */
  interactions?: SlackInteractionQueue;
}

export interface SlackApp {
  app: App;
  mode: "http" | "socket";
  /**
   * HTTP mode: the handler for our web server's fallback (startWeb's third argument):
   * serves POST /slack/events, answers 404 to anything else. Undefined in Socket Mode.
   */
  fallback: Fallback | undefined;
  /** Post-ack work of this process: enqueueing, or handling when inline. */
  background: BackgroundTasks;
  /** Verifies the bot token (auth.test) and, in Socket Mode, connects. */
  start(): Promise<void>;
  /** Disconnects (Socket Mode) and waits for post-ack work of this process. */
  stop(): Promise<void>;
  /** Resolves when this process has no post-ack work running (tests). */
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
 * 5-minute timestamp checks kept; Socket Mode when SLACK_APP_TOKEN is set. Listeners do
 * nothing but ack and hand a {@link SlackInteraction} on (a job, or work after the ack);
 * retried deliveries are dropped by their delivery id.
 */
export function createSlackApp(input: { config: SlackConfig; deps: SlackAppDeps }): SlackApp {
  const slack = requireSlack(input.config);
  const { deps } = input;
  const log = deps.log.child({ component: "slack" });
  const token = slack.SLACK_BOT_TOKEN.reveal();
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

  const authorize = singleTokenAuthorize(deps.client, token);
  const app = new App({
    receiver,
    logger,
    clientOptions: slackClientOptions({ apiUrl: slack.SLACK_API_URL, log }),
    convoStore: false,
    authorize,
  });
  const background = createBackgroundTasks(log);

  /** After the ack: enqueue (or, without a queue or when Redis fails, handle here). */
  const dispatch = (interaction: SlackInteraction, retryNum: unknown) => {
    if (retryNum !== undefined)
      log.info({ deliveryId: interaction.deliveryId, retryNum }, "slack retry");
    background.run(`slack.${interaction.kind}`, async () => {
      if (deps.interactions) {
        try {
          await deps.interactions.enqueue(interaction);
          return;
        } catch (error) {
          log.warn({ err: error }, "could not enqueue slack interaction; handling it here");
        }
      }
      await deps.handle(interaction);
    });
  };

  app.command(PRODE_COMMAND, async ({ ack, command, body, context }) => {
    await ack();
    dispatch(
      {
        kind: "command",
        deliveryId: deliveryIdOf(body),
        text: command.text ?? "",
        userId: command.user_id,
        channelId: command.channel_id,
        responseUrl: command.response_url,
      },
      context.retryNum,
    );
  });

  for (const [actionId, verdict] of [
    [APPROVE_ACTION_ID, "approve"],
    [REJECT_ACTION_ID, "reject"],
  ] as const) {
    app.action<BlockAction<ButtonAction>>(actionId, async ({ ack, body, action, context }) => {
      await ack();
      const threadTs = body.message?.thread_ts;
      const messageTs = body.message?.ts ?? body.container?.message_ts;
      dispatch(
        {
          kind: "approval",
          deliveryId: deliveryIdOf(body),
          approvalId: action.value ?? "",
          verdict,
          userId: body.user.id,
          userName: body.user.name ?? body.user.username,
          channel: body.channel?.id ?? body.container?.channel_id,
          messageTs,
          threadTs: threadTs && threadTs !== messageTs ? threadTs : undefined,
          responseUrl: body.response_url,
        },
        context.retryNum,
      );
    });
  }

  // Events are acknowledged by Bolt before listeners run.
  app.event("app_home_opened", async ({ event, body, context }) => {
    if (event.tab !== "home") return;
    dispatch(
      { kind: "home", deliveryId: deliveryIdOf(body), userId: event.user },
      context.retryNum,
    );
  });

  app.error(async (error) => {
    log.error({ err: error }, "slack listener failed");
  });

  return {
    app,
    mode: socketMode ? "socket" : "http",
    fallback,
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
