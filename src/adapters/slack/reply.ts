import type { WebClient } from "@slack/web-api";
import type { RenderedMessage } from "../../../blocks/kit.ts";
import { callSlack, slackPlatformError } from "./client.ts";

/** Errors that mean "the bot cannot post ephemerals here" (a DM, a channel it is not in). */
const NOT_HERE = new Set(["channel_not_found", "not_in_channel", "user_not_in_channel"]);

/**
 * An ephemeral reply to the user who typed a command or clicked a button. chat.postEphemeral
 * first (it threads under the clicked message); where the bot cannot post (a DM, a channel
 * it was not invited to), the interaction's response_url, which works anywhere.
 */
export async function replyEphemeral(
  client: WebClient,
  to: { channel: string | undefined; user: string; threadTs?: string | undefined },
  message: RenderedMessage,
  respond?: (message: RenderedMessage) => Promise<void>,
): Promise<"ephemeral" | "response_url"> {
  if (to.channel) {
    try {
      await callSlack("chat.postEphemeral", () =>
        client.chat.postEphemeral({
          channel: to.channel!,
          user: to.user,
          text: message.text,
          blocks: message.blocks,
          ...(to.threadTs ? { thread_ts: to.threadTs } : {}),
        }),
      );
      return "ephemeral";
    } catch (error) {
      if (!respond || !NOT_HERE.has(slackPlatformError(error) ?? "")) throw error;
    }
  }
  if (!respond) throw new Error("no channel and no response_url to reply to");
  await respond(message);
  return "response_url";
}

/** Where Slack's response_urls live (https://docs.slack.dev/interactivity/handling-user-interaction#message_responses). */
const SLACK_RESPONSE_HOST = "hooks.slack.com";

/**
 * The response_url of a command or click when it points at Slack, else undefined. The
 * URL comes inside the request body; a request that passed the signature check is still
 * not a reason to POST to any host it names. Allowed: https://hooks.slack.com, and the
 * host of the configured Slack API URL (the simulated world, which serves both on one
 * host; its port may differ).
 */
export function slackResponseUrl(
  url: string | undefined,
  slackApiUrl: string | undefined,
): string | undefined {
  if (!url) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.username || parsed.password) return undefined;
  if (parsed.protocol === "https:" && parsed.hostname === SLACK_RESPONSE_HOST && parsed.port === "")
    return url;
  if (!slackApiUrl) return undefined;
  try {
    const api = new URL(slackApiUrl);
    return api.protocol === parsed.protocol && api.hostname === parsed.hostname ? url : undefined;
  } catch {
    return undefined;
  }
}
