import { createHmac } from "node:crypto";
import type { SlackState } from "./slack-workspace.ts";

/**
 * Builds signed requests *from* Slack to prode, as Slack sends them to a Bolt HTTP
 * receiver: a button click (`block_actions`, form field `payload`), a slash command
 * (form fields), a submitted modal (`view_submission`) and an Events API callback
 * (`app_mention`, a JSON body). Signed per https://api.slack.com/authentication/verifying-requests-from-slack:
 * `X-Slack-Signature = v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{raw body}`.
 */
interface SlackInbound {
  headers: Record<string, string>;
  /** The raw form body exactly as signed. */
  body: string;
}

interface SlackRequestSource {
  state: { slack: SlackState };
}

interface Common {
  /** Seconds since the epoch; defaults to the wall clock (Bolt checks it within 5 minutes). */
  timestampSec?: number;
  /** Set to simulate Slack retrying a delivery (`X-Slack-Retry-Num`, `X-Slack-Retry-Reason`). */
  retryNum?: number;
}

function signSlackBody(body: string, secret: string, timestampSec: number): string {
  return `v0=${createHmac("sha256", secret).update(`v0:${timestampSec}:${body}`).digest("hex")}`;
}

function inbound(
  body: string,
  secret: string,
  opts: Common,
  contentType = "application/x-www-form-urlencoded",
): SlackInbound {
  const timestamp = opts.timestampSec ?? Math.floor(Date.now() / 1000);
  return {
    headers: {
      "content-type": contentType,
      "x-slack-request-timestamp": String(timestamp),
      "x-slack-signature": signSlackBody(body, secret, timestamp),
      ...(opts.retryNum !== undefined
        ? { "x-slack-retry-num": String(opts.retryNum), "x-slack-retry-reason": "http_timeout" }
        : {}),
    },
    body,
  };
}

function findElement(blocks: unknown[] | undefined, actionId: string) {
  for (const block of blocks ?? []) {
    const b = block as { block_id?: string; elements?: unknown[]; accessory?: unknown };
    for (const el of [...(b.elements ?? []), b.accessory]) {
      const e = el as { action_id?: string; text?: unknown; type?: string } | undefined;
      if (e?.action_id === actionId) return { blockId: b.block_id, element: e };
    }
  }
  return undefined;
}

interface BlockActionInput extends Common {
  /** Slack user id of the clicker. */
  user: string;
  actionId: string;
  value?: string;
  channel: string;
  /** The message carrying the button; its blocks supply block_id and the button text. */
  messageTs: string;
}

/** A `block_actions` delivery for a button click on a message in the world's workspace. */
export function slackBlockAction(
  world: SlackRequestSource,
  input: BlockActionInput,
  secret?: string,
): SlackInbound & { payload: Record<string, unknown> } {
  const slack = world.state.slack;
  const { team, bot } = slack.data;
  const user = slack.data.users.find((u) => u.id === input.user);
  const message = slack.messages(input.channel).find((m) => m.ts === input.messageTs);
  const found = findElement(message?.blocks, input.actionId);
  const channel = slack.data.channels.find((c) => c.id === input.channel);
  const actionTs = `${Math.floor(Date.now() / 1000)}.${String(Date.now() % 1000).padStart(3, "0")}000`;
  const payload: Record<string, unknown> = {
    type: "block_actions",
    user: {
      id: input.user,
      username: user?.name ?? input.user,
      name: user?.name ?? input.user,
      team_id: team.id,
    },
    api_app_id: bot.appId,
    token: "sim-verification-token",
    container: {
      type: "message",
      message_ts: input.messageTs,
      channel_id: input.channel,
      is_ephemeral: false,
    },
    trigger_id: `${Date.now()}.${team.id}.sim`,
    team: { id: team.id, domain: team.domain },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: input.channel, name: channel?.name ?? input.channel },
    ...(message ? { message: { ...message, channel: undefined } } : {}),
    state: { values: {} },
    response_url: `https://hooks.slack.com/actions/${team.id}/0000000000/sim`,
    actions: [
      {
        action_id: input.actionId,
        block_id: found?.blockId ?? "sim",
        text: found?.element.text ?? { type: "plain_text", text: input.actionId, emoji: true },
        ...(input.value !== undefined ? { value: input.value } : {}),
        type: found?.element.type ?? "button",
        action_ts: actionTs,
      },
    ],
  };
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  return { ...inbound(body, secret ?? slack.data.signingSecret, input), payload };
}

interface SlashCommandInput extends Common {
  user: string;
  text: string;
  command?: string;
  channel?: string;
}

