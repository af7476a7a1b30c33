import { z } from "zod";
import { storableDeep } from "../../domain/storable-text.ts";

/**
 * What a signed request to /slack/events may carry, checked before Bolt sees it. Bolt
 * trusts the shape of what Slack sends (a signed `payload=null` once made it read a
 * property of null outside any handler and took the process down), so only the shapes
 * prode listens to reach it, rebuilt from the validated fields and made storable (no
 * NUL or lone surrogate, which Postgres refuses); anything else is answered here.
 */
export type SlackBody =
  | { kind: "ssl_check" }
  | { kind: "url_verification"; challenge: string }
  /** Well formed, but nothing of prode listens to it: acknowledged and dropped. */
  | { kind: "ignored"; what: string }
  | { kind: "bolt"; body: Record<string, unknown>; workspace: SlackWorkspace };

/**
 * The workspace (and Enterprise Grid organisation) a request says it comes from; for
 * prode's own, the organisation only when its install is organisation-wide.
 */
export interface SlackWorkspace {
  teamId?: string | undefined;
  enterpriseId?: string | undefined;
}

function workspace(teamId: unknown, enterpriseId: unknown): SlackWorkspace {
  return {
    ...(typeof teamId === "string" ? { teamId } : {}),
    ...(typeof enterpriseId === "string" ? { enterpriseId } : {}),
  };
}

export type ParsedSlackBody =
  | { ok: true; value: SlackBody }
  | { ok: false; status: 400 | 415; error: string };

const id = z.string().min(1).max(255);
const text = z.string().max(40_000);

/** A slash command as Slack posts it (form fields). */
const CommandBody = z.object({
  command: z.string().min(1).max(100),
  text: text.optional(),
  user_id: id,
  user_name: id.optional(),
  channel_id: id,
  channel_name: z.string().max(255).optional(),
  team_id: id.optional(),
  team_domain: z.string().max(255).optional(),
  enterprise_id: id.optional(),
  api_app_id: id.optional(),
  trigger_id: id,
  response_url: z.string().max(2_000).optional(),
  is_enterprise_install: z.enum(["true", "false"]).optional(),
});

/** A button click (`block_actions`): the fields prode and Bolt read, nothing else. */
const BlockActionsBody = z.object({
  type: z.literal("block_actions"),
  user: z.object({
    id,
    name: z.string().max(255).optional(),
    username: z.string().max(255).optional(),
    team_id: id.optional(),
  }),
  api_app_id: id.optional(),
  trigger_id: id,
  team: z
    .object({ id, domain: z.string().max(255).optional() })
    .nullable()
    .optional(),
  enterprise: z.object({ id }).nullable().optional(),
  is_enterprise_install: z.boolean().optional(),
  channel: z.object({ id, name: z.string().max(255).optional() }).optional(),
  container: z
    .looseObject({
      type: z.string().max(100),
      message_ts: id.optional(),
      channel_id: id.optional(),
    })
    .optional(),
  // The clicked message: kept whole (its metadata and blocks tell what the user saw).
  message: z.looseObject({ ts: id, thread_ts: id.optional() }).optional(),
  response_url: z.string().max(2_000).optional(),
  actions: z
    .array(
      z.looseObject({
        action_id: id,
        block_id: id.optional(),
        type: z.string().max(100),
        value: z.string().max(2_000).optional(),
        action_ts: z.string().max(100).optional(),
      }),
    )
    .min(1)
    .max(25),
});

/**
 * A modal submitted (`view_submission`): the user, the view's callback id, metadata and
 * input state. Bolt routes on `view.callback_id`.
 */
const ViewSubmissionBody = z.object({
  type: z.literal("view_submission"),
  user: z.object({
    id,
    name: z.string().max(255).optional(),
    username: z.string().max(255).optional(),
    team_id: id.optional(),
  }),
  api_app_id: id.optional(),
  trigger_id: id.optional(),
  team: z
    .object({ id, domain: z.string().max(255).optional() })
    .nullable()
    .optional(),
  enterprise: z.object({ id }).nullable().optional(),
  is_enterprise_install: z.boolean().optional(),
  view: z.looseObject({
    id,
    type: z.literal("modal"),
    callback_id: z.string().max(255),
    private_metadata: z.string().max(3_000).optional(),
    hash: z.string().max(255).optional(),
    state: z
      .object({
        values: z.record(
          z.string().max(255),
          z.record(z.string().max(255), z.looseObject({ type: z.string().max(100) })),
        ),
      })
      .optional(),
  }),
});

/** An Events API callback: the envelope, and the event fields prode's listeners read. */
const EventCallbackBody = z.object({
  type: z.literal("event_callback"),
  token: z.string().max(255).optional(),
  team_id: id.optional(),
  enterprise_id: id.nullable().optional(),
  api_app_id: id.optional(),
  event_id: id,
  event_time: z.number().int().nonnegative().optional(),
  is_ext_shared_channel: z.boolean().optional(),
  authorizations: z
    .array(
      z.object({
        enterprise_id: id.nullable().optional(),
        team_id: id.nullable().optional(),
        user_id: id.optional(),
        is_bot: z.boolean().optional(),
        is_enterprise_install: z.boolean().optional(),
      }),
    )
    .max(10)
    .optional(),
  event: z.looseObject({
    type: id,
    user: id.optional(),
    channel: id.optional(),
    tab: z.string().max(50).optional(),
    event_ts: z.string().max(100).optional(),
    // app_mention: what was said, and where.
    text: text.optional(),
    ts: z.string().max(100).optional(),
    thread_ts: z.string().max(100).optional(),
  }),
});

