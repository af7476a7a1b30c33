import {
  App,
  type Authorize,
  type BlockAction,
  type ButtonAction,
  type Receiver,
  SocketModeReceiver,
} from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import type { Logger } from "pino";
import { APPROVE_ACTION_ID, REJECT_ACTION_ID } from "../../../blocks/approval-request.ts";
import {
  FEEDBACK_INPUT_ACTION_ID,
  FEEDBACK_INPUT_BLOCK_ID,
  FEEDBACK_MODAL_CALLBACK_ID,
  FEEDBACK_RIGHT_ACTION_ID,
  FEEDBACK_WRONG_ACTION_ID,
} from "../../../blocks/feedback.ts";
import type { Route } from "../http/server.ts";
import { type BackgroundTasks, createBackgroundTasks } from "./background.ts";
import { callSlack, slackClientOptions } from "./client.ts";
import { deliveryIdOf } from "./deliveries.ts";
import type { SlackWorkspace } from "./events-body.ts";
import { SlackEventsReceiver, slackEventsRoute } from "./events-route.ts";
import {
  type HandleSlackInteraction,
  requireSlack,
  type SlackConfig,
  type SlackInteraction,
} from "./interaction.ts";
import type { SlackInteractionQueue } from "./interaction-queue.ts";
import { slackLogger } from "./logger.ts";
import { slackResponseUrl } from "./reply.ts";

/** Where Slack posts events, commands and interactions (manifest: slack/manifest.yaml). */
export const SLACK_EVENTS_PATH = "/slack/events";
export const PRODE_COMMAND = "/prode";
/** What a user sees when prode could not take their request (its queue is unavailable). */
const NOT_ACCEPTED =
  ":warning: prode could not take this request right now (its queue is unavailable). Nothing was done: please try again in a minute.";
