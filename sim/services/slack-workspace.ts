import type { SimContext } from "../types.ts";
import type { SlackData, SlackUserData } from "./slack-data.ts";

/** Message metadata as Slack stores it (https://api.slack.com/metadata/using). */
export interface SlackMetadata {
  event_type: string;
  event_payload: Record<string, unknown>;
}

/** A stored message, in the shape conversations.history / replies return it. */
export interface SlackMessage {
  type: "message";
  ts: string;
  channel: string;
  user: string;
  text: string;
  team: string;
  bot_id?: string;
  app_id?: string;
  blocks?: unknown[];
  attachments?: unknown[];
  thread_ts?: string;
  metadata?: SlackMetadata;
  edited?: { user: string; ts: string };
}

interface SlackEphemeral {
  channel: string;
  user: string;
  message_ts: string;
  thread_ts?: string;
  text: string;
  blocks?: unknown[];
}

interface SlackHomeView {
  id: string;
  user_id: string;
  hash: string;
  view: Record<string, unknown>;
}

/** Read-only accessors tests use to see what prode left in the workspace. */
export interface SlackState {
  /** Every message in a channel (top-level and replies), oldest first. */
  messages(channel?: string): SlackMessage[];
  /** The parent and its replies, oldest first. */
  thread(channel: string, ts: string): SlackMessage[];
  /** Top-level messages carrying metadata of this event type. */
  withMetadata(eventType: string, channel?: string): SlackMessage[];
  ephemerals(): SlackEphemeral[];
  homeView(userId: string): SlackHomeView | undefined;
  /**
   * A person writes a message (a test hook: the follow-up questions of issue 19.2). It is
   * stored as Slack stores it and returned; delivering its event is the caller's step.
   */
  postAsUser(input: {
    channel: string;
    user: string;
    text: string;
    threadTs?: string;
  }): SlackMessage;
  /** Modals opened with views.open, oldest first, with the trigger that opened each. */
  openedViews(): SlackModalView[];
  readonly data: SlackData;
}

/** A modal opened by views.open. */
export interface SlackModalView {
  id: string;
  trigger_id: string;
  hash: string;
  view: Record<string, unknown>;
}

/**
 * The mutable workspace of one world: channels with their messages, App Home views and
 * ephemeral messages, and the `ts` clock. Timestamps are unique and strictly increasing
 * ("1700000000.000100"), derived from the world clock.
 */
export class SlackWorkspace implements SlackState {
  readonly data: SlackData;
  readonly #ctx: SimContext;
  readonly #messages = new Map<string, SlackMessage[]>();
  readonly #ephemerals: SlackEphemeral[] = [];
  readonly #views = new Map<string, SlackHomeView>();
  readonly #modals: SlackModalView[] = [];
  #lastMicros = 0;
  #viewSeq = 0;