const Envelope = z.looseObject({ type: z.string().max(100) });

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function mediaType(contentType: string | string[] | undefined): string {
  const value = Array.isArray(contentType) ? contentType[0] : contentType;
  return (value ?? "").split(";")[0]!.trim().toLowerCase();
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function bad(error: string): ParsedSlackBody {
  return { ok: false, status: 400, error };
}

function issues(error: z.ZodError): string {
  return z.prettifyError(error).split("\n").join(" ").slice(0, 300);
}

/** What prode's listeners handle: the command, the button action ids and event types. */
export interface SlackListened {
  command: string;
  actionIds: readonly string[];
  eventTypes: readonly string[];
  /** The callback ids of prode's modals (`view_submission`). */
  viewCallbackIds?: readonly string[];
}

function fromForm(form: URLSearchParams, listened: SlackListened): ParsedSlackBody {
  const keys = [...form.keys()];
  if (new Set(keys).size !== keys.length) return bad("a form field appears twice");
  if (form.get("ssl_check") === "1") return { ok: true, value: { kind: "ssl_check" } };
  const payload = form.get("payload");
  if (payload !== null) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload);
    } catch {
      return bad("payload is not JSON");
    }
    return fromInteraction(parsed, listened);
  }
  const command = CommandBody.safeParse(Object.fromEntries(form));
  if (!command.success) return bad(`not a slash command: ${issues(command.error)}`);
  if (command.data.command !== listened.command)
    return { ok: true, value: { kind: "ignored", what: "command" } };
  return {
    ok: true,
    value: {
      kind: "bolt",
      body: storableDeep(command.data),
      workspace: workspace(command.data.team_id, command.data.enterprise_id),
    },
  };
}

function fromInteraction(parsed: unknown, listened: SlackListened): ParsedSlackBody {
  if (!isPlainObject(parsed)) return bad("payload is not a JSON object");
  const envelope = Envelope.safeParse(parsed);
  if (!envelope.success) return bad("payload has no type");
  if (envelope.data.type === "view_submission") {
    const submitted = ViewSubmissionBody.safeParse(parsed);
    if (!submitted.success) return bad(`malformed view_submission: ${issues(submitted.error)}`);
    if (!(listened.viewCallbackIds ?? []).includes(submitted.data.view.callback_id))
      return { ok: true, value: { kind: "ignored", what: "view" } };
    const { team, user, enterprise } = submitted.data;
    return {
      ok: true,
      value: {
        kind: "bolt",
        body: storableDeep(submitted.data),
        workspace: workspace(team?.id ?? user.team_id, enterprise?.id),
      },
    };
  }
  if (envelope.data.type !== "block_actions")
    return { ok: true, value: { kind: "ignored", what: "interaction" } };
  const actions = BlockActionsBody.safeParse(parsed);
  if (!actions.success) return bad(`malformed block_actions: ${issues(actions.error)}`);
  const ours = actions.data.actions.some((a) => listened.actionIds.includes(a.action_id));
  // Link buttons and other apps' elements still send block_actions; acknowledging is all.
  if (!ours) return { ok: true, value: { kind: "ignored", what: "action" } };
  const { team, user, enterprise } = actions.data;
  return {
    ok: true,
    value: {
      kind: "bolt",
      body: storableDeep(actions.data),
      workspace: workspace(team?.id ?? user.team_id, enterprise?.id),
    },
  };
}

function fromJson(parsed: unknown, listened: SlackListened): ParsedSlackBody {
  if (!isPlainObject(parsed)) return bad("body is not a JSON object");
  const envelope = Envelope.safeParse(parsed);
  if (!envelope.success) return bad("body has no type");
  if (envelope.data.type === "url_verification") {
    const challenge = parsed.challenge;
    if (typeof challenge !== "string" || challenge.length === 0 || challenge.length > 500)
      return bad("url_verification without a challenge");
    return { ok: true, value: { kind: "url_verification", challenge } };
  }
  if (envelope.data.type !== "event_callback")
    return { ok: true, value: { kind: "ignored", what: "event envelope" } };
  const event = EventCallbackBody.safeParse(parsed);
  if (!event.success) return bad(`malformed event_callback: ${issues(event.error)}`);
  if (!listened.eventTypes.includes(event.data.event.type))
    return { ok: true, value: { kind: "ignored", what: "event" } };
  return {
    ok: true,
    value: {
      kind: "bolt",
      body: storableDeep(event.data),
      workspace: workspace(event.data.team_id, event.data.enterprise_id),
    },
  };
}

/**
 * Parses and validates a (signed) body: form-encoded commands and interactions, JSON
 * events. Invalid UTF-8, another content type, JSON that is not an object, a repeated
 * form field or a malformed known shape is refused with 4xx.
 */
export function parseSlackBody(
  contentType: string | string[] | undefined,
  rawBody: Buffer,
  listened: SlackListened,
): ParsedSlackBody {
  const type = mediaType(contentType);
  if (type !== "application/x-www-form-urlencoded" && type !== "application/json")
    return { ok: false, status: 415, error: "expected a form or JSON body" };
  let body: string;
  try {
    body = utf8.decode(rawBody);
  } catch {
    return bad("body is not UTF-8");
  }
  if (type === "application/x-www-form-urlencoded")
    return fromForm(new URLSearchParams(body), listened);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return bad("body is not JSON");
  }
  return fromJson(parsed, listened);
}

/** Whether an unsigned body is Slack's SSL check (form `ssl_check=1`), answered unsigned. */
export function isSslCheck(contentType: string | string[] | undefined, rawBody: Buffer): boolean {
  if (mediaType(contentType) !== "application/x-www-form-urlencoded") return false;
  if (rawBody.length > 4_096) return false;
  return new URLSearchParams(rawBody.toString("latin1")).get("ssl_check") === "1";
}
