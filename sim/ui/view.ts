import type { SlackMessage, SlackState } from "../services/slack-workspace.ts";
import { renderBlock, renderMessageBody } from "./blocks.ts";
import { formatSlackDate, type MrkdwnContext, renderPlain } from "./mrkdwn.ts";

/**
 * What the workspace page shows one viewer, from the simulated Slack's stored state: the
 * channels with their messages (Block Kit already rendered to escaped HTML), threads,
 * the viewer's ephemerals, App Home and open modal. Pure: (state, viewer, now) → JSON.
 */

export interface PageUser {
  id: string;
  name: string;
  title: string;
}

export interface PageMessage {
  ts: string;
  channel: string;
  /** The parent's ts for a reply; absent at top level. */
  threadTs?: string;
  author: string;
  /** When it was posted, in the viewer's zone ("10:41 AM"). */
  time: string;
  isBot: boolean;
  edited: boolean;
  /** Only visible to the viewer (an ephemeral). */
  ephemeral: boolean;
  html: string;
  /** Replies under a top-level message. */
  replies: number;
}

export interface PageModal {
  id: string;
  title: string;
  submit: string;
  html: string;
}

export interface PageState {
  team: string;
  scenario: string;
  ticket: { identifier: string; title: string };
  now: string;
  viewer: string;
  users: PageUser[];
  channels: { id: string; name: string }[];
  incidentChannel: string;
  messages: PageMessage[];
  /** The viewer's App Home as prode last published it; undefined until it did. */
  home?: string;
  modal?: PageModal;
}

export interface PageSource {
  slack: SlackState;
  scenario: { name: string; ticket: { identifier: string; title: string } };
  now: Date;
  viewer: string;
  /** Modals opened from this viewer's clicks and still open. */
  openModalIds: ReadonlySet<string>;
}

function textOf(value: unknown): string {
  if (typeof value === "object" && value !== null && "text" in value)
    return String((value as { text: unknown }).text ?? "");
  return "";
}

export function pageState(source: PageSource): PageState {
  const { slack, viewer } = source;
  const data = slack.data;
  const user = data.users.find((u) => u.id === viewer);
  const ctx: MrkdwnContext = {
    userName: (id) =>
      id === data.bot.userId ? data.bot.name : data.users.find((u) => u.id === id)?.realName,
    channelName: (id) => data.channels.find((c) => c.id === id)?.name,
    timeZone: user?.tz ?? "UTC",
    now: source.now,
  };
  const channels = data.channels.filter((c) => !c.id.startsWith("D"));
  const all = channels.flatMap((c) => slack.messages(c.id));
  const timeOf = (ts: string) => formatSlackDate(Math.floor(Number(ts)), "{time}", ctx);
  const isParent = (m: SlackMessage) => m.thread_ts === undefined || m.thread_ts === m.ts;
  const messages: PageMessage[] = all.map((m) => ({
    ts: m.ts,
    channel: m.channel,
    ...(isParent(m) ? {} : { threadTs: m.thread_ts! }),
    author:
      m.user === data.bot.userId || m.bot_id
        ? data.bot.name
        : (data.users.find((u) => u.id === m.user)?.realName ?? m.user),
    time: timeOf(m.ts),
    isBot: m.user === data.bot.userId || m.bot_id !== undefined,
    edited: m.edited !== undefined,
    ephemeral: false,
    html: renderMessageBody(m, ctx),
    replies: isParent(m) ? all.filter((r) => r.thread_ts === m.ts && r.ts !== m.ts).length : 0,
  }));
  for (const e of slack.ephemerals().filter((x) => x.user === viewer)) {
    messages.push({
      ts: e.message_ts,
      channel: e.channel,
      ...(e.thread_ts ? { threadTs: e.thread_ts } : {}),
      author: data.bot.name,
      time: timeOf(e.message_ts),
      isBot: true,
      edited: false,
      ephemeral: true,
      html: renderMessageBody(e, ctx),
      replies: 0,
    });
  }
  const home = slack.homeView(viewer)?.view;
  const modal = slack
    .openedViews()
    .filter((v) => source.openModalIds.has(v.id))
    .at(-1);
  return {
    team: data.team.name,
    scenario: source.scenario.name,
    ticket: source.scenario.ticket,
    now: source.now.toISOString(),
    viewer,
    users: data.users
      .filter((u) => !u.isBot && !u.deleted)
      .map((u) => ({ id: u.id, name: u.realName, title: u.title ?? "" })),
    channels: channels.map((c) => ({ id: c.id, name: c.name })),
    incidentChannel: data.incidentChannel,
    messages,
    ...(home
      ? {
          home: ((home.blocks as unknown[] | undefined) ?? [])
            .map((b) => renderBlock(b, ctx))
            .join(""),
        }
      : {}),
    ...(modal
      ? {
          modal: {
            id: modal.id,
            title: renderPlain(textOf(modal.view.title) || "prode"),
            submit: renderPlain(textOf(modal.view.submit) || "Submit"),
            html: ((modal.view.blocks as unknown[] | undefined) ?? [])
              .map((b) => renderBlock(b, ctx))
              .join(""),
          },
        }
      : {}),
  };
}

/** What changes the page: cheap to compute every few hundred milliseconds. */
export function stateSignature(slack: SlackState, viewer: string): string {
  const messages = slack.messages();
  return [
    messages.length,
    messages.map((m) => m.edited?.ts ?? "").join(","),
    slack.ephemerals().length,
    slack.homeView(viewer)?.hash ?? "",
    slack.openedViews().length,
  ].join("|");
}