  constructor(data: SlackData, ctx: SimContext) {
    this.data = data;
    this.#ctx = ctx;
    for (const c of data.channels) this.#messages.set(c.id, []);
    const start = ctx.now().getTime();
    const seeded = [...data.messages].sort((a, b) => a.atOffsetSec - b.atOffsetSec);
    for (const m of seeded) {
      const ts = this.#tsAt((start + m.atOffsetSec * 1000) * 1000);
      this.#messages.get(m.channel)?.push({
        type: "message",
        ts,
        channel: m.channel,
        user: m.user,
        text: m.text,
        team: data.team.id,
      });
    }
  }

  #tsAt(micros: number): string {
    const next = Math.max(Math.floor(micros), this.#lastMicros + 100);
    this.#lastMicros = next;
    const seconds = Math.floor(next / 1_000_000);
    return `${seconds}.${String(next % 1_000_000).padStart(6, "0")}`;
  }

  nextTs(): string {
    return this.#tsAt(this.#ctx.now().getTime() * 1000);
  }

  /** The workspace's web address: what auth.test answers and where permalinks start. */
  teamUrl(): string {
    return `https://${this.data.team.domain}.slack.com/`;
  }

  /** The DM channel between the bot and a user, opened on first use. */
  openDm(user: string): string {
    const id = `D${user.slice(1)}`;
    if (!this.#messages.has(id)) {
      this.data.channels.push({ id, name: user, members: [user], isArchived: false });
      this.#messages.set(id, []);
    }
    return id;
  }

  hasChannel(id: string): boolean {
    return this.#messages.has(id);
  }

  channel(id: string) {
    return this.data.channels.find((c) => c.id === id);
  }

  user(id: string): SlackUserData | undefined {
    return this.data.users.find((u) => u.id === id);
  }

  isMember(channel: string, user: string): boolean {
    const members = this.channel(channel)?.members;
    return members === undefined || members.includes(user);
  }

  find(channel: string, ts: string): SlackMessage | undefined {
    return this.#messages.get(channel)?.find((m) => m.ts === ts);
  }

  append(message: SlackMessage): void {
    this.#messages.get(message.channel)?.push(message);
  }

  addEphemeral(e: SlackEphemeral): void {
    this.#ephemerals.push(e);
  }

  publishView(userId: string, view: Record<string, unknown>): SlackHomeView {
    const existing = this.#views.get(userId);
    this.#viewSeq += 1;
    const published: SlackHomeView = {
      id: existing?.id ?? `V0SIM${String(this.#views.size + 1).padStart(4, "0")}`,
      user_id: userId,
      hash: `${Math.floor(this.#ctx.now().getTime() / 1000)}.${String(this.#viewSeq).padStart(8, "0")}`,
      view,
    };
    this.#views.set(userId, published);
    return published;
  }

  postAsUser(input: {
    channel: string;
    user: string;
    text: string;
    threadTs?: string;
  }): SlackMessage {
    const message: SlackMessage = {
      type: "message",
      ts: this.nextTs(),
      channel: input.channel,
      user: input.user,
      text: input.text,
      team: this.data.team.id,
      ...(input.threadTs ? { thread_ts: input.threadTs } : {}),
    };
    this.append(message);
    return message;
  }

  /** Opens a modal; undefined when the trigger was already used (Slack: trigger_exchanged). */
  openView(triggerId: string, view: Record<string, unknown>): SlackModalView | undefined {
    if (this.#modals.some((m) => m.trigger_id === triggerId)) return undefined;
    this.#viewSeq += 1;
    const opened: SlackModalView = {
      id: `V0MODAL${String(this.#modals.length + 1).padStart(4, "0")}`,
      trigger_id: triggerId,
      hash: `${Math.floor(this.#ctx.now().getTime() / 1000)}.${String(this.#viewSeq).padStart(8, "0")}`,
      view,
    };
    this.#modals.push(opened);
    return opened;
  }

  openedViews(): SlackModalView[] {
    return [...this.#modals];
  }

  messages(channel?: string): SlackMessage[] {
    if (channel !== undefined) return [...(this.#messages.get(channel) ?? [])];
    return [...this.#messages.values()].flat().sort((a, b) => compareTs(a.ts, b.ts));
  }

  topLevel(channel: string): SlackMessage[] {
    return this.messages(channel).filter((m) => m.thread_ts === undefined || m.thread_ts === m.ts);
  }

  thread(channel: string, ts: string): SlackMessage[] {
    return this.messages(channel).filter((m) => m.ts === ts || m.thread_ts === ts);
  }

  withMetadata(eventType: string, channel?: string): SlackMessage[] {
    return this.messages(channel).filter((m) => m.metadata?.event_type === eventType);
  }

  ephemerals(): SlackEphemeral[] {
    return [...this.#ephemerals];
  }

  homeView(userId: string): SlackHomeView | undefined {
    return this.#views.get(userId);
  }
}

export function compareTs(a: string, b: string): number {
  const [as = "0", af = "0"] = a.split(".");
  const [bs = "0", bf = "0"] = b.split(".");
  return Number(as) - Number(bs) || Number(af) - Number(bf);
}
