import type { WebClient } from "@slack/web-api";
import type { RenderedMessage } from "../../blocks/kit.ts";
import { assertWithinSlackLimits } from "../../blocks/validate.ts";
import { callSlack } from "../adapters/slack/client.ts";
import { defaultRedactor, type Redactor } from "../safety/redact.ts";

/**
 * Posting, updating and finding prode's messages. Every message prode posts carries
 * message metadata (https://docs.slack.dev/messaging/message-metadata) naming what it
 * is, so that after a crash between "Slack accepted the post" and "the ledger recorded
 * it", the effect's `reconcile` finds the message instead of posting a second one.
 */

export const PARENT_EVENT = "prode_triage";
export const MILESTONE_EVENT = "prode_milestone";
export const APPROVAL_EVENT = "prode_approval";
export const HANDOFF_EVENT = "prode_approved_action";

/** Where a message is; stored as the effect's result. */
export interface SlackMessageRef {
  channel: string;
  ts: string;
  /** The parent's ts, for thread replies. */
  threadTs?: string;
  permalink?: string;
}

export interface MessageMetadata {
  event_type: string;
  event_payload: Record<string, string>;
}

/** The ledger's external id of a message: "C0123/1700000000.000100". */
export function messageExternalId(ref: Pick<SlackMessageRef, "channel" | "ts">): string {
  return `${ref.channel}/${ref.ts}`;
}

/** View models hold redacted text (blocks/view-models.ts): this is where it is redacted. */
export function redactView<T>(view: T, redactor: Redactor = defaultRedactor): T {
  return redactor.redactValue(view).value as T;
}

export async function postMessage(
  client: WebClient,
  args: {
    channel: string;
    message: RenderedMessage;
    metadata: MessageMetadata;
    threadTs?: string | undefined;
  },
): Promise<SlackMessageRef> {
  assertWithinSlackLimits(args.message, "message");
  const r = await callSlack("chat.postMessage", () =>
    client.chat.postMessage({
      channel: args.channel,
      text: args.message.text,
      blocks: args.message.blocks,
      metadata: args.metadata,
      unfurl_links: false,
      unfurl_media: false,
      ...(args.threadTs ? { thread_ts: args.threadTs } : {}),
    }),
  );
  return {
    channel: r.channel ?? args.channel,
    ts: r.ts ?? "",
    ...(args.threadTs ? { threadTs: args.threadTs } : {}),
  };
}

/** chat.update in place: idempotent, so a retry repeats it harmlessly. */
export async function updateMessage(
  client: WebClient,
  ref: Pick<SlackMessageRef, "channel" | "ts">,
  message: RenderedMessage,
  metadata?: MessageMetadata,
): Promise<void> {
  assertWithinSlackLimits(message, "message");
  await callSlack("chat.update", () =>
    client.chat.update({
      channel: ref.channel,
      ts: ref.ts,
      text: message.text,
      blocks: message.blocks,
      ...(metadata ? { metadata } : {}),
    }),
  );
}

/** Adds the permalink (for App Home and status links); a failure only leaves it out. */
export async function withPermalink(
  client: WebClient,
  ref: SlackMessageRef,
): Promise<SlackMessageRef> {
  try {
    const r = await client.chat.getPermalink({ channel: ref.channel, message_ts: ref.ts });
    return r.permalink ? { ...ref, permalink: r.permalink } : ref;
  } catch {
    return ref;
  }
}

type Found = { ts?: string; metadata?: { event_type?: string; event_payload?: unknown } };

function matches(m: Found, metadata: MessageMetadata): boolean {
  if (m.metadata?.event_type !== metadata.event_type) return false;
  const payload = (m.metadata.event_payload ?? {}) as Record<string, unknown>;
  return Object.entries(metadata.event_payload).every(([k, v]) => payload[k] === v);
}

/**
 * The newest top-level message in `channel` whose metadata matches, searching at most
 * `maxPages` pages of history (bounded: a reconcile must not walk a channel's past).
 */
export async function findInChannel(
  client: WebClient,
  channel: string,
  metadata: MessageMetadata,
  maxPages = 5,
): Promise<SlackMessageRef | null> {
  let cursor: string | undefined;
  for (let page = 0; page < maxPages; page += 1) {
    const r = await callSlack("conversations.history", () =>
      client.conversations.history({
        channel,
        include_all_metadata: true,
        limit: 200,
        ...(cursor ? { cursor } : {}),
      }),
    );
    const hit = (r.messages as Found[] | undefined)?.find((m) => matches(m, metadata));
    if (hit?.ts) return { channel, ts: hit.ts };
    cursor = r.response_metadata?.next_cursor;
    if (!r.has_more || !cursor) break;
  }
  return null;
}

/** A reply in the thread of `threadTs` whose metadata matches (bounded like history). */
export async function findInThread(
  client: WebClient,
  channel: string,
  threadTs: string,
  metadata: MessageMetadata,
  maxPages = 5,
): Promise<SlackMessageRef | null> {
  let cursor: string | undefined;
  for (let page = 0; page < maxPages; page += 1) {
    const r = await callSlack("conversations.replies", () =>
      client.conversations.replies({
        channel,
        ts: threadTs,
        include_all_metadata: true,
        limit: 200,
        ...(cursor ? { cursor } : {}),
      }),
    );
    const hit = (r.messages as Found[] | undefined)?.find(
      (m) => m.ts !== threadTs && matches(m, metadata),
    );
    if (hit?.ts) return { channel, ts: hit.ts, threadTs };
    cursor = r.response_metadata?.next_cursor;
    if (!r.has_more || !cursor) break;
  }
  return null;
}