/** The Events API types prode listens to; other events are acknowledged and dropped. */
const LISTENED_EVENTS = ["app_home_opened", "app_mention"] as const;

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
   * HTTP mode: POST /slack/events, served by our web server (startWeb's routes) with its
   * body cap and rate limits. Empty in Socket Mode.
   */
  routes: Route[];
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
function singleTokenAuthorize(
  client: WebClient,
  token: string,
): { authorize: Authorize<boolean>; workspace: () => Promise<SlackWorkspace> } {
  let identity:
    | Promise<{ botId?: string; botUserId?: string; workspace: SlackWorkspace }>
    | undefined;
  const identify = () => {
    identity ??= callSlack("auth.test", () => client.auth.test({ token })).then(
      (r) => ({
        ...(r.bot_id ? { botId: r.bot_id } : {}),
        ...(r.user_id ? { botUserId: r.user_id } : {}),
        workspace: {
          ...(r.team_id ? { teamId: r.team_id } : {}),
          // A workspace of an Enterprise Grid organisation is not the whole organisation:
          // only an organisation-wide install serves its other workspaces.
          ...(r.enterprise_id && r.is_enterprise_install ? { enterpriseId: r.enterprise_id } : {}),
        },
      }),
      (error: unknown) => {
        identity = undefined;
        throw error;
      },
    );
    return identity;
  };
  return {
    authorize: async () => {
      const { workspace: _workspace, ...bot } = await identify();
      return { botToken: token, ...bot };
    },
    workspace: async () => (await identify()).workspace,
  };
}

/**
 * The Slack surface (DESIGN.md): `/prode`, the Approve/Reject buttons and App Home, on
 * Bolt. HTTP mode is a route of our web server (no port of its own) that verifies the
 * signature and validates the body before Bolt sees it (events-route.ts); Socket Mode
 * when SLACK_APP_TOKEN is set. Listeners do
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

  const { authorize, workspace } = singleTokenAuthorize(deps.client, token);
  let receiver: Receiver;
  const routes: Route[] = [];
  if (slack.SLACK_APP_TOKEN) {
    receiver = new SocketModeReceiver({ appToken: slack.SLACK_APP_TOKEN.reveal(), logger });
  } else {
    // Ack first: the HTTP response leaves at ack(), listeners go on afterwards.
    const events = new SlackEventsReceiver();
    receiver = events;
    routes.push(
      slackEventsRoute({
        path: SLACK_EVENTS_PATH,
        signingSecret: slack.SLACK_SIGNING_SECRET.reveal(),
        receiver: events,
        listened: {
          command: PRODE_COMMAND,
          actionIds: [
            APPROVE_ACTION_ID,
            REJECT_ACTION_ID,
            FEEDBACK_RIGHT_ACTION_ID,
            FEEDBACK_WRONG_ACTION_ID,
          ],
          eventTypes: LISTENED_EVENTS,
          viewCallbackIds: [FEEDBACK_MODAL_CALLBACK_ID],
        },
        workspace,
        log,
      }),
    );
  }
  /** A response_url only when it points at Slack (or the configured Slack API's host). */
  const responseUrlOf = (url: string | undefined) => {
    const allowed = slackResponseUrl(url, slack.SLACK_API_URL);
    if (url && !allowed) log.warn("slack response_url not on a Slack host; ignored");
    return allowed;
  };

  const app = new App({
    receiver,
    logger,
    clientOptions: slackClientOptions({ apiUrl: slack.SLACK_API_URL, log }),
    convoStore: false,
    authorize,
  });
  const background = createBackgroundTasks(log);

  /**
   * web (with the stream): the interaction is appended before Slack is acknowledged, so
   * one Redis did not take (down, restarting) is never acknowledged as accepted: the
   * user is told to try again and the queue counts it refused (issue 17.5). Resolves
   * false then. dev (no stream): true, and {@link handleHere} handles it after the ack.
   */
  const handOn = async (interaction: SlackInteraction, retryNum: unknown): Promise<boolean> => {
    if (retryNum !== undefined)
      log.info({ deliveryId: interaction.deliveryId, retryNum }, "slack retry");
    if (!deps.interactions) return true;
    try {
      await deps.interactions.enqueue(interaction);
      return true;
    } catch (error) {
      log.error(
        { err: error, deliveryId: interaction.deliveryId, kind: interaction.kind },
        "could not enqueue slack interaction; refused",
      );
      return false;
    }
  };
  const handleHere = (interaction: SlackInteraction) => {
    if (!deps.interactions)
      background.run(`slack.${interaction.kind}`, () => deps.handle(interaction));
  };

  app.command(PRODE_COMMAND, async ({ ack, command, body, context }) => {
    const interaction: SlackInteraction = {
      kind: "command",
      deliveryId: deliveryIdOf(body),
      text: command.text ?? "",
      userId: command.user_id,
      channelId: command.channel_id,
      responseUrl: responseUrlOf(command.response_url),
    };
    if (!(await handOn(interaction, context.retryNum))) {
      await ack({ response_type: "ephemeral", text: NOT_ACCEPTED });
      return;
    }
    await ack();
    handleHere(interaction);
  });

  for (const [actionId, verdict] of [
    [APPROVE_ACTION_ID, "approve"],
    [REJECT_ACTION_ID, "reject"],
  ] as const) {
    app.action<BlockAction<ButtonAction>>(
      actionId,
      async ({ ack, body, action, context, respond }) => {
        const threadTs = body.message?.thread_ts;
        const messageTs = body.message?.ts ?? body.container?.message_ts;
        const responseUrl = responseUrlOf(body.response_url);
        const interaction: SlackInteraction = {
          kind: "approval",
          deliveryId: deliveryIdOf(body),
          approvalId: action.value ?? "",
          verdict,
          userId: body.user.id,
          userName: body.user.name ?? body.user.username,
          channel: body.channel?.id ?? body.container?.channel_id,
          messageTs,
          threadTs: threadTs && threadTs !== messageTs ? threadTs : undefined,
          responseUrl,
        };
        const accepted = await handOn(interaction, context.retryNum);
        await ack();
        if (accepted) handleHere(interaction);
        // A click's ack carries no message: the refusal goes to the clicker alone, and
        // only to a response_url on Slack's host.
        else if (responseUrl)
          await respond({
            response_type: "ephemeral",
            replace_original: false,
            text: NOT_ACCEPTED,
          }).catch((error: unknown) => log.warn({ err: error }, "could not tell the clicker"));
      },
    );
  }

  // Events are acknowledged by Bolt before listeners run.
  app.event(LISTENED_EVENTS[0], async ({ event, body, context }) => {
    if (event.tab !== "home") return;
    const interaction: SlackInteraction = {
      kind: "home",
      deliveryId: deliveryIdOf(body),
      userId: event.user,
    };
    if (await handOn(interaction, context.retryNum)) handleHere(interaction);
  });

  for (const [actionId, verdict] of [
    [FEEDBACK_RIGHT_ACTION_ID, "right"],
    [FEEDBACK_WRONG_ACTION_ID, "wrong"],
  ] as const) {
    app.action<BlockAction<ButtonAction>>(actionId, async ({ ack, body, action, context }) => {
      const threadTs = body.message?.thread_ts;
      const messageTs = body.message?.ts ?? body.container?.message_ts;
      const interaction: SlackInteraction = {
        kind: "feedback",
        deliveryId: deliveryIdOf(body),
        runId: action.value ?? "",
        verdict,
        userId: body.user.id,
        triggerId: body.trigger_id,
        channel: body.channel?.id ?? body.container?.channel_id,
        messageTs,
        threadTs: threadTs && threadTs !== messageTs ? threadTs : undefined,
        responseUrl: responseUrlOf(body.response_url),
      };
      const accepted = await handOn(interaction, context.retryNum);
      await ack();
      if (accepted) handleHere(interaction);
    });
  }

  app.view(FEEDBACK_MODAL_CALLBACK_ID, async ({ ack, body, view, context }) => {
    const selected = view.state?.values?.[FEEDBACK_INPUT_BLOCK_ID]?.[FEEDBACK_INPUT_ACTION_ID];
    const interaction: SlackInteraction = {
      kind: "feedback_submit",
      deliveryId: deliveryIdOf(body),
      userId: body.user.id,
      privateMetadata: view.private_metadata ?? "",
      outcome: selected?.selected_option?.value ?? "",
    };
    const accepted = await handOn(interaction, context.retryNum);
    // The modal closes on an empty ack; the answer comes in the thread (ephemeral).
    await ack(
      accepted
        ? undefined
        : { response_action: "errors", errors: { [FEEDBACK_INPUT_BLOCK_ID]: NOT_ACCEPTED } },
    );
    if (accepted) handleHere(interaction);
  });

  // `@prode <question>` in a triage thread (Events API: acknowledged before listeners).
  app.event(LISTENED_EVENTS[1], async ({ event, body, context }) => {
    // prode's own posts never ask prode anything.
    if (!event.user || (event as { bot_id?: string }).bot_id) return;
    const interaction: SlackInteraction = {
      kind: "mention",
      deliveryId: deliveryIdOf(body),
      userId: event.user,
      channel: event.channel,
      ts: event.ts,
      threadTs: event.thread_ts,
      text: event.text ?? "",
    };
    if (await handOn(interaction, context.retryNum)) handleHere(interaction);
  });

  app.error(async (error) => {
    log.error({ err: error }, "slack listener failed");
  });

  return {
    app,
    mode: socketMode ? "socket" : "http",
    routes,
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
