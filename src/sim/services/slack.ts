import type {
  SimContext,
  SimHandled,
  SimRequest,
  SimService,
  SimServiceInstance,
} from "../types.ts";
import { BLOCK_LIMITS, validateBlocks } from "./slack-blocks.ts";
import { type SlackData, slackDataSchema } from "./slack-data.ts";
import {
  compareTs,
  type SlackMessage,
  type SlackMetadata,
  type SlackState,
  SlackWorkspace,
} from "./slack-workspace.ts";

/**
 * The subset of the Slack Web API prode calls, at `{mount}/api/{method}`, answering with
 * Slack's documented shapes and error codes so `@slack/web-api`'s WebClient works against
 * it unmodified (`slackApiUrl: world.urls.slack`). Like Slack, it answers HTTP 200 with
 * `{ok:false, error}` for API errors; only rate limits (429) use the status line.
 */

type Args = Record<string, unknown>;
type Answer = Record<string, unknown>;

class SlackApiError extends Error {
  constructor(
    readonly error: string,
    readonly extra: Answer = {},
  ) {
    super(error);
  }
}

function str(args: Args, key: string): string | undefined {
  const v = args[key];
  if (v === undefined || v === null || v === "") return undefined;
  return typeof v === "string" ? v : String(v);
}

function bool(args: Args, key: string): boolean {
  const v = args[key];
  return v === true || v === "true" || v === "1" || v === 1;
}

/** Form posts carry objects as JSON strings (WebClient serialises them that way). */
function json(args: Args, key: string, formatError: string): unknown {
  const v = args[key];
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "string") return v;
  try {
    return JSON.parse(v);
  } catch {
    throw new SlackApiError(formatError);
  }
}

function invalidBlocks(errors: string[], error = "invalid_blocks"): SlackApiError {
  return new SlackApiError(error, {
    errors,
    response_metadata: { messages: errors.map((e) => `[ERROR] ${e}`) },
  });
}

function pageOf<T>(items: T[], args: Args, defaultLimit: number) {
  const limit = Math.max(
    1,
    Math.min(Number(str(args, "limit") ?? defaultLimit) || defaultLimit, 999),
  );
  const cursor = str(args, "cursor");
  let start = 0;
  if (cursor !== undefined) {
    const decoded = Buffer.from(cursor, "base64").toString("utf8");
    const match = /^offset:(\d+)$/.exec(decoded);
    if (!match) throw new SlackApiError("invalid_cursor");
    start = Number(match[1]);
  }
  const page = items.slice(start, start + limit);
  const hasMore = start + limit < items.length;
  return {
    page,
    has_more: hasMore,
    response_metadata: {
      next_cursor: hasMore ? Buffer.from(`offset:${start + limit}`).toString("base64") : "",
    },
  };
}

function inRange(ts: string, args: Args): boolean {
  const oldest = str(args, "oldest");
  const latest = str(args, "latest");
  const inclusive = bool(args, "inclusive");
  if (oldest !== undefined) {
    const c = compareTs(ts, oldest);
    if (c < 0 || (c === 0 && !inclusive)) return false;
  }
  if (latest !== undefined) {
    const c = compareTs(ts, latest);
    if (c > 0 || (c === 0 && !inclusive)) return false;
  }
  return true;
}

export class SlackSim implements SimServiceInstance {
  readonly workspace: SlackWorkspace;
  readonly state: SlackState;
  readonly #methods: Record<string, (args: Args) => Answer>;

