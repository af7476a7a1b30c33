import type { Config } from "../../config/index.ts";
import { AppError, ErrorCode } from "../../domain/errors.ts";

/**
 * What a Slack request asks prode to do, once acknowledged: plain data, so it can run in
 * the web process right after the ack or travel through the interaction stream to the
 * worker process. The delivery id is the same on every retry of the request
 * (see deliveryIdOf).
 */
export type SlackInteraction =
  | {
      kind: "command";
      deliveryId: string;
      text: string;
      userId: string;
      channelId?: string | undefined;
      responseUrl?: string | undefined;
    }
  | {
      kind: "approval";
      deliveryId: string;
      approvalId: string;
      verdict: "approve" | "reject";
      userId: string;
      userName?: string | undefined;
      channel?: string | undefined;
      messageTs?: string | undefined;
      threadTs?: string | undefined;
      responseUrl?: string | undefined;
    }
  | { kind: "home"; deliveryId: string; userId: string }
  /** `@prode <question>` (app_mention); the delivery id is the event's id. */
  | {
      kind: "mention";
      deliveryId: string;
      userId: string;
      channel: string;
      /** The message that mentioned prode, and the thread it sits in (absent at top level). */
      ts: string;
      threadTs?: string | undefined;
      text: string;
    }
  /** A Right / Wrong click under a decision reply; `runId` is the button's value, unchecked. */
  | {
      kind: "feedback";
      deliveryId: string;
      runId: string;
      verdict: "right" | "wrong";
      userId: string;
      /** Opens the modal asking for the right exit (valid 3 s after the click). */
      triggerId?: string | undefined;
      channel?: string | undefined;
      messageTs?: string | undefined;
      threadTs?: string | undefined;
      responseUrl?: string | undefined;
    }
  /** The submitted feedback modal: its metadata and chosen exit, both unchecked. */
  | {
      kind: "feedback_submit";
      deliveryId: string;
      userId: string;
      privateMetadata: string;
      outcome: string;
    };

/** Handles one acknowledged interaction (src/slack/dispatcher.ts implements it). */
export type HandleSlackInteraction = (interaction: SlackInteraction) => Promise<void>;

export type SlackConfig = Pick<Config, "slack" | "PRODE_POLICY_DIR">;

export function requireSlack(config: SlackConfig): NonNullable<Config["slack"]> {
  if (!config.slack) {
    throw new AppError(
      ErrorCode.ConfigInvalid,
      "Slack is not configured: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET",
    );
  }
  return config.slack;
}
