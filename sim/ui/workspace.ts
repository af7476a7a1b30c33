import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { signedSlackHeaders } from "../../src/adapters/slack/signing.ts";
import { readBody } from "../http.ts";
import type { World } from "../server.ts";
import { linearWebhook } from "../services/linear-webhook.ts";
import {
  slackAppMention,
  slackBlockAction,
  slackSlashCommand,
  slackViewSubmission,
} from "../services/slack-requests.ts";
import { pageState, stateSignature } from "./view.ts";

/**
 * The simulated workspace in a browser (issue 19.4), served by the world at `/ui/`: the
 * incident channel with its threads, App Home, modals and a slash-command box, live over
 * Server-Sent Events. What the page does goes to prode as Slack and Linear send it:
 * the world builds the request (sim/services/slack-requests.ts) and signs it with the
 * scenario's signing secret, and this server POSTs it to prode's real endpoints. The
 * secret never reaches the page. The page's own API takes JSON only and refuses another
 * origin, so another site cannot drive it (its form cannot send JSON; a cross-origin JSON
 * POST needs a preflight this server refuses; a rebound DNS name shows in Origin).
 */

export const WORKSPACE_PREFIX = "/ui";

export interface WorkspaceOptions {
  /** prode's base URL (its web role): Slack posts to `/slack/events`, Linear to `/webhooks/linear`. */
  prodeUrl: string;
  /** How often each open page checks the world for changes (default 250 ms). */
  pollMs?: number;
}

export interface Workspace {
  /** The page's address, e.g. http://127.0.0.1:43121/ui/ */
  url: string;
}

const ASSETS: Record<string, { file: string; type: string }> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/app.js": { file: "app.js", type: "text/javascript; charset=utf-8" },
  "/style.css": { file: "style.css", type: "text/css; charset=utf-8" },
};
const ASSET_DIR = join(import.meta.dirname, "assets");

/** Only our own script and style; images over https (Block Kit image blocks). */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
  });
  res.end(JSON.stringify(body));
}

/** The origin the request was addressed to, when its Host is a loopback name or address. */
function hostOrigin(req: IncomingMessage): string | undefined {
  const host = req.headers.host ?? "";
  return /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/.test(host) ? `http://${host}` : undefined;
}

/** A field of the page's JSON request: a short string, or undefined. */
function field(body: Record<string, unknown>, key: string, max = 4_000): string | undefined {
  const v = body[key];
  return typeof v === "string" && v.length > 0 && v.length <= max ? v : undefined;
}

interface Forwarded {
  status: number;
  /** What prode answered, when it said something (a slash command's ephemeral ack). */
  text?: string;
}

async function forward(
  url: string,
  request: { headers: Record<string, string>; body: string },
): Promise<Forwarded> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.timeout(10_000),
    });
    const raw = await response.text();
    let text: string | undefined;
    try {
      const parsed = JSON.parse(raw) as { text?: unknown; error?: unknown };
      if (typeof parsed.text === "string") text = parsed.text;
      else if (!response.ok && typeof parsed.error === "string") text = parsed.error;
    } catch {
      if (!response.ok && raw) text = raw.slice(0, 300);
    }
    return { status: response.status, ...(text ? { text } : {}) };
  } catch (error) {
    return { status: 502, text: `prode did not answer at ${url}: ${String(error)}` };
  }
}

/**
 * Serves the workspace page on `world` at /ui/, acting towards prode at `prodeUrl`.
 * Returns the page's address.
 */
