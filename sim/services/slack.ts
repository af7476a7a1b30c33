import type {
  SimContext,
  SimHandled,
  SimRequest,
  SimService,
  SimServiceInstance,
} from "../types.ts";
import { type Answer, type Args, invalidBlocks, json, SlackApiError, str } from "./slack-api.ts";
import { BLOCK_LIMITS, validateBlocks } from "./slack-blocks.ts";
import { type SlackData, slackDataSchema } from "./slack-data.ts";
import { SlackMessages } from "./slack-messages.ts";
import { type SlackState, SlackWorkspace } from "./slack-workspace.ts";

/**
 * The subset of the Slack Web API prode calls, at `{mount}/api/{method}`, answering with
 * Slack's documented shapes and error codes so `@slack/web-api`'s WebClient works against
 * it unmodified (`slackApiUrl: world.urls.slack`). Like Slack, it answers HTTP 200 with
 * `{ok:false, error}` for API errors; only rate limits (429) use the status line.
 */

const JSON_FIELDS = ["blocks", "attachments", "metadata", "view"];

/**
 * Decodes the JSON fields of a call once. `recorded` is what the recorder keeps: the
 * arguments without the token, each JSON field decoded when it parses. `args` is what the
 * method reads: a field that decodes to an object or array is handed over decoded (json()
 * takes it as is); any other value stays as sent, so the method reads it exactly as before
 * and answers its own format error.
 */
function decodeJsonFields(args: Args): { args: Args; recorded: Args } {
  const { token: _token, ...recorded } = args;
  const decoded: Args = { ...args };
  for (const key of JSON_FIELDS) {
    const value = recorded[key];
    if (typeof value !== "string") continue;
    try {
      const parsed: unknown = JSON.parse(value);
      recorded[key] = parsed;
      if (typeof parsed === "object" && parsed !== null) decoded[key] = parsed;
    } catch {
      // Left as sent; the method answers the format error.
    }
  }
  return { args: decoded, recorded };
}

class SlackSim implements SimServiceInstance {
  readonly workspace: SlackWorkspace;
  readonly state: SlackState;
  readonly #methods: Record<string, (args: Args) => Answer>;

  constructor(data: SlackData, ctx: SimContext) {
    this.workspace = new SlackWorkspace(data, ctx);
    this.state = this.workspace;
    const messages = new SlackMessages(this.workspace);
    this.#methods = {
      "auth.test": () => this.#authTest(),
      "chat.postMessage": (a) => messages.postMessage(a),
      "chat.update": (a) => messages.update(a),
      "chat.postEphemeral": (a) => messages.postEphemeral(a),
      "chat.getPermalink": (a) => messages.permalink(a),
      "conversations.history": (a) => messages.history(a),
      "conversations.replies": (a) => messages.replies(a),
      "views.publish": (a) => this.#publishView(a),
      "views.open": (a) => this.#openView(a),
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
    const { args: decoded, recorded } = decodeJsonFields(args);
    try {
      return {
        method,
        status: 200,
        body: { ok: true, ...handler(decoded) },
        recordedBody: recorded,
      };
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

  #authTest(): Answer {
    return {
      url: this.workspace.teamUrl(),
      team: this.#data.team.name,
      user: this.#data.bot.name,
      team_id: this.#data.team.id,
      user_id: this.#data.bot.userId,
      bot_id: this.#data.bot.botId,
      is_enterprise_install: false,
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

  /**
   * views.open: a modal for the user whose click carried `trigger_id`. Like Slack, a
   * trigger is good once (`trigger_exchanged`); the modal's limits are checked and it is
   * kept for tests ({@link SlackState.openedViews}). Triggers are not timed out here.
   */
  #openView(args: Args): Answer {
    const trigger = str(args, "trigger_id");
    if (trigger === undefined) {
      throw new SlackApiError("invalid_arguments", {
        response_metadata: { messages: ["[ERROR] missing required field: trigger_id"] },
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
    if (v.type !== "modal") errors.push('must be "modal" [json-pointer:/view/type]');
    const title = (v.title as { text?: unknown } | undefined)?.text;
    if (typeof title !== "string" || title.length === 0 || title.length > 24)
      errors.push("must be 1 to 24 characters [json-pointer:/view/title/text]");
    for (const key of ["submit", "close"]) {
      const t = (v[key] as { text?: unknown } | undefined)?.text;
      if (t !== undefined && (typeof t !== "string" || t.length > 24))
        errors.push(`must be less than 25 characters [json-pointer:/view/${key}/text]`);
    }
    if (typeof v.private_metadata === "string" && v.private_metadata.length > 3000)
      errors.push("must be less than 3001 characters [json-pointer:/view/private_metadata]");
    errors.push(...validateBlocks(v.blocks, BLOCK_LIMITS.surfaceBlocks, "/view/blocks"));
    if (errors.length > 0) throw invalidBlocks(errors, "invalid_arguments");
    const opened = this.workspace.openView(trigger, v);
    if (!opened) throw new SlackApiError("trigger_exchanged");
    return {
      view: {
        id: opened.id,
        team_id: this.#data.team.id,
        type: "modal",
        blocks: v.blocks,
        private_metadata: v.private_metadata ?? "",
        callback_id: v.callback_id ?? "",
        state: { values: {} },
        hash: opened.hash,
        root_view_id: opened.id,
        app_id: this.#data.bot.appId,
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