  constructor(data: SlackData, ctx: SimContext) {
    this.workspace = new SlackWorkspace(data, ctx);
    this.state = this.workspace;
    this.#methods = {
      "auth.test": () => this.#authTest(),
      "chat.postMessage": (a) => this.#postMessage(a),
      "chat.update": (a) => this.#update(a),
      "chat.postEphemeral": (a) => this.#postEphemeral(a),
      "chat.getPermalink": (a) => this.#permalink(a),
      "conversations.history": (a) => this.#history(a),
      "conversations.replies": (a) => this.#replies(a),
      "views.publish": (a) => this.#publishView(a),
      "users.info": (a) => this.#usersInfo(a),
      "usergroups.users.list": (a) => this.#usergroupUsers(a),
    };
  }

  identify(req: SimRequest): string {
    const match = /^\/api\/([A-Za-z0-9_.]+)$/.exec(req.path);
    return match?.[1] ?? `${req.method} ${req.path}`;
  }

  handle(req: SimRequest): SimHandled {
    const method = this.identify(req);
    if (!req.path.startsWith("/api/")) {
      return { method, status: 404, body: { ok: false, error: "not_found", path: req.path } };
    }
    const args: Args = { ...Object.fromEntries(req.query), ...((req.body as Args) ?? {}) };
    const handler = this.#methods[method];
    if (!handler) {
      return {
        method,
        status: 200,
        body: { ok: false, error: "unknown_method", req_method: method },
      };
    }
    const auth = req.headers.authorization;
    const token = auth?.startsWith("Bearer ") ? auth.slice("Bearer ".length) : str(args, "token");
    if (token === undefined)
      return { method, status: 200, body: { ok: false, error: "not_authed" } };
    if (token !== this.workspace.data.botToken) {
      return { method, status: 200, body: { ok: false, error: "invalid_auth" } };
    }
    const { token: _token, ...recorded } = args;
    try {
      return { method, status: 200, body: { ok: true, ...handler(args) }, recordedBody: recorded };
    } catch (error) {
      if (error instanceof SlackApiError) {
        return {
          method,
          status: 200,
          body: { ok: false, error: error.error, ...error.extra },
          recordedBody: recorded,
        };
      }
      throw error;
    }
  }

  get #data(): SlackData {
    return this.workspace.data;
  }

  #teamUrl(): string {
    return `https://${this.#data.team.domain}.slack.com/`;
  }

  #authTest(): Answer {
    return {
      url: this.#teamUrl(),
      team: this.#data.team.name,
      user: this.#data.bot.name,
      team_id: this.#data.team.id,
      user_id: this.#data.bot.userId,
      bot_id: this.#data.bot.botId,
      is_enterprise_install: false,
    };
  }

  #requireChannel(args: Args): string {
    const channel = str(args, "channel");
    if (channel === undefined) throw new SlackApiError("channel_not_found");
    // Posting to a user id opens (or reuses) the DM with that user.
    if (/^[UW]/.test(channel) && this.workspace.user(channel)) return this.#dmChannel(channel);
    const byName = this.#data.channels.find((c) => `#${c.name}` === channel || c.name === channel);
    const id = byName?.id ?? channel;
    if (!this.workspace.hasChannel(id)) throw new SlackApiError("channel_not_found");
    if (this.workspace.channel(id)?.isArchived) throw new SlackApiError("is_archived");
    return id;
  }

  #dmChannel(user: string): string {
    return this.workspace.openDm(user);
  }

  /** Reads and validates the content arguments shared by postMessage/update/postEphemeral. */
  #content(args: Args, requireContent: boolean) {
    const text = str(args, "text");
    const blocks = json(args, "blocks", "invalid_blocks_format");
    const attachments = json(args, "attachments", "invalid_attachments");
    if (blocks !== undefined) {
      const errors = validateBlocks(blocks, BLOCK_LIMITS.messageBlocks);
      if (errors.length > 0) throw invalidBlocks(errors);
    }
    if (requireContent && text === undefined && blocks === undefined && attachments === undefined) {
      throw new SlackApiError("no_text");
    }
    // Slack truncates postMessage text beyond 40,000 characters and documents 4,000 as the
    // limit for chat.update; DESIGN.md treats 4,000 as the limit everywhere, so the world is
    // strict and refuses longer text, catching renderers that would be cut off.
    if (text !== undefined && text.length > BLOCK_LIMITS.messageText) {
      throw new SlackApiError("msg_too_long");
    }
    return {
      text,
      blocks: blocks as unknown[] | undefined,
      attachments: attachments as unknown[] | undefined,
    };
  }

  #metadata(args: Args): SlackMetadata | null | undefined {
    const raw = json(args, "metadata", "invalid_metadata_format");
    if (raw === undefined) return undefined;
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      throw new SlackApiError("invalid_metadata_format");
    }
    const m = raw as Record<string, unknown>;
    if (Object.keys(m).length === 0) return null;
    if (typeof m.event_type !== "string" || typeof m.event_payload !== "object") {
      throw new SlackApiError("invalid_metadata_schema");
    }
    if (JSON.stringify(m).length > 8000) throw new SlackApiError("metadata_too_large");
    return { event_type: m.event_type, event_payload: m.event_payload as Record<string, unknown> };
  }

  #render(message: SlackMessage, withMetadata: boolean): Answer {
    const { channel: _channel, metadata, ...rest } = message;
    const out: Answer = { ...rest };
    if (message.bot_id) {
      out.bot_profile = {
        id: message.bot_id,
        app_id: message.app_id,
        name: this.#data.bot.name,
        deleted: false,
        team_id: this.#data.team.id,
      };
    }
    const isParent = message.thread_ts === undefined || message.thread_ts === message.ts;
    if (isParent) {
      const replies = this.workspace
        .thread(message.channel, message.ts)
        .filter((m) => m.ts !== message.ts);
      if (replies.length > 0) {
        out.thread_ts = message.ts;
        out.reply_count = replies.length;
        out.reply_users = [...new Set(replies.map((r) => r.user))];
        out.reply_users_count = (out.reply_users as string[]).length;
        out.latest_reply = replies[replies.length - 1]?.ts;
      }
    } else {
      out.parent_user_id = this.workspace.find(message.channel, message.thread_ts ?? "")?.user;
    }
    if (withMetadata && metadata) out.metadata = metadata;
    return out;
  }

  #postMessage(args: Args): Answer {
    const channel = this.#requireChannel(args);
    const content = this.#content(args, true);
    const metadata = this.#metadata(args);
    let threadTs = str(args, "thread_ts");
    if (threadTs !== undefined) {
      const parent = this.workspace.find(channel, threadTs);
      // Replying to a reply threads under its parent, as Slack does.
      threadTs = parent ? (parent.thread_ts ?? parent.ts) : undefined;
    }
    const ts = this.workspace.nextTs();
    const message: SlackMessage = {
      type: "message",
      ts,
      channel,
      user: this.#data.bot.userId,
      text: content.text ?? "",
      team: this.#data.team.id,
      bot_id: this.#data.bot.botId,
      app_id: this.#data.bot.appId,
      ...(content.blocks ? { blocks: content.blocks } : {}),
      ...(content.attachments ? { attachments: content.attachments } : {}),
      ...(threadTs ? { thread_ts: threadTs } : {}),
      ...(metadata ? { metadata } : {}),
    };
    this.workspace.append(message);
    return { channel, ts, message: this.#render(message, true) };
  }

  #update(args: Args): Answer {
    const channel = this.#requireChannel(args);
    const ts = str(args, "ts");
    const message = ts === undefined ? undefined : this.workspace.find(channel, ts);
    if (!message) throw new SlackApiError("message_not_found");
    if (message.bot_id !== this.#data.bot.botId) throw new SlackApiError("cant_update_message");
    const content = this.#content(args, true);
    const metadata = this.#metadata(args);
    if (content.text !== undefined) message.text = content.text;
    if (content.blocks !== undefined) message.blocks = content.blocks;
    if (content.attachments !== undefined) message.attachments = content.attachments;
    if (metadata === null) delete message.metadata;
    else if (metadata !== undefined) message.metadata = metadata;
    message.edited = { user: this.#data.bot.userId, ts: this.workspace.nextTs() };
    return { channel, ts: message.ts, text: message.text, message: this.#render(message, true) };
  }

  #postEphemeral(args: Args): Answer {
    const channel = this.#requireChannel(args);
    const user = str(args, "user");
    if (user === undefined || !this.workspace.user(user)) throw new SlackApiError("user_not_found");
    if (!this.workspace.isMember(channel, user)) throw new SlackApiError("user_not_in_channel");
    const content = this.#content(args, true);
    const messageTs = this.workspace.nextTs();
    const threadTs = str(args, "thread_ts");
    this.workspace.addEphemeral({
      channel,
      user,
      message_ts: messageTs,
      text: content.text ?? "",
      ...(threadTs ? { thread_ts: threadTs } : {}),
      ...(content.blocks ? { blocks: content.blocks } : {}),
    });
    return { message_ts: messageTs };
  }

  #permalink(args: Args): Answer {
    const channel = this.#requireChannel(args);
    const ts = str(args, "message_ts");
    const message = ts === undefined ? undefined : this.workspace.find(channel, ts);
    if (!message) throw new SlackApiError("message_not_found");
    const base = `${this.#teamUrl()}archives/${channel}/p${message.ts.replace(".", "")}`;
    const isReply = message.thread_ts !== undefined && message.thread_ts !== message.ts;
    return {
      channel,
      permalink: isReply ? `${base}?thread_ts=${message.thread_ts}&cid=${channel}` : base,
    };
  }

  #history(args: Args): Answer {
    const channel = this.#requireChannel(args);
    const withMetadata = bool(args, "include_all_metadata");
    const newestFirst = this.workspace
      .topLevel(channel)
      .filter((m) => inRange(m.ts, args))
      .reverse();
    const { page, has_more, response_metadata } = pageOf(newestFirst, args, 100);
    return {
      messages: page.map((m) => this.#render(m, withMetadata)),
      has_more,
      pin_count: 0,
      channel_actions_ts: null,
      channel_actions_count: 0,
      response_metadata,
    };
  }

  #replies(args: Args): Answer {
    const channel = this.#requireChannel(args);
    const ts = str(args, "ts");
    const root = ts === undefined ? undefined : this.workspace.find(channel, ts);
    if (!root || ts === undefined) throw new SlackApiError("thread_not_found");
    const withMetadata = bool(args, "include_all_metadata");
    const isReply = root.thread_ts !== undefined && root.thread_ts !== root.ts;
    const thread = isReply ? [root] : this.workspace.thread(channel, ts);
    const filtered = thread.filter((m, i) => i === 0 || inRange(m.ts, args));
    const { page, has_more, response_metadata } = pageOf(filtered, args, 1000);
    return {
      messages: page.map((m) => this.#render(m, withMetadata)),
      has_more,
      response_metadata,
    };
  }

  #publishView(args: Args): Answer {
    const userId = str(args, "user_id");
    if (userId === undefined || !this.workspace.user(userId)) {
      throw new SlackApiError("invalid_arguments", {
        response_metadata: { messages: ["[ERROR] invalid `user_id`"] },
      });
    }
    const view = json(args, "view", "invalid_arguments");
    if (typeof view !== "object" || view === null || Array.isArray(view)) {
      throw new SlackApiError("invalid_arguments", {
        response_metadata: { messages: ["[ERROR] missing required field: view"] },
      });
    }
    const v = view as Record<string, unknown>;
    const errors: string[] = [];
    if (v.type !== "home") errors.push('must be "home" [json-pointer:/view/type]');
    errors.push(...validateBlocks(v.blocks, BLOCK_LIMITS.surfaceBlocks, "/view/blocks"));
    // Views report block errors as invalid_arguments (messages carry the pointers), not
    // invalid_blocks as messages do.
    if (errors.length > 0) throw invalidBlocks(errors, "invalid_arguments");
    if (JSON.stringify(v).length > 250_000) throw new SlackApiError("view_too_large");
    const hash = str(args, "hash");
    const current = this.workspace.homeView(userId);
    if (hash !== undefined && current && current.hash !== hash) {
      throw new SlackApiError("hash_conflict");
    }
    const published = this.workspace.publishView(userId, v);
    return {
      view: {
        id: published.id,
        team_id: this.#data.team.id,
        type: "home",
        close: null,
        submit: null,
        blocks: v.blocks,
        private_metadata: v.private_metadata ?? "",
        callback_id: v.callback_id ?? "",
        state: { values: {} },
        hash: published.hash,
        clear_on_close: false,
        notify_on_close: false,
        root_view_id: published.id,
        previous_view_id: null,
        app_id: this.#data.bot.appId,
        external_id: v.external_id ?? "",
        bot_id: this.#data.bot.botId,
      },
    };
  }

  #usersInfo(args: Args): Answer {
    const id = str(args, "user");
    const bot = this.#data.bot;
    if (id === bot.userId) {
      return {
        user: {
          id: bot.userId,
          team_id: this.#data.team.id,
          name: bot.name,
          deleted: false,
          real_name: bot.name,
          is_bot: true,
          is_app_user: false,
          is_admin: false,
          is_owner: false,
          profile: { real_name: bot.name, display_name: bot.name, bot_id: bot.botId },
        },
      };
    }
    const u = id === undefined ? undefined : this.workspace.user(id);
    if (!u) throw new SlackApiError("user_not_found");
    const display = u.displayName ?? u.name;
    return {
      user: {
        id: u.id,
        team_id: this.#data.team.id,
        name: u.name,
        deleted: u.deleted,
        real_name: u.realName,
        tz: u.tz,
        is_admin: u.isAdmin,
        is_owner: false,
        is_primary_owner: false,
        is_restricted: false,
        is_ultra_restricted: false,
        is_bot: u.isBot,
        is_app_user: false,
        profile: {
          real_name: u.realName,
          real_name_normalized: u.realName,
          display_name: display,
          display_name_normalized: display,
          title: u.title ?? "",
          team: this.#data.team.id,
          ...(u.email ? { email: u.email } : {}),
        },
      },
    };
  }

  #usergroupUsers(args: Args): Answer {
    const id = str(args, "usergroup");
    const group = this.#data.usergroups.find((g) => g.id === id);
    if (!group) throw new SlackApiError("no_such_subteam");
    return { users: [...group.users] };
  }
}

export const slackService: SimService<SlackData> = {
  name: "slack",
  mount: "/slack",
  sdkPath: "/api/",
  dataSchema: slackDataSchema,
  create: (data, ctx) => new SlackSim(data, ctx),
};

export type { SlackData, SlackState };
export { slackDataSchema as dataSchema };