/** A slash command delivery (`/prode status ENG-4821`). */
export function slackSlashCommand(
  world: SlackRequestSource,
  input: SlashCommandInput,
  secret?: string,
): SlackInbound & { fields: Record<string, string> } {
  const slack = world.state.slack;
  const { team, bot, incidentChannel } = slack.data;
  const channelId = input.channel ?? incidentChannel;
  const fields: Record<string, string> = {
    token: "sim-verification-token",
    team_id: team.id,
    team_domain: team.domain,
    channel_id: channelId,
    channel_name: slack.data.channels.find((c) => c.id === channelId)?.name ?? channelId,
    user_id: input.user,
    user_name: slack.data.users.find((u) => u.id === input.user)?.name ?? input.user,
    command: input.command ?? "/prode",
    text: input.text,
    api_app_id: bot.appId,
    is_enterprise_install: "false",
    response_url: `https://hooks.slack.com/commands/${team.id}/0000000000/sim`,
    trigger_id: `${Date.now()}.${team.id}.sim`,
  };
  const body = new URLSearchParams(fields).toString();
  return { ...inbound(body, secret ?? slack.data.signingSecret, input), fields };
}

interface AppMentionInput extends Common {
  /** Who wrote the message. */
  user: string;
  /** What follows the mention ("why not infra?"); the `<@bot>` token is put in front. */
  text: string;
  channel?: string;
  /** The thread the message is posted in (a triage thread's parent ts); absent at top level. */
  threadTs?: string;
  /**
   * A redelivery of an earlier event: its id and message ts. Slack retries with the same
   * `event_id` (https://docs.slack.dev/apis/events-api/#retries); nothing is posted again.
   */
  redeliver?: { eventId: string; ts: string };
}

let eventSeq = 0;

/**
 * `@prode <text>` as Slack delivers it: the user's message is added to the channel (and
 * thread), and an `event_callback` with an `app_mention` event is built, signed, for
 * POST to prode's /slack/events. Pass `redeliver` (with `retryNum`) to build Slack's
 * retry of the same event.
 */
export function slackAppMention(
  world: SlackRequestSource,
  input: AppMentionInput,
  secret?: string,
): SlackInbound & { eventId: string; ts: string; payload: Record<string, unknown> } {
  const slack = world.state.slack;
  const { team, bot, incidentChannel } = slack.data;
  const channel = input.channel ?? incidentChannel;
  const text = `<@${bot.userId}> ${input.text}`;
  let ts = input.redeliver?.ts;
  ts ??= slack.postAsUser({
    channel,
    user: input.user,
    text,
    ...(input.threadTs ? { threadTs: input.threadTs } : {}),
  }).ts;
  eventSeq += 1;
  const eventId =
    input.redeliver?.eventId ?? `Ev0SIM${Date.now().toString(36).toUpperCase()}${eventSeq}`;
  const payload: Record<string, unknown> = {
    token: "sim-verification-token",
    team_id: team.id,
    api_app_id: bot.appId,
    event: {
      type: "app_mention",
      user: input.user,
      text,
      ts,
      channel,
      event_ts: ts,
      team: team.id,
      client_msg_id: `sim-${eventId}`,
      ...(input.threadTs ? { thread_ts: input.threadTs } : {}),
    },
    type: "event_callback",
    event_id: eventId,
    event_time: Math.floor(Number(ts)),
    authorizations: [
      {
        enterprise_id: null,
        team_id: team.id,
        user_id: bot.userId,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
  };
  const body = JSON.stringify(payload);
  return {
    ...inbound(body, secret ?? slack.data.signingSecret, input, "application/json"),
    eventId,
    ts,
    payload,
  };
}

interface ViewSubmissionInput extends Common {
  user: string;
  /** The modal as prode opened it (from `openedViews()`). */
  view: Record<string, unknown>;
  /** The chosen option of each static_select: block id → action id → option value. */
  selected: Record<string, Record<string, string>>;
}

/** A submitted modal (`view_submission`), its selects set as the user chose. */
export function slackViewSubmission(
  world: SlackRequestSource,
  input: ViewSubmissionInput,
  secret?: string,
): SlackInbound & { payload: Record<string, unknown> } {
  const slack = world.state.slack;
  const { team, bot } = slack.data;
  const user = slack.data.users.find((u) => u.id === input.user);
  const values: Record<string, Record<string, unknown>> = {};
  for (const [blockId, byAction] of Object.entries(input.selected)) {
    values[blockId] = {};
    for (const [actionId, value] of Object.entries(byAction)) {
      values[blockId]![actionId] = {
        type: "static_select",
        selected_option: { text: { type: "plain_text", text: value, emoji: true }, value },
      };
    }
  }
  const payload: Record<string, unknown> = {
    type: "view_submission",
    team: { id: team.id, domain: team.domain },
    user: {
      id: input.user,
      username: user?.name ?? input.user,
      name: user?.name ?? input.user,
      team_id: team.id,
    },
    api_app_id: bot.appId,
    token: "sim-verification-token",
    trigger_id: `${Date.now()}.${team.id}.sim`,
    view: {
      id: String(input.view.id ?? "V0MODAL0001"),
      team_id: team.id,
      type: "modal",
      blocks: input.view.blocks ?? [],
      private_metadata: input.view.private_metadata ?? "",
      callback_id: input.view.callback_id ?? "",
      state: { values },
      hash: String(input.view.hash ?? "0"),
      title: input.view.title,
      app_id: bot.appId,
      bot_id: bot.botId,
    },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  return { ...inbound(body, secret ?? slack.data.signingSecret, input), payload };
}