export function attachWorkspace(world: World, options: WorkspaceOptions): Workspace {
  const slack = world.state.slack;
  const data = slack.data;
  const secret = data.signingSecret;
  const events = `${options.prodeUrl.replace(/\/$/, "")}/slack/events`;
  const linearHook = `${options.prodeUrl.replace(/\/$/, "")}/webhooks/linear`;
  const pollMs = options.pollMs ?? 250;
  /** Who clicked each trigger, so a modal opens for the person whose click opened it. */
  const triggers = new Map<string, string>();
  const closedModals = new Set<string>();
  let eventSeq = 0;

  const knownUser = (id: string | undefined) =>
    id !== undefined && data.users.some((u) => u.id === id) ? id : undefined;
  const defaultViewer = data.users.find((u) => !u.isBot && !u.deleted)?.id ?? data.bot.userId;
  const openModalIds = (viewer: string) =>
    new Set(
      slack
        .openedViews()
        .filter((v) => triggers.get(v.trigger_id) === viewer && !closedModals.has(v.id))
        .map((v) => v.id),
    );
  const stateFor = (viewer: string) =>
    pageState({
      slack,
      scenario: world.scenario,
      now: world.now(),
      viewer,
      openModalIds: openModalIds(viewer),
    });

  const actions: Record<string, (body: Record<string, unknown>, as: string) => Promise<Forwarded>> =
    {
      async action(body, as) {
        const channel = field(body, "channel", 100);
        const ts = field(body, "ts", 100);
        const actionId = field(body, "actionId", 255);
        if (!channel || !ts || !actionId) return { status: 400, text: "channel, ts, actionId" };
        const value = field(body, "value", 2_000);
        const request = slackBlockAction(world, {
          user: as,
          channel,
          messageTs: ts,
          actionId,
          ...(value !== undefined ? { value } : {}),
        });
        triggers.set(String(request.payload.trigger_id), as);
        return forward(events, request);
      },
      async command(body, as) {
        const text = typeof body.text === "string" ? body.text.slice(0, 4_000) : "";
        const channel = field(body, "channel", 100);
        return forward(
          events,
          slackSlashCommand(world, { user: as, text, ...(channel ? { channel } : {}) }),
        );
      },
      async mention(body, as) {
        const text = field(body, "text");
        if (!text) return { status: 400, text: "text" };
        const threadTs = field(body, "threadTs", 100);
        const channel = field(body, "channel", 100);
        return forward(
          events,
          slackAppMention(world, {
            user: as,
            text,
            ...(threadTs ? { threadTs } : {}),
            ...(channel ? { channel } : {}),
          }),
        );
      },
      async home(_body, as) {
        eventSeq += 1;
        const ts = `${(Date.now() / 1000).toFixed(6)}`;
        const payload = JSON.stringify({
          token: "sim-verification-token",
          team_id: data.team.id,
          api_app_id: data.bot.appId,
          type: "event_callback",
          event_id: `Ev0UIHOME${Date.now().toString(36).toUpperCase()}${eventSeq}`,
          event_time: Math.floor(Date.now() / 1000),
          event: {
            type: "app_home_opened",
            user: as,
            channel: `D${as.slice(1)}`,
            tab: "home",
            event_ts: ts,
          },
        });
        return forward(events, {
          headers: signedSlackHeaders(secret, payload, { contentType: "application/json" }),
          body: payload,
        });
      },
      async submit(body, as) {
        const viewId = field(body, "viewId", 100);
        const view = slack.openedViews().find((v) => v.id === viewId);
        if (!view || !openModalIds(as).has(view.id)) return { status: 404, text: "no such modal" };
        const selected: Record<string, Record<string, string>> = {};
        const raw = body.selected;
        if (typeof raw === "object" && raw !== null) {
          for (const [blockId, byAction] of Object.entries(raw as Record<string, unknown>)) {
            if (typeof byAction !== "object" || byAction === null) continue;
            for (const [actionId, value] of Object.entries(byAction as Record<string, unknown>)) {
              if (typeof value !== "string") continue;
              selected[blockId] ??= {};
              selected[blockId]![actionId] = value;
            }
          }
        }
        closedModals.add(view.id);
        return forward(
          events,
          slackViewSubmission(world, {
            user: as,
            view: { ...view.view, id: view.id, hash: view.hash },
            selected,
          }),
        );
      },
      async close(body) {
        const viewId = field(body, "viewId", 100);
        if (viewId) closedModals.add(viewId);
        return { status: 200 };
      },
      async trigger(body) {
        const identifier = field(body, "identifier", 100) ?? world.scenario.ticket.identifier;
        const delivery = linearWebhook(world, {
          action: "create",
          type: "Issue",
          data: { identifier },
        });
        return forward(linearHook, delivery);
      },
    };

  const serveEvents = (res: ServerResponse, viewer: string) => {
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
    });
    let last = "";
    let beat = 0;
    const push = () => {
      const signature = stateSignature(slack, viewer);
      beat += 1;
      // Changes at once; otherwise every ~20 s, so `{ago}` dates stay true.
      if (signature === last && beat * pollMs < 20_000) return;
      last = signature;
      beat = 0;
      res.write(`event: state\ndata: ${JSON.stringify(stateFor(viewer))}\n\n`);
    };
    push();
    const timer = setInterval(push, pollMs);
    res.on("close", () => clearInterval(timer));
  };

  world.attach(WORKSPACE_PREFIX, async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://sim.invalid");
    const path = url.pathname.slice(WORKSPACE_PREFIX.length) || "/";
    const viewer = knownUser(url.searchParams.get("as") ?? undefined) ?? defaultViewer;
    if (req.method === "GET") {
      if (url.pathname === WORKSPACE_PREFIX) {
        res.writeHead(302, { location: `${WORKSPACE_PREFIX}/` });
        res.end();
        return;
      }
      const asset = ASSETS[path];
      if (asset) {
        res.writeHead(200, {
          "content-type": asset.type,
          "content-security-policy": CSP,
          "x-content-type-options": "nosniff",
          "cache-control": "no-store",
        });
        res.end(readFileSync(join(ASSET_DIR, asset.file)));
        return;
      }
      if (path === "/state") return json(res, 200, stateFor(viewer));
      if (path === "/events") return serveEvents(res, viewer);
      return json(res, 404, { error: "not_found" });
    }
    const name = path.replace(/^\/api\//, "");
    const act = req.method === "POST" && path.startsWith("/api/") ? actions[name] : undefined;
    if (!act) return json(res, 404, { error: "not_found" });
    // A page of another origin (or a rebound DNS name) does not drive the world's users.
    const origin = req.headers.origin;
    if (
      origin !== undefined &&
      origin !== new URL(world.url).origin &&
      origin !== hostOrigin(req)
    ) {
      return json(res, 403, { error: "cross-origin request refused" });
    }
    if (!(req.headers["content-type"] ?? "").toLowerCase().startsWith("application/json")) {
      return json(res, 415, { error: "application/json only" });
    }
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse((await readBody(req)).toString("utf8") || "{}");
      body =
        typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : {};
    } catch {
      return json(res, 400, { error: "body is not JSON" });
    }
    const as = knownUser(field(body, "as", 100));
    if (!as && name !== "trigger" && name !== "close")
      return json(res, 400, { error: "as: a user of the scenario's workspace" });
    json(res, 200, await act(body, as ?? defaultViewer));
  });
  return { url: `${world.url}${WORKSPACE_PREFIX}/` };
}
