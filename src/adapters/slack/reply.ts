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
